"""Twilio: the SMS provider backend and the inbound webhook's signature check.

Configured by environment (RELIEF_TWILIO_ACCOUNT_SID, _AUTH_TOKEN,
_FROM_NUMBER, and _BASE_URL, Twilio's REST API unless a test points it at a
local server that speaks the same Messages API). Set
RELIEF_SMS_BACKEND=practice.reminders.twilio_sms.TwilioBackend.
"""

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from practice.reminders.sms import BaseSmsBackend

# Seconds to wait for Twilio: a send task must not hang on a dead connection.
TIMEOUT_SECONDS = 10


class TwilioBackend(BaseSmsBackend):
    """Sends each message with POST /2010-04-01/Accounts/<sid>/Messages.json.

    Twilio's Messages API takes no idempotency key, so the one window for a
    duplicate (a crash after Twilio accepted and before the row is marked
    sent) stays open with this provider. A refusal raises TwilioRestException.
    """

    def __init__(
        self, *args, account_sid=None, auth_token=None, from_number=None, base_url=None, **kwargs
    ):
        super().__init__(*args, **kwargs)
        self.account_sid = account_sid or settings.RELIEF_TWILIO_ACCOUNT_SID
        auth_token = auth_token or settings.RELIEF_TWILIO_AUTH_TOKEN
        self.from_number = from_number or settings.RELIEF_TWILIO_FROM_NUMBER
        if not (self.account_sid and auth_token and self.from_number):
            raise ImproperlyConfigured(
                "Twilio needs RELIEF_TWILIO_ACCOUNT_SID, RELIEF_TWILIO_AUTH_TOKEN "
                "and RELIEF_TWILIO_FROM_NUMBER."
            )
        self.client = Client(
            self.account_sid,
            auth_token,
            http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS),
        )
        self.client.api.base_url = (base_url or settings.RELIEF_TWILIO_BASE_URL).rstrip("/")

    def send_messages(self, messages):
        sent = 0
        for message in messages:
            try:
                self.client.messages.create(
                    to=message.to, from_=self.from_number, body=message.body
                )
            except Exception:
                if not self.fail_silently:
                    raise
                continue
            sent += 1
        return sent


def signature_valid(*, url: str, params: dict, signature: str) -> bool:
    """Whether a webhook request carries Twilio's signature for our auth token."""
    token = settings.RELIEF_TWILIO_AUTH_TOKEN
    if not token or not signature:
        return False
    return RequestValidator(token).validate(url, params, signature)
