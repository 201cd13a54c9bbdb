"""REST API for the timescales: a child's clocks, and the caller's own work queue.

The child's clocks are read through the same ChildRecordList base as the journey's records, so
the child is opened through child_for_reading (refused outside scope, logged on the API channel).
"""

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers

from carepath.core.permissions import Function
from carepath.journey.api import ChildRecordList

from . import selectors
from .models import Deadline


class DeadlineSerializer(serializers.ModelSerializer):
    rule = serializers.CharField(source="rule_id", help_text="The rule's id in the rules table.")
    rule_name = serializers.SerializerMethodField()
    child = serializers.UUIDField(source="child.public_id", help_text="The child's public identifier.")
    overdue = serializers.SerializerMethodField(help_text="Open and past its due date today.")
    assigned_to = serializers.SerializerMethodField(help_text="Who has it, where it was reassigned.")

    class Meta:
        model = Deadline
        fields = [
            "key",
            "child",
            "rule",
            "rule_name",
            "kind",
            "status",
            "started_on",
            "due_on",
            "due_at",
            "met_on",
            "overdue",
            "why",
            "reason_on_record",
            "has_reason",
            "assigned_to",
            "acknowledged_at",
            "escalation_level",
        ]

    def get_rule_name(self, deadline) -> str:
        names = self.context.setdefault("_rule_names", dict(selectors.rules_by_id().items()))
        rule = names.get(deadline.rule_id)
        return rule.name if rule else deadline.rule_id

    def get_overdue(self, deadline) -> bool:
        return (
            deadline.is_open
            and selectors.bucket_of(deadline, timezone.localdate()) == selectors.Bucket.OVERDUE
        )

    def get_assigned_to(self, deadline) -> str | None:
        return str(deadline.assigned_to) if deadline.assigned_to_id else None


class ChildDeadlines(ChildRecordList):
    """The child's timescale clocks: open ones, then those done late, missed or flagged."""

    what = "timescales"
    serializer_class = DeadlineSerializer

    def records(self, child):
        return selectors.child_clocks(self.request.user, child).select_related("child", "assigned_to")


class MyWork(generics.ListAPIView):
    """Your own open items due in the next week and overdue, as on the My work page."""

    required_function = Function.SEE_OWN_WORK
    serializer_class = DeadlineSerializer

    @extend_schema(responses={200: DeadlineSerializer(many=True)})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return Deadline.objects.none()
        return selectors.work_for(self.request.user)
