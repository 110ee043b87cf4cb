"""Sign-in screens (two-factor set-up and code) and the owner's staff and audit pages."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST
from django_otp.forms import OTPTokenForm

from practice.security import audit, staff, two_factor
from practice.security.access import Role, owner_required, staff_required
from practice.security.forms import AuditFilterForm, CodeForm, StaffCreateForm


@owner_required
def staff_list(request):
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = staff.staff_create(**form.cleaned_data, base_url=request.build_absolute_uri("/"))
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request,
                f"Invitation sent to {user.email}: {user.get_full_name()} sets a password "
                f"from it and signs in as {user.username}.",
            )
            if hasattr(user, "therapist"):
                # Services, licence and colour are set on the therapist's profile.
                return redirect("practice:setup_therapists_edit", therapist_id=user.therapist.pk)
            return redirect("owner:staff")
    return render(
        request,
        "practice/owner/staff.html",
        {"form": form, "members": staff.staff_members(), "Role": Role},
    )


@owner_required
@require_POST
def staff_toggle(request, user_id):
    member = get_object_or_404(staff.staff_members(), pk=user_id)
    try:
        staff.staff_set_active(user=member, active=not member.is_active, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        state = "active" if member.is_active else "deactivated"
        messages.success(request, f"{member.get_full_name() or member.username} is {state}.")
    return redirect("owner:staff")


@owner_required
@require_POST
def staff_invite(request, user_id):
    """Send the set-your-password invitation again (e.g. the first one expired)."""
    member = get_object_or_404(staff.staff_members(), pk=user_id)
    if member.has_usable_password():
        messages.info(request, f"{member.username} has already set a password.")
    else:
        staff.staff_invite(user=member, base_url=request.build_absolute_uri("/"))
        messages.success(request, f"A new invitation is on its way to {member.email}.")
    return redirect("owner:staff")


@owner_required
@require_GET
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    entries = audit.audit_entries()
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        entries = entries.filter(Q(object_repr__icontains=q) | Q(actor__username__icontains=q))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    revealed = frozenset(request.session.get(REVEALED_SESSION_KEY, []))
    return render(
        request,
        "practice/owner/audit_log.html",
        {"form": form, "page": page, "rows": audit.audit_rows(page, revealed=revealed)},
    )


# Entries whose clinical values this session has revealed (each reveal is audited).
REVEALED_SESSION_KEY = "relief_audit_revealed"


@owner_required
@require_POST
def audit_reveal(request, entry_id):
    entry = get_object_or_404(audit.audit_entries(), pk=entry_id)
    audit.audit_reveal(entry=entry)
    revealed = request.session.get(REVEALED_SESSION_KEY, [])
    if entry.pk not in revealed:
        # The newest few only: a session need not carry the whole trail.
        request.session[REVEALED_SESSION_KEY] = [*revealed, entry.pk][-50:]
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}) or not target.startswith(
        "/"
    ):
        target = reverse("owner:audit_log")
    return redirect(f"{target}#entry-{entry.pk}")


# Two-factor sign-in ------------------------------------------------------


def two_factor_exempt(view):
    """Reachable while the second factor is still missing."""
    view.two_factor_exempt = True
    return view


def _safe_next(request, default="practice:home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}):
        return target
    return default


@two_factor_exempt
@staff_required
def verify(request):
    form = OTPTokenForm(request.user, request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        two_factor.code_verified(request=request, device=form.get_user().otp_device)
        return redirect(_safe_next(request))
    return render(
        request,
        "registration/two_factor_verify.html",
        {"form": form, "next": _safe_next(request, "")},
    )


@two_factor_exempt
@staff_required
def setup(request):
    device = two_factor.confirmed_device(request.user)
    form = CodeForm(request.POST or None)
    if device is not None:
        if request.method == "POST" and form.is_valid():
            try:
                two_factor.device_remove(user=request.user, token=form.cleaned_data["token"])
            except ValidationError as exc:
                form.add_error("token", exc.message_dict["token"])
            else:
                messages.success(request, "Two-factor sign-in is off.")
                return redirect("two_factor_setup")
        return render(
            request, "registration/two_factor_setup.html", {"device": device, "form": form}
        )
    pending = two_factor.pending_device(request.user)
    if request.method == "POST" and form.is_valid():
        try:
            two_factor.device_confirm(
                request=request, device=pending, token=form.cleaned_data["token"]
            )
        except ValidationError as exc:
            form.add_error("token", exc.message_dict["token"])
        else:
            messages.success(
                request, "Two-factor sign-in is on. You will be asked for a code at sign-in."
            )
            return redirect("practice:home")
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "qr": two_factor.qr_data_uri(pending),
            "secret": two_factor.secret_for_display(pending),
        },
    )
