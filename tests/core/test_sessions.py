"""Idle and absolute session timeouts sign a person out; activity within the idle window keeps
them signed in until the absolute limit."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings

from .conftest import SIGN_IN, is_signed_in, sign_in

pytestmark = pytest.mark.django_db

MONDAY_9AM = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IDLE = timedelta(seconds=settings.CAREPATH_SESSION_IDLE_TIMEOUT)
ABSOLUTE = timedelta(seconds=settings.CAREPATH_SESSION_ABSOLUTE_TIMEOUT)


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_9AM, tick=False) as traveller:
        yield traveller


def assert_signed_out_to_sign_in(client, response, page, explanation):
    assert response.status_code == 302
    assert response["Location"].startswith(SIGN_IN)
    assert not is_signed_in(client)
    sign_in_page = client.get(response["Location"])
    text = sign_in_page.content.decode()
    assert explanation in text
    assert f'name="next" value="{page}"' in text
    # The explanation is shown once.
    assert explanation not in client.get(SIGN_IN).content.decode()


def test_idle_timeout_signs_the_user_out(client, clock, social_worker, allocated_child):
    page = f"/children/{allocated_child.public_id}/"
    sign_in(client, social_worker)
    assert client.get(page).status_code == 200
    clock.shift(IDLE - timedelta(seconds=30))
    assert client.get(page).status_code == 200
    clock.shift(IDLE + timedelta(seconds=1))
    response = client.get(page)
    assert_signed_out_to_sign_in(client, response, page, "you had not used carepath for a while")


def test_activity_within_the_idle_window_keeps_the_user_signed_in(client, clock, social_worker):
    sign_in(client, social_worker)
    step = IDLE - timedelta(minutes=2)
    elapsed = timedelta(0)
    while elapsed + step < ABSOLUTE:
        clock.shift(step)
        elapsed += step
        assert client.get("/").status_code == 200, f"signed out after {elapsed}"
    assert is_signed_in(client)


def test_absolute_timeout_signs_the_user_out_however_active(client, clock, social_worker):
    sign_in(client, social_worker)
    step = IDLE - timedelta(minutes=2)
    elapsed = timedelta(0)
    while elapsed + step <= ABSOLUTE:
        clock.shift(step)
        elapsed += step
        assert client.get("/").status_code == 200
    clock.shift(step)
    response = client.get("/")
    assert_signed_out_to_sign_in(client, response, "/", "your session reached its time limit")


def test_the_timeout_clocks_restart_at_each_sign_in(client, clock, social_worker):
    sign_in(client, social_worker)
    clock.shift(IDLE + timedelta(minutes=1))
    sign_in(client, social_worker)  # an unused, expired session, replaced by signing in again
    assert client.get("/").status_code == 200
    clock.shift(IDLE - timedelta(minutes=1))
    assert client.get("/").status_code == 200


def test_an_api_caller_whose_session_expired_is_refused_not_redirected(client, clock, social_worker):
    sign_in(client, social_worker)
    assert client.get("/api/v1/children/").status_code == 200
    clock.shift(IDLE + timedelta(seconds=1))
    response = client.get("/api/v1/children/")
    assert response.status_code in (401, 403)
    assert not is_signed_in(client)
