"""Practice assurance's front page: what is each person's to do, by what their role does.

- An auditor: their audits due and moderations due.
- A head of service (or whoever an inadequate audit went to): the escalations waiting for them.
- A supervisor: the people they supervise, and how many are overdue supervision.
- The QA lead: calibration flags not yet reviewed, and open audit programmes.
- Readers of assurance reports: the reports.
- Everyone who is supervised: when their own next supervision is due, and a link to their record.

The page shows counts, never a child, so it logs no read: the lists it links to do.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from carepath.core.permissions import Function
from carepath.core.reads import clocks_for
from carepath.people.models import User
from carepath.people.selectors import children_visible_to
from carepath.timescales.engine import Status

from ..models import AuditProgramme, CalibrationFlag, Moderation
from ..selectors.audits import escalations_for, my_audits
from ..selectors.supervision import SUPERVISED_ROLES, Tag, supervisees_of, supervision_status
from ..services.supervision import SUPERVISEE_ROLES

# Whoever holds one of these has something on the page beyond their own supervision.
ASSURANCE_FUNCTIONS = (
    Function.VIEW_ASSURANCE,
    Function.CONDUCT_AUDITS,
    Function.MANAGE_AUDITS,
    Function.RESPOND_TO_AUDITS,
    Function.RECORD_SUPERVISION,
)


def may_open_home(user: User) -> bool:
    return user.is_authenticated and any(user.can(f) for f in (*ASSURANCE_FUNCTIONS, Function.SEE_OWN_WORK))


@dataclass
class Counted:
    """How many, and of those how many overdue."""

    total: int
    overdue: int = 0


@dataclass
class AssuranceHome:
    audits: Counted | None = None  # the user's audits not yet completed
    moderations: Counted | None = None  # the user's moderations not yet completed
    escalations: Counted | None = None  # inadequate audits waiting for the user's response
    supervisees: Counted | None = None  # people the user supervises; overdue = overdue supervision
    calibration_flags: int | None = None  # not yet reviewed, on children the user may see
    programmes: int | None = None  # audit programmes not closed
    reports: bool = False
    supervised: bool = False  # the user is supervised in carepath: link to their own record
    own_supervision: object | None = None  # selectors.supervision.WorkerStatus, where clocks are kept


def home_for(user: User) -> AssuranceHome:
    today = timezone.localdate()
    home = AssuranceHome()
    if user.can(Function.CONDUCT_AUDITS):
        # Counts only: the page names no child, so the selector is asked not to log reads.
        open_audits = my_audits(user, today=today, what=None).open
        home.audits = Counted(len(open_audits), sum(1 for a in open_audits if a.is_overdue))
        due_on = list(
            Moderation.objects.filter(moderator=user)
            .exclude(status=Moderation.Status.COMPLETED)
            .values_list("due_on", flat=True)
        )
        home.moderations = Counted(len(due_on), sum(1 for d in due_on if d < today))
    if user.can(Function.RESPOND_TO_AUDITS):
        waiting = list(escalations_for(user).filter(responded_on__isnull=True).values_list("pk", flat=True))
        # The response is due by the engine's AUDIT-ESCALATION clock, not a date worked out here.
        overdue = {
            clock.context_id
            for clock in clocks_for(context_type="audit_escalation", context_ids=waiting)
            if clock.status == Status.OPEN and clock.due_on < today
        }
        home.escalations = Counted(len(waiting), len(overdue))
    if user.can(Function.RECORD_SUPERVISION):
        statuses = supervision_status(list(supervisees_of(user, today)), today)
        home.supervisees = Counted(len(statuses), sum(1 for s in statuses if s.tag == Tag.OVERDUE))
    if user.can(Function.MANAGE_AUDITS):
        home.calibration_flags = CalibrationFlag.objects.filter(
            outcome="", child__in=children_visible_to(user)
        ).count()
        home.programmes = AuditProgramme.objects.filter(closed_on__isnull=True).count()
    home.reports = user.can(Function.VIEW_ASSURANCE)
    home.supervised = user.role in SUPERVISEE_ROLES
    if user.role in SUPERVISED_ROLES:
        mine = supervision_status([user], today)
        home.own_supervision = mine[0] if mine else None
    return home


@login_required
def assurance_home(request):
    user = request.user
    if not may_open_home(user):
        raise PermissionDenied("Your role does not include practice assurance.")
    return render(
        request,
        "assurance/home.html",
        {
            "home": home_for(user),
            "today": timezone.localdate(),
            "may_manage_audits": user.can(Function.MANAGE_AUDITS),
            "may_record_supervision": user.can(Function.RECORD_SUPERVISION),
        },
    )


urlpatterns = [
    path("assurance/", assurance_home, name="home"),
]
