"""The list of children: scoped to the caller, filterable by status, no more than a caseload shows."""

from carepath.core.models import AccessEvent
from carepath.core.permissions import Role, Scope
from carepath.people.models import ChildStatus
from tests import factories as f

CASELOAD_FIELDS = {
    "id",
    "case_number",
    "first_name",
    "last_name",
    "date_of_birth",
    "expected_date_of_birth",
    "status",
    "allocated_worker",
}


def _child(worker=None, **kwargs):
    child = f.ChildFactory(**kwargs)
    if worker is not None:
        f.allocate(child, worker)
    return child


def test_lists_only_the_children_the_caller_may_open(api_as, social_worker):
    mine = _child(social_worker)
    _child(f.UserFactory(team=social_worker.team))  # same team, not allocated to them
    _child(f.UserFactory())  # another team
    _child(social_worker, is_restricted=True)  # restricted: no grant
    response = api_as(social_worker).get("/api/v1/children/")
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [str(mine.public_id)]


def test_a_team_manager_lists_the_team(api_as, team):
    manager = f.UserFactory(team=team, role=Role.TEAM_MANAGER, scope=Scope.TEAM)
    worker = f.UserFactory(team=team)
    in_team = {_child(worker).public_id, _child(worker).public_id}
    _child(f.UserFactory())
    response = api_as(manager).get("/api/v1/children/")
    assert {row["id"] for row in response.json()["results"]} == {str(i) for i in in_team}


def test_shows_what_a_caseload_shows_and_logs_no_read(api_as, social_worker):
    _child(social_worker)
    row = api_as(social_worker).get("/api/v1/children/").json()["results"][0]
    assert set(row) == CASELOAD_FIELDS
    assert row["allocated_worker"] == social_worker.get_full_name()
    assert not AccessEvent.objects.exists()


def test_filters_by_status(api_as, social_worker):
    protected = _child(social_worker, status=ChildStatus.CHILD_PROTECTION)
    _child(social_worker, status=ChildStatus.CHILD_IN_NEED)
    response = api_as(social_worker).get("/api/v1/children/", {"status": ChildStatus.CHILD_PROTECTION})
    assert [row["id"] for row in response.json()["results"]] == [str(protected.public_id)]


def test_an_unknown_status_is_a_field_error(api_as, social_worker):
    response = api_as(social_worker).get("/api/v1/children/", {"status": "on_the_moon"})
    assert response.status_code == 400
    assert "status" in response.json()


def test_roles_without_childrens_records_are_refused(api_as, team):
    for role in (Role.PARTNER_REFERRER, Role.SYSTEM_ADMINISTRATOR):
        user = f.UserFactory(team=team, role=role, scope=Scope.AUTHORITY)
        assert api_as(user).get("/api/v1/children/").status_code == 403
