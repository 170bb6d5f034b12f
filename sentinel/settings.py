"""One settings module for every environment, driven by environment variables.

`.env.example` lists every variable. Without DATABASE_URL the app runs on SQLite under var/;
without REDIS_URL Celery runs tasks in-process. SENTINEL_ENV=production turns on the
production checks: no default secret key, no DEBUG, secure cookies, HSTS.
"""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .env import env_bool, env_int, env_list, env_str, production_problems

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SENTINEL_VAR_DIR", str(BASE_DIR / "var")))

SENTINEL_ENV = env_str("SENTINEL_ENV", "development")
if SENTINEL_ENV not in {"development", "test", "production"}:
    raise ImproperlyConfigured(
        f"SENTINEL_ENV={SENTINEL_ENV!r}: use development, test or production"
    )
PRODUCTION = SENTINEL_ENV == "production"

_DEV_SECRET = "dev-only-insecure-secret-key-never-use-in-production"  # noqa: S105
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET)
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

if PRODUCTION and (
    _problems := production_problems(
        secret_key=SECRET_KEY, allowed_hosts=ALLOWED_HOSTS, debug=DEBUG
    )
):
    raise ImproperlyConfigured(" ".join(_problems))

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",  # Django's widget templates, for the GOV.UK form renderer
    "django.contrib.postgres",  # trigram matching and search on PostgreSQL
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "guardian",
    "simple_history",
    "treebeard",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    "access",
    "audit",
    "incidents",
    "people",
    "complaints",
    "retention",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "audit.middleware.AuditContextMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle (30 min) and absolute (12 h) session limits; suspended partners' sessions end.
    "access.sessions.SessionLimitsMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "access.middleware.NoStoreForSignedInMiddleware",
    # Two-factor step and forced password change before anything else is reachable.
    "access.middleware.AccountGateMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # django-axes: last, as its documentation asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "sentinel.urls"
WSGI_APPLICATION = "sentinel.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "libraries": {"pagination": "common.pagination"},
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "sentinel.context_processors.service",
                "sentinel.context_processors.navigation",
                "access.context_processors.session_limits",
            ],
        },
    },
]
FORM_RENDERER = "common.forms.GovukFormRenderer"

# --- Database -------------------------------------------------------------------------------
DATABASE_URL = env_str("DATABASE_URL")
if DATABASE_URL:
    DATABASES = {
        "default": dj_database_url.parse(
            DATABASE_URL,
            # Persistent connections, kept short: Data Hub saw Celery spike connection
            # counts, so each process holds at most one connection for a minute.
            conn_max_age=env_int("CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        # No JIT compilation: the access policy's subqueries make PostgreSQL over-estimate
        # the cost of ordinary queries, and it then spent hundreds of milliseconds compiling
        # a report query that runs in less (bench/README.md). PG_JIT=on restores it.
        DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
            f"-c jit={'on' if env_bool('PG_JIT', False) else 'off'}"
        )
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "sentinel.sqlite3",
            "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20},
        }
    }
# Migrations connect as the role that owns the tables, the application as DATABASE_URL's
# role, which owns nothing and may only read and append the audit log (docs/security.md,
# "Database roles"; audit/roles.py). Unset: migrations connect as DATABASE_URL does.
MIGRATION_DATABASE_URL = env_str("MIGRATION_DATABASE_URL")
MIGRATION_DATABASE = None
if MIGRATION_DATABASE_URL:
    MIGRATION_DATABASE = dj_database_url.parse(MIGRATION_DATABASE_URL)
    if not DATABASE_URL or MIGRATION_DATABASE["NAME"] != DATABASES["default"]["NAME"]:
        raise ImproperlyConfigured(
            "MIGRATION_DATABASE_URL names the database DATABASE_URL names, with the role that "
            "owns its tables."
        )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Users, sign-in and sessions ----------------------------------------------------------------
