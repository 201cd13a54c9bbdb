"""PLO pre-proceedings (F11, F14, F26), in the shape of the CIN census 2026-27
PreProceedingsandFGDM block and the SSD ssd_pre_proceedings table."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from carepath.core import codes
from carepath.core.records import DatedRecord

User = settings.AUTH_USER_MODEL


class PreProceedings(DatedRecord):
    activity_field = "started_on"

    legal_case = models.ForeignKey("LegalCase", on_delete=models.PROTECT, related_name="pre_proceedings")
    decision = models.ForeignKey(
        "PanelDecision",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The panel decision that started it, where it was the panel.",
    )
    started_on = models.DateField(help_text="PPStartDate: the day of the decision to start.")
    # Family group decision-making (Children Act 1989 s31ZA; rules.md 3.21).
    fgdm_offered_on = models.DateField(null=True, blank=True, help_text="FGDMMeetingOffer (in the letter)")
    fgdm_not_offered_reason = models.TextField(
        blank=True, help_text="Why a meeting would not be in the child's best interests (s31ZA)."
    )
    fgdm_accepted = models.BooleanField(null=True, blank=True)
    fgdm_held_on = models.DateField(null=True, blank=True, help_text="FGDMMeetingFac")
    parents_legal_representation = models.CharField(
        max_length=8, choices=codes.YesNoUnknown.choices, default=codes.YesNoUnknown.UNKNOWN
    )
    step_decision_on = models.DateField(null=True, blank=True, help_text="StepDecisionDate")
    outcome = models.CharField(max_length=10, choices=codes.PreProceedingsOutcome.choices, blank=True)
    outcome_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(step_decision_on__isnull=True, outcome="")
                | (Q(step_decision_on__isnull=False) & ~Q(outcome="")),
                name="pp_step_decision_needs_outcome",
            ),
            models.CheckConstraint(
                condition=Q(step_decision_on__isnull=True) | Q(step_decision_on__gte=models.F("started_on")),
                name="pp_step_after_start",
            ),
        ]
        verbose_name_plural = "pre-proceedings"

    def __str__(self) -> str:
        return f"Pre-proceedings from {self.started_on}"


class PreProceedingsMeeting(DatedRecord):
    activity_field = "held_on"

    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial pre-proceedings meeting"
        REVIEW = "review", "Review meeting"

    pre_proceedings = models.ForeignKey(PreProceedings, on_delete=models.CASCADE, related_name="meetings")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    held_on = models.DateField()
    effective = models.BooleanField(
        default=True, help_text="Did it go ahead (the parents and their solicitors able to take part)?"
    )
    parents_attended = models.BooleanField(default=True)
    parents_solicitor_attended = models.BooleanField(default=False)
    chair = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["held_on", "pk"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.held_on}"
