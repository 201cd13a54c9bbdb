"""The DfE integrity rules, applied when a record is entered instead of months later at census time.

Each rule is a small function that takes the proposed record (unsaved, or changed in memory and not
yet saved) and returns the `Violation`s it finds; no violations means the record may be stored. The
messages are for the social worker who has to put it right, so they name the clashing record and
its dates. Rule ids cite where a rule comes from: "CIN nnnn" is a DfE children in need census
validation rule (as implemented in data-to-insight/csc-validator-be-cin), "SSDA903 nnn" a looked-after
return rule, and otherwise the section of /work/shared/domain/rules.md or findings.md.

Services run `violations_for(record)` before every write (services.py). `violations_for_child`
runs the same rules over everything already stored about a child, to audit imported and generated
data.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from carepath.core import codes
from carepath.people.models import Child

from . import models as m


@dataclass(frozen=True)
class Violation:
    field: str
    message: str
    rule_id: str

    def __str__(self) -> str:
        return f"{self.message} [{self.rule_id}]"


Rule = Callable[[models.Model], list[Violation]]


def as_validation_error(violations: Iterable[Violation]) -> ValidationError:
    by_field: dict[str, list[str]] = {}
    for v in violations:
        by_field.setdefault(v.field, []).append(v.message)
    return ValidationError(by_field)


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def day(value: date) -> str:
    """A date as a social worker writes it: 3 March 2025."""
    return f"{value.day} {value:%B %Y}"


def _local_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


def _others(queryset: models.QuerySet, record: models.Model) -> models.QuerySet:
    return queryset.exclude(pk=record.pk) if record.pk else queryset


def _overlaps(a_start: date, a_end: date | None, b_start: date, b_end: date | None) -> bool:
    """Whether two spans share a day. An open span runs for ever; one span may end on the day the
    next begins, as the census allows (one episode closes and the next opens the same day)."""
    return a_start < (b_end or date.max) and b_start < (a_end or date.max)


def _span(start: date, end: date | None, *, open_words: str = "has not ended") -> str:
    return (
        f"started on {day(start)} and ended on {day(end)}"
        if end
        else f"started on {day(start)} and {open_words}"
    )


def _not_in_future(value: date | datetime | None, field: str, what: str, rule_id: str) -> list[Violation]:
    if value is None:
        return []
    if isinstance(value, datetime):
        if value > timezone.now():
            return [Violation(field, f"{what} cannot be in the future.", rule_id)]
        return []
    if value > timezone.localdate():
        return [Violation(field, f"{what} ({day(value)}) cannot be in the future.", rule_id)]
    return []


def _not_before(
    later: date | None, earlier: date | None, field: str, message: str, rule_id: str
) -> list[Violation]:
    if later is not None and earlier is not None and later < earlier:
        return [Violation(field, message, rule_id)]
    return []


def _within_referral(
    record, on: date | None, field: str, what: str, before_rule: str, after_rule: str = "CIN 8565"
) -> list[Violation]:
    """`on` falls inside the children-in-need episode (referral) that the record belongs to."""
    if on is None:
        return []
    referral = record.referral
    found = []
    if on < referral.referral_date:
        found.append(
            Violation(
                field,
                f"{what} ({day(on)}) cannot be before the referral it belongs to, which was made on "
                f"{day(referral.referral_date)}.",
                before_rule,
            )
        )
    if referral.closure_date and on > referral.closure_date:
        found.append(
            Violation(
                field,
                f"{what} ({day(on)}) cannot be after the case was closed on {day(referral.closure_date)}.",
                after_rule,
            )
        )
    return found


def _not_on_nfa_referral(record, what: str, rule_id: str) -> list[Violation]:
    referral = record.referral
    if referral.nfa:
        return [
            Violation(
                "referral",
                f"The referral made on {day(referral.referral_date)} was closed with no further action, so "
                f"{what} cannot be recorded against it. Record a new referral instead.",
                rule_id,
            )
        ]
    return []


# ---------------------------------------------------------------------------------------------
# The child
# ---------------------------------------------------------------------------------------------


def unborn_child_sex_is_unknown(child: Child) -> list[Violation]:
    """CIN 8750: an unborn child's sex is recorded as U (not known)."""
    if child.date_of_birth is None and child.sex != codes.Sex.UNKNOWN:
        return [
            Violation(
                "sex",
                "An unborn child's sex is recorded as 'not known' until they are born. Change it, or enter "
                "their date of birth.",
                "CIN 8750",
            )
        ]
    return []


# ---------------------------------------------------------------------------------------------
# Referrals (CIN episodes)
# ---------------------------------------------------------------------------------------------


def _referral_end(referral: m.Referral) -> date | None:
    """A referral closed with no further action at the front door lasts no longer than its day."""
    if referral.closure_date:
        return referral.closure_date
    return referral.referral_date if referral.nfa else None


def _referral_is_open(referral: m.Referral) -> bool:
    return _referral_end(referral) is None


def referral_is_the_only_open_one(referral: m.Referral) -> list[Violation]:
    """rules.md 9.2: at most one open children-in-need episode at a time (a referral marked no
    further action does not count)."""
    if not _referral_is_open(referral):
        return []
    other = (
        _others(
            m.Referral.objects.filter(child_id=referral.child_id, closure_date__isnull=True, nfa=False),
            referral,
        )
        .order_by("referral_date")
        .first()
    )
    if other is None:
        return []
    return [
        Violation(
            "referral_date",
            f"There is already an open referral for this child, made on {day(other.referral_date)}. Close it "
            "before recording another.",
            "rules.md 9.2",
        )
    ]


