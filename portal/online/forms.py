from django import forms
from django.utils import timezone
from phonenumber_field.formfields import PhoneNumberField

from portal.forms import AddressForm
from practice.forms import DateInput
from practice.validation import PlausibleDatesMixin

from . import screening

YES_NO = [("no", "No"), ("yes", "Yes")]


class Honeypot(forms.Form):
    """A field people never see (hidden by CSS, skipped by keyboard and screen
    readers) and form-filling robots fill in."""

    website = forms.CharField(
        label="Leave this empty",
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )

    def is_robot(self) -> bool:
        return bool(self.data.get(self.add_prefix("website")))


class ReturningForm(Honeypot, AddressForm):
    prefix = "returning"


class NewClientForm(PlausibleDatesMixin, Honeypot):
    prefix = "new"

    first_name = forms.CharField(
        max_length=80, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    last_name = forms.CharField(
        max_length=80, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    email = forms.EmailField(
        max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = PhoneNumberField(
        label="Mobile number", region="US", widget=forms.TextInput(attrs={"autocomplete": "tel"})
    )
    date_of_birth = forms.DateField(widget=DateInput(attrs={"autocomplete": "bday"}))
    consent_email = forms.BooleanField(
        label="Email me appointment reminders", required=False, initial=True
    )
    consent_sms = forms.BooleanField(label="Text me appointment reminders", required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, label in screening.QUESTIONS:
            self.fields[key] = forms.ChoiceField(
                label=label, choices=YES_NO, widget=forms.RadioSelect
            )
        # The honeypot last, after the fields people fill in.
        self.order_fields([*(n for n in self.fields if n != "website"), "website"])

    def clean_first_name(self):
        return self.cleaned_data["first_name"].strip()

    def clean_last_name(self):
        return self.cleaned_data["last_name"].strip()

    def clean_date_of_birth(self):
        born = self.cleaned_data["date_of_birth"]
        if born >= timezone.localdate():
            raise forms.ValidationError("Enter your date of birth (a date in the past).")
        return born

    def details(self) -> dict:
        data = self.cleaned_data
        return {
            "first_name": data["first_name"],
            "last_name": data["last_name"],
            "email": data["email"],
            "phone": str(data["phone"]),
            "date_of_birth": data["date_of_birth"],
            "consent_email": data["consent_email"],
            "consent_sms": data["consent_sms"],
        }

    def answers(self) -> dict:
        return {key: self.cleaned_data[key] == "yes" for key in screening.KEYS}
