"""The OpenAPI schema: generates without warnings, is valid OpenAPI 3, and documents every endpoint."""

import json

import pytest
import yaml
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from carepath.journey import api_urls


def _api_paths() -> set[str]:
    """Every API route, in OpenAPI's spelling ({child_id})."""
    paths = set()
    for pattern in api_urls.urlpatterns:
        route = str(pattern.pattern).replace("<uuid:child_id>", "{child_id}")
        paths.add(f"/api/v1/{route}")
    return paths


def test_generates_without_warnings_or_errors():
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert not GENERATOR_STATS, (
        f"warnings: {dict(GENERATOR_STATS._warn_cache)} errors: {dict(GENERATOR_STATS._error_cache)}"
    )
    validate_schema(schema)


@pytest.mark.django_db
def test_served_yaml_is_valid_and_lists_every_api_path(client):
    response = client.get("/api/schema/")
    assert response.status_code == 200
    schema = yaml.safe_load(response.content)
    validate_schema(schema)
    assert _api_paths() <= set(schema["paths"])


@pytest.mark.django_db
def test_served_json_is_valid_and_lists_every_api_path(client):
    response = client.get("/api/schema/?format=json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    validate_schema(schema)
    assert _api_paths() <= set(schema["paths"])


def test_every_api_route_is_under_v1_and_addresses_a_child_only_by_uuid():
    def walk(patterns, prefix=""):
        for p in patterns:
            if isinstance(p, URLResolver):
                yield from walk(p.url_patterns, prefix + str(p.pattern))
            elif isinstance(p, URLPattern):
                yield prefix + str(p.pattern), p

    for route, _ in walk(get_resolver().url_patterns):
        if route.startswith("api/v1/children/") and route != "api/v1/children/":
            assert route.startswith("api/v1/children/<uuid:child_id>/"), route


def test_recording_endpoints_document_their_request_and_errors():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    for name in ("case-notes", "visits"):
        post = schema["paths"][f"/api/v1/children/{{child_id}}/{name}/"]["post"]
        assert "requestBody" in post
        assert {"201", "400", "403", "404"} <= set(post["responses"])
