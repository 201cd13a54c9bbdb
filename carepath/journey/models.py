"""The child's journey: front door, children in need, child protection, looked after.

Field names follow the CIN census and SSDA903 wherever they have one (see the help texts), so the
returns and the Annex A lists can be built from these records without translation. The integrity
rules the DfE applies to those returns are enforced when records are entered, in services.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q

from carepath.core import codes
from carepath.core.records import DatedRecord
from carepath.people.models import Child, Professional, RelatedPerson

User = settings.AUTH_USER_MODEL


# ---------------------------------------------------------------------------------------------
# Front door (F28, F31)
# ---------------------------------------------------------------------------------------------


class ThresholdLevel(models.IntegerChoices):
    """The authority's threshold of need (continuum of need), recorded at each contact decision."""

    UNIVERSAL = 1, "Level 1: universal services"
    EARLY_HELP = 2, "Level 2: early help"
    TARGETED = 3, "Level 3: targeted early help"
    SPECIALIST = 4, "Level 4: specialist (children's social care)"


class Contact(DatedRecord):
    class Decision(models.TextChoices):
        REFERRAL = "referral", "Accept as a referral to children's social care"
        EARLY_HELP = "early_help", "Step to early help"
        INFORMATION_ADVICE = "information_advice", "Information and advice given"
        SIGNPOST = "signpost", "Signpost to universal services"
        NFA = "nfa", "No further action"

    activity_field = "received_at"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="contacts")
    received_at = models.DateTimeField()
    source = models.CharField(max_length=3, choices=codes.ReferralSource.choices)
    referrer = models.ForeignKey(Professional, null=True, blank=True, on_delete=models.SET_NULL)
    referrer_user = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="contacts_made",
        help_text="The partner-agency user who submitted it online, if they did.",
    )
    summary = models.TextField(help_text="What the referrer is worried about.")
    referrer_threshold = models.PositiveSmallIntegerField(
        choices=ThresholdLevel.choices,
        null=True,
        blank=True,
        help_text="The threshold level the referrer thought applied (F31).",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=20, choices=Decision.choices, blank=True)
    threshold_level = models.PositiveSmallIntegerField(choices=ThresholdLevel.choices, null=True, blank=True)
    outcome_notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [models.Index(fields=["child", "received_at"]), models.Index(fields=["received_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision="") | Q(decided_at__isnull=False, threshold_level__isnull=False),
                name="contact_decision_has_date_and_threshold",
            )
        ]

    @property
    def reference(self) -> str:
        """The reference a referrer quotes when they ask about their contact."""
        return f"CT{self.pk:07d}"


class Referral(DatedRecord):
    """A referral to children's social care and the children-in-need episode it starts
    (CIN census CINdetails), open until its closure date."""

    activity_field = "referral_date"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="referrals")
    contact = models.OneToOneField(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="referral"
    )
    referral_date = models.DateField(help_text="CINreferralDate")
    source = models.CharField(max_length=3, choices=codes.ReferralSource.choices, help_text="ReferralSource")
    primary_need = models.CharField(
        max_length=2, choices=codes.PrimaryNeed.choices, help_text="PrimaryNeedCode"
    )
    nfa = models.BooleanField("no further action at referral", default=False, help_text="ReferralNFA")
    decided_at = models.DateTimeField(
        null=True, blank=True, help_text="When the response to the referral was decided."
    )
    closure_date = models.DateField(null=True, blank=True, help_text="CINclosureDate")
    closure_reason = models.CharField(
        max_length=3, choices=codes.ClosureReason.choices, blank=True, help_text="ReasonForClosure"
    )

    class Meta:
        ordering = ["-referral_date"]
        indexes = [models.Index(fields=["child", "referral_date"]), models.Index(fields=["referral_date"])]
        constraints = [
            # Validator: a closure date needs a reason, and a reason needs a closure date.
            models.CheckConstraint(
                condition=Q(closure_date__isnull=True, closure_reason="")
                | (Q(closure_date__isnull=False) & ~Q(closure_reason="")),
                name="referral_closure_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(closure_date__isnull=True) | Q(closure_date__gte=models.F("referral_date")),
                name="referral_closes_after_it_starts",
            ),
        ]

    @property
    def is_open(self) -> bool:
        return self.closure_date is None


