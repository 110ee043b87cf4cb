import time

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from practice.security.middleware import SESSION_STARTED_KEY


@receiver(user_logged_in)
def stamp_session_start(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_STARTED_KEY] = time.time()
        from practice.security.two_factor import SESSION_NEEDS_CODE, needs_code_after_login

        if needs_code_after_login(user):
            request.session[SESSION_NEEDS_CODE] = True