def referral_does_not_overlap_another(referral: m.Referral) -> list[Violation]:
    """CIN 8820: a child's children-in-need episodes do not overlap (one may close on the day the
    next is referred)."""
    mine_end = _referral_end(referral)
    found = []
    for other in _others(m.Referral.objects.filter(child_id=referral.child_id), referral).order_by(
        "referral_date"
    ):
        other_end = _referral_end(other)
        if mine_end is None and other_end is None:
            continue  # two open referrals: referral_is_the_only_open_one says so, in plainer words
        if not _overlaps(referral.referral_date, mine_end, other.referral_date, other_end):
            continue
        if other.closure_date:
            how = f"which was open until {day(other.closure_date)}"
        elif other.nfa:
            how = "which was closed with no further action"
        else:
            how = "which has not been closed"
        field = (
            "closure_date"
            if referral.closure_date and other.referral_date > referral.referral_date
            else "referral_date"
        )
        found.append(
            Violation(
                field,
                f"This referral would overlap the referral made on {day(other.referral_date)}, {how}.",
                "CIN 8820",
            )
        )
    return found


def referral_closure_has_reason(referral: m.Referral) -> list[Violation]:
    """CIN 8805 and 8810: a closure date needs a reason for closure, and a reason needs a date."""
    found = []
    if referral.closure_date and not referral.closure_reason:
        found.append(Violation("closure_reason", "Select the reason the case was closed.", "CIN 8805"))
    if referral.closure_reason and not referral.closure_date:
        found.append(
            Violation(
                "closure_date",
                "Enter the date the case was closed, or remove the reason for closure.",
                "CIN 8810",
            )
        )
    found += _not_before(
        referral.closure_date,
        referral.referral_date,
        "closure_date",
        f"The case cannot be closed on {day(referral.closure_date or referral.referral_date)}, before the "
        f"referral was made on {day(referral.referral_date)}.",
        "rules.md 9.2",
    )
    return found


def referral_closed_after_assessment_had_one(referral: m.Referral) -> list[Violation]:
    """CIN 8825Q: RC8 and RC9 (closed after assessment) need an assessment on the episode."""
    after_assessment = (
        codes.ClosureReason.NFA_AFTER_ASSESSMENT,
        codes.ClosureReason.EARLY_HELP_AFTER_ASSESSMENT,
    )
    if referral.closure_reason not in after_assessment:
        return []
    if referral.pk and m.Assessment.objects.filter(referral_id=referral.pk).exists():
        return []
    label = codes.ClosureReason(referral.closure_reason).label
    return [
        Violation(
            "closure_reason",
            f"'{label}' can only be chosen when there has been an assessment on this referral, and there has "
            "not. Choose another reason, or record the assessment first.",
            "CIN 8825Q",
        )
    ]


def referral_closes_after_its_work(referral: m.Referral) -> list[Violation]:
    """CIN 8565: nothing on the episode happens after it closed. CIN 8868 and rules.md 9.2: a closed
    episode has its assessments and section 47 enquiries finished, and its plans ended."""
    closed = referral.closure_date
    if not closed or not referral.pk:
        return []
    found = []

    def refuse(message: str, rule_id: str) -> None:
        found.append(Violation("closure_date", message, rule_id))

    for a in m.Assessment.objects.filter(referral_id=referral.pk).order_by("start_date"):
        finished = a.authorised_on or a.completed_on
        if a.start_date > closed or (finished and finished > closed):
            refuse(
                f"The assessment that started on {day(a.start_date)} carries on after {day(closed)}, so the "
                "case cannot close then.",
                "CIN 8565",
            )
        elif not finished:
            refuse(
                f"The assessment that started on {day(a.start_date)} has not been completed. Complete it "
                "before closing the case.",
                "rules.md 9.2",
            )
    for s in m.StrategyDiscussion.objects.filter(referral_id=referral.pk).order_by("held_at"):
        if _local_date(s.held_at) > closed:
            refuse(
                f"A strategy discussion was held on {day(_local_date(s.held_at))}, after {day(closed)}, so "
                "the case cannot close then.",
                "CIN 8565",
            )
    for e in m.Section47Enquiry.objects.filter(referral_id=referral.pk).order_by("start_date"):
        if e.start_date > closed or (e.end_date and e.end_date > closed):
            refuse(
                f"The section 47 enquiry that started on {day(e.start_date)} carries on after {day(closed)}, "
                "so the case cannot close then.",
                "CIN 8565",
            )
        elif e.end_date is None:
            refuse(
                f"The section 47 enquiry that started on {day(e.start_date)} has not been completed. Record "
                "its outcome before closing the case.",
                "CIN 8868",
            )
    for c in m.ChildProtectionConference.objects.filter(referral_id=referral.pk, held_on__gt=closed):
        refuse(
            f"A child protection conference was held on {day(c.held_on)}, after {day(closed)}, so the case "
            "cannot close then.",
            "CIN 8565",
        )
    plans = [
        (p, "child protection plan") for p in m.ChildProtectionPlan.objects.filter(referral_id=referral.pk)
    ]
    plans += [(p, "child in need plan") for p in m.ChildInNeedPlan.objects.filter(referral_id=referral.pk)]
    for plan, name in sorted(plans, key=lambda pair: pair[0].start_date):
        if plan.end_date is None:
            refuse(
                f"The {name} that started on {day(plan.start_date)} has not ended. End it before closing the "
                "case.",
                "CIN 8565",
            )
        elif plan.start_date > closed or plan.end_date > closed:
            refuse(
                f"The {name} that {_span(plan.start_date, plan.end_date)} runs past {day(closed)}, so the "
                "case cannot close then.",
                "CIN 8565",
            )
    return found


def referral_not_long_before_birth(referral: m.Referral) -> list[Violation]:
    """CIN 8606: a referral is no more than 40 weeks (280 days) before the date of birth or
    expected date of birth."""
    child = referral.child
    birth, words = (
        (child.date_of_birth, "date of birth")
        if child.date_of_birth
        else (child.expected_date_of_birth, "expected date of birth")
    )
    if birth and referral.referral_date < birth - timedelta(days=280):
        return [
            Violation(
                "referral_date",
                f"The referral date ({day(referral.referral_date)}) is more than 40 weeks before the child's "
                f"{words} ({day(birth)}). Check both dates.",
                "CIN 8606",
            )
        ]
    return []


