"""The legal pathway's records feed the one engine: each rule in rules.md sections 3-6 that waited
for them now gives the right clock, from the records alone."""

from datetime import date, timedelta

import pytest

from carepath.core import codes
from carepath.legal import models as lm
from carepath.people import models as pm
from carepath.timescales.engine import Status
from tests import factories as f

from .conftest import at

pytestmark = pytest.mark.django_db


def _case(story, *, opened_on=date(2025, 3, 3)) -> lm.LegalCase:
    case = lm.LegalCase.objects.create(reference=f"LC-{story.child.pk:06d}", opened_on=opened_on)
    lm.LegalCaseChild.objects.create(legal_case=case, child=story.child, added_on=opened_on)
    return case


def _request(case, on: date) -> lm.GatewayRequest:
    return lm.GatewayRequest.objects.create(
        legal_case=case,
        route=lm.GatewayRequest.Route.MANAGER_DIRECTION,
        requested_on=on,
        requested_by=f.UserFactory(role="team_manager"),
        concerns="c",
        history="h",
        tried="t",
    )


def _decide(story, request, on: date, outcome=codes.LegalGatewayOutcome.PRE_PROCEEDINGS):
    chair = f.UserFactory(role="head_of_service")
    meeting = lm.PanelMeeting.objects.create(held_on=on, chair=chair, created_by=chair)
    return lm.PanelDecision.objects.create(
        meeting=meeting, request=request, child=story.child, decided_on=on, outcome=outcome, rationale="r"
    )


def _parent(story, kind=pm.Relationship.Kind.MOTHER) -> pm.RelatedPerson:
    person = f.RelatedPersonFactory()
    pm.Relationship.objects.create(
        child=story.child, person=person, kind=kind, has_parental_responsibility=True
    )
    return person


def test_a_request_waits_for_the_panel_15_working_days_then_is_overdue(story, travel):
    travel(date(2025, 3, 31))
    request = _request(_case(story), date(2025, 3, 3))
    story.refresh()
    row = story.row("GATEWAY")
    assert (row.status, row.context_type, row.context_id) == (Status.OPEN, "legal_gateway", request.pk)
    assert row.due_on == date(2025, 3, 24)  # 15 working days after Monday 3 March
    _decide(story, request, date(2025, 3, 27))
    story.refresh()
    row = story.row("GATEWAY")
    assert (row.status, row.met_on) == (Status.LATE, date(2025, 3, 27))


def test_a_decision_in_time_leaves_no_gateway_clock(story, travel):
    travel(date(2025, 3, 31))
    request = _request(_case(story), date(2025, 3, 3))
    _decide(story, request, date(2025, 3, 20))
    story.refresh()
    assert story.rows("GATEWAY") == []


def test_a_panel_action_is_due_when_the_panel_said_and_is_its_owners_work(story, travel):
    travel(date(2025, 3, 20))
    case = _case(story)
    request = _request(case, date(2025, 3, 3))
    decision = _decide(story, request, date(2025, 3, 10))
    owner = f.UserFactory(role="solicitor")
    action = lm.PanelAction.objects.create(
        meeting=decision.meeting,
        request=request,
        child=story.child,
        action="Draft the letter before proceedings",
        owner=owner,
        set_on=date(2025, 3, 10),
        due_on=date(2025, 3, 14),
    )
    story.refresh()
    row = story.row("PANEL-ACTION")
    assert (row.status, row.due_on, row.assigned_to_id) == (Status.OPEN, date(2025, 3, 14), owner.pk)
    action.done_on = date(2025, 3, 17)
    action.save()
    story.refresh()
    assert (story.row("PANEL-ACTION").status, story.row("PANEL-ACTION").met_on) == (
        Status.LATE,
        date(2025, 3, 17),
    )


def test_an_action_due_the_day_it_was_set_is_due_that_day(story, travel):
    travel(date(2025, 3, 20))
    request = _request(_case(story), date(2025, 3, 3))
    decision = _decide(story, request, date(2025, 3, 10))
    lm.PanelAction.objects.create(
        meeting=decision.meeting,
        request=request,
        child=story.child,
        action="Tell the parents today",
        owner=story.actor,
        set_on=date(2025, 3, 10),
        due_on=date(2025, 3, 10),
    )
    story.refresh()
    assert story.row("PANEL-ACTION").due_on == date(2025, 3, 10)


def test_the_letter_is_sent_when_everyone_with_parental_responsibility_has_theirs(story, travel):
    travel(date(2025, 3, 20))
    mother, father = _parent(story), _parent(story, pm.Relationship.Kind.FATHER)
    pp = lm.PreProceedings.objects.create(legal_case=_case(story), started_on=date(2025, 3, 3))
    lm.LetterBeforeProceedings.objects.create(pre_proceedings=pp, recipient=mother, sent_on=date(2025, 3, 5))
    lm.LetterBeforeProceedings.objects.create(pre_proceedings=pp, recipient=father)  # a draft
    story.refresh()
    row = story.row("PLO-LBP")
    assert (row.status, row.due_on) == (Status.OPEN, date(2025, 3, 10))
    lm.LetterBeforeProceedings.objects.filter(recipient=father).update(sent_on=date(2025, 3, 12))
    story.refresh()
    row = story.row("PLO-LBP")
    assert (row.status, row.met_on) == (Status.LATE, date(2025, 3, 12))


