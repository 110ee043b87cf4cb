"""Relief settings: one module, driven by environment variables.

Development defaults (SQLite under var/, a filesystem Celery broker) need no
services; production sets DJANGO_DEBUG=0 and the variables in the README.
"""

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import environ
from csp.constants import NONCE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        # Fail loudly: a production deploy must never run on a known key.
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-development-key-only-for-local-runs"  # noqa: S105

ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.postgres",
    "django.forms",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "auditlog",
    "csp",
    "phonenumber_field",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "practice",
    "clients",
    "sessions.apps.TreatmentSessionsConfig",
    "billing",
    "portal",
    "reports",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "practice.security.middleware.NoStoreMiddleware",
    "practice.security.middleware.InputCleaningMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "practice.security.middleware.AbsoluteSessionLimitMiddleware",
    "practice.security.middleware.SessionIdleRenewalMiddleware",
    "practice.security.middleware.AccessRuleMiddleware",
    "practice.security.middleware.KioskMiddleware",
    "practice.security.middleware.TwoFactorGateMiddleware",
    "practice.timezones.PracticeTimezoneMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Inside CSP, frame and cache headers, so the page it renders gets them too.
    "practice.security.middleware.DebugNotFoundMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # A correlation id per request for the audit entries, and one read per record.
    "practice.security.middleware.AuditRequestMiddleware",
    "auditlog.middleware.AuditlogMiddleware",
    # Axes last, as its docs require, so it sees the final response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "practice.urls"
WSGI_APPLICATION = "practice.wsgi.application"

_TEMPLATE_LOADERS = [
    "django.template.loaders.filesystem.Loader",
    "django.template.loaders.app_directories.Loader",
]
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "OPTIONS": {
            # Parsed once per process in production, stated so that adding a
            # loader cannot silently drop the cache; re-read on every use while
            # debugging, so an edited template shows under gunicorn --reload too.
            "loaders": _TEMPLATE_LOADERS
            if DEBUG
            else [("django.template.loaders.cached.Loader", _TEMPLATE_LOADERS)],
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "practice.views.context_processors.navigation",
                "practice.views.context_processors.time_zones",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'relief.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock when a transaction starts, so the
    # check-then-insert of a booking is serialized on SQLite.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

# Roles that must enrol an authenticator app before using Relief.
RELIEF_TWO_FACTOR_REQUIRED_ROLES = env.list("RELIEF_TWO_FACTOR_REQUIRED_ROLES", default=[])
OTP_TOTP_ISSUER = env("RELIEF_PRACTICE_NAME", default="Relief")

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "practice:home"
LOGOUT_REDIRECT_URL = None  # show the "signed out" page

# Login throttling: lock a username from one address, never a whole address
# (a clinic's front desk shares one public IP).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)

# Idle expiry: a session lives SESSION_IDLE_MINUTES after its last save;
# SessionIdleRenewalMiddleware saves it at most once a minute while the user is
# active (not on every request, which would cost a write and a commit each).
# The absolute limit is enforced by AbsoluteSessionLimitMiddleware.
SESSION_IDLE_MINUTES = env.int("SESSION_IDLE_MINUTES", default=30)
SESSION_COOKIE_AGE = SESSION_IDLE_MINUTES * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_ABSOLUTE_HOURS = env.int("SESSION_ABSOLUTE_HOURS", default=12)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-us"
# One date style on every page (practice/formats/en/formats.py).
FORMAT_MODULE_PATH = ["practice.formats"]
TIME_ZONE = env("RELIEF_DEFAULT_TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"
# Widgets render through the project's template settings, so widget templates
# under templates/ (e.g. the body map) are found; inputs and textareas are
# written in Python when Django's own templates would draw them.
FORM_RENDERER = "practice.forms.FastWidgetRenderer"

# Email: SMTP through EMAIL_URL in production. In development without one,
# each message is a file under var/sent-email (one per message, openable in any
# mail reader, listed on the owner's "Sent messages" page) rather than lines
# lost in the worker's console log.
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", default=str(VAR_DIR / "sent-email"))
if env("EMAIL_URL", default=""):
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = env(
        "EMAIL_BACKEND",
        default=(
            "django.core.mail.backends.filebased.EmailBackend"
            if DEBUG
            else "django.core.mail.backends.console.EmailBackend"
        ),
    )
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Relief <no-reply@relief.local>")

# Audit entries of one request share a correlation id (practice.security.audit).
AUDITLOG_CID_GETTER = "practice.security.audit.current_cid"

# Content-Security-Policy: no inline script anywhere; nonces for the rare
# script tag that must carry one.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": ["'none'"],
        "base-uri": [SELF],
        "object-src": ["'none'"],
    },
}

