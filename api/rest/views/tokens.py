"""Each staff member's own API tokens: create (shown once), list, revoke."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from practice.security.access import staff_required

from .. import selectors, services
from ..forms import TokenForm


def _require_token_role(user):
    if not services.may_hold_token(user):
        raise Http404


@staff_required
@require_http_methods(["GET", "POST"])
def tokens(request):
    _require_token_role(request.user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = services.api_token_create(
                user=request.user,
                name=form.cleaned_data["name"],
                days=form.cleaned_data["days"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            # Rendered, not redirected: the secret is in this one response
            # (never cached: every page is no-store) and stored nowhere.
            return render(
                request,
                "api/token_created.html",
                {
                    "token": token,
                    "secret": secret,
                    "api_root": request.build_absolute_uri(reverse("api:v1:appointment-list")),
                },
                status=201,
            )
    return render(
        request,
        "api/tokens.html",
        {
            "form": form,
            "tokens": selectors.tokens_of(request.user),
            "now": timezone.now(),
            "docs_url": reverse("api:docs"),
        },
    )


@staff_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, token_id):
    _require_token_role(request.user)
    token = selectors.get_token_for_user(request.user, token_id)
    if request.method == "POST":
        services.api_token_revoke(token=token)
        messages.success(request, f"Token “{token.name}” revoked; it no longer works.")
        return redirect("api:tokens")
    return render(request, "api/token_revoke.html", {"token": token})
