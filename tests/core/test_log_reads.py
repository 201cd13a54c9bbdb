"""A list's reads logged together (core.reads.log_reads): the same events, in the same order, with
the same basis and break-glass reason, as log_read would write one child at a time; a fixed number
of queries however many children the list names; and the chain intact after it."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from carepath.core.audit import verify_chain
from carepath.core.models import AccessBasis, AccessEvent
from carepath.core.permissions import Function, Role
from carepath.core.reads import log_read, log_reads
from carepath.people import models as pm
from carepath.people.selectors import child_access_decision, child_access_decisions
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    """A service-scoped head of service and children they reach on every basis, and one they do not."""
    team = f.TeamFactory()
    reader = f.UserFactory(role=Role.HEAD_OF_SERVICE, team=team, service=team.service)
    other_team = f.TeamFactory()  # another service
    allocated = f.ChildFactory()
    f.allocate(allocated, reader)
    in_service = f.ChildFactory(allocated_team=team)
    granted = f.ChildFactory(is_restricted=True, allocated_team=team)
    pm.RestrictedRecordGrant.objects.create(
        child=granted, user=reader, granted_by=reader, reason="Named worker"
    )
    restricted = f.ChildFactory(is_restricted=True, allocated_team=team)  # no grant
    glass = f.ChildFactory(allocated_team=other_team)
    now = timezone.now()
    pm.BreakGlassAccess.objects.create(
        child=glass,
        user=reader,
        reason="Older reason",
        started_at=now - timedelta(hours=2),
        expires_at=now + timedelta(hours=1),
    )
    pm.BreakGlassAccess.objects.create(
        child=glass,
        user=reader,
        reason="Police at the door",
        started_at=now - timedelta(minutes=5),
        expires_at=now + timedelta(hours=1),
    )
    elsewhere = f.ChildFactory(allocated_team=other_team)
    return reader, [allocated, in_service, granted, restricted, glass, elsewhere]


def written(since: int) -> list[tuple]:
    return list(
        AccessEvent.objects.filter(seq__gt=since)
        .order_by("seq")
        .values_list("actor_id", "child_id", "basis", "reason", "what", "channel")
    )


def last_seq() -> int:
    return AccessEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_the_decisions_for_a_list_are_each_childs_own(world):
    reader, children = world
    together = child_access_decisions(reader, children)
    assert [together[c.pk] for c in children] == [child_access_decision(reader, c) for c in children]
    assert [together[c.pk].basis for c in children] == [
        AccessBasis.ALLOCATED,
        AccessBasis.SERVICE,
        AccessBasis.RESTRICTED_GRANT,
        None,
        AccessBasis.BREAK_GLASS,
        None,
    ]
    legal = child_access_decisions(reader, children, Function.VIEW_LEGAL)  # no break-glass for it
    assert [legal[c.pk] for c in children] == [
        child_access_decision(reader, c, Function.VIEW_LEGAL) for c in children
    ]


def test_a_lists_reads_are_those_log_read_writes_one_by_one(world):
    reader, children = world
    named = children + children[:2]  # a child named twice is logged once
    start = last_seq()
    for child in children:
        decision = child_access_decision(reader, child)
        if decision.allowed:
            log_read(reader, child, decision, "A list")
    one_by_one = written(start)
    start = last_seq()
    log_reads(reader, named, "A list")
    assert written(start) == one_by_one
    assert [r[3] for r in one_by_one if r[2] == AccessBasis.BREAK_GLASS] == ["Police at the door"]
    checked, breaks = verify_chain(AccessEvent)
    assert checked == 8 and breaks == []


def test_a_lists_reads_take_no_more_queries_for_more_children(world, django_assert_max_num_queries):
    reader, children = world
    with CaptureQueriesContext(connection) as few:
        log_reads(reader, children, "A list")
    more = children + [f.ChildFactory(allocated_team=children[1].allocated_team) for _ in range(20)]
    with django_assert_max_num_queries(len(few.captured_queries)):
        log_reads(reader, more, "A list")
    assert AccessEvent.objects.filter(what="A list").count() == 4 + 24
