"""Children, the adults and professionals around them, and the authority's staff and structure."""

import uuid
from datetime import date

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils import timezone

from carepath.core import codes
from carepath.core.permissions import DEFAULT_SCOPE, Role, Scope, role_has_function
from carepath.core.records import DatedRecord

# ---------------------------------------------------------------------------------------------
# Organisation: directorate → services → teams (the escalation hierarchy later issues use)
# ---------------------------------------------------------------------------------------------


class Directorate(models.Model):
    name = models.CharField(max_length=200)
    authority_name = models.CharField(max_length=200, help_text="The local authority's name.")
    la_code = models.CharField("DfE local authority code", max_length=3, blank=True)

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    directorate = models.ForeignKey(Directorate, on_delete=models.PROTECT, related_name="services")
    name = models.CharField(max_length=200)
    head = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="services_headed"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    class Kind(models.TextChoices):
        FRONT_DOOR = "front_door", "Front door (MASH)"
        ASSESSMENT = "assessment", "Assessment"
        SAFEGUARDING = "safeguarding", "Safeguarding and child protection"
        CHILDREN_IN_CARE = "children_in_care", "Children in care"
        CARE_LEAVERS = "care_leavers", "Care leavers"
        DISABILITY = "disability", "Children with disabilities"
        EARLY_HELP = "early_help", "Early help"
        IRO = "iro", "Independent reviewing service"
        LEGAL = "legal", "Legal services"
        QUALITY = "quality", "Quality assurance and performance"

    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=30, choices=Kind.choices)
    manager = models.ForeignKey(
        "User", null=True, blank=True, on_delete=models.SET_NULL, related_name="teams_managed"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PartnerAgency(models.Model):
    class Kind(models.TextChoices):
        SCHOOL = "school", "School or education"
        HEALTH = "health", "Health"
        POLICE = "police", "Police"
        HOUSING = "housing", "Housing"
        VOLUNTARY = "voluntary", "Voluntary sector"
        OTHER_LA = "other_la", "Another local authority"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # What a contact from this agency is recorded as, by default (CIN referral source).
    referral_source = models.CharField(max_length=3, choices=codes.ReferralSource.choices)

    class Meta:
        verbose_name_plural = "partner agencies"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Professional(models.Model):
    """Someone from a partner agency who works with a child (a teacher, a health visitor, a GP)."""

    agency = models.ForeignKey(PartnerAgency, on_delete=models.PROTECT, related_name="professionals")
    name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.agency})"


class User(AbstractUser):
    """Anyone who signs in: staff, partner-agency referrers and inspectors."""

    class EmploymentType(models.TextChoices):
        PERMANENT = "permanent", "Permanent"
        AGENCY = "agency", "Agency"

    role = models.CharField(max_length=30, choices=Role.choices)
    scope = models.CharField(max_length=20, choices=Scope.choices)
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members")
    service = models.ForeignKey(
        Service,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
        help_text="Set from the team; for heads of service with no team, their service.",
    )
    job_title = models.CharField(max_length=200, blank=True)
    employment_type = models.CharField(
        max_length=20, choices=EmploymentType.choices, default=EmploymentType.PERMANENT
    )
    newly_qualified = models.BooleanField(
        "newly qualified (ASYE)", default=False, help_text="In the assessed and supported year in employment."
    )
    qualified_on = models.DateField(null=True, blank=True)
    social_work_england_number = models.CharField(max_length=20, blank=True)
    started_on = models.DateField(null=True, blank=True)
    left_on = models.DateField(
        null=True, blank=True, help_text="Leavers are disabled; their history is kept."
    )
    partner_agency = models.ForeignKey(PartnerAgency, null=True, blank=True, on_delete=models.PROTECT)
    two_factor_required = models.BooleanField(default=False)

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    def save(self, *args, **kwargs):
        if not self.scope and self.role:
            self.scope = DEFAULT_SCOPE[self.role]
        if self.team_id and not self.service_id:
            self.service_id = self.team.service_id
        super().save(*args, **kwargs)

    def can(self, function: str) -> bool:
        return self.is_active and role_has_function(self.role, function)


