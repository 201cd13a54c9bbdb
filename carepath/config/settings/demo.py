"""The demo and local development: a secret key is generated and kept in the working folder."""

import os
import secrets

from .base import *  # noqa: F403
from .base import DATA_DIR

CAREPATH_PHASE_BANNER = os.environ.get("CAREPATH_PHASE_BANNER", "Demo")

if not SECRET_KEY:  # noqa: F405
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    _key_file = DATA_DIR / "secret-key"
    if not _key_file.exists():
        _key_file.write_text(secrets.token_urlsafe(50))
        _key_file.chmod(0o600)
    SECRET_KEY = _key_file.read_text().strip()
