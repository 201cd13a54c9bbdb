"""REST API for practice assurance: a child's audits and case directions, and the audits,
moderations and supervision sessions the caller may see, with the same scoping and access logging
as the pages.

- children/<id>/audits/ and children/<id>/case-directions/ read the child through the journey's
  ChildRecordList (child_for_reading: refused outside scope, one logged read on the API channel).
- audits/ and moderations/ are about children: they list only records of children the caller may
  open (a QA auditor's scope is the sample assigned to them), and log a read of each child on the
  page returned, as a page showing those children would.
- supervision-sessions/ is about the supervisee, not a child: it names the children discussed only
  by public identifier (and only those the caller may open), as the list of children does, so it
  logs no read; each child's directions are read, and logged, at children/<id>/case-directions/.

Blind moderation and private supervision notes are applied by the serializers (serializers.py).
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response

from carepath.core.models import Channel
from carepath.core.permissions import Function
from carepath.core.reads import log_read, visible_child_ids
from carepath.journey.api import CHILD_ID, NOT_FOUND, REFUSED, ChildRecordList
from carepath.people.models import User
from carepath.people.selectors import child_access_decision, children_visible_to

from . import serializers as s
from .models import AuditAction, CaseAudit, CaseDirection, Moderation, SupervisionSession
from .selectors.audits import audits_visible_to
from .selectors.supervision import workers_for_assurance
from .views.child import completed_audits_of, directions_of, moderating_blind, with_standing


class _PreparedList(generics.ListAPIView):
    """A list whose page of records is prepared before it is written out: the engine's clocks put
    on its actions, the blind-moderation ids worked out, and the read of each child logged."""

    def prepare(self, rows: list) -> dict:
        """Do what the page of `rows` needs; return what the serializer needs in its context."""
        return {}

    def get_serializer_context(self):
        return {**super().get_serializer_context(), **getattr(self, "_prepared", {})}

    def list(self, request, *args, **kwargs):
        queryset = self.filter_queryset(self.get_queryset())
        page = self.paginate_queryset(queryset)
        rows = list(page) if page is not None else list(queryset)
        self._prepared = self.prepare(rows)
        data = self.get_serializer(rows, many=True).data
        return self.get_paginated_response(data) if page is not None else Response(data)


def _audit_actions(audits: list[CaseAudit]) -> list[AuditAction]:
    return [action for audit in audits for action in audit.actions.all()]


def _log_each_child(user: User, children, what: str) -> None:
    """Log a read of each child a list returned, once, on the API channel."""
    seen = set()
    for child in children:
        if child.pk in seen:
            continue
        seen.add(child.pk)
        decision = child_access_decision(user, child)
        if decision.allowed:
            log_read(user, child, decision, what, Channel.API)


def _one_of(user: User, *functions: str) -> str:
    """The first of `functions` the user's role has (the permission check then passes), or the
    last one (and it is refused)."""
    return next((function for function in functions if user.can(function)), functions[-1])


STATUS = OpenApiParameter(
    "status", OpenApiTypes.STR, enum=CaseAudit.Status.values, description="Only audits with this status."
)


def _with_status(rows: QuerySet, request, values: list[str]) -> QuerySet:
    wanted = request.query_params.get("status")
    if wanted is None:
        return rows
    if wanted not in values:
        raise serializers.ValidationError({"status": [f"Choose one of: {', '.join(values)}."]})
    return rows.filter(status=wanted)


# ---------------------------------------------------------------------------------------------
# One child
# ---------------------------------------------------------------------------------------------


class ChildAudits(_PreparedList, ChildRecordList):
    """The child's completed case audits, newest first: grades by domain, actions with where each
    stands, and moderation. An audit you are moderating and have not completed is listed without
    its findings (`findings_hidden`), so that you grade it blind."""

    what = "audits"
    serializer_class = s.CaseAuditSerializer

    @extend_schema(
        parameters=[CHILD_ID], responses={200: s.CaseAuditSerializer(many=True), 403: REFUSED, 404: NOT_FOUND}
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def records(self, child):
        return completed_audits_of(child)

    def prepare(self, rows):
        with_standing("audit_action", _audit_actions(rows), [self.child().pk])
        return {"blind_audit_ids": moderating_blind(self.request.user, [a.pk for a in rows])}


class ChildCaseDirections(_PreparedList, ChildRecordList):
    """Case directions from supervision and management oversight at key points, newest first, each
    with its actions (owner, due date, and where it stands on the engine's clock). The supervision
    session's own notes are never part of the child's record."""

    what = "case directions"
    serializer_class = s.CaseDirectionSerializer

    @extend_schema(
        parameters=[CHILD_ID],
        responses={200: s.CaseDirectionSerializer(many=True), 403: REFUSED, 404: NOT_FOUND},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def records(self, child):
        return directions_of(child)

    def prepare(self, rows):
        actions = [action for direction in rows for action in direction.actions.all()]
        with_standing("direction_action", actions, [self.child().pk])
        return {}


# ---------------------------------------------------------------------------------------------
# Across children
# ---------------------------------------------------------------------------------------------


def _audits_with_findings(rows: QuerySet[CaseAudit]) -> QuerySet[CaseAudit]:
    return rows.select_related(
        "child", "tool", "auditor", "practitioner", "manager", "programme", "moderation__moderator"
    ).prefetch_related(
        "grades__domain",
        Prefetch(
            "actions",
            AuditAction.objects.select_related("owner", "done_by", "domain").order_by("due_on", "pk"),
        ),
    )


class AuditList(_PreparedList):
    """Case audits you may see (as on the audit pages): those assigned to you or escalated to you,
    and, for those who read assurance reports or manage the audit programme, every audit of a child
    whose record you may open. Never a child outside your scope: a QA auditor sees only their own
    sample. An audit you are moderating is not listed until your moderation is completed. Each
    child on the page returned is logged as read."""

    serializer_class = s.CaseAuditSerializer

    @property
    def required_function(self):
        return _one_of(
            self.request.user,
            Function.VIEW_ASSURANCE,
            Function.MANAGE_AUDITS,
            Function.CONDUCT_AUDITS,
            Function.RESPOND_TO_AUDITS,
        )

    @extend_schema(parameters=[STATUS], responses={200: s.CaseAuditSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CaseAudit.objects.none()
        user = self.request.user
        # The audit pages' rule, and never a child whose record the caller may not open now (an
        # auditor's grant to a child lapses a while after the audit; their old audits go with it).
        audits = audits_visible_to(user).filter(child__in=children_visible_to(user))
        audits = _with_status(audits, self.request, CaseAudit.Status.values)
        return _audits_with_findings(audits).order_by("due_on", "pk")

    def prepare(self, rows):
        user = self.request.user
        _log_each_child(user, (audit.child for audit in rows), "API: audits")
        with_standing("audit_action", _audit_actions(rows), {a.child_id for a in rows})
        return {"blind_audit_ids": moderating_blind(user, [a.pk for a in rows])}


class ModerationList(_PreparedList):
    """Moderations assigned to you; for those who manage the audit programme, every moderation of
    a child whose record they may open. A moderation not yet completed shows neither the audit's
    grades nor the moderator's. Each child on the page returned is logged as read."""

    serializer_class = s.ModerationSerializer

    @property
    def required_function(self):
        return _one_of(self.request.user, Function.MANAGE_AUDITS, Function.CONDUCT_AUDITS)

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=Moderation.Status.values,
                description="Only moderations with this status.",
            )
        ],
        responses={200: s.ModerationSerializer(many=True)},
    )
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Moderation.objects.none()
        user = self.request.user
        moderations = Moderation.objects.filter(audit__child__in=children_visible_to(user))
        if not user.can(Function.MANAGE_AUDITS):
            moderations = moderations.filter(moderator=user)
        moderations = _with_status(moderations, self.request, Moderation.Status.values)
        return (
            moderations.select_related(
                "audit__child", "audit__tool", "audit__auditor", "moderator", "assigned_by"
            )
            .prefetch_related("grades__domain", "audit__grades__domain")
            .order_by("due_on", "pk")
        )

    def prepare(self, rows):
        _log_each_child(self.request.user, (m.audit.child for m in rows), "API: moderations")
        return {}


