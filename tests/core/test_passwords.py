"""Passwords are stored as Argon2 hashes, whichever way they are set."""

import io

import pytest
from django.core.management import call_command

from carepath.core.models import ChangeEvent
from carepath.people.models import User
from tests import factories as f

from .conftest import sign_in

PASSWORD = "tidy-kettle-orchard-42"


@pytest.mark.django_db
def test_create_user_stores_an_argon2_hash(monkeypatch):
    f.TeamFactory(name="Safeguarding North")
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    call_command(
        "create_user",
        "kpatel",
        "--role",
        "social_worker",
        "--team",
        "Safeguarding North",
        "--password-stdin",
        stdout=io.StringIO(),
    )
    user = User.objects.get(username="kpatel")
    assert user.password.startswith("argon2$")
    assert PASSWORD not in user.password
    assert user.check_password(PASSWORD)
    assert not user.check_password(PASSWORD.upper())
    # The audit trail records the creation, never the password or its hash.
    event = ChangeEvent.objects.get(record_type="people.User", record_id=str(user.pk))
    assert "password" not in event.changes_dict()
    assert user.password not in event.changes


@pytest.mark.django_db
def test_set_password_stores_an_argon2_hash():
    user = f.UserFactory()
    assert not user.password.startswith("argon2$")  # factories use a cheap hash
    user.set_password(PASSWORD)
    user.save()
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
    assert user.check_password(PASSWORD)


@pytest.mark.django_db
def test_signing_in_upgrades_an_older_hash_to_argon2(client):
    user = f.UserFactory()
    assert user.password.startswith("md5$")
    response = sign_in(client, user)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.password.startswith("argon2$")