class Assessment(DatedRecord):
    """A child and family (single) assessment (F23, F24)."""

    class Outcome(models.TextChoices):
        CIN_PLAN = "cin_plan", "Child in need: plan and services"
        SECTION_47 = "section_47", "Strategy discussion / section 47 enquiry"
        EARLY_HELP = "early_help", "Step down to early help"
        NFA = "nfa", "No further action"
        TERMINATED = "terminated", "Terminated before completion"

    activity_field = "start_date"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="assessments")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="assessments")
    start_date = models.DateField(help_text="AssessmentActualStartDate")
    child_seen_on = models.DateField(
        null=True, blank=True, help_text="When the child was seen during the assessment."
    )
    completed_on = models.DateField(null=True, blank=True)
    authorised_on = models.DateField(null=True, blank=True, help_text="AssessmentAuthorisationDate")
    authorised_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    outcome = models.CharField(max_length=20, choices=Outcome.choices, blank=True)
    factors = models.JSONField(default=list, blank=True, help_text="Factors identified (CIN census codes).")
    summary = models.TextField(blank=True)
    late_reason = models.TextField(
        blank=True, help_text="Working Together: why the assessment took longer than 45 working days."
    )

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(authorised_on__isnull=True) | Q(authorised_on__gte=models.F("start_date")),
                name="assessment_authorised_after_start",
            )
        ]


class StrategyDiscussion(DatedRecord):
    activity_field = "held_at"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="strategy_discussions")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="strategy_discussions")
    held_at = models.DateTimeField()
    attendees = models.TextField(
        help_text="Who took part (children's social care, police, health, education)."
    )
    section_47_initiated = models.BooleanField(default=False)
    rationale = models.TextField(blank=True)

    class Meta:
        ordering = ["-held_at"]


class Section47Enquiry(DatedRecord):
    class Outcome(models.TextChoices):
        NFA = "nfa", "No further action"
        CIN = "cin", "Continue as a child in need"
        ICPC = "icpc", "Initial child protection conference"

    activity_field = "start_date"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="section_47_enquiries")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="section_47_enquiries")
    strategy_discussion = models.ForeignKey(
        StrategyDiscussion, null=True, blank=True, on_delete=models.SET_NULL, related_name="enquiries"
    )
    start_date = models.DateField(help_text="S47ActualStartDate")
    end_date = models.DateField(null=True, blank=True)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, blank=True)
    icpc_not_required = models.BooleanField(default=False, help_text="ICPCnotRequired")

    class Meta:
        ordering = ["-start_date"]
        verbose_name = "section 47 enquiry"
        verbose_name_plural = "section 47 enquiries"


class ChildProtectionConference(DatedRecord):
    class Kind(models.TextChoices):
        INITIAL = "initial", "Initial child protection conference"
        REVIEW = "review", "Review child protection conference"

    activity_field = "held_on"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="conferences")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="conferences")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    section_47 = models.ForeignKey(Section47Enquiry, null=True, blank=True, on_delete=models.SET_NULL)
    held_on = models.DateField(help_text="DateOfInitialCPC / CPPreviewDate")
    chair = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    plan_required = models.BooleanField(
        help_text="Initial: did the conference decide on a child protection plan? Review: does the plan continue?"
    )
    quorate = models.BooleanField(default=True)

    class Meta:
        ordering = ["-held_on"]


class ChildProtectionPlan(DatedRecord):
    activity_field = "start_date"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="cp_plans")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="cp_plans")
    initial_conference = models.OneToOneField(
        ChildProtectionConference, on_delete=models.PROTECT, related_name="plan_started"
    )
    start_date = models.DateField(help_text="CPPstartDate: the date of the initial conference.")
    end_date = models.DateField(null=True, blank=True, help_text="CPPendDate")
    initial_category = models.CharField(max_length=3, choices=codes.CPCategory.choices)
    latest_category = models.CharField(max_length=3, choices=codes.CPCategory.choices)
    visit_frequency_working_days = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=(
            "Statutory visits in working days, where the plan sets its own; blank means the authority's "
            "CP-VISIT rule applies (rules.md 1.14, local practice)."
        ),
    )

    class Meta:
        ordering = ["-start_date"]
        verbose_name = "child protection plan"
        constraints = [
            # Validator: a CP plan cannot start and end on the same day.
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gt=models.F("start_date")),
                name="cp_plan_ends_after_start_day",
            )
        ]


