"""Writes for PLO pre-proceedings (F11, F26): the meetings, family group decision-making (Children
Act 1989 s31ZA), the parents' legal representation and the decision to step up or down.

A pre-proceedings is opened by the legal gateway panel's decision (services.gateway). Every write
here is about every child of the legal case: the actor must be able to record legal work for each.
"""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from carepath.core import codes
from carepath.core.concurrency import EditConflict
from carepath.core.permissions import Function
from carepath.people.models import Child, User

from ..models import CareProceedings, PreProceedings, PreProceedingsMeeting, ProceedingsChild
from .common import change, create, refuse, writing


def case_children(pre_proceedings: PreProceedings) -> list[Child]:
    """Every child of the legal case, whether or not the actor may see them: a write about the
    family needs the right to record for each of them."""
    return [
        member.child
        for member in pre_proceedings.legal_case.members.select_related("child__allocated_team").order_by(
            "pk"
        )
    ]


def _not_in_future(field: str, value: date, what: str) -> None:
    if value > timezone.localdate():
        refuse(field, f"The {what} must be today or in the past")


def _not_before_start(field: str, value: date, pre_proceedings: PreProceedings, what: str) -> None:
    if value < pre_proceedings.started_on:
        refuse(
            field,
            f"The {what} must be on or after the day pre-proceedings started "
            f"({pre_proceedings.started_on:%-d %B %Y})",
        )


def _still_open(pre_proceedings: PreProceedings, field: str = "__all__") -> None:
    if pre_proceedings.step_decision_on is not None:
        refuse(
            field,
            f"Pre-proceedings ended on {pre_proceedings.step_decision_on:%-d %B %Y} "
            f"({pre_proceedings.get_outcome_display().lower()}); it can no longer be changed here.",
        )


def _fresh(pre_proceedings: PreProceedings) -> PreProceedings:
    """The stored row, read inside the transaction after the children were locked, so two people
    recording at once are checked against each other's work."""
    return PreProceedings.objects.select_related("legal_case").get(pk=pre_proceedings.pk)


def pre_proceedings_meeting_record(
    *,
    actor: User,
    pre_proceedings: PreProceedings,
    kind: str,
    held_on: date,
    effective: bool = True,
    parents_attended: bool = True,
    parents_solicitor_attended: bool = False,
    chair: User | None = None,
    notes: str = "",
) -> PreProceedingsMeeting:
    """Record a pre-proceedings meeting. The initial meeting comes first: a review cannot be
    recorded before an initial meeting that went ahead, nor dated before it. An initial meeting
    that did not go ahead (the parents could not take part) can be followed by another initial
    meeting; once one has gone ahead, there is no second."""
    with writing(actor, case_children(pre_proceedings), Function.RECORD_LEGAL) as children:
        pp = _fresh(pre_proceedings)
        _still_open(pp)
        if kind not in PreProceedingsMeeting.Kind.values:
            refuse("kind", "Select whether this was the initial meeting or a review meeting")
        _not_before_start("held_on", held_on, pp, "meeting date")
        _not_in_future("held_on", held_on, "meeting date")
        initial = (
            pp.meetings.filter(kind=PreProceedingsMeeting.Kind.INITIAL, effective=True)
            .order_by("held_on")
            .first()
        )
        if kind == PreProceedingsMeeting.Kind.INITIAL:
            if initial is not None:
                refuse(
                    "kind",
                    f"The initial meeting was held on {initial.held_on:%-d %B %Y}. Record this one as a review meeting.",
                )
        else:
            if initial is None:
                refuse(
                    "kind",
                    "There has been no initial pre-proceedings meeting that went ahead. Record the initial "
                    "meeting first.",
                )
            if held_on < initial.held_on:
                refuse(
                    "held_on",
                    f"A review meeting cannot be before the initial meeting ({initial.held_on:%-d %B %Y})",
                )
        meeting = PreProceedingsMeeting(
            pre_proceedings=pp,
            kind=kind,
            held_on=held_on,
            effective=effective,
            parents_attended=parents_attended,
            parents_solicitor_attended=parents_solicitor_attended,
            chair=chair,
            notes=notes.strip(),
        )
        return create(actor=actor, children=children, record=meeting)


class FgdmStatus:
    """Where family group decision-making stands (s31ZA): what the form records."""

    OFFERED = "offered"
    NOT_IN_BEST_INTERESTS = "not_in_best_interests"
    NOT_YET = "not_yet"


