from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.forms import OTPTokenForm

from . import two_factor
from .access import staff_required


def two_factor_exempt(view):
    """Reachable while the second factor is still missing."""
    view.two_factor_exempt = True
    return view


class CodeForm(forms.Form):
    token = forms.CharField(
        label="6-digit code",
        max_length=8,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )


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
