"""One record of every kind in a child's journey, for the API tests (synthetic data only)."""

from datetime import date, timedelta

from django.utils import timezone

from carepath.core import codes
from carepath.journey import models as jm
from carepath.people import models as pm
from tests import factories as f


def full_journey(child: pm.Child, worker: pm.User) -> dict[str, object]:
    """Give `child` one record of each kind; return them keyed by the API list they appear in."""
    now = timezone.now()
    today = timezone.localdate()
    contact = jm.Contact.objects.create(
        child=child,
        received_at=now - timedelta(days=90),
        source=codes.ReferralSource.SCHOOLS,
        summary="Teacher worried about bruising.",
        decided_at=now - timedelta(days=89),
        decision=jm.Contact.Decision.REFERRAL,
        threshold_level=jm.ThresholdLevel.SPECIALIST,
        decided_by=worker,
    )
    referral = f.ReferralFactory(child=child, contact=contact, referral_date=today - timedelta(days=89))
    assessment = jm.Assessment.objects.create(
        referral=referral,
        child=child,
        start_date=today - timedelta(days=88),
        outcome=jm.Assessment.Outcome.SECTION_47,
        factors=["2A", "3A"],
    )
    strategy = jm.StrategyDiscussion.objects.create(
        referral=referral,
        child=child,
        held_at=now - timedelta(days=87),
        attendees="Police, health, school",
        section_47_initiated=True,
    )
    enquiry = jm.Section47Enquiry.objects.create(
        referral=referral,
        child=child,
        strategy_discussion=strategy,
        start_date=today - timedelta(days=87),
        outcome=jm.Section47Enquiry.Outcome.ICPC,
    )
    conference = jm.ChildProtectionConference.objects.create(
        referral=referral,
        child=child,
        kind=jm.ChildProtectionConference.Kind.INITIAL,
        section_47=enquiry,
        held_on=today - timedelta(days=80),
        plan_required=True,
        chair=worker,
    )
    cp_plan = jm.ChildProtectionPlan.objects.create(
        referral=referral,
        child=child,
        initial_conference=conference,
        start_date=today - timedelta(days=80),
        initial_category=codes.CPCategory.NEGLECT,
        latest_category=codes.CPCategory.EMOTIONAL,
    )
    outcome = jm.ChildProtectionPlanOutcome.objects.create(plan=cp_plan, outcome="Regular meals at home.")
    cp_action = jm.PlanAction.objects.create(
        cp_plan=cp_plan,
        outcome=outcome,
        action="Referral to the food bank",
        owner="Social worker",
        due_on=today + timedelta(days=7),
    )
    cin_plan = jm.ChildInNeedPlan.objects.create(
        referral=referral,
        child=child,
        start_date=today - timedelta(days=200),
        end_date=today - timedelta(days=100),
    )
    cin_action = jm.PlanAction.objects.create(
        cin_plan=cin_plan,
        action="Attend parenting course",
        owner="Mother",
        due_on=today - timedelta(days=120),
    )
    core_group = jm.CoreGroupMeeting.objects.create(
        plan=cp_plan, child=child, held_on=today - timedelta(days=70)
    )
    parent = f.RelatedPersonFactory()
    relationship = pm.Relationship.objects.create(
        child=child,
        person=parent,
        kind=pm.Relationship.Kind.MOTHER,
        has_parental_responsibility=True,
        lives_with_child=True,
    )
    agreement = jm.WrittenAgreement.objects.create(
        child=child,
        agreed_on=today - timedelta(days=60),
        agreed_with=parent,
        terms="No contact with X.",
        risk_at_the_time=jm.WrittenAgreement.Risk.HIGH,
    )
    visit = f.VisitFactory(child=child, visitor=worker, kind=jm.Visit.Kind.CP)
    note = jm.CaseNote.objects.create(
        child=child,
        happened_at=now - timedelta(days=2),
        subject="Phone call",
        text="Spoke to school.",
        author=worker,
    )
    early_help = jm.EarlyHelpEpisode.objects.create(
        child=child,
        start_date=today - timedelta(days=400),
        end_date=today - timedelta(days=300),
        organisation="Family hub",
    )
    episode = jm.LookedAfterEpisode.objects.create(
        child=child,
        start_date=today - timedelta(days=30),
        reason_new_episode=codes.ReasonNewEpisode.STARTED,
        legal_status=codes.LegalStatus.SECTION_20,
        category_of_need=codes.PrimaryNeed.ABUSE_OR_NEGLECT,
        placement_type=codes.PlacementType.U6,
        placement_provider=codes.PlacementProvider.OWN_LA,
    )
    review = jm.LookedAfterReview.objects.create(
        child=child, held_on=today - timedelta(days=5), participation=codes.ReviewParticipation.PN1
    )
    missing = jm.MissingEpisode.objects.create(
        child=child,
        kind=codes.MissingType.MISSING,
        started_on=today - timedelta(days=10),
        ended_on=today - timedelta(days=9),
    )
    agency = pm.PartnerAgency.objects.create(
        name="Hill Primary School",
        kind=pm.PartnerAgency.Kind.SCHOOL,
        referral_source=codes.ReferralSource.SCHOOLS,
    )
    teacher = pm.Professional.objects.create(agency=agency, name="A Teacher", job_title="Designated lead")
    involvement = pm.ProfessionalInvolvement.objects.create(
        child=child, professional=teacher, started_on=date(2024, 9, 1)
    )
    return {
        "contacts": contact,
        "referrals": referral,
        "assessments": assessment,
        "strategy-discussions": strategy,
        "section-47-enquiries": enquiry,
        "conferences": conference,
        "child-protection-plans": cp_plan,
        "child-in-need-plans": cin_plan,
        "core-groups": core_group,
        "written-agreements": agreement,
        "visits": visit,
        "case-notes": note,
        "early-help": early_help,
        "looked-after-episodes": episode,
        "looked-after-reviews": review,
        "missing-episodes": missing,
        "relationships": relationship,
        "professionals": involvement,
        # Nested records, checked inside their plans.
        "_outcome": outcome,
        "_cp_action": cp_action,
        "_cin_action": cin_action,
    }
