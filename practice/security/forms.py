from django import forms
from django.contrib.auth.forms import AuthenticationForm

from practice.security.access import Role


class LoginForm(AuthenticationForm):
    username = forms.CharField(
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class CodeForm(forms.Form):
    token = forms.CharField(
        label="6-digit code",
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


class StaffCreateForm(forms.Form):
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    username = forms.CharField(max_length=150)
    email = forms.EmailField(
        help_text="They get an invitation here to set their own password (link valid 3 days)."
    )
    role = forms.ChoiceField(choices=[(r.value, r.value) for r in Role])


class AuditFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Record or person contains")
