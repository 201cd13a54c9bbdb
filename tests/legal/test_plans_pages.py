"""The plans pages: anyone who may read the child sees the plan in force, the decision behind it
and what changed; only those entitled can authorise; refused attempts are shown to managers; the
form keeps what was typed when a save is refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils.html import escape

from carepath.core import codes
from carepath.core.models import AccessEvent
from carepath.core.permissions import Role, Scope
from carepath.journey import models as jm
from carepath.legal import models as lm
from carepath.legal.models.plans import DecisionKind, PlanKind
from carepath.legal.services.plans import plan_authorise, plan_in_force
from tests import factories as f
from tests.legal import factories as lf

TODAY = date.today()


def days_ago(n: int) -> date:
    return TODAY - timedelta(days=n)


def plans_url(child) -> str:
    return f"/children/{child.public_id}/plans/"


def authorise_url(child, kind=PlanKind.CARE_PLAN) -> str:
    return f"/children/{child.public_id}/plans/{kind}/new/"


def review(child, held_on) -> jm.LookedAfterReview:
    return jm.LookedAfterReview.objects.create(
        child=child, held_on=held_on, participation=codes.ReviewParticipation.PN0
    )


@pytest.fixture
def worker(team):
    return f.UserFactory(team=team)


@pytest.fixture
def manager(team):
    return f.UserFactory(role=Role.TEAM_MANAGER, team=team)


@pytest.fixture
def child(worker):
    return lf.family_of(1, worker=worker)[0]


@pytest.fixture
def two_versions(manager, child):
    first_review = review(child, days_ago(60))
    plan_authorise(
        actor=manager,
        child=child,
        kind=PlanKind.CARE_PLAN,
        summary="Return home to mother with support.",
        actions=[{"what": "Family time twice a week", "who": "Contact service", "by_when": "2030-01-31"}],
        contingency="",
        decision_kind=DecisionKind.CLA_REVIEW,
        decision=first_review,
        decision_summary="Rehabilitation home is the plan.",
        authorised_on=days_ago(60),
        change_summary="",
        expected_number=1,
    )
    return plan_authorise(
        actor=manager,
        child=child,
        kind=PlanKind.CARE_PLAN,
        summary="Return home to father with support.",
        actions=[{"what": "Parenting course", "who": "Father", "by_when": "2030-03-01"}],
        contingency="Adoption",
        decision_kind=DecisionKind.CLA_REVIEW,
        decision=review(child, days_ago(2)),
        decision_summary="The review agreed to assess father.",
        authorised_on=days_ago(1),
        change_summary="Mother withdrew; father came forward.",
        expected_number=2,
    )


def form_data(child, **overrides) -> dict:
    decision = overrides.pop("decision", None)
    data = {
        "expected_number": "1",
        "action_rows": "5",
        "decision": decision,
        "decision_summary": "The review agreed the plan.",
        "authorised_on_0": str(TODAY.day),
        "authorised_on_1": str(TODAY.month),
        "authorised_on_2": str(TODAY.year),
        "summary": "Stay with grandparents under a special guardianship order.",
        "contingency": "",
        "action_1_what": "Special guardianship assessment",
        "action_1_who": "Kinship team",
        "action_1_by_when_0": "31",
        "action_1_by_when_1": "3",
        "action_1_by_when_2": "2031",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


# --- the plans page ----------------------------------------------------------------------------


def test_anyone_who_may_read_the_child_sees_the_plan_in_force_and_its_decision(
    client, worker, child, two_versions
):
    client.force_login(worker)
    response = client.get(plans_url(child))
    page = response.content.decode()
    assert response.status_code == 200
    assert "Version 2, since" in page
    assert "Looked-after review" in page
    assert "The review agreed to assess father." in page
    assert escape("Mother withdrew; father came forward.") in page
    assert AccessEvent.objects.filter(child=child, actor=worker, what="Authorised plans").exists()
    # A social worker may not authorise, and does not see other people's refused attempts.
    assert authorise_url(child) not in page
    assert "Refused attempts" not in page


def test_the_history_shows_what_changed_accessibly(client, worker, child, two_versions):
    client.force_login(worker)
    page = client.get(plans_url(child)).content.decode()
    assert (
        '<del class="app-diff__removed"><span class="govuk-visually-hidden">[removed: </span>mother' in page
    )
    assert '<ins class="app-diff__inserted"><span class="govuk-visually-hidden">[added: </span>father' in page
    assert "Parenting course (who: Father; by 1 March 2030)" in page


def test_a_manager_sees_refused_attempts_and_can_authorise(client, manager, worker, child):
    client.force_login(worker)
    assert client.post(authorise_url(child), form_data(child)).status_code == 403
    client.force_login(manager)
    page = client.get(plans_url(child)).content.decode()
    assert "Refused attempts to change a plan" in page
    assert str(worker) in page
    assert "Ask your team manager" in page
    assert authorise_url(child) in page


def test_a_child_out_of_scope_is_not_shown(client, child):
    client.force_login(f.UserFactory())
    assert client.get(plans_url(child)).status_code == 403


# --- the authorise form -------------------------------------------------------------------------


def test_a_social_worker_cannot_open_the_form(client, worker, child):
    client.force_login(worker)
    assert client.get(authorise_url(child)).status_code == 403


def test_an_unknown_kind_of_plan_is_not_found(client, manager, child):
    client.force_login(manager)
    assert client.get(authorise_url(child, kind="wish_list")).status_code == 404


def test_the_form_starts_from_the_plan_in_force_and_offers_this_childs_decisions(
    client, manager, child, two_versions
):
    mine = review(child, TODAY)
    theirs = review(f.ChildFactory(), TODAY)
    client.force_login(manager)
    page = client.get(authorise_url(child)).content.decode()
    assert "Authorise version 3" in page
    assert "Return home to father with support." in page
    assert ">Parenting course</textarea>" in page
    assert f'value="cla_review:{mine.pk}"' in page
    assert f'value="cla_review:{theirs.pk}"' not in page
    # The decision that authorised the plan in force cannot authorise it again.
    assert f'value="cla_review:{two_versions.cla_review_id}"' not in page
    assert 'value="manager"' in page


def test_authorising_a_new_version(client, manager, child):
    decision = review(child, days_ago(1))
    client.force_login(manager)
    response = client.post(authorise_url(child), form_data(child, decision=f"cla_review:{decision.pk}"))
    assert response.status_code == 302
    plan = plan_in_force(child, PlanKind.CARE_PLAN)
    assert plan.cla_review == decision
    assert plan.actions == [
        {"what": "Special guardianship assessment", "who": "Kinship team", "by_when": "2031-03-31"}
    ]


def test_a_change_without_a_decision_is_refused_keeping_what_was_typed_and_logged(client, manager, child):
    client.force_login(manager)
    response = client.post(authorise_url(child), form_data(child, summary="Adoption by foster carers."))
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page
    assert "needs a recorded decision" in page
    assert "Adoption by foster carers." in page
    assert plan_in_force(child, PlanKind.CARE_PLAN) is None
    [row] = lm.PlanChangeRefused.objects.filter(child=child)
    assert row.proposed["summary"] == "Adoption by foster carers."


def test_an_incomplete_action_is_refused_on_its_field(client, manager, child):
    decision = review(child, days_ago(1))
    client.force_login(manager)
    response = client.post(
        authorise_url(child),
        form_data(child, decision=f"cla_review:{decision.pk}", action_2_what="Drug testing"),
    )
    page = response.content.decode()
    assert "Action 2: enter who will do it." in page
    assert ">Drug testing</textarea>" in page
    assert plan_in_force(child, PlanKind.CARE_PLAN) is None


def test_someone_else_authorising_first_keeps_what_was_typed(client, manager, child):
    decision = review(child, days_ago(1))
    other = plan_authorise(
        actor=f.UserFactory(role=Role.HEAD_OF_SERVICE, scope=Scope.AUTHORITY),
        child=child,
        kind=PlanKind.CARE_PLAN,
        summary="Their plan.",
        actions=[{"what": "Assessment", "who": "Social worker", "by_when": "2030-01-01"}],
        decision_kind=DecisionKind.MANAGER,
        decision_summary="Decided by the head of service.",
        authorised_on=TODAY,
        expected_number=1,
    )
    client.force_login(manager)
    response = client.post(
        authorise_url(child), form_data(child, decision=f"cla_review:{decision.pk}", summary="My plan.")
    )
    page = response.content.decode()
    assert "Someone else authorised a new version" in page
    assert "My plan." in page
    assert "Their plan." in page
    assert 'name="expected_number" value="2"' in page
    assert plan_in_force(child, PlanKind.CARE_PLAN) == other