# Production hardening; `manage.py check --deploy` passes with DJANGO_DEBUG=0.
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
if env.bool("DJANGO_BEHIND_TLS_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Celery. Without CELERY_BROKER_URL the worker still runs as its own process,
# exchanging messages through files under var/ (no server needed).
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "celery-broker"
    for _sub in ("queue", "processed", "control"):
        (_broker_dir / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Otherwise kombu writes its exchange tables to ./control.
        "control_folder": str(_broker_dir / "control"),
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "store_processed": False,
    }
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the longest retry countdown, so an unacked task is not
        # redelivered while it is legitimately waiting.
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    }
# Link-guess and sign-in counters must be shared by every web worker, so the
# cache defaults to the broker's Redis when there is one.
if env("CACHE_URL", default=""):
    CACHES = {"default": env.cache("CACHE_URL")}
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CELERY_BROKER_URL,
            "KEY_PREFIX": "relief",
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# With a cache every worker shares, sessions are read from it (written through
# to the database). A per-process cache would let one worker keep serving a
# session another has already ended, so then sessions stay in the database.
if CACHES["default"]["BACKEND"].endswith(("RedisCache", "PyMemcacheCache", "PyLibMCCache")):
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 120
CELERY_TASK_SOFT_TIME_LIMIT = 90
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# The periodic schedule, one entry per job.
CELERY_BEAT_SCHEDULE: dict = {
    # Every minute: claim due reminders (and re-queue claims whose lease ran
    # out after a lost message or a dead worker) and queue one send task each.
    "reminders-dispatch": {
        "task": "practice.reminders.tasks.reminders_dispatch",
        "schedule": 60.0,
        # A dispatch older than its interval is stale: the next one does its work.
        "options": {"expires": 55},
    },
    # Receipts whose email was lost (broker down, worker killed) or failed.
    "receipt-emails-sweep": {
        "task": "billing.tasks.receipt_emails_sweep",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Hourly: close CSV imports left open for a day and delete their files.
    "imports-expire": {
        "task": "api.imports.tasks.import_batches_expire",
        "schedule": 3600.0,
        "options": {"expires": 3000},
    },
    # Every minute: offer freed time to the waitlist (a missed after-commit
    # task is picked up here) and expire old offers.
    "waitlist-process": {
        "task": "practice.waitlist.tasks.waitlist_process",
        "schedule": 60.0,
        "options": {"expires": 55},
    },
    # Hourly: delete practice exports whose download link has expired.
    "exports-expire": {
        "task": "api.exports.tasks.exports_expire",
        "schedule": 3600.0,
        "options": {"expires": 3500},
    },
    # Every five minutes: online booking requests nobody answered in time
    # let their time go, and the client is told.
    "online-requests-expire": {
        "task": "portal.tasks.online_requests_expire",
        "schedule": 300.0,
        "options": {"expires": 290},
    },
    # Daily: rebuild the pain-outcome report summary from the notes. The
    # services keep it current; this repairs what they never saw (bulk
    # loads, an appointment moved after its note was opened).
    "note-outcomes-rebuild": {
        "task": "sessions.tasks.note_outcomes_rebuild_nightly",
        "schedule": 24 * 3600.0,
    },
    # Daily: rebuild the clients report's and recall list's visit summary
    # from the appointments; triggers on appointments keep it current.
    "client-visits-rebuild": {
        "task": "reports.tasks.client_visits_rebuild_nightly",
        "schedule": 24 * 3600.0,
    },
    # Daily: drop the outcomes report's kept figures that are too old to show.
    "outcome-figures-prune": {
        "task": "reports.tasks.outcome_figures_prune_nightly",
        "schedule": 24 * 3600.0,
    },
}

# Practice rules.
RELIEF_PRACTICE_NAME = env("RELIEF_PRACTICE_NAME", default="Relief Massage Therapy")
RELIEF_PRACTICE_PHONE = env("RELIEF_PRACTICE_PHONE", default="(555) 010-0100")
# Whether a therapist may book, move or cancel other therapists' appointments.
RELIEF_THERAPISTS_MANAGE_ALL = env.bool("RELIEF_THERAPISTS_MANAGE_ALL", default=False)
# Whether therapists' calendar feed events name the service. Off: a feed lives
# in a third-party calendar, and a service name can reveal a condition.
RELIEF_FEED_SHOWS_SERVICE = env.bool("RELIEF_FEED_SHOWS_SERVICE", default=False)
# Availability: offered slots start at least this long from now, at most this
# many days ahead, on a grid of this many minutes in the location's local time.
RELIEF_MIN_NOTICE_MINUTES = env.int("RELIEF_MIN_NOTICE_MINUTES", default=30)
RELIEF_BOOKING_HORIZON_DAYS = env.int("RELIEF_BOOKING_HORIZON_DAYS", default=180)
RELIEF_SLOT_STEP_MINUTES = env.int("RELIEF_SLOT_STEP_MINUTES", default=15)
# Where card payments are taken (billing.providers); the built-in one records
# what the desk took in person.
RELIEF_PAYMENT_PROVIDER = env(
    "RELIEF_PAYMENT_PROVIDER", default="billing.providers.InPersonProvider"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("DJANGO_LOG_LEVEL", default="INFO")},
}

