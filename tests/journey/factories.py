"""Factories for journey records stored directly, bypassing the services: for auditing data that
did not come in through them (integrity.violations_for_child). Synthetic data only."""

from datetime import date

import factory

from carepath.core import codes
from carepath.journey import models as jm
from tests.factories import ChildFactory, ReferralFactory


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = jm.Assessment

    referral = factory.SubFactory(ReferralFactory)
    child = factory.SelfAttribute("referral.child")
    start_date = factory.LazyAttribute(lambda o: o.referral.referral_date)


class InitialConferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = jm.ChildProtectionConference

    referral = factory.SubFactory(ReferralFactory)
    child = factory.SelfAttribute("referral.child")
    kind = jm.ChildProtectionConference.Kind.INITIAL
    held_on = date(2025, 2, 3)
    plan_required = True


class ChildProtectionPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = jm.ChildProtectionPlan

    initial_conference = factory.SubFactory(InitialConferenceFactory)
    referral = factory.SelfAttribute("initial_conference.referral")
    child = factory.SelfAttribute("initial_conference.child")
    start_date = factory.SelfAttribute("initial_conference.held_on")
    initial_category = codes.CPCategory.NEGLECT
    latest_category = codes.CPCategory.NEGLECT


class ChildInNeedPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = jm.ChildInNeedPlan

    referral = factory.SubFactory(ReferralFactory)
    child = factory.SelfAttribute("referral.child")
    start_date = factory.LazyAttribute(lambda o: o.referral.referral_date)


class LookedAfterEpisodeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = jm.LookedAfterEpisode

    child = factory.SubFactory(ChildFactory)
    start_date = date(2025, 1, 6)
    reason_new_episode = codes.ReasonNewEpisode.STARTED
    legal_status = codes.LegalStatus.ICO
    category_of_need = codes.PrimaryNeed.ABUSE_OR_NEGLECT
    placement_type = codes.PlacementType.U6
    placement_provider = codes.PlacementProvider.OWN_LA
