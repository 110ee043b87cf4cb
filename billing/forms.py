from decimal import Decimal

from django import forms

from practice.validation import PlausibleDatesMixin

from .models import InvoiceLine, PackageProduct, Payment

AMOUNT = {"max_digits": 10, "decimal_places": 2, "min_value": Decimal("0.01")}


class DeskForm(forms.Form):
    """A form of the invoice page, rendered by Django with one shared field template.

    The page shows up to five forms; crispy took about twice as long per form
    (2.2 against 1.0 ms of CPU for the payment form) and these forms need
    nothing of its layouts.
    """

    template_name = "billing/_form.html"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if not widget.is_hidden:
                css = "form-select" if isinstance(widget, forms.Select) else "form-control"
                widget.attrs["class"] = css

    def add_error(self, field, error):
        super().add_error(field, error)
        # Bootstrap marks an invalid input by its class (Django adds aria-invalid).
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                if "is-invalid" not in attrs.get("class", ""):
                    attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()


class LineForm(DeskForm):
    kind = forms.ChoiceField(
        label="Type",
        choices=[
            (InvoiceLine.Kind.PRODUCT, "Product"),
            (InvoiceLine.Kind.TIP, "Tip (goes to the therapist)"),
            (InvoiceLine.Kind.FEE, "Fee"),
            (InvoiceLine.Kind.CREDIT, "Credit (takes money off)"),
        ],
    )
    description = forms.CharField(max_length=200)
    quantity = forms.DecimalField(
        max_digits=7, decimal_places=2, min_value=Decimal("0.01"), initial=1
    )
    unit_price = forms.DecimalField(label="Price each", **AMOUNT)


class PaymentForm(DeskForm):
    method = forms.ChoiceField(
        choices=[
            (value, label)
            for value, label in Payment.Method.choices
            # Those two arrive with packages and gift cards, through their own ledgers.
            if value not in (Payment.Method.GIFT_CARD, Payment.Method.PACKAGE_CREDIT)
        ]
    )
    amount = forms.DecimalField(**AMOUNT)
    reference = forms.CharField(
        max_length=80,
        required=False,
        help_text="Terminal slip or transfer reference. Never a card number.",
    )

    def clean_reference(self):
        reference = self.cleaned_data["reference"]
        digits = sum(ch.isdigit() for ch in reference)
        if digits >= 12:
            raise forms.ValidationError(
                "That looks like a card number. Enter the terminal's slip reference instead."
            )
        return reference


class DistinctIdsMixin:
    """Several forms share one page: each gets its own id prefix, so labels stay unique."""

    id_prefix = "id"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", f"{self.id_prefix}_%s")
        super().__init__(*args, **kwargs)


class RefundForm(DistinctIdsMixin, DeskForm):
    id_prefix = "refund"
    amount = forms.DecimalField(**AMOUNT)
    reason = forms.CharField(max_length=200)


class VoidForm(DistinctIdsMixin, DeskForm):
    id_prefix = "void"
    reason = forms.CharField(max_length=200, label="Why is this invoice void?")


class DaySheetForm(PlausibleDatesMixin, forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))


class PackagePayForm(forms.Form):
    purchase = forms.UUIDField(widget=forms.HiddenInput)


class GiftCardPayForm(DistinctIdsMixin, DeskForm):
    id_prefix = "card"
    code = forms.CharField(
        label="Gift card code", max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    amount = forms.DecimalField(**AMOUNT)


class PackageSellForm(forms.Form):
    product = forms.ModelChoiceField(queryset=PackageProduct.objects.none(), label="Package")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = PackageProduct.objects.filter(active=True)


class GiftCardSellForm(DistinctIdsMixin, forms.Form):
    id_prefix = "sell"
    value = forms.DecimalField(label="Card value", **AMOUNT)


class PackageProductForm(forms.ModelForm):
    class Meta:
        model = PackageProduct
        fields = ["name", "service", "sessions", "price", "valid_days"]
        labels = {"valid_days": "Valid for (days)"}