AUTH_USER_MODEL = "access.User"
AUTHENTICATION_BACKENDS = [
    # django-axes first: it refuses a locked account before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "access.backends.PartnershipBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # Spaces do not count: twenty spaces are not a password (passphrases are welcome).
    {
        "NAME": "access.password_validation.VisibleCharactersValidator",
        "OPTIONS": {"min_length": 12},
    },
]
LOGIN_URL = "sign-in"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "sign-in"

# Session limits (SPEC §17; docs/security.md). The absolute lifetime is enforced on the
# server from the time of sign-in (access/sessions.py), the cookie merely expires with it.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60)
SESSION_ABSOLUTE_TIMEOUT = env_int("SESSION_ABSOLUTE_TIMEOUT", 12 * 60 * 60)
# How long before the idle time-out the warning dialog appears (WCAG 2.2.1: at least 20 s).
SESSION_WARNING_SECONDS = env_int("SESSION_WARNING_SECONDS", 2 * 60)
if not 20 <= SESSION_WARNING_SECONDS < SESSION_IDLE_TIMEOUT:
    raise ImproperlyConfigured(
        "SESSION_WARNING_SECONDS: at least 20 (WCAG 2.2.1) and less than SESSION_IDLE_TIMEOUT"
    )
SESSION_COOKIE_AGE = SESSION_ABSOLUTE_TIMEOUT
# Form drafts saved at time-out are kept this long for their author to come back to, and
# may be at most this large (the JSON posted by the browser).
DRAFT_KEEP_DAYS = env_int("DRAFT_KEEP_DAYS", 7)

# --- Retention (SPEC §13) ---------------------------------------------------------------------
# Incidents erased per transaction by the retention sweep (retention/sweep.py). A batch costs
# the same number of queries whatever its size, so larger batches erase faster (bench/).
RETENTION_SWEEP_BATCH_SIZE = env_int("RETENTION_SWEEP_BATCH_SIZE", 1000)
# The inactive-records report's default: open incidents untouched for this many days (D3).
INACTIVE_AFTER_DAYS = env_int("INACTIVE_AFTER_DAYS", 90)
# A complaint draft nobody has touched for this many days is deleted by the nightly sweep
# (retention/sweep.py): what a victim told us is not kept for ever in a complaint never logged.
COMPLAINT_DRAFT_KEEP_DAYS = env_int("COMPLAINT_DRAFT_KEEP_DAYS", 30)
if COMPLAINT_DRAFT_KEEP_DAYS < 1:
    raise ImproperlyConfigured("COMPLAINT_DRAFT_KEEP_DAYS: at least 1")
DRAFT_MAX_BYTES = env_int("DRAFT_MAX_BYTES", 100 * 1024)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"

# Lockout (SPEC §17, CJIS 5.5.3): 5 consecutive failures lock the account for 10 minutes.
# Keyed on the account alone, never the address: a police station shares one address, and
# an attacker rotating addresses must not get 5 more guesses per address. See
# docs/decisions/0011-sign-in-security.md.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = timedelta(minutes=10)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "access.views.locked_out"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False
AXES_SENSITIVE_PARAMETERS = ["password", "otp_token"]
# The lock lasts 10 minutes from the fifth failure: sign-ins while locked are refused (and
# logged) without counting, so they neither extend the lock nor log a second lockout.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False

# Two-factor authentication (TOTP, django-otp): always required of administrators and
# analysts; available to everyone; required of everyone when this is true.
TWO_FACTOR_REQUIRED_FOR_ALL = env_bool("TWO_FACTOR_REQUIRED_FOR_ALL", False)
OTP_TOTP_ISSUER = env_str("SERVICE_NAME", "ASB case management")

# django-guardian holds explicit per-case shares only; it must not create an anonymous user
# (our users belong to an organisation, and nobody anonymous sees anything).
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
# Guardian's permission backend is deliberately not installed: guardian stores the shares,
# and access/policy/ reads them (with geography and role) in one query.
SILENCED_SYSTEM_CHECKS = [
    "guardian.W001",
    # django-axes warns when the lockout is not keyed on the address. SPEC §17 forbids
    # locking an address (a police station or council office shares one): the account is
    # locked whichever address the guesses come from. Decision 0011.
    "axes.W006",
]

