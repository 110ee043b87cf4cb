from django import forms
from django.conf import settings

EXPIRY_CHOICES = [(30, "30 days"), (90, "90 days"), (180, "180 days"), (365, "1 year")]


class TokenForm(forms.Form):
    name = forms.CharField(
        max_length=80,
        help_text="What the token is for, e.g. “Calendar sync script”.",
    )
    days = forms.TypedChoiceField(
        label="Expires after", choices=EXPIRY_CHOICES, coerce=int, initial=90
    )

    def clean_name(self):
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError("Give the token a name.")
        return name

    def clean_days(self):
        days = self.cleaned_data["days"]
        # The choices may run past a lower maximum the practice has set.
        if days > settings.RELIEF_API_TOKEN_MAX_DAYS:
            raise forms.ValidationError(
                f"At most {settings.RELIEF_API_TOKEN_MAX_DAYS} days in this practice."
            )
        return days
