"""How practice assurance is written out by the API. Read-only.

Two rules decide what a record shows, and they live here so that every endpoint applies them:

- Blind moderation: the first auditor's grades, findings and actions are left out (null) for an
  audit the caller is moderating and has not completed, and a moderation not yet completed never
  shows the audit's grades to anyone. The views put the ids of the audits the caller grades blind in
  the serializer context as `blind_audit_ids`.
- A supervision session's notes are the supervisee's own file: written out only to the supervisor,
  the supervisee and those who manage the supervisor, as on the pages
  (selectors.supervision.may_read_notes). The children discussed are named (by public identifier) only where the caller
  may open their record: the views put those ids in the context as `visible_child_ids`.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from carepath.journey.serializers import RecordSerializer, StaffName

from . import models as am

# ---------------------------------------------------------------------------------------------
# Actions and where they stand
# ---------------------------------------------------------------------------------------------


class StandingSerializer(serializers.Serializer):
    """Where an action stands, from the timescales engine's clock for it."""

    status = serializers.ChoiceField(
        choices=[
            ("open", "Open, not yet due"),
            ("overdue", "Open and past its due date"),
            ("done", "Done in time"),
            ("done_late", "Done after its due date"),
            ("missed", "Never done"),
        ],
        source="code",
        help_text="Where the action stands, from the engine's clock for it.",
    )
    label = serializers.CharField(help_text="The same in words.")


class _ActionSerializer(RecordSerializer):
    owner = StaffName()
    done_by = StaffName()
    standing = serializers.SerializerMethodField()

    @extend_schema_field(StandingSerializer)
    def get_standing(self, action) -> dict:
        standing = getattr(action, "standing", None)
        return StandingSerializer(standing).data if standing is not None else None


class DirectionActionSerializer(_ActionSerializer):
    class Meta:
        model = am.DirectionAction
        fields = ["id", "action", "owner", "set_on", "due_on", "done_on", "done_by", "done_note", "standing"]


class AuditActionSerializer(_ActionSerializer):
    domain = serializers.CharField(source="domain.title", allow_null=True, default=None, read_only=True)

    class Meta:
        model = am.AuditAction
        fields = [
            "id",
            "domain",
            "action",
            "owner",
            "set_on",
            "due_on",
            "done_on",
            "done_by",
            "done_note",
            "standing",
        ]


# ---------------------------------------------------------------------------------------------
# Case directions and management oversight
# ---------------------------------------------------------------------------------------------


class CaseDirectionSerializer(RecordSerializer):
    """A case direction: given in supervision, or management oversight at a key point. Never the
    session's notes: those are the supervisee's, not the child's."""

    directed_by = StaffName()
    in_supervision = serializers.SerializerMethodField(
        help_text="True when given in a supervision session; false for management oversight."
    )
    actions = DirectionActionSerializer(many=True, read_only=True)

    class Meta:
        model = am.CaseDirection
        fields = [
            "id",
            "directed_on",
            "key_point",
            "decided",
            "why",
            "directed_by",
            "in_supervision",
            "actions",
        ]

    def get_in_supervision(self, direction) -> bool:
        return direction.session_id is not None


# ---------------------------------------------------------------------------------------------
# Audits and moderation
# ---------------------------------------------------------------------------------------------


class GradeSerializer(serializers.Serializer):
    domain = serializers.CharField(source="domain.title")
    grade = serializers.CharField(help_text="The grade's code on the tool's scale.")
    grade_label = serializers.CharField(help_text="The grade in words.")
    evidence = serializers.CharField(help_text="What supports the grade (for a moderation, its comment).")


def _grades(tool: am.AuditTool, rows, text_field: str) -> list[dict]:
    return [
        {
            "domain": row.domain,
            "grade": row.grade,
            "grade_label": tool.grade_label(row.grade),
            "evidence": getattr(row, text_field),
        }
        for row in rows
    ]