# Reminders. Offsets are elapsed time before the appointment (UTC arithmetic),
# so a reminder across a daylight-saving change is still exactly 48 h ahead.
RELIEF_CONFIRMATION_GRACE_MINUTES = env.int("RELIEF_CONFIRMATION_GRACE_MINUTES", default=3)
RELIEF_REMINDER_OFFSETS_HOURS = env.list("RELIEF_REMINDER_OFFSETS_HOURS", cast=int, default=[48, 2])
# The outcomes report's "Compute again now" within this many seconds of the
# last computation answers with it (a double click, or one person after another).
RELIEF_OUTCOMES_RECOMPUTE_GAP_SECONDS = env.int("RELIEF_OUTCOMES_RECOMPUTE_GAP_SECONDS", default=30)
# Cancelling less than this many hours before the start is a late cancel.
RELIEF_LATE_CANCEL_HOURS = env.int("RELIEF_LATE_CANCEL_HOURS", default=24)

# Benchmarks: mount GET /bench/floor, a bare public view that measures the
# framework's own cost per request (`make bench`). Off in production.
RELIEF_BENCH_FLOOR = env.bool("RELIEF_BENCH_FLOOR", default=False)

# Clients and intake. Intake links expire after this many days; a client
# address that presents this many unknown link tokens in 15 minutes is paused.
RELIEF_INTAKE_LINK_DAYS = env.int("RELIEF_INTAKE_LINK_DAYS", default=7)
RELIEF_LINK_GUESS_LIMIT = env.int("RELIEF_LINK_GUESS_LIMIT", default=20)
# Client-facing links in messages are absolute: the public address of this site.
# Billing: one currency per practice; Babel formats amounts for the locale.
RELIEF_CURRENCY = env("RELIEF_CURRENCY", default="USD")
RELIEF_LOCALE = env("RELIEF_LOCALE", default="en_US")
RELIEF_TAX_NUMBER = env("RELIEF_TAX_NUMBER", default="")
RELIEF_DEFAULT_TAX_RATE = Decimal(env("RELIEF_DEFAULT_TAX_RATE", default="0"))
# Late-cancel and no-show fees: "50%" of the service price, a fixed "40.00", or "" for none.
RELIEF_LATE_CANCEL_FEE = env("RELIEF_LATE_CANCEL_FEE", default="")
RELIEF_NO_SHOW_FEE = env("RELIEF_NO_SHOW_FEE", default="")
# Front desk refunds above this need the owner.
RELIEF_FRONT_DESK_REFUND_LIMIT = Decimal(env("RELIEF_FRONT_DESK_REFUND_LIMIT", default="100"))

