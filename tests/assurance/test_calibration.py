"""Calibration against the record (F18): an audit graded good or better on a day when the child's
record showed overdue statutory work, drift flags or missing section 20 consent evidence is flagged
for the QA lead, with the specifics. The record is the timescales engine's own clocks, derived
from a child walked through the real journey services."""

from datetime import date

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from carepath.assurance.models import CalibrationFlag
from carepath.assurance.selectors.calibration import record_concerns_on
from carepath.assurance.services.calibration import (
    calibration_recheck,
    calibration_review,
    flag_if_optimistic,
)
from carepath.core import codes
from carepath.core.concurrency import EditConflict
from carepath.journey import services as js
from carepath.people import models as pm
from carepath.timescales.models import Deadline, Rule
from tests import factories as f
from tests.assurance.helpers_f18 import completed_audit
from tests.timescales.conftest import Story, at

pytestmark = pytest.mark.django_db

TODAY = date(2025, 3, 20)
ICPC = date(2025, 2, 3)  # the plan starts; the first CP visit is due 10 working days later, 17 February
VISIT_DUE = date(2025, 2, 17)


@pytest.fixture
def on_today():
    with time_machine.travel(at(TODAY, 12), tick=False):
        yield


@pytest.fixture
def story(on_today):
    worker = f.UserFactory()
    child = f.ChildFactory(date_of_birth=date(2018, 5, 1))
    f.allocate(child, worker, started_on=date(2024, 1, 2))
    return Story(worker, child)


def plan(story):
    # Referred 20 January: the monthly case supervision (CASE-SUPV) is not due until 20 February,
    # so before then the CP visit and the first core group are the only clocks that can be overdue.
    referral = story.referral(date(2025, 1, 20), decided=date(2025, 1, 20))
    return story.plan(referral, ICPC)


def rule_ids(concerns) -> set[str]:
    return {c["rule_id"] for c in concerns}


def test_a_good_audit_on_a_day_with_an_overdue_cp_visit_is_flagged_with_that_rule(story):
    plan(story)
    audit = completed_audit(story.child, on=date(2025, 2, 20), grade="good")
    flag = flag_if_optimistic(audit=audit, today=TODAY)
    assert flag is not None and flag.child_id == story.child.pk
    assert (flag.as_at, flag.raised_on, flag.outcome) == (date(2025, 2, 20), TODAY, "")
    visit = next(c for c in flag.findings if c["rule_id"] == "CP-VISIT")
    stored = Deadline.objects.get(child=story.child, rule_id="CP-VISIT")
    assert visit == {
        "kind": "overdue",
        "rule_id": "CP-VISIT",
        "name": "Child protection visit, child seen, at least every 10 working days",
        "why": stored.why,
        "due_on": "2025-02-17",
    }
    # Outstanding, graded good or better: the same answer for outstanding.
    outstanding = completed_audit(story.child, on=date(2025, 2, 21), grade="outstanding")
    assert "CP-VISIT" in rule_ids(flag_if_optimistic(audit=outstanding).findings)


def test_the_same_audit_dated_before_the_visit_was_overdue_is_not_flagged(story):
    plan(story)
    # On the due date itself the visit is not yet overdue; nor the day before.
    for day in (date(2025, 2, 14), VISIT_DUE):
        audit = completed_audit(story.child, on=day, grade="good")
        assert "CP-VISIT" not in rule_ids(record_concerns_on(story.child.pk, day))
        assert flag_if_optimistic(audit=audit) is None
        assert not CalibrationFlag.objects.filter(audit=audit).exists()


