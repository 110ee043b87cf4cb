from django import forms

from clients.body_regions import BODY_REGION_CHOICES
from clients.models import Score
from clients.widgets import BodyMapWidget
from practice.models import Therapist
from practice.validation import PlausibleDatesMixin

from .models import (
    AmendedTechnique,
    Goal,
    SessionNote,
    Technique,
    TechniqueApplication,
    TreatmentPlan,
)

PAIN_HELP = "0 = no pain, 10 = worst imaginable."
REVIEWED_LABEL = "I have reviewed the red flags"


def reviewed_field(label=REVIEWED_LABEL):
    # Not a model field: the services refuse a pressure or region that goes
    # against the client's red flags unless this is ticked.
    return forms.BooleanField(label=label, required=False)


class BootstrapMixin(PlausibleDatesMixin):
    """Bootstrap classes on every widget, so templates stay plain `{{ field }}`."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields()

    def style_fields(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
                continue
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            classes = widget.attrs.get("class", "")
            if css not in classes.split():
                widget.attrs["class"] = f"{classes} {css}".strip()


class NoteForm(BootstrapMixin, forms.ModelForm):
    pain_before = forms.IntegerField(
        label="Pain before (0-10)", min_value=0, max_value=10, required=False, help_text=PAIN_HELP
    )
    pain_after = forms.IntegerField(
        label="Pain after (0-10)", min_value=0, max_value=10, required=False, help_text=PAIN_HELP
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
    red_flags_reviewed = reviewed_field()

    class Meta:
        model = SessionNote
        fields = [
            "subjective",
            "objective",
            "assessment",
            "plan_text",
            "pressure",
            "client_response",
            "home_care",
        ]
        widgets = {
            name: forms.Textarea(attrs={"rows": 3})
            for name in (
                "subjective",
                "objective",
                "assessment",
                "plan_text",
                "client_response",
                "home_care",
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("pain_before", "pain_after"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})
        self.fields["pressure"].choices = [
            ("", "Not recorded"),
            *self.fields["pressure"].choices[1:],
        ]

    def text_fields(self):
        return {name: self.cleaned_data[name] for name in self.Meta.fields}

    # The fields the editor shows an error beside while autosaving.
    LIVE_FIELDS = ("pain_before", "pain_after", *Meta.fields)

    def savable_part(self):
        """What an autosave may still save from an invalid form: every valid field.

        Returns the text fields and the pain keyword arguments; a field with
        an error is left out (a pain score left out stays as stored), so one
        out-of-range value never holds back the rest of the note.
        """
        bad = set(self.errors)
        fields = {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name not in bad and name in self.cleaned_data
        }
        pain = {
            name: self.cleaned_data.get(name)
            for name in ("pain_before", "pain_after")
            if name not in bad
        }
        return fields, pain

    def live_fields(self):
        return [self[name] for name in self.LIVE_FIELDS]


class SignConfirmForm(forms.Form):
    """The confirmation step: which version was reviewed, and the red-flag tick carried over."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    red_flags_reviewed = forms.BooleanField(required=False, widget=forms.HiddenInput)


class TechniqueApplicationForm(BootstrapMixin, forms.ModelForm):
    body_regions = forms.MultipleChoiceField(
        label="Body regions", choices=BODY_REGION_CHOICES, widget=BodyMapWidget, required=False
    )
    red_flags_reviewed = reviewed_field(f"{REVIEWED_LABEL} for this technique")

    class Meta:
        model = TechniqueApplication
        fields = ["technique", "body_regions", "side", "minutes", "pressure", "notes"]
        error_messages = {"technique": {"required": "Choose the technique you applied."}}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "technique")
        super().__init__(*args, **kwargs)
        self.fields["technique"].queryset = Technique.objects.filter(active=True)
        self.fields["technique"].empty_label = "Choose a technique"
        self.fields["minutes"].widget.attrs.update({"min": 1, "max": 180, "inputmode": "numeric"})
        self.fields["minutes"].help_text = "1 to 180 minutes."
        for name in ("side", "pressure"):
            self.fields[name].choices = [("", "Not recorded"), *self.fields[name].choices[1:]]


class AmendmentForm(BootstrapMixin, forms.Form):
    text = forms.CharField(
        label="Amendment",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Corrections are appended with your name and the time; the note is unchanged.",
    )


