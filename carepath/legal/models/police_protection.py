"""Police protection (F09): each use logged, the 72-hour clock, and a management review of each."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from carepath.core.records import DatedRecord
from carepath.people.models import Child

User = settings.AUTH_USER_MODEL


class PoliceProtection(DatedRecord):
    activity_field = "taken_at"

    class Outcome(models.TextChoices):
        RETURNED_HOME = "home", "Returned home"
        FAMILY_OR_FRIENDS = "family", "Went to family or friends"
        SECTION_20 = "s20", "Accommodated under section 20"
        EPO = "epo", "Emergency protection order"
        ICO = "ico", "Interim care order"
        OTHER = "other", "Other"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="police_protections")
    taken_at = models.DateTimeField(help_text="When the child was taken into police protection.")
    officer = models.CharField(max_length=200, help_text="Name and number of the officer.")
    force = models.CharField(max_length=200)
    designated_officer = models.CharField(max_length=200, blank=True)
    circumstances = models.TextField()
    where_accommodated = models.CharField(max_length=300, blank=True)
    la_notified_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)

    class Meta:
        ordering = ["-taken_at", "-pk"]
        verbose_name_plural = "police protections"
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("taken_at")),
                name="pp_ends_after_taken",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True, outcome="") | (Q(ended_at__isnull=False) & ~Q(outcome="")),
                name="pp_end_needs_outcome",
            ),
        ]

    def __str__(self) -> str:
        return f"Police protection {self.taken_at:%d %b %Y %H:%M}"


class PoliceProtectionReview(models.Model):
    """The management review opened automatically for each police protection. What the record
    showed when the child was taken is kept as it was, for the thematic report."""

    class Judgement(models.TextChoices):
        YES = "yes", "Yes: the service could have acted earlier"
        NO = "no", "No: police protection could not have been foreseen"
        UNCLEAR = "unclear", "Unclear"

    police_protection = models.OneToOneField(
        PoliceProtection, on_delete=models.CASCADE, related_name="review"
    )
    opened_on = models.DateField()
    due_on = models.DateField()
    reviewer = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    was_open = models.BooleanField(help_text="Open to children's social care when taken.")
    status_when_taken = models.CharField(max_length=20, blank=True)
    contacts_before = models.PositiveIntegerField(help_text="Contacts in the 12 months before.")
    referrals_before = models.PositiveIntegerField(help_text="Referrals in the 12 months before.")
    completed_on = models.DateField(null=True, blank=True)
    could_have_acted_earlier = models.CharField(max_length=8, choices=Judgement.choices, blank=True)
    findings = models.TextField(blank=True)
    learning = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-opened_on", "-pk"]

    def __str__(self) -> str:
        return f"Review of {self.police_protection}"