def test_a_visit_made_before_the_audit_date_is_not_a_concern(story):
    plan(story)
    story.visit(date(2025, 2, 24))  # late: due 17 February; the next is due 10 March
    late = Deadline.objects.get(child=story.child, rule_id="CP-VISIT", started_on=ICPC)
    assert (late.status, late.met_on) == ("late", date(2025, 2, 24))
    assert "CP-VISIT" in rule_ids(record_concerns_on(story.child.pk, date(2025, 2, 20)))  # still overdue then
    assert "CP-VISIT" not in rule_ids(record_concerns_on(story.child.pk, date(2025, 2, 25)))
    assert "CP-VISIT" not in rule_ids(record_concerns_on(story.child.pk, date(2025, 2, 24)))  # done that day


def test_an_ended_plan_is_not_a_concern_after_it_ended(story):
    cp_plan = plan(story)
    js.cp_plan_end(actor=story.actor, plan=cp_plan, end_date=date(2025, 2, 24))
    missed = Deadline.objects.get(child=story.child, rule_id="CP-VISIT")
    assert (missed.status, missed.ended_on, missed.met_on) == ("missed", date(2025, 2, 24), None)
    assert "CP-VISIT" in rule_ids(record_concerns_on(story.child.pk, date(2025, 2, 20)))
    assert "CP-VISIT" not in rule_ids(record_concerns_on(story.child.pk, date(2025, 2, 26)))


def test_an_audit_graded_requires_improvement_is_never_flagged(story):
    plan(story)
    for grade in ("requires_improvement", "inadequate"):
        audit = completed_audit(story.child, on=date(2025, 2, 20), grade=grade)
        assert record_concerns_on(story.child.pk, date(2025, 2, 20))  # the record did show concerns
        assert flag_if_optimistic(audit=audit) is None
    assert calibration_recheck(today=TODAY).flagged == 0
    assert not CalibrationFlag.objects.exists()


def test_missing_section_20_consent_evidence_is_a_concern_labelled_section_20(story):
    mother = f.RelatedPersonFactory()
    pm.Relationship.objects.create(
        child=story.child, person=mother, kind=pm.Relationship.Kind.MOTHER, has_parental_responsibility=True
    )
    story.looked_after(date(2025, 3, 3), legal_status=codes.LegalStatus.SECTION_20)
    # Accommodated Monday 3 March with no consent record: the evidence is due within a working day.
    assert "S20-CONSENT" not in rule_ids(record_concerns_on(story.child.pk, date(2025, 3, 4)))
    audit = completed_audit(story.child, on=date(2025, 3, 6), grade="good")
    flag = flag_if_optimistic(audit=audit)
    consent = next(c for c in flag.findings if c["rule_id"] == "S20-CONSENT")
    assert consent["kind"] == "section_20"
    assert consent["name"].startswith("Section 20 consent evidence")
    assert consent["due_on"] == "2025-03-04"
    # An authority that rewords the rule's name still has it read as section 20 consent: it is
    # known by the event it waits for, not by its words.
    Rule.objects.filter(rule_id="S20-CONSENT").update(name="Paperwork for voluntary accommodation")
    reworded = next(
        c for c in record_concerns_on(story.child.pk, date(2025, 3, 6)) if c["rule_id"] == "S20-CONSENT"
    )
    assert (reworded["kind"], reworded["name"]) == ("section_20", "Paperwork for voluntary accommodation")


def test_the_audit_clocks_themselves_are_not_concerns(story):
    audit = completed_audit(story.child, on=date(2025, 3, 10), grade="good")
    Deadline.objects.create(
        key=f"test-audit-due-{audit.pk}",
        child=story.child,
        rule_id="AUDIT-DUE",
        kind="deadline",
        context_type="case_audit",
        context_id=audit.pk,
        started_on=date(2025, 2, 1),
        due_on=date(2025, 2, 20),
        status="late",
        met_on=date(2025, 3, 10),
        why="The audit was due by 20 February.",
    )
    assert record_concerns_on(story.child.pk, date(2025, 3, 5)) == []
    assert flag_if_optimistic(audit=audit) is None


