"""Production: nothing sensitive defaults. The secret key and allowed hosts must be set."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import EMAIL_HOST, tasks_from_env

SECRET_KEY = os.environ.get("CAREPATH_SECRET_KEY", "")
if not SECRET_KEY:
    raise ImproperlyConfigured("CAREPATH_SECRET_KEY must be set in production.")
if not os.environ.get("CAREPATH_ALLOWED_HOSTS"):
    raise ImproperlyConfigured("CAREPATH_ALLOWED_HOSTS must be set in production.")
DEBUG = False
SECURE_SSL_REDIRECT = os.environ.get("CAREPATH_SSL_REDIRECT", "1") == "1"
# Trust X-Forwarded-Proto only when told a proxy that sets it stands in front.
if os.environ.get("CAREPATH_BEHIND_TLS_PROXY") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True

# Real workers: tasks queue in the database for `carepath db_worker` processes, so a web request
# or the daily command never waits for them.
TASKS = tasks_from_env(os.environ.get("CAREPATH_TASKS", "database"))

# Digests go out over SMTP when a host is set. Without one, nothing is sent (rather than printed to
# a log, since a digest names children); `carepath daily` says so every time it runs.
if EMAIL_HOST:
    if not os.environ.get("CAREPATH_FROM_EMAIL"):
        raise ImproperlyConfigured("CAREPATH_FROM_EMAIL must be set when CAREPATH_EMAIL_HOST is.")
else:
    EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
