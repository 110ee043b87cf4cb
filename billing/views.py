"""Checkout, invoices, payments, refunds, receipts and the day sheet (owner and front desk)."""

import csv
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from clients.selectors import get_client_for_user
from practice import selectors as practice_selectors
from practice.security.access import Role, owner_required, roles_required
from practice.timezones import practice_time_zone
from practice.validation import parse_id

from . import money, receipts, selectors, services
from .forms import (
    DaySheetForm,
    GiftCardPayForm,
    GiftCardSellForm,
    LineForm,
    PackagePayForm,
    PackageProductForm,
    PackageSellForm,
    PaymentForm,
    RefundForm,
    VoidForm,
)
from .models import Invoice, PackageProduct, PackagePurchase, Payment

billing_staff = roles_required(Role.OWNER, Role.FRONT_DESK)


def _errors_into(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)


def _render_invoice(request, invoice, *, status=200, **forms):
    """The invoice page, with only the forms its state shows; a form that was
    just refused comes back bound, with what was typed and why."""
    detail = selectors.invoice_detail(invoice)
    issued = invoice.status == Invoice.Status.ISSUED
    taking = issued and detail["balance"] > 0
    context = {
        "invoice": invoice,
        **detail,
        "refund_form": forms.get("refund_form"),
        "refund_payment": forms.get("refund_payment"),
        "packages": selectors.redeemable_packages(invoice) if taking else [],
        "receipt_emails": [] if invoice.is_draft else list(invoice.receipt_emails.all()[:10]),
        "currency": invoice.currency,
    }
    if invoice.is_draft:
        context["line_form"] = forms.get("line_form") or LineForm()
    if taking:
        context["payment_form"] = forms.get("payment_form") or PaymentForm(
            initial={"amount": detail["balance"]}
        )
        context["gift_card_form"] = forms.get("gift_card_form") or GiftCardPayForm()
    if issued or (invoice.is_draft and detail["only_fees"]):
        context["void_form"] = forms.get("void_form") or VoidForm()
    return render(request, "billing/invoice.html", context, status=status)


def _form_action(request, invoice, form, act, *, success, form_name, **extra):
    """Validate `form`, run `act(cleaned_data)`, then back to the invoice; on a
    refusal the invoice page again, with what was typed and why (status 400)."""
    if form.is_valid():
        try:
            act(form.cleaned_data)
        except ValidationError as error:
            _errors_into(form, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, success)
            return redirect("billing:invoice", invoice_id=invoice.pk)
    return _render_invoice(request, invoice, status=400, **{form_name: form}, **extra)


def _message_action(request, invoice, act, *, success):
    """Run a one-click action; its refusal becomes a message on the invoice page."""
    try:
        result = act()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success(result) if callable(success) else success)
    return redirect("billing:invoice", invoice_id=invoice.pk)


def invoice_form_view(
    form_class, service, *, success, form_name, related=selectors.FULL_INVOICE, of_payment=False
):
    """A POST view for one form on the invoice page: the invoice (404 outside
    the user's scope), then `service(invoice=..., by=user, **cleaned_data)`
    through `_form_action`. `of_payment`: the URL names one of the invoice's
    payments (a refund), which the service gets instead of the invoice and
    whose form comes back open on a refusal. `success`: the message, or a
    function of the invoice that makes it."""

    @billing_staff
    @require_POST
    def view(request, invoice_id, payment_id=None):
        invoice = selectors.get_invoice_for_user(request.user, invoice_id, related=related)
        target, extra = {"invoice": invoice}, {}
        if of_payment:
            payment = get_object_or_404(Payment, pk=payment_id, invoice=invoice)
            target, extra = {"payment": payment}, {"refund_payment": payment.pk}
        return _form_action(
            request,
            invoice,
            form_class(request.POST),
            lambda data: service(**target, by=request.user, **data),
            success=success(invoice) if callable(success) else success,
            form_name=form_name,
            **extra,
        )

    view.__name__ = view.__qualname__ = service.__name__
    return view