def test_a_drift_flag_raised_on_the_day_is_a_drift_concern(story):
    audit = completed_audit(story.child, on=date(2025, 3, 10), grade="good")
    Deadline.objects.create(
        key="test-drift",
        child=story.child,
        rule_id="DRIFT-NO-PROGRESS",
        kind="drift",
        context_type="referral",
        context_id=1,
        started_on=date(2025, 1, 6),
        due_on=date(2025, 3, 3),
        status="flagged",
        why="Referral on 6 Jan 2025; flagged past 3 Mar 2025.",
    )
    [drift] = flag_if_optimistic(audit=audit).findings
    assert (drift["kind"], drift["name"]) == ("drift", "No progress on an open case for 8 weeks")
    assert record_concerns_on(story.child.pk, date(2025, 3, 3)) == []  # not yet raised that day


def test_recheck_refreshes_then_removes_an_unreviewed_flag_as_the_record_is_corrected(story):
    cp_plan = plan(story)
    audit = completed_audit(story.child, on=date(2025, 2, 20), grade="good")
    flag_if_optimistic(audit=audit)
    assert {"CP-VISIT", "CORE-1"} <= rule_ids(CalibrationFlag.objects.get(audit=audit).findings)
    # The visit and the core group were in fact held in time, and are recorded late.
    story.visit(date(2025, 2, 14))
    result = calibration_recheck(today=TODAY)
    assert result.refreshed == 1
    flag = CalibrationFlag.objects.get(audit=audit)
    assert "CP-VISIT" not in rule_ids(flag.findings) and "CORE-1" in rule_ids(flag.findings)
    assert flag.version == 2
    story.core_group(cp_plan, date(2025, 2, 14))
    result = calibration_recheck(today=TODAY)
    assert (result.checked, result.removed, result.flagged) == (1, 1, 0)
    assert not CalibrationFlag.objects.filter(audit=audit).exists()


def test_a_reviewed_flag_stands_whatever_a_recheck_finds(story):
    cp_plan = plan(story)
    audit = completed_audit(story.child, on=date(2025, 2, 20), grade="good")
    flag = flag_if_optimistic(audit=audit)
    lead = f.UserFactory(role="qa_lead")
    calibration_review(
        actor=lead,
        flag=flag,
        outcome="stands",
        note="The visits were held; recorded late.",
        expected_version=1,
    )
    story.visit(date(2025, 2, 14))
    story.core_group(cp_plan, date(2025, 2, 14))
    result = calibration_recheck(today=TODAY)
    assert (result.removed, result.flagged) == (0, 1)
    flag.refresh_from_db()
    assert (flag.outcome, flag.reviewed_by, flag.reviewed_on) == ("stands", lead, TODAY)
    assert "CP-VISIT" in rule_ids(flag.findings)  # what it found then is kept


def test_only_the_qa_lead_reviews_a_flag_once_with_a_reason(story):
    plan(story)
    flag = flag_if_optimistic(audit=completed_audit(story.child, on=date(2025, 2, 20)))
    with pytest.raises(PermissionDenied):
        calibration_review(actor=story.actor, flag=flag, outcome="stands", note="Fine.")
    lead = f.UserFactory(role="qa_lead")
    with pytest.raises(ValidationError) as caught:
        calibration_review(actor=lead, flag=flag, outcome="stands", note="  ")
    assert "note" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        calibration_review(actor=lead, flag=flag, outcome="maybe", note="Unsure.")
    assert "outcome" in caught.value.message_dict
    with pytest.raises(EditConflict):
        calibration_review(
            actor=lead, flag=flag, outcome="too_generous", note="Too generous.", expected_version=7
        )
    calibration_review(
        actor=lead, flag=flag, outcome="too_generous", note="Too generous.", expected_version=1
    )
    flag.refresh_from_db()
    assert (flag.outcome, flag.review_note, flag.version) == ("too_generous", "Too generous.", 2)
    with pytest.raises(ValidationError, match="cannot be reviewed again"):
        calibration_review(actor=lead, flag=flag, outcome="stands", note="Changed my mind.")
