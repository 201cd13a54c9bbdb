"""Writes for care proceedings (F13, F15): the documents the application needs (PD12A), the issue
of the application, hearings, extensions of the 26 weeks, each child's care plans and final
order. The children of one family are in one set of proceedings and tracked together, so every
write needs the right to record legal work for each child in it."""

from __future__ import annotations

from datetime import date

from django.db.models import Max
from django.utils import timezone

from carepath.core import audit, codes
from carepath.core.audit import ChangeAction
from carepath.core.permissions import Function
from carepath.people.models import Child, User

from ..models import (
    ApplicationDocument,
    CareProceedings,
    Extension,
    Hearing,
    PreProceedings,
    ProceedingsChild,
)
from .common import change, create, refuse, writing

MAX_EXTENSION_WEEKS = 8  # Children Act 1989 s32(5)-(8): each extension no more than 8 weeks.


def proceedings_children(proceedings: CareProceedings) -> list[Child]:
    return [row.child for row in proceedings.children.select_related("child__allocated_team").order_by("pk")]


def _today() -> date:
    return timezone.localdate()


def _not_in_future(field: str, value: date, what: str) -> None:
    if value > _today():
        refuse(field, f"The {what} must be today or in the past")


def _fresh(proceedings: CareProceedings) -> CareProceedings:
    return CareProceedings.objects.select_related("pre_proceedings").get(pk=proceedings.pk)


def _issued(proceedings: CareProceedings, what: str) -> None:
    if proceedings.issued_on is None:
        refuse("__all__", f"The application has not been issued yet, so {what} cannot be recorded.")


def _not_concluded(proceedings: CareProceedings, what: str) -> None:
    if proceedings.concluded_on is not None:
        refuse(
            "__all__",
            f"These proceedings concluded on {proceedings.concluded_on:%-d %B %Y}, so {what} cannot be recorded.",
        )


# --- Before issue: the PD12A checklist -----------------------------------------------------------


def missing_documents(proceedings: CareProceedings) -> list[str]:
    """The labels of the PD12A documents nobody has confirmed ready, in checklist order."""
    ready = set(proceedings.documents.filter(ready_on__isnull=False).values_list("kind", flat=True))
    return [label for kind, label in ApplicationDocument.Kind.choices if kind not in ready]


def application_document_confirm(
    *, actor: User, proceedings: CareProceedings, kind: str, ready_on: date, note: str = ""
) -> ApplicationDocument:
    """Confirm that one document the application needs is ready to file."""
    with writing(actor, proceedings_children(proceedings), Function.RECORD_LEGAL) as children:
        stored = _fresh(proceedings)
        _not_concluded(stored, "documents")
        if kind not in ApplicationDocument.Kind.values:
            refuse("kind", "Select a document from the checklist")
        if ready_on < stored.decided_on:
            refuse(
                "ready_on",
                f"The date must be on or after the decision to issue ({stored.decided_on:%-d %B %Y})",
            )
        _not_in_future("ready_on", ready_on, "date it was ready")
        if stored.documents.filter(kind=kind).exists():
            refuse("kind", f"{ApplicationDocument.Kind(kind).label}: already confirmed ready")
        document = ApplicationDocument(
            proceedings=stored, kind=kind, ready_on=ready_on, confirmed_by=actor, note=note.strip()
        )
        return create(actor=actor, children=children, record=document)


def application_document_withdraw(*, actor: User, document: ApplicationDocument) -> None:
    """Take back a confirmation made in error, before the application is issued."""
    proceedings = document.proceedings
    with writing(actor, proceedings_children(proceedings), Function.RECORD_LEGAL) as children:
        if _fresh(proceedings).issued_on is not None:
            refuse("__all__", "The application has been issued; its documents can no longer be taken back.")
        for child in children:
            audit.record_change(
                actor=actor,
                child=child,
                record=document,
                action=ChangeAction.DELETED,
                changes={"kind": (document.kind, None), "ready_on": (document.ready_on, None)},
            )
        document.delete()