def _blind(serializer, audit: am.CaseAudit) -> bool:
    return audit.pk in serializer.context.get("blind_audit_ids", ())


class ModerationSummarySerializer(serializers.Serializer):
    """The moderation of an audit as the audit shows it: who, and once done, their grade."""

    moderator = serializers.CharField()
    status = serializers.CharField()
    due_on = serializers.DateField()
    completed_on = serializers.DateField(allow_null=True)
    overall_grade = serializers.CharField(
        allow_null=True, help_text="Null until the moderation is completed."
    )
    overall_grade_label = serializers.CharField(allow_null=True)


def _moderation_summary(audit: am.CaseAudit) -> dict | None:
    moderation = getattr(audit, "moderation", None)
    if moderation is None:
        return None
    done = moderation.status == am.Moderation.Status.COMPLETED
    return {
        "moderator": str(moderation.moderator),
        "status": moderation.status,
        "due_on": moderation.due_on,
        "completed_on": moderation.completed_on,
        "overall_grade": moderation.overall_grade if done else None,
        "overall_grade_label": audit.tool.grade_label(moderation.overall_grade) if done else None,
    }


class CaseAuditSerializer(RecordSerializer):
    """A case audit. Its findings (grades, summary, the views gathered, actions) are shown once it
    is completed, and never to someone moderating it who has not completed their moderation: for
    them `findings_hidden` is true and the findings are null."""

    child = serializers.UUIDField(
        source="child.public_id", read_only=True, help_text="The child's public identifier."
    )
    programme = serializers.CharField(source="programme.name", allow_null=True, default=None, read_only=True)
    tool = serializers.CharField(source="tool.__str__", read_only=True, help_text="The tool and its version.")
    auditor = StaffName()
    practitioner = StaffName()
    manager = StaffName()
    findings_hidden = serializers.SerializerMethodField(
        help_text="True when you are moderating this audit blind: its findings are withheld until you finish."
    )
    overall_grade = serializers.SerializerMethodField()
    overall_grade_label = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    childs_views = serializers.SerializerMethodField()
    family_views = serializers.SerializerMethodField()
    grades = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    moderation = serializers.SerializerMethodField()

    class Meta:
        model = am.CaseAudit
        fields = [
            "id",
            "child",
            "programme",
            "tool",
            "auditor",
            "status",
            "assigned_on",
            "due_on",
            "completed_on",
            "practitioner",
            "manager",
            "conversation_on",
            "practitioner_took_part",
            "manager_took_part",
            "findings_hidden",
            "overall_grade",
            "overall_grade_label",
            "summary",
            "childs_views",
            "family_views",
            "grades",
            "actions",
            "moderation",
        ]

    def _shown(self, audit) -> bool:
        return audit.status == am.CaseAudit.Status.COMPLETED and not _blind(self, audit)

    def get_findings_hidden(self, audit) -> bool:
        return _blind(self, audit)

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_overall_grade(self, audit):
        return audit.overall_grade if self._shown(audit) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_overall_grade_label(self, audit):
        return audit.tool.grade_label(audit.overall_grade) if self._shown(audit) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_summary(self, audit):
        return audit.summary if self._shown(audit) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_childs_views(self, audit):
        return audit.childs_views if self._shown(audit) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_family_views(self, audit):
        return audit.family_views if self._shown(audit) else None

    @extend_schema_field(GradeSerializer(many=True, allow_null=True))
    def get_grades(self, audit):
        if not self._shown(audit):
            return None
        return GradeSerializer(_grades(audit.tool, audit.grades.all(), "evidence"), many=True).data

    @extend_schema_field(AuditActionSerializer(many=True, allow_null=True))
    def get_actions(self, audit):
        if not self._shown(audit):
            return None
        return AuditActionSerializer(audit.actions.all(), many=True, context=self.context).data

    @extend_schema_field(ModerationSummarySerializer(allow_null=True))
    def get_moderation(self, audit):
        summary = _moderation_summary(audit)
        return ModerationSummarySerializer(summary).data if summary is not None else None


