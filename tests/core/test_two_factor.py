"""Two-factor authentication: required by an administrator (or for everyone), set up with a real
authenticator-app code, and asked for at every sign-in once set up."""

from datetime import UTC, datetime

import pytest
import time_machine
from django.test import override_settings
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests import factories as f

from .conftest import SET_UP, SIGN_OUT, VERIFY, code_for, is_signed_in, sign_in, wrong_code_for

pytestmark = pytest.mark.django_db

MONDAY_9AM = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TOTP_STEP = 30


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY_9AM, tick=False) as traveller:
        yield traveller


def pages_for(child):
    return ["/", "/children/", f"/children/{child.public_id}/", f"/children/{child.public_id}/details/edit/"]


def assert_held_at(client, target, pages):
    for page in pages:
        response = client.get(page)
        assert response.status_code == 302, page
        assert response["Location"].startswith(target), (page, response["Location"])


def assert_open(client, pages):
    for page in pages:
        assert client.get(page).status_code == 200, page


def test_required_user_without_an_app_is_sent_to_set_up_and_held_there_until_a_code_is_confirmed(
    client, clock, social_worker, allocated_child
):
    social_worker.two_factor_required = True
    social_worker.save()
    response = sign_in(client, social_worker)
    assert is_signed_in(client)
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"].startswith(SET_UP)

    assert_held_at(client, SET_UP, pages_for(allocated_child))
    assert client.get("/api/v1/children/").status_code == 403

    page = client.get(SET_UP)
    assert page.status_code == 200
    device = TOTPDevice.objects.get(user=social_worker, confirmed=False)
    assert "<svg" in page.content.decode()

    refused = client.post(SET_UP, {"code": wrong_code_for(device), "next": "/"})
    assert refused.status_code == 200
    assert "That code is not right" in refused.content.decode()
    device.refresh_from_db()
    assert device.confirmed is False
    assert_held_at(client, SET_UP, pages_for(allocated_child))

    clock.shift(TOTP_STEP)  # past the pause after a wrong code, and a fresh code
    confirmed = client.post(
        SET_UP, {"code": code_for(device), "next": f"/children/{allocated_child.public_id}/"}
    )
    assert confirmed.status_code == 302
    assert confirmed["Location"] == f"/children/{allocated_child.public_id}/"
    device.refresh_from_db()
    assert device.confirmed is True
    assert_open(client, pages_for(allocated_child))
    assert client.get("/api/v1/children/").status_code == 200


def test_a_code_straight_after_a_wrong_one_is_refused_with_a_wait(
    client, clock, social_worker, confirmed_device
):
    sign_in(client, social_worker)
    client.post(VERIFY, {"code": wrong_code_for(confirmed_device)})
    response = client.post(VERIFY, {"code": code_for(confirmed_device)})
    assert response.status_code == 200
    assert "Wait" in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_user_with_an_app_must_enter_a_code_at_every_sign_in(
    client, clock, social_worker, confirmed_device, allocated_child
):
    pages = pages_for(allocated_child)
    sign_in(client, social_worker)
    assert_held_at(client, VERIFY, pages)
    # Reaching the set-up page does not let someone add a second app without the first.
    assert client.get(SET_UP)["Location"].startswith(VERIFY)
    assert not TOTPDevice.objects.filter(user=social_worker, confirmed=False).exists()

    refused = client.post(VERIFY, {"code": wrong_code_for(confirmed_device)})
    assert "That code is not right" in refused.content.decode()
    assert_held_at(client, VERIFY, pages)

    clock.shift(TOTP_STEP)
    session_key = client.session.session_key
    verified = client.post(VERIFY, {"code": code_for(confirmed_device), "next": pages[2]})
    assert verified["Location"] == pages[2]
    assert client.session.session_key != session_key  # a fresh session key once verified
    assert_open(client, pages)

    client.post(SIGN_OUT)
    assert not is_signed_in(client)
    clock.shift(TOTP_STEP)
    sign_in(client, social_worker)
    assert is_signed_in(client)
    assert_held_at(client, VERIFY, pages)
    clock.shift(TOTP_STEP)
    client.post(VERIFY, {"code": code_for(confirmed_device)})
    assert_open(client, pages)


def test_a_code_cannot_be_used_twice(client, clock, social_worker, confirmed_device):
    code = code_for(confirmed_device)
    sign_in(client, social_worker)
    assert client.post(VERIFY, {"code": code}).status_code == 302
    client.post(SIGN_OUT)
    clock.shift(5)  # same time step: the app still shows the same code
    sign_in(client, social_worker)
    replay = client.post(VERIFY, {"code": code})
    assert replay.status_code == 200
    assert client.get("/").status_code == 302


def test_verification_does_not_redirect_off_site(client, clock, social_worker, confirmed_device):
    sign_in(client, social_worker)
    response = client.post(VERIFY, {"code": code_for(confirmed_device), "next": "https://evil.example/"})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_two_factor_for_everyone_setting(client, clock, social_worker):
    assert social_worker.two_factor_required is False
    sign_in(client, social_worker)
    assert client.get("/").status_code == 200
    with override_settings(CAREPATH_REQUIRE_TWO_FACTOR=True):
        response = client.get("/")
        assert response.status_code == 302
        assert response["Location"].startswith(SET_UP)


def test_api_refuses_an_unverified_user_with_json(
    client, clock, social_worker, confirmed_device, allocated_child
):
    sign_in(client, social_worker)
    for url in ["/api/v1/children/", f"/api/v1/children/{allocated_child.public_id}/"]:
        response = client.get(url)
        assert response.status_code == 403, url
        assert response["Content-Type"] == "application/json"
        assert response.json() == {"detail": "Two-factor verification required."}


def test_users_not_asked_for_two_factor_go_straight_in(client, social_worker):
    response = sign_in(client, social_worker)
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_sign_in_keeps_the_page_asked_for_through_two_factor(
    client, clock, social_worker, confirmed_device, allocated_child
):
    child_page = f"/children/{allocated_child.public_id}/"
    first = client.get(child_page)
    assert first.status_code == 302
    sign_in_page = client.get(first["Location"])
    assert f'name="next" value="{child_page}"' in sign_in_page.content.decode()
    response = sign_in(client, social_worker, next=child_page)
    assert response["Location"] == child_page
    to_verify = client.get(child_page)
    assert to_verify["Location"].startswith(VERIFY)
    verify_page = client.get(to_verify["Location"])
    assert f'name="next" value="{child_page}"' in verify_page.content.decode()
    response = client.post(VERIFY, {"code": code_for(confirmed_device), "next": child_page})
    assert response["Location"] == child_page


def test_partner_account_required_two_factor_is_also_held(client, clock):
    # Any role: the requirement is on the account, not the role.
    user = f.UserFactory(role="partner_referrer", team=None, two_factor_required=True)
    sign_in(client, user)
    assert client.get("/")["Location"].startswith(SET_UP)