# --- Issue ----------------------------------------------------------------------------------------


def _s31za(pre_proceedings: PreProceedings | None, issued_on: date) -> None:
    """Children Act 1989 s31ZA (rules.md 3.21): before applying, the local authority must offer a
    family group decision-making meeting unless one is not in the child's best interests, and if
    anyone accepts, the meeting must be held before the application."""
    if pre_proceedings is None:
        return
    if pre_proceedings.fgdm_offered_on is None and not pre_proceedings.fgdm_not_offered_reason:
        refuse(
            "__all__",
            "Children Act 1989 s31ZA: a family group decision-making meeting must be offered before applying "
            "for a care or supervision order. Record the offer, or why a meeting is not in the child's best "
            "interests, on the pre-proceedings page first.",
        )
    if pre_proceedings.fgdm_accepted and pre_proceedings.fgdm_held_on is None:
        refuse(
            "__all__",
            "Children Act 1989 s31ZA: the family group decision-making meeting was accepted, so it must be "
            "held before the application is made. Record the day it was held on the pre-proceedings page.",
        )
    if pre_proceedings.fgdm_accepted and pre_proceedings.fgdm_held_on > issued_on:
        refuse(
            "issued_on",
            f"Children Act 1989 s31ZA: the family group decision-making meeting ({pre_proceedings.fgdm_held_on:%-d %B %Y}) "
            "must be held before the application is issued",
        )


def proceedings_issue(
    *,
    actor: User,
    proceedings: CareProceedings,
    expected_version: int,
    issued_on: date,
    court: str,
    case_number: str,
    short_notice: bool = False,
    short_notice_reason: str = "",
    letter_to_initiate_sent_on: date | None = None,
    issued_without_documents_reason: str = "",
    parents_legal_representation: str = codes.YesNoUnknown.UNKNOWN,
    application: str = CareProceedings.Application.CARE,
) -> CareProceedings:
    """Record that the court issued the application (day 1 of the 26 weeks). Refused until every
    PD12A document is ready, unless it was an urgent short-notice application and the reason to
    issue without them is given; and refused where s31ZA's family group meeting duty is not met."""
    court, case_number = court.strip(), case_number.strip()
    issued_without_documents_reason = issued_without_documents_reason.strip()
    with writing(actor, proceedings_children(proceedings), Function.RECORD_LEGAL) as children:
        stored = _fresh(proceedings)
        if stored.issued_on is not None:
            refuse("__all__", f"The application was issued on {stored.issued_on:%-d %B %Y}.")
        if issued_on < stored.decided_on:
            refuse(
                "issued_on",
                f"The issue date must be on or after the decision to issue ({stored.decided_on:%-d %B %Y})",
            )
        _not_in_future("issued_on", issued_on, "issue date")
        if not court:
            refuse("court", "Enter the court that issued the application")
        if not case_number:
            refuse("case_number", "Enter the court's case number")
        if application not in CareProceedings.Application.values:
            refuse("application", "Select whether this is an application for a care or a supervision order")
        if short_notice and short_notice_reason not in codes.ShortNoticeReason.values:
            refuse("short_notice_reason", "Select why the application was made on short notice")
        if not short_notice:
            short_notice_reason = ""
        if letter_to_initiate_sent_on is not None:
            if letter_to_initiate_sent_on < issued_on:
                refuse(
                    "letter_to_initiate_sent_on",
                    "The letter telling the parents of the application must be on or after the issue date",
                )
            _not_in_future("letter_to_initiate_sent_on", letter_to_initiate_sent_on, "date of the letter")
        missing = missing_documents(stored)
        if missing:
            if not short_notice:
                refuse(
                    "__all__",
                    f"The application cannot be issued until every document is ready. Not ready: {', '.join(missing)}.",
                )
            if not issued_without_documents_reason:
                refuse(
                    "issued_without_documents_reason",
                    f"Say why this urgent application was issued before these documents were ready: {', '.join(missing)}",
                )
        else:
            issued_without_documents_reason = ""
        _s31za(stored.pre_proceedings, issued_on)
        return change(
            actor=actor,
            children=children,
            record=proceedings,
            changes={
                "application": application,
                "issued_on": issued_on,
                "court": court,
                "case_number": case_number,
                "short_notice": short_notice,
                "short_notice_reason": short_notice_reason,
                "letter_to_initiate_sent_on": letter_to_initiate_sent_on,
                "issued_without_documents_reason": issued_without_documents_reason,
                "parents_legal_representation": parents_legal_representation,
            },
            expected_version=expected_version,
        )