def referral_dates_not_in_future(referral: m.Referral) -> list[Violation]:
    """CIN 8600 (referral date after the collection period), and the same for the closure date."""
    return _not_in_future(
        referral.referral_date, "referral_date", "The referral date", "CIN 8600"
    ) + _not_in_future(referral.closure_date, "closure_date", "The closure date", "CIN 8600")


def is_re_referral(referral: m.Referral) -> bool:
    """Whether another referral for the same child was made in the 12 months before this one: the
    DfE re-referral measure (rules.md 9.2, F28)."""
    since = referral.referral_date - relativedelta(months=12)
    return _others(
        m.Referral.objects.filter(
            child_id=referral.child_id, referral_date__gte=since, referral_date__lt=referral.referral_date
        ),
        referral,
    ).exists()


# ---------------------------------------------------------------------------------------------
# Contacts
# ---------------------------------------------------------------------------------------------


def contact_dates_in_order(contact: m.Contact) -> list[Violation]:
    """rules.md 1.1: a contact is decided after it arrives, and neither is in the future."""
    found = _not_in_future(
        contact.received_at, "received_at", "The date the contact was received", "rules.md 1.1"
    )
    found += _not_in_future(contact.decided_at, "decided_at", "The decision date", "rules.md 1.1")
    if contact.decided_at and contact.received_at and contact.decided_at < contact.received_at:
        found.append(
            Violation(
                "decided_at",
                "The decision cannot be made before the contact was received on "
                f"{day(_local_date(contact.received_at))}.",
                "rules.md 1.1",
            )
        )
    return found


def contact_decision_has_threshold(contact: m.Contact) -> list[Violation]:
    """findings.md F31: every contact decision records the threshold level applied."""
    if contact.decision and contact.threshold_level is None:
        return [Violation("threshold_level", "Select the threshold level that applies.", "findings.md F31")]
    return []


# ---------------------------------------------------------------------------------------------
# Assessments
# ---------------------------------------------------------------------------------------------


def assessment_within_its_referral(assessment: m.Assessment) -> list[Violation]:
    """CIN 1103: an assessment does not start before its referral; CIN 8565: nor after closure."""
    return (
        _within_referral(
            assessment, assessment.start_date, "start_date", "The assessment start date", "CIN 1103"
        )
        + _within_referral(
            assessment, assessment.completed_on, "completed_on", "The completion date", "CIN 1103"
        )
        + _within_referral(
            assessment, assessment.authorised_on, "authorised_on", "The authorisation date", "CIN 1103"
        )
    )


def assessment_not_on_nfa_referral(assessment: m.Assessment) -> list[Violation]:
    """CIN 8831: no activity on a referral marked no further action."""
    return _not_on_nfa_referral(assessment, "an assessment", "CIN 8831")


def assessment_dates_in_order(assessment: m.Assessment) -> list[Violation]:
    """CIN 8608: an assessment is authorised on or after it started; the same for completion and
    for seeing the child. None of them in the future."""
    start = assessment.start_date
    found = _not_before(
        assessment.authorised_on,
        start,
        "authorised_on",
        f"The assessment cannot be authorised before it started on {day(start)}.",
        "CIN 8608",
    )
    found += _not_before(
        assessment.completed_on,
        start,
        "completed_on",
        f"The assessment cannot be completed before it started on {day(start)}.",
        "CIN 8608",
    )
    for field, what in (
        ("start_date", "The start date"),
        ("child_seen_on", "The date the child was seen"),
        ("completed_on", "The completion date"),
        ("authorised_on", "The authorisation date"),
    ):
        found += _not_in_future(getattr(assessment, field), field, what, "CIN 8600")
    return found


def assessment_one_in_progress(assessment: m.Assessment) -> list[Violation]:
    """data-formats.md 4 (CIN 8863Q): one assessment at a time on an episode."""
    if assessment.authorised_on or assessment.completed_on:
        return []
    other = (
        _others(
            m.Assessment.objects.filter(
                referral_id=assessment.referral_id, authorised_on__isnull=True, completed_on__isnull=True
            ),
            assessment,
        )
        .order_by("start_date")
        .first()
    )
    if other is None:
        return []
    return [
        Violation(
            "start_date",
            f"The assessment that started on {day(other.start_date)} is still in progress. Complete it "
            "before starting another on the same referral.",
            "CIN 8863Q",
        )
    ]


def assessment_factors_are_census_codes(assessment: m.Assessment) -> list[Violation]:
    """rules.md 9.2: factors identified at assessment come from the CIN census list."""
    unknown = [f for f in (assessment.factors or []) if f not in codes.ASSESSMENT_FACTORS]
    if unknown:
        return [
            Violation(
                "factors",
                f"{', '.join(map(str, unknown))} "
                f"{'is not a factor' if len(unknown) == 1 else 'are not factors'} "
                "in the children in need census list. Choose from the list.",
                "rules.md 9.2",
            )
        ]
    return []


def assessment_no_factors_stands_alone(assessment: m.Assessment) -> list[Violation]:
    """CIN 8869: factor 21 (no factors identified) cannot be chosen with any other factor."""
    factors = assessment.factors or []
    if codes.NO_FACTORS in factors and len(factors) > 1:
        return [
            Violation(
                "factors",
                "'No factors identified' cannot be chosen together with other factors. Remove it, or remove "
                "the others.",
                "CIN 8869",
            )
        ]
    return []


# ---------------------------------------------------------------------------------------------
# Strategy discussions and section 47 enquiries
# ---------------------------------------------------------------------------------------------


