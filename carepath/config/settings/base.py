"""Settings shared by every environment. Configuration comes from environment variables with safe
defaults; production.py insists on the ones that must not default."""

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONCE

PACKAGE_DIR = Path(__file__).resolve().parent.parent.parent
# The working folder: where the embedded SQLite database lives when DATABASE_URL is unset.
DATA_DIR = Path(os.environ.get("CAREPATH_DATA_DIR", Path.cwd() / "carepath-data"))

SECRET_KEY = os.environ.get("CAREPATH_SECRET_KEY", "")
DEBUG = os.environ.get("CAREPATH_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("CAREPATH_ALLOWED_HOSTS", "localhost,127.0.0.1").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CAREPATH_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
    "carepath.core",
    "carepath.people",
    "carepath.journey",
    "carepath.legal",
    "carepath.assurance",
    "carepath.timescales",
    "carepath.synth",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "carepath.core.middleware.SessionTimeoutMiddleware",
    "carepath.core.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "carepath.config.urls"
WSGI_APPLICATION = "carepath.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "carepath.core.context_processors.navigation",
            ],
        },
    },
]


def database_from_env(url: str | None) -> dict:
    """DATABASE_URL, or an SQLite file in the working folder. SQLite runs in WAL mode with
    IMMEDIATE transactions so that concurrent writers queue rather than fail, and so that the
    audit hash chain is extended by one writer at a time."""
    if not url:
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{DATA_DIR / 'carepath.sqlite3'}"
    config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    if config["ENGINE"] == "django.db.backends.sqlite3":
        config["CONN_MAX_AGE"] = 0
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
        }
    return config


DATABASES = {"default": database_from_env(os.environ.get("DATABASE_URL"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "core:sign-in"
LOGIN_REDIRECT_URL = "people:home"
LOGOUT_REDIRECT_URL = "core:sign-in"

# Lockout after repeated failures (django-axes): per username, so one person's typing cannot lock out
# a shared office IP address.
AXES_FAILURE_LIMIT = int(os.environ.get("CAREPATH_LOCKOUT_FAILURES", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("CAREPATH_LOCKOUT_MINUTES", "30")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/locked_out.html"
AXES_VERBOSE = False

# Sessions: idle and absolute timeouts (seconds), enforced by core.middleware.SessionTimeoutMiddleware.
CAREPATH_SESSION_IDLE_TIMEOUT = int(os.environ.get("CAREPATH_SESSION_IDLE_TIMEOUT", str(30 * 60)))
CAREPATH_SESSION_ABSOLUTE_TIMEOUT = int(os.environ.get("CAREPATH_SESSION_ABSOLUTE_TIMEOUT", str(10 * 3600)))
SESSION_COOKIE_AGE = CAREPATH_SESSION_ABSOLUTE_TIMEOUT
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
# When set, every user must use two-factor authentication, not only those an administrator marks.
CAREPATH_REQUIRE_TWO_FACTOR = os.environ.get("CAREPATH_REQUIRE_TWO_FACTOR", "") == "1"
OTP_TOTP_ISSUER = "carepath"

# A phase banner above every page (e.g. "Demo", "Training"); none when empty.
CAREPATH_PHASE_BANNER = os.environ.get("CAREPATH_PHASE_BANNER", "")

# Break-glass access lasts this long before a new reason is needed.
CAREPATH_BREAK_GLASS_MINUTES = int(os.environ.get("CAREPATH_BREAK_GLASS_MINUTES", "60"))

# Security headers.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Background work: the django.tasks API (backport `django-tasks`). "immediate" runs a task at once,
# in the process that enqueues it, so the demo and a fresh clone need nothing else running;
# "database" queues it in the database for `carepath db_worker` processes (production's default).
CAREPATH_TASKS = os.environ.get("CAREPATH_TASKS", "immediate")
TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}


def tasks_from_env(name: str) -> dict:
    if name not in TASK_BACKENDS:
        raise ValueError(f"CAREPATH_TASKS must be one of {', '.join(TASK_BACKENDS)}, not {name!r}")
    return {"default": {"BACKEND": TASK_BACKENDS[name]}}


TASKS = tasks_from_env(CAREPATH_TASKS)

# Email: the daily digest of work. With CAREPATH_EMAIL_HOST set, mail goes out over SMTP; without it,
# each environment chooses (the demo writes files, production sends nothing, tests keep them).
EMAIL_HOST = os.environ.get("CAREPATH_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("CAREPATH_EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("CAREPATH_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("CAREPATH_EMAIL_PASSWORD", "")
EMAIL_USE_SSL = os.environ.get("CAREPATH_EMAIL_USE_SSL", "") == "1"
EMAIL_USE_TLS = not EMAIL_USE_SSL and os.environ.get("CAREPATH_EMAIL_USE_TLS", "1") == "1"
EMAIL_TIMEOUT = 30
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
DEFAULT_FROM_EMAIL = os.environ.get("CAREPATH_FROM_EMAIL", "carepath <carepath@localhost>")
# Links in emails are absolute: an email has no page to be relative to.
CAREPATH_BASE_URL = os.environ.get("CAREPATH_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("CAREPATH_STATIC_ROOT", DATA_DIR / "static"))
# GOV.UK Frontend comes from the npm registry into node_modules (setup command); its assets are
# served from there under /static/govuk/, never copied into the repository.
NODE_MODULES = Path(os.environ.get("CAREPATH_NODE_MODULES", PACKAGE_DIR.parent / "node_modules"))
STATICFILES_DIRS = [
    ("govuk", NODE_MODULES / "govuk-frontend" / "dist" / "govuk"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["carepath.core.api.HasCarepathFunction"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.LimitOffsetPagination",
    "PAGE_SIZE": 50,
    "UNAUTHENTICATED_USER": None,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "carepath API",
    "DESCRIPTION": "The child's journey in children's social care. Every read of a child's record is logged.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("CAREPATH_LOG_LEVEL", "WARNING")},
}

# axes.W006: lockout is per username on purpose. Staff sign in from shared council networks behind
# one address; locking by address would lock out a whole office after one person's mistakes.
# Password spraying across usernames is answered by the password policy and two-factor sign-in.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
