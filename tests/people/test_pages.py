"""Caseload, team and service pages show the right children to the right people (issue 2)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError

from carepath.core.models import ChangeEvent
from carepath.core.permissions import Role
from carepath.people import services
from carepath.people.models import Allocation, ChildStatus
from tests import factories as f


@pytest.fixture
def world(db):
    team = f.TeamFactory(name="Safeguarding North")
    other_team = f.TeamFactory(name="Safeguarding South", service=team.service)
    other_service_team = f.TeamFactory(name="Children in Care East")
    worker = f.UserFactory(team=team, first_name="Ada", last_name="Okafor")
    colleague = f.UserFactory(team=team, first_name="Ben", last_name="Price")
    manager = f.UserFactory(team=team, role=Role.TEAM_MANAGER)
    head = f.UserFactory(team=None, service=team.service, role=Role.HEAD_OF_SERVICE)
    mine = f.ChildFactory(first_name="Mia", last_name="Adams", status=ChildStatus.CHILD_PROTECTION)
    f.allocate(mine, worker)
    colleagues = f.ChildFactory(first_name="Noah", last_name="Baker", status=ChildStatus.CHILD_IN_NEED)
    f.allocate(colleagues, colleague)
    closed = f.ChildFactory(first_name="Olga", last_name="Clarke", status=ChildStatus.CLOSED)
    f.allocate(closed, worker)
    south_worker = f.UserFactory(team=other_team)
    south = f.ChildFactory(first_name="Priya", last_name="Dean", status=ChildStatus.LOOKED_AFTER)
    f.allocate(south, south_worker)
    east_worker = f.UserFactory(team=other_service_team)
    east = f.ChildFactory(first_name="Quinn", last_name="Evans", status=ChildStatus.LOOKED_AFTER)
    f.allocate(east, east_worker)
    return locals()


def test_social_worker_caseload_lists_only_their_open_children(client, world):
    client.force_login(world["worker"])
    page = client.get("/").content.decode()
    assert "Mia Adams" in page
    assert "Noah Baker" not in page  # a colleague's child
    assert "Olga Clarke" not in page  # closed
    assert "1 open child" in page


def test_team_manager_sees_each_workers_caseload_and_the_teams_children(client, world):
    client.force_login(world["manager"])
    response = client.get("/", follow=True)
    page = response.content.decode()
    assert response.redirect_chain[-1][0] == f"/teams/{world['team'].pk}/"
    assert "Ada Okafor" in page and "Ben Price" in page
    assert "Mia Adams" in page and "Noah Baker" in page
    assert "Priya Dean" not in page  # another team
    worker_page = client.get(f"/teams/{world['team'].pk}/workers/{world['worker'].pk}/").content.decode()
    assert "Mia Adams" in worker_page and "Noah Baker" not in worker_page


def test_team_manager_cannot_open_another_teams_page(client, world):
    client.force_login(world["manager"])
    assert client.get(f"/teams/{world['other_team'].pk}/").status_code == 403


def test_head_of_service_sees_the_service_by_team_but_not_another_service(client, world):
    client.force_login(world["head"])
    response = client.get("/", follow=True)
    page = response.content.decode()
    assert "Safeguarding North" in page and "Safeguarding South" in page
    assert "Children in Care East" not in page
    assert client.get(f"/services/{world['other_service_team'].service_id}/").status_code == 403
    assert client.get(f"/teams/{world['other_team'].pk}/").status_code == 200


def test_search_finds_only_children_the_user_may_see(client, world):
    client.force_login(world["worker"])
    page = client.post("/children/", {"q": "Baker"}).content.decode()
    assert "Noah Baker" not in page
    page = client.post("/children/", {"q": "Adams"}).content.decode()
    assert "Mia Adams" in page


def test_search_by_exact_case_number_offers_break_glass_outside_scope(client, world):
    client.force_login(world["worker"])
    page = client.post("/children/", {"q": world["east"].case_number}).content.decode()
    assert "Quinn" not in page  # existence is revealed, the name is not
    assert f"/children/{world['east'].public_id}/break-glass/" in page


def test_status_banner_is_on_every_child_page(client, world):
    client.force_login(world["worker"])
    for suffix in ["", "journey/", "people/", "allocations/"]:
        page = client.get(f"/children/{world['mine'].public_id}/{suffix}").content.decode()
        assert 'aria-label="Child"' in page
        assert "Child protection</strong>" in page, suffix


def test_allocation_change_ends_the_previous_allocation_with_a_reason(world):
    child = world["mine"]
    new_worker = world["colleague"]
    today = date.today()
    services.allocation_change(
        actor=world["manager"],
        child=child,
        worker=new_worker,
        started_on=today,
        end_reason=Allocation.EndReason.LEFTRL,
    )
    history = list(child.allocations.order_by("started_on"))
    assert [a.worker for a in history] == [world["worker"], new_worker]
    assert history[0].ended_on == today and history[0].end_reason == "LEFTRL"
    assert history[1].ended_on is None
    child.refresh_from_db()
    assert child.allocated_worker == new_worker and child.allocated_team == new_worker.team
    assert ChangeEvent.objects.filter(child=child, record_type="people.Allocation").count() == 2


def test_allocation_cannot_start_before_the_current_one(world):
    child = world["mine"]
    started = child.allocations.get().started_on
    with pytest.raises(ValidationError):
        services.allocation_change(
            actor=world["manager"],
            child=child,
            worker=world["colleague"],
            started_on=started - timedelta(days=1),
        )
    assert child.allocations.count() == 1


def test_allocations_page_counts_worker_changes(client, world):
    child = world["mine"]
    start = child.allocations.get().started_on
    services.allocation_change(
        actor=world["manager"], child=child, worker=world["colleague"], started_on=start + timedelta(days=5)
    )
    services.allocation_change(
        actor=world["manager"], child=child, worker=world["manager"], started_on=start + timedelta(days=9)
    )
    client.force_login(world["manager"])
    page = client.get(f"/children/{child.public_id}/allocations/").content.decode()
    assert "has had 2 changes of social worker" in page


def test_search_is_not_done_through_the_url(client, world):
    """A name typed into search must not end up in a URL (history, logs)."""
    client.force_login(world["worker"])
    page = client.get("/children/", {"q": "Adams"}).content.decode()
    assert "Mia Adams" not in page
    assert 'method="post"' in page