def test_pre_proceedings_meetings_reviews_and_the_16_weeks(story, travel):
    travel(date(2025, 7, 1))
    pp = lm.PreProceedings.objects.create(
        legal_case=_case(story), started_on=date(2025, 3, 3), fgdm_offered_on=date(2025, 3, 5)
    )
    lm.PreProceedingsMeeting.objects.create(pre_proceedings=pp, kind="initial", held_on=date(2025, 3, 20))
    # Not effective: the review clock still runs from the initial meeting.
    lm.PreProceedingsMeeting.objects.create(
        pre_proceedings=pp, kind="review", held_on=date(2025, 4, 20), effective=False
    )
    story.refresh()
    review = story.row("PLO-REVIEW")
    assert (review.status, review.due_on) == (Status.OPEN, date(2025, 5, 1))
    limit = story.row("PLO-MAX")
    assert (limit.status, limit.due_on) == (Status.OPEN, date(2025, 6, 23))
    assert story.rows("FGDM") == []  # offered within 5 working days
    pp.step_decision_on, pp.outcome = date(2025, 6, 30), codes.PreProceedingsOutcome.STEP_DOWN
    pp.save()
    story.refresh()
    assert story.row("PLO-MAX").status == Status.LATE


def test_no_family_meeting_clock_where_it_is_not_in_the_childs_interests(story, travel):
    travel(date(2025, 4, 1))
    lm.PreProceedings.objects.create(
        legal_case=_case(story), started_on=date(2025, 3, 3), fgdm_not_offered_reason="Risk of violence"
    )
    story.refresh()
    assert story.rows("FGDM") == []
    lm.PreProceedings.objects.all().update(fgdm_not_offered_reason="")
    story.refresh()
    assert story.row("FGDM").status == Status.OPEN


def test_26_weeks_from_issue_with_extensions_and_the_hearings(story, travel):
    travel(date(2025, 8, 1))
    case = _case(story, opened_on=date(2025, 1, 2))
    court = lm.CareProceedings.objects.create(
        legal_case=case, decided_on=date(2025, 1, 2), issued_on=date(2025, 1, 6), case_number="X1"
    )
    lm.ProceedingsChild.objects.create(proceedings=court, child=story.child)
    lm.Hearing.objects.create(proceedings=court, kind="cmh", held_on=date(2025, 1, 19), effective=True)
    story.refresh()
    row = story.row("CP26")
    # Within 26 weeks beginning with Monday 6 January: by Sunday 6 July.
    assert (row.status, row.due_on) == (Status.OPEN, date(2025, 7, 6))
    assert story.rows("CMH") == []  # day 14
    assert story.rows("FCMH") == []  # none listed, so none due
    lm.Extension.objects.create(
        proceedings=court, granted_on=date(2025, 6, 30), weeks=8, reason="Expert report"
    )
    story.refresh()
    assert story.row("CP26").due_on == date(2025, 8, 31)
    lm.Hearing.objects.create(proceedings=court, kind="fcmh", held_on=date(2025, 2, 5))  # listed, not held
    story.refresh()
    assert story.row("FCMH").due_on == date(2025, 1, 30)


def test_police_protection_from_its_log_counts_real_hours(story, travel):
    travel(date(2025, 3, 20))
    taken = at(date(2025, 3, 3), 22, 15)
    lm.PoliceProtection.objects.create(
        child=story.child,
        taken_at=taken,
        officer="PC 123",
        force="Northshire Police",
        circumstances="c",
        ended_at=taken + timedelta(hours=73),
        outcome=lm.PoliceProtection.Outcome.RETURNED_HOME,
    )
    story.refresh()
    row = story.row("PP-72H")
    assert row.status == Status.LATE
    assert row.due_at == taken + timedelta(hours=72)
    review = story.row("PP-REVIEW")
    assert (review.status, review.due_on) == (Status.OPEN, date(2025, 3, 17))


def test_section_20_consent_evidence_for_everyone_with_parental_responsibility(story, travel):
    travel(date(2025, 3, 20))
    mother = _parent(story)
    episode = story.looked_after(
        date(2025, 3, 3), legal_status=codes.LegalStatus.SECTION_20, placement_type=codes.PlacementType.U6
    )
    complete = {
        "child_named": True,
        "voluntary_explained": True,
        "right_to_object_explained": True,
        "right_to_remove_explained": True,
        "told_orally": True,
        "told_in_writing": True,
        "told_before_accommodation": True,
        "capacity": lm.Section20Consent.Capacity.HAS_CAPACITY,
        "capacity_assessed_by": "Sam Social Worker",
        "legal_advice_offered": True,
        "alternatives_considered": "Grandparents could not care for him.",
        "signed_by_person": True,
        "signed_by_social_worker": True,
        "authorised_by": story.actor,
    }
    consent = lm.Section20Consent.objects.create(
        child=story.child, episode=episode, person=mother, given_at=at(date(2025, 3, 3), 9), **complete
    )
    story.refresh()
    assert story.rows("S20-CONSENT") == []
    consent.signed_by_person = False
    consent.save()
    story.refresh()
    assert story.row("S20-CONSENT").status == Status.OPEN


