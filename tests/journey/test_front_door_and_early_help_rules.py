"""Integrity rules for contacts, early help, written agreements and visits."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from carepath.core import codes
from carepath.journey import models as jm
from carepath.journey import services
from carepath.people.models import Child, ChildStatus
from tests import factories as f
from tests.journey.helpers import at, refused

pytestmark = pytest.mark.django_db

Decision = jm.Contact.Decision


@pytest.fixture
def contact(worker, child):
    return services.contact_create(
        actor=worker,
        child=child,
        received_at=at(date(2025, 1, 6), 9),
        source=codes.ReferralSource.SCHOOLS,
        summary="Arrived hungry for the third day.",
    )


class TestContacts:
    def test_a_contact_received_in_the_future_is_refused(self, worker, child):
        with refused("received_at", "cannot be in the future"):
            services.contact_create(
                actor=worker,
                child=child,
                received_at=timezone.now() + timedelta(hours=2),
                source=codes.ReferralSource.POLICE,
                summary="Domestic incident",
            )

    def test_a_decision_without_a_threshold_level_is_refused(self, worker, contact):
        with refused("threshold_level", "Select the threshold level that applies."):
            services.contact_decide(
                actor=worker, contact=contact, decision=Decision.SIGNPOST, threshold_level=None
            )

    def test_a_decision_before_the_contact_arrived_is_refused(self, worker, contact):
        with refused("decided_at", "cannot be made before the contact was received on 6 January 2025"):
            services.contact_decide(
                actor=worker,
                contact=contact,
                decision=Decision.SIGNPOST,
                threshold_level=jm.ThresholdLevel.UNIVERSAL,
                decided_at=at(date(2025, 1, 5)),
            )
        contact.refresh_from_db()
        assert contact.decision == ""

    def test_a_decision_to_refer_without_a_primary_need_is_refused(self, worker, contact):
        with refused("primary_need", "Select the child's primary need"):
            services.contact_decide(
                actor=worker,
                contact=contact,
                decision=Decision.REFERRAL,
                threshold_level=jm.ThresholdLevel.SPECIALIST,
            )

    def test_a_decision_to_refer_creates_the_referral_from_the_contact(self, worker, contact):
        services.contact_decide(
            actor=worker,
            contact=contact,
            decision=Decision.REFERRAL,
            threshold_level=jm.ThresholdLevel.SPECIALIST,
            decided_at=at(date(2025, 1, 6), 15),
            primary_need=codes.PrimaryNeed.ABUSE_OR_NEGLECT,
        )
        contact.refresh_from_db()
        referral = contact.referral
        assert (contact.decision, contact.threshold_level, contact.decided_by) == (
            Decision.REFERRAL,
            jm.ThresholdLevel.SPECIALIST,
            worker,
        )
        assert (referral.referral_date, referral.source, referral.child) == (
            date(2025, 1, 6),
            codes.ReferralSource.SCHOOLS,
            contact.child,
        )

    def test_a_decision_to_refer_that_breaks_a_rule_stores_neither_the_decision_nor_the_referral(
        self, journey, worker, contact
    ):
        journey.referral(date(2025, 1, 2))  # already an open episode
        with refused(
            "referral_date", "There is already an open referral for this child, made on 2 January 2025"
        ):
            services.contact_decide(
                actor=worker,
                contact=contact,
                decision=Decision.REFERRAL,
                threshold_level=jm.ThresholdLevel.SPECIALIST,
                decided_at=at(date(2025, 1, 6), 15),
                primary_need=codes.PrimaryNeed.ABUSE_OR_NEGLECT,
            )
        assert (contact.decision, contact.version) == ("", 1), (
            "the caller's contact should match the database"
        )
        contact.refresh_from_db()
        assert (contact.decision, contact.version) == ("", 1)

    def test_after_a_refused_decision_the_same_contact_can_be_decided_again(self, journey, worker, contact):
        journey.referral(date(2025, 1, 2))
        with pytest.raises(ValidationError):
            services.contact_decide(
                actor=worker,
                contact=contact,
                decision=Decision.REFERRAL,
                threshold_level=jm.ThresholdLevel.SPECIALIST,
                primary_need=codes.PrimaryNeed.ABUSE_OR_NEGLECT,
                decided_at=at(date(2025, 1, 6), 15),
            )
        services.contact_decide(
            actor=worker,
            contact=contact,
            decision=Decision.INFORMATION_ADVICE,
            threshold_level=jm.ThresholdLevel.TARGETED,
            decided_at=at(date(2025, 1, 6), 16),
        )
        contact.refresh_from_db()
        assert (contact.decision, contact.version) == (Decision.INFORMATION_ADVICE, 2)

    def test_a_contact_is_decided_once(self, worker, contact):
        services.contact_decide(
            actor=worker,
            contact=contact,
            decision=Decision.NFA,
            threshold_level=jm.ThresholdLevel.UNIVERSAL,
            decided_at=at(date(2025, 1, 6), 15),
        )
        with refused("decision", "This contact was already decided on 6 January 2025"):
            services.contact_decide(
                actor=worker,
                contact=contact,
                decision=Decision.SIGNPOST,
                threshold_level=jm.ThresholdLevel.UNIVERSAL,
            )


class TestEarlyHelp:
    def test_a_step_down_from_a_case_not_closed_rc9_is_refused(self, journey, referral):
        journey.close(referral, date(2025, 2, 28))
        with refused(
            "stepped_down_from",
            "(RC9)",
            "The referral made on 6 January 2025 was closed with 'Services ceased for any other reason",
        ):
            services.early_help_step_down(
                actor=journey.actor,
                referral=referral,
                start_date=date(2025, 3, 3),
                organisation="Family Hub North",
            )

    def test_a_step_down_from_a_case_closed_rc9_is_accepted(self, journey, referral):
        journey.assessment(
            referral, date(2025, 1, 7), completed=date(2025, 2, 20), authorised=date(2025, 2, 21)
        )
        journey.close(referral, date(2025, 2, 28), reason=codes.ClosureReason.EARLY_HELP_AFTER_ASSESSMENT)
        episode = services.early_help_step_down(
            actor=journey.actor,
            referral=referral,
            start_date=date(2025, 3, 3),
            organisation="Family Hub North",
        )
        assert episode.stepped_down_from == referral
        assert Child.objects.get(pk=journey.child.pk).status == ChildStatus.EARLY_HELP

    def test_a_step_down_before_the_case_closed_is_refused(self, journey, referral):
        journey.assessment(
            referral, date(2025, 1, 7), completed=date(2025, 2, 20), authorised=date(2025, 2, 21)
        )
        journey.close(referral, date(2025, 2, 28), reason=codes.ClosureReason.EARLY_HELP_AFTER_ASSESSMENT)
        with refused("start_date", "cannot start before the case was closed on 28 February 2025"):
            services.early_help_step_down(
                actor=journey.actor,
                referral=referral,
                start_date=date(2025, 2, 27),
                organisation="Family Hub North",
            )

    def test_a_second_early_help_episode_while_one_runs_is_refused(self, worker, child):
        services.early_help_start(
            actor=worker, child=child, start_date=date(2025, 1, 6), organisation="Family Hub North"
        )
        with refused(
            "start_date", "would overlap the early help with Family Hub North that started on 6 January 2025"
        ):
            services.early_help_start(
                actor=worker, child=child, start_date=date(2025, 2, 3), organisation="School"
            )

    def test_early_help_from_the_day_the_previous_episode_ended_is_accepted(self, worker, child):
        first = services.early_help_start(
            actor=worker, child=child, start_date=date(2025, 1, 6), organisation="Family Hub North"
        )
        services.early_help_end(
            actor=worker, episode=first, end_date=date(2025, 2, 3), end_reason="Moved area"
        )
        second = services.early_help_start(
            actor=worker, child=child, start_date=date(2025, 2, 3), organisation="School"
        )
        assert second.pk

    def test_ending_early_help_before_it_started_is_refused(self, worker, child):
        episode = services.early_help_start(
            actor=worker, child=child, start_date=date(2025, 1, 6), organisation="Family Hub North"
        )
        with refused("end_date", "Early help cannot end before it started on 6 January 2025"):
            services.early_help_end(
                actor=worker, episode=episode, end_date=date(2025, 1, 3), end_reason="Needs met"
            )

    def test_ending_early_help_with_a_reason_is_accepted(self, worker, child):
        episode = services.early_help_start(
            actor=worker, child=child, start_date=date(2025, 1, 6), organisation="Family Hub North"
        )
        services.early_help_end(
            actor=worker, episode=episode, end_date=date(2025, 5, 30), end_reason="Needs met"
        )
        episode.refresh_from_db()
        assert (episode.end_date, episode.end_reason) == (date(2025, 5, 30), "Needs met")
        assert Child.objects.get(pk=child.pk).status == ChildStatus.CLOSED

    def test_a_step_up_ends_early_help_and_starts_the_referral_that_day(self, worker, child):
        episode = services.early_help_start(
            actor=worker, child=child, start_date=date(2025, 1, 6), organisation="Family Hub North"
        )
        referral = services.early_help_step_up(
            actor=worker,
            episode=episode,
            referral_date=date(2025, 3, 3),
            primary_need=codes.PrimaryNeed.DYSFUNCTION,
        )
        episode.refresh_from_db()
        assert (episode.end_date, episode.stepped_up_to) == (date(2025, 3, 3), referral)
        assert (referral.referral_date, referral.source) == (
            date(2025, 3, 3),
            codes.ReferralSource.EARLY_HELP,
        )
        assert Child.objects.get(pk=child.pk).status == ChildStatus.CHILD_IN_NEED

    def test_a_step_up_that_breaks_a_rule_leaves_early_help_open(self, journey, worker, child, referral):
        episode = services.early_help_start(
            actor=worker, child=child, start_date=date(2025, 1, 6), organisation="Family Hub North"
        )
        with refused("referral_date", "There is already an open referral for this child"):
            services.early_help_step_up(
                actor=worker,
                episode=episode,
                referral_date=date(2025, 3, 3),
                primary_need=codes.PrimaryNeed.DYSFUNCTION,
            )
        episode.refresh_from_db()
        assert episode.end_date is None and episode.stepped_up_to is None


class TestWrittenAgreementsAndVisits:
    def test_a_review_date_before_the_agreement_is_refused(self, worker, child):
        mother = f.RelatedPersonFactory()
        with refused("review_on", "The review cannot be before the agreement was made on 10 March 2025"):
            services.written_agreement_record(
                actor=worker,
                child=child,
                agreed_on=date(2025, 3, 10),
                agreed_with=mother,
                terms="No contact with Mr X.",
                risk_at_the_time=jm.WrittenAgreement.Risk.HIGH,
                review_on=date(2025, 3, 3),
            )

    def test_an_agreement_with_a_later_review_date_is_accepted(self, worker, child):
        mother = f.RelatedPersonFactory()
        agreement = services.written_agreement_record(
            actor=worker,
            child=child,
            agreed_on=date(2025, 3, 10),
            agreed_with=mother,
            terms="No contact with Mr X.",
            risk_at_the_time=jm.WrittenAgreement.Risk.HIGH,
            review_on=date(2025, 4, 7),
        )
        assert agreement.risk_at_the_time == jm.WrittenAgreement.Risk.HIGH

    def test_a_visit_in_the_future_is_refused(self, worker, child):
        with refused("visited_at", "cannot be in the future"):
            services.visit_create(
                actor=worker,
                child=child,
                visited_at=timezone.now() + timedelta(hours=1),
                kind=jm.Visit.Kind.CP,
                child_seen=True,
            )

    def test_a_visit_that_has_happened_is_accepted(self, worker, child):
        visit = services.visit_create(
            actor=worker,
            child=child,
            visited_at=at(date(2025, 2, 10)),
            kind=jm.Visit.Kind.CP,
            child_seen=True,
            child_seen_alone=True,
        )
        assert visit.child_seen_alone
