"""The portal's own rule: a page for the client signed in to this session."""

from functools import wraps
from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from practice.security.access import client_portal_page

from . import session


def client_required(view):
    """Only a signed-in portal client; anyone else is sent to the portal sign-in.

    A staff session is "anyone else": staff sign-in never opens the portal.
    The client is `request.portal_client`, the only client the view may read.
    """

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        client = session.current_client(request)
        if client is None:
            target = reverse("portal:home")
            if request.method == "GET":
                target += "?" + urlencode({"next": request.get_full_path()})
            return redirect(target)
        request.portal_client = client
        return view(request, *args, **kwargs)

    return client_portal_page(wrapped)
