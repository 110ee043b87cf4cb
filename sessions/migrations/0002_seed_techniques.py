from django.db import migrations

TECHNIQUES = [
    (
        "Swedish massage",
        "swedish",
        "relaxation",
        "Long gliding strokes, kneading and friction for general relaxation and circulation.",
    ),
    (
        "Deep tissue",
        "deep-tissue",
        "clinical",
        "Slow, firm pressure to reach deeper layers of muscle and fascia.",
    ),
    (
        "Myofascial release",
        "myofascial-release",
        "clinical",
        "Sustained pressure and stretch into fascial restrictions.",
    ),
    (
        "Trigger point therapy",
        "trigger-point-therapy",
        "clinical",
        "Ischemic compression of hyperirritable spots in taut bands of muscle.",
    ),
    (
        "Neuromuscular therapy",
        "neuromuscular-therapy",
        "clinical",
        "Systematic assessment and treatment of trigger points, posture and nerve compression.",
    ),
    (
        "Sports massage",
        "sports-massage",
        "sports",
        "Pre- or post-event work aimed at performance and recovery.",
    ),
    (
        "Lymphatic drainage",
        "lymphatic-drainage",
        "specialty",
        "Very light rhythmic strokes that encourage lymph flow.",
    ),
    (
        "Prenatal massage",
        "prenatal",
        "specialty",
        "Positioning and techniques adapted to pregnancy.",
    ),
    (
        "Assisted stretching",
        "assisted-stretching",
        "sports",
        "Therapist-guided passive and active stretching.",
    ),
    ("Hot stone", "hot-stone", "relaxation", "Heated stones used as tools and placed on the body."),
    (
        "Cupping",
        "cupping",
        "specialty",
        "Negative pressure cups, static or moving, to lift tissue.",
    ),
    (
        "Instrument-assisted soft tissue work",
        "iastm",
        "clinical",
        "Tools used to detect and treat soft-tissue restrictions.",
    ),
]


def seed(apps, schema_editor):
    Technique = apps.get_model("treatment_sessions", "Technique")
    for name, slug, category, description in TECHNIQUES:
        Technique.objects.update_or_create(
            slug=slug, defaults={"name": name, "category": category, "description": description}
        )


def unseed(apps, schema_editor):
    slugs = [slug for _, slug, _, _ in TECHNIQUES]
    apps.get_model("treatment_sessions", "Technique").objects.filter(slug__in=slugs).delete()


class Migration(migrations.Migration):
    dependencies = [("treatment_sessions", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