class SupervisionSessionList(_PreparedList):
    """Supervision sessions you took part in (as supervisor or supervisee), and, for those who read
    assurance reports, the sessions of the people in the teams and services they manage or whose
    supervision their scope covers.
    `notes` is shown only to the two people in the session and the managers above the supervisor.
    The children discussed are listed by
    public identifier, and only those whose record you may open; each child's case directions are
    at children/<id>/case-directions/."""

    serializer_class = s.SupervisionSessionSerializer

    @property
    def required_function(self):
        return _one_of(
            self.request.user, Function.VIEW_ASSURANCE, Function.RECORD_SUPERVISION, Function.SEE_OWN_WORK
        )

    @extend_schema(responses={200: s.SupervisionSessionSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return SupervisionSession.objects.none()
        user = self.request.user
        mine = Q(supervisor=user) | Q(supervisee=user)
        if user.can(Function.VIEW_ASSURANCE):
            # The line (the team they manage, the service they head), and the workers whose
            # supervision their scope lets them report on, as the supervision pages do.
            mine |= (
                Q(supervisee__team__manager=user)
                | Q(supervisee__team__service__head=user)
                | Q(supervisee__team__isnull=True, supervisee__service__head=user)
                | Q(supervisee__in=workers_for_assurance(user))
            )
        return (
            SupervisionSession.objects.filter(mine)
            .select_related("supervisor", "supervisee")
            .prefetch_related(
                Prefetch(
                    "directions",
                    CaseDirection.objects.select_related("child").only(
                        "id", "session_id", "child__id", "child__public_id"
                    ),
                )
            )
            .distinct()
            .order_by("-held_on", "-pk")
        )

    def prepare(self, rows):
        discussed = {direction.child_id for session in rows for direction in session.directions.all()}
        return {"visible_child_ids": visible_child_ids(self.request.user, discussed)}