class ModerationSerializer(RecordSerializer):
    """A moderation: a second auditor grading the same audit blind. Until it is completed neither
    the audit's grades nor the moderator's are shown (null); once completed, both, side by side."""

    audit = serializers.IntegerField(source="audit_id", read_only=True)
    child = serializers.UUIDField(source="audit.child.public_id", read_only=True)
    auditor = serializers.CharField(source="audit.auditor.__str__", read_only=True)
    audit_completed_on = serializers.DateField(source="audit.completed_on", read_only=True, allow_null=True)
    moderator = StaffName()
    assigned_by = StaffName()
    overall_grade = serializers.SerializerMethodField()
    overall_grade_label = serializers.SerializerMethodField()
    summary = serializers.SerializerMethodField()
    grades = serializers.SerializerMethodField()
    audit_overall_grade = serializers.SerializerMethodField()
    audit_grades = serializers.SerializerMethodField()

    class Meta:
        model = am.Moderation
        fields = [
            "id",
            "audit",
            "child",
            "auditor",
            "audit_completed_on",
            "moderator",
            "assigned_by",
            "assigned_on",
            "due_on",
            "status",
            "completed_on",
            "overall_grade",
            "overall_grade_label",
            "summary",
            "grades",
            "audit_overall_grade",
            "audit_grades",
        ]

    @staticmethod
    def _done(moderation) -> bool:
        return moderation.status == am.Moderation.Status.COMPLETED

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_overall_grade(self, moderation):
        return moderation.overall_grade if self._done(moderation) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_overall_grade_label(self, moderation):
        return moderation.audit.tool.grade_label(moderation.overall_grade) if self._done(moderation) else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_summary(self, moderation):
        return moderation.summary if self._done(moderation) else None

    @extend_schema_field(GradeSerializer(many=True, allow_null=True))
    def get_grades(self, moderation):
        if not self._done(moderation):
            return None
        return GradeSerializer(
            _grades(moderation.audit.tool, moderation.grades.all(), "comment"), many=True
        ).data

    @extend_schema_field(
        serializers.CharField(allow_null=True, help_text="Null until the moderation is completed.")
    )
    def get_audit_overall_grade(self, moderation):
        return moderation.audit.overall_grade if self._done(moderation) else None

    @extend_schema_field(GradeSerializer(many=True, allow_null=True))
    def get_audit_grades(self, moderation):
        if not self._done(moderation):
            return None
        audit = moderation.audit
        return GradeSerializer(_grades(audit.tool, audit.grades.all(), "evidence"), many=True).data


# ---------------------------------------------------------------------------------------------
# Supervision sessions
# ---------------------------------------------------------------------------------------------


class SupervisionSessionSerializer(RecordSerializer):
    """A supervision session. `notes` is null unless you are the supervisor, the supervisee or a
    manager above the supervisor."""

    supervisor = StaffName()
    supervisee = StaffName()
    notes = serializers.SerializerMethodField()
    children_discussed = serializers.SerializerMethodField(
        help_text="The public identifiers of the children discussed whose records you may open."
    )

    class Meta:
        model = am.SupervisionSession
        fields = [
            "id",
            "supervisor",
            "supervisee",
            "held_on",
            "duration_minutes",
            "kind",
            "uninterrupted",
            "notes",
            "children_discussed",
        ]

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_notes(self, session):
        from .selectors.supervision import may_read_notes

        return session.notes if may_read_notes(self.context["request"].user, session) else None

    @extend_schema_field(serializers.ListField(child=serializers.UUIDField()))
    def get_children_discussed(self, session) -> list:
        visible = self.context.get("visible_child_ids", set())
        return [
            str(direction.child.public_id)
            for direction in session.directions.all()
            if direction.child_id in visible
        ]
