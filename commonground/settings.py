"""Common Ground settings: one module, every value from the environment.

The embedded default (SQLite, local files, no variables set) runs as is. Production sets
SECRET_KEY, ALLOWED_HOSTS, DEBUG=False (the default), DATABASE_URL, ENCRYPTION_KEYS and the
e-mail settings, and AWS_STORAGE_BUCKET_NAME for files in S3; `manage.py check --deploy` is
clean then.
"""

from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from commonground.lib.env import env, env_bool, env_int, env_list
from commonground.lib.storage import storages_from_env

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = Path(env("DATA_DIR", str(BASE_DIR / "var")))

# An insecure key for the embedded default only; a system check refuses it in production.
INSECURE_DEFAULT_SECRET_KEY = "django-insecure-commonground-embedded-default-do-not-deploy"  # noqa: S105
SECRET_KEY = env("SECRET_KEY", INSECURE_DEFAULT_SECRET_KEY)
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env("SITE_URL", "http://127.0.0.1:8000")
SITE_NAME = env("SITE_NAME", "Common Ground")
AGENCY_NAME = env("AGENCY_NAME", "Riverton Police Department")
# How residents reach the agency other than through this site: shown under "Other ways to report"
# and printed on letters. The address may hold several lines separated by "\n" (a real newline or
# the two characters). Opening hours use the OpenStreetMap opening_hours form ("Mo-Fr 08:00-18:00;
# Sa 10:00-14:00"), so each page can name the days in the reader's language.
AGENCY_PHONE = env("AGENCY_PHONE", "555-0100")
AGENCY_EMAIL = env("AGENCY_EMAIL", "standards@riverton.example")
AGENCY_ADDRESS = env(
    "AGENCY_ADDRESS", "Office of Professional Standards\n100 Main Street\nRiverton, ST 00000"
).replace("\\n", "\n")
AGENCY_OPENING_HOURS = env("AGENCY_OPENING_HOURS", "Mo-Fr 08:00-18:00; Sa 10:00-14:00")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "django_htmx",
    "django_tasks",
    "django_tasks_db",
    "allauth.usersessions",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "commonground.web",
    "commonground.audit",
    "commonground.accounts",
    "commonground.roster",
    "commonground.evidence",
    "commonground.complaints",
    "commonground.investigations",
    "commonground.correspondence",
    "commonground.oversight",
    "commonground.stops",
    "commonground.early_warning",
    "commonground.training",
    "commonground.surveys",
    "commonground.publish",
    "commonground.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Django's, except that residents' pages get a session of their own and no user.
    "commonground.web.resident.ResidentSessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "commonground.audit.middleware.AuditMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "commonground.accounts.middleware.StaffSessionLifetimeMiddleware",
    "commonground.accounts.middleware.RequireMFAMiddleware",
    "commonground.web.middleware.SecurityHeadersMiddleware",
    # Last, as django-axes asks.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "commonground.urls"
WSGI_APPLICATION = "commonground.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "commonground" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "commonground.web.context_processors.site",
            ],
        },
    },
]

FORM_RENDERER = "commonground.web.forms.FormRenderer"

# --- Database: SQLite (WAL, immediate transactions) unless DATABASE_URL is set -----------------
SQLITE_OPTIONS = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
}
if env("DATABASE_URL", ""):
    DATABASES = {
        "default": dj_database_url.parse(
            env("DATABASE_URL"),
            conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
            conn_health_checks=True,
        )
    }
    if DATABASES["default"]["ENGINE"].endswith("sqlite3"):  # sqlite:////path: the same options
        DATABASES["default"]["OPTIONS"] = SQLITE_OPTIONS
