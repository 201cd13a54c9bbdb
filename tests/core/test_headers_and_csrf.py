"""Security headers, the content security policy and CSRF protection."""

import re

import pytest
from django.test import Client

from tests import factories as f

from .conftest import SIGN_IN, SIGN_OUT, csrf_token_from, form_values, is_signed_in

pytestmark = pytest.mark.django_db


def policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def inline_scripts(response) -> list[str]:
    """The opening tags of scripts written in the page itself."""
    return [tag for tag in re.findall(r"<script\b[^>]*>", response.content.decode()) if "src=" not in tag]


@pytest.mark.parametrize("signed_in", [False, True])
def test_content_security_policy_allows_only_the_pages_own_nonce_for_inline_scripts(
    client, social_worker, signed_in
):
    if signed_in:
        client.force_login(social_worker)
    response = client.get("/" if signed_in else SIGN_IN)
    assert response.status_code == 200
    directives = policy(response)
    scripts = inline_scripts(response)
    assert scripts, "the page has an inline script to check"
    script_sources = directives.get("script-src", directives.get("default-src"))
    assert "'unsafe-inline'" not in script_sources
    assert "'unsafe-eval'" not in script_sources
    nonces = [s for s in script_sources if s.startswith("'nonce-")]
    assert len(nonces) == 1
    for tag in scripts:
        nonce = re.search(r'nonce="([^"]+)"', tag)
        assert nonce, f"inline script without a nonce: {tag}"
        assert f"'nonce-{nonce.group(1)}'" == nonces[0]
    assert directives["frame-ancestors"] == ["'none'"]
    assert directives["object-src"] == ["'none'"]
    assert "'unsafe-inline'" not in directives.get("style-src", [])


def test_each_response_gets_a_fresh_nonce(client):
    first, second = policy(client.get(SIGN_IN)), policy(client.get(SIGN_IN))
    assert first["script-src"] != second["script-src"]


def test_security_headers(client, social_worker):
    client.force_login(social_worker)
    for url in (SIGN_IN, "/"):
        response = client.get(url)
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] in (
            "same-origin",
            "no-referrer",
            "strict-origin-when-cross-origin",
        )


def test_sign_out_needs_a_post_with_the_csrf_token(social_worker):
    client = Client(enforce_csrf_checks=True)
    client.force_login(social_worker)
    assert client.get(SIGN_OUT).status_code == 405
    assert client.post(SIGN_OUT).status_code == 403
    assert is_signed_in(client)
    token = csrf_token_from(client.get("/"))
    response = client.post(SIGN_OUT, {"csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert not is_signed_in(client)


def test_a_child_form_post_needs_the_csrf_token(social_worker, allocated_child):
    client = Client(enforce_csrf_checks=True)
    client.force_login(social_worker)
    url = f"/children/{allocated_child.public_id}/details/edit/"
    form = client.get(url)
    data = form_values(form)
    data["preferred_name"] = "Changed by a forged request"
    del data["csrfmiddlewaretoken"]
    assert client.post(url, data).status_code == 403
    allocated_child.refresh_from_db()
    assert allocated_child.preferred_name == ""

    data["csrfmiddlewaretoken"] = csrf_token_from(form)
    data["preferred_name"] = "Changed by the worker"
    assert client.post(url, data).status_code == 302
    allocated_child.refresh_from_db()
    assert allocated_child.preferred_name == "Changed by the worker"


def test_sign_in_itself_needs_the_csrf_token():
    user = f.UserFactory()
    client = Client(enforce_csrf_checks=True)
    response = client.post(SIGN_IN, {"username": user.username, "password": f.TEST_PASSWORD})
    assert response.status_code == 403
    assert not is_signed_in(client)
