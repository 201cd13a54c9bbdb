"""The fixture world for the access matrix, and the list of child-record endpoints.

Two services of two teams each. For every role and every scope there is a user in team A1, and
for each such user a child in each relation of policy.RELATIONS (including a child of service B in
an audit assigned to them and one in a moderation assigned to them). Children that stand in the same
relation to every user (a child of team A1 allocated to someone else, say) are shared.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import UUIDConverter
from django.utils import timezone
from rest_framework.authtoken.models import Token

from carepath.assurance import models as am
from carepath.core.permissions import Function, Role, Scope
from carepath.people import models as pm
from carepath.people.services import break_glass_start
from tests import factories as f

from . import policy as p

BREAK_GLASS_REASON = "Police called out of hours: the child was found alone at the station"


@dataclass
class MatrixUser:
    user: pm.User
    session_key: str
    token: str
    children: dict[str, pm.Child] = field(default_factory=dict)


@dataclass
class World:
    users: dict[tuple[str, str], MatrixUser]
    teams: dict[str, pm.Team]


def _worker(team: pm.Team) -> pm.User:
    return f.UserFactory(team=team, role=Role.SOCIAL_WORKER, scope=Scope.ALLOCATED)


def _child_of(worker: pm.User, **kwargs) -> pm.Child:
    child = f.ChildFactory(**kwargs)
    f.allocate(child, worker)
    return child


def _audit_sample_children(user: pm.User, worker: pm.User, tool: am.AuditTool, qa_lead: pm.User) -> dict:
    """A child in an open audit assigned to the user, and a child in a moderation assigned to them
    (of an audit someone else completed): both of another service, each the user's alone."""
    today = timezone.localdate()
    audited = _child_of(worker)
    am.CaseAudit.objects.create(
        child=audited,
        tool=tool,
        auditor=user,
        assigned_on=today - timedelta(days=5),
        due_on=today + timedelta(days=15),
    )
    moderated = _child_of(worker)
    audit = am.CaseAudit.objects.create(
        child=moderated,
        tool=tool,
        auditor=qa_lead,
        assigned_on=today - timedelta(days=30),
        due_on=today - timedelta(days=10),
        status=am.CaseAudit.Status.COMPLETED,
        overall_grade="good",
        completed_on=today - timedelta(days=12),
    )
    am.Moderation.objects.create(
        audit=audit,
        moderator=user,
        assigned_on=today - timedelta(days=10),
        assigned_by=qa_lead,
        due_on=today + timedelta(days=10),
    )
    return {p.AUDITING: audited, p.MODERATING: moderated}


def build_world() -> World:
    service_a = f.ServiceFactory(name="Service A")
    service_b = f.ServiceFactory(name="Service B", directorate=service_a.directorate)
    teams = {
        "A1": f.TeamFactory(service=service_a, name="A1"),
        "A2": f.TeamFactory(service=service_a, name="A2"),
        "B1": f.TeamFactory(service=service_b, name="B1"),
        "B2": f.TeamFactory(service=service_b, name="B2"),
    }
    colleague, in_a2, in_b1, in_b2 = (_worker(teams[t]) for t in ("A1", "A2", "B1", "B2"))
    shared = {
        p.TEAM: _child_of(colleague),
        p.SERVICE: _child_of(in_a2),
        p.OTHER_SERVICE: _child_of(in_b1),
        p.RESTRICTED_GRANTED: _child_of(in_b2, is_restricted=True),
        p.BROKEN_GLASS: _child_of(in_b2),
    }
    granter = f.UserFactory(team=teams["B2"], role=Role.TEAM_MANAGER, scope=Scope.TEAM)
    # The QA lead who audits the moderated children and assigns their moderation; not under test.
    qa_lead = f.UserFactory(team=None, role=Role.QA_LEAD, scope=Scope.AUTHORITY)
    tool = am.AuditTool.objects.create(
        key="matrix-tool", name="Case audit tool", status=am.AuditTool.Status.PUBLISHED
    )
    users = {}
    for role in Role:
        for scope in Scope:
            user = f.UserFactory(
                team=teams["A1"], role=role, scope=scope, username=f"matrix-{role.value}-{scope.value}"
            )
            children = dict(shared)
            children[p.OWN] = _child_of(user)
            children[p.RESTRICTED_OWN] = _child_of(user, is_restricted=True)
            children.update(_audit_sample_children(user, in_b1, tool, qa_lead))
            pm.RestrictedRecordGrant.objects.create(
                child=shared[p.RESTRICTED_GRANTED],
                user=user,
                granted_by=granter,
                reason="Works with the family on a court case",
            )
            if user.can(Function.BREAK_GLASS):
                break_glass_start(actor=user, child=shared[p.BROKEN_GLASS], reason=BREAK_GLASS_REASON)
            browser = Client()
            browser.force_login(user)
            users[role, scope] = MatrixUser(
                user=user,
                session_key=browser.cookies[settings.SESSION_COOKIE_NAME].value,
                token=Token.objects.create(user=user).key,
                children=children,
            )
    return World(users=users, teams=teams)


class Browser:
    """One test client for every user: a new client loads the middleware again, and WhiteNoise
    then indexes every static file, which would cost more than the requests themselves."""

    def __init__(self):
        self.client = Client()

    def get(self, matrix_user: MatrixUser, channel: str, url: str):
        """GET as the user: on the web with their session, on the API with their token only."""
        self.client.cookies.clear()
        if channel == "api":
            return self.client.get(url, headers={"authorization": f"Token {matrix_user.token}"})
        self.client.cookies[settings.SESSION_COOKIE_NAME] = matrix_user.session_key
        return self.client.get(url)


def child_record_endpoints() -> dict[str, str]:
    """Every URL pattern in the project that takes a child's UUID: view name -> parameter name."""
    found: dict[str, str] = {}

    def walk(patterns, namespace: str | None, inherited: dict):
        for pattern in patterns:
            converters = {**inherited, **getattr(pattern.pattern, "converters", {})}
            if isinstance(pattern, URLResolver):
                ns = pattern.namespace or namespace
                if namespace and pattern.namespace:
                    ns = f"{namespace}:{pattern.namespace}"
                walk(pattern.url_patterns, ns, converters)
            elif isinstance(pattern, URLPattern):
                uuids = [name for name, conv in converters.items() if isinstance(conv, UUIDConverter)]
                if uuids:
                    name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
                    found[name] = ",".join(uuids)

    walk(get_resolver().url_patterns, None, {})
    return found
