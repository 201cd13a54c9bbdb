"""The legal gateway panel (F01, F02, F03, F05, F26): requests, meetings, decisions, actions."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from carepath.core import codes
from carepath.core.records import DatedRecord
from carepath.people.models import Child, Family, Team

User = settings.AUTH_USER_MODEL


class LegalCase(models.Model):
    """A child or sibling group on the legal pathway together (SSD plo_family_id): the file the
    panel, the local authority solicitor and the court work from."""

    reference = models.CharField(max_length=20, unique=True, help_text="e.g. LC-000123")
    family = models.ForeignKey(Family, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    children = models.ManyToManyField(Child, through="LegalCaseChild", related_name="legal_cases")
    solicitor = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="legal_cases",
        help_text="The local authority solicitor with conduct of the case.",
    )
    legal_team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_on", "-pk"]

    def __str__(self) -> str:
        return self.reference


class LegalCaseChild(models.Model):
    legal_case = models.ForeignKey(LegalCase, on_delete=models.CASCADE, related_name="members")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="legal_memberships")
    added_on = models.DateField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["legal_case", "child"], name="one_membership_per_child")
        ]

    def __str__(self) -> str:
        return f"{self.legal_case_id}:{self.child_id}"


class GatewayRequest(DatedRecord):
    """A manager's direction, or a request for legal consultation, that puts a child or sibling
    group on the panel's list. The clock to the panel's decision starts on `requested_on` (F02)."""

    activity_field = "requested_on"

    class Route(models.TextChoices):
        MANAGER_DIRECTION = "direction", "A manager's direction"
        LEGAL_CONSULTATION = "consultation", "A request for legal consultation"

    class Urgency(models.TextChoices):
        ROUTINE = "routine", "Routine: the next panel"
        URGENT = "urgent", "Urgent: an extraordinary panel"

    legal_case = models.ForeignKey(LegalCase, on_delete=models.PROTECT, related_name="requests")
    route = models.CharField(max_length=20, choices=Route.choices)
    urgency = models.CharField(max_length=10, choices=Urgency.choices, default=Urgency.ROUTINE)
    requested_on = models.DateField(help_text="The day of the direction or request: the clock starts here.")
    requested_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    concerns = models.TextField(help_text="What the local authority is worried about, and why now.")
    history = models.TextField(help_text="The history of involvement with the family.")
    tried = models.TextField(help_text="What has been tried, and with what effect.")
    question = models.TextField(blank=True, help_text="What the panel is asked to decide.")
    listed_for = models.ForeignKey(
        "PanelMeeting", null=True, blank=True, on_delete=models.SET_NULL, related_name="agenda"
    )
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["requested_on", "pk"]

    def __str__(self) -> str:
        return f"Request {self.pk} ({self.legal_case})"


class PanelMeeting(models.Model):
    """A sitting of the legal gateway panel."""

    held_on = models.DateField()
    chair = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    attendees = models.ManyToManyField(User, blank=True, related_name="panel_meetings")
    other_attendees = models.TextField(blank=True, help_text="People attending who are not carepath users.")
    minutes = models.TextField(blank=True)
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self) -> str:
        return f"Panel {self.held_on:%d %b %Y}"


class PanelDecision(DatedRecord):
    """The panel's decision for one child, from a fixed set aligned with the SSD legal gateway
    outcome, with the rationale and any dissent. A decision is never edited: a later panel makes
    a new one."""

    activity_field = "decided_on"

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.PROTECT, related_name="decisions")
    request = models.ForeignKey(GatewayRequest, on_delete=models.PROTECT, related_name="decisions")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="panel_decisions")
    decided_on = models.DateField()
    outcome = models.CharField(max_length=4, choices=codes.LegalGatewayOutcome.choices)
    rationale = models.TextField()
    dissent = models.TextField(blank=True, help_text="Any member's disagreement, in their words.")

    class Meta:
        ordering = ["-decided_on", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["request", "child"], name="one_decision_per_child_per_request")
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()} ({self.decided_on})"


class PanelAction(DatedRecord):
    """Something the panel decided must be done, by whom and by when (F03). Its clock is on the
    lead child's record (the first child of the request) and in its owner's work queue; overdue
    actions escalate through the timescales engine."""

    activity_field = "set_on"

    meeting = models.ForeignKey(PanelMeeting, on_delete=models.PROTECT, related_name="actions")
    request = models.ForeignKey(GatewayRequest, on_delete=models.PROTECT, related_name="actions")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="panel_actions")
    action = models.TextField()
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="panel_actions")
    set_on = models.DateField()
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    done_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [models.Index(fields=["done_on", "due_on"])]
        constraints = [
            models.CheckConstraint(condition=Q(due_on__gte=models.F("set_on")), name="action_due_after_set")
        ]

    def __str__(self) -> str:
        return self.action[:60]
