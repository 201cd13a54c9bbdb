"""Care proceedings (F13, F15): the application, its hearings and extensions, the children's care
plans and final orders; and before issue, the documents the application needs (PD12A)."""

from django.conf import settings
from django.db import models
from django.db.models import Q

from carepath.core import codes
from carepath.core.records import DatedRecord
from carepath.people.models import Child

User = settings.AUTH_USER_MODEL


class CareProceedings(DatedRecord):
    """An application for care or supervision orders for the children of one legal case, tracked
    together. Created when the decision to issue is made; `issued_on` is set once the court issues."""

    activity_field = "issued_on"

    class Application(models.TextChoices):
        CARE = "care", "Care order"
        SUPERVISION = "supervision", "Supervision order"

    legal_case = models.ForeignKey("LegalCase", on_delete=models.PROTECT, related_name="proceedings")
    pre_proceedings = models.ForeignKey(
        "PreProceedings", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    application = models.CharField(max_length=12, choices=Application.choices, default=Application.CARE)
    decided_on = models.DateField(help_text="The day of the decision to issue (CourtAppDate's decision).")
    issued_on = models.DateField(null=True, blank=True, help_text="Day 1 of the 26 weeks.")
    court = models.CharField(max_length=200, blank=True)
    case_number = models.CharField(max_length=40, blank=True)
    short_notice = models.BooleanField(default=False, help_text="Heard within 2 to 5 days of issue.")
    short_notice_reason = models.CharField(max_length=1, choices=codes.ShortNoticeReason.choices, blank=True)
    letter_to_initiate_sent_on = models.DateField(
        null=True, blank=True, help_text="LetterInitCPDate: the letter telling parents of the application."
    )
    parents_legal_representation = models.CharField(
        max_length=8, choices=codes.YesNoUnknown.choices, default=codes.YesNoUnknown.UNKNOWN
    )
    issued_without_documents_reason = models.TextField(
        blank=True, help_text="Why it was issued before every document was ready (urgent cases only)."
    )
    concluded_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_on", "-pk"]
        verbose_name_plural = "care proceedings"
        constraints = [
            models.CheckConstraint(
                condition=Q(concluded_on__isnull=True) | Q(issued_on__isnull=False),
                name="concluded_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return self.case_number or f"Proceedings {self.pk}"


class ProceedingsChild(models.Model):
    """One child in the proceedings: the care plans put to the court and the final order."""

    proceedings = models.ForeignKey(CareProceedings, on_delete=models.CASCADE, related_name="children")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="proceedings")
    initial_care_plan = models.CharField(max_length=1, choices=codes.CourtCarePlan.choices, blank=True)
    initial_plan_approved = models.CharField(
        max_length=8, choices=codes.YesNoUnknown.choices, default=codes.YesNoUnknown.UNKNOWN
    )
    final_care_plan = models.CharField(max_length=1, choices=codes.CourtCarePlan.choices, blank=True)
    final_plan_approved = models.CharField(
        max_length=8, choices=codes.YesNoUnknown.choices, default=codes.YesNoUnknown.UNKNOWN
    )
    final_order = models.CharField(max_length=20, choices=codes.FinalOrder.choices, blank=True)
    final_order_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["proceedings", "child"], name="child_once_per_proceedings"),
            models.CheckConstraint(
                condition=Q(final_order_on__isnull=True, final_order="")
                | (Q(final_order_on__isnull=False) & ~Q(final_order="")),
                name="final_order_needs_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.proceedings}: child {self.child_id}"


class Hearing(DatedRecord):
    activity_field = "held_on"

    class Kind(models.TextChoices):
        URGENT = "urgent", "Urgent hearing before the case management hearing"
        CMH = "cmh", "Case management hearing"
        FCMH = "fcmh", "Further case management hearing"
        IRH = "irh", "Issues resolution hearing"
        FINAL = "final", "Final hearing"
        OTHER = "other", "Other hearing"

    proceedings = models.ForeignKey(CareProceedings, on_delete=models.CASCADE, related_name="hearings")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    held_on = models.DateField(help_text="The day it was, or is, listed for.")
    effective = models.BooleanField(null=True, blank=True, help_text="Blank until it has happened.")
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["held_on", "pk"]


class Extension(DatedRecord):
    """An extension of the 26 weeks (s32(5)-(8)): only when necessary to resolve the proceedings
    justly, each of no more than 8 weeks, with the court's reason."""

    activity_field = "granted_on"

    proceedings = models.ForeignKey(CareProceedings, on_delete=models.CASCADE, related_name="extensions")
    granted_on = models.DateField()
    weeks = models.PositiveSmallIntegerField()
    reason = models.TextField()

    class Meta:
        ordering = ["granted_on", "pk"]
        constraints = [
            models.CheckConstraint(condition=Q(weeks__gte=1, weeks__lte=8), name="extension_at_most_8_weeks")
        ]


class ApplicationDocument(models.Model):
    """One document the application needs before issue (PD12A annex; rules.md 3.11)."""

    class Kind(models.TextChoices):
        CHRONOLOGY = "chronology", "Social work chronology"
        STATEMENT = "statement", "Social work statement"
        GENOGRAM = "genogram", "Genogram"
        ASSESSMENTS = "assessments", "Current assessments relied on"
        CARE_PLAN = "care_plan", "Care plan"
        LETTERS = "letters", "Letters before proceedings"
        INDEX = "index", "Index of checklist documents"

    proceedings = models.ForeignKey(CareProceedings, on_delete=models.CASCADE, related_name="documents")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ready_on = models.DateField(null=True, blank=True)
    confirmed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["proceedings", "kind"], name="one_document_per_kind")]

    def __str__(self) -> str:
        return self.get_kind_display()
