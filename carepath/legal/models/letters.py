"""The letter before proceedings (F14; rules.md 3.14-3.16, 3.21): one per parent or person with
parental responsibility, built from structured fields that cannot be left empty."""

from django.conf import settings
from django.db import models

from carepath.core.records import DatedRecord
from carepath.people.models import RelatedPerson

User = settings.AUTH_USER_MODEL


class LocalSolicitor(models.Model):
    """A local children-law accredited solicitor, listed in every letter (rules.md 3.15 (7))."""

    firm = models.CharField(max_length=200)
    address = models.TextField()
    phone = models.CharField(max_length=40)
    email = models.EmailField(blank=True)
    children_panel_accredited = models.BooleanField(default=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["firm"]

    def __str__(self) -> str:
        return self.firm


class LetterBeforeProceedings(DatedRecord):
    activity_field = "sent_on"

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        SENT = "sent", "Sent"

    pre_proceedings = models.ForeignKey("PreProceedings", on_delete=models.PROTECT, related_name="letters")
    recipient = models.ForeignKey(RelatedPerson, on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    concerns = models.TextField(
        blank=True, help_text="Why we are worried: what has happened to the children."
    )
    history = models.TextField(blank=True, help_text="What has already been done and offered.")
    consequences = models.TextField(blank=True, help_text="What will happen if things do not change.")
    meeting_at = models.DateTimeField(null=True, blank=True)
    meeting_place = models.CharField(max_length=300, blank=True)
    fgdm_offer = models.TextField(
        blank=True, help_text="The offer of a family group decision-making meeting."
    )
    contact_name = models.CharField(max_length=200, blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)
    language = models.CharField(max_length=50, blank=True, help_text="A language other than English.")
    separate_letter_reason = models.CharField(
        max_length=300, blank=True, help_text="e.g. domestic abuse: why parents get separate letters."
    )
    sent_on = models.DateField(null=True, blank=True)
    sent_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    readability = models.FloatField(null=True, blank=True, help_text="Flesch reading ease when sent.")
    # The letter exactly as sent, kept so that a download later is what the parent received, whatever
    # the authority's templates or list of solicitors say by then.
    sent_docx = models.BinaryField(null=True, blank=True, editable=False)
    sent_pdf = models.BinaryField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["pre_proceedings", "pk"]
        verbose_name = "letter before proceedings"
        verbose_name_plural = "letters before proceedings"

    def __str__(self) -> str:
        return f"Letter to {self.recipient}"


class LetterChange(models.Model):
    """One thing that must change: who must do what, by when."""

    letter = models.ForeignKey(LetterBeforeProceedings, on_delete=models.CASCADE, related_name="changes")
    who = models.CharField(max_length=200)
    what = models.TextField()
    by_when = models.DateField()
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return f"{self.who}: {self.what[:40]}"


class LetterSupport(models.Model):
    """Support or an assessment the local authority will provide: what, who, when, how long."""

    letter = models.ForeignKey(LetterBeforeProceedings, on_delete=models.CASCADE, related_name="support")
    what = models.TextField()
    who = models.CharField(max_length=200)
    starts_on = models.DateField()
    how_long = models.CharField(max_length=100, help_text="e.g. 6 weeks")
    is_assessment = models.BooleanField(default=False)
    why = models.TextField(blank=True, help_text="For an assessment: why it is needed.")
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "pk"]

    def __str__(self) -> str:
        return self.what[:60]


class LetterTemplate(models.Model):
    """The authority's letter templates: a Word (.docx) template for the editable letter and an
    HTML template for the PDF. The newest active one of each format is used."""

    class Format(models.TextChoices):
        DOCX = "docx", "Word (.docx)"
        HTML = "html", "HTML (for the PDF)"

    format = models.CharField(max_length=4, choices=Format.choices)
    name = models.CharField(max_length=200)
    content = models.BinaryField()
    active = models.BooleanField(default=True)
    uploaded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-uploaded_at", "-pk"]

    def __str__(self) -> str:
        return self.name
