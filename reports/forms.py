from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django import forms
from django.http import QueryDict

from practice.models import Location, Therapist
from practice.timezones import practice_time_zone
from practice.validation import PlausibleDatesMixin

from . import clientele, periods
from .models import NOTE_LENGTH


@dataclass(frozen=True)
class ReportFilters:
    """What every report reads: the period as instants on the location's clock."""

    period: periods.Period
    tz: ZoneInfo
    location: Location | None
    therapist: Therapist | None

    @property
    def start(self) -> datetime:
        return datetime.combine(self.period.first, time.min, tzinfo=self.tz)

    @property
    def end(self) -> datetime:
        # Exclusive: midnight after the last day, so the last day counts whole.
        return datetime.combine(self.period.last + timedelta(days=1), time.min, tzinfo=self.tz)

    def query(self) -> dict:
        """The selector keyword arguments every report takes."""
        return {
            "start": self.start,
            "end": self.end,
            "location": self.location,
            "therapist": self.therapist,
        }


class ReportFilterForm(PlausibleDatesMixin, forms.Form):
    period = forms.ChoiceField(choices=periods.CHOICES, initial=periods.THIS_MONTH, required=False)
    first = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last = forms.DateField(
        label="To (included)", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    location = forms.ModelChoiceField(
        queryset=Location.objects.order_by("name"), required=False, empty_label="All locations"
    )
    therapist = forms.ModelChoiceField(
        queryset=Therapist.objects.order_by("display_name"),
        required=False,
        empty_label="All therapists",
    )

    def __init__(self, *args, today, own_therapist=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today
        self.own_therapist = own_therapist
        if own_therapist is not None:
            # A therapist sees only their own figures: no choice to make.
            del self.fields["therapist"]

    def clean(self):
        data = super().clean()
        choice = data.get("period") or periods.THIS_MONTH
        try:
            data["period_range"] = periods.period_for(
                choice, today=self.today, first=data.get("first"), last=data.get("last")
            )
        except ValueError as error:
            self.add_error("last" if choice == periods.CUSTOM else "period", str(error))
        return data

    def query_string(self) -> str:
        """What was chosen, as a report page's query (a POST sends the user back with it)."""
        query = QueryDict(mutable=True)
        for name in self.fields:
            value = self.data.get(name)
            if value:
                query[name] = value
        return query.urlencode()

    def filters(self) -> ReportFilters:
        """The chosen filters, or this month for everyone when the form is not valid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        location = data.get("location")
        therapist = self.own_therapist or data.get("therapist")
        period = data.get("period_range") or periods.period_for(
            periods.THIS_MONTH, today=self.today
        )
        tz = ZoneInfo(location.time_zone) if location else practice_time_zone()
        return ReportFilters(period=period, tz=tz, location=location, therapist=therapist)


class RecallFilterForm(forms.Form):
    weeks = forms.TypedChoiceField(
        label="Last visit more than",
        choices=[(w, f"{w} weeks ago") for w in clientele.RECALL_WEEKS],
        coerce=int,
        initial=clientele.DEFAULT_RECALL_WEEKS,
        required=False,
    )
    location = forms.ModelChoiceField(
        queryset=Location.objects.order_by("name"), required=False, empty_label="All locations"
    )
    therapist = forms.ModelChoiceField(
        label="Last seen by",
        queryset=Therapist.objects.order_by("display_name"),
        required=False,
        empty_label="Any therapist",
    )
    contact = forms.ChoiceField(
        label="Contacted",
        choices=[
            (clientele.CONTACT_ANY, "Everyone, contacted last"),
            (clientele.CONTACT_WAITING, "Not contacted yet"),
            (clientele.CONTACT_DONE, "Contacted"),
        ],
        required=False,
    )

    def __init__(self, *args, own_therapist=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.own_therapist = own_therapist
        if own_therapist is not None:
            del self.fields["therapist"]

    def chosen(self) -> dict:
        """weeks, location and therapist; the defaults when the form is not valid."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return {
            "weeks": data.get("weeks") or clientele.DEFAULT_RECALL_WEEKS,
            "location": data.get("location"),
            "therapist": self.own_therapist or data.get("therapist"),
            "contact": data.get("contact") or clientele.CONTACT_ANY,
        }


class RecallContactForm(forms.Form):
    note = forms.CharField(
        label="Note",
        max_length=NOTE_LENGTH,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": "e.g. left voicemail"}),
    )
