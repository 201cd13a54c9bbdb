"""child_access_decision (one child) and children_visible_to (the same rule as a query) must agree,
for every user and child of any small world: random services and teams, users of any role and
scope (some with no team, some who have left), restricted records, open and ended allocations of
any kind, live and revoked grants, live and expired break-glass."""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from carepath.core.permissions import Role, Scope
from carepath.people import models as pm
from carepath.people.selectors import child_access_decision, children_visible_to
from tests import factories as f


@dataclass
class UserSpec:
    role: str
    scope: str
    team: int | None
    # For someone with no team: the service they belong to, if any (a head of service, say).
    service: int | None
    active: bool


@dataclass
class ChildSpec:
    restricted: bool
    team: int | None


@dataclass
class WorldSpec:
    services: int
    team_services: list[int]
    users: list[UserSpec]
    children: list[ChildSpec]
    # (child, user, kind, ended)
    allocations: list[tuple[int, int, str, bool]]
    # (child, user, revoked)
    grants: list[tuple[int, int, bool]]
    # (child, user, expired)
    glass: list[tuple[int, int, bool]]


@st.composite
def worlds(draw, *, grants_on_unrestricted: bool = True) -> WorldSpec:
    services = draw(st.integers(1, 2))
    team_services = draw(st.lists(st.integers(0, services - 1), min_size=1, max_size=3))
    teams = st.none() | st.integers(0, len(team_services) - 1)
    users = draw(
        st.lists(
            st.builds(
                UserSpec,
                role=st.sampled_from(list(Role)),
                scope=st.sampled_from(list(Scope)),
                team=teams,
                service=st.none() | st.integers(0, services - 1),
                active=st.booleans(),
            ),
            min_size=1,
            max_size=4,
        )
    )
    children = draw(
        st.lists(st.builds(ChildSpec, restricted=st.booleans(), team=teams), min_size=1, max_size=4)
    )
    child_i = st.integers(0, len(children) - 1)
    user_i = st.integers(0, len(users) - 1)
    allocations = draw(
        st.lists(
            st.tuples(child_i, user_i, st.sampled_from(list(pm.Allocation.Kind)), st.booleans()), max_size=5
        )
    )
    grants = draw(st.lists(st.tuples(child_i, user_i, st.booleans()), max_size=4))
    if not grants_on_unrestricted:
        grants = [g for g in grants if children[g[0]].restricted]
    glass = draw(st.lists(st.tuples(child_i, user_i, st.booleans()), max_size=3))
    return WorldSpec(services, team_services, users, children, allocations, grants, glass)


def _build(spec: WorldSpec):
    directorate = f.DirectorateFactory()
    services = [f.ServiceFactory(directorate=directorate) for _ in range(spec.services)]
    teams = [f.TeamFactory(service=services[s]) for s in spec.team_services]
    users = []
    for u in spec.users:
        team = teams[u.team] if u.team is not None else None
        service = team.service if team else (services[u.service] if u.service is not None else None)
        users.append(
            f.UserFactory(role=u.role, scope=u.scope, team=team, service=service, is_active=u.active)
        )
    children = [
        f.ChildFactory(
            is_restricted=c.restricted, allocated_team=teams[c.team] if c.team is not None else None
        )
        for c in spec.children
    ]
    today = date.today()
    open_kinds = set()
    for child, user, kind, ended in spec.allocations:
        # One open allocation of each kind per child; a second one drawn is an ended one.
        ended = ended or (child, kind) in open_kinds
        if not ended:
            open_kinds.add((child, kind))
        pm.Allocation.objects.create(
            child=children[child],
            worker=users[user],
            team=users[user].team or teams[0],
            kind=kind,
            started_on=today - timedelta(days=100),
            ended_on=today - timedelta(days=1) if ended else None,
        )
    now = timezone.now()
    for child, user, revoked in spec.grants:
        pm.RestrictedRecordGrant.objects.create(
            child=children[child],
            user=users[user],
            granted_by=users[0],
            reason="Synthetic grant",
            revoked_at=now - timedelta(days=1) if revoked else None,
        )
    for child, user, expired in spec.glass:
        started = now - timedelta(hours=3 if expired else 0, minutes=5)
        pm.BreakGlassAccess.objects.create(
            child=children[child],
            user=users[user],
            reason="Synthetic emergency, out of hours call",
            started_at=started,
            expires_at=started + timedelta(hours=1),
        )
    return users, children


def _disagreements(spec: WorldSpec) -> list[str]:
    with transaction.atomic():
        users, children = _build(spec)
        found = []
        for i, user in enumerate(users):
            visible = set(children_visible_to(user).values_list("pk", flat=True))
            for j, child in enumerate(children):
                decided = child_access_decision(user, child).allowed
                listed = child.pk in visible
                if decided != listed:
                    found.append(
                        f"user {i} {spec.users[i]}, child {j} {spec.children[j]}: "
                        f"decision {decided}, query {listed}"
                    )
        transaction.set_rollback(True)
    return found


PROPERTY_SETTINGS = settings(
    max_examples=150,
    deadline=None,
    database=None,
    # Each example runs in its own savepoint, rolled back, so the function-scoped db is not shared state.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(spec=worlds(grants_on_unrestricted=False))
def test_decision_and_query_agree(spec):
    assert _disagreements(spec) == []


# The smallest world hypothesis found where the two disagree: a user whose scope is "none", holding
# an unrevoked grant to a child whose record is not (or no longer) restricted.
GRANT_OUTLIVES_RESTRICTION = WorldSpec(
    services=1,
    team_services=[0],
    users=[
        UserSpec(Role.TEAM_MANAGER, Scope.TEAM, team=0, service=None, active=True),
        UserSpec(Role.SOCIAL_WORKER, Scope.NONE, team=None, service=None, active=True),
    ],
    children=[ChildSpec(restricted=False, team=None)],
    allocations=[],
    grants=[(0, 1, False)],
    glass=[],
)


@pytest.mark.django_db
@PROPERTY_SETTINGS
@given(spec=worlds())
@example(spec=GRANT_OUTLIVES_RESTRICTION)
def test_decision_and_query_agree_when_grants_outlive_a_restriction(spec):
    """A grant can outlive the restriction it was made for (the restriction is lifted, the grant is
    not revoked). Such a grant must not widen anyone's access, by either route."""
    assert _disagreements(spec) == []