# `make run` passes http://$(HOST):$(PORT) to web, worker and beat alike (the
# worker builds links without a request, and honcho gives each process its own
# PORT, so it cannot be derived here); `check --deploy` warns on localhost.
RELIEF_BASE_URL = env("RELIEF_BASE_URL", default="http://localhost:8000")
# SMS goes through a backend class like Django's email backends (see
# practice/reminders/sms.py): ConsoleBackend, LocmemBackend, FileBackend, or a provider's
# class by dotted path. Empty means no SMS backend.
RELIEF_SMS_BACKEND = env(
    "RELIEF_SMS_BACKEND", default="practice.reminders.sms.ConsoleBackend" if DEBUG else ""
)
RELIEF_SMS_FILE_PATH = env("RELIEF_SMS_FILE_PATH", default=str(VAR_DIR / "sent-sms"))
RELIEF_SMS_REMINDERS_ENABLED = env.bool(
    "RELIEF_SMS_REMINDERS_ENABLED", default=bool(RELIEF_SMS_BACKEND)
)
# SMS only between these local hours of the appointment's location ("8-20":
# from 08:00 to 20:00); outside them an SMS waits for the next allowed time.
RELIEF_SMS_SENDING_HOURS = tuple(
    int(hour) for hour in env("RELIEF_SMS_SENDING_HOURS", default="8-20").split("-", 1)
)
# Whether a client may still cancel from a reminder link inside the late-cancel
# window (recorded as a late cancel); otherwise the page gives the phone number.
RELIEF_CLIENT_LATE_CANCEL_ALLOWED = env.bool("RELIEF_CLIENT_LATE_CANCEL_ALLOWED", default=False)
# A claimed reminder whose send task has not finished within the lease is
# queued again by the dispatcher (lost message, dead worker).
RELIEF_REMINDER_CLAIM_LEASE_SECONDS = env.int("RELIEF_REMINDER_CLAIM_LEASE_SECONDS", default=900)
RELIEF_REMINDER_BATCH_SIZE = env.int("RELIEF_REMINDER_BATCH_SIZE", default=500)
# Reminders per send task: each is still locked and sent in its own transaction.
RELIEF_REMINDER_TASK_SIZE = env.int("RELIEF_REMINDER_TASK_SIZE", default=50)
RELIEF_REMINDER_MAX_RETRIES = env.int("RELIEF_REMINDER_MAX_RETRIES", default=5)
# Failed reminder links from one address within 15 minutes before it is refused.
RELIEF_LINK_FAILURE_LIMIT = env.int("RELIEF_LINK_FAILURE_LIMIT", default=20)
# Client portal (/my/): a sign-in code lives this many minutes and allows this
# many wrong tries; a portal session ends after this many idle minutes. Per 15
# minutes, one address (IP) may ask for this many codes and one email or phone
# get this many, and an address may present this many wrong codes or links.
RELIEF_PORTAL_CODE_MINUTES = env.int("RELIEF_PORTAL_CODE_MINUTES", default=15)
RELIEF_PORTAL_CODE_TRIES = env.int("RELIEF_PORTAL_CODE_TRIES", default=5)
RELIEF_PORTAL_IDLE_MINUTES = env.int("RELIEF_PORTAL_IDLE_MINUTES", default=30)
# New clients' online bookings per address (IP) per 15 minutes.
RELIEF_ONLINE_BOOKINGS_PER_IP = env.int("RELIEF_ONLINE_BOOKINGS_PER_IP", default=10)
RELIEF_PORTAL_REQUESTS_PER_IP = env.int("RELIEF_PORTAL_REQUESTS_PER_IP", default=10)
RELIEF_PORTAL_CODES_PER_CONTACT = env.int("RELIEF_PORTAL_CODES_PER_CONTACT", default=3)
RELIEF_PORTAL_FAILURES_PER_IP = env.int("RELIEF_PORTAL_FAILURES_PER_IP", default=20)
# Test hook only: seconds a send task waits, holding its claim, before sending.
RELIEF_REMINDER_TEST_SEND_DELAY = env.float("RELIEF_REMINDER_TEST_SEND_DELAY", default=0)