def proceedings_letter_to_initiate_record(
    *, actor: User, proceedings: CareProceedings, expected_version: int, sent_on: date
) -> CareProceedings:
    """The letter telling the parents of the application (CIN LetterInitCPDate), when it goes
    after the issue was recorded."""
    with writing(actor, proceedings_children(proceedings), Function.RECORD_LEGAL) as children:
        stored = _fresh(proceedings)
        _issued(stored, "the letter to the parents")
        if sent_on < stored.issued_on:
            refuse("sent_on", "The letter must be on or after the issue date")
        _not_in_future("sent_on", sent_on, "date of the letter")
        return change(
            actor=actor,
            children=children,
            record=proceedings,
            changes={"letter_to_initiate_sent_on": sent_on},
            expected_version=expected_version,
        )


# --- Hearings and extensions ----------------------------------------------------------------------


def hearing_record(
    *, actor: User, proceedings: CareProceedings, kind: str, held_on: date, notes: str = ""
) -> Hearing:
    """A hearing listed or held. Whether it was effective is recorded once it has happened."""
    with writing(actor, proceedings_children(proceedings), Function.RECORD_LEGAL) as children:
        stored = _fresh(proceedings)
        _issued(stored, "hearings")
        _not_concluded(stored, "hearings")
        if kind not in Hearing.Kind.values:
            refuse("kind", "Select the kind of hearing")
        if held_on < stored.issued_on:
            refuse("held_on", f"A hearing cannot be before the issue date ({stored.issued_on:%-d %B %Y})")
        hearing = Hearing(proceedings=stored, kind=kind, held_on=held_on, notes=notes.strip())
        return create(actor=actor, children=children, record=hearing)


def hearing_update(
    *,
    actor: User,
    hearing: Hearing,
    expected_version: int,
    held_on: date,
    effective: bool | None,
    notes: str = "",
) -> Hearing:
    """Move a listed hearing, or record whether it went ahead (only once its day has come)."""
    proceedings = hearing.proceedings
    with writing(actor, proceedings_children(proceedings), Function.RECORD_LEGAL) as children:
        stored = _fresh(proceedings)
        if held_on < stored.issued_on:
            refuse("held_on", f"A hearing cannot be before the issue date ({stored.issued_on:%-d %B %Y})")
        if effective is not None and held_on > _today():
            refuse("effective", "Whether the hearing was effective can only be recorded once it has happened")
        return change(
            actor=actor,
            children=children,
            record=hearing,
            changes={"held_on": held_on, "effective": effective, "notes": notes.strip()},
            expected_version=expected_version,
        )


def extension_grant(
    *, actor: User, proceedings: CareProceedings, granted_on: date, weeks: int, reason: str
) -> Extension:
    """An extension of the 26 weeks granted by the court: Children Act 1989 s32(5)-(8), only when
    necessary to resolve the proceedings justly, each of no more than 8 weeks, with the reason."""
    reason = reason.strip()
    with writing(actor, proceedings_children(proceedings), Function.RECORD_LEGAL) as children:
        stored = _fresh(proceedings)
        _issued(stored, "an extension")
        _not_concluded(stored, "an extension")
        if weeks is None or not 1 <= weeks <= MAX_EXTENSION_WEEKS:
            refuse(
                "weeks",
                f"An extension must be between 1 and {MAX_EXTENSION_WEEKS} weeks (Children Act 1989 s32(8)); "
                "a longer one needs a further application",
            )
        if not reason:
            refuse(
                "reason",
                "Enter why the court found the extension necessary to resolve the proceedings justly",
            )
        if granted_on < stored.issued_on:
            refuse(
                "granted_on",
                f"An extension cannot be granted before the issue date ({stored.issued_on:%-d %B %Y})",
            )
        _not_in_future("granted_on", granted_on, "date it was granted")
        extension = Extension(proceedings=stored, granted_on=granted_on, weeks=weeks, reason=reason)
        return create(actor=actor, children=children, record=extension)