class CorrectionForm(BootstrapMixin, forms.Form):
    """An amendment that corrects the note's pain scores and/or technique table."""

    text = forms.CharField(
        label="What was wrong",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Appended with your name and the time. The signed note stays as it was.",
        error_messages={"required": "Say what you are correcting and why."},
    )
    pain_before = forms.IntegerField(
        label="Pain before (0-10)", min_value=0, max_value=10, required=False, help_text=PAIN_HELP
    )
    pain_after = forms.IntegerField(
        label="Pain after (0-10)", min_value=0, max_value=10, required=False, help_text=PAIN_HELP
    )
    correct_techniques = forms.BooleanField(
        label="Replace the technique table with the rows below",
        required=False,
        help_text="Leave unticked to correct only the text or the pain scores.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("pain_before", "pain_after"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})


class AmendedTechniqueForm(BootstrapMixin, forms.ModelForm):
    body_regions = forms.MultipleChoiceField(
        label="Body regions", choices=BODY_REGION_CHOICES, widget=BodyMapWidget, required=False
    )

    class Meta:
        model = AmendedTechnique
        fields = ["technique", "body_regions", "side", "minutes", "pressure", "notes"]
        error_messages = {"technique": {"required": "Choose the technique you applied."}}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["technique"].queryset = Technique.objects.filter(active=True)
        self.fields["technique"].empty_label = "Choose a technique"
        self.fields["minutes"].widget.attrs.update({"min": 1, "max": 180, "inputmode": "numeric"})
        for name in ("side", "pressure"):
            self.fields[name].choices = [("", "Not recorded"), *self.fields[name].choices[1:]]

    def row(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.Meta.fields}


AmendedTechniqueFormSet = forms.formset_factory(
    AmendedTechniqueForm, extra=1, can_delete=True, max_num=30, absolute_max=30
)


class ReassignForm(BootstrapMixin, forms.Form):
    therapist = forms.ModelChoiceField(
        label="Therapist", queryset=Therapist.objects.filter(active=True)
    )


class PlanForm(BootstrapMixin, forms.ModelForm):
    focus_regions = forms.MultipleChoiceField(
        label="Focus regions", choices=BODY_REGION_CHOICES, widget=BodyMapWidget, required=False
    )

    class Meta:
        model = TreatmentPlan
        fields = [
            "problem_summary",
            "frequency",
            "planned_sessions",
            "planned_techniques",
            "focus_regions",
            "start_date",
            "review_date",
        ]
        widgets = {
            "problem_summary": forms.Textarea(attrs={"rows": 3}),
            "planned_techniques": forms.CheckboxSelectMultiple,
            "start_date": forms.DateInput(attrs={"type": "date"}),
            "review_date": forms.DateInput(attrs={"type": "date"}),
        }

    def __init__(self, *args, choose_therapist=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["planned_techniques"].queryset = Technique.objects.filter(active=True)
        if choose_therapist:
            self.fields["therapist"] = forms.ModelChoiceField(
                queryset=Therapist.objects.filter(active=True)
            )
            self.style_fields()

    def clean(self):
        data = super().clean()
        start, review = data.get("start_date"), data.get("review_date")
        if start and review and review < start:
            self.add_error("review_date", "The review date cannot be before the start date.")
        return data

    def plan_fields(self):
        names = (
            "problem_summary",
            "frequency",
            "planned_sessions",
            "focus_regions",
            "start_date",
            "review_date",
        )
        return {name: self.cleaned_data[name] for name in names}


GOAL_FIELDS = ("description", "instrument", "direction", "target_value", "target_date")


class GoalForm(BootstrapMixin, forms.ModelForm):
    achieved = forms.BooleanField(label="Achieved", required=False)

    class Meta:
        model = Goal
        fields = list(GOAL_FIELDS)
        labels = {"target_value": "Target (0-10)"}
        widgets = {"target_date": forms.DateInput(attrs={"type": "date"})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["instrument"].choices = Score.Instrument.choices
        if self.instance.pk:
            self.fields["achieved"].initial = self.instance.achieved_at is not None

    def goal_data(self):
        # Not Meta.fields: the inline formset appends the parent key to it.
        data = {name: self.cleaned_data.get(name) for name in GOAL_FIELDS}
        data["achieved"] = self.cleaned_data.get("achieved", False)
        data["delete"] = self.cleaned_data.get("DELETE", False)
        if self.instance.pk:
            data["id"] = self.instance.pk
        return data


# absolute_max: a posted TOTAL_FORMS of 1,000 must not build 1,000 forms first.
GoalFormSet = forms.inlineformset_factory(
    TreatmentPlan,
    Goal,
    form=GoalForm,
    extra=1,
    can_delete=True,
    max_num=10,
    absolute_max=10,
    validate_max=True,
)


class PlanCloseForm(BootstrapMixin, forms.Form):
    status = forms.ChoiceField(
        label="Close as",
        choices=[
            (TreatmentPlan.Status.COMPLETED, "Completed: goals met or plan finished"),
            (TreatmentPlan.Status.DISCONTINUED, "Discontinued: stopped early"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label="Reason", widget=forms.Textarea(attrs={"rows": 2}))


class TechniqueForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = Technique
        fields = ["name", "category", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