# --- Internationalisation ---------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files -------------------------------------------------------------------------------
# GOV.UK Frontend and MoJ Frontend come from npm (package.json); Django serves their dist
# folders as they are, and our Sass build (npm run build) writes frontend/build/.
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Outside production WhiteNoise also serves straight from the source folders, so a trial
# without DEBUG works before (or without) collectstatic.
WHITENOISE_USE_FINDERS = not PRODUCTION
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    ("govuk", NODE_MODULES / "govuk-frontend" / "dist" / "govuk"),
    ("moj", NODE_MODULES / "@ministryofjustice" / "frontend" / "moj"),
    ("leaflet", NODE_MODULES / "leaflet" / "dist"),
    BASE_DIR / "frontend" / "static",
    BASE_DIR / "frontend" / "build",
]
# Uploaded documents live outside the web root and have no public URL: they are served only
# by the access-checked download view (SPEC W4).
DOCUMENTS_ROOT = Path(env_str("DOCUMENTS_ROOT", str(VAR_DIR / "documents")))
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)
# Optional virus scan: the dotted path of a callable(file) that raises ValidationError.
DOCUMENT_SCANNER = env_str("DOCUMENT_SCANNER") or None
# Django's, but a large upload's temporary file never takes a long extension from the name
# it was sent with (common/uploads.py).
FILE_UPLOAD_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "common.uploads.TemporaryFileUploadHandler",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "documents": {
        "BACKEND": "incidents.storage.PrivateStorage",
        "OPTIONS": {"location": str(DOCUMENTS_ROOT)},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- API ---------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Deny by default (cla_backend's AllowNone): every endpoint declares who may use it.
    "DEFAULT_PERMISSION_CLASSES": ["access.api.AllowNone"],
    # Token first, so that a missing or refused credential answers 401 (WWW-Authenticate:
    # Token). Tokens of disabled or suspended users are refused; browser sessions are held
    # at the two-factor step and the forced password change (access/authentication.py).
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "access.authentication.TokenAuthentication",
        "access.authentication.SessionAuthentication",
    ],
    "DEFAULT_PAGINATION_CLASS": "common.api.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "common.api_schema.AutoSchema",
    # One rule for refusals and bad input: a service's ValidationError is a 400 with field
    # errors; its PermissionDenied a 404, as a missing record (common/api.py).
    "EXCEPTION_HANDLER": "common.api.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "ASB case management API",
    "DESCRIPTION": "Incidents, people, working sheets, tasks and documents. Every record is "
    "scoped by the partnership's access policy: out-of-scope records answer 404.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # A field that refuses an empty string says so (minLength 1), so that clients and the
    # schema fuzzer (tests/api/test_schema_fuzz.py) know.
    "ENFORCE_NON_BLANK_FIELDS": True,
    # Several models have a "kind": name each enum after its model.
    "ENUM_NAME_OVERRIDES": {
        "DocumentKindEnum": "incidents.models.Document.Kind",
        "WorkingSheetEntryKindEnum": "incidents.models.WorkingSheetEntry.Kind",
        "AlertKindEnum": "incidents.models.Alert.Kind",
        "RiskLevelEnum": "incidents.models.Incident.RiskLevel",
        "IncidentStatusEnum": "incidents.models.Incident.Status",
    },
}

