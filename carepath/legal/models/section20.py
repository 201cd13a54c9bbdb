"""Section 20 accommodation (F08): the consent record rules.md 4.3 describes, one per person with
parental responsibility, and managers' reviews of every section 20 case."""

from django.conf import settings
from django.db import models

from carepath.core.records import DatedRecord
from carepath.people.models import Child, RelatedPerson

User = settings.AUTH_USER_MODEL


class Section20Consent(DatedRecord):
    activity_field = "given_at"

    class Capacity(models.TextChoices):
        HAS_CAPACITY = "has", "Has capacity to consent"
        LACKS = "lacks", "Lacks capacity: consent cannot be relied on"
        DOUBT = "doubt", "Capacity in doubt: consent cannot be relied on"

    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="section_20_consents")
    episode = models.ForeignKey(
        "journey.LookedAfterEpisode",
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The first episode of the section 20 accommodation it is for.",
    )
    person = models.ForeignKey(RelatedPerson, on_delete=models.PROTECT, related_name="+")
    given_at = models.DateTimeField(help_text="When the consent was given.")
    child_named = models.BooleanField(default=False, help_text="The child is named individually (Williams).")
    voluntary_explained = models.BooleanField(
        default=False, help_text="s20 stated, and that it is voluntary."
    )
    right_to_object_explained = models.BooleanField(default=False, help_text="s20(7)")
    right_to_remove_explained = models.BooleanField(
        default=False, help_text="s20(8): may remove the child at any time, with no notice period."
    )
    told_orally = models.BooleanField(default=False)
    told_in_writing = models.BooleanField(default=False)
    told_before_accommodation = models.BooleanField(default=False)
    capacity = models.CharField(max_length=6, choices=Capacity.choices, blank=True)
    capacity_assessed_by = models.CharField(max_length=200, blank=True)
    circumstances = models.TextField(
        blank=True, help_text="Anything bearing on fairness: timing after birth, medication, distress."
    )
    legal_advice_offered = models.BooleanField(default=False)
    solicitor_involved = models.BooleanField(default=False)
    needs_translation = models.BooleanField(default=False)
    translated_version_signed = models.BooleanField(default=False)
    alternatives_considered = models.TextField(
        blank=True, help_text="Family, connected people, support at home; why not a court order."
    )
    signed_by_person = models.BooleanField(default=False)
    signed_by_social_worker = models.BooleanField(default=False)
    authorised_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="+", help_text="The manager."
    )
    authorised_on = models.DateField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(
        null=True, blank=True, help_text="When the person objected or asked for the child back."
    )

    class Meta:
        ordering = ["child", "given_at", "pk"]
        verbose_name = "section 20 consent"

    def __str__(self) -> str:
        return f"Consent of {self.person} for {self.child}"


class Section20Review(models.Model):
    """A manager's review of every section 20 case open on the day it started."""

    title = models.CharField(max_length=200)
    started_on = models.DateField()
    due_on = models.DateField()
    started_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-started_on", "-pk"]

    def __str__(self) -> str:
        return self.title


class Section20ReviewCase(models.Model):
    class Finding(models.TextChoices):
        APPROPRIATE = "appropriate", "Section 20 remains appropriate and consent is sound"
        FIX_CONSENT = "fix_consent", "Appropriate, but the consent evidence must be put right"
        LEGAL_PLANNING = "legal_planning", "Refer to the legal gateway panel"
        RETURN_HOME = "return_home", "Plan the child's return home"

    review = models.ForeignKey(Section20Review, on_delete=models.CASCADE, related_name="cases")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    episode = models.ForeignKey("journey.LookedAfterEpisode", on_delete=models.PROTECT, related_name="+")
    reviewer = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_on = models.DateField(null=True, blank=True)
    finding = models.CharField(max_length=20, choices=Finding.choices, blank=True)
    notes = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["review", "child"], name="child_once_per_s20_review")]

    def __str__(self) -> str:
        return f"{self.review}: child {self.child_id}"