class ChildProtectionPlanOutcome(DatedRecord):
    """What must be different for the child, in the plan's own words (F32)."""

    activity_field = "recorded_at"

    plan = models.ForeignKey(ChildProtectionPlan, on_delete=models.CASCADE, related_name="outcomes")
    outcome = models.TextField()


class PlanAction(DatedRecord):
    """An action in a plan: what, who, by when (F32). Every action has an owner and a due date."""

    activity_field = "recorded_at"

    cp_plan = models.ForeignKey(
        ChildProtectionPlan, null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    cin_plan = models.ForeignKey(
        "ChildInNeedPlan", null=True, blank=True, on_delete=models.CASCADE, related_name="actions"
    )
    outcome = models.ForeignKey(ChildProtectionPlanOutcome, null=True, blank=True, on_delete=models.SET_NULL)
    action = models.TextField()
    owner = models.CharField(max_length=200, help_text="Who must do it (a person or agency).")
    due_on = models.DateField()
    completed_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(cp_plan__isnull=False, cin_plan__isnull=True)
                | Q(cp_plan__isnull=True, cin_plan__isnull=False),
                name="plan_action_belongs_to_one_plan",
            )
        ]


class CoreGroupMeeting(DatedRecord):
    activity_field = "held_on"

    plan = models.ForeignKey(ChildProtectionPlan, on_delete=models.CASCADE, related_name="core_groups")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="core_groups")
    held_on = models.DateField()
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-held_on"]


class ChildInNeedPlan(DatedRecord):
    activity_field = "start_date"

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="cin_plans")
    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="cin_plans")
    start_date = models.DateField(help_text="CINPlanStartDate")
    end_date = models.DateField(null=True, blank=True, help_text="CINPlanEndDate")

    class Meta:
        ordering = ["-start_date"]
        verbose_name = "child in need plan"


class WrittenAgreement(DatedRecord):
    """A written agreement with a parent or carer (F25: reported alongside the level of risk)."""

    class Risk(models.TextChoices):
        LOW = "low", "Low"
        MEDIUM = "medium", "Medium"
        HIGH = "high", "High"

    activity_field = "agreed_on"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="written_agreements")
    agreed_on = models.DateField()
    agreed_with = models.ForeignKey(RelatedPerson, on_delete=models.PROTECT)
    terms = models.TextField()
    risk_at_the_time = models.CharField(max_length=10, choices=Risk.choices)
    review_on = models.DateField(null=True, blank=True)
    ended_on = models.DateField(null=True, blank=True)


class Visit(DatedRecord):
    class Kind(models.TextChoices):
        CIN = "cin", "Child in need visit"
        CP = "cp", "Child protection statutory visit"
        CLA = "cla", "Looked-after statutory visit"
        ASSESSMENT = "assessment", "Assessment visit"
        EARLY_HELP = "early_help", "Early help visit"

    activity_field = "visited_at"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="visits")
    visited_at = models.DateTimeField()
    kind = models.CharField(max_length=12, choices=Kind.choices)
    visitor = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    child_seen = models.BooleanField()
    child_seen_alone = models.BooleanField(default=False)
    bedroom_seen = models.BooleanField(default=False)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-visited_at"]
        indexes = [models.Index(fields=["child", "-visited_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(child_seen=True) | Q(child_seen_alone=False), name="seen_alone_implies_seen"
            )
        ]


class EarlyHelpEpisode(DatedRecord):
    """Early help, with step-up to and step-down from children's social care (F30)."""

    activity_field = "start_date"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="early_help_episodes")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True)
    reason = models.TextField(blank=True)
    organisation = models.CharField(max_length=200, help_text="Who is providing the early help.")
    stepped_down_from = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="stepped_down_to"
    )
    stepped_up_to = models.ForeignKey(
        Referral, null=True, blank=True, on_delete=models.SET_NULL, related_name="stepped_up_from"
    )
    end_reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-start_date"]