def pre_proceedings_fgdm_update(
    *,
    actor: User,
    pre_proceedings: PreProceedings,
    expected_version: int,
    offered_on: date | None = None,
    not_offered_reason: str = "",
    accepted: bool | None = None,
    held_on: date | None = None,
) -> PreProceedings:
    """Record the family group decision-making offer (normally made in the letter before
    proceedings), or why a meeting would not be in the child's best interests; whether someone
    accepted; and the day the meeting was held. s31ZA: once accepted, the meeting must be held
    before the local authority applies to court."""
    not_offered_reason = not_offered_reason.strip()
    with writing(actor, case_children(pre_proceedings), Function.RECORD_LEGAL) as children:
        pp = pre_proceedings
        if offered_on and not_offered_reason:
            refuse(
                "not_offered_reason",
                "Either record the offer or why a meeting is not in the child's best interests, not both",
            )
        if offered_on is not None:
            _not_before_start("offered_on", offered_on, pp, "date of the offer")
            _not_in_future("offered_on", offered_on, "date of the offer")
        elif accepted is not None:
            refuse("accepted", "Record when the meeting was offered before recording whether it was accepted")
        if held_on is not None:
            if accepted is not True:
                refuse("held_on", "A meeting can only be held once someone has accepted the offer")
            if held_on < offered_on:
                refuse("held_on", f"The meeting cannot be before the offer ({offered_on:%-d %B %Y})")
            _not_in_future("held_on", held_on, "date of the meeting")
        return change(
            actor=actor,
            children=children,
            record=pp,
            changes={
                "fgdm_offered_on": offered_on,
                "fgdm_not_offered_reason": not_offered_reason,
                "fgdm_accepted": accepted,
                "fgdm_held_on": held_on,
            },
            expected_version=expected_version,
        )


def pre_proceedings_legal_representation_update(
    *, actor: User, pre_proceedings: PreProceedings, expected_version: int, parents_legal_representation: str
) -> PreProceedings:
    if parents_legal_representation not in codes.YesNoUnknown.values:
        refuse("parents_legal_representation", "Select whether the parents have a solicitor")
    with writing(actor, case_children(pre_proceedings), Function.RECORD_LEGAL) as children:
        return change(
            actor=actor,
            children=children,
            record=pre_proceedings,
            changes={"parents_legal_representation": parents_legal_representation},
            expected_version=expected_version,
        )


def pre_proceedings_step_decide(
    *,
    actor: User,
    pre_proceedings: PreProceedings,
    expected_version: int,
    decided_on: date,
    outcome: str,
    reason: str,
) -> tuple[PreProceedings, CareProceedings | None]:
    """Record the decision that ends pre-proceedings: step up (issue care proceedings), step down,
    or end for another reason. A decision to issue opens care proceedings for every child of the
    case (the application is then prepared and issued), unless proceedings are already open."""
    reason = reason.strip()
    with writing(actor, case_children(pre_proceedings), Function.RECORD_LEGAL) as children:
        pp = pre_proceedings
        stored = _fresh(pp)
        if stored.version != expected_version:
            # Checked before the rules, so that someone who missed another's decision is told so.
            raise EditConflict(stored)
        _still_open(stored)
        if outcome not in codes.PreProceedingsOutcome.values:
            refuse("outcome", "Select the decision")
        _not_before_start("decided_on", decided_on, pp, "date of the decision")
        _not_in_future("decided_on", decided_on, "date of the decision")
        if not reason:
            refuse("outcome_reason", "Enter the reasons for the decision")
        change(
            actor=actor,
            children=children,
            record=pp,
            changes={"step_decision_on": decided_on, "outcome": outcome, "outcome_reason": reason},
            expected_version=expected_version,
        )
        proceedings = None
        if outcome == codes.PreProceedingsOutcome.ISSUE:
            already_open = CareProceedings.objects.filter(
                legal_case_id=pp.legal_case_id, concluded_on__isnull=True
            ).exists()
            if not already_open:
                proceedings = create(
                    actor=actor,
                    children=children,
                    record=CareProceedings(
                        legal_case_id=pp.legal_case_id,
                        pre_proceedings=pp,
                        decided_on=decided_on,
                        parents_legal_representation=pp.parents_legal_representation,
                    ),
                )
                for child in children:
                    create(
                        actor=actor,
                        children=[child],
                        record=ProceedingsChild(proceedings=proceedings, child=child),
                    )
        return pp, proceedings
