"""Case audits (F17) and moderation (F18).

An audit tool is the authority's own template: domains, questions and a grading scale. Tools are
versioned and a published version is never edited, so a completed audit always shows the questions
and scale it was graded against. A programme draws a sample of children and assigns auditors; each
audit grades every domain, and a grade below good cannot be saved without an owned, dated action.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from carepath.core.records import DatedRecord
from carepath.people.models import Child, Service, Team

User = settings.AUTH_USER_MODEL

# Ofsted's four grades, best first: the default scale of a new tool. `at_least_good` marks the
# grades that need no action; `escalates` the grade that goes to the head of service at once.
DEFAULT_SCALE = [
    {"code": "outstanding", "label": "Outstanding", "at_least_good": True, "escalates": False},
    {"code": "good", "label": "Good", "at_least_good": True, "escalates": False},
    {
        "code": "requires_improvement",
        "label": "Requires improvement",
        "at_least_good": False,
        "escalates": False,
    },
    {"code": "inadequate", "label": "Inadequate", "at_least_good": False, "escalates": True},
]


def default_scale() -> list[dict]:
    return [dict(grade) for grade in DEFAULT_SCALE]


class AuditTool(models.Model):
    """One version of an audit template. `key` names the tool across its versions."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"
        RETIRED = "retired", "Retired"

    key = models.SlugField(max_length=60, help_text="The tool's name across its versions.")
    name = models.CharField(max_length=200)
    version_number = models.PositiveIntegerField(default=1)
    description = models.TextField(blank=True)
    grading_scale = models.JSONField(default=default_scale)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)  # optimistic locking of the draft

    class Meta:
        ordering = ["key", "-version_number"]
        constraints = [
            models.UniqueConstraint(fields=["key", "version_number"], name="one_tool_version_per_number")
        ]

    def __str__(self) -> str:
        return f"{self.name} (version {self.version_number})"

    # The scale, read by everything that compares grades.
    def grade_codes(self) -> list[str]:
        return [g["code"] for g in self.grading_scale]

    def grade_label(self, code: str) -> str:
        return next((g["label"] for g in self.grading_scale if g["code"] == code), code)

    def is_at_least_good(self, code: str) -> bool:
        return any(g["code"] == code and g["at_least_good"] for g in self.grading_scale)

    def escalates(self, code: str) -> bool:
        return any(g["code"] == code and g.get("escalates") for g in self.grading_scale)

    def rank(self, code: str) -> int:
        """0 for the best grade; the scale is ordinal (weighted kappa reads it so)."""
        return self.grade_codes().index(code)


class AuditDomain(models.Model):
    tool = models.ForeignKey(AuditTool, on_delete=models.CASCADE, related_name="domains")
    position = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    guidance = models.TextField(blank=True, help_text="What good looks like in this domain.")

    class Meta:
        ordering = ["tool", "position"]
        constraints = [models.UniqueConstraint(fields=["tool", "position"], name="one_domain_per_position")]

    def __str__(self) -> str:
        return self.title


