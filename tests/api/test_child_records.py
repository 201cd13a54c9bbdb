"""Reading a child's journey through the API: the right records, for the right child, each read logged."""

from datetime import timedelta

import pytest
from django.utils import timezone

from carepath.core.models import AccessBasis, AccessEvent, Channel
from carepath.journey import models as jm
from carepath.journey import services
from carepath.people.models import ChildStatus
from tests import factories as f

from .records import full_journey

LISTS = [
    "contacts",
    "referrals",
    "assessments",
    "strategy-discussions",
    "section-47-enquiries",
    "conferences",
    "child-protection-plans",
    "child-in-need-plans",
    "core-groups",
    "written-agreements",
    "visits",
    "case-notes",
    "early-help",
    "looked-after-episodes",
    "looked-after-reviews",
    "missing-episodes",
    "relationships",
    "professionals",
]


@pytest.fixture
def journey(social_worker, allocated_child):
    records = full_journey(allocated_child, social_worker)
    # A second child in the same team with records of their own, which must never leak into the first's lists.
    other = f.ChildFactory()
    f.allocate(other, social_worker)
    full_journey(other, social_worker)
    return records


@pytest.mark.parametrize("kind", LISTS)
def test_each_list_holds_only_this_childs_records_and_the_read_is_logged(
    api_as, social_worker, allocated_child, journey, kind
):
    before = AccessEvent.objects.count()
    response = api_as(social_worker).get(f"/api/v1/children/{allocated_child.public_id}/{kind}/")
    assert response.status_code == 200, response.content
    assert [row["id"] for row in response.json()["results"]] == [journey[kind].pk]
    assert AccessEvent.objects.count() == before + 1
    event = AccessEvent.objects.order_by("-seq").first()
    assert (event.actor, event.child, event.channel, event.basis) == (
        social_worker,
        allocated_child,
        Channel.API,
        AccessBasis.ALLOCATED,
    )
    assert event.what.startswith("API: ") and len(event.what) > len("API: ")


def test_each_list_is_logged_under_its_own_name(api_as, social_worker, allocated_child, journey):
    client = api_as(social_worker)
    for kind in LISTS:
        client.get(f"/api/v1/children/{allocated_child.public_id}/{kind}/")
    names = list(AccessEvent.objects.filter(child=allocated_child).values_list("what", flat=True))
    assert len(names) == len(LISTS) == len(set(names))


def test_a_child_protection_plan_carries_its_outcomes_and_actions(
    api_as, social_worker, allocated_child, journey
):
    response = api_as(social_worker).get(
        f"/api/v1/children/{allocated_child.public_id}/child-protection-plans/"
    )
    plan = response.json()["results"][0]
    assert plan["initial_category"] == journey["child-protection-plans"].initial_category
    assert plan["latest_category"] == journey["child-protection-plans"].latest_category
    assert [o["outcome"] for o in plan["outcomes"]] == [journey["_outcome"].outcome]
    assert [(a["action"], a["outcome"]) for a in plan["actions"]] == [
        (journey["_cp_action"].action, journey["_outcome"].pk)
    ]


def test_a_child_in_need_plan_carries_its_actions(api_as, social_worker, allocated_child, journey):
    response = api_as(social_worker).get(f"/api/v1/children/{allocated_child.public_id}/child-in-need-plans/")
    assert [a["action"] for a in response.json()["results"][0]["actions"]] == [journey["_cin_action"].action]


def test_undecided_contact_reads_out_blank_decision(api_as, social_worker, allocated_child):
    jm.Contact.objects.create(child=allocated_child, received_at=timezone.now(), source="2A", summary="Worry")
    response = api_as(social_worker).get(f"/api/v1/children/{allocated_child.public_id}/contacts/")
    row = response.json()["results"][0]
    assert (row["decision"], row["threshold_level"], row["decided_by"]) == ("", None, None)


def test_child_details_show_status_worker_and_team(api_as, social_worker, allocated_child, journey):
    services.child_status_refresh(child=allocated_child)
    response = api_as(social_worker).get(f"/api/v1/children/{allocated_child.public_id}/")
    body = response.json()
    assert body["id"] == str(allocated_child.public_id)
    assert body["status"] == ChildStatus.LOOKED_AFTER
    assert body["allocated_worker"] == {
        "id": social_worker.pk,
        "name": social_worker.get_full_name(),
        "job_title": social_worker.job_title,
    }
    assert body["allocated_team"]["id"] == social_worker.team_id
    assert body["allocated_team"]["service"] == social_worker.team.service.name
    assert AccessEvent.objects.get(child=allocated_child).channel == Channel.API


def test_timeline_is_the_journey_newest_first(api_as, social_worker, allocated_child, journey):
    response = api_as(social_worker).get(f"/api/v1/children/{allocated_child.public_id}/timeline/?limit=500")
    entries = response.json()["results"]
    kinds = {e["kind"] for e in entries}
    assert {"Contact", "Referral", "Visit", "Looked after", "Missing", "Case note"} <= kinds
    whens = [e["when"] for e in entries]
    assert whens[0][:10] >= whens[-1][:10]
    assert AccessEvent.objects.filter(child=allocated_child).count() == 1


def test_unknown_child_is_not_found_and_nothing_is_logged(api_as, social_worker):
    response = api_as(social_worker).get("/api/v1/children/00000000-0000-4000-8000-000000000000/visits/")
    assert response.status_code == 404
    assert not AccessEvent.objects.exists()


def test_child_outside_scope_is_refused_without_a_log(api_as, social_worker):
    stranger = f.ChildFactory()
    f.allocate(stranger, f.UserFactory())
    response = api_as(social_worker).get(f"/api/v1/children/{stranger.public_id}/case-notes/")
    assert response.status_code == 403
    assert response.json()["detail"]
    assert not AccessEvent.objects.exists()


def test_break_glass_read_through_the_api_carries_the_reason(api_as, social_worker):
    from carepath.people.services import break_glass_start

    stranger = f.ChildFactory()
    reason = "Police called out of hours about a missing child"
    break_glass_start(actor=social_worker, child=stranger, reason=reason)
    response = api_as(social_worker).get(f"/api/v1/children/{stranger.public_id}/")
    assert response.status_code == 200
    event = AccessEvent.objects.get(child=stranger)
    assert (event.basis, event.reason, event.channel) == (AccessBasis.BREAK_GLASS, reason, Channel.API)


def test_visit_list_is_paginated(api_as, social_worker, allocated_child):
    for days in range(3):
        f.VisitFactory(
            child=allocated_child, visitor=social_worker, visited_at=timezone.now() - timedelta(days=days)
        )
    response = api_as(social_worker).get(f"/api/v1/children/{allocated_child.public_id}/visits/?limit=2")
    body = response.json()
    assert body["count"] == 3 and len(body["results"]) == 2 and body["next"]
