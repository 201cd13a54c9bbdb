"""Integrity rules for looked-after episodes (SSDA903), reviews and missing episodes."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from carepath.core import codes
from carepath.journey import integrity, services
from carepath.journey import models as jm
from tests.journey.helpers import refused

pytestmark = pytest.mark.django_db

LS, PLACE, RNE, REC = (
    codes.LegalStatus,
    codes.PlacementType,
    codes.ReasonNewEpisode,
    codes.ReasonEpisodeCeased,
)


def change(journey, on=date(2025, 4, 7), **kwargs):
    return services.looked_after_change(actor=journey.actor, child=journey.child, change_date=on, **kwargs)


def test_starting_again_while_looked_after_is_refused(journey):
    journey.looked_after()
    with refused(
        "start_date",
        "would overlap the looked-after episode that started on 3 March 2025 and has not ended",
        "Record a change of placement or legal status instead",
    ):
        journey.looked_after(date(2025, 4, 7))


def test_a_new_period_of_care_from_the_day_the_last_one_ended_is_accepted(journey):
    journey.looked_after()
    services.looked_after_end(
        actor=journey.actor,
        child=journey.child,
        end_date=date(2025, 6, 2),
        reason_ceased=REC.RETURNED_HOME_PLANNED,
    )
    again = journey.looked_after(date(2025, 6, 2))
    assert again.reason_new_episode == RNE.STARTED


def test_section_20_placed_with_parents_is_refused(journey):
    with refused(
        "placement_type", "accommodated under section 20 (V2) cannot be placed with their parents (P1)"
    ):
        journey.looked_after(
            legal_status=LS.SECTION_20,
            placement_type=PLACE.P1,
            placement_provider=codes.PlacementProvider.PARENT,
        )


def test_a_care_order_placed_with_parents_is_accepted(journey):
    episode = journey.looked_after(
        legal_status=LS.FULL_CARE_ORDER,
        placement_type=PLACE.P1,
        placement_provider=codes.PlacementProvider.PARENT,
    )
    assert (episode.legal_status, episode.placement_type) == (LS.FULL_CARE_ORDER, PLACE.P1)


def test_a_change_to_section_20_while_placed_with_parents_is_refused_and_the_episode_stays_open(journey):
    current = journey.looked_after(
        legal_status=LS.FULL_CARE_ORDER,
        placement_type=PLACE.P1,
        placement_provider=codes.PlacementProvider.PARENT,
    )
    with refused("placement_type", "(V2) cannot be placed with their parents (P1)"):
        change(journey, legal_status=LS.SECTION_20)
    current.refresh_from_db()
    assert (current.end_date, current.reason_ceased) == (None, "")


def test_ending_without_a_reason_is_refused(journey):
    episode = journey.looked_after()
    with refused("reason_ceased", "Select the reason the episode ended."):
        services.looked_after_end(
            actor=journey.actor, child=journey.child, end_date=date(2025, 6, 2), reason_ceased=""
        )
    episode.refresh_from_db()
    assert episode.end_date is None


def test_ending_before_the_start_is_refused(journey):
    journey.looked_after()
    with refused("end_date", "cannot end before it started on 3 March 2025"):
        services.looked_after_end(
            actor=journey.actor,
            child=journey.child,
            end_date=date(2025, 3, 2),
            reason_ceased=REC.RETURNED_HOME_PLANNED,
        )


def test_ending_with_a_reason_is_accepted(journey):
    episode = journey.looked_after()
    services.looked_after_end(
        actor=journey.actor,
        child=journey.child,
        end_date=date(2025, 6, 2),
        reason_ceased=REC.SGO_OTHER_RELATIVE,
    )
    episode.refresh_from_db()
    assert (episode.end_date, episode.reason_ceased) == (date(2025, 6, 2), REC.SGO_OTHER_RELATIVE)


def test_ending_with_x1_is_refused(journey):
    journey.looked_after()
    with refused("reason_ceased", "X1 means a new episode starts the same day"):
        services.looked_after_end(
            actor=journey.actor, child=journey.child, end_date=date(2025, 6, 2), reason_ceased=REC.NEW_EPISODE
        )


@pytest.mark.parametrize(
    ("legal_status", "new_placement", "same_carer", "expected"),
    [
        (LS.FULL_CARE_ORDER, False, False, RNE.LEGAL_STATUS),
        (None, True, False, RNE.PLACEMENT_AND_CARER),
        (None, True, True, RNE.PLACEMENT_SAME_CARER),
        (LS.FULL_CARE_ORDER, True, False, RNE.STATUS_PLACEMENT_CARER),
        (LS.FULL_CARE_ORDER, True, True, RNE.STATUS_PLACEMENT_SAME_CARER),
    ],
)
def test_a_change_ends_the_episode_x1_and_starts_the_next_with_the_reason_for_what_changed(
    journey, legal_status, new_placement, same_carer, expected
):
    first = journey.looked_after()
    placement = (
        {"placement_type": PLACE.U4, "placement_change_reason": codes.PlacementChangeReason.CARE_PLAN}
        if new_placement
        else {}
    )
    second = change(
        journey, legal_status=legal_status, new_placement=new_placement, same_carer=same_carer, **placement
    )
    first.refresh_from_db()
    assert (first.end_date, first.reason_ceased) == (date(2025, 4, 7), REC.NEW_EPISODE)
    assert (second.start_date, second.reason_new_episode) == (date(2025, 4, 7), expected)
    assert second.legal_status == (legal_status or LS.ICO)
    assert second.placement_type == (PLACE.U4 if new_placement else PLACE.U6)
    assert first.placement_change_reason == (codes.PlacementChangeReason.CARE_PLAN if new_placement else "")


def test_a_change_that_changes_nothing_is_refused(journey):
    journey.looked_after()
    with refused("legal_status", "Nothing has changed"):
        change(journey, legal_status=LS.ICO)


def test_a_new_placement_without_the_reason_the_last_ended_is_refused(journey):
    journey.looked_after()
    with refused("placement_change_reason", "Select why the previous placement ended."):
        change(journey, new_placement=True, placement_type=PLACE.U4)


def test_a_change_before_the_current_episode_started_is_refused(journey):
    journey.looked_after()
    with refused("end_date", "cannot end before it started on 3 March 2025"):
        change(journey, on=date(2025, 3, 1), legal_status=LS.FULL_CARE_ORDER)


class TestPeriodOfCareContinuity:
    """Services always end one episode with X1 and start the next together, so these are checked
    on episodes built directly, as an importer would."""

    def test_a_change_episode_that_does_not_follow_an_x1_breaks_the_rule(self, child):
        orphan = jm.LookedAfterEpisode(
            child=child, start_date=date(2025, 4, 7), reason_new_episode=RNE.LEGAL_STATUS
        )
        (violation,) = integrity.looked_after_episode_joins_its_period_of_care(orphan)
        assert (
            violation.field == "reason_new_episode"
            and "no episode ended that way on 7 April 2025" in violation.message
        )

    def test_a_change_episode_that_follows_an_x1_is_accepted(self, journey):
        journey.looked_after()
        second = change(journey, legal_status=LS.FULL_CARE_ORDER)
        assert integrity.looked_after_episode_joins_its_period_of_care(second) == []

    def test_starting_to_be_looked_after_the_day_an_episode_ended_x1_breaks_the_rule(self, journey):
        journey.looked_after()
        change(journey, legal_status=LS.FULL_CARE_ORDER)
        restart = jm.LookedAfterEpisode(
            child=journey.child, start_date=date(2025, 4, 7), reason_new_episode=RNE.STARTED
        )
        (violation,) = integrity.looked_after_episode_joins_its_period_of_care(restart)
        assert "continues the same period of care" in violation.message


class TestReviewsAndMissingEpisodes:
    def test_a_review_when_the_child_was_not_looked_after_is_refused(self, journey):
        with refused("held_on", "The child was not looked after on 31 March 2025"):
            services.looked_after_review_record(
                actor=journey.actor,
                child=journey.child,
                held_on=date(2025, 3, 31),
                participation=codes.ReviewParticipation.PN1,
            )

    def test_a_review_while_looked_after_is_accepted(self, journey):
        journey.looked_after()
        review = services.looked_after_review_record(
            actor=journey.actor,
            child=journey.child,
            held_on=date(2025, 3, 31),
            participation=codes.ReviewParticipation.PN1,
        )
        assert review.pk

    def test_a_review_in_the_future_is_refused(self, journey):
        journey.looked_after()
        with refused("held_on", "cannot be in the future"):
            services.looked_after_review_record(
                actor=journey.actor,
                child=journey.child,
                held_on=timezone.localdate() + timedelta(days=1),
                participation=codes.ReviewParticipation.PN1,
            )

    def test_returning_before_going_missing_is_refused(self, journey):
        with refused("ended_on", "cannot return before they went missing on 10 May 2025"):
            services.missing_episode_record(
                actor=journey.actor,
                child=journey.child,
                kind=codes.MissingType.MISSING,
                started_on=date(2025, 5, 10),
                ended_on=date(2025, 5, 9),
            )

    def test_an_interview_accepted_but_not_offered_is_refused(self, journey):
        with refused("return_interview_accepted", "can only be accepted if it was offered"):
            services.missing_episode_record(
                actor=journey.actor,
                child=journey.child,
                kind=codes.MissingType.MISSING,
                started_on=date(2025, 5, 10),
                ended_on=date(2025, 5, 11),
                return_interview_offered=False,
                return_interview_accepted=True,
            )

    def test_a_missing_episode_with_an_interview_offered_and_accepted_is_accepted(self, journey):
        episode = services.missing_episode_record(
            actor=journey.actor,
            child=journey.child,
            kind=codes.MissingType.AWAY,
            started_on=date(2025, 5, 10),
            ended_on=date(2025, 5, 10),
            return_interview_offered=True,
            return_interview_accepted=True,
        )
        assert episode.pk
