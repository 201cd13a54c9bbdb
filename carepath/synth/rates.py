"""The rates the generator follows. National figures are England's, rounded, from the DfE
"Characteristics of children in need" and "Children looked after in England" releases (and
rules.md); the rest are plausible local practice. The journey model's outcomes are not these
numbers one to one (families return, siblings move together, children reach 18), so some
inputs are tuned until the generated authority shows the national figure; the comments give
the figure aimed at. tests/synth/test_authority.py checks them with a tolerance, and
benchmarks/generate_authority.py prints them for a large authority.
"""

from dataclasses import dataclass, field

from carepath.core import codes
from carepath.journey.models import Assessment, Contact, Section47Enquiry

RS = codes.ReferralSource
DECISION = Contact.Decision
OUTCOME = Assessment.Outcome
S47 = Section47Enquiry.Outcome
NEED = codes.PrimaryNeed
CAT = codes.CPCategory


@dataclass(frozen=True)
class Rates:
    # Front door: 40-60% of contacts become referrals.
    contact_decisions: dict[str, float] = field(default_factory=lambda: {
        DECISION.REFERRAL: 0.45, DECISION.EARLY_HELP: 0.15, DECISION.INFORMATION_ADVICE: 0.18,
        DECISION.SIGNPOST: 0.08, DECISION.NFA: 0.14,
    })  # fmt: skip
    contact_sources: dict[str, float] = field(default_factory=lambda: {
        RS.POLICE: 0.28, RS.SCHOOLS: 0.18, RS.EDUCATION_SERVICES: 0.02, RS.GP: 0.03, RS.HEALTH_VISITOR: 0.03,
        RS.SCHOOL_NURSE: 0.01, RS.PRIMARY_HEALTH_OTHER: 0.02, RS.A_AND_E: 0.03, RS.HEALTH_OTHER: 0.03,
        RS.LA_SOCIAL_CARE: 0.05, RS.LA_INTERNAL: 0.03, RS.LA_EXTERNAL: 0.03, RS.EARLY_HELP: 0.04,
        RS.FAMILY: 0.04, RS.ACQUAINTANCE: 0.01, RS.SELF: 0.01, RS.INDIVIDUAL_OTHER: 0.01, RS.HOUSING: 0.02,
        RS.LEGAL_AGENCY: 0.05, RS.OTHER: 0.04, RS.ANONYMOUS: 0.02, RS.UNKNOWN: 0.02,
    })  # fmt: skip
    # Brothers and sisters are drawn into the same contact this often (always at the first one).
    whole_family_contact: float = 0.75
    # A contact that arrived in the last two days may still be awaiting its decision.
    pending_recent_contact: float = 0.6
    # Referrals: about 8% no further action at referral; about 90% of referrals are assessed.
    referral_nfa: float = 0.08
    assessed_if_not_nfa: float = 0.98
    primary_need: dict[str, float] = field(default_factory=lambda: {
        NEED.ABUSE_OR_NEGLECT: 0.55, NEED.DISABILITY: 0.07, NEED.PARENTAL_ILLNESS: 0.04,
        NEED.ACUTE_STRESS: 0.13, NEED.DYSFUNCTION: 0.13, NEED.BEHAVIOUR: 0.02, NEED.LOW_INCOME: 0.01,
        NEED.ABSENT_PARENTING: 0.03, NEED.NOT_STATED: 0.02,
    })  # fmt: skip
    # About 30% of referrals lead to a section 47 enquiry.
    section_47_if_assessed: float = 0.34
    # Families with a child protection history come back to the front door and to conference more
    # often (20-25% of CP plans are second or subsequent); a referral within the last year makes
    # a new contact likelier to be accepted (about 20% of referrals are re-referrals in 12 months).
    cp_history_referral: float = 0.6
    recent_referral: float = 0.35
    section_47_with_cp_history: float = 0.85
    icpc_with_cp_history: float = 0.85
    # Assessments with no section 47. Over all assessments, 25-30% end NFA and a few % terminate.
    assessment_outcomes_no_s47: dict[str, float] = field(default_factory=lambda: {
        OUTCOME.NFA: 0.44, OUTCOME.TERMINATED: 0.04, OUTCOME.EARLY_HELP: 0.15, OUTCOME.CIN_PLAN: 0.37,
    })  # fmt: skip
    # Section 47 enquiries: about 40% go to an initial conference, about 85% of those to a plan.
    s47_outcomes: dict[str, float] = field(
        default_factory=lambda: {S47.ICPC: 0.34, S47.CIN: 0.38, S47.NFA: 0.28}
    )
    icpc_plan: float = 0.85
    cp_categories: dict[str, float] = field(default_factory=lambda: {
        CAT.NEGLECT: 0.50, CAT.EMOTIONAL: 0.36, CAT.PHYSICAL: 0.07, CAT.SEXUAL: 0.04, CAT.MULTIPLE: 0.03,
    })  # fmt: skip
    # CP plans (median about 9 months): the chance the plan ends at the 1st, 2nd and 3rd review.
    cp_end_at_review: tuple[float, ...] = (0.15, 0.45, 0.85)
    # Plans that end with the child coming into care; plans that step down to a CIN plan.
    cp_to_care: float = 0.17
    cp_step_down_to_cin: float = 0.60
    cin_plan_median_days: int = 340
    cin_escalates_to_s47: float = 0.07
    cin_teen_accommodated: float = 0.06
    # Early help: about 15% step up to social care.
    early_help_step_up: float = 0.15
    early_help_median_days: int = 260
    step_down_to_early_help_after_plan: float = 0.25
    # Assessments: most within 45 working days; some late with a reason recorded (not a failure).
    assessment_late_with_reason: float = 0.08
    # Entries to care straight from a referral (5-8% of referrals lead to care in all).
    direct_to_care_child: float = 0.008
    direct_to_care_teen: float = 0.03
    # Routes into care. Entries by legal status: V2 about 40%, C1 about 35%, L1/L2 about 8%.
    care_routes_child: dict[str, float] = field(default_factory=lambda: {
        "police": 0.25, "s20": 0.3, "epo": 0.15, "proceedings": 0.3,
    })  # fmt: skip
    care_routes_teen: dict[str, float] = field(default_factory=lambda: {
        "s20": 0.8, "remand": 0.08, "pace": 0.05, "police": 0.07,
    })  # fmt: skip
    care_routes_from_cp: dict[str, float] = field(default_factory=lambda: {
        "proceedings": 0.78, "s20": 0.17, "epo": 0.05,
    })  # fmt: skip
    unaccompanied_asylum_seeking_families: float = 0.006
    # After an involvement ends, the chance of another contact, and of it coming within a year.
    recontact: float = 0.65
    recontact_after_cp: float = 0.9
    recontact_within_year: float = 0.65
    recontact_after_short: float = 0.8
    recontact_after_short_within_year: float = 0.85
    # Families whose children have been in care since before the five-year window.
    legacy_care_families: float = 0.02
    restricted_children_min: int = 4
    # Staffing: caseloads of about 15-22; 15-20% agency staff in post (agency staff stay less
    # long, so more of the hires are agency).
    caseload_target: int = 18
    agency_share_of_hires: float = 0.55
    newly_qualified_share_of_permanent_hires: float = 0.3


DEFAULT_RATES = Rates()

# Planted failures: rates per eligible unit (see planted.py for each kind's unit).
DEFAULT_PLANTED_RATES: dict[str, float] = {
    "late_cp_visit": 0.06,
    "late_cla_visit": 0.06,
    "late_cla_review": 0.05,
    "late_rcpc": 0.05,
    "late_assessment": 0.05,
    # Raised from 0.06 once supervision records existed (issue 5), so that an authority of a few
    # thousand children has enough gaps to measure their detection.
    "supervision_gap": 0.15,
    "worker_churn": 0.03,
    "s20_without_consent": 0.10,
    "plan_stuck": 0.06,
    "backdated_recording": 0.03,
    # Per completed case audit (synth/assurance.py), where a planted failure gives one to plant.
    "optimistic_audit": 0.15,
}
