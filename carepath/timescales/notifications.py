"""The daily digest: one email to each person with work, listing what is overdue, due today and due
this week, and for managers what was escalated to them and how much their teams have overdue.

An email leaves the building, so a digest carries no more than each child's name and case number,
the rule's name and the due date; everything else stays behind the sign-in at /work/.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db.models import Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone

from carepath.core.permissions import Function, Role
from carepath.people.models import Team, User
from carepath.people.selectors import children_visible_to

from .engine import Status
from .models import Rule
from .rulebook import Kind
from .selectors import Bucket, bucket_of, open_escalations_for, rules_by_id, team_work, work_for

logger = logging.getLogger(__name__)

# The work page's address; the view belongs to the work queue, the link to the email.
WORK_PATH = "/work/"
# "Since the last digest", without keeping a record of digests: digests go once a day, so look back
# a day less a margin. Yesterday's run, 23 to 25 hours ago across a clock change, is then not
# repeated, and this morning's escalations (made minutes before the digests) are always in.
ESCALATIONS_SINCE = timedelta(hours=20)
# Roles whose people have their own work queue (Function.SEE_OWN_WORK).
ROLES_WITH_WORK = [Role.SOCIAL_WORKER, Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE]
# Supervision gaps go up the line to heads of service and then the director (assurance app).
ROLES_WITH_ESCALATIONS = [*ROLES_WITH_WORK, Role.DIRECTOR]


@dataclass(frozen=True)
class Line:
    """One item in a digest: all that an email may say about a child."""

    child_name: str
    case_number: str
    rule_name: str
    due_on: date
    is_flag: bool = False  # a drift flag: "flagged since" the date rather than "due"


@dataclass
class Section:
    label: str
    lines: list[Line] = field(default_factory=list)


@dataclass
class Digest:
    user: User
    today: date
    work: list[Section] = field(default_factory=list)
    escalated: list[Line] = field(default_factory=list)
    teams_overdue: int | None = None  # managers only
    # Workers whose supervision is overdue and was escalated to the user: "Name: rule, due date".
    supervision_escalated: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return (
            not self.work and not self.escalated and not self.teams_overdue and not self.supervision_escalated
        )

    def count(self, label: str) -> int:
        return sum(len(s.lines) for s in self.work if s.label == label)

    @property
    def subject(self) -> str:
        parts = [
            f"{self.count(Bucket.LABELS[b])} {Bucket.LABELS[b].lower()}"
            for b in (Bucket.OVERDUE, Bucket.TODAY, Bucket.THIS_WEEK)
            if self.count(Bucket.LABELS[b])
        ]
        if self.escalated:
            parts.append(f"{len(self.escalated)} escalated to you")
        if self.supervision_escalated:
            parts.append(f"{len(self.supervision_escalated)} supervision gaps escalated to you")
        if not parts and self.teams_overdue:
            parts.append(f"{self.teams_overdue} overdue in your {self.team_word}")
        return f"Your carepath work for {self.today:%A %-d %B}: {', '.join(parts)}"

    @property
    def team_word(self) -> str:
        return "team" if self.user.role == Role.TEAM_MANAGER else "teams"


def recipients() -> QuerySet:
    """Everyone who may get a digest: in post, able to sign in, with an email address and a work
    queue of their own. Leavers keep their account (for the history) but get nothing."""
    return (
        User.objects.filter(is_active=True, left_on__isnull=True, role__in=ROLES_WITH_ESCALATIONS)
        .exclude(email="")
        .order_by("pk")
    )


def _line(child, rules: dict[str, Rule], rule_id: str, due_on: date) -> Line:
    rule = rules.get(rule_id)
    return Line(
        child.full_name,
        child.case_number,
        rule.name if rule else rule_id,
        due_on,
        is_flag=rule is not None and rule.kind == Kind.DRIFT,
    )


def _own_work(user: User, today: date) -> QuerySet:
    """work_for(user) as on `today`: the selector counts from the real date, so reach far enough
    ahead to cover a `today` given to `carepath daily --today`; items beyond the week are dropped
    by bucket in digest_for."""
    ahead = max(0, (today - timezone.localdate()).days)
    return work_for(user, horizon_days=7 + ahead)


def teams_overdue_count(user: User, today: date) -> int | None:
    """How many open items are overdue in the team a team manager leads, or in the teams of a head
    of service's service; None for anyone else."""
    if user.role == Role.TEAM_MANAGER and user.team_id:
        team_ids = [user.team_id]
    elif user.role == Role.HEAD_OF_SERVICE and user.service_id:
        team_ids = list(Team.objects.filter(service_id=user.service_id).values_list("pk", flat=True))
    else:
        return None
    overdue = Q(due_on__lt=today) | Q(due_at__lt=timezone.now())
    return sum(team_work(user, team_id).filter(overdue).count() for team_id in team_ids)