def strategy_discussion_within_its_referral(discussion: m.StrategyDiscussion) -> list[Violation]:
    """rules.md 9.2 (dates within the episode; CIN 8565 for after closure); not in the future."""
    held = _local_date(discussion.held_at) if discussion.held_at else None
    return _within_referral(
        discussion, held, "held_at", "The strategy discussion", "rules.md 9.2"
    ) + _not_in_future(discussion.held_at, "held_at", "The strategy discussion", "rules.md 9.2")


def section_47_within_its_referral(enquiry: m.Section47Enquiry) -> list[Violation]:
    """CIN 2889: a section 47 enquiry does not start before its referral; CIN 8565: nor run past
    closure."""
    return _within_referral(
        enquiry, enquiry.start_date, "start_date", "The section 47 start date", "CIN 2889"
    ) + _within_referral(enquiry, enquiry.end_date, "end_date", "The section 47 end date", "CIN 2889")


def section_47_not_on_nfa_referral(enquiry: m.Section47Enquiry) -> list[Violation]:
    """CIN 8831."""
    return _not_on_nfa_referral(enquiry, "a section 47 enquiry", "CIN 8831")


def section_47_dates_in_order(enquiry: m.Section47Enquiry) -> list[Violation]:
    """rules.md 1.6: an enquiry starts at or after the strategy discussion that decided on it, ends
    after it starts, and neither date is in the future."""
    found = _not_before(
        enquiry.end_date,
        enquiry.start_date,
        "end_date",
        f"The enquiry cannot end before it started on {day(enquiry.start_date)}.",
        "rules.md 1.6",
    )
    discussion = enquiry.strategy_discussion
    if discussion is not None:
        held = _local_date(discussion.held_at)
        found += _not_before(
            enquiry.start_date,
            held,
            "start_date",
            f"The enquiry cannot start before the strategy discussion on {day(held)} that decided on it.",
            "rules.md 1.6",
        )
        if discussion.referral_id != enquiry.referral_id:
            found.append(
                Violation(
                    "strategy_discussion",
                    f"The strategy discussion on {day(held)} belongs to a different referral.",
                    "rules.md 1.6",
                )
            )
    found += _not_in_future(enquiry.start_date, "start_date", "The start date", "CIN 8600")
    found += _not_in_future(enquiry.end_date, "end_date", "The end date", "CIN 8600")
    return found


def section_47_one_open(enquiry: m.Section47Enquiry) -> list[Violation]:
    """CIN 8839: no more than one open section 47 enquiry on an episode."""
    if enquiry.end_date is not None:
        return []
    other = (
        _others(
            m.Section47Enquiry.objects.filter(referral_id=enquiry.referral_id, end_date__isnull=True), enquiry
        )
        .order_by("start_date")
        .first()
    )
    if other is None:
        return []
    return [
        Violation(
            "start_date",
            f"The section 47 enquiry that started on {day(other.start_date)} is still open. Record its "
            "outcome before starting another.",
            "CIN 8839",
        )
    ]


# ---------------------------------------------------------------------------------------------
# Child protection conferences and plans
# ---------------------------------------------------------------------------------------------


def conference_within_its_referral(conference: m.ChildProtectionConference) -> list[Violation]:
    """CIN 1104: the initial conference is not before the referral; CIN 8565: nor after closure."""
    return _within_referral(
        conference, conference.held_on, "held_on", "The conference date", "CIN 1104"
    ) + _not_in_future(conference.held_on, "held_on", "The conference date", "CIN 8600")


def initial_conference_rules(conference: m.ChildProtectionConference) -> list[Violation]:
    """CIN 8831: no conference on a referral marked no further action; rules.md 9.2: an initial
    conference is not held at a weekend; rules.md 1.7: it follows the section 47 enquiry."""
    if conference.kind != m.ChildProtectionConference.Kind.INITIAL:
        return []
    found = _not_on_nfa_referral(conference, "a child protection conference", "CIN 8831")
    if conference.held_on and conference.held_on.weekday() >= 5:
        found.append(
            Violation(
                "held_on",
                f"{day(conference.held_on)} is a {conference.held_on:%A}. Initial child protection "
                "conferences are not held at weekends; check the date.",
                "rules.md 9.2",
            )
        )
    enquiry = conference.section_47
    if enquiry is not None:
        found += _not_before(
            conference.held_on,
            enquiry.start_date,
            "held_on",
            f"The initial conference cannot be before the section 47 enquiry started on "
            f"{day(enquiry.start_date)}.",
            "rules.md 1.7",
        )
        if enquiry.referral_id != conference.referral_id:
            found.append(
                Violation(
                    "section_47", "That section 47 enquiry belongs to a different referral.", "rules.md 1.7"
                )
            )
    return found


def review_conference_reviews_a_running_plan(conference: m.ChildProtectionConference) -> list[Violation]:
    """CIN 8841: a review conference is after the start of the plan it reviews (never on the same
    day), while that plan is running."""
    if conference.kind != m.ChildProtectionConference.Kind.REVIEW or conference.held_on is None:
        return []
    plans = m.ChildProtectionPlan.objects.filter(referral_id=conference.referral_id).order_by("-start_date")
    for plan in plans:
        if plan.start_date < conference.held_on and (
            plan.end_date is None or plan.end_date >= conference.held_on
        ):
            return []
    latest = plans.filter(start_date__lte=conference.held_on).first() or plans.last()
    if latest is None:
        message = (
            "A review conference needs a child protection plan to review, and there is none on this referral."
        )
    elif conference.held_on <= latest.start_date:
        message = (
            f"A review conference must be after the child protection plan it reviews started on "
            f"{day(latest.start_date)}."
        )
    else:
        message = (
            f"The child protection plan on this referral ended on {day(latest.end_date)}, before "
            f"{day(conference.held_on)}, so there is no plan to review then."
        )
    return [Violation("held_on", message, "CIN 8841")]


