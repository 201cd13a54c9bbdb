"""Early permanence (F07, F10): the permanence plan, the parallel plan, whether Fostering for
Adoption or concurrent planning was considered, and the adoption milestones (SSD ssd_permanence,
Annex A list 10)."""

from django.conf import settings
from django.db import models

from carepath.core import codes
from carepath.core.records import DatedRecord
from carepath.people.models import Child

User = settings.AUTH_USER_MODEL


class PermanenceRecord(DatedRecord):
    activity_field = "plan_recorded_on"

    class Considered(models.TextChoices):
        YES = "yes", "Considered: it is the plan"
        NO = "no", "Considered: not right for this child"

    child = models.OneToOneField(Child, on_delete=models.CASCADE, related_name="permanence")
    plan = models.CharField(max_length=1, choices=codes.PermanencePlan.choices, blank=True)
    plan_recorded_on = models.DateField(null=True, blank=True)
    parallel_plan = models.CharField(
        max_length=1, choices=codes.PermanencePlan.choices, blank=True, help_text="The twin-track plan."
    )
    parallel_plan_recorded_on = models.DateField(null=True, blank=True)
    early_permanence_considered_on = models.DateField(
        null=True,
        blank=True,
        help_text="When Fostering for Adoption and concurrent planning were considered.",
    )
    fostering_for_adoption = models.CharField(max_length=3, choices=Considered.choices, blank=True)
    concurrent_planning = models.CharField(max_length=3, choices=Considered.choices, blank=True)
    consideration_notes = models.TextField(blank=True)
    # Adoption milestones (Annex A list 10 / SSD ssd_permanence).
    should_be_placed_for_adoption_on = models.DateField(null=True, blank=True, help_text="ADM decision")
    placement_order_on = models.DateField(null=True, blank=True)
    matched_on = models.DateField(null=True, blank=True)
    early_permanence_placement_on = models.DateField(null=True, blank=True, help_text="FfA or concurrent")
    placed_for_adoption_on = models.DateField(null=True, blank=True)
    adoption_order_on = models.DateField(null=True, blank=True)
    decision_reversed_on = models.DateField(null=True, blank=True)
    decision_reversed_reason = models.TextField(blank=True)

    class Meta:
        verbose_name = "permanence record"

    def __str__(self) -> str:
        return f"Permanence for {self.child_id}"
