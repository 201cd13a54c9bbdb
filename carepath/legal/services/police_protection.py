"""Writes for police protection (F09): each use logged, its end, and the management review that
is opened automatically with what the record showed when the child was taken."""

from __future__ import annotations

from datetime import date, datetime

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from carepath.core.permissions import Function
from carepath.journey.models import Contact, Referral
from carepath.people.models import Child, ChildStatus, User

from ..models import PoliceProtection, PoliceProtectionReview
from .common import change, create, refuse, writing

# The review is opened on the day the use is logged and is due under the timescales rule; until
# the rule is in the table, 10 working days (the lead's PP-REVIEW rule says the same).
REVIEW_RULE = "PP-REVIEW"
REVIEW_WORKING_DAYS = 10
# How far back the thematic report looks for earlier concerns.
LOOK_BACK = relativedelta(months=12)


def review_due_on(taken_on: date) -> date:
    """When the management review is due: the engine's PP-REVIEW rule, counted from the day the
    child was taken (as its clock is)."""
    from carepath.timescales import services as timescales

    try:
        due = timescales.due_date_for(REVIEW_RULE, taken_on)
    except KeyError:
        return timescales.calendar_in_force().add_working_days(taken_on, REVIEW_WORKING_DAYS)
    return due.date() if isinstance(due, datetime) else due


def _reviewer_for(child: Child) -> User | None:
    """The manager of the child's allocated team, if the team has one who is still in post."""
    team = child.allocated_team
    manager = team.manager if team is not None else None
    return manager if manager is not None and manager.is_active else None


def police_protection_record(
    *,
    actor: User,
    child: Child,
    taken_at: datetime,
    officer: str,
    force: str,
    designated_officer: str = "",
    circumstances: str,
    where_accommodated: str = "",
    la_notified_at: datetime | None = None,
) -> PoliceProtection:
    """Log a use of police protection (CA 1989 s46) and open its management review."""
    with writing(actor, [child], Function.RECORD_LEGAL):
        if taken_at > timezone.now():
            refuse(
                "taken_at", "The date and time the child was taken into police protection must be in the past"
            )
        if la_notified_at is not None:
            if la_notified_at > timezone.now():
                refuse("la_notified_at", "The date and time the local authority was told must be in the past")
            if la_notified_at < taken_at:
                refuse(
                    "la_notified_at",
                    "The local authority cannot have been told before the child was taken into police protection",
                )
        still_held = PoliceProtection.objects.filter(child=child, ended_at__isnull=True).first()
        if still_held is not None:
            refuse(
                "taken_at",
                f"{child.full_name} is still recorded as in police protection since "
                f"{timezone.localtime(still_held.taken_at):%d %B %Y %H:%M}. Record how that ended first.",
            )
        if not officer.strip():
            refuse("officer", "Enter the officer's name and number")
        if not force.strip():
            refuse("force", "Enter the police force")
        if not circumstances.strip():
            refuse("circumstances", "Enter the circumstances in which the child was taken")
        pp = create(
            actor=actor,
            children=[child],
            record=PoliceProtection(
                child=child,
                taken_at=taken_at,
                officer=officer.strip(),
                force=force.strip(),
                designated_officer=designated_officer.strip(),
                circumstances=circumstances.strip(),
                where_accommodated=where_accommodated.strip(),
                la_notified_at=la_notified_at,
            ),
        )
        # What the record showed when the child was taken, kept as it was for the thematic report.
        since = taken_at - LOOK_BACK
        taken_on = timezone.localtime(taken_at).date()
        opened_on = timezone.localdate()
        create(
            actor=actor,
            children=[child],
            record=PoliceProtectionReview(
                police_protection=pp,
                opened_on=opened_on,
                due_on=review_due_on(taken_on),
                reviewer=_reviewer_for(child),
                was_open=child.status != ChildStatus.CLOSED,
                status_when_taken=child.status,
                contacts_before=Contact.objects.filter(
                    child=child, received_at__gte=since, received_at__lt=taken_at
                ).count(),
                # A referral made on the day is usually the police protection's own: not "before".
                referrals_before=Referral.objects.filter(
                    child=child,
                    referral_date__gte=timezone.localtime(since).date(),
                    referral_date__lt=taken_on,
                ).count(),
            ),
        )
    return pp


def police_protection_end(
    *, actor: User, pp: PoliceProtection, ended_at: datetime, outcome: str, expected_version: int
) -> PoliceProtection:
    """Record when and how police protection ended (release, an order, accommodation)."""
    with writing(actor, [pp.child], Function.RECORD_LEGAL):
        if pp.ended_at is not None:
            refuse("ended_at", "This police protection is already recorded as ended.")
        if ended_at > timezone.now():
            refuse("ended_at", "The date and time police protection ended must be in the past")
        if ended_at < pp.taken_at:
            refuse("ended_at", "Police protection cannot end before the child was taken into it")
        if outcome not in PoliceProtection.Outcome.values:
            refuse("outcome", "Select what happened when police protection ended")
        change(
            actor=actor,
            children=[pp.child],
            record=pp,
            changes={"ended_at": ended_at, "outcome": outcome},
            expected_version=expected_version,
        )
    return pp


def police_protection_review_complete(
    *,
    actor: User,
    review: PoliceProtectionReview,
    could_have_acted_earlier: str,
    findings: str,
    learning: str = "",
    expected_version: int,
) -> PoliceProtectionReview:
    """The manager's review of one use: could the service have acted earlier, what they found, and
    the learning. Saying 'yes' needs the learning too."""
    child = review.police_protection.child
    with writing(actor, [child], Function.REVIEW_LEGAL_CASES):
        if could_have_acted_earlier not in PoliceProtectionReview.Judgement.values:
            refuse("could_have_acted_earlier", "Select whether the service could have acted earlier")
        findings, learning = findings.strip(), learning.strip()
        if not findings:
            refuse("findings", "Enter what the review found")
        if could_have_acted_earlier == PoliceProtectionReview.Judgement.YES and not learning:
            refuse("learning", "Enter the learning: what should have happened earlier, and what will change")
        change(
            actor=actor,
            children=[child],
            record=review,
            changes={
                "could_have_acted_earlier": could_have_acted_earlier,
                "findings": findings,
                "learning": learning,
                "reviewer": actor,
                "completed_on": timezone.localdate(),
            },
            expected_version=expected_version,
        )
    return review
