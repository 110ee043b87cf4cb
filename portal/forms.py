from django import forms
from phonenumber_field.formfields import PhoneNumberField

from . import selectors


class AddressForm(forms.Form):
    address = forms.CharField(
        label="Your email or mobile number",
        max_length=254,
        widget=forms.TextInput(attrs={"autocomplete": "username", "autofocus": True}),
    )

    def clean_address(self):
        normalised = selectors.normalise_address(self.cleaned_data["address"])
        if normalised is None:
            raise forms.ValidationError("Enter an email address or a mobile phone number.")
        return normalised


class CodeForm(forms.Form):
    code = forms.RegexField(
        label="Six-digit code",
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": "Enter the six digits from the message."},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "pattern": r"\d{6}",
            }
        ),
    )


class ContactForm(forms.Form):
    email = forms.EmailField(required=False, max_length=254)
    phone = PhoneNumberField(label="Mobile number", required=False, region="US")
    consent_email = forms.BooleanField(label="Email me appointment reminders", required=False)
    consent_sms = forms.BooleanField(label="Text me appointment reminders", required=False)