def cp_plan_starts_at_its_initial_conference(plan: m.ChildProtectionPlan) -> list[Violation]:
    """CIN 2885 and rules.md 1.16: a plan starts on the date of the initial conference that decided
    on it."""
    conference = plan.initial_conference
    found = []
    if conference.kind != m.ChildProtectionConference.Kind.INITIAL:
        found.append(
            Violation(
                "initial_conference",
                f"A child protection plan can only start from an initial conference; the conference on "
                f"{day(conference.held_on)} was a review.",
                "rules.md 1.16",
            )
        )
    elif not conference.plan_required:
        found.append(
            Violation(
                "initial_conference",
                f"The initial conference on {day(conference.held_on)} did not decide on a child protection "
                "plan.",
                "rules.md 1.16",
            )
        )
    if conference.referral_id != plan.referral_id:
        found.append(
            Violation(
                "initial_conference",
                f"The conference on {day(conference.held_on)} belongs to a different referral.",
                "rules.md 1.16",
            )
        )
    if plan.start_date != conference.held_on:
        found.append(
            Violation(
                "start_date",
                "A child protection plan starts on the day of the initial conference "
                f"({day(conference.held_on)}), not on {day(plan.start_date)}.",
                "CIN 2885",
            )
        )
    already = _others(m.ChildProtectionPlan.objects.filter(initial_conference_id=conference.pk), plan).first()
    if already is not None:
        found.append(
            Violation(
                "initial_conference",
                f"The plan that started on {day(already.start_date)} was already started from this "
                "conference.",
                "CIN 2885",
            )
        )
    return found


def cp_plan_does_not_end_on_its_first_day(plan: m.ChildProtectionPlan) -> list[Violation]:
    """CIN 8840: a plan cannot start and end on the same day (nor end before it starts)."""
    if plan.end_date is None or plan.end_date > plan.start_date:
        return []
    if plan.end_date == plan.start_date:
        message = f"A child protection plan cannot start and end on the same day ({day(plan.start_date)})."
    else:
        message = f"The plan cannot end before it started on {day(plan.start_date)}."
    return [Violation("end_date", message, "CIN 8840")]


def cp_plans_do_not_overlap(plan: m.ChildProtectionPlan) -> list[Violation]:
    """rules.md 9.2 (CIN census): a child has one child protection plan at a time."""
    found = []
    for other in _others(m.ChildProtectionPlan.objects.filter(child_id=plan.child_id), plan).order_by(
        "start_date"
    ):
        if _overlaps(plan.start_date, plan.end_date, other.start_date, other.end_date):
            found.append(
                Violation(
                    "start_date",
                    "This child protection plan would overlap the plan that "
                    f"{_span(other.start_date, other.end_date)}.",
                    "rules.md 9.2",
                )
            )
    return found


def cp_plan_within_its_referral(plan: m.ChildProtectionPlan) -> list[Violation]:
    """CIN 1105: a plan does not start before its referral; CIN 8565: nor run past closure. Plus
    not in the future."""
    return (
        _within_referral(plan, plan.start_date, "start_date", "The plan start date", "CIN 1105")
        + _within_referral(plan, plan.end_date, "end_date", "The plan end date", "CIN 1105")
        + _not_in_future(plan.start_date, "start_date", "The plan start date", "CIN 8600")
        + _not_in_future(plan.end_date, "end_date", "The plan end date", "CIN 8600")
    )


def cp_plan_not_on_nfa_referral(plan: m.ChildProtectionPlan) -> list[Violation]:
    """CIN 8832."""
    return _not_on_nfa_referral(plan, "a child protection plan", "CIN 8832")


def _cin_and_cp_clashes(plan: m.ChildProtectionPlan | m.ChildInNeedPlan) -> list:
    """The plans of the other kind that run at the same time as this one."""
    if isinstance(plan, m.ChildProtectionPlan):
        others = m.ChildInNeedPlan.objects.filter(child_id=plan.child_id)
    else:
        others = m.ChildProtectionPlan.objects.filter(child_id=plan.child_id)
    return [
        o
        for o in others.order_by("start_date")
        if _overlaps(plan.start_date, plan.end_date, o.start_date, o.end_date)
    ]


def cp_plan_not_alongside_cin_plan(plan: m.ChildProtectionPlan) -> list[Violation]:
    """CIN 4001 and rules.md 1.16: a child in need plan does not run alongside a child protection
    plan (it may end on the day the protection plan starts)."""
    return [
        Violation(
            "start_date",
            f"A child protection plan cannot run alongside a child in need plan. The child in need plan that "
            f"{_span(other.start_date, other.end_date)} must end on or before {day(plan.start_date)} first.",
            "CIN 4001",
        )
        for other in _cin_and_cp_clashes(plan)
    ]


# ---------------------------------------------------------------------------------------------
# Child in need plans
# ---------------------------------------------------------------------------------------------


def cin_plans_do_not_overlap(plan: m.ChildInNeedPlan) -> list[Violation]:
    """CIN 4014: a child has one child in need plan at a time."""
    return [
        Violation(
            "start_date",
            f"This child in need plan would overlap the plan that {_span(other.start_date, other.end_date)}.",
            "CIN 4014",
        )
        for other in _others(m.ChildInNeedPlan.objects.filter(child_id=plan.child_id), plan).order_by(
            "start_date"
        )
        if _overlaps(plan.start_date, plan.end_date, other.start_date, other.end_date)
    ]


def cin_plan_not_alongside_cp_plan(plan: m.ChildInNeedPlan) -> list[Violation]:
    """CIN 4001 and rules.md 1.16."""
    return [
        Violation(
            "start_date",
            "A child in need plan cannot run alongside a child protection plan, and the child protection "
            f"plan that {_span(other.start_date, other.end_date)} covers these dates.",
            "CIN 4001",
        )
        for other in _cin_and_cp_clashes(plan)
    ]


