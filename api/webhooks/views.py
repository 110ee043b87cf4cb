"""The owner's webhook pages: endpoints, their secret, and the delivery log."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api.webhooks import selectors, services
from api.webhooks.forms import EndpointForm
from api.webhooks.models import WebhookDelivery, WebhookEndpoint
from practice.security.access import owner_required

# The endpoint whose secret the next page view shows, once (after creation
# or rotation); the secret is never shown again.
REVEAL_ENDPOINT_SESSION_FIELD = "relief_webhook_show_secret"


def _endpoint(endpoint_id) -> WebhookEndpoint:
    return get_object_or_404(WebhookEndpoint, pk=endpoint_id)


def _form_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


@owner_required
@require_GET
def endpoint_list(request):
    return render(
        request,
        "api/webhooks/endpoint_list.html",
        {"endpoints": selectors.endpoints_with_activity()},
    )


@owner_required
@require_http_methods(["GET", "POST"])
def endpoint_add(request):
    form = EndpointForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            endpoint = services.endpoint_create(
                url=data["url"],
                description=data["description"],
                event_names=data["events"],
                by=request.user,
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            request.session[REVEAL_ENDPOINT_SESSION_FIELD] = str(endpoint.pk)
            messages.success(request, "Endpoint added. Copy its signing secret now.")
            return redirect("api:webhooks:endpoint", endpoint_id=endpoint.pk)
    return render(request, "api/webhooks/endpoint_form.html", {"form": form, "endpoint": None})


@owner_required
@require_http_methods(["GET", "POST"])
def endpoint_edit(request, endpoint_id):
    endpoint = _endpoint(endpoint_id)
    initial = {"url": endpoint.url, "description": endpoint.description}
    initial["events"] = endpoint.event_list
    form = EndpointForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.endpoint_update(
                endpoint=endpoint,
                url=data["url"],
                description=data["description"],
                event_names=data["events"],
            )
        except ValidationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, "Endpoint saved.")
            return redirect("api:webhooks:endpoint", endpoint_id=endpoint.pk)
    return render(request, "api/webhooks/endpoint_form.html", {"form": form, "endpoint": endpoint})


@owner_required
@require_GET
def endpoint_detail(request, endpoint_id):
    endpoint = _endpoint(endpoint_id)
    show_secret = request.session.get(REVEAL_ENDPOINT_SESSION_FIELD) == str(endpoint.pk)
    if show_secret:
        del request.session[REVEAL_ENDPOINT_SESSION_FIELD]
    status = request.GET.get("status", "")
    page = Paginator(selectors.deliveries_for(endpoint, status), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "api/webhooks/endpoint_detail.html",
        {
            "endpoint": endpoint,
            "secret": endpoint.secret if show_secret else None,
            "page": page,
            "status": status if status in WebhookDelivery.Status.values else "",
            "statuses": WebhookDelivery.Status.choices,
        },
    )


@owner_required
@require_POST
def endpoint_toggle(request, endpoint_id):
    endpoint = _endpoint(endpoint_id)
    services.endpoint_set_active(endpoint=endpoint, active=not endpoint.active)
    if endpoint.active:
        messages.success(request, "Endpoint enabled: new events go to it again.")
    else:
        messages.success(request, "Endpoint disabled: it gets no new events.")
    return redirect("api:webhooks:endpoint", endpoint_id=endpoint.pk)


@owner_required
@require_http_methods(["GET", "POST"])
def endpoint_rotate(request, endpoint_id):
    endpoint = _endpoint(endpoint_id)
    if request.method == "POST":
        services.endpoint_rotate_secret(endpoint=endpoint)
        request.session[REVEAL_ENDPOINT_SESSION_FIELD] = str(endpoint.pk)
        messages.success(request, "New signing secret made. Copy it now.")
        return redirect("api:webhooks:endpoint", endpoint_id=endpoint.pk)
    return render(
        request,
        "api/webhooks/confirm.html",
        {
            "endpoint": endpoint,
            "title": "Rotate the signing secret",
            "text": (
                "A new secret signs every delivery from now on. The old one also signs "
                f"for {services.PREVIOUS_SECRET_HOURS} hours, so the receiving system keeps "
                "working while you update it."
            ),
            "button": "Make a new secret",
            "danger": False,
        },
    )


@owner_required
@require_http_methods(["GET", "POST"])
def endpoint_delete(request, endpoint_id):
    endpoint = _endpoint(endpoint_id)
    if request.method == "POST":
        services.endpoint_delete(endpoint=endpoint, by=request.user)
        messages.success(request, f"Endpoint {endpoint} deleted.")
        return redirect("api:webhooks:list")
    return render(
        request,
        "api/webhooks/confirm.html",
        {
            "endpoint": endpoint,
            "title": "Delete this endpoint",
            "text": (
                "It gets no more events, anything still waiting for it is dropped, and its "
                "delivery log is deleted. To pause it instead, disable it."
            ),
            "button": "Delete the endpoint",
            "danger": True,
            "pending": endpoint.deliveries.filter(status=WebhookDelivery.Status.PENDING).count(),
        },
    )


@owner_required
@require_POST
def endpoint_test(request, endpoint_id):
    endpoint = _endpoint(endpoint_id)
    try:
        services.webhook_send_test(endpoint=endpoint, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, "Test event queued: it appears below within a few seconds of being sent."
        )
    return redirect("api:webhooks:endpoint", endpoint_id=endpoint.pk)


@owner_required
@require_GET
def delivery_detail(request, endpoint_id, delivery_id):
    endpoint = _endpoint(endpoint_id)
    delivery = get_object_or_404(selectors.delivery_with_attempts(endpoint, delivery_id))
    return render(
        request,
        "api/webhooks/delivery_detail.html",
        {"endpoint": endpoint, "delivery": delivery, "attempts": delivery.attempt_log.all()},
    )


@owner_required
@require_POST
def delivery_resend(request, endpoint_id, delivery_id):
    endpoint = _endpoint(endpoint_id)
    delivery = get_object_or_404(WebhookDelivery, endpoint=endpoint, pk=delivery_id)
    try:
        services.delivery_resend(delivery=delivery, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Delivery queued again, with the same event id.")
    return redirect("api:webhooks:delivery", endpoint_id=endpoint.pk, delivery_id=delivery.pk)
