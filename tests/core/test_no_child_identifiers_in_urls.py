"""Nothing identifying a child appears in a URL: pages about a child are addressed by an opaque
UUID, never a case number, name or date of birth (URLs end up in browser history, proxy logs and
Referer headers)."""

import re
from datetime import date

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import UUIDConverter
from django.urls.resolvers import RoutePattern

from carepath.people.models import ChildStatus
from tests import factories as f

from .conftest import links_in

# Parameter names that would carry something about a child or a person in the family.
IDENTIFYING = re.compile(r"child|case|person|dob|birth|nhs|upn|name", re.IGNORECASE)
UUID_PATH = re.compile(r"^/children/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/")


def all_patterns(resolvers=None, prefix=""):
    """Every URL pattern with its full route and its path converters, through every include()."""
    for entry in resolvers if resolvers is not None else get_resolver().url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from all_patterns(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def parameters(pattern: URLPattern, route: str):
    if isinstance(pattern.pattern, RoutePattern):
        return dict(pattern.pattern.converters)
    # A regular expression route: its named groups, with no converter to vouch for them.
    return dict.fromkeys(re.findall(r"\(\?P<(\w+)>", route))


def test_every_url_about_a_child_takes_only_a_uuid():
    checked = []
    for route, pattern in all_patterns():
        params = parameters(pattern, route)
        about_a_child = "children/" in route or any(IDENTIFYING.search(name) for name in params)
        if not about_a_child:
            continue
        for name, converter in params.items():
            if IDENTIFYING.search(name):
                assert isinstance(converter, UUIDConverter), f"{route}: <{name}> is not a <uuid:...>"
        if "children/<" in route:
            child_param = route.split("children/<", 1)[1].split(">", 1)[0]
            assert child_param.startswith("uuid:"), f"{route}: a child must be addressed by <uuid:...>"
        checked.append(route)
    # The walk really found the child pages (web and API), so the test cannot pass by finding none.
    assert len(checked) >= 8
    assert any(r.startswith("api/") for r in checked)


@pytest.mark.django_db
def test_caseload_links_to_children_only_by_their_uuid(client, social_worker):
    # Distinctive names, so that a name cannot turn up inside an unrelated link by chance.
    children = [
        f.ChildFactory(status=status, first_name=first, last_name=last, date_of_birth=dob)
        for status, first, last, dob in [
            (ChildStatus.CHILD_IN_NEED, "Zephyrine", "Quarterlow", date(2016, 4, 9)),
            (ChildStatus.CHILD_PROTECTION, "Oluwadamilare", "Brackenshaw", date(2019, 11, 23)),
            (ChildStatus.LOOKED_AFTER, "Perpetua", "Vandersloot", date(2012, 1, 30)),
        ]
    ]
    for child in children:
        f.allocate(child, social_worker)
    client.force_login(social_worker)
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    hrefs = links_in(response)
    for child in children:
        assert child.case_number in page  # the caseload shows them, just not in links
        assert any(h.startswith(f"/children/{child.public_id}/") for h in hrefs), child
    identifying = []
    for child in children:
        identifying += [
            child.case_number,
            child.first_name,
            child.last_name,
            child.date_of_birth.isoformat(),
            child.date_of_birth.strftime("%d%m%Y"),
            child.date_of_birth.strftime("%d-%m-%Y"),
        ]
    for href in hrefs:
        for value in identifying:
            assert value.lower() not in href.lower(), f"{href} contains {value}"
        if href.startswith("/children/") and href != "/children/":
            assert UUID_PATH.match(href), href


@pytest.mark.django_db
def test_team_page_links_to_children_only_by_their_uuid(client, team):
    manager = f.UserFactory(team=team, role="team_manager")
    worker = f.UserFactory(team=team)
    child = f.ChildFactory(status=ChildStatus.CHILD_IN_NEED, last_name="Quarterlow")
    f.allocate(child, worker)
    client.force_login(manager)
    response = client.get(f"/teams/{team.pk}/")
    assert response.status_code == 200
    hrefs = links_in(response)
    assert f"/children/{child.public_id}/" in hrefs
    for href in hrefs:
        assert child.case_number not in href
        assert child.last_name.lower() not in href.lower()
