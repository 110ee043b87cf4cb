from django import forms

from api.webhooks import events


class EndpointForm(forms.Form):
    url = forms.CharField(
        label="Endpoint URL",
        max_length=500,
        help_text="An https:// address of your other system that accepts POST requests.",
        widget=forms.URLInput(attrs={"placeholder": "https://example.com/relief-webhooks"}),
    )
    description = forms.CharField(
        label="Description",
        max_length=200,
        required=False,
        help_text="For you: what this endpoint feeds (e.g. “Accounting sync”).",
    )
    events = forms.MultipleChoiceField(
        label="Events to send",
        choices=events.CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )

    def clean_url(self):
        return self.cleaned_data["url"].strip()