def cin_plan_within_its_referral(plan: m.ChildInNeedPlan) -> list[Violation]:
    """CIN 4015: a plan does not start before its referral; CIN 8565: nor run past closure. The
    plan ends on or after it starts, and neither date is in the future."""
    found = _within_referral(
        plan, plan.start_date, "start_date", "The plan start date", "CIN 4015"
    ) + _within_referral(plan, plan.end_date, "end_date", "The plan end date", "CIN 4015")
    found += _not_before(
        plan.end_date,
        plan.start_date,
        "end_date",
        f"The plan cannot end before it started on {day(plan.start_date)}.",
        "rules.md 9.2",
    )
    found += _not_on_nfa_referral(plan, "a child in need plan", "rules.md 9.2")
    found += _not_in_future(plan.start_date, "start_date", "The plan start date", "CIN 8600")
    found += _not_in_future(plan.end_date, "end_date", "The plan end date", "CIN 8600")
    return found


# ---------------------------------------------------------------------------------------------
# What plans contain (F32) and core groups
# ---------------------------------------------------------------------------------------------


def plan_outcome_is_described(outcome: m.ChildProtectionPlanOutcome) -> list[Violation]:
    """findings.md F32: a plan says what must be different for the child."""
    if not (outcome.outcome or "").strip():
        return [Violation("outcome", "Describe what must be different for the child.", "findings.md F32")]
    return []


def plan_action_has_owner_and_due_date(action: m.PlanAction) -> list[Violation]:
    """findings.md F32: every action in a plan has an owner and a due date, in one plan only."""
    found = []
    if not (action.action or "").strip():
        found.append(Violation("action", "Describe the action.", "findings.md F32"))
    if not (action.owner or "").strip():
        found.append(Violation("owner", "Enter who must do this action.", "findings.md F32"))
    if action.due_on is None:
        found.append(Violation("due_on", "Enter the date this action must be done by.", "findings.md F32"))
    if (action.cp_plan_id is None) == (action.cin_plan_id is None):
        found.append(
            Violation(
                "cp_plan",
                "An action belongs to one plan: a child protection plan or a child in need plan.",
                "findings.md F32",
            )
        )
    plan = action.cp_plan or action.cin_plan
    if plan is not None and action.due_on is not None and action.due_on < plan.start_date:
        found.append(
            Violation(
                "due_on",
                f"The due date cannot be before the plan started on {day(plan.start_date)}.",
                "findings.md F32",
            )
        )
    if action.outcome_id is not None and action.outcome.plan_id != action.cp_plan_id:
        found.append(Violation("outcome", "That outcome belongs to a different plan.", "findings.md F32"))
    if action.completed_on is not None:
        found += _not_in_future(action.completed_on, "completed_on", "The completion date", "findings.md F32")
    return found


def core_group_during_its_plan(meeting: m.CoreGroupMeeting) -> list[Violation]:
    """rules.md 1.9: core groups meet while the child protection plan runs."""
    plan = meeting.plan
    found = _not_before(
        meeting.held_on,
        plan.start_date,
        "held_on",
        f"A core group cannot meet before the child protection plan started on {day(plan.start_date)}.",
        "rules.md 1.9",
    )
    if plan.end_date and meeting.held_on and meeting.held_on > plan.end_date:
        found.append(
            Violation(
                "held_on",
                f"The child protection plan ended on {day(plan.end_date)}, before this meeting.",
                "rules.md 1.9",
            )
        )
    return found + _not_in_future(meeting.held_on, "held_on", "The meeting date", "rules.md 1.9")


# ---------------------------------------------------------------------------------------------
# Written agreements, visits, early help
# ---------------------------------------------------------------------------------------------


def written_agreement_dates_in_order(agreement: m.WrittenAgreement) -> list[Violation]:
    """findings.md F25: the agreement is dated when it was made; review and end follow it."""
    agreed = agreement.agreed_on
    found = _not_in_future(agreed, "agreed_on", "The date of the agreement", "findings.md F25")
    found += _not_before(
        agreement.review_on,
        agreed,
        "review_on",
        f"The review cannot be before the agreement was made on {day(agreed)}.",
        "findings.md F25",
    )
    found += _not_before(
        agreement.ended_on,
        agreed,
        "ended_on",
        f"The agreement cannot end before it was made on {day(agreed)}.",
        "findings.md F25",
    )
    return found


def visit_not_in_future(visit: m.Visit) -> list[Violation]:
    """rules.md 1.14: a visit is recorded once it has happened."""
    found = _not_in_future(visit.visited_at, "visited_at", "The visit", "rules.md 1.14")
    if visit.child_seen_alone and not visit.child_seen:
        found.append(
            Violation(
                "child_seen_alone", "A child cannot be seen alone if they were not seen.", "rules.md 1.14"
            )
        )
    return found


def early_help_dates_in_order(episode: m.EarlyHelpEpisode) -> list[Violation]:
    """findings.md F30: early help ends on or after it starts; neither date in the future."""
    found = _not_before(
        episode.end_date,
        episode.start_date,
        "end_date",
        f"Early help cannot end before it started on {day(episode.start_date)}.",
        "findings.md F30",
    )
    found += _not_in_future(episode.start_date, "start_date", "The start date", "findings.md F30")
    found += _not_in_future(episode.end_date, "end_date", "The end date", "findings.md F30")
    return found


def early_help_episodes_do_not_overlap(episode: m.EarlyHelpEpisode) -> list[Violation]:
    """findings.md F30: one early help episode at a time, so step-up and step-down are countable."""
    return [
        Violation(
            "start_date",
            f"This would overlap the early help with {other.organisation} that "
            f"{_span(other.start_date, other.end_date)}.",
            "findings.md F30",
        )
        for other in _others(m.EarlyHelpEpisode.objects.filter(child_id=episode.child_id), episode).order_by(
            "start_date"
        )
        if _overlaps(episode.start_date, episode.end_date, other.start_date, other.end_date)
    ]


