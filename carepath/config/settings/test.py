"""Tests: fast password hashing is NOT used (tests exercise the real Argon2 hasher once, in
core tests); the lockout store is the database like production."""

import os

from .base import *  # noqa: F403
from .base import database_from_env

SECRET_KEY = "test-only-not-secret"  # noqa: S105
CAREPATH_PHASE_BANNER = "Demo"
DATABASES = {"default": database_from_env(os.environ.get("DATABASE_URL"))}
# Argon2 stays configured first; tests that create many users use make_password through factories
# with a cheap hasher placed after it, which Django accepts for verification.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Tests do not collect static files; WhiteNoise serves from the finders.
STATIC_ROOT = None
# Tasks run at once and mail is kept in django.core.mail.outbox, whatever the environment says.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
