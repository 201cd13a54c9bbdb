"""Production: nothing sensitive defaults. The secret key and allowed hosts must be set."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403

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
