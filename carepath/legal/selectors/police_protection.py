"""Reads for police protection (F09): a child's uses of police protection, and the thematic report
(how many children were already known, their earlier contacts and referrals, and whether the
reviewers judged that the service could have acted earlier)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta
from django.utils import timezone

from carepath.people.models import Child, User

from ..models import PoliceProtection, PoliceProtectionReview
from .common import visible_child_ids

REPORT_PERIOD = relativedelta(months=6)
STATUTORY_HOURS = 72  # CA 1989 s46(6)


def default_period(today: date | None = None) -> tuple[date, date]:
    today = today or timezone.localdate()
    return today - REPORT_PERIOD, today


def review_of(pp: PoliceProtection) -> PoliceProtectionReview | None:
    try:
        return pp.review
    except PoliceProtectionReview.DoesNotExist:
        return None


def hours_held(pp: PoliceProtection) -> int | None:
    """Whole hours from being taken to release, or None while the child is still held."""
    if pp.ended_at is None:
        return None
    return int((pp.ended_at - pp.taken_at).total_seconds() // 3600)


def review_is_overdue(review: PoliceProtectionReview | None, today: date) -> bool:
    return review is not None and review.completed_on is None and review.due_on < today


@dataclass
class Use:
    pp: PoliceProtection
    review: PoliceProtectionReview | None
    hours: int | None
    # The child is named, and linked, only where the reader may open their record.
    visible: bool
    overdue: bool

    @property
    def over_72_hours(self) -> bool:
        return self.hours is not None and self.hours > STATUTORY_HOURS

    @property
    def earlier_concerns(self) -> bool:
        return self.review is not None and (
            self.review.contacts_before > 0 or self.review.referrals_before > 0
        )


def child_uses(child: Child) -> list[Use]:
    """Every use of police protection for one child (the caller has checked and logged the read)."""
    today = timezone.localdate()
    uses = []
    for pp in PoliceProtection.objects.filter(child=child).select_related("review__reviewer", "recorded_by"):
        review = review_of(pp)
        uses.append(Use(pp, review, hours_held(pp), True, review_is_overdue(review, today)))
    return uses


@dataclass
class Figure:
    key: str
    label: str
    value: int


@dataclass
class Report:
    date_from: date
    date_to: date
    uses: list[Use]
    figures: list[Figure]

    def figure(self, key: str) -> int:
        return next(f.value for f in self.figures if f.key == key)

    @property
    def largest(self) -> int:
        return max([f.value for f in self.figures] + [1])

    @property
    def hidden(self) -> int:
        return sum(1 for use in self.uses if not use.visible)


def police_protection_report(user: User, *, date_from: date, date_to: date) -> Report:
    """Every use of police protection begun in the period (by the day the child was taken), with the
    figures of the thematic report. Figures count every use; only children the user may see are
    named in the list."""
    today = timezone.localdate()
    rows = list(
        PoliceProtection.objects.filter(taken_at__date__gte=date_from, taken_at__date__lte=date_to)
        .select_related("child", "review")
        .order_by("-taken_at", "-pk")
    )
    visible = visible_child_ids(user, {pp.child_id for pp in rows})
    uses = []
    for pp in rows:
        review = review_of(pp)
        uses.append(Use(pp, review, hours_held(pp), pp.child_id in visible, review_is_overdue(review, today)))

    def children(test) -> int:
        return len({use.pp.child_id for use in uses if test(use)})

    def judged(value) -> int:
        return sum(
            1
            for use in uses
            if use.review is not None
            and use.review.completed_on
            and use.review.could_have_acted_earlier == value
        )

    judgement = PoliceProtectionReview.Judgement
    figures = [
        Figure("uses", "Uses of police protection", len(uses)),
        Figure("children", "Children taken into police protection", children(lambda u: True)),
        Figure(
            "already_open",
            "Children already open to children's social care when taken",
            children(lambda u: u.review is not None and u.review.was_open),
        ),
        Figure(
            "earlier_contacts",
            "Children with a contact in the 12 months before",
            children(lambda u: u.review is not None and u.review.contacts_before > 0),
        ),
        Figure(
            "earlier_referrals",
            "Children with a referral in the 12 months before",
            children(lambda u: u.review is not None and u.review.referrals_before > 0),
        ),
        Figure("judged_yes", "Reviews: the service could have acted earlier", judged(judgement.YES)),
        Figure("judged_no", "Reviews: could not have been foreseen", judged(judgement.NO)),
        Figure("judged_unclear", "Reviews: unclear", judged(judgement.UNCLEAR)),
        Figure(
            "not_reviewed",
            "Not yet reviewed",
            sum(1 for use in uses if use.review is None or not use.review.completed_on),
        ),
        Figure("overdue", "Reviews overdue", sum(1 for use in uses if use.overdue)),
    ]
    return Report(date_from, date_to, uses, figures)
