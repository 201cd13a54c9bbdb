"""The access matrix: every role x every scope x every child-record endpoint (web and API) x every
relation a child can have to the user. Each request must be allowed or refused as policy.py says,
each allowed read must write exactly one access event with the right actor, child, channel and
basis, and each refusal must write none.

One case per endpoint and role; it requests the endpoint for each scope's user and each of their
children.
The world is built once for the module and every case runs in a savepoint rolled back after it.
"""

import logging
from collections.abc import Callable

import pytest
from django.db import transaction
from django.urls import reverse

from carepath.core.models import AccessBasis, AccessEvent, Channel
from carepath.core.permissions import Role, Scope

from . import policy as p
from .world import BREAK_GLASS_REASON, Browser, build_world, child_record_endpoints


class KnownBug(AssertionError):
    """A difference from the policy that has been reported and is waiting for a fix."""


def _logged_then_refused(endpoints, *, only_roles_with_function=False):
    """The user may read the child's record but this endpoint should still refuse them."""

    def applies(endpoint, rule, role, scope, relation):
        return (
            endpoint in endpoints
            and p.read_basis(role, scope, relation) is not None
            and p.expected(rule, role, scope, relation).status == 403
            and (not only_roles_with_function or rule.function in p.functions_of(role))
        )

    return applies


# Differences from the policy in the current code, each reported to the lead with its fix. A case
# that hits one is marked xfail(strict=True, raises=KnownBug): any other difference in the same case
# still fails it, and once the code is fixed the case passes, the strict mark turns that into a
# failure, and the entry is deleted here.
KNOWN_BUGS: list[tuple[str, Callable[..., bool]]] = []


def _bug_for(endpoint: str, rule: p.Rule, role: str, scope: str, relation: str) -> str | None:
    for reason, applies in KNOWN_BUGS:
        if applies(endpoint, rule, role, scope, relation):
            return reason
    return None


ENDPOINTS = child_record_endpoints()


def _cases():
    for endpoint in sorted(ENDPOINTS):
        rule = p.ENDPOINTS.get(endpoint)
        for role in Role:
            marks = []
            if rule is not None:
                reasons = {
                    _bug_for(endpoint, rule, role, scope, relation)
                    for scope in Scope
                    for relation in p.RELATIONS
                } - {None}
                if reasons:
                    marks.append(
                        pytest.mark.xfail(strict=True, raises=KnownBug, reason="; ".join(sorted(reasons)))
                    )
            yield pytest.param(endpoint, role, id=f"{endpoint}-{role.value}", marks=marks)


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    # Thousands of refusals would each log a warning with a traceback; they are the expected result here.
    request_log = logging.getLogger("django.request")
    level = request_log.level
    request_log.setLevel(logging.ERROR)
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            yield build_world(), Browser()
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)
            request_log.setLevel(level)


def test_every_child_record_endpoint_is_in_the_policy_table():
    missing = sorted(set(ENDPOINTS) - set(p.ENDPOINTS))
    assert not missing, f"Child-record endpoints with no entry in tests/access/policy.py ENDPOINTS: {missing}"
    gone = sorted(set(p.ENDPOINTS) - set(ENDPOINTS))
    assert not gone, f"Entries in tests/access/policy.py ENDPOINTS with no URL pattern: {gone}"
    assert all(param == "child_id" for param in ENDPOINTS.values()), ENDPOINTS


@pytest.mark.django_db
def test_the_world_has_every_relation_for_every_role_and_scope(world):
    world, _ = world
    assert len(world.users) == len(Role) * len(Scope)
    for matrix_user in world.users.values():
        assert set(matrix_user.children) == set(p.RELATIONS)


@pytest.mark.django_db
@pytest.mark.parametrize(("endpoint", "role"), list(_cases()))
def test_access_matrix(world, endpoint, role):
    """One endpoint and one role: every scope, and every relation of a child to the user."""
    rule = p.ENDPOINTS.get(endpoint)
    assert rule is not None, (
        f"{endpoint} takes a child's UUID but has no entry in tests/access/policy.py ENDPOINTS"
    )
    world, browser = world
    channel = Channel.API if rule.channel == "api" else Channel.WEB
    last_seq = AccessEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0
    statuses, expectations = {}, {}
    for scope in Scope:
        matrix_user = world.users[role, scope]
        for relation in p.RELATIONS:
            child = matrix_user.children[relation]
            response = browser.get(
                matrix_user,
                rule.channel,
                reverse(endpoint, kwargs={"child_id": child.public_id, **dict(rule.kwargs)}),
            )
            statuses[matrix_user.user.pk, child.pk] = response.status_code
            expectations[matrix_user.user.pk, child.pk] = (
                scope,
                relation,
                p.expected(rule, role, scope, relation),
            )
    # Each (user, child) pair is requested once, so the events can be read back in one query and
    # matched to the request that wrote them by actor and child.
    events: dict[tuple[int, int], list[AccessEvent]] = {}
    for event in AccessEvent.objects.filter(seq__gt=last_seq).order_by("seq"):
        events.setdefault((event.actor_id, event.child_id), []).append(event)
    unexplained = set(events) - set(expectations)
    assert not unexplained, f"access events for pairs that were not requested: {unexplained}"
    wrong, known = [], []
    for (user_pk, child_pk), (scope, relation, want) in expectations.items():
        logged = events.get((user_pk, child_pk), [])
        got = (statuses[user_pk, child_pk], [(e.channel, e.basis) for e in logged])
        expect = (want.status, [] if want.logged_basis is None else [(channel, want.logged_basis)])
        problem = None
        if got != expect:
            problem = f"scope {scope.value}, child {relation}: expected {expect}, got {got}"
        elif want.logged_basis == AccessBasis.BREAK_GLASS and logged[0].reason != BREAK_GLASS_REASON:
            problem = f"scope {scope.value}, child {relation}: break-glass read logged without its reason"
        if problem:
            bug = _bug_for(endpoint, rule, role, scope, relation)
            if bug:
                known.append(f"{problem} [known: {bug}]")
            else:
                wrong.append(problem)
    if wrong:
        pytest.fail("\n".join(wrong + known))
    if known:
        raise KnownBug("\n".join(known))
