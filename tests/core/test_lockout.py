"""Repeated wrong passwords lock the username, and only that username."""

import pytest
from django.conf import settings

from tests import factories as f

from .conftest import SIGN_IN, is_signed_in, sign_in

pytestmark = pytest.mark.django_db


def fail(client, user, times):
    for _ in range(times):
        response = sign_in(client, user, password="not-the-password")
        assert not is_signed_in(client)
    return response


def test_the_limit_of_wrong_passwords_locks_the_account_even_against_the_right_one(client):
    user = f.UserFactory()
    assert settings.AXES_FAILURE_LIMIT == 5
    fail(client, user, settings.AXES_FAILURE_LIMIT)
    response = sign_in(client, user)
    assert response.status_code == 429
    assert "Your account is locked for now" in response.content.decode()
    assert not is_signed_in(client)
    assert client.get("/").status_code == 302


def test_fewer_wrong_passwords_than_the_limit_do_not_lock(client):
    user = f.UserFactory()
    response = fail(client, user, settings.AXES_FAILURE_LIMIT - 1)
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()
    assert sign_in(client, user).status_code == 302
    assert is_signed_in(client)


def test_a_locked_username_does_not_lock_out_colleagues_at_the_same_address(client):
    locked, colleague = f.UserFactory(), f.UserFactory()
    fail(client, locked, settings.AXES_FAILURE_LIMIT)
    # Same client, same address: the lockout is per username.
    response = sign_in(client, colleague)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(colleague.pk)


def test_a_failed_sign_in_does_not_send_the_password_back_in_the_page(client):
    user = f.UserFactory()
    response = client.post(SIGN_IN, {"username": user.username, "password": "Secret-typed-wrongly-99"})
    page = response.content.decode()
    assert response.status_code == 200
    assert user.username in page  # the username is kept, as GOV.UK forms do
    assert "Secret-typed-wrongly-99" not in page