def early_help_step_down_follows_rc9(episode: m.EarlyHelpEpisode) -> list[Violation]:
    """rules.md 9.2: a step-down to early help comes from a case closed with RC9 (closed after
    assessment, referred to early help), and starts once it closed."""
    referral = episode.stepped_down_from
    if referral is None:
        return []
    if referral.closure_reason != codes.ClosureReason.EARLY_HELP_AFTER_ASSESSMENT:
        return [
            Violation(
                "stepped_down_from",
                "A step-down to early help comes from a case closed after assessment and referred to early "
                f"help (RC9). The referral made on {day(referral.referral_date)} "
                + (
                    f"was closed with '{codes.ClosureReason(referral.closure_reason).label}'."
                    if referral.closure_date
                    else "has not been closed."
                ),
                "rules.md 9.2",
            )
        ]
    return _not_before(
        episode.start_date,
        referral.closure_date,
        "start_date",
        f"Early help cannot start before the case was closed on {day(referral.closure_date)}.",
        "rules.md 9.2",
    )


# ---------------------------------------------------------------------------------------------
# Children looked after (SSDA903)
# ---------------------------------------------------------------------------------------------


def looked_after_episodes_do_not_overlap(episode: m.LookedAfterEpisode) -> list[Violation]:
    """rules.md 9.1 (SSDA903): a child's episodes do not overlap; the next may start the day the
    previous ended."""
    return [
        Violation(
            "start_date",
            f"This would overlap the looked-after episode that {_span(other.start_date, other.end_date)}."
            + ("" if other.end_date else " Record a change of placement or legal status instead."),
            "rules.md 9.1",
        )
        for other in _others(
            m.LookedAfterEpisode.objects.filter(child_id=episode.child_id), episode
        ).order_by("start_date")
        if _overlaps(episode.start_date, episode.end_date, other.start_date, other.end_date)
    ]


def looked_after_episode_joins_its_period_of_care(episode: m.LookedAfterEpisode) -> list[Violation]:
    """rules.md 9.1 (RNE, REC): an episode that is not the start of a period of care (RNE other than
    S) begins the day the previous episode ended with X1; an episode starting the day a previous one
    ended with X1 continues that period, so is not S."""
    previous = _others(
        m.LookedAfterEpisode.objects.filter(
            child_id=episode.child_id,
            end_date=episode.start_date,
            reason_ceased=codes.ReasonEpisodeCeased.NEW_EPISODE,
        ),
        episode,
    ).first()
    if episode.reason_new_episode == codes.ReasonNewEpisode.STARTED:
        if previous is not None:
            return [
                Violation(
                    "reason_new_episode",
                    f"The episode that started on {day(previous.start_date)} ended on "
                    f"{day(episode.start_date)} with "
                    "'a new episode starts the same day' (X1), so this continues the same period of care and "
                    "cannot be recorded as starting to be looked after.",
                    "rules.md 9.1",
                )
            ]
        return []
    if previous is None:
        return [
            Violation(
                "reason_new_episode",
                "A change of placement or legal status continues a period of care, so it must start on the "
                "day the previous episode ended with X1, and no episode ended that way on "
                f"{day(episode.start_date)}.",
                "rules.md 9.1",
            )
        ]
    return []


def placed_with_parents_not_under_section_20(episode: m.LookedAfterEpisode) -> list[Violation]:
    """SSDA903 rule 378: a child placed with parents (P1) cannot be accommodated under section 20 (V2)."""
    if (episode.legal_status, episode.placement_type) in codes.FORBIDDEN_STATUS_PLACEMENT:
        return [
            Violation(
                "placement_type",
                "A child accommodated under section 20 (V2) cannot be placed with their parents (P1). Check "
                "the legal status and the placement.",
                "SSDA903 378",
            )
        ]
    return []


def looked_after_episode_end_has_reason(episode: m.LookedAfterEpisode) -> list[Violation]:
    """rules.md 9.1 (SSDA903 DEC and REC): an episode that ends has a reason, and a reason has an
    end date on or after the start; neither date in the future."""
    found = []
    if episode.end_date and not episode.reason_ceased:
        found.append(Violation("reason_ceased", "Select the reason the episode ended.", "rules.md 9.1"))
    if episode.reason_ceased and not episode.end_date:
        found.append(
            Violation(
                "end_date", "Enter the date the episode ended, or remove the reason it ended.", "rules.md 9.1"
            )
        )
    found += _not_before(
        episode.end_date,
        episode.start_date,
        "end_date",
        f"The episode cannot end before it started on {day(episode.start_date)}.",
        "rules.md 9.1",
    )
    found += _not_in_future(episode.start_date, "start_date", "The start date", "rules.md 9.1")
    found += _not_in_future(episode.end_date, "end_date", "The end date", "rules.md 9.1")
    return found


def x1_episode_is_followed_by_another(episode: m.LookedAfterEpisode) -> list[Violation]:
    """rules.md 9.1 (REC X1): an episode that ended with X1 has a next episode starting that day.
    Checked on stored data only: services end one episode and start the next together."""
    if episode.reason_ceased != codes.ReasonEpisodeCeased.NEW_EPISODE or episode.end_date is None:
        return []
    if (
        m.LookedAfterEpisode.objects.filter(child_id=episode.child_id, start_date=episode.end_date)
        .exclude(pk=episode.pk)
        .exists()
    ):
        return []
    return [
        Violation(
            "reason_ceased",
            f"The episode that started on {day(episode.start_date)} ended on {day(episode.end_date)} with 'a "
            "new episode starts the same day' (X1), but no episode starts that day.",
            "rules.md 9.1",
        )
    ]


