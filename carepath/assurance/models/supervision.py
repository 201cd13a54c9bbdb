"""Supervision (F16) and management oversight.

A session is between a supervisor and a supervisee; the children discussed each get a case
direction on their own record (what was decided, why, and actions each with an owner and a due
date). Management oversight at a key point (allocation, assessment sign-off, ...) is a case
direction without a session. How often supervision is due comes from the rules table (SUPV,
SUPV-NQ-*), and gaps are found from these records alone.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from carepath.core.records import DatedRecord
from carepath.people.models import Child

User = settings.AUTH_USER_MODEL


class SupervisionSession(DatedRecord):
    class Kind(models.TextChoices):
        CASE = "case", "Case supervision"
        REFLECTIVE = "reflective", "Reflective supervision"
        NEWLY_QUALIFIED = "newly_qualified", "Newly qualified (ASYE) supervision"

    activity_field = "held_on"

    supervisor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="supervisions_given")
    supervisee = models.ForeignKey(User, on_delete=models.PROTECT, related_name="supervisions_received")
    held_on = models.DateField()
    duration_minutes = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # LGA Standard 5 asks for an uninterrupted 1.5 hours; the record says whether it was.
    uninterrupted = models.BooleanField(default=True)
    # The supervisee's own file: wellbeing, learning, workload. Not about any one child, and seen
    # only by the two of them and those who manage the supervisor.
    notes = models.TextField(blank=True)
    children = models.ManyToManyField(Child, through="CaseDirection", related_name="+")

    class Meta:
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["supervisee", "held_on"]),
            models.Index(fields=["supervisor", "held_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(supervisor=models.F("supervisee")), name="supervisor_is_not_supervisee"
            ),
            models.CheckConstraint(condition=Q(duration_minutes__gt=0), name="session_has_a_duration"),
        ]

    def __str__(self) -> str:
        return f"Supervision on {self.held_on}"


class CaseDirection(DatedRecord):
    """A decision about the child's case, recorded on the child's record: in supervision, or as
    management oversight at a key point (rules.md 7.4)."""

    class KeyPoint(models.TextChoices):
        SUPERVISION = "supervision", "Case supervision"
        ALLOCATION = "allocation", "Allocation"
        ASSESSMENT_SIGN_OFF = "assessment_sign_off", "Assessment sign-off"
        STRATEGY_DECISION = "strategy_decision", "Strategy discussion decision"
        LEGAL_PLANNING = "legal_planning", "Legal planning"
        PLACEMENT_MOVE = "placement_move", "Placement move"
        CLOSURE = "closure", "Closure"
        OTHER = "other", "Other management oversight"

    activity_field = "directed_on"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="case_directions")
    session = models.ForeignKey(
        SupervisionSession, null=True, blank=True, on_delete=models.PROTECT, related_name="directions"
    )
    key_point = models.CharField(max_length=30, choices=KeyPoint.choices)
    decided = models.TextField("what was decided")
    why = models.TextField("why")
    directed_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="case_directions_given")
    directed_on = models.DateField()

    class Meta:
        ordering = ["-directed_on", "-pk"]
        indexes = [models.Index(fields=["child", "directed_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "child"],
                condition=Q(session__isnull=False),
                name="one_direction_per_child_per_session",
            ),
            # Supervision directions come from a session; oversight at a key point stands alone.
            models.CheckConstraint(
                condition=Q(key_point="supervision", session__isnull=False)
                | (~Q(key_point="supervision") & Q(session__isnull=True)),
                name="supervision_direction_has_session",
            ),
        ]

    def __str__(self) -> str:
        return f"Case direction on {self.directed_on}"


class DirectionAction(DatedRecord):
    """An action from a case direction. It cannot exist without an owner and a due date; its
    clock (DIRECTION-ACTION) is on the child's record and in the owner's work queue."""

    activity_field = "set_on"

    direction = models.ForeignKey(CaseDirection, on_delete=models.CASCADE, related_name="actions")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="direction_actions")
    action = models.TextField()
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="direction_actions")
    set_on = models.DateField()
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    done_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("set_on")), name="direction_action_due_after_set"
            )
        ]

    def __str__(self) -> str:
        return self.action[:60]


class SupervisionEscalation(models.Model):
    """A supervision gap past a point in the rule's `escalate_after_days`, sent up the line:
    level 1 to the head of the supervisee's service, level 2 to the director. One per gap and
    level, so the nightly run never sends the same escalation twice."""

    class Level(models.IntegerChoices):
        HEAD_OF_SERVICE = 1, "Head of service"
        DIRECTOR = 2, "Director"

    clock_key = models.CharField(max_length=160)
    supervisee = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    supervisor = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")
    rule_id = models.CharField(max_length=40)
    due_on = models.DateField()
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    escalated_to = models.ForeignKey(
        User, null=True, on_delete=models.PROTECT, related_name="supervision_escalations"
    )
    escalated_at = models.DateTimeField(auto_now_add=True)
    days_overdue = models.PositiveIntegerField()

    class Meta:
        ordering = ["-escalated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["clock_key", "level"], name="one_supervision_escalation_per_level"
            )
        ]

    def __str__(self) -> str:
        return f"{self.clock_key} level {self.level}"