else:
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "commonground.sqlite3",
            # Tests use a file too (not shared-cache memory), so concurrency behaves as in use.
            "TEST": {"NAME": DATA_DIR / "test.sqlite3"},
            "OPTIONS": SQLITE_OPTIONS,
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Background tasks --------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env("TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# --- Files: local disk under MEDIA_ROOT unless AWS_STORAGE_BUCKET_NAME is set ------------------
# With a bucket: AWS_S3_ENDPOINT_URL (SeaweedFS, MinIO...), AWS_S3_REGION_NAME, AWS_LOCATION (a
# key prefix) and AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; see commonground.lib.storage.
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
STATIC_ROOT = Path(env("STATIC_ROOT", str(DATA_DIR / "static")))
STATIC_URL = "/static/"
STORAGES = storages_from_env()
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
# Every uploaded file streams to a temporary file while it is hashed (evidence.files); beside the
# media directory, so that storing it on local disk is a rename, not a second copy.
FILE_UPLOAD_HANDLERS = ["commonground.evidence.files.HashingUploadHandler"]
FILE_UPLOAD_TEMP_DIR = env("FILE_UPLOAD_TEMP_DIR", str(DATA_DIR / "uploads"))
Path(FILE_UPLOAD_TEMP_DIR).mkdir(parents=True, exist_ok=True)
# Resident attachments: how many, how large, and which types (sniffed from content, not names).
# Sizes in bytes, in decimal units (25_000_000 is "25 MB", as lib.sizes.readable_size states it).
ATTACHMENT_MAX_FILES = env_int("ATTACHMENT_MAX_FILES", 5)
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 25_000_000)
ATTACHMENT_ALLOWED_TYPES = env_list(
    "ATTACHMENT_ALLOWED_TYPES",
    [
        "image/jpeg",
        "image/png",
        "image/webp",
        "image/heic",
        "video/mp4",
        "video/quicktime",
        "video/webm",
        "audio/mpeg",
        "audio/mp4",
        "application/pdf",
    ],
)
NARRATIVE_MAX_CHARS = env_int("NARRATIVE_MAX_CHARS", 10_000)
# The most pixels an image may declare: larger ones are refused before they are decoded.
IMAGE_MAX_PIXELS = env_int("IMAGE_MAX_PIXELS", 60_000_000)
# Staff evidence (investigators' files, body-worn-camera footage): kept bit for bit.
POLICY_PDF_MAX_BYTES = env_int("POLICY_PDF_MAX_BYTES", 20_000_000)
EVIDENCE_MAX_BYTES = env_int("EVIDENCE_MAX_BYTES", 8_000_000_000)
EVIDENCE_ALLOWED_TYPES = env_list("EVIDENCE_ALLOWED_TYPES", ATTACHMENT_ALLOWED_TYPES)
# Staff send large files in pieces of at most this size, so a dropped connection resumes where it
# stopped; pieces are streamed into storage, never held whole. Unfinished uploads are removed after
# EVIDENCE_UPLOAD_KEEP_DAYS without progress.
EVIDENCE_UPLOAD_CHUNK_BYTES = env_int("EVIDENCE_UPLOAD_CHUNK_BYTES", 8 * 1024 * 1024)
EVIDENCE_UPLOAD_KEEP_DAYS = env_int("EVIDENCE_UPLOAD_KEEP_DAYS", 2)
# Downloading an original asks for a second factor used within this many seconds.
SENSITIVE_MFA_SECONDS = env_int("SENSITIVE_MFA_SECONDS", 300)
# Footage is suggested for a report when its recording overlaps the incident by this margin.
FOOTAGE_MATCH_MARGIN_MINUTES = env_int("FOOTAGE_MATCH_MARGIN_MINUTES", 30)
# Stop and use-of-force files analysts import (CSV or Parquet), and where each process keeps its
# local copies of loaded stop files when they are stored on S3.
STOPS_IMPORT_MAX_BYTES = env_int("STOPS_IMPORT_MAX_BYTES", 4_000_000_000)
STOPS_CACHE_DIR = Path(env("STOPS_CACHE_DIR", str(DATA_DIR / "cache" / "stops")))

# --- Secrets for personal data -----------------------------------------------------------------
# Fernet keys, newest first: the first encrypts, all decrypt (rotate by prepending a new key and
# running `manage.py rotate_encryption`). Without any, a key is derived from SECRET_KEY.
ENCRYPTION_KEYS = env_list("ENCRYPTION_KEYS", [])
# The keyed hash of tracking codes (HMAC-SHA256). Derived from SECRET_KEY when not set.
TRACKING_CODE_SECRET = env("TRACKING_CODE_SECRET", "")
TRACKING_LOOKUP_RATE = env("TRACKING_LOOKUP_RATE", "10/15m")

# --- Audit log: its chain key and its signed heads, outside the database -----------------------
# Keys the embedded default makes for itself (mode 0700; each key file 0600). Not in backups.
KEYS_DIR = Path(env("KEYS_DIR", str(DATA_DIR / "keys")))
# The HMAC key of the audit chain (at least 32 characters; AUDIT_CHAIN_KEY_FILE names a file that
# holds it). Without it, the key in AUDIT_CHAIN_KEY_PATH, made there on first use. Every process
# that writes or verifies the log needs the same key: set it on deployments of several machines.
AUDIT_CHAIN_KEY = env("AUDIT_CHAIN_KEY", "")
AUDIT_CHAIN_KEY_PATH = Path(env("AUDIT_CHAIN_KEY_PATH", str(KEYS_DIR / "audit-chain.key")))
# Where the daily task writes the chain's signed head (best a folder that is another machine's,
# or synchronised off this one), and the Ed25519 key it signs with (made there on first use).
# verify_audit checks the newest head there, with the public key of AUDIT_HEAD_PUBLIC_KEY if
# set, or else of the signing key.
AUDIT_HEAD_DIR = Path(env("AUDIT_HEAD_DIR", str(DATA_DIR / "audit-heads")))
AUDIT_HEAD_SIGNING_KEY = Path(
    env("AUDIT_HEAD_SIGNING_KEY", str(KEYS_DIR / "audit-head-signing.pem"))
)
AUDIT_HEAD_PUBLIC_KEY = env("AUDIT_HEAD_PUBLIC_KEY", "")