# Webhooks (api/webhooks). Deliveries retry with backoff for this many hours,
# then fail. Plain http to 127.0.0.1 is refused unless this is on (development
# and tests only; `check --deploy` warns when it is on).
RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP = env.bool("RELIEF_WEBHOOK_ALLOW_LOCAL_HTTP", default=False)
RELIEF_WEBHOOK_RETRY_HOURS = env.int("RELIEF_WEBHOOK_RETRY_HOURS", default=24)
# Seconds; short, so one slow receiver cannot hold a worker.
RELIEF_WEBHOOK_CONNECT_TIMEOUT = env.float("RELIEF_WEBHOOK_CONNECT_TIMEOUT", default=3)
RELIEF_WEBHOOK_READ_TIMEOUT = env.float("RELIEF_WEBHOOK_READ_TIMEOUT", default=5)
RELIEF_WEBHOOK_BATCH_SIZE = env.int("RELIEF_WEBHOOK_BATCH_SIZE", default=500)
RELIEF_WEBHOOK_TASK_SIZE = env.int("RELIEF_WEBHOOK_TASK_SIZE", default=50)
RELIEF_WEBHOOK_CLAIM_LEASE_SECONDS = env.int("RELIEF_WEBHOOK_CLAIM_LEASE_SECONDS", default=300)
# Sent and failed deliveries (and their attempts) are kept this many days.
RELIEF_WEBHOOK_KEEP_DAYS = env.int("RELIEF_WEBHOOK_KEEP_DAYS", default=30)
CELERY_BEAT_SCHEDULE["webhooks-dispatch"] = {
    # Every 10 s: claim due webhook deliveries (and claims past their lease).
    "task": "api.webhooks.tasks.webhooks_dispatch",
    "schedule": 10.0,
    "options": {"expires": 9},
}
CELERY_BEAT_SCHEDULE["webhooks-prune"] = {
    # Daily: delete webhook deliveries older than RELIEF_WEBHOOK_KEEP_DAYS.
    "task": "api.webhooks.tasks.webhooks_prune",
    "schedule": 24 * 3600.0,
}

# Waitlist: an offer of freed time stays open this many minutes (never past the
# time itself); one freed time is offered to at most this many entries at
# once, the longest waiting first; a client has at most this many open entries.
RELIEF_WAITLIST_OFFER_MINUTES = env.int("RELIEF_WAITLIST_OFFER_MINUTES", default=120)
RELIEF_WAITLIST_OFFERS_PER_TIME = env.int("RELIEF_WAITLIST_OFFERS_PER_TIME", default=5)
RELIEF_WAITLIST_MAX_ENTRIES = env.int("RELIEF_WAITLIST_MAX_ENTRIES", default=5)
# Twilio (practice.reminders.twilio_sms.TwilioBackend, and the inbound webhook's
# signature check). The base URL is Twilio's REST API; tests point it elsewhere.
RELIEF_TWILIO_ACCOUNT_SID = env("RELIEF_TWILIO_ACCOUNT_SID", default="")
RELIEF_TWILIO_AUTH_TOKEN = env("RELIEF_TWILIO_AUTH_TOKEN", default="")
RELIEF_TWILIO_FROM_NUMBER = env("RELIEF_TWILIO_FROM_NUMBER", default="")
RELIEF_TWILIO_BASE_URL = env("RELIEF_TWILIO_BASE_URL", default="https://api.twilio.com")

# REST API (/api/v1/). Tokens first, so a request without credentials gets a
# 401 with the Bearer challenge; the session lets the docs page try requests.
# Deny by default: every endpoint needs a role (api.rest.permissions.HasRole).
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.rest.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["api.rest.permissions.HasRole"],
    "DEFAULT_PAGINATION_CLASS": "api.rest.pagination.Cursor",
    "PAGE_SIZE": 100,
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.rest.errors.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Relief API",
    "DESCRIPTION": "Clients, appointments, availability, intakes, scores, signed notes, "
    "plans, invoices and payments, scoped to the token's user as on the pages.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI's files come from drf-spectacular-sidecar under /static/, not a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1",
}
# Roles that may create personal API tokens (the design: owner and therapists).
RELIEF_API_TOKEN_ROLES = env.list("RELIEF_API_TOKEN_ROLES", default=["Owner", "Therapist"])
RELIEF_API_TOKEN_MAX_DAYS = env.int("RELIEF_API_TOKEN_MAX_DAYS", default=365)
# Bad tokens one address may present in 15 minutes before it is refused (429).
RELIEF_API_AUTH_FAILURE_LIMIT = env.int("RELIEF_API_AUTH_FAILURE_LIMIT", default=20)

# Practice export (api/exports): the zips are kept here, each downloadable for
# this many hours, then deleted. An export running longer than the time limit
# is presumed dead (its worker was killed) and marked failed.
RELIEF_EXPORT_DIR = env("RELIEF_EXPORT_DIR", default=str(VAR_DIR / "exports"))
RELIEF_EXPORT_LINK_HOURS = env.int("RELIEF_EXPORT_LINK_HOURS", default=24)
RELIEF_EXPORT_TIME_LIMIT_SECONDS = env.int("RELIEF_EXPORT_TIME_LIMIT_SECONDS", default=6 * 3600)