@billing_staff
@require_http_methods(["GET", "POST"])
def checkout(request, appointment_id):
    """Open the appointment's invoice; a POST starts the draft (a GET never writes)."""
    appointment = practice_selectors.get_appointment_for_staff(appointment_id)
    invoice = (
        Invoice.objects.filter(appointment=appointment)
        .exclude(status__in=[Invoice.Status.VOID, Invoice.Status.WAIVED])
        .order_by("-created_at")
        .first()
    )
    if invoice is not None:
        return redirect("billing:invoice", invoice_id=invoice.pk)
    if request.method == "GET":
        return render(request, "billing/checkout_start.html", {"appointment": appointment})
    try:
        invoice = services.invoice_open_for_appointment(appointment=appointment, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("practice:appointment_detail", appointment_id=appointment.pk)
    return redirect("billing:invoice", invoice_id=invoice.pk)


@billing_staff
@require_GET
def invoice(request, invoice_id):
    invoice = selectors.get_invoice_for_user(request.user, invoice_id, related=("client",))
    return _render_invoice(request, invoice)


line_add = invoice_form_view(
    LineForm, services.invoice_add_line, success="Line added.", form_name="line_form"
)


@billing_staff
@require_POST
def line_remove(request, invoice_id, line_id):
    invoice = selectors.get_invoice_for_user(request.user, invoice_id)
    line = get_object_or_404(invoice.lines, pk=line_id)
    try:
        services.invoice_remove_line(line=line, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("billing:invoice", invoice_id=invoice.pk)


@billing_staff
@require_POST
def issue(request, invoice_id):
    invoice = selectors.get_invoice_for_user(request.user, invoice_id)
    return _message_action(
        request,
        invoice,
        lambda: services.invoice_issue(invoice=invoice, by=request.user),
        success=lambda issued: f"Invoice {issued.number} issued. Take the payment below.",
    )


void = invoice_form_view(
    VoidForm,
    services.invoice_void,
    success=lambda invoice: f"Invoice {invoice.number} is void.",
    form_name="void_form",
)
waive = invoice_form_view(
    VoidForm, services.fee_waive, success="Fee waived.", form_name="void_form"
)
# The service locks and reads the invoice again; a refusal reads the client.
payment_add = invoice_form_view(
    PaymentForm,
    services.payment_record,
    success="Payment recorded.",
    form_name="payment_form",
    related=(),
)
refund_add = invoice_form_view(
    RefundForm,
    services.refund_record,
    success="Refund recorded.",
    form_name="refund_form",
    of_payment=True,
)


@billing_staff
@require_GET
def receipt(request, invoice_id):
    invoice = selectors.get_invoice_for_user(request.user, invoice_id)
    if invoice.is_draft:
        raise Http404
    pdf = receipts.receipt_pdf(invoice, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{invoice.number}.pdf"'
    return response


@billing_staff
@require_POST
def receipt_email(request, invoice_id):
    invoice = selectors.get_invoice_for_user(request.user, invoice_id)
    return _message_action(
        request,
        invoice,
        lambda: services.receipt_email_request(invoice=invoice, by=request.user),
        success=lambda sent: f"The receipt is on its way to {sent.to}.",
    )


@billing_staff
@require_GET
def day_sheet(request):
    # The main location's zone, as the middleware reads it (cached, no query).
    tz = practice_time_zone()
    today = timezone.localtime(timezone.now(), tz).date()
    form = DaySheetForm(request.GET or None, initial={"date": today})
    day = form.cleaned_data["date"] if form.is_bound and form.is_valid() else today
    sheet = selectors.day_sheet(day=day, tz=tz)
    if request.GET.get("format") == "csv":
        return _day_sheet_csv(day, sheet)
    return render(
        request,
        "billing/day_sheet.html",
        {"form": form, "day": day, "sheet": sheet, "currency": settings.RELIEF_CURRENCY},
    )


@roles_required(Role.THERAPIST)
@require_GET
def my_takings(request):
    """A therapist's own sessions' totals: what their day and month brought in."""
    therapist = practice_selectors.own_therapist(request.user)
    if therapist is None:
        raise Http404
    location = practice_selectors.default_location()
    tz = ZoneInfo(location.time_zone if location else settings.TIME_ZONE)
    today = timezone.localtime(timezone.now(), tz).date()
    form = DaySheetForm(request.GET or None, initial={"date": today})
    day = form.cleaned_data["date"] if form.is_bound and form.is_valid() else today
    return render(
        request,
        "billing/my_takings.html",
        {
            "form": form,
            "day": day,
            "takings": selectors.therapist_takings(therapist=therapist, day=day, tz=tz),
            "currency": settings.RELIEF_CURRENCY,
        },
    )


def _day_sheet_csv(day, sheet):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="day-sheet-{day:%Y-%m-%d}.csv"'
    writer = csv.writer(response)
    writer.writerow(["section", "item", "amount"])
    for label, amount in sheet["methods"]:
        writer.writerow(["takings by method", label, amount])
    for label, amount in sheet["ledger_methods"]:
        writer.writerow(["paid from packages and gift cards", label, amount])
    for row in sheet["by_therapist"]:
        writer.writerow(["takings by therapist", row["name"] or "No therapist", row["total"]])
    for row in sheet["tips"]:
        writer.writerow(["tips", row["name"] or "No therapist", row["total"]])
    for refund in sheet["refunds"]:
        writer.writerow(
            ["refunds", f"Invoice {refund.invoice_number}", money.deduction(refund.amount)]
        )
    writer.writerow(["total", "taken", sheet["taken"]])
    writer.writerow(["total", "refunded", money.deduction(sheet["refunded"])])
    writer.writerow(["total", "net", sheet["net"]])
    for invoice in sheet["open_invoices"]:
        writer.writerow(["open invoices", f"Invoice {invoice.number}", invoice.balance])
    return response


@billing_staff
@require_POST
def package_pay(request, invoice_id):
    invoice = selectors.get_invoice_for_user(request.user, invoice_id)
    form = PackagePayForm(request.POST)
    purchase = None
    if form.is_valid():
        purchase = PackagePurchase.objects.filter(
            pk=form.cleaned_data["purchase"], client=invoice.client
        ).first()
    if purchase is None:
        messages.error(request, "Choose one of the client's packages.")
        return redirect("billing:invoice", invoice_id=invoice.pk)
    return _message_action(
        request,
        invoice,
        lambda: services.package_redeem(invoice=invoice, purchase=purchase, by=request.user),
        success=f"One credit of {purchase.product} used.",
    )


gift_card_pay = invoice_form_view(
    GiftCardPayForm,
    services.gift_card_redeem,
    success="Gift card payment recorded.",
    form_name="gift_card_form",
)


def _render_sell(request, client, *, status=200, **forms):
    return render(
        request,
        "billing/sell.html",
        {
            "client": client,
            "packages": selectors.client_packages(client),
            "package_form": forms.get("package_form") or PackageSellForm(),
            "gift_card_form": forms.get("gift_card_form") or GiftCardSellForm(),
        },
        status=status,
    )


@billing_staff
@require_GET
def sell(request, client_id):
    return _render_sell(request, get_client_for_user(request.user, client_id))


@billing_staff
@require_POST
def sell_package(request, client_id):
    client = get_client_for_user(request.user, client_id)
    form = PackageSellForm(request.POST)
    if form.is_valid():
        try:
            purchase = services.package_sell(
                client=client, product=form.cleaned_data["product"], by=request.user
            )
        except ValidationError as error:
            _errors_into(form, error)
        else:
            messages.success(request, f"{purchase.product} sold. Take the payment below.")
            return redirect("billing:invoice", invoice_id=purchase.invoice_id)
    return _render_sell(request, client, package_form=form, status=400)


@billing_staff
@require_POST
def sell_gift_card(request, client_id):
    """Sell a card and show its code, once: it is stored only as a hash."""
    client = get_client_for_user(request.user, client_id)
    form = GiftCardSellForm(request.POST)
    if form.is_valid():
        card, code = services.gift_card_sell(
            client=client, value=form.cleaned_data["value"], by=request.user
        )
        # Rendered, not redirected: the code must not travel through the session.
        return render(request, "billing/gift_card_sold.html", {"card": card, "code": code})
    return _render_sell(request, client, gift_card_form=form, status=400)


@owner_required
@require_http_methods(["GET", "POST"])
def package_products(request):
    form = PackageProductForm(request.POST or None)
    if request.method == "POST":
        toggle = request.POST.get("toggle")
        if toggle is not None:
            product = get_object_or_404(PackageProduct, pk=parse_id(toggle))
            services.package_product_set_active(product=product, active=not product.active)
            return redirect("billing:package_products")
        if form.is_valid():
            try:
                product = services.package_product_create(**form.cleaned_data)
            except ValidationError as error:
                _errors_into(form, error)
            else:
                messages.success(request, f"{product} can now be sold.")
                return redirect("billing:package_products")
    return render(
        request,
        "billing/package_products.html",
        {"form": form, "products": selectors.package_products(active_only=False)},
        status=400 if form.errors else 200,
    )
