"""Factories for practice assurance records (synthetic only). Tests of a service use the service;
these set up what a test needs around it."""

from datetime import date, timedelta

from django.utils import timezone

from carepath.assurance import models as am
from carepath.people import models as pm
from tests import factories as f

_tool_keys = iter(range(1, 10_000_000))


def audit_tool(
    *, domains=("Safety and risk", "The child's voice", "Planning and progress"), questions=2, published=True
):
    """A tool with `domains`, each with `questions` questions, on the default four-grade scale."""
    tool = am.AuditTool.objects.create(
        key=f"tool-{next(_tool_keys)}",
        name="Case audit tool",
        status=am.AuditTool.Status.PUBLISHED if published else am.AuditTool.Status.DRAFT,
        published_at=timezone.now() if published else None,
    )
    for i, title in enumerate(domains, start=1):
        domain = am.AuditDomain.objects.create(
            tool=tool, position=i, title=title, guidance=f"What good looks like: {title}."
        )
        for j in range(1, questions + 1):
            am.AuditQuestion.objects.create(domain=domain, position=j, text=f"{title}: question {j}?")
    return tool


def team_with_managers():
    """A team with a team manager and a head of service, named on the team and service."""
    team = f.TeamFactory()
    manager = f.UserFactory(role="team_manager", team=team, service=team.service)
    head = f.UserFactory(role="head_of_service", team=None, service=team.service)
    f.name_managers(team, manager, head)
    return team, manager, head


def open_child(*, team=None, worker=None):
    """A child with an open referral, allocated to a social worker in `team`."""
    team = team or team_with_managers()[0]
    worker = worker or f.UserFactory(role="social_worker", team=team, service=team.service)
    child = f.ChildFactory(status=pm.ChildStatus.CHILD_IN_NEED)
    f.allocate(child, worker)
    f.ReferralFactory(child=child, referral_date=date.today() - timedelta(days=120))
    return child, worker


def assigned_audit(child, *, auditor=None, tool=None, assigned_on=None, due_in=20, programme=None):
    auditor = auditor or f.UserFactory(role="qa_auditor", scope="audit_sample")
    tool = tool or audit_tool()
    assigned_on = assigned_on or date.today() - timedelta(days=5)
    return am.CaseAudit.objects.create(
        child=child,
        tool=tool,
        auditor=auditor,
        assigned_on=assigned_on,
        due_on=assigned_on + timedelta(days=due_in),
        programme=programme,
    )
