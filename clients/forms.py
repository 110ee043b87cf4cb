"""Forms check shape; clients.services checks the rules."""

import uuid

from django import forms
from django.utils import timezone
from phonenumber_field.formfields import PhoneNumberField

from practice.models import Therapist
from practice.validation import PlausibleDatesMixin

from .body_regions import BODY_REGION_CHOICES
from .consent import CONSENT_VERSION, consent_text
from .models import Client, Intake
from .red_flags import HEALTH_CONDITION_CHOICES
from .services import CLIENT_FIELDS
from .widgets import BodyMapWidget, RatingWidget

RATING_CHOICES = [(n, str(n)) for n in range(11)]

PAIN_CHARACTER_CHOICES = [
    ("aching", "Aching"),
    ("sharp", "Sharp or stabbing"),
    ("burning", "Burning"),
    ("tingling", "Tingling or pins and needles"),
    ("numbness", "Numbness"),
    ("stiffness", "Stiffness"),
    ("throbbing", "Throbbing"),
    ("shooting", "Shooting"),
    ("cramping", "Cramping"),
    ("dull", "Dull"),
]


def _past_birth_date(dob):
    if dob and dob >= timezone.localdate():
        raise forms.ValidationError("Please check the date of birth: it is not in the past.")
    return dob


class PlainForm(PlausibleDatesMixin, forms.Form):
    """No browser-side `required`: the server's plain-words errors are the ones people see."""

    use_required_attribute = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            _style(field)


def _style(field):
    widget = field.widget
    if isinstance(widget, forms.CheckboxInput):
        widget.attrs.setdefault("class", "form-check-input")
    elif isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
        widget.attrs.setdefault("class", "form-select")
    elif not isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        widget.attrs.setdefault("class", "form-control")


def rating_field(label, low, high, *, required=True, help_text=""):
    return forms.TypedChoiceField(
        label=label,
        choices=RATING_CHOICES,
        coerce=int,
        empty_value=None,
        required=required,
        widget=RatingWidget(low=low, high=high),
        help_text=help_text,
        error_messages={
            "required": "Please choose a number from 0 to 10.",
            "invalid_choice": "Please choose a number from 0 to 10.",
        },
    )


def body_region_field(label, help_text=""):
    return forms.MultipleChoiceField(
        label=label,
        choices=BODY_REGION_CHOICES,
        required=False,
        widget=BodyMapWidget,
        help_text=help_text,
    )