def looked_after_review_while_looked_after(review: m.LookedAfterReview) -> list[Violation]:
    """rules.md 2.6–2.8 (CPPCR reg 33) and 9.1 (903 reviews): a review is held while the child is
    looked after, and is recorded once it has been held."""
    found = _not_in_future(review.held_on, "held_on", "The review date", "rules.md 9.1")
    if review.held_on is None:
        return found
    looked_after = (
        m.LookedAfterEpisode.objects.filter(child_id=review.child_id, start_date__lte=review.held_on)
        .filter(models.Q(end_date__isnull=True) | models.Q(end_date__gte=review.held_on))
        .exists()
    )
    if not looked_after:
        found.append(
            Violation(
                "held_on",
                f"The child was not looked after on {day(review.held_on)}, so a looked-after "
                "review cannot be recorded then.",
                "rules.md 2.6",
            )
        )
    return found


def missing_episode_dates_in_order(episode: m.MissingEpisode) -> list[Violation]:
    """rules.md 9.1 (903 Missing: MIS_START, MIS_END): the child returned after going missing; a
    return interview is accepted only if offered."""
    found = _not_before(
        episode.ended_on,
        episode.started_on,
        "ended_on",
        f"The child cannot return before they went missing on {day(episode.started_on)}.",
        "rules.md 9.1",
    )
    found += _not_in_future(episode.started_on, "started_on", "The date they went missing", "rules.md 9.1")
    found += _not_in_future(episode.ended_on, "ended_on", "The date they returned", "rules.md 9.1")
    if episode.return_interview_accepted and not episode.return_interview_offered:
        found.append(
            Violation(
                "return_interview_accepted",
                "A return interview can only be accepted if it was offered.",
                "rules.md 9.1",
            )
        )
    return found


# ---------------------------------------------------------------------------------------------
# Which rules apply to which record
# ---------------------------------------------------------------------------------------------

RULES: dict[type[models.Model], tuple[Rule, ...]] = {
    Child: (unborn_child_sex_is_unknown,),
    m.Contact: (contact_dates_in_order, contact_decision_has_threshold),
    m.Referral: (
        referral_dates_not_in_future,
        referral_closure_has_reason,
        referral_is_the_only_open_one,
        referral_does_not_overlap_another,
        referral_not_long_before_birth,
        referral_closed_after_assessment_had_one,
        referral_closes_after_its_work,
    ),
    m.Assessment: (
        assessment_not_on_nfa_referral,
        assessment_within_its_referral,
        assessment_dates_in_order,
        assessment_one_in_progress,
        assessment_factors_are_census_codes,
        assessment_no_factors_stands_alone,
    ),
    m.StrategyDiscussion: (strategy_discussion_within_its_referral,),
    m.Section47Enquiry: (
        section_47_not_on_nfa_referral,
        section_47_within_its_referral,
        section_47_dates_in_order,
        section_47_one_open,
    ),
    m.ChildProtectionConference: (
        conference_within_its_referral,
        initial_conference_rules,
        review_conference_reviews_a_running_plan,
    ),
    m.ChildProtectionPlan: (
        cp_plan_not_on_nfa_referral,
        cp_plan_starts_at_its_initial_conference,
        cp_plan_within_its_referral,
        cp_plan_does_not_end_on_its_first_day,
        cp_plans_do_not_overlap,
        cp_plan_not_alongside_cin_plan,
    ),
    m.ChildProtectionPlanOutcome: (plan_outcome_is_described,),
    m.PlanAction: (plan_action_has_owner_and_due_date,),
    m.CoreGroupMeeting: (core_group_during_its_plan,),
    m.ChildInNeedPlan: (
        cin_plan_within_its_referral,
        cin_plans_do_not_overlap,
        cin_plan_not_alongside_cp_plan,
    ),
    m.WrittenAgreement: (written_agreement_dates_in_order,),
    m.Visit: (visit_not_in_future,),
    m.EarlyHelpEpisode: (
        early_help_dates_in_order,
        early_help_step_down_follows_rc9,
        early_help_episodes_do_not_overlap,
    ),
    m.LookedAfterEpisode: (
        looked_after_episode_end_has_reason,
        placed_with_parents_not_under_section_20,
        looked_after_episodes_do_not_overlap,
        looked_after_episode_joins_its_period_of_care,
    ),
    m.LookedAfterReview: (looked_after_review_while_looked_after,),
    m.MissingEpisode: (missing_episode_dates_in_order,),
}

# Rules that only make sense once everything is stored (see each rule's docstring).
STORED_RULES: dict[type[models.Model], tuple[Rule, ...]] = {
    m.LookedAfterEpisode: (x1_episode_is_followed_by_another,),
}


def violations_for(record: models.Model) -> list[Violation]:
    """Every integrity rule the proposed record breaks, in the order the rules are listed."""
    return [v for rule in RULES.get(type(record), ()) for v in rule(record)]


def _stored_records(child: Child) -> Iterable[models.Model]:
    for model in RULES:
        if model is Child:
            continue
        if model is m.ChildProtectionPlanOutcome:
            qs = model.objects.filter(plan__child=child)
        elif model is m.PlanAction:
            qs = model.objects.filter(models.Q(cp_plan__child=child) | models.Q(cin_plan__child=child))
        else:
            qs = model.objects.filter(child=child)
        yield from qs.order_by("pk")


def violations_for_child(child: Child) -> list[Violation]:
    """Every integrity rule broken by what is stored about the child: for auditing imported and
    generated records, which did not come in through the services. A clash between two records is
    reported from each side."""
    found = violations_for(child)
    for record in _stored_records(child):
        found += violations_for(record)
        found += [v for rule in STORED_RULES.get(type(record), ()) for v in rule(record)]
    return found
