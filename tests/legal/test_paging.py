"""Long legal lists come in pages, keeping the filters in the links between pages."""

import re

import pytest

from carepath.core import pages
from carepath.core.permissions import Role
from tests import factories as f
from tests.legal import factories as lf

pytestmark = pytest.mark.django_db


def test_the_plo_list_is_paged_and_the_links_keep_the_filters(client, monkeypatch):
    monkeypatch.setattr(pages, "PER_PAGE", 2)
    worker = f.UserFactory()
    for _ in range(3):
        lf.pre_proceedings(lf.legal_case(lf.family_of(1, worker=worker)))
    client.force_login(f.UserFactory(role=Role.DIRECTOR))
    first = client.get("/legal/pre-proceedings/", {"team": worker.team_id}).content.decode()
    assert "3 families" in first and "Page 1 of 2 (1 to 2 of 3)" in first
    assert re.search(r'href="\?team=\d+&amp;page=2" rel="next"', first)
    second = client.get("/legal/pre-proceedings/", {"team": worker.team_id, "page": 2}).content.decode()
    assert "Page 2 of 2 (3 to 3 of 3)" in second and 'rel="prev"' in second
    assert second.count("LC-T") < first.count("LC-T")


def test_a_short_list_has_no_page_links(client):
    lf.pre_proceedings(lf.legal_case(lf.family_of(1)))
    client.force_login(f.UserFactory(role=Role.DIRECTOR))
    page = client.get("/legal/pre-proceedings/").content.decode()
    assert "govuk-pagination" not in page