# --- Accounts, MFA, lockout --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "staff_home"
ACCOUNT_ADAPTER = "commonground.accounts.adapter.StaffAccountAdapter"
ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["username*", "password1*"]
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = True
ACCOUNT_RATE_LIMITS = {"login_failed": "20/m/ip"}
MFA_ADAPTER = "commonground.accounts.adapter.StaffMFAAdapter"
# A locked account's second factors are refused, and wrong codes count (accounts.lockout).
MFA_FORMS = {
    "authenticate": "commonground.accounts.forms.LockoutAuthenticateForm",
    "reauthenticate": "commonground.accounts.forms.LockoutReauthenticateForm",
    "authenticate_webauthn": "commonground.accounts.forms.LockoutAuthenticateWebAuthnForm",
    "reauthenticate_webauthn": "commonground.accounts.forms.LockoutReauthenticateWebAuthnForm",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = False
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
MFA_TOTP_ISSUER = SITE_NAME
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15) / 60  # hours
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Failures count under the account's own username whatever its case; a name that is no
# account's is kept only as a keyed hash (accounts.lockout).
AXES_USERNAME_CALLABLE = "commonground.accounts.lockout.username_for_lockout"
# Masked in the form data axes keeps with an attempt: what was typed as the username (often a
# password) and second-factor codes.
AXES_SENSITIVE_PARAMETERS = ["username", "login", "code", "ip_address"]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_IPWARE_META_PRECEDENCE_ORDER = ["REMOTE_ADDR"]
# Lockout is per account (CJIS AC-7); addresses are throttled by allauth's login_failed rate.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Sessions: staff sessions end after 30 idle minutes and 12 hours after sign-in (CJIS AC-11); anonymous residents get a session only
# while a form needs one, and it ends with the browser.
SESSION_COOKIE_AGE = env_int("SESSION_IDLE_SECONDS", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True
STAFF_SESSION_MAX_SECONDS = env_int("STAFF_SESSION_MAX_SECONDS", 12 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# No lasting cookie for residents: the CSRF cookie ends with the browser, as the session does.
CSRF_COOKIE_AGE = None

# --- Security headers (production values come with DEBUG off) ---------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
# Sent only over HTTPS (so harmless on the embedded http://127.0.0.1 default): one year.
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 60 * 60)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# --- Languages ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("es", _("Spanish"))]
LANGUAGE_NAMES_NATIVE = {"en": "English", "es": "Español"}
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", "America/Chicago")

# --- Roster ------------------------------------------------------------------------------------
PUBLIC_OFFICER_LOOKUP = env_bool("PUBLIC_OFFICER_LOOKUP", True)

# Enqueued once a local day, from this hour, by `manage.py scheduler`.
DAILY_TASKS_HOUR = env_int("DAILY_TASKS_HOUR", 6)
DAILY_TASKS = [
    "commonground.complaints.tasks.send_still_open_notices",
    "commonground.complaints.tasks.discard_unfiled_uploads",
    "commonground.investigations.tasks.send_deadline_reminders",
    "commonground.investigations.tasks.suggest_footage_links",
    "commonground.evidence.tasks.dispose_of_expired_items",
    "commonground.evidence.tasks.discard_stale_uploads",
    "commonground.evidence.tasks.discard_orphans",
    "commonground.early_warning.tasks.run_daily_detectors",
    "commonground.web.tasks.refresh_database_statistics",
    "commonground.surveys.tasks.rewrite_survey_tables",
    # After the others, so the public figures include everything the other tasks changed.
    "commonground.publish.tasks.build_nightly_release",
    # Last: the signed head then fixes the night's work too.
    "commonground.audit.tasks.export_audit_head",
]

# --- Investigations and oversight --------------------------------------------------------------
# Public holidays that working-day deadlines skip (codes of the `holidays` library).
DEADLINE_HOLIDAY_COUNTRY = env("DEADLINE_HOLIDAY_COUNTRY", "US")
DEADLINE_HOLIDAY_SUBDIVISION = env("DEADLINE_HOLIDAY_SUBDIVISION", "")
# A deadline is "due soon" this many days before it falls.
DEADLINE_DUE_SOON_DAYS = env_int("DEADLINE_DUE_SOON_DAYS", 14)
# Residents with an open case hear from us at least this often.
STILL_OPEN_NOTICE_DAYS = env_int("STILL_OPEN_NOTICE_DAYS", 30)
# Members (not recused) who must vote, abstentions included, before a board review can close.
BOARD_QUORUM = env_int("BOARD_QUORUM", 3)
# The agency's disclosure setting: officer names and findings on the resident's status page.
PUBLIC_DISCLOSE_OFFICER_OUTCOMES = env_bool("PUBLIC_DISCLOSE_OFFICER_OUTCOMES", False)

# --- Early intervention ------------------------------------------------------------------------
# The agency's policy on when an officer learns of a complaint naming them: from this stage on
# (or once the complaint has passed it) the complaint counts on the officer's own record. Before
# it, telling the officer would warn them of a complaint still being assessed, a retaliation
# risk. Stages in order (mediation ranks with investigation: the officer takes part in it).
OFFICER_COMPLAINT_STAGES = (
    "received",
    "triage",
    "investigation",
    "supervisor_review",
    "board_review",
    "agency_decision",
    "closed",
)
OFFICER_SEES_COMPLAINT_FROM = env("OFFICER_SEES_COMPLAINT_FROM", "investigation")
if OFFICER_SEES_COMPLAINT_FROM not in OFFICER_COMPLAINT_STAGES:
    raise ImproperlyConfigured(
        f"OFFICER_SEES_COMPLAINT_FROM must be one of {', '.join(OFFICER_COMPLAINT_STAGES)}, "
        f"not {OFFICER_SEES_COMPLAINT_FROM!r}."
    )

# --- E-mail ------------------------------------------------------------------------------------
# The embedded default writes each message to a file in EMAIL_FILE_PATH (a folder of mode 0700,
# readable by the server's account and root only), never to the console: messages carry
# tracking codes and residents' addresses. Production sets EMAIL_BACKEND to SMTP's.
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = Path(env("EMAIL_FILE_PATH", str(DATA_DIR / "mail")))
if EMAIL_BACKEND.endswith("filebased.EmailBackend"):
    EMAIL_FILE_PATH.mkdir(mode=0o700, parents=True, exist_ok=True)
    EMAIL_FILE_PATH.chmod(0o700)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Common Ground <no-reply@localhost>")

# Shared by every process (rate limits must hold across web workers): the database by default.
CACHES = {
    "default": {
        "BACKEND": env("CACHE_BACKEND", "django.core.cache.backends.db.DatabaseCache"),
        "LOCATION": env("CACHE_LOCATION", "commonground_cache"),
    }
}

# Error reports keep the stack, never what a resident sent (see commonground.web.errors).
DEFAULT_EXCEPTION_REPORTER_FILTER = "commonground.web.errors.PrivateExceptionReporterFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    # Request lines would carry residents' addresses; Django's request logger never logs them
    # for a success, and its error records name only the path (error e-mails: web.errors).
    "loggers": {
        "django.server": {"handlers": [], "propagate": False},
        # qpdf's bridge announces itself on import; its warnings about damaged PDFs still show.
        "pikepdf": {"level": "WARNING"},
    },
}

# --- Open data API (read-only, public, no sessions) ----------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "UNAUTHENTICATED_USER": None,
    # Per address, in fixed windows counted in the database every process shares; every answer
    # carries RateLimit-* and X-RateLimit-* headers. The docs and the schema are not limited.
    "DEFAULT_THROTTLE_CLASSES": ["commonground.publish.throttling.AddressRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env("API_RATE_LIMIT", "600/hour")},
    # Behind a proxy, set this to how many proxies add to X-Forwarded-For. 0 means none: the
    # header is then ignored (DRF reads None, not 0, as "trust the whole header").
    "NUM_PROXIES": env_int("API_NUM_PROXIES", 0),
    # Responses are JSON only: ?format= is an unknown parameter like any other (a clear 400).
    "URL_FORMAT_OVERRIDE": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Common Ground open data API",
    "DESCRIPTION": (
        "Read-only public data on complaints, their outcomes and commendations. Counts from 1 "
        "to the suppression threshold are hidden (with partners, so no total gives them away). "
        "Every dataset is also a bulk download in CSV, JSON and Parquet under /data/."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Deep links put a link inside each operation's button (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    # District codes and discipline levels are records: the schema lists them as they are.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "commonground.publish.throttling.list_current_values",
    ],
}
