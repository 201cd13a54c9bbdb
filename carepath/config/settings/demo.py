"""The demo and local development: a secret key is generated and kept in the working folder."""

import os
import secrets

from .base import *  # noqa: F403
from .base import DATA_DIR, EMAIL_HOST

CAREPATH_PHASE_BANNER = os.environ.get("CAREPATH_PHASE_BANNER", "Demo")

if not SECRET_KEY:  # noqa: F405
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _key_file = DATA_DIR / "secret-key"
    if not _key_file.exists():
        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()

# Digest emails are written to files in the working folder (one file an email) unless
# CAREPATH_EMAIL_HOST names an SMTP server, a local mail catcher say. Not the console: the demo's
# console is where the logins are printed. Tasks run at once unless CAREPATH_TASKS=database.
if not EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = DATA_DIR / "emails"