# --- Each child: care plans and final orders --------------------------------------------------------


def proceedings_child_plans_update(
    *,
    actor: User,
    row: ProceedingsChild,
    expected_version: int,
    initial_care_plan: str = "",
    initial_plan_approved: str = codes.YesNoUnknown.UNKNOWN,
    final_care_plan: str = "",
    final_plan_approved: str = codes.YesNoUnknown.UNKNOWN,
) -> ProceedingsChild:
    """The child's initial and final care plans as put to the court (SSD codes), and whether the
    court approved each. "Not yet at final hearing" (H) is a final plan only."""
    with writing(actor, proceedings_children(row.proceedings), Function.RECORD_LEGAL):
        if initial_care_plan == codes.CourtCarePlan.NOT_YET_FINAL:
            refuse("initial_care_plan", "“Not yet at final hearing” is only for the final care plan")
        for field, value in (("initial_care_plan", initial_care_plan), ("final_care_plan", final_care_plan)):
            if value and value not in codes.CourtCarePlan.values:
                refuse(field, "Select a care plan from the list")
        for field, value in (
            ("initial_plan_approved", initial_plan_approved),
            ("final_plan_approved", final_plan_approved),
        ):
            if value not in codes.YesNoUnknown.values:
                refuse(field, "Select whether the court approved the plan")
        if initial_plan_approved != codes.YesNoUnknown.UNKNOWN and not initial_care_plan:
            refuse("initial_care_plan", "Select the initial care plan the court approved or did not approve")
        if final_plan_approved != codes.YesNoUnknown.UNKNOWN and final_care_plan in (
            "",
            codes.CourtCarePlan.NOT_YET_FINAL,
        ):
            refuse("final_care_plan", "Select the final care plan the court approved or did not approve")
        return change(
            actor=actor,
            children=[row.child],
            record=row,
            changes={
                "initial_care_plan": initial_care_plan,
                "initial_plan_approved": initial_plan_approved,
                "final_care_plan": final_care_plan,
                "final_plan_approved": final_plan_approved,
            },
            expected_version=expected_version,
        )


def proceedings_child_final_order(
    *, actor: User, row: ProceedingsChild, expected_version: int, final_order: str, final_order_on: date
) -> ProceedingsChild:
    """The court's final order for one child. When every child in the proceedings has one, the
    proceedings conclude on the day of the last of them."""
    proceedings = row.proceedings
    with writing(actor, proceedings_children(proceedings), Function.RECORD_LEGAL) as children:
        stored = _fresh(proceedings)
        _issued(stored, "a final order")
        if final_order not in codes.FinalOrder.values:
            refuse("final_order", "Select the final order")
        if final_order_on < stored.issued_on:
            refuse(
                "final_order_on",
                f"The final order cannot be before the issue date ({stored.issued_on:%-d %B %Y})",
            )
        _not_in_future("final_order_on", final_order_on, "date of the final order")
        change(
            actor=actor,
            children=[row.child],
            record=row,
            changes={"final_order": final_order, "final_order_on": final_order_on},
            expected_version=expected_version,
        )
        _conclude_if_every_child_has_an_order(actor, stored, children)
        return row


def _conclude_if_every_child_has_an_order(actor: User, proceedings: CareProceedings, children) -> None:
    rows = proceedings.children.all()
    if rows.filter(final_order_on__isnull=True).exists():
        return
    last = rows.aggregate(last=Max("final_order_on"))["last"]
    if proceedings.concluded_on != last:
        change(actor=actor, children=children, record=proceedings, changes={"concluded_on": last})
