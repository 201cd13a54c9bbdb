"""PLO pre-proceedings services: meetings in order, family group decision-making (s31ZA), the step
decision and the care proceedings a decision to issue opens."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carepath.core import codes
from carepath.core.concurrency import EditConflict
from carepath.core.models import ChangeEvent
from carepath.legal import models as lm
from carepath.legal.services import pre_proceedings as services
from tests import factories as f
from tests.legal import factories as lf

pytestmark = pytest.mark.django_db

TODAY = date.today()
INITIAL = lm.PreProceedingsMeeting.Kind.INITIAL
REVIEW = lm.PreProceedingsMeeting.Kind.REVIEW


@pytest.fixture
def worker():
    return f.UserFactory()


@pytest.fixture
def pp(worker):
    children = lf.family_of(2, worker=worker)
    return lf.pre_proceedings(lf.legal_case(children), started_on=TODAY - timedelta(days=40))


def meeting(actor, pp, kind, days_ago, **extra):
    return services.pre_proceedings_meeting_record(
        actor=actor, pre_proceedings=pp, kind=kind, held_on=TODAY - timedelta(days=days_ago), **extra
    )


def field_errors(excinfo) -> dict:
    return excinfo.value.message_dict


# --- Meetings -----------------------------------------------------------------------------------


def test_initial_meeting_is_recorded_and_logged_against_every_child(worker, pp):
    record = meeting(worker, pp, INITIAL, 30, parents_solicitor_attended=True)
    assert record.pk and record.recorded_by == worker and record.parents_solicitor_attended
    children = {m.child_id for m in pp.legal_case.members.all()}
    logged = set(
        ChangeEvent.objects.filter(
            record_type="legal.PreProceedingsMeeting", record_id=str(record.pk)
        ).values_list("child_id", flat=True)
    )
    assert logged == children


def test_review_before_any_initial_meeting_is_refused(worker, pp):
    with pytest.raises(ValidationError) as excinfo:
        meeting(worker, pp, REVIEW, 20)
    assert "initial meeting first" in field_errors(excinfo)["kind"][0]
    assert not pp.meetings.exists()


def test_review_after_an_initial_meeting_that_did_not_go_ahead_is_refused(worker, pp):
    meeting(worker, pp, INITIAL, 30, effective=False)
    with pytest.raises(ValidationError):
        meeting(worker, pp, REVIEW, 20)
    # ...but another initial meeting may be held, since the first did not go ahead.
    meeting(worker, pp, INITIAL, 25)
    assert meeting(worker, pp, REVIEW, 10).kind == REVIEW


def test_second_initial_meeting_is_refused(worker, pp):
    meeting(worker, pp, INITIAL, 30)
    with pytest.raises(ValidationError) as excinfo:
        meeting(worker, pp, INITIAL, 10)
    assert "review meeting" in field_errors(excinfo)["kind"][0]
    assert pp.meetings.count() == 1


def test_review_dated_before_the_initial_meeting_is_refused(worker, pp):
    meeting(worker, pp, INITIAL, 20)
    with pytest.raises(ValidationError) as excinfo:
        meeting(worker, pp, REVIEW, 25)
    assert "before the initial meeting" in field_errors(excinfo)["held_on"][0]


@pytest.mark.parametrize("days_ago", [41, -1])
def test_meeting_dates_before_the_start_or_in_the_future_are_refused(worker, pp, days_ago):
    with pytest.raises(ValidationError) as excinfo:
        meeting(worker, pp, INITIAL, days_ago)
    assert "held_on" in field_errors(excinfo)


def test_meeting_needs_the_right_to_record_for_every_child(pp):
    stranger = f.UserFactory()  # a social worker allocated to neither child
    with pytest.raises(PermissionDenied):
        meeting(stranger, pp, INITIAL, 30)
    viewer = f.UserFactory(role="qa_auditor")  # sees everything, records nothing
    with pytest.raises(PermissionDenied):
        meeting(viewer, pp, INITIAL, 30)
    assert not pp.meetings.exists()


def test_no_meeting_after_the_step_decision(worker, pp):
    services.pre_proceedings_step_decide(
        actor=worker,
        pre_proceedings=pp,
        expected_version=pp.version,
        decided_on=TODAY - timedelta(days=5),
        outcome=codes.PreProceedingsOutcome.STEP_DOWN,
        reason="Progress made.",
    )
    with pytest.raises(ValidationError):
        meeting(worker, pp, INITIAL, 2)


# --- Family group decision-making ---------------------------------------------------------------


def fgdm(actor, pp, **kwargs):
    kwargs.setdefault("expected_version", pp.version)
    return services.pre_proceedings_fgdm_update(actor=actor, pre_proceedings=pp, **kwargs)


def test_offer_acceptance_and_meeting_are_recorded(worker, pp):
    fgdm(worker, pp, offered_on=TODAY - timedelta(days=35), accepted=True, held_on=TODAY - timedelta(days=20))
    pp.refresh_from_db()
    assert pp.fgdm_offered_on == TODAY - timedelta(days=35)
    assert pp.fgdm_accepted is True and pp.fgdm_held_on == TODAY - timedelta(days=20)
    assert pp.version == 2


def test_offer_and_best_interests_reason_together_are_refused(worker, pp):
    with pytest.raises(ValidationError) as excinfo:
        fgdm(worker, pp, offered_on=TODAY - timedelta(days=5), not_offered_reason="Risk of abduction.")
    assert "not_offered_reason" in field_errors(excinfo)


def test_meeting_held_without_acceptance_or_before_the_offer_is_refused(worker, pp):
    with pytest.raises(ValidationError) as excinfo:
        fgdm(
            worker,
            pp,
            offered_on=TODAY - timedelta(days=30),
            accepted=False,
            held_on=TODAY - timedelta(days=3),
        )
    assert "held_on" in field_errors(excinfo)
    with pytest.raises(ValidationError) as excinfo:
        fgdm(
            worker,
            pp,
            offered_on=TODAY - timedelta(days=10),
            accepted=True,
            held_on=TODAY - timedelta(days=12),
        )
    assert "before the offer" in field_errors(excinfo)["held_on"][0]
    with pytest.raises(ValidationError):
        fgdm(worker, pp, accepted=True)  # accepted, but never offered
    pp.refresh_from_db()
    assert pp.fgdm_offered_on is None and pp.version == 1


def test_offer_before_pre_proceedings_started_is_refused(worker, pp):
    with pytest.raises(ValidationError) as excinfo:
        fgdm(worker, pp, offered_on=pp.started_on - timedelta(days=1))
    assert "offered_on" in field_errors(excinfo)


def test_concurrent_fgdm_change_is_refused(worker, pp):
    stale = pp.version
    fgdm(worker, pp, not_offered_reason="Risk of abduction by the extended family.")
    other = lm.PreProceedings.objects.get(pk=pp.pk)
    with pytest.raises(EditConflict):
        fgdm(worker, other, offered_on=TODAY - timedelta(days=5), expected_version=stale)
    other.refresh_from_db()
    assert other.fgdm_offered_on is None


def test_parents_legal_representation(worker, pp):
    services.pre_proceedings_legal_representation_update(
        actor=worker,
        pre_proceedings=pp,
        expected_version=1,
        parents_legal_representation=codes.YesNoUnknown.YES,
    )
    pp.refresh_from_db()
    assert pp.parents_legal_representation == codes.YesNoUnknown.YES
    with pytest.raises(EditConflict):
        services.pre_proceedings_legal_representation_update(
            actor=worker,
            pre_proceedings=pp,
            expected_version=1,
            parents_legal_representation=codes.YesNoUnknown.NO,
        )


# --- Step decision ------------------------------------------------------------------------------


def decide(actor, pp, outcome, days_ago=3, reason="The parents have not engaged.", version=None):
    return services.pre_proceedings_step_decide(
        actor=actor,
        pre_proceedings=pp,
        expected_version=pp.version if version is None else version,
        decided_on=TODAY - timedelta(days=days_ago),
        outcome=outcome,
        reason=reason,
    )


def test_decision_to_issue_opens_care_proceedings_for_every_child(worker, pp):
    pp.parents_legal_representation = codes.YesNoUnknown.YES
    pp.save()
    _pp, proceedings = decide(worker, pp, codes.PreProceedingsOutcome.ISSUE)
    pp.refresh_from_db()
    assert (
        pp.step_decision_on == TODAY - timedelta(days=3) and pp.outcome == codes.PreProceedingsOutcome.ISSUE
    )
    assert proceedings.decided_on == pp.step_decision_on
    assert proceedings.pre_proceedings == pp and proceedings.legal_case == pp.legal_case
    assert proceedings.issued_on is None
    assert proceedings.parents_legal_representation == codes.YesNoUnknown.YES
    assert set(proceedings.children.values_list("child_id", flat=True)) == set(
        pp.legal_case.members.values_list("child_id", flat=True)
    )


def test_decision_to_issue_does_not_open_second_proceedings(worker, pp):
    existing = lf.proceedings(pp.legal_case)
    _pp, proceedings = decide(worker, pp, codes.PreProceedingsOutcome.ISSUE)
    assert proceedings is None
    assert list(lm.CareProceedings.objects.filter(legal_case=pp.legal_case)) == [existing]


def test_step_down_opens_nothing(worker, pp):
    _pp, proceedings = decide(worker, pp, codes.PreProceedingsOutcome.STEP_DOWN)
    assert proceedings is None and not lm.CareProceedings.objects.exists()


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"days_ago": 41}, "decided_on"),  # before the start
        ({"days_ago": -1}, "decided_on"),  # in the future
        ({"reason": "  "}, "outcome_reason"),
        ({"outcome": "maybe"}, "outcome"),
    ],
)
def test_step_decision_refusals(worker, pp, kwargs, field):
    outcome = kwargs.pop("outcome", codes.PreProceedingsOutcome.STEP_DOWN)
    with pytest.raises(ValidationError) as excinfo:
        decide(worker, pp, outcome, **kwargs)
    assert field in field_errors(excinfo)
    pp.refresh_from_db()
    assert pp.step_decision_on is None


def test_second_step_decision_is_refused_and_stale_one_conflicts(worker, pp):
    stale = pp.version
    decide(worker, pp, codes.PreProceedingsOutcome.STEP_DOWN)
    with pytest.raises(ValidationError):
        decide(worker, pp, codes.PreProceedingsOutcome.ISSUE)
    other = lm.PreProceedings.objects.get(pk=pp.pk)
    with pytest.raises(EditConflict):
        decide(worker, other, codes.PreProceedingsOutcome.ISSUE, version=stale)
    assert not lm.CareProceedings.objects.exists()
