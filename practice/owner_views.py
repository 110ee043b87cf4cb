"""Owner-only pages: staff accounts and the audit trail."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_POST

from . import audit, staff
from .access import Role, owner_required
from .owner_forms import AuditFilterForm, StaffCreateForm


@owner_required
def staff_list(request):
    form = StaffCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = staff.staff_create(**form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(request, f"{user.get_full_name()} can now sign in as {user.username}.")
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
@require_GET
def audit_log(request):
    form = AuditFilterForm(request.GET or None)
    entries = audit.audit_entries()
    if form.is_valid() and form.cleaned_data["q"]:
        q = form.cleaned_data["q"]
        entries = entries.filter(Q(object_repr__icontains=q) | Q(actor__username__icontains=q))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "practice/owner/audit_log.html", {"form": form, "page": page})
