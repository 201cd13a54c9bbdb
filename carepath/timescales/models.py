"""The rules table, the authority's calendar, and what the engine found, with what people did
about it (reasons, acknowledgements, reassignments, escalations).

`Deadline` rows are derived: the engine rewrites a child's rows whenever the child's record
changes, and `carepath recompute` rewrites them all. Everything people record about a deadline
is kept in its own table against the deadline's stable key, so a recompute never loses it.
"""

from django.conf import settings
from django.db import models

from carepath.core.calendar import Counting, Unit
from carepath.people.models import Child

from .engine import Status
from .rulebook import SEVERITIES, Confidence, Kind, RuleSpec

User = settings.AUTH_USER_MODEL


def _choices(values, labels=None):
    return [(v, (labels or {}).get(v, v.replace("_", " "))) for v in values]


class Rule(models.Model):
    """One timescale rule, as data. Loaded from the shipped rules file; an authority may change
    the rules marked configurable, and every change is kept in RuleChange."""

    rule_id = models.CharField("rule", max_length=40, unique=True)
    name = models.CharField(max_length=200)
    group = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=_choices(Kind.ALL))
    start_event = models.CharField(max_length=60)
    start_occurrence = models.PositiveSmallIntegerField(default=1)
    end_event = models.CharField(max_length=60, blank=True)
    recurring = models.BooleanField(default=False)
    limit = models.PositiveIntegerField(default=0)
    unit = models.CharField(max_length=20, choices=_choices(Unit.ALL))
    counting = models.CharField(max_length=20, choices=_choices(Counting.ALL), default=Counting.AFTER)
    public_holiday_extends = models.BooleanField(default=False)
    applies_to = models.JSONField(default=dict, blank=True)
    limit_from = models.CharField(max_length=60, blank=True)
    supersedes = models.JSONField(default=list, blank=True)
    warn_days = models.JSONField(default=list, blank=True)
    escalate_after_days = models.JSONField(default=list, blank=True)
    threshold = models.PositiveIntegerField(default=0)
    late_reason_required = models.BooleanField(default=False)
    severity = models.CharField(max_length=10, choices=_choices(SEVERITIES))
    source = models.TextField()
    confidence = models.CharField(max_length=1, choices=list(Confidence.LABELS.items()))
    configurable = models.BooleanField(default=False)
    enabled = models.BooleanField(default=True)
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField(auto_now=True)

    SPEC_FIELDS = [
        "name",
        "group",
        "kind",
        "start_event",
        "start_occurrence",
        "end_event",
        "recurring",
        "limit",
        "unit",
        "counting",
        "public_holiday_extends",
        "applies_to",
        "limit_from",
        "supersedes",
        "warn_days",
        "escalate_after_days",
        "threshold",
        "late_reason_required",
        "severity",
        "source",
        "confidence",
        "configurable",
        "enabled",
        "notes",
    ]

    class Meta:
        ordering = ["group", "rule_id"]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.name}"

    def to_spec(self) -> RuleSpec:
        return RuleSpec(id=self.rule_id, **{name: getattr(self, name) for name in self.SPEC_FIELDS})


class RuleChange(models.Model):
    """Who changed a rule, when, from what to what, and why (or which file it came from)."""

    rule = models.ForeignKey(Rule, on_delete=models.CASCADE, related_name="changes")
    field = models.CharField(max_length=40)
    old_value = models.JSONField(null=True)
    new_value = models.JSONField(null=True)
    changed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    reason = models.TextField(blank=True)
    origin = models.CharField(max_length=200, help_text="The rules page, or the file loaded.")

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.rule_id}: {self.field}"


class ClosureDay(models.Model):
    """A day the authority's offices are closed, on top of the bank holidays (e.g. the days
    between Christmas and New Year): not a working day for any timescale."""

    day = models.DateField(unique=True)
    reason = models.CharField(max_length=200)
    added_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["day"]

    def __str__(self) -> str:
        return f"{self.day}: {self.reason}"


class CalendarChange(models.Model):
    class Action(models.TextChoices):
        ADDED = "added", "Added"
        REMOVED = "removed", "Removed"

    day = models.DateField()
    action = models.CharField(max_length=10, choices=Action.choices)
    reason = models.CharField(max_length=200)
    changed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    changed_at = models.DateTimeField(auto_now_add=True)
    origin = models.CharField(max_length=200)

    class Meta:
        ordering = ["-changed_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.day}: {self.action}"


class Deadline(models.Model):
    """A clock the engine found that someone needs to see: open, done late, missed, or a drift
    flag. Derived; rewritten on every refresh."""

    key = models.CharField(max_length=160, unique=True)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="deadlines")
    rule_id = models.CharField(max_length=40)
    kind = models.CharField(max_length=10)
    context_type = models.CharField(max_length=30)
    context_id = models.BigIntegerField()
    started_on = models.DateField()
    started_at = models.DateTimeField(null=True, blank=True)
    due_on = models.DateField()
    due_at = models.DateTimeField(null=True, blank=True, help_text="For an hours rule.")
    met_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(
        null=True, blank=True, help_text="When the record the clock ran in ended (a plan, a period of care)."
    )
    status = models.CharField(max_length=20, choices=_choices(Status.STORED, Status.LABELS))
    why = models.TextField()
    reason_on_record = models.TextField(blank=True)
    # Copied from the tables below on every refresh, so that queues need no joins.
    assigned_to = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.SET_NULL, related_name="reassigned_deadlines"
    )
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    escalation_level = models.PositiveSmallIntegerField(default=0)
    has_reason = models.BooleanField(default=False)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["child", "status"]),
            models.Index(fields=["status", "due_on"]),
            models.Index(fields=["assigned_to", "status"]),
            models.Index(fields=["rule_id", "status"]),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def is_open(self) -> bool:
        return self.status in Status.ACTIVE


class _AboutADeadline(models.Model):
    deadline_key = models.CharField(max_length=160, db_index=True)
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    rule_id = models.CharField(max_length=40)
    due_on = models.DateField(help_text="The due date when this was recorded.")

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{type(self).__name__} {self.deadline_key}"


class LateReason(_AboutADeadline):
    """Why a deadline was missed, recorded by the person responsible (Working Together requires it
    for assessments past 45 working days)."""

    reason = models.TextField()
    recorded_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-recorded_at", "-pk"]


class Acknowledgement(_AboutADeadline):
    """A manager saw the overdue item and said why it stands: who, what, when."""

    reason = models.TextField()
    acknowledged_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    acknowledged_at = models.DateTimeField(auto_now_add=True)
    batch = models.UUIDField(help_text="Items acknowledged together share a batch.")

    class Meta:
        ordering = ["-acknowledged_at", "-pk"]


class Reassignment(_AboutADeadline):
    assigned_to = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-assigned_at", "-pk"]


class Escalation(_AboutADeadline):
    class Level(models.IntegerChoices):
        TEAM_MANAGER = 1, "Team manager"
        HEAD_OF_SERVICE = 2, "Head of service"

    level = models.PositiveSmallIntegerField(choices=Level.choices)
    escalated_to = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="escalations")
    escalated_at = models.DateTimeField(auto_now_add=True)
    days_overdue = models.PositiveIntegerField()
    responsible = models.ForeignKey(User, null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-escalated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["deadline_key", "level"], name="one_escalation_per_level")
        ]
