"""Calibration against the record (F18): an audit graded good or better while the child's record
showed, on the audit's date, overdue statutory work, drift flags or missing section 20 consent
evidence is flagged for the QA lead, with the specifics. This is how carepath stops a false
impression of practice forming from generous audits.

A flag is a finding, not a judgement: the QA lead reviews it and says whether the grade stands or
the audit goes back to be regraded. Until it is reviewed, a flag follows the record: a recheck
refreshes its findings, and removes it if the record no longer shows a concern on that day (a
clock corrected after a late entry). A reviewed flag is never changed by a recheck.

`flag_if_optimistic` is called by the audit completion service inside its transaction, and by
`calibration_recheck` (the nightly job and the demo). Neither has a person acting, so the flag is
written as the engine writes its clocks, without a change event; the QA lead's review is logged.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from carepath.core.permissions import Function
from carepath.core.writes import change, refuse, require_function, writing
from carepath.people.models import User

from ..models import CalibrationFlag, CaseAudit
from ..selectors.calibration import record_concerns_on, rule_names

RAISED, REFRESHED, UNCHANGED, REMOVED, NONE, REVIEWED = (
    "raised",
    "refreshed",
    "unchanged",
    "removed",
    "none",
    "reviewed",
)


def _existing_flag(audit: CaseAudit) -> CalibrationFlag | None:
    return CalibrationFlag.objects.filter(audit=audit).first()


def _flag_read_with(audit: CaseAudit) -> CalibrationFlag | None:
    """The audit's flag, read with it (select_related("calibration_flag")): no query."""
    try:
        return audit.calibration_flag
    except CalibrationFlag.DoesNotExist:
        return None


_NOT_READ = object()


def _calibrate(
    audit: CaseAudit, today: date, *, flag=_NOT_READ, names: Mapping[str, str] | None = None
) -> tuple[CalibrationFlag | None, str]:
    """The flag the audit should have now, and what was done to get there. `flag` (the audit's
    flag or None) and `names` (the rules' names) when the caller has read them already."""
    if flag is _NOT_READ:
        flag = _existing_flag(audit)
    if flag is not None and flag.outcome:
        # The QA lead has decided; a recheck never reopens or rewrites that.
        return flag, REVIEWED
    concerns = _concerns_for(audit, names)
    if not concerns:
        if flag is not None:
            flag.delete()
            return None, REMOVED
        return None, NONE
    if flag is None:
        flag = CalibrationFlag.objects.create(
            audit=audit, child_id=audit.child_id, raised_on=today, as_at=audit.completed_on, findings=concerns
        )
        return flag, RAISED
    if flag.findings == concerns and flag.as_at == audit.completed_on:
        return flag, UNCHANGED
    flag.findings, flag.as_at, flag.version = concerns, audit.completed_on, flag.version + 1
    flag.save(update_fields=["findings", "as_at", "version"])
    return flag, REFRESHED


def _concerns_for(audit: CaseAudit, names: Mapping[str, str] | None = None) -> list[dict]:
    """The record's concerns on the audit's date, for an audit graded good or better; none for any
    other audit (a grade below good already says practice is not good enough)."""
    if audit.status != CaseAudit.Status.COMPLETED or audit.completed_on is None:
        return []
    if not audit.tool.is_at_least_good(audit.overall_grade):
        return []
    return record_concerns_on(audit.child_id, audit.completed_on, names=names)


def flag_if_optimistic(*, audit: CaseAudit, today: date | None = None) -> CalibrationFlag | None:
    """Raise (or refresh, while not yet reviewed) the audit's calibration flag when its overall
    grade is good or better and the record showed concerns on the day it was completed; remove an
    unreviewed flag when there is no longer a concern. Returns the flag (a reviewed one as it
    stands), or None when the audit has none."""
    flag, _what = _calibrate(audit, today or timezone.localdate())
    return flag


@dataclass
class RecheckResult:
    checked: int = 0
    flagged: int = 0  # audits with a flag after the recheck (reviewed ones included)
    raised: int = 0
    refreshed: int = 0
    removed: int = 0
    counts: dict = field(default_factory=dict)


def calibration_recheck(today: date | None = None) -> RecheckResult:
    """Check every completed audit against its child's record (the nightly job, and the demo):
    clocks change when late entries are made, so yesterday's answer may not be today's."""
    today = today or timezone.localdate()
    result = RecheckResult()
    # Each audit's flag comes with it and the rules' names are read once: one query per audit
    # (its child's clocks) rather than three.
    audits = (
        CaseAudit.objects.filter(status=CaseAudit.Status.COMPLETED)
        .select_related("tool", "calibration_flag")
        .order_by("pk")
    )
    names = rule_names()
    for audit in audits.iterator(chunk_size=500):
        flag, what = _calibrate(audit, today, flag=_flag_read_with(audit), names=names)
        result.checked += 1
        result.flagged += flag is not None
        result.raised += what == RAISED
        result.refreshed += what == REFRESHED
        result.removed += what == REMOVED
    result.counts = {
        "checked": result.checked,
        "flagged": result.flagged,
        "raised": result.raised,
        "refreshed": result.refreshed,
        "removed": result.removed,
    }
    return result


def calibration_review(
    *,
    actor: User,
    flag: CalibrationFlag,
    outcome: str,
    note: str,
    expected_version: int | None = None,
    today: date | None = None,
) -> CalibrationFlag:
    """The QA lead says what they made of a flag: the grade stands (the evidence explains it), or
    the audit was too generous and goes back to be regraded. Said once; a reason is required."""
    require_function(actor, Function.MANAGE_AUDITS, "Only the QA lead can review calibration flags.")
    if flag.outcome:
        refuse(
            "outcome",
            f"This flag was reviewed on {flag.reviewed_on:%-d %B %Y} by {flag.reviewed_by}. It cannot be reviewed again.",
        )
    if outcome not in CalibrationFlag.Outcome.values:
        refuse("outcome", "Say whether the grade stands or the audit goes back to be regraded")
    if not (note or "").strip():
        refuse("note", "Say why: what in the record and the audit led to your decision")
    today = today or timezone.localdate()
    with writing(actor, [flag.child], Function.MANAGE_AUDITS) as children:
        return change(
            actor=actor,
            children=children,
            record=flag,
            changes={
                "outcome": outcome,
                "review_note": note.strip(),
                "reviewed_by": actor,
                "reviewed_on": today,
            },
            expected_version=expected_version,
        )