class AuditQuestion(models.Model):
    domain = models.ForeignKey(AuditDomain, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField()
    text = models.TextField()
    guidance = models.TextField(blank=True)

    class Meta:
        ordering = ["domain", "position"]
        constraints = [
            models.UniqueConstraint(fields=["domain", "position"], name="one_question_per_position")
        ]

    def __str__(self) -> str:
        return self.text[:60]


class Cohort(models.TextChoices):
    """Which children a programme samples from, on the day it is drawn."""

    OPEN_CASES = "open_cases", "All open cases"
    CHILD_IN_NEED = "child_in_need", "Children in need"
    CHILD_PROTECTION = "child_protection", "Children on a child protection plan"
    LOOKED_AFTER = "looked_after", "Children looked after"
    SECTION_20 = "section_20", "Children accommodated under section 20"
    PRE_PROCEEDINGS = "pre_proceedings", "Children in PLO pre-proceedings"
    PROCEEDINGS = "proceedings", "Children in care proceedings"


class AuditProgramme(models.Model):
    """A monthly or thematic sample of children to audit with one tool version."""

    class Kind(models.TextChoices):
        MONTHLY = "monthly", "Monthly audit"
        THEMATIC = "thematic", "Thematic audit"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    theme = models.TextField(blank=True, help_text="What a thematic audit is looking at.")
    tool = models.ForeignKey(AuditTool, on_delete=models.PROTECT, related_name="programmes")
    cohort = models.CharField(max_length=30, choices=Cohort.choices, default=Cohort.OPEN_CASES)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    sample_size = models.PositiveIntegerField()
    # The draw is reproducible: the seed and the children it chose are both kept.
    random_seed = models.BigIntegerField()
    sample_child_ids = models.JSONField(default=list, help_text="The children drawn, in the seed's order.")
    drawn_on = models.DateField()
    due_on = models.DateField()
    moderation_share = models.PositiveSmallIntegerField(
        default=20, help_text="Percentage of completed audits sent for moderation."
    )
    created_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    closed_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-drawn_on", "-pk"]

    def __str__(self) -> str:
        return self.name


class CaseAudit(DatedRecord):
    """One child's audit: who audits, by when, with whom, and what they found."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", "Not started"
        IN_PROGRESS = "in_progress", "In progress"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    activity_field = "completed_on"

    programme = models.ForeignKey(
        AuditProgramme, null=True, blank=True, on_delete=models.PROTECT, related_name="audits"
    )
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="case_audits")
    tool = models.ForeignKey(AuditTool, on_delete=models.PROTECT, related_name="audits")
    auditor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="case_audits")
    assigned_on = models.DateField()
    due_on = models.DateField()
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ASSIGNED)
    # The audit conversation (practice standard: audit with, not on, the practitioner).
    practitioner = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    manager = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    conversation_on = models.DateField(null=True, blank=True)
    practitioner_took_part = models.BooleanField(default=False)
    manager_took_part = models.BooleanField(default=False)
    childs_views = models.TextField("the child's views", blank=True)
    family_views = models.TextField("the family's views", blank=True)
    overall_grade = models.CharField(max_length=30, blank=True)
    summary = models.TextField(blank=True)
    completed_on = models.DateField(null=True, blank=True)
    withdrawn_on = models.DateField(null=True, blank=True)
    withdrawn_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        indexes = [
            models.Index(fields=["auditor", "status"]),
            models.Index(fields=["status", "completed_on"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("assigned_on")), name="audit_due_after_assigned"
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | (Q(completed_on__isnull=False) & ~Q(overall_grade="")),
                name="completed_audit_has_grade_and_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Audit {self.pk} of child {self.child_id}"


class DomainGrade(models.Model):
    audit = models.ForeignKey(CaseAudit, on_delete=models.CASCADE, related_name="grades")
    domain = models.ForeignKey(AuditDomain, on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(max_length=30)
    evidence = models.TextField(help_text="What in the record and the conversation supports the grade.")

    class Meta:
        ordering = ["domain__position"]
        constraints = [models.UniqueConstraint(fields=["audit", "domain"], name="one_grade_per_domain")]

    def __str__(self) -> str:
        return f"{self.domain_id}: {self.grade}"


class QuestionAnswer(models.Model):
    audit = models.ForeignKey(CaseAudit, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(AuditQuestion, on_delete=models.PROTECT, related_name="+")
    answer = models.TextField()

    class Meta:
        ordering = ["question__domain__position", "question__position"]
        constraints = [models.UniqueConstraint(fields=["audit", "question"], name="one_answer_per_question")]

    def __str__(self) -> str:
        return self.answer[:60]


class AuditAction(DatedRecord):
    """What must change for the child, who does it and by when. Its clock (AUDIT-ACTION) sits on
    the child's record and in the owner's work queue."""

    activity_field = "set_on"

    audit = models.ForeignKey(CaseAudit, on_delete=models.CASCADE, related_name="actions")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="audit_actions")
    domain = models.ForeignKey(AuditDomain, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    action = models.TextField()
    owner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="audit_actions")
    set_on = models.DateField()
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    done_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    done_note = models.TextField(blank=True)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(due_on__gte=models.F("set_on")), name="audit_action_due_after_set"
            )
        ]

    def __str__(self) -> str:
        return self.action[:60]


class AuditEscalation(models.Model):
    """An inadequate grade, sent to the head of service the moment the audit is completed. Their
    response is recorded; its clock (AUDIT-ESCALATION) is theirs."""

    audit = models.OneToOneField(CaseAudit, on_delete=models.CASCADE, related_name="escalation")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    escalated_to = models.ForeignKey(User, on_delete=models.PROTECT, related_name="audit_escalations")
    escalated_on = models.DateField()
    escalated_at = models.DateTimeField(auto_now_add=True)
    response = models.TextField(blank=True)
    responded_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    responded_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-escalated_on", "-pk"]

    def __str__(self) -> str:
        return f"Escalation of audit {self.audit_id}"


class Moderation(models.Model):
    """A second, independent auditor grades the same audit blind: they see the child's record,
    not the first auditor's grades, until theirs are saved."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", "Not started"
        COMPLETED = "completed", "Completed"

    audit = models.OneToOneField(CaseAudit, on_delete=models.CASCADE, related_name="moderation")
    moderator = models.ForeignKey(User, on_delete=models.PROTECT, related_name="moderations")
    assigned_on = models.DateField()
    assigned_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.ASSIGNED)
    overall_grade = models.CharField(max_length=30, blank=True)
    summary = models.TextField(blank=True)
    completed_on = models.DateField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["due_on", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="completed") | (Q(completed_on__isnull=False) & ~Q(overall_grade="")),
                name="completed_moderation_has_grade_and_date",
            ),
        ]

    def __str__(self) -> str:
        return f"Moderation of audit {self.audit_id}"


class ModeratedGrade(models.Model):
    moderation = models.ForeignKey(Moderation, on_delete=models.CASCADE, related_name="grades")
    domain = models.ForeignKey(AuditDomain, on_delete=models.PROTECT, related_name="+")
    grade = models.CharField(max_length=30)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["domain__position"]
        constraints = [
            models.UniqueConstraint(fields=["moderation", "domain"], name="one_moderated_grade_per_domain")
        ]

    def __str__(self) -> str:
        return f"{self.domain_id}: {self.grade}"


class CalibrationFlag(models.Model):
    """An audit graded good or better while the record showed, on the audit's date, overdue
    statutory work, drift flags or missing section 20 consent evidence (F18). Found by
    services.calibration; the QA lead says what they did about it."""

    class Outcome(models.TextChoices):
        TOO_GENEROUS = "too_generous", "The grade was too generous for what the record showed"
        STANDS = "stands", "The grade stands: the evidence explains it"

    audit = models.OneToOneField(CaseAudit, on_delete=models.CASCADE, related_name="calibration_flag")
    child = models.ForeignKey(Child, on_delete=models.PROTECT, related_name="+")
    raised_on = models.DateField()
    as_at = models.DateField(help_text="The audit's date, on which the record was read.")
    # What the record showed: [{"kind", "rule_id", "name", "why", "due_on"}], in words.
    findings = models.JSONField(default=list)
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_on = models.DateField(null=True, blank=True)
    review_note = models.TextField(blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-raised_on", "-pk"]

    def __str__(self) -> str:
        return f"Calibration flag on audit {self.audit_id}"