# ---------------------------------------------------------------------------------------------
# Children and the people around them
# ---------------------------------------------------------------------------------------------


class Family(models.Model):
    """A household or sibling group: children who are planned for together."""

    name = models.CharField(max_length=200, help_text="How staff refer to the family, e.g. 'Smith family'.")

    class Meta:
        verbose_name_plural = "families"

    def __str__(self) -> str:
        return self.name


class ChildStatus(models.TextChoices):
    """The child's current status, derived from their open episodes (F22). In order of precedence."""

    LOOKED_AFTER = "looked_after", "Looked after"
    CHILD_PROTECTION = "child_protection", "Child protection"
    CHILD_IN_NEED = "child_in_need", "Child in need"
    EARLY_HELP = "early_help", "Early help"
    CONTACT = "contact", "Contact being considered"
    CLOSED = "closed", "Closed"


class Child(DatedRecord):
    activity_field = "created_on"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    case_number = models.CharField(
        max_length=20, unique=True, help_text="The authority's identifier for the child (LA child ID)."
    )
    first_name = models.CharField(max_length=100, blank=True)
    last_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField(null=True, blank=True)
    expected_date_of_birth = models.DateField(null=True, blank=True, help_text="For an unborn child.")
    date_of_death = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=codes.Sex.choices)
    ethnicity = models.CharField(max_length=4, choices=codes.Ethnicity.choices, default=codes.Ethnicity.NOBT)
    disabilities = models.JSONField(default=list, blank=True, help_text="CIN census disability codes.")
    upn = models.CharField("unique pupil number", max_length=13, blank=True)
    nhs_number = models.CharField(max_length=10, blank=True)
    first_language = models.CharField(max_length=50, blank=True, default="English")
    postcode = models.CharField(max_length=8, blank=True)
    family = models.ForeignKey(
        Family, null=True, blank=True, on_delete=models.SET_NULL, related_name="children"
    )
    is_restricted = models.BooleanField(
        default=False, help_text="Only people with an explicit grant may open a restricted record."
    )
    created_on = models.DateField(default=date.today)

    # Denormalised for fast caseload and scope queries; written only by the allocation and
    # status services (people.services, journey.services), checked against the history in tests.
    allocated_worker = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="allocated_children"
    )
    allocated_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    status = models.CharField(max_length=20, choices=ChildStatus.choices, default=ChildStatus.CLOSED)

    class Meta:
        verbose_name_plural = "children"
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["allocated_worker", "status"]),
            models.Index(fields=["allocated_team", "status"]),
            models.Index(fields=["last_name", "first_name"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=False) | Q(expected_date_of_birth__isnull=False),
                name="child_has_birth_or_expected_date",
            ),
            # CIN census: an unborn child's sex is recorded as U.
            models.CheckConstraint(
                condition=Q(date_of_birth__isnull=False) | Q(sex=codes.Sex.UNKNOWN),
                name="unborn_child_sex_unknown",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return " ".join(p for p in (self.first_name, self.last_name) if p) or "Unborn child"

    @property
    def is_unborn(self) -> bool:
        return self.date_of_birth is None

    def age_on(self, on: date) -> int | None:
        if self.date_of_birth is None:
            return None
        dob = self.date_of_birth
        return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))

    @property
    def age(self) -> int | None:
        return self.age_on(timezone.localdate())


