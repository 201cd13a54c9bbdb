"""The legal pathway's front page and its place in the menu."""

from datetime import date, timedelta

import pytest

from carepath.core.permissions import Role
from carepath.legal import models as lm
from carepath.legal.selectors.home import pathway_counts
from tests import factories as f
from tests.legal import factories as lf

pytestmark = pytest.mark.django_db


def test_counts_are_of_children_the_user_may_see(db):
    worker = f.UserFactory()
    mine = lf.legal_case(lf.family_of(2, worker=worker))
    theirs = lf.legal_case(lf.family_of(1))
    for case in (mine, theirs):
        lf.gateway_request(case)
        lf.pre_proceedings(case)
    request = mine.requests.get()
    meeting = lf.panel_meeting()
    for due in (date.today() - timedelta(days=2), date.today() + timedelta(days=5)):
        lm.PanelAction.objects.create(
            meeting=meeting,
            request=request,
            child=mine.members.first().child,
            action="Do it",
            owner=worker,
            set_on=meeting.held_on,
            due_on=due,
        )
    counts = pathway_counts(worker)
    assert counts["waiting_for_panel"] == 1  # one family, two children: counted once
    assert counts["pre_proceedings"] == 1
    assert (counts["actions_open"], counts["actions_overdue"]) == (2, 1)
    director = f.UserFactory(role=Role.DIRECTOR)
    assert pathway_counts(director)["waiting_for_panel"] == 2


def test_the_menu_leads_to_the_legal_pathway_for_those_who_work_on_it(client):
    manager = f.UserFactory(role=Role.TEAM_MANAGER)
    client.force_login(manager)
    page = client.get("/legal/").content.decode()
    assert 'href="/legal/"' in page and "Legal gateway panel tracker" in page
    assert "Letter templates and local solicitors" not in page
    client.force_login(f.UserFactory(role=Role.PARTNER_REFERRER, team=None))
    assert client.get("/legal/").status_code == 403


def test_a_system_administrator_reaches_the_letter_templates_but_no_child(client):
    admin = f.UserFactory(role=Role.SYSTEM_ADMINISTRATOR, team=None)
    client.force_login(admin)
    assert client.get("/legal/").status_code == 403
    page = client.get("/legal/letter-templates/").content.decode()
    assert 'href="/legal/letter-templates/"' in page
