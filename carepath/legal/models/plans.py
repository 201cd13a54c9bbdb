"""Authorised plans (F04): a care plan, child protection plan or pre-proceedings plan changes only
by a new version that a recorded decision authorises. Versions are never edited."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from carepath.core.records import DatedRecord
from carepath.people.models import Child

User = settings.AUTH_USER_MODEL


class PlanKind(models.TextChoices):
    CARE_PLAN = "care_plan", "Care plan"
    CP_PLAN = "cp_plan", "Child protection plan"
    PRE_PROCEEDINGS_PLAN = "pre_proceedings_plan", "Pre-proceedings plan"


class DecisionKind(models.TextChoices):
    """The forums whose decision can authorise a plan."""

    PANEL = "panel", "Legal gateway panel"
    CLA_REVIEW = "cla_review", "Looked-after review"
    CONFERENCE = "conference", "Child protection conference"
    PRE_PROCEEDINGS_MEETING = "pp_meeting", "Pre-proceedings meeting"
    MANAGER = "manager", "A manager's decision"


class AuthorisedPlan(DatedRecord):
    activity_field = "authorised_on"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="authorised_plans")
    kind = models.CharField(max_length=30, choices=PlanKind.choices)
    number = models.PositiveIntegerField(help_text="Version 1, 2, 3 ... of this child's plan of this kind.")
    summary = models.TextField(help_text="What the plan is for: the outcome it aims at.")
    actions = models.JSONField(
        default=list, help_text="What must happen: a list of {what, who, by_when}, each required."
    )
    contingency = models.TextField(blank=True, help_text="The parallel or contingency plan.")
    decision_kind = models.CharField(max_length=20, choices=DecisionKind.choices)
    panel_decision = models.ForeignKey(
        "PanelDecision", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cla_review = models.ForeignKey(
        "journey.LookedAfterReview", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    conference = models.ForeignKey(
        "journey.ChildProtectionConference", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    pre_proceedings_meeting = models.ForeignKey(
        "PreProceedingsMeeting", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decision_summary = models.TextField(help_text="What the decision-maker decided, in their words.")
    authorised_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    authorised_on = models.DateField()
    change_summary = models.TextField(blank=True, help_text="What changed from the previous version.")

    class Meta:
        ordering = ["child", "kind", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["child", "kind", "number"], name="one_plan_version_number"),
            # A plan version names exactly the decision that authorised it.
            models.CheckConstraint(
                condition=(
                    Q(decision_kind="panel", panel_decision__isnull=False)
                    | Q(decision_kind="cla_review", cla_review__isnull=False)
                    | Q(decision_kind="conference", conference__isnull=False)
                    | Q(decision_kind="pp_meeting", pre_proceedings_meeting__isnull=False)
                    | Q(decision_kind="manager")
                ),
                name="plan_names_its_decision",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} v{self.number}"


class PlanChangeRefused(models.Model):
    """An attempt to change an authorised plan without a decision that may authorise it: refused,
    and kept so that managers can see who tried and what they wanted to change."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=PlanKind.choices)
    attempted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    attempted_at = models.DateTimeField(auto_now_add=True)
    why_refused = models.TextField()
    proposed = models.JSONField(default=dict)

    class Meta:
        ordering = ["-attempted_at", "-pk"]

    def __str__(self) -> str:
        return f"Refused change to {self.get_kind_display()}"
