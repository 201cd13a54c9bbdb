"""Care proceedings services: the PD12A checklist, the issue and its refusals (documents, s31ZA),
hearings, extensions (s32), care plans and final orders, and conclusion when every child has one."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carepath.core import codes
from carepath.core.concurrency import EditConflict
from carepath.legal import models as lm
from carepath.legal.services import proceedings as services
from tests import factories as f
from tests.legal import factories as lf

pytestmark = pytest.mark.django_db

TODAY = date.today()
Kind = lm.ApplicationDocument.Kind


@pytest.fixture
def worker():
    return f.UserFactory()


@pytest.fixture
def pp(worker):
    children = lf.family_of(2, worker=worker)
    pp = lf.pre_proceedings(lf.legal_case(children), started_on=TODAY - timedelta(days=100))
    pp.fgdm_offered_on = TODAY - timedelta(days=95)
    pp.fgdm_accepted = False
    pp.step_decision_on = TODAY - timedelta(days=80)
    pp.outcome = codes.PreProceedingsOutcome.ISSUE
    pp.outcome_reason = "No change."
    pp.save()
    return pp


@pytest.fixture
def preparing(pp):
    record = lf.proceedings(pp.legal_case, decided_on=TODAY - timedelta(days=80))
    record.pre_proceedings = pp
    record.save()
    return record


def confirm_all(actor, record, *, except_for=()):
    for kind in Kind.values:
        if kind not in except_for:
            services.application_document_confirm(
                actor=actor, proceedings=record, kind=kind, ready_on=record.decided_on
            )


def issue(actor, record, **kwargs):
    values = {
        "expected_version": record.version,
        "issued_on": TODAY - timedelta(days=2),
        "court": "Family Court at Northshire",
        "case_number": "NS26C00999",
    }
    values.update(kwargs)
    return services.proceedings_issue(actor=actor, proceedings=record, **values)


@pytest.fixture
def issued(worker, preparing):
    confirm_all(worker, preparing)
    return issue(worker, preparing, issued_on=TODAY - timedelta(days=70))


# --- The PD12A checklist and the issue ------------------------------------------------------------


def test_documents_are_confirmed_once_each_with_who_and_when(worker, preparing):
    document = services.application_document_confirm(
        actor=worker, proceedings=preparing, kind=Kind.GENOGRAM, ready_on=TODAY, note="Both fathers shown"
    )
    assert document.confirmed_by == worker and document.ready_on == TODAY
    with pytest.raises(ValidationError):
        services.application_document_confirm(
            actor=worker, proceedings=preparing, kind=Kind.GENOGRAM, ready_on=TODAY
        )
    assert len(services.missing_documents(preparing)) == len(Kind.values) - 1


def test_issue_is_refused_until_every_document_is_ready(worker, preparing):
    confirm_all(worker, preparing, except_for=[Kind.STATEMENT, Kind.CARE_PLAN])
    with pytest.raises(ValidationError) as excinfo:
        issue(worker, preparing)
    message = excinfo.value.message_dict["__all__"][0]
    assert "Social work statement" in message and "Care plan" in message and "Genogram" not in message
    preparing.refresh_from_db()
    assert preparing.issued_on is None


def test_short_notice_issue_without_documents_needs_a_reason(worker, preparing):
    with pytest.raises(ValidationError) as excinfo:
        issue(
            worker, preparing, short_notice=True, short_notice_reason=codes.ShortNoticeReason.IMMEDIATE_SAFETY
        )
    assert "issued_without_documents_reason" in excinfo.value.message_dict
    record = issue(
        worker,
        preparing,
        short_notice=True,
        short_notice_reason=codes.ShortNoticeReason.IMMEDIATE_SAFETY,
        issued_without_documents_reason="The baby was due to leave hospital with the father.",
    )
    record.refresh_from_db()
    assert record.issued_on == TODAY - timedelta(days=2) and record.short_notice
    assert record.issued_without_documents_reason.startswith("The baby")


def test_short_notice_needs_its_reason_code(worker, preparing):
    confirm_all(worker, preparing)
    with pytest.raises(ValidationError) as excinfo:
        issue(worker, preparing, short_notice=True)
    assert "short_notice_reason" in excinfo.value.message_dict


def test_issue_is_recorded_with_court_case_number_and_letter(worker, preparing):
    confirm_all(worker, preparing)
    record = issue(worker, preparing, letter_to_initiate_sent_on=TODAY - timedelta(days=1))
    record.refresh_from_db()
    assert (record.court, record.case_number) == ("Family Court at Northshire", "NS26C00999")
    assert record.letter_to_initiate_sent_on == TODAY - timedelta(days=1)
    assert record.issued_without_documents_reason == "" and record.version == 2


@pytest.mark.parametrize(
    "kwargs, field",
    [
        ({"issued_on": TODAY - timedelta(days=81)}, "issued_on"),  # before the decision to issue
        ({"issued_on": TODAY + timedelta(days=1)}, "issued_on"),
        ({"court": " "}, "court"),
        ({"case_number": ""}, "case_number"),
        ({"letter_to_initiate_sent_on": TODAY - timedelta(days=3)}, "letter_to_initiate_sent_on"),
    ],
)
def test_issue_refusals(worker, preparing, kwargs, field):
    confirm_all(worker, preparing)
    with pytest.raises(ValidationError) as excinfo:
        issue(worker, preparing, **kwargs)
    assert field in excinfo.value.message_dict


def test_s31za_refuses_issue_with_no_offer_and_no_best_interests_reason(worker, preparing, pp):
    pp.fgdm_offered_on = None
    pp.fgdm_accepted = None
    pp.save()
    confirm_all(worker, preparing)
    with pytest.raises(ValidationError) as excinfo:
        issue(worker, preparing)
    assert "s31ZA" in excinfo.value.message_dict["__all__"][0]
    # A recorded reason why a meeting is not in the child's best interests meets the duty.
    pp.fgdm_not_offered_reason = "Risk of abduction if the wider family is told."
    pp.save()
    assert issue(worker, preparing).issued_on is not None


def test_s31za_refuses_issue_when_an_accepted_meeting_was_not_held(worker, preparing, pp):
    pp.fgdm_accepted = True
    pp.save()
    confirm_all(worker, preparing)
    with pytest.raises(ValidationError) as excinfo:
        issue(worker, preparing)
    assert "s31ZA" in excinfo.value.message_dict["__all__"][0]
    pp.fgdm_held_on = TODAY - timedelta(days=1)  # held, but after the application
    pp.save()
    with pytest.raises(ValidationError) as excinfo:
        issue(worker, preparing, issued_on=TODAY - timedelta(days=2))
    assert "s31ZA" in excinfo.value.message_dict["issued_on"][0]
    pp.fgdm_held_on = TODAY - timedelta(days=10)
    pp.save()
    assert issue(worker, preparing).issued_on == TODAY - timedelta(days=2)


def test_issue_twice_is_refused_even_from_a_page_opened_before_the_first(worker, preparing):
    confirm_all(worker, preparing)
    stale = lm.CareProceedings.objects.get(pk=preparing.pk)
    issue(worker, preparing)
    with pytest.raises(ValidationError) as excinfo:
        issue(worker, stale, expected_version=1, case_number="NS26C01000")
    assert "was issued on" in excinfo.value.message_dict["__all__"][0]
    preparing.refresh_from_db()
    assert preparing.case_number == "NS26C00999"


def test_issue_needs_the_right_to_record_for_every_child(preparing):
    with pytest.raises(PermissionDenied):
        issue(f.UserFactory(), preparing)


def test_documents_cannot_be_taken_back_after_issue(worker, issued):
    document = issued.documents.get(kind=Kind.CHRONOLOGY)
    with pytest.raises(ValidationError):
        services.application_document_withdraw(actor=worker, document=document)
    assert issued.documents.count() == len(Kind.values)


def test_a_document_confirmed_in_error_can_be_taken_back_before_issue(worker, preparing):
    document = services.application_document_confirm(
        actor=worker, proceedings=preparing, kind=Kind.INDEX, ready_on=TODAY
    )
    services.application_document_withdraw(actor=worker, document=document)
    assert not preparing.documents.exists()


# --- Hearings and extensions ---------------------------------------------------------------------


def test_hearings_need_an_issued_application_and_a_date_after_issue(worker, preparing, issued):
    other = lf.proceedings(lf.legal_case(lf.family_of(1, worker=worker)))
    with pytest.raises(ValidationError):
        services.hearing_record(actor=worker, proceedings=other, kind=lm.Hearing.Kind.CMH, held_on=TODAY)
    with pytest.raises(ValidationError) as excinfo:
        services.hearing_record(
            actor=worker,
            proceedings=issued,
            kind=lm.Hearing.Kind.CMH,
            held_on=issued.issued_on - timedelta(days=1),
        )
    assert "held_on" in excinfo.value.message_dict
    listed = services.hearing_record(
        actor=worker, proceedings=issued, kind=lm.Hearing.Kind.FINAL, held_on=TODAY + timedelta(days=30)
    )
    assert listed.effective is None


def test_a_hearing_is_effective_only_once_it_has_happened(worker, issued):
    hearing = services.hearing_record(
        actor=worker, proceedings=issued, kind=lm.Hearing.Kind.IRH, held_on=TODAY + timedelta(days=7)
    )
    with pytest.raises(ValidationError) as excinfo:
        services.hearing_update(
            actor=worker,
            hearing=hearing,
            expected_version=hearing.version,
            held_on=hearing.held_on,
            effective=True,
        )
    assert "effective" in excinfo.value.message_dict
    services.hearing_update(
        actor=worker,
        hearing=hearing,
        expected_version=hearing.version,
        held_on=TODAY - timedelta(days=1),
        effective=True,
    )
    hearing.refresh_from_db()
    assert hearing.effective is True and hearing.held_on == TODAY - timedelta(days=1)
    with pytest.raises(EditConflict):
        services.hearing_update(
            actor=worker, hearing=hearing, expected_version=1, held_on=TODAY, effective=False
        )


@pytest.mark.parametrize("weeks", [0, 9, None])
def test_extension_longer_than_8_weeks_or_of_none_is_refused(worker, issued, weeks):
    with pytest.raises(ValidationError) as excinfo:
        services.extension_grant(
            actor=worker,
            proceedings=issued,
            granted_on=TODAY,
            weeks=weeks,
            reason="An expert report is late.",
        )
    assert "s32(8)" in excinfo.value.message_dict["weeks"][0]
    assert not issued.extensions.exists()


def test_extension_needs_a_reason(worker, issued):
    with pytest.raises(ValidationError) as excinfo:
        services.extension_grant(actor=worker, proceedings=issued, granted_on=TODAY, weeks=8, reason=" ")
    assert "reason" in excinfo.value.message_dict
    extension = services.extension_grant(
        actor=worker,
        proceedings=issued,
        granted_on=TODAY,
        weeks=8,
        reason="The parenting assessment needs 8 weeks.",
    )
    assert extension.weeks == 8


# --- Care plans, final orders and conclusion -----------------------------------------------------


def test_not_yet_at_final_hearing_is_only_a_final_plan(worker, issued):
    row = issued.children.first()
    with pytest.raises(ValidationError) as excinfo:
        services.proceedings_child_plans_update(
            actor=worker,
            row=row,
            expected_version=row.version,
            initial_care_plan=codes.CourtCarePlan.NOT_YET_FINAL,
        )
    assert "initial_care_plan" in excinfo.value.message_dict
    services.proceedings_child_plans_update(
        actor=worker,
        row=row,
        expected_version=row.version,
        initial_care_plan=codes.CourtCarePlan.CARE_ORDER,
        initial_plan_approved=codes.YesNoUnknown.YES,
        final_care_plan=codes.CourtCarePlan.NOT_YET_FINAL,
    )
    row.refresh_from_db()
    assert (row.initial_care_plan, row.initial_plan_approved, row.final_care_plan) == ("A", "Yes", "H")


def test_proceedings_conclude_when_every_child_has_a_final_order(worker, issued):
    first, second = issued.children.order_by("pk")
    services.proceedings_child_final_order(
        actor=worker,
        row=first,
        expected_version=first.version,
        final_order=codes.FinalOrder.SGO,
        final_order_on=TODAY - timedelta(days=3),
    )
    issued.refresh_from_db()
    assert issued.concluded_on is None
    services.proceedings_child_final_order(
        actor=worker,
        row=second,
        expected_version=second.version,
        final_order=codes.FinalOrder.PLACEMENT_ORDER,
        final_order_on=TODAY - timedelta(days=10),
    )
    issued.refresh_from_db()
    assert issued.concluded_on == TODAY - timedelta(days=3)  # the last of the final orders
    with pytest.raises(ValidationError):
        services.extension_grant(
            actor=worker, proceedings=issued, granted_on=TODAY, weeks=2, reason="Too late."
        )


def test_final_order_refusals(worker, preparing, issued):
    row = issued.children.first()
    with pytest.raises(ValidationError) as excinfo:
        services.proceedings_child_final_order(
            actor=worker,
            row=row,
            expected_version=row.version,
            final_order=codes.FinalOrder.CARE_ORDER,
            final_order_on=issued.issued_on - timedelta(days=1),
        )
    assert "final_order_on" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        services.proceedings_child_final_order(
            actor=worker, row=row, expected_version=row.version, final_order="", final_order_on=TODAY
        )
    row.refresh_from_db()
    assert row.final_order == "" and row.final_order_on is None
