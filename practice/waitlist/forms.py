"""The waitlist request form, shared by the portal and the front desk."""

from crispy_forms.bootstrap import InlineCheckboxes
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms

from practice.models import Service, Therapist
from practice.validation import PlausibleDatesMixin
from practice.waitlist.windows import WEEKDAY_NAMES


class EntryForm(PlausibleDatesMixin, forms.Form):
    service = forms.ModelChoiceField(queryset=Service.objects.none(), empty_label=None)
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.none(), required=False, empty_label="Anyone"
    )
    date_from = forms.DateField(label="First day", widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label="Last day", widget=forms.DateInput(attrs={"type": "date"}))
    weekdays = forms.MultipleChoiceField(
        label="Days (none ticked: any day)",
        choices=[(str(n), name) for n, name in enumerate(WEEKDAY_NAMES)],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    morning = forms.BooleanField(label="Mornings (before 12:00)", required=False)
    afternoon = forms.BooleanField(label="Afternoons (12:00-17:00)", required=False)
    evening = forms.BooleanField(label="Evenings (from 17:00)", required=False)
    earliest_start = forms.TimeField(
        label="Earliest start", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    latest_start = forms.TimeField(
        label="Latest start", required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    note = forms.CharField(label="Note for the front desk", max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["service"].queryset = Service.objects.filter(active=True).order_by("name")
        self.fields["therapist"].queryset = Therapist.objects.filter(active=True).order_by(
            "display_name"
        )
        # The seven days side by side: a shorter form on a phone.
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            *(InlineCheckboxes(name) if name == "weekdays" else name for name in self.fields)
        )

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", "The last day must be on or after the first.")
        early, late = data.get("earliest_start"), data.get("latest_start")
        if early and late and late < early:
            self.add_error("latest_start", "The latest start must be after the earliest.")
        return data

    def add_service_errors(self, exc) -> None:
        """Put the service's errors on the fields they name, the rest on the form."""
        for field, errors in getattr(exc, "error_dict", {None: exc.error_list}).items():
            for error in errors:
                self.add_error(field if field in self.fields else None, error)

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "service": data["service"],
            "therapist": data["therapist"],
            "date_from": data["date_from"],
            "date_to": data["date_to"],
            "weekdays": "".join(data["weekdays"]),
            "morning": data["morning"],
            "afternoon": data["afternoon"],
            "evening": data["evening"],
            "earliest_start": data["earliest_start"],
            "latest_start": data["latest_start"],
            "note": data["note"],
        }