class ClientForm(PlausibleDatesMixin, forms.ModelForm):
    use_required_attribute = False
    confirm_not_duplicate = forms.BooleanField(
        label="This is a different person: save anyway",
        required=False,
    )

    class Meta:
        model = Client
        fields = list(CLIENT_FIELDS)
        widgets = {"date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {"preferred_name": "What the client likes to be called, if different."}

    def __init__(self, *args, show_duplicate_override=False, can_assign=True, **kwargs):
        super().__init__(*args, **kwargs)
        if can_assign:
            self.fields["primary_therapist"].queryset = Therapist.objects.filter(active=True)
        else:
            # Only owner and front desk move a client between therapists.
            del self.fields["primary_therapist"]
        if not show_duplicate_override:
            del self.fields["confirm_not_duplicate"]
        for field in self.fields.values():
            _style(field)
        self.fields["email"].widget.attrs.update({"autocomplete": "off"})

    def clean_email(self):
        return self.cleaned_data["email"].strip().lower()

    def clean_date_of_birth(self):
        return _past_birth_date(self.cleaned_data.get("date_of_birth"))


class IntakeForm(PlainForm):
    """The intake: one page, in sections, the same for the client and for staff."""

    SECTIONS = [
        (
            "contact",
            "Your contact details",
            [
                "date_of_birth",
                "phone",
                "email",
                "emergency_contact_name",
                "emergency_contact_phone",
            ],
        ),
        ("reason", "Why you are coming", ["chief_complaint"]),
        (
            "pain",
            "Your pain",
            [
                "pain_regions",
                "onset_date",
                "duration",
                "pain_character",
                "aggravating_factors",
                "relieving_factors",
                "previous_treatment",
                "medications",
            ],
        ),
        (
            "ratings",
            "How you have been",
            [
                "pain_now",
                "pain_average",
                "pain_worst",
                "peg_enjoyment",
                "peg_activity",
                "stress_rating",
                "sleep_quality",
                "sleep_hours",
            ],
        ),
        ("health", "Your health", ["health_conditions", "health_notes"]),
        ("preferences", "Your session", ["pressure_preference", "areas_to_avoid", "goals"]),
        ("consent", "Consent", ["consent_agree", "consent_signature"]),
    ]

    date_of_birth = forms.DateField(
        label="Date of birth",
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        error_messages={"required": "Please enter your date of birth."},
    )
    phone = PhoneNumberField(
        label="Mobile phone",
        region="US",
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label="Email", required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    emergency_contact_name = forms.CharField(
        label="Emergency contact: name",
        max_length=120,
        error_messages={"required": "Please tell us who to call in an emergency."},
    )
    emergency_contact_phone = PhoneNumberField(
        label="Emergency contact: phone",
        region="US",
        widget=forms.TextInput(attrs={"type": "tel"}),
        error_messages={"required": "Please give your emergency contact's phone number."},
    )
    chief_complaint = forms.CharField(
        label="What brings you in?",
        help_text="In your own words: where it hurts, what you would like help with.",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Please tell us briefly why you are coming."},
    )
    pain_regions = body_region_field(
        "Where do you feel pain?",
        help_text="Tap the body map or tick the areas in the list.",
    )
    onset_date = forms.DateField(
        label="When did it start? (approximate date)",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    duration = forms.ChoiceField(
        label="How long have you had it?",
        choices=Intake.Duration.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    pain_character = forms.MultipleChoiceField(
        label="What does it feel like?",
        choices=PAIN_CHARACTER_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    aggravating_factors = forms.CharField(
        label="What makes it worse?", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    relieving_factors = forms.CharField(
        label="What makes it better?", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    previous_treatment = forms.CharField(
        label="Treatment you have had for it",
        help_text="Physiotherapy, chiropractic, injections, surgery, earlier massage...",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    medications = forms.CharField(
        label="Medications you take", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    pain_now = rating_field("Your pain right now", "no pain", "worst pain imaginable")
    pain_average = rating_field(
        "Your pain on average in the last week", "no pain", "worst pain imaginable"
    )
    pain_worst = rating_field(
        "Your worst pain in the last week", "no pain", "worst pain imaginable"
    )
    peg_enjoyment = rating_field(
        "In the last week, how much has pain interfered with your enjoyment of life?",
        "does not interfere",
        "completely interferes",
        required=False,
    )
    peg_activity = rating_field(
        "In the last week, how much has pain interfered with your general activity?",
        "does not interfere",
        "completely interferes",
        required=False,
    )
    stress_rating = rating_field(
        "Stress rating (0-10): how stressed have you felt in the last week?",
        "not at all",
        "extremely",
    )
    sleep_quality = rating_field(
        "Sleep quality rating (0-10): how well have you slept in the last week?",
        "very badly",
        "very well",
    )
    sleep_hours = forms.DecimalField(
        label="Hours of sleep on a usual night",
        required=False,
        min_value=0,
        max_value=24,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
        error_messages={
            "min_value": "Hours of sleep can't be below 0.",
            "max_value": "Hours of sleep can't be more than 24.",
        },
    )
    health_conditions = forms.MultipleChoiceField(
        label="Do any of these apply to you?",
        help_text="Tick all that apply. Your therapist uses this to keep you safe.",
        choices=HEALTH_CONDITION_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    health_notes = forms.CharField(
        label="Anything else about your health we should know",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    pressure_preference = forms.ChoiceField(
        label="Pressure you prefer",
        choices=Intake.Pressure.choices,
        required=False,
        widget=forms.RadioSelect,
    )
    areas_to_avoid = body_region_field(
        "Areas you do not want massaged",
        help_text="Tap the body map or tick the areas in the list.",
    )
    goals = forms.CharField(
        label="What would you like to be able to do again?",
        help_text="For example: sleep through the night, garden for an hour, lift my child.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    consent_agree = forms.BooleanField(
        label="I have read and agree to the consent above",
        error_messages={"required": "Please tick the box to agree to the consent."},
    )
    consent_signature = forms.CharField(
        label="Type your full name as your signature",
        max_length=160,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={"required": "Please type your full name to sign."},
    )

    consent_version = CONSENT_VERSION

    @property
    def consent_text(self):
        return consent_text(self.consent_version)

    def sections(self):
        for key, title, names in self.SECTIONS:
            yield {"key": key, "title": title, "fields": [self[name] for name in names]}

    def clean_onset_date(self):
        onset = self.cleaned_data.get("onset_date")
        if onset and onset > timezone.localdate():
            raise forms.ValidationError("The date your pain started can't be in the future.")
        return onset

    CONTACT_FIELDS = (
        "date_of_birth",
        "phone",
        "email",
        "emergency_contact_name",
        "emergency_contact_phone",
    )

    def __init__(self, *args, client=None, show_on_file=False, **kwargs):
        """`client`: the record the desk already filled in, so it is not asked again.

        With `show_on_file` (the form in the clinic, staff present) the stored
        contact details are filled in for the client to check and correct.
        Without it (the emailed link, which anyone it is forwarded to can open)
        nothing stored is shown: a detail on file becomes optional and blank
        keeps it, since the intake service only overwrites what is given.
        """
        super().__init__(*args, **kwargs)
        if client is None:
            return
        for name in self.CONTACT_FIELDS:
            value = getattr(client, name)
            if value in (None, ""):
                continue
            field = self.fields[name]
            if show_on_file:
                self.initial.setdefault(name, _as_typed(value))
                field.help_text = "From the client's record: correct it if it has changed."
            else:
                field.required = False
                field.help_text = "We have this on file. Fill it in only if it has changed."

    def clean_date_of_birth(self):
        return _past_birth_date(self.cleaned_data.get("date_of_birth"))

    def clean_consent_signature(self):
        return " ".join(self.cleaned_data["consent_signature"].split())


def _as_typed(value):
    # A stored phone number shown as a person types it, not in E.164.
    if hasattr(value, "as_national") and getattr(value, "country_code", None) == 1:
        return value.as_national
    if hasattr(value, "as_international"):
        return value.as_international
    return value


class StaffIntakeForm(IntakeForm):
    """The same intake filled in the clinic; the one-time token stops a double submit."""

    form_token = forms.UUIDField(widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("initial", {}).setdefault("form_token", uuid.uuid4())
        super().__init__(*args, **kwargs)
        self.fields["consent_signature"].label = "Client's full name, typed as their signature"
        self.fields["consent_agree"].label = "The client has read and agrees to the consent above"


class CheckInForm(PlainForm):
    pain_now = rating_field("Your pain right now", "no pain", "worst pain imaginable")
    stress_rating = rating_field(
        "Stress rating (0-10): how stressed do you feel today?", "not at all", "extremely"
    )
    sleep_quality = rating_field(
        "Sleep quality rating (0-10): how well did you sleep last night?",
        "very badly",
        "very well",
    )
    anything_new = forms.CharField(
        label="Anything new since your last visit?",
        help_text="A new injury or medication, a change in your health, a new place that hurts.",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class RedFlagClearanceForm(forms.Form):
    note = forms.CharField(
        label="What was seen",
        max_length=2000,
        error_messages={"required": "Say what you saw: who cleared it, and on what."},
    )


class KioskUnlockForm(forms.Form):
    password = forms.CharField(
        label="Staff password",
        strip=False,
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "class": "form-control form-control-lg"}
        ),
    )