def escalated_to(user: User, *, since) -> QuerySet:
    """Escalations sent to the user since `since` whose item is still open, for children the user
    may see."""
    return (
        open_escalations_for(user)
        .filter(escalated_at__gte=since, child__in=children_visible_to(user).values("pk"))
        .select_related("child")
        .order_by("due_on", "pk")
    )


def digest_for(user: User, today: date | None = None, *, rules: dict[str, Rule] | None = None) -> Digest:
    today = today or timezone.localdate()
    rules = rules_by_id() if rules is None else rules
    digest = Digest(user=user, today=today)
    digest.supervision_escalated = _supervision_escalated(user)
    if not user.can(Function.SEE_OWN_WORK):
        return digest
    sections = {b: Section(Bucket.LABELS[b]) for b in (Bucket.OVERDUE, Bucket.TODAY, Bucket.THIS_WEEK)}
    for item in _own_work(user, today):
        # A drift flag is work only once raised; as on an earlier `today` it may not be yet.
        if item.kind == Kind.DRIFT and item.status == Status.OPEN and item.due_on >= today:
            continue
        section = sections.get(bucket_of(item, today))
        if section is not None:
            section.lines.append(_line(item.child, rules, item.rule_id, item.due_on))
    digest.work = [s for s in sections.values() if s.lines]
    if user.can(Function.MANAGE_WORK):
        since = timezone.now() - ESCALATIONS_SINCE
        digest.escalated = [
            _line(e.child, rules, e.rule_id, e.due_on) for e in escalated_to(user, since=since)
        ]
        digest.teams_overdue = teams_overdue_count(user, today)
    return digest


def _supervision_escalated(user: User) -> list[str]:
    """Supervision gaps escalated to the user since the last digest (workers, not children)."""
    from carepath.assurance.models import SupervisionEscalation  # the assurance app builds on this one

    since = timezone.now() - ESCALATIONS_SINCE
    rules = rules_by_id()
    return [
        f"{e.supervisee.get_full_name() or e.supervisee.username}: "
        f"{rules[e.rule_id].name if e.rule_id in rules else e.rule_id}, due {e.due_on:%-d %B %Y}"
        for e in SupervisionEscalation.objects.filter(escalated_to=user, escalated_at__gte=since)
        .select_related("supervisee")
        .order_by("due_on", "pk")
    ]


def digest_message(digest: Digest) -> EmailMessage:
    context = {"digest": digest, "work_url": settings.CAREPATH_BASE_URL + WORK_PATH}
    body = render_to_string("timescales/email/digest.txt", context)
    return EmailMessage(subject=digest.subject, body=body, to=[digest.user.email])


def digest_send(*, user: User, today: date | None = None, rules: dict[str, Rule] | None = None) -> bool:
    """Send the user's digest if they should get one and have something in it. True if sent."""
    if not user.is_active or user.left_on is not None or not user.email:
        return False
    digest = digest_for(user, today, rules=rules)
    if digest.is_empty:
        return False
    digest_message(digest).send()
    # The email itself is the record; the log says it went, without naming any child.
    logger.info(
        "digest sent to user %s: %s work items, %s escalated",
        user.pk,
        sum(len(s.lines) for s in digest.work),
        len(digest.escalated),
    )
    return True


def where_digests_go() -> str:
    """A sentence for the command line: what happens to digest emails in this configuration."""
    backend = settings.EMAIL_BACKEND.rsplit(".", 2)[-2]
    if backend == "console":
        return "Digest emails are printed here (set CAREPATH_EMAIL_HOST to send them by SMTP)."
    if backend == "smtp":
        return f"Digest emails are sent through {settings.EMAIL_HOST}:{settings.EMAIL_PORT}."
    if backend == "dummy":
        return "Digest emails are switched off: set CAREPATH_EMAIL_HOST to send them."
    if backend == "filebased":
        return f"Digest emails are written to files in {settings.EMAIL_FILE_PATH}."
    if backend == "locmem":
        return "Digest emails are kept in memory (tests)."
    return f"Digest emails go to {settings.EMAIL_BACKEND}."