# --- Background work --------------------------------------------------------------------------
REDIS_URL = env_str("REDIS_URL")
# Without Redis nothing is sent to the broker (tasks run in-process); naming a host spares
# the "No hostname was supplied" warning kombu prints for a bare memory://.
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
# The queue tasks go to and workers listen on: deployments sharing one Redis keep apart.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_QUEUE", "celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# How long Redis waits for an unacknowledged message (a worker killed mid-task) before
# giving it to another worker: longer than any task runs or is scheduled ahead (see
# incidents/tasks.py). Tests of a killed worker set it to a few seconds.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600),
    "socket_connect_timeout": 2,
}
# With Redis down, queueing a task must fail fast (the notification waits in the outbox),
# not hold the user's request.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BEAT_SCHEDULE = {
    # Notifications whose e-mail never went (broker or worker down): sent once they are back.
    "deliver-pending-notifications": {
        "task": "incidents.tasks.deliver_pending_notifications",
        "schedule": 300,
    },
    "remind-tasks": {
        "task": "incidents.tasks.remind_tasks",
        "schedule": crontab(hour=7, minute=0),
    },
    "remind-victim-updates": {
        "task": "incidents.tasks.remind_victim_updates",
        "schedule": crontab(hour=7, minute=5),
    },
    # Form drafts nobody came back for (DRAFT_KEEP_DAYS).
    "delete-old-drafts": {
        "task": "access.tasks.delete_old_drafts",
        "schedule": crontab(hour=3, minute=15),
    },
    # Erase what is due for automatic deletion, queue the rest for review (SPEC D2).
    "retention-sweep": {
        "task": "retention.tasks.retention_sweep",
        "schedule": crontab(hour=2, minute=30),
    },
}

# --- E-mail -----------------------------------------------------------------------------------
# Alerts and reminders are e-mailed without personal data (SPEC W3). Development prints them
# to the console; production sends through the SMTP server named here.
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if PRODUCTION
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds: without Redis tasks run in the request, and a hung mail server must not hang it.
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "asb-case-management@localhost")
# The address users reach the service at, for links in e-mails.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

# --- The partnership's own settings -------------------------------------------------------------
SERVICE_NAME = env_str("SERVICE_NAME", "ASB case management")
# Hotspot map tiles (S4): a tile URL template such as
# https://tile.openstreetmap.org/{z}/{x}/{y}.png (check the tile server's usage policy).
# Blank: the map draws the incidents on a plain background; the tables work either way.
MAP_TILE_URL = env_str("MAP_TILE_URL", "")
MAP_TILE_ATTRIBUTION = env_str("MAP_TILE_ATTRIBUTION", "")
# The words printed for each protective marking (C7). "legacy" prints the Government
# Protective Marking Scheme names that the information-sharing agreements use; "gsc" the
# Government Security Classifications that replaced them in 2014. See
# docs/decisions/0004-protective-marking.md.
MARKING_SCHEME = env_str("MARKING_SCHEME", "legacy")
MARKING_LABELS = {
    "legacy": {"protect": "PROTECT", "restricted": "RESTRICTED", "confidential": "CONFIDENTIAL"},
    "gsc": {
        "protect": "OFFICIAL",
        "restricted": "OFFICIAL-SENSITIVE",
        "confidential": "OFFICIAL-SENSITIVE PERSONAL",
    },
}
if MARKING_SCHEME not in MARKING_LABELS:
    raise ImproperlyConfigured(f"MARKING_SCHEME={MARKING_SCHEME!r}: use legacy or gsc")

# --- Content Security Policy (django-csp) -------------------------------------------------------
# No inline script or style anywhere: every script is a module file under /static/.
# Map tiles (S4) are the one outside source, and only when MAP_TILE_URL is set.
_tile_source = []
if MAP_TILE_URL:
    _tile = urlsplit(MAP_TILE_URL)
    _tile_source = [f"{_tile.scheme}://{_tile.netloc.replace('{s}', '*')}"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:", *_tile_source],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "filters": {"task_lines_from_workers_only": {"()": "sentinel.logs.TaskLinesFromWorkersOnly"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        # django-axes logs every sign-in at INFO; sign-ins, failures and lockouts are in the
        # audit log already.
        "axes": {"level": "WARNING"},
        # "Task ... succeeded" for tasks run in the web process or a command: not news there.
        "celery.app.trace": {"filters": ["task_lines_from_workers_only"]},
    },
}
