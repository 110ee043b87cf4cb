"""Client records, intake and check-in pages. Thin: parse, check, call, render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from billing.selectors import client_account, may_bill
from practice.security.access import Role, public, roles_required, staff_required
from practice.security.audit import audit_read
from practice.security.kiosk import kiosk_enter, kiosk_leave, kiosk_page, kiosk_state

from . import selectors, services
from .consent import consent_text
from .forms import (
    CheckInForm,
    ClientForm,
    IntakeForm,
    KioskUnlockForm,
    RedFlagClearanceForm,
    StaffIntakeForm,
)
from .models import CheckIn
from .ratelimit import client_ip, guess_failed, guesses_exceeded

MANAGERS = (Role.OWNER, Role.FRONT_DESK)
SEARCH_LIMIT = 20
LIST_LIMIT = 50


# --- client records --------------------------------------------------------


@staff_required
@require_GET
def client_list(request):
    query = request.GET.get("q", "").strip()
    include_archived = request.GET.get("archived") == "1"
    if query:
        clients = selectors.client_results(
            selectors.client_search(
                user=request.user,
                query=query,
                limit=SEARCH_LIMIT + 1,
                include_archived=include_archived,
            )
        )
        limit = SEARCH_LIMIT
    else:
        clients = selectors.client_results(
            selectors.client_list(
                user=request.user, limit=LIST_LIMIT + 1, include_archived=include_archived
            )
        )
        limit = LIST_LIMIT
    context = {
        "clients": clients[:limit],
        "more": len(clients) > limit,
        "query": query,
        "include_archived": include_archived,
        "can_manage": selectors.can_manage_records(request.user),
    }
    if request.htmx and request.htmx.target == "client-results":
        response = render(request, "clients/_client_results.html", context)
    else:
        response = render(request, "clients/client_list.html", context)
    # The same URL answers a page or a fragment: caches must keep them apart.
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


def _client_form_view(request, *, client=None):
    """Create or edit, with the possible-duplicate warning the user may override."""
    can_assign = selectors.can_manage_records(request.user)
    form = ClientForm(request.POST or None, instance=client, can_assign=can_assign)
    duplicates = []
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "confirm_not_duplicate"}
        duplicates = selectors.client_possible_duplicates(
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            email=data["email"],
            phone=data["phone"],
            exclude=client,
            user=request.user,
        )
        if duplicates and not request.POST.get("confirm_not_duplicate"):
            form = ClientForm(
                request.POST, instance=client, show_duplicate_override=True, can_assign=can_assign
            )
            form.is_valid()
        else:
            try:
                if client is None:
                    client = services.client_create(created_by=request.user, **data)
                    messages.success(request, f"{client.full_name} added.")
                else:
                    client = services.client_update(client=client, **data)
                    messages.success(request, "Changes saved.")
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                return redirect("clients:detail", client_id=client.pk)
    return render(
        request,
        "clients/client_form.html",
        {"form": form, "client": client, "duplicates": duplicates},
    )


@roles_required(*MANAGERS)
def client_create(request):
    return _client_form_view(request)


@staff_required
def client_edit(request, client_id):
    client = selectors.get_client_for_user(request.user, client_id)
    return _client_form_view(request, client=client)


@roles_required(*MANAGERS)
def client_archive(request, client_id):
    client = selectors.get_client_for_user(request.user, client_id)
    if request.method == "POST":
        restore = request.POST.get("restore") == "1"
        services.client_archive(client=client, archived=not restore)
        messages.success(request, f"{client.full_name} {'restored' if restore else 'archived'}.")
        return redirect("clients:detail", client_id=client.pk)
    return render(request, "clients/client_archive.html", {"client": client})


@staff_required
@require_GET
def client_detail(request, client_id):
    client = selectors.get_client_for_user(request.user, client_id)
    clinical = selectors.can_see_clinical(request.user, client)
    context = {
        "client": client,
        "clinical": clinical,
        "can_manage": selectors.can_manage_records(request.user),
        "links": list(client.intake_links.all()[:5]),
        "now": timezone.now(),
    }
    context["upcoming"], context["past"] = selectors.chart_appointments(client, now=context["now"])
    if clinical:
        context["intake"] = intake = selectors.latest_intake(client)
        context["cautions"] = selectors.treatment_cautions(client, intake=intake)
        context["trends"] = trends = selectors.score_trends(client)
        context["chart_data"] = selectors.score_chart_data(trends)
    if may_bill(request.user):
        context["account"] = client_account(client)
    audit_read(client)
    return render(request, "clients/client_detail.html", context)


# --- intake ----------------------------------------------------------------


@staff_required
def intake_link_send(request, client_id):
    client = selectors.get_client_for_user(request.user, client_id)
    if request.method == "POST":
        try:
            services.intake_link_request(
                client=client,
                created_by=request.user,
                base_url=request.build_absolute_uri("/"),
                replace=request.POST.get("replace") == "1",
            )
        except services.IntakeLinkOpen as exc:
            link = exc.link
            when = timezone.localtime(link.sent_at or link.created_at)
            done = f"was sent to {link.sent_to}" if link.sent_at else "was queued"
            messages.warning(
                request,
                f"A link {done} at {when:%H:%M} on {when:%d %b} and still works. "
                "Send another? The earlier link will stop working.",
            )
            detail = reverse("clients:detail", kwargs={"client_id": client.pk})
            return redirect(f"{detail}?another_intake_link=1#links-title")
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"Intake link on its way to {client.email}.")
    return redirect("clients:detail", client_id=client.pk)


@staff_required
def intake_staff(request, client_id):
    """The intake filled in the clinic, e.g. on the clinic tablet."""
    client = selectors.get_client_for_user(request.user, client_id)
    form = StaffIntakeForm(request.POST or None, client=client, show_on_file=True)
    if request.method == "POST" and form.is_valid():
        answers = dict(form.cleaned_data)
        _intake, created = services.intake_submit_staff(
            client=client,
            answers=answers,
            submitted_by=request.user,
            form_token=answers.pop("form_token"),
            ip=client_ip(request),
        )
        if created:
            messages.success(request, "Intake saved.")
        else:
            messages.info(request, "This intake was already saved.")
        return redirect("clients:detail", client_id=client.pk)
    return render(
        request, "clients/intake_form.html", {"form": form, "client": client, "staff": True}
    )


@staff_required
@require_GET
def intake_detail(request, client_id, intake_id):
    client = selectors.get_client_for_user(request.user, client_id)
    intake = selectors.intake_for_user(request.user, client, intake_id)
    audit_read(intake)
    return render(
        request,
        "clients/intake_detail.html",
        {"client": client, "intake": intake, "consent_text": consent_text(intake.consent_version)},
    )


def _unusable(request, state):
    if state == "unknown":
        guess_failed(request)
    status = {"unknown": 404, "expired": 410, "used": 410}[state]
    return render(request, "clients/link_unusable.html", {"state": state}, status=status)


def _rate_limited(request):
    response = render(request, "clients/link_rate_limited.html", status=429)
    response["Retry-After"] = "900"
    return response


@public
@never_cache
def intake_public(request, intake_token):
    """The intake a client opens from their link. Greets by first name only and
    shows none of their stored data."""
    if guesses_exceeded(request):
        return _rate_limited(request)
    try:
        link = services.intake_link_resolve(raw_token=intake_token)
    except services.LinkUnusable as exc:
        return _unusable(request, exc.state)
    form = IntakeForm(request.POST or None, client=link.client)
    if request.method == "POST" and form.is_valid():
        try:
            services.intake_submit_online(
                raw_token=intake_token, answers=form.cleaned_data, ip=client_ip(request)
            )
        except services.LinkUnusable as exc:
            return _unusable(request, exc.state)
        return redirect("clients:intake_thanks")
    return render(
        request,
        "clients/intake_form.html",
        {"form": form, "first_name": link.client.first_name_to_use, "staff": False},
    )


@public
@require_GET
def intake_thanks(request):
    return render(request, "clients/intake_thanks.html")


# --- pre-session check-in --------------------------------------------------


@public
@never_cache
def checkin_public(request, checkin_token):
    if guesses_exceeded(request):
        return _rate_limited(request)
    try:
        link = services.checkin_link_resolve(raw_token=checkin_token)
    except services.LinkUnusable as exc:
        return _unusable(request, exc.state)
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.checkin_submit_online(raw_token=checkin_token, answers=form.cleaned_data)
        except services.LinkUnusable as exc:
            return _unusable(request, exc.state)
        return redirect("clients:checkin_thanks")
    return render(
        request,
        "clients/checkin_form.html",
        {
            "form": form,
            "first_name": link.appointment.client.first_name_to_use,
            "starts_at": link.appointment.starts_at,
            "time_zone": link.appointment.location.time_zone,
            "staff": False,
        },
    )


@public
@require_GET
def checkin_thanks(request):
    return render(request, "clients/checkin_thanks.html")


def _safe_next(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(
        target, {request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@staff_required
def checkin_staff(request, appointment_id):
    """Hand the clinic tablet to the client: start kiosk mode for this check-in.

    The tablet stays on client-facing pages until staff unlock it with their
    password, so the page after "Check in" is never the staff chart.
    """
    appointment = selectors.get_appointment_for_check_in(request.user, appointment_id)
    back = _safe_next(
        request,
        reverse("practice:appointment_detail", kwargs={"appointment_id": appointment.pk}),
    )
    if request.method == "POST":
        if CheckIn.objects.filter(appointment=appointment).exists():
            messages.info(request, "This appointment already has a check-in.")
            return redirect(back)
        kiosk_enter(request, appointment_id=appointment.pk, return_to=back)
        return redirect("clients:kiosk")
    return render(
        request,
        "clients/kiosk_start.html",
        {"appointment": appointment, "client": appointment.client, "back": back},
    )


def _kiosk_appointment(request):
    state = kiosk_state(request)
    if state is None:
        return None
    return selectors.get_appointment_for_check_in(request.user, state["appointment_id"])


@kiosk_page
@staff_required
@never_cache
def kiosk_checkin(request):
    """The check-in form on the locked tablet: first name only, nothing of the chart."""
    appointment = _kiosk_appointment(request)
    if appointment is None:
        return redirect("practice:home")
    if CheckIn.objects.filter(appointment=appointment).exists():
        return redirect("clients:kiosk_thanks")
    form = CheckInForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.checkin_submit_staff(
            appointment=appointment, answers=form.cleaned_data, by=request.user
        )
        return redirect("clients:kiosk_thanks")
    return render(
        request,
        "clients/checkin_form.html",
        {
            "form": form,
            "first_name": appointment.client.first_name_to_use,
            "starts_at": appointment.starts_at,
            "time_zone": appointment.location.time_zone,
            "staff": False,
        },
    )


@kiosk_page
@staff_required
@require_GET
def kiosk_thanks(request):
    if kiosk_state(request) is None:
        return redirect("practice:home")
    return render(request, "clients/kiosk_thanks.html")


@kiosk_page
@staff_required
@never_cache
def kiosk_unlock(request):
    """Staff take the tablet back: their password ends kiosk mode."""
    if kiosk_state(request) is None:
        return redirect("practice:home")
    form = KioskUnlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        back = kiosk_leave(request, password=form.cleaned_data["password"])
        if back is not None:
            messages.success(request, "Kiosk mode ended. Welcome back.")
            return redirect(back)
        form.add_error("password", "That is not the password of the staff member signed in.")
    return render(
        request, "clients/kiosk_unlock.html", {"form": form, "staff_name": request.user.first_name}
    )


# --- red flags -------------------------------------------------------------


@roles_required(Role.OWNER, Role.THERAPIST)
def red_flag_clear(request, client_id, code):
    """Mark a red flag that needs medical clearance as cleared (POST)."""
    client = selectors.get_client_for_user(request.user, client_id)
    if not selectors.can_see_clinical(request.user, client):
        raise Http404
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    back = _safe_next(request, reverse("clients:detail", kwargs={"client_id": client.pk}))
    form = RedFlagClearanceForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["note"]))
        return redirect(back)
    try:
        services.red_flag_clear(
            client=client, code=code, by=request.user, note=form.cleaned_data["note"]
        )
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, "Red flag marked cleared.")
    return redirect(back)