class RelatedPerson(DatedRecord):
    """An adult in the child's life: a parent, relative, carer, partner of a parent."""

    activity_field = "recorded_at"

    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    sex = models.CharField(max_length=1, choices=codes.Sex.choices, default=codes.Sex.UNKNOWN)
    postcode = models.CharField(max_length=8, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    needs_interpreter = models.BooleanField(default=False)
    language = models.CharField(max_length=50, blank=True, default="English")

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"


class Relationship(DatedRecord):
    class Kind(models.TextChoices):
        MOTHER = "mother", "Mother"
        FATHER = "father", "Father"
        STEP_PARENT = "step_parent", "Step-parent"
        PARENTS_PARTNER = "parents_partner", "Parent's partner"
        GRANDPARENT = "grandparent", "Grandparent"
        AUNT_UNCLE = "aunt_uncle", "Aunt or uncle"
        ADULT_SIBLING = "adult_sibling", "Adult sibling"
        SPECIAL_GUARDIAN = "special_guardian", "Special guardian"
        FOSTER_CARER = "foster_carer", "Foster carer"
        FAMILY_FRIEND = "family_friend", "Family friend"
        OTHER = "other", "Other"

    activity_field = "recorded_at"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="relationships")
    person = models.ForeignKey(RelatedPerson, on_delete=models.CASCADE, related_name="relationships")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    has_parental_responsibility = models.BooleanField(default=False)
    lives_with_child = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["child", "person"], name="one_relationship_per_pair")]


class ProfessionalInvolvement(DatedRecord):
    """A partner-agency professional involved with the child (school, GP, health visitor)."""

    activity_field = "started_on"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="professional_involvements")
    professional = models.ForeignKey(Professional, on_delete=models.PROTECT, related_name="involvements")
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)


# ---------------------------------------------------------------------------------------------
# Allocation and access
# ---------------------------------------------------------------------------------------------


class Allocation(DatedRecord):
    """Who was allocated to the child, when, and why it ended (F06: worker changes per child)."""

    class Kind(models.TextChoices):
        SOCIAL_WORKER = "social_worker", "Allocated social worker"
        IRO = "iro", "Independent reviewing officer"
        CP_CHAIR = "cp_chair", "Child protection chair"
        SOLICITOR = "solicitor", "Local authority solicitor"
        EARLY_HELP_WORKER = "early_help_worker", "Early help key worker"

    class EndReason(models.TextChoices):
        """Close to the SSDA903 SocialWorker module's SW_REASON codes; their DfE meanings are
        not yet confirmed (rules.md section 11.7), so the labels are our reading of them."""

        MANAGE = "MANAGE", "Management decision"
        FCONTA = "FCONTA", "Family requested change"
        LEFTRL = "LEFTRL", "Worker left the role"
        ORGRST = "ORGRST", "Organisational restructure"
        TSPROC = "TSPROC", "Transfer between teams as part of the child's journey"
        ABSENC = "ABSENC", "Worker absence"
        CHCHAN = "CHCHAN", "Child's circumstances changed"
        PCCHAN = "PCCHAN", "Case closed"
        SWDIED = "SWDIED", "Worker died"
        OTHERS = "OTHERS", "Other"

    activity_field = "started_on"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="allocations")
    worker = models.ForeignKey(User, on_delete=models.PROTECT, related_name="allocations")
    team = models.ForeignKey(Team, on_delete=models.PROTECT, related_name="allocations")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.SOCIAL_WORKER)
    started_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    end_reason = models.CharField(max_length=6, choices=EndReason.choices, blank=True)

    class Meta:
        ordering = ["-started_on"]
        indexes = [models.Index(fields=["worker", "ended_on"]), models.Index(fields=["child", "kind"])]
        constraints = [
            models.UniqueConstraint(
                fields=["child", "kind"],
                condition=Q(ended_on__isnull=True),
                name="one_open_allocation_per_kind",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="allocation_ends_after_start",
            ),
        ]


class RestrictedRecordGrant(models.Model):
    """An explicit grant to open a restricted child's record (for example a staff member's child)."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="restricted_grants")
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="restricted_grants")
    granted_by = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    reason = models.TextField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Grant to {self.user} for child {self.child_id}"


class BreakGlassAccess(models.Model):
    """Access to a record outside the user's scope, with the written reason, for a limited time."""

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="break_glass_accesses")
    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="break_glass_accesses")
    reason = models.TextField()
    started_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    reviewed_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name_plural = "break-glass accesses"

    def __str__(self) -> str:
        return f"Break-glass by {self.user} at {self.started_at:%Y-%m-%d %H:%M}"
