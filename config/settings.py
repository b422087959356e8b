"""The one settings module. Every value that differs between machines comes from the environment.

See docs/configuration.md for the variables and their defaults. Defaults are safe for a local run:
DEBUG is off unless asked for, and the database, broker and e-mail need no server.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value.lower() in {"1", "true", "yes", "on"}:
        return True
    if value.lower() in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG")
# Demo mode lets the seeded demo users skip two-factor set-up. It is refused unless DEBUG is on.
DEMO_MODE = env_bool("DEMO_MODE", default=DEBUG)
if DEMO_MODE and not DEBUG:
    raise ImproperlyConfigured("DEMO_MODE may only be on when DEBUG is on.")

SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("Set SECRET_KEY (or DEBUG=true for a local run).")
    SECRET_KEY = "insecure-local-development-key-never-used-in-production"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
SERVICE_NAME = os.environ.get("SERVICE_NAME", "CSE partnership record")
# The address people reach the service at, for links in e-mails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.forms",
    "guardian",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "simple_history",
    "django_celery_results",
    "core",
    "agencies",
    "cases",
    "indicators",
    "referrals",
    "reports",
    "meetings",
    "interventions",
    "restrictions",
    "bench",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.DatabaseUnavailableMiddleware",
    "core.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # After the user is known, before anything that answers: every page says no-store.
    "core.middleware.NoStoreMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "core.middleware.SessionAbsoluteExpiryMiddleware",
    "core.middleware.RecordBusyMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "agencies.middleware.TwoFactorRequiredMiddleware",
    "axes.middleware.AxesMiddleware",
]

# The benchmark (bench/) reads per-request timings and query counts from this header.
SERVER_TIMING = env_bool("SERVER_TIMING")
if SERVER_TIMING:
    MIDDLEWARE.insert(0, "core.middleware.ServerTimingMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "core.context_processors.service",
            ],
        },
    },
]

# Forms render with the project's GOV.UK templates (templates/govuk/forms/).
FORM_RENDERER = "django.forms.renderers.TemplatesSetting"
CSRF_FAILURE_VIEW = "core.views.csrf_failure"

# Database: DATABASE_URL, or the embedded PostgreSQL under var/ when it is unset.
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    from config.embedded_postgres import embedded_database

    DATABASES = {
        "default": {"ENGINE": "django.db.backends.postgresql", **embedded_database(VAR_DIR)}
    }
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# No JIT compilation: it adds 50-100 ms to each dashboard aggregate, which runs for tens of
# milliseconds without it; it pays only on long analytical queries (docs/performance.md).
_options = DATABASES["default"].setdefault("OPTIONS", {})
_options["options"] = f"{_options.get('options', '')} -c jit=off".strip()
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "agencies.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
LOGIN_URL = "agencies:sign-in"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "agencies:sign-in"
# Argon2id first (core/hashers.py); PBKDF2 stays so that older hashes still verify, and
# Django rehashes them with Argon2id at the next successful sign-in.
PASSWORD_HASHERS = [
    "core.hashers.Argon2idPasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # zxcvbn: common and breached passwords, words, names, patterns, the user's own name.
    {"NAME": "agencies.passwords.StrengthValidator", "OPTIONS": {"min_score": 3}},
    {"NAME": "agencies.passwords.PwnedPasswordValidator"},
]
# A Pwned Passwords range API (https://api.pwnedpasswords.com) to refuse breached passwords
# with; empty: not asked. Only five characters of the SHA-1 are sent; no answer: accepted.
PWNED_PASSWORDS_URL = os.environ.get("PWNED_PASSWORDS_URL", "")

# Lockout after repeated failures, keyed by the address typed and the client's IP address,
# and for the client's IP address alone after failures across accounts (password spraying).
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "email"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "agencies.views.auth.locked_out"
AXES_VERBOSE = False  # its log lines name the account
AXES_HANDLER = "agencies.lockout.AddressLimitHandler"
SIGN_IN_ADDRESS_FAILURE_LIMIT = int(os.environ.get("SIGN_IN_ADDRESS_FAILURE_LIMIT", "20"))
# The client's address: REMOTE_ADDR, or with N reverse proxies in front the N-th address from
# the right of X-Forwarded-For (agencies/client_address.py). 0 ignores the header.
AXES_CLIENT_IP_CALLABLE = "agencies.client_address.client_address"
TRUSTED_PROXY_COUNT = int(os.environ.get("TRUSTED_PROXY_COUNT", "0"))
if TRUSTED_PROXY_COUNT < 0 or SIGN_IN_ADDRESS_FAILURE_LIMIT < 0:
    raise ImproperlyConfigured(
        "TRUSTED_PROXY_COUNT and SIGN_IN_ADDRESS_FAILURE_LIMIT must be 0 or more."
    )

# Two-factor authentication (TOTP) for every user; re-authentication for sensitive actions.
OTP_TOTP_ISSUER = SERVICE_NAME
REAUTHENTICATION_MAX_AGE = timedelta(minutes=15)
PASSWORD_RESET_TIMEOUT = 3 * 24 * 60 * 60  # invitations are valid for three days

# Sessions: 30 minutes idle (the expiry is renewed on every request), 12 hours absolute
# (enforced by core.middleware).
SESSION_COOKIE_AGE = 30 * 60
SESSION_SAVE_EVERY_REQUEST = True
SESSION_ABSOLUTE_AGE = 12 * 60 * 60
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        # Exports are written here by the worker and read by the web process: in production
        # a volume both can reach and nothing serves publicly.
        "OPTIONS": {"location": Path(os.environ.get("MEDIA_DIR", VAR_DIR / "media"))},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and env_bool("STATIC_MANIFEST", default=True)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

# Security headers. HTTPS-only settings are on whenever DEBUG is off; a local run over plain
# HTTP sets DEBUG=true (dev.py does).
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^health/$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
# The __Host- prefix makes the browser refuse these cookies unless they are Secure, for this
# host only (no Domain) and for every path: a sibling sub-domain cannot set or overwrite them.
if not DEBUG:
    SESSION_COOKIE_NAME = "__Host-session"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
SECURE_HSTS_SECONDS = 0 if DEBUG else int(os.environ.get("SECURE_HSTS_SECONDS", 31536000))
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
if env_bool("BEHIND_TLS_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content Security Policy: the application's own origin only, and no inline script or style.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
        "base-uri": [NONE],
        "object-src": [NONE],
    }
}

# E-mail: printed to the console unless an SMTP server is configured.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", 25))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "cse-record@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Celery: CELERY_BROKER_URL (Redis in production), or a file-system broker under var/ that
# needs no server. Results and task state are kept in the database (django-celery-results).
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "")
if not CELERY_BROKER_URL:
    BROKER_DIR = Path(os.environ.get("CELERY_FILESYSTEM_BROKER_DIR", VAR_DIR / "broker"))
    for folder in ("out", "processed", "control"):
        (BROKER_DIR / folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "out"),
        "data_folder_out": str(BROKER_DIR / "out"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_RESULT_BACKEND = "django-db"
CELERY_TASK_DEFAULT_QUEUE = os.environ.get("CELERY_TASK_DEFAULT_QUEUE", "celery")
CELERY_RESULT_EXTENDED = True
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 30 * 60
CELERY_TASK_SOFT_TIME_LIMIT = 25 * 60
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "worker-heartbeat": {"task": "core.tasks.worker_heartbeat", "schedule": 60.0},
    "referral-deadlines": {"task": "referrals.tasks.referral_deadlines_check", "schedule": 300.0},
    "task-emails-resend": {"task": "core.tasks.task_emails_resend", "schedule": 600.0},
    "exports-expire": {"task": "reports.tasks.exports_expire_old", "schedule": 3600.0},
    "jobs-waiting-resend": {"task": "reports.tasks.jobs_waiting_resend_all", "schedule": 120.0},
    "returns-scheduled": {"task": "reports.tasks.returns_scheduled", "schedule": 86400.0},
}

# Logs carry no personal data: identifiers only, never names or free text.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's request logger prints the full URL and, on errors, request data.
        "django.request": {"level": "ERROR", "propagate": True},
        "pgserver": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}

# The access log's entries are chained with HMAC-SHA256 under ACCESS_LOG_KEY (or the content
# of the file ACCESS_LOG_KEY_FILE names), never stored in the database (decision 64). A local
# run (DEBUG) without one gets a key made once under VAR_DIR.
ACCESS_LOG_KEY = os.environ.get("ACCESS_LOG_KEY", "")
ACCESS_LOG_KEY_FILE = os.environ.get("ACCESS_LOG_KEY_FILE", "")
if not (ACCESS_LOG_KEY or ACCESS_LOG_KEY_FILE):
    if not DEBUG:
        raise ImproperlyConfigured(
            "Set ACCESS_LOG_KEY or ACCESS_LOG_KEY_FILE: the secret key of the access log's chain, "
            "at least 32 characters (or DEBUG=true for a local run)."
        )
    ACCESS_LOG_KEY_FILE = str(VAR_DIR / "secrets" / "access-log.key")
if 0 < len(ACCESS_LOG_KEY) < 32:
    raise ImproperlyConfigured("ACCESS_LOG_KEY must be at least 32 characters long.")
# The anchor process (`anchor_access_log --every 60`, the audit service) appends the chain's head
# here, signed with ACCESS_LOG_ANCHOR_KEY, which web, worker and beat never have. In production,
# a volume only the audit service mounts, append-only (chattr +a) and shipped off the server.
ACCESS_LOG_ANCHOR_FILE = Path(
    os.environ.get("ACCESS_LOG_ANCHOR_FILE", VAR_DIR / "audit" / "access-log-anchors.jsonl")
)
ACCESS_LOG_ANCHOR_KEY = os.environ.get("ACCESS_LOG_ANCHOR_KEY", "")
ACCESS_LOG_ANCHOR_KEY_FILE = os.environ.get("ACCESS_LOG_ANCHOR_KEY_FILE", "")
if DEBUG and not (ACCESS_LOG_ANCHOR_KEY or ACCESS_LOG_ANCHOR_KEY_FILE):
    ACCESS_LOG_ANCHOR_KEY_FILE = str(VAR_DIR / "secrets" / "access-log-anchor.key")

# Suggested networks are found while the page waits when the analyst may see at most this many
# people; above it the worker finds them and the page shows progress (bench_graph: about
# 0.2 s for a 2,000-node graph on 2 cores).
# Reasons for changes are typed by people (a share's reason, a retention decision) and can be
# long: kept whole, as text.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

# Retention review: years after a record was made, or after its last review, when its holding
# agency's CSE lead must decide to keep it (with a new date) or archive it. Nothing is ever
# deleted automatically. RETENTION_REVIEW_YEARS="case=6,child=6,suspect=10,associate=6".
RETENTION_REVIEW_YEARS = {"case": 6, "child": 6, "suspect": 10, "associate": 6} | {
    kind.strip(): int(years)
    for kind, _, years in (item.partition("=") for item in env_list("RETENTION_REVIEW_YEARS"))
}
NETWORK_SUGGESTIONS_INLINE_LIMIT = int(os.environ.get("NETWORK_SUGGESTIONS_INLINE_LIMIT", "5000"))

# Export files (returns, template exports) are deleted this long after they are produced.
EXPORT_KEPT_FOR = timedelta(hours=int(os.environ.get("EXPORT_KEPT_HOURS", "72")))

TEMPLATE_UPLOAD_MAX_BYTES = 50 * 1024 * 1024
# What the upload may unpack to: a workbook or zip of CSV files is compressed, and a small
# file that unpacks to gigabytes (a "zip bomb") would tie up a worker for hours.
TEMPLATE_UNPACKED_MAX_BYTES = 20 * TEMPLATE_UPLOAD_MAX_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440  # Django's default: files above it go to a temp file

GUARDIAN_RAISE_403 = False
GUARDIAN_RENDER_403 = False
ANONYMOUS_USER_NAME = None

SIMPLE_HISTORY_HISTORY_ID_USE_UUID = False

HEALTH_CHECK_TIMEOUT = timedelta(seconds=3).total_seconds()

# How long emergency ("break-glass") access to a restricted record lasts: long enough to deal
# with the emergency, short enough that it never becomes standing access.
EMERGENCY_ACCESS_FOR = timedelta(minutes=int(os.environ.get("EMERGENCY_ACCESS_MINUTES", "240")))
# The "who has looked" panel of a case lists this many of the latest viewers.
WHO_HAS_LOOKED_LIMIT = 20
