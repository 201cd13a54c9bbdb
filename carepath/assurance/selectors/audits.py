"""Reads for case audits: who may see which audits, an auditor's own list, a programme's sample,
the escalations waiting for a head of service, and grades in words.

Who sees an audit. The auditor it is assigned to; the person an inadequate audit was escalated to;
and anyone who reads audits (the QA lead, managers, inspectors: VIEW_ASSURANCE or MANAGE_AUDITS)
for the children whose records they may open (so an authority-wide reader sees them all, a team
manager their team's). A moderator does not see the audit they are moderating until their own
grades are saved: moderation is blind (F18).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from carepath.core.models import Channel
from carepath.core.permissions import Function, Role
from carepath.core.reads import log_read, visible_child_ids
from carepath.people.models import Child, User
from carepath.people.selectors import AccessDecision, child_access_decision, children_visible_to

from ..models import AuditEscalation, AuditProgramme, AuditTool, CaseAudit, Cohort, Moderation
from ..services.audits import cohort_children, programme_sample
from .read_log import log_reads

# How long a completed audit stays on the auditor's "My audits" page.
RECENTLY_COMPLETED_DAYS = 60
# Who may be given an audit, as offered by the assignment forms (the service checks each one).
AUDITOR_ROLES = [Role.QA_AUDITOR, Role.QA_LEAD, Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE]
OPEN_STATUSES = [CaseAudit.Status.ASSIGNED, CaseAudit.Status.IN_PROGRESS]


def may_read_audits(user: User) -> bool:
    return user.is_authenticated and (user.can(Function.VIEW_ASSURANCE) or user.can(Function.MANAGE_AUDITS))


def require_programmes(user: User) -> None:
    if not may_read_audits(user):
        raise PermissionDenied("Your role does not allow you to see audit programmes.")


def may_read_tools(user: User) -> bool:
    return user.is_authenticated and (
        may_read_audits(user) or user.can(Function.CONDUCT_AUDITS) or user.can(Function.RESPOND_TO_AUDITS)
    )


def _blind(user: User) -> Q:
    """Audits the user is moderating and has not finished: hidden from them (moderation is blind)."""
    return Q(moderation__moderator=user) & ~Q(moderation__status=Moderation.Status.COMPLETED)


def audits_visible_to(user: User) -> QuerySet[CaseAudit]:
    """The audits the user may see (see the module's docstring)."""
    if not user.is_authenticated or not user.is_active:
        return CaseAudit.objects.none()
    seen = Q(auditor=user) | Q(escalation__escalated_to=user)
    if may_read_audits(user):
        seen |= Q(child__in=children_visible_to(user))
    return CaseAudit.objects.filter(seen).exclude(_blind(user)).distinct()


def audits_for_child(child: Child) -> QuerySet[CaseAudit]:
    """Every audit of the child, newest first (the caller decides who may see them)."""
    return (
        CaseAudit.objects.filter(child=child)
        .select_related("auditor", "tool", "programme")
        .order_by("-assigned_on", "-pk")
    )


def audit_for(user: User, pk: int, *, what: str | None) -> tuple[CaseAudit, AccessDecision]:
    """The audit, if the user may see it and open the child's record; the read is logged as `what`
    (None: the caller logs). Raises Http404 (no such audit) or PermissionDenied."""
    try:
        audit = CaseAudit.objects.select_related(
            "child__allocated_team__service",
            "child__allocated_worker",
            "tool",
            "auditor",
            "practitioner",
            "manager",
            "programme",
        ).get(pk=pk)
    except CaseAudit.DoesNotExist:
        raise Http404("No audit with that number.") from None
    if (
        Moderation.objects.filter(audit=audit, moderator=user)
        .exclude(status=Moderation.Status.COMPLETED)
        .exists()
    ):
        raise PermissionDenied(
            "You are moderating this audit. Its grades are hidden from you until you have saved yours."
        )
    if not audits_visible_to(user).filter(pk=audit.pk).exists():
        raise PermissionDenied("This audit is not assigned to you, and its child is not one you can see.")
    decision = child_access_decision(user, audit.child)
    if not decision.allowed:
        raise PermissionDenied(decision.refusal)
    if what:
        log_read(user, audit.child, decision, what)
    return audit, decision


def log_children(user: User, children, what: str) -> None:
    """Log a read of each child a list shows (once each). Lists show only children the reader may
    open (only_visible), so every one has a basis to log."""
    log_reads(user, children, what, Channel.WEB)


def only_visible(user: User, rows: list, child_of=lambda row: row.child) -> list:
    """The rows whose child the user may open now (a child can move out of a reader's service, or
    their record be restricted, after the audit was assigned or escalated)."""
    visible = visible_child_ids(user, {child_of(r).pk for r in rows})
    return [r for r in rows if child_of(r).pk in visible]


# ---------------------------------------------------------------------------------------------
# Grades in words
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class GradeShown:
    code: str
    label: str
    colour: str  # a govuk-tag modifier; the label always says the grade in words

    @property
    def tag_class(self) -> str:
        return f"govuk-tag {self.colour}".strip()


def grade_shown(tool: AuditTool, code: str) -> GradeShown | None:
    if not code:
        return None
    if tool.escalates(code):
        colour = "govuk-tag--red"
    elif not tool.is_at_least_good(code):
        colour = "govuk-tag--orange"
    elif code in tool.grade_codes() and tool.rank(code) == 0:
        colour = "govuk-tag--turquoise"
    else:
        colour = "govuk-tag--green"
    return GradeShown(code, tool.grade_label(code), colour)


STATUS_COLOURS = {
    CaseAudit.Status.ASSIGNED: "govuk-tag--grey",
    CaseAudit.Status.IN_PROGRESS: "govuk-tag--blue",
    CaseAudit.Status.COMPLETED: "govuk-tag--green",
    CaseAudit.Status.WITHDRAWN: "govuk-tag--grey",
}


def status_class(audit: CaseAudit) -> str:
    return f"govuk-tag {STATUS_COLOURS.get(audit.status, '')}".strip()


# ---------------------------------------------------------------------------------------------
# My audits
# ---------------------------------------------------------------------------------------------


@dataclass
class MyAudits:
    open: list[CaseAudit] = field(default_factory=list)
    completed: list[CaseAudit] = field(default_factory=list)


def my_audits(user: User, *, today: date | None = None, what: str | None = "My audits") -> MyAudits:
    """The user's open audits, overdue first then by due date, and those completed recently. Each
    child shown is logged as read."""
    today = today or timezone.localdate()
    since = today - timedelta(days=RECENTLY_COMPLETED_DAYS)
    # One read of the open and recently completed audits, and one of which children are visible.
    mine = only_visible(
        user,
        list(
            CaseAudit.objects.filter(auditor=user)
            .filter(
                Q(status__in=OPEN_STATUSES) | Q(status=CaseAudit.Status.COMPLETED, completed_on__gte=since)
            )
            .select_related("child", "tool", "programme")
        ),
    )
    open_rows = sorted((a for a in mine if a.status in OPEN_STATUSES), key=lambda a: (a.due_on, a.pk))
    for a in open_rows:
        a.is_overdue = a.due_on < today
        a.days_overdue = (today - a.due_on).days if a.is_overdue else 0
        a.status_class = status_class(a)
    done = sorted(
        (a for a in mine if a.status == CaseAudit.Status.COMPLETED),
        key=lambda a: (a.completed_on, a.pk),
        reverse=True,
    )
    for a in done:
        a.grade = grade_shown(a.tool, a.overall_grade)
    # Sorted by due date, so overdue ones (the earliest due) come first.
    if what:
        log_children(user, [a.child for a in open_rows + done], what)
    return MyAudits(open=open_rows, completed=done)


# ---------------------------------------------------------------------------------------------
# Programmes
# ---------------------------------------------------------------------------------------------


def programmes_for(user: User) -> QuerySet[AuditProgramme]:
    """Every programme, with how many audits it has by status: a programme names no child, so its
    row is not scoped; its audits are (programme_rows)."""
    require_programmes(user)
    return (
        AuditProgramme.objects.select_related("tool", "team", "service")
        .annotate(
            assigned_count=Count("audits", filter=~Q(audits__status=CaseAudit.Status.WITHDRAWN)),
            completed_count=Count("audits", filter=Q(audits__status=CaseAudit.Status.COMPLETED)),
        )
        .order_by("-drawn_on", "-pk")
    )


@dataclass
class SampleRow:
    child: Child
    audit: CaseAudit | None
    grade: GradeShown | None = None
    is_overdue: bool = False

    @property
    def waiting_for_auditor(self) -> bool:
        return self.audit is None


@dataclass
class ProgrammeSample:
    rows: list[SampleRow]
    hidden: int  # children in the sample the reader cannot open: counted, not named
    withdrawn: list[CaseAudit]

    @property
    def waiting(self) -> list[SampleRow]:
        return [r for r in self.rows if r.audit is None]


def programme_rows(
    user: User, programme: AuditProgramme, *, today: date | None = None, what: str | None = "Audit programme"
) -> ProgrammeSample:
    """The programme's sample with each child's audit, as far as the user may see the children."""
    today = today or timezone.localdate()
    sample = programme_sample(programme, today=today)
    audits = {
        a.child_id: a
        for a in programme.audits.exclude(status=CaseAudit.Status.WITHDRAWN).select_related("auditor", "tool")
    }
    visible = visible_child_ids(user, {c.pk for c in sample})
    hidden_audits = set(
        CaseAudit.objects.filter(programme=programme).filter(_blind(user)).values_list("pk", flat=True)
    )
    rows = []
    for child in sample:
        if child.pk not in visible:
            continue
        audit = audits.get(child.pk)
        row = SampleRow(child=child, audit=audit)
        if audit is not None:
            audit.status_class = status_class(audit)
            audit.hidden_from_reader = audit.pk in hidden_audits
            if audit.status == CaseAudit.Status.COMPLETED and not audit.hidden_from_reader:
                row.grade = grade_shown(audit.tool, audit.overall_grade)
            row.is_overdue = audit.status in OPEN_STATUSES and audit.due_on < today
        rows.append(row)
    withdrawn = only_visible(
        user,
        list(programme.audits.filter(status=CaseAudit.Status.WITHDRAWN).select_related("child", "auditor")),
    )
    if what:
        log_children(user, [r.child for r in rows] + [a.child for a in withdrawn], what)
    return ProgrammeSample(rows=rows, hidden=len(sample) - len(rows), withdrawn=withdrawn)


def auditors() -> QuerySet[User]:
    """Everyone who may be given an audit (the service checks independence for each child)."""
    return (
        User.objects.filter(is_active=True, role__in=AUDITOR_ROLES)
        .select_related("team")
        .order_by("last_name", "first_name")
    )


def cohort_counts(*, team=None, service=None, today: date | None = None) -> list[tuple[str, str, int]]:
    """How many children are in each cohort today (within the team or service): numbers only, no
    child is named, so nothing is logged."""
    return [
        (code, label, cohort_children(code, team=team, service=service, today=today).count())
        for code, label in Cohort.choices
    ]


# ---------------------------------------------------------------------------------------------
# Actions and escalations
# ---------------------------------------------------------------------------------------------


def escalations_for(user: User) -> QuerySet[AuditEscalation]:
    """Inadequate audits escalated to the user, those waiting for a response first."""
    return (
        AuditEscalation.objects.filter(escalated_to=user)
        .exclude(audit__in=CaseAudit.objects.filter(_blind(user)))
        .select_related("child", "audit__auditor", "audit__tool")
        .order_by("responded_on", "escalated_on", "pk")
    )


def open_escalations_visible_to(user: User) -> QuerySet[AuditEscalation]:
    """For the QA lead and other readers of audits: every escalation still waiting for a response,
    on children they can see."""
    if not may_read_audits(user):
        return AuditEscalation.objects.none()
    return (
        AuditEscalation.objects.filter(responded_on__isnull=True, child__in=children_visible_to(user))
        .exclude(audit__in=CaseAudit.objects.filter(_blind(user)))  # an escalation gives the grade away
        .select_related("child", "escalated_to", "audit__tool")
        .order_by("escalated_on", "pk")
    )


def escalation_for(user: User, pk: int, *, what: str | None) -> tuple[AuditEscalation, AccessDecision]:
    try:
        escalation = AuditEscalation.objects.select_related(
            "child", "audit__tool", "audit__auditor", "escalated_to", "responded_by"
        ).get(pk=pk)
    except AuditEscalation.DoesNotExist:
        raise Http404("No escalation with that number.") from None
    _audit, decision = audit_for(user, escalation.audit_id, what=what)
    return escalation, decision