class CaseNote(DatedRecord):
    class Kind(models.TextChoices):
        CASE_NOTE = "case_note", "Case note"
        MANAGEMENT_OVERSIGHT = "management_oversight", "Management oversight"
        PHONE_CALL = "phone_call", "Phone call"
        MEETING = "meeting", "Meeting"
        CORRESPONDENCE = "correspondence", "Correspondence"

    activity_field = "happened_at"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="case_notes")
    happened_at = models.DateTimeField(help_text="When the activity took place (not when it was written up).")
    kind = models.CharField(max_length=30, choices=Kind.choices, default=Kind.CASE_NOTE)
    subject = models.CharField(max_length=200)
    text = models.TextField()
    author = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-happened_at"]
        indexes = [models.Index(fields=["child", "-happened_at"])]


# ---------------------------------------------------------------------------------------------
# Children looked after (SSDA903)
# ---------------------------------------------------------------------------------------------


class LookedAfterEpisode(DatedRecord):
    """One SSDA903 episode: a span with one legal status and one placement. A period of care is a
    run of episodes joined by X1 (a new episode the same day)."""

    activity_field = "start_date"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="looked_after_episodes")
    start_date = models.DateField(help_text="DECOM")
    reason_new_episode = models.CharField(
        max_length=1, choices=codes.ReasonNewEpisode.choices, help_text="RNE"
    )
    legal_status = models.CharField(max_length=2, choices=codes.LegalStatus.choices, help_text="LS")
    category_of_need = models.CharField(max_length=2, choices=codes.PrimaryNeed.choices, help_text="CIN")
    placement_type = models.CharField(max_length=2, choices=codes.PlacementType.choices, help_text="PLACE")
    placement_provider = models.CharField(
        max_length=3, choices=codes.PlacementProvider.choices, help_text="PLACE_PROVIDER"
    )
    placement_postcode = models.CharField(max_length=8, blank=True, help_text="PL_POST")
    home_postcode = models.CharField(max_length=8, blank=True, help_text="HOME_POST")
    provider_urn = models.CharField(max_length=8, blank=True, help_text="URN: Ofsted unique reference number")
    placement_change_reason = models.CharField(
        max_length=6, choices=codes.PlacementChangeReason.choices, blank=True, help_text="REASON_PLACE_CHANGE"
    )
    end_date = models.DateField(null=True, blank=True, help_text="DEC")
    reason_ceased = models.CharField(
        max_length=3, choices=codes.ReasonEpisodeCeased.choices, blank=True, help_text="REC"
    )
    police_protection_started_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="For L1: the time the child was taken into police protection (72-hour clock).",
    )

    class Meta:
        ordering = ["-start_date"]
        verbose_name = "looked-after episode"
        indexes = [models.Index(fields=["child", "start_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True, reason_ceased="")
                | (Q(end_date__isnull=False) & ~Q(reason_ceased="")),
                name="episode_end_needs_reason",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="episode_ends_after_start",
            ),
            # Validator rule 378: placed with parents cannot be under section 20.
            models.CheckConstraint(
                condition=~Q(
                    legal_status=codes.LegalStatus.SECTION_20, placement_type=codes.PlacementType.P1
                ),
                name="no_p1_with_v2",
            ),
        ]


class LookedAfterReview(DatedRecord):
    activity_field = "held_on"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="looked_after_reviews")
    held_on = models.DateField(help_text="REVIEW")
    participation = models.CharField(
        max_length=3, choices=codes.ReviewParticipation.choices, help_text="REVIEW_CODE"
    )
    chaired_by = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-held_on"]
        verbose_name = "looked-after review"


class MissingEpisode(DatedRecord):
    activity_field = "started_on"

    child = models.ForeignKey(Child, on_delete=models.CASCADE, related_name="missing_episodes")
    kind = models.CharField(max_length=1, choices=codes.MissingType.choices, help_text="MISSING")
    started_on = models.DateField(help_text="MIS_START")
    ended_on = models.DateField(null=True, blank=True, help_text="MIS_END")
    return_interview_offered = models.BooleanField(null=True)
    return_interview_accepted = models.BooleanField(null=True)

    class Meta:
        ordering = ["-started_on"]
