import re

import pytest

from clients.body_map import BACK_SHAPES, FRONT_SHAPES, MIN_TARGET, body_map_views
from clients.body_regions import BACK, BODY_REGIONS, FRONT
from clients.forms import body_region_field

# The vocabulary as it was before issue 14: intakes, technique applications and
# plans store these codes, so each must keep its place, code and label.
CODES_IN_USE_FRONT = [
    ("head_face", "Head and face"),
    ("neck_front", "Front of neck"),
    ("chest", "Chest"),
    ("abdomen", "Abdomen"),
    ("shoulder_front_left", "Left shoulder (front)"),
    ("shoulder_front_right", "Right shoulder (front)"),
    ("upper_arm_left", "Left upper arm"),
    ("upper_arm_right", "Right upper arm"),
    ("forearm_hand_left", "Left forearm and hand"),
    ("forearm_hand_right", "Right forearm and hand"),
    ("hip_front_left", "Left hip and groin"),
    ("hip_front_right", "Right hip and groin"),
    ("thigh_front_left", "Left thigh (front)"),
    ("thigh_front_right", "Right thigh (front)"),
    ("knee_left", "Left knee"),
    ("knee_right", "Right knee"),
    ("shin_left", "Left shin"),
    ("shin_right", "Right shin"),
    ("foot_left", "Left foot"),
    ("foot_right", "Right foot"),
]
CODES_IN_USE_BACK = [
    ("head_back", "Back of head"),
    ("neck_back", "Back of neck"),
    ("upper_back_left", "Left upper back and shoulder blade"),
    ("upper_back_right", "Right upper back and shoulder blade"),
    ("mid_back", "Mid back"),
    ("low_back", "Low back"),
    ("glute_left", "Left buttock"),
    ("glute_right", "Right buttock"),
    ("hamstring_left", "Left back of thigh"),
    ("hamstring_right", "Right back of thigh"),
    ("calf_left", "Left calf"),
    ("calf_right", "Right calf"),
]


def test_codes_in_use_keep_their_place_and_label():
    assert FRONT[: len(CODES_IN_USE_FRONT)] == CODES_IN_USE_FRONT
    assert BACK[: len(CODES_IN_USE_BACK)] == CODES_IN_USE_BACK


def test_jaw_and_hands_are_new_front_codes_with_labels():
    added = dict(FRONT[len(CODES_IN_USE_FRONT) :])
    assert added == {
        "jaw_left": "Left jaw (TMJ)",
        "jaw_right": "Right jaw (TMJ)",
        "hand_left": "Left hand",
        "hand_right": "Right hand",
    }
    assert BACK == CODES_IN_USE_BACK
    assert len(BODY_REGIONS) == len(FRONT) + len(BACK)


def test_every_body_region_is_drawn_once_on_its_view():
    assert set(FRONT_SHAPES) == {code for code, _ in FRONT}
    assert set(BACK_SHAPES) == {code for code, _ in BACK}


def test_each_view_draws_a_silhouette_and_only_its_own_regions():
    html = body_region_field("Where?").widget.render("pain", [], attrs={"id": "id_pain"})
    front, back = html.split("<figure")[1:]
    for view, own, other in ((front, FRONT, BACK), (back, BACK, FRONT)):
        assert view.count('class="bm-outline"') == 1
        assert re.search(r'class="bm-outline"[^>]* d="M[\d.,C ]+Z"', view)
        for code, label in own:
            assert f'data-region="{code}"' in view
            assert f'aria-label="{label}"' in view
        for code, _ in other:
            assert f'data-region="{code}"' not in view


def _extent(shape):
    """The bounding box (in view units) of a region's visible shape and hit area."""
    xs, ys = [], []
    for tag, attrs in re.findall(r"<(\w+) ([^>]*?)/>", shape):
        values = dict(re.findall(r'([\w-]+)="([^"]*)"', attrs))
        if tag == "ellipse":
            cx, cy, rx, ry = (float(values[k]) for k in ("cx", "cy", "rx", "ry"))
            xs += [cx - rx, cx + rx]
            ys += [cy - ry, cy + ry]
        elif tag == "rect":
            x, y, w, h = (float(values[k]) for k in ("x", "y", "width", "height"))
            xs += [x, x + w]
            ys += [y, y + h]
        else:
            numbers = [
                float(n) for n in re.findall(r"-?[\d.]+", values.get("points") or values["d"])
            ]
            xs += numbers[0::2]
            ys += numbers[1::2]
    return max(xs) - min(xs), max(ys) - min(ys)


@pytest.mark.parametrize("view", body_map_views(), ids=lambda view: view["key"])
def test_every_region_is_a_big_enough_target_in_the_drawing(view):
    # MIN_TARGET units are 44 CSS px once a view is 276 px wide; the browser
    # test measures the real thing on a phone.
    for region in view["regions"]:
        width, height = _extent(region["shape"])
        assert width >= MIN_TARGET and height >= MIN_TARGET, (region["code"], width, height)


def test_widget_draws_clickable_regions_that_mirror_the_checkboxes():
    field = body_region_field("Where do you feel pain?")
    html = field.widget.render("pain_regions", ["low_back", "knee_left"], attrs={"id": "id_pain"})
    for code in BODY_REGIONS:
        assert f'data-region="{code}"' in html
        assert f'id="id_pain-map-{code}"' in html
        assert f'value="{code}"' in html
    assert html.count('aria-pressed="true"') == 2
    assert html.count("checked") == 2
    assert 'role="button" tabindex="0"' in html


def test_body_map_survives_crispy_forms():
    """Other apps render forms with crispy: the map must not turn into a plain list."""
    from django import forms
    from django.template import Context, Template

    class NoteForm(forms.Form):
        regions = body_region_field("Regions treated")

    html = Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(
        Context({"form": NoteForm(data={"regions": ["calf_left"]})})
    )
    assert 'data-region="calf_left"' in html
    assert 'aria-pressed="true"' in html
    assert 'type="checkbox"' in html and 'value="calf_left"' in html
    assert "<legend" in html and "Regions treated" in html


def test_no_regions_ticked_means_an_empty_list():
    from django import forms

    class NoteForm(forms.Form):
        regions = body_region_field("Regions treated")

    form = NoteForm(data={})
    assert form.is_valid()
    assert form.cleaned_data["regions"] == []
