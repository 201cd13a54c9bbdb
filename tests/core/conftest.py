"""Helpers for the sign-in, session and audit-trail tests."""

import re
from html.parser import HTMLParser

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from carepath.core.models import AuditChainHead
from tests import factories as f

SIGN_IN = "/sign-in/"
SIGN_OUT = "/sign-out/"
VERIFY = "/two-factor/verify/"
SET_UP = "/two-factor/set-up/"


def sign_in(client, user, password=f.TEST_PASSWORD, **extra):
    """Sign in through the sign-in form, as a person does (lockout and hashing included)."""
    return client.post(SIGN_IN, {"username": user.username, "password": password, **extra})


def code_for(device: TOTPDevice) -> str:
    """The code an authenticator app holding the device's key shows now."""
    device.refresh_from_db()
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):0{device.digits}d}"


def wrong_code_for(device: TOTPDevice) -> str:
    right = int(code_for(device))
    return f"{(right + 500_000) % 1_000_000:06d}"


def is_signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def csrf_token_from(response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode())
    assert match, "the page has no CSRF token in its form"
    return match.group(1)


class FormValues(HTMLParser):
    """What a browser would submit from the page: text inputs, checked radios, selected options."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("radio", "checkbox"):
                if "checked" in a:
                    self.values[a["name"]] = a.get("value", "on")
            else:
                self.values[a["name"]] = a.get("value", "")
        elif tag == "select":
            self._select = a.get("name")
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


def form_values(response) -> dict[str, str]:
    parser = FormValues()
    parser.feed(response.content.decode())
    return parser.values


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        wanted = {"a": "href", "area": "href", "form": "action"}.get(tag)
        for name, value in attrs:
            if name == wanted and value:
                self.hrefs.append(value)


def links_in(response) -> list[str]:
    parser = Links()
    parser.feed(response.content.decode())
    return parser.hrefs


@pytest.fixture
def confirmed_device(social_worker):
    return TOTPDevice.objects.create(user=social_worker, name="Work phone", confirmed=True)


@pytest.fixture
def restore_after_flush(django_db_setup, django_db_blocker):
    """For tests on a real (non-rolled-back) database. List it BEFORE transactional_db, so that it is
    set up first and torn down after the database is emptied. Emptying removes the chain heads that
    migration 0003 creates; they are put back, so later tests find the database as migrations left
    it. (The TRUNCATE trigger is set aside for the whole test session in tests/conftest.py.)"""
    with django_db_blocker.unblock():
        for name in ("access", "change"):
            AuditChainHead.objects.get_or_create(name=name)
    yield
    with django_db_blocker.unblock():
        for name in ("access", "change"):
            AuditChainHead.objects.get_or_create(name=name)