def test_a_baby_under_section_20_without_legal_planning_is_flagged(make_story, travel):
    travel(date(2025, 3, 20))
    story = make_story(date_of_birth=date(2025, 1, 10))
    story.looked_after(
        date(2025, 3, 3), legal_status=codes.LegalStatus.SECTION_20, placement_type=codes.PlacementType.U6
    )
    story.refresh()
    assert story.row("S20-INFANT").status == Status.FLAGGED
    assert story.row("S20-NO-LPM").due_on == date(2025, 4, 28)
    _request(_case(story), date(2025, 3, 10))
    story.refresh()
    assert story.rows("S20-INFANT") == []
    assert story.rows("S20-NO-LPM") == []  # the panel was asked within 8 weeks


def test_a_child_under_two_in_pre_proceedings_needs_early_permanence_considered(make_story, travel):
    travel(date(2025, 4, 1))
    story = make_story(date_of_birth=date(2024, 6, 1))
    lm.PreProceedings.objects.create(legal_case=_case(story), started_on=date(2025, 3, 3))
    story.refresh()
    assert story.row("EARLY-PERM-PLO").status == Status.FLAGGED
    lm.PermanenceRecord.objects.create(
        child=story.child,
        parallel_plan=codes.PermanencePlan.ADOPTION,
        parallel_plan_recorded_on=date(2025, 3, 20),
    )
    story.refresh()
    assert story.rows("EARLY-PERM-PLO") == []


def test_an_unborn_childs_pre_proceedings_starting_late_is_flagged(make_story, travel):
    travel(date(2025, 4, 1))
    story = make_story(date_of_birth=None, expected_date_of_birth=date(2025, 5, 1), sex=codes.Sex.UNKNOWN)
    lm.PreProceedings.objects.create(legal_case=_case(story), started_on=date(2025, 3, 3))
    story.refresh()
    assert story.row("PLO-PREBIRTH").status == Status.FLAGGED


def test_adoption_placement_order_to_match_and_care_plans(story, travel):
    travel(date(2025, 12, 1))
    story.looked_after(date(2025, 1, 6))
    story.refresh()
    assert (story.row("CLA-CAREPLAN").status, story.row("CLA-CAREPLAN").due_on) == (
        Status.OPEN,
        date(2025, 1, 20),
    )
    lm.AuthorisedPlan.objects.create(
        child=story.child,
        kind="care_plan",
        number=1,
        summary="s",
        decision_kind="manager",
        decision_summary="d",
        authorised_by=story.actor,
        authorised_on=date(2024, 12, 20),
    )
    lm.PermanenceRecord.objects.create(
        child=story.child,
        plan=codes.PermanencePlan.ADOPTION,
        plan_recorded_on=date(2025, 3, 1),
        should_be_placed_for_adoption_on=date(2025, 4, 1),
        placement_order_on=date(2025, 6, 2),
        matched_on=date(2025, 11, 3),
    )
    story.refresh()
    assert story.rows("CLA-CAREPLAN") == []  # the plan came before the placement
    assert story.rows("CLA-PERM") == []
    a2 = story.row("ADOPT-A2")
    assert (a2.status, a2.due_on, a2.met_on) == (Status.LATE, date(2025, 10, 1), date(2025, 11, 3))
    a1 = story.row("ADOPT-A1")
    assert (a1.status, a1.started_on) == (Status.OPEN, date(2025, 1, 6))


def test_siblings_sharing_a_request_and_pre_proceedings_each_get_their_own_clocks(travel):
    from carepath.timescales import services as ts
    from carepath.timescales.models import Deadline
    from tests.legal import factories as lf

    travel(date(2025, 4, 1))
    children = lf.family_of(2)
    case = lf.legal_case(children, opened_on=date(2025, 3, 3))
    lf.gateway_request(case, requested_on=date(2025, 3, 3))
    lf.pre_proceedings(case, started_on=date(2025, 3, 10))
    for child in children:
        ts.child_clocks_refresh(child_id=child.pk)
    for rule in ("GATEWAY", "PLO-LBP"):
        rows = Deadline.objects.filter(rule_id=rule)
        assert sorted(rows.values_list("child_id", flat=True)) == sorted(c.pk for c in children)
        assert len({r.key for r in rows}) == 2
    ts.clocks_recompute_all(today=date(2025, 4, 1))
    assert Deadline.objects.filter(rule_id="GATEWAY").count() == 2
