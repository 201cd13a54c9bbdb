"""Shared test helpers: refusal assertions and a builder for a realistic journey through the services."""

from contextlib import contextmanager
from datetime import date, datetime, time

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from django.utils import timezone

from carepath.core import codes
from carepath.core.models import ChangeEvent
from carepath.journey import models as jm
from carepath.journey import services


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def stored_counts() -> dict:
    """How many rows each journey table and the change log hold."""
    counts = {model.__name__: model.objects.count() for model in apps.get_app_config("journey").get_models()}
    counts["ChangeEvent"] = ChangeEvent.objects.count()
    return counts


@contextmanager
def refused(field: str, *fragments: str):
    """The block must raise ValidationError with a message on `field` containing every fragment,
    and must leave every journey table and the change log as they were."""
    before = stored_counts()
    with pytest.raises(ValidationError) as caught:
        yield caught
    messages = caught.value.message_dict.get(field, [])
    assert any(all(f in message for f in fragments) for message in messages), caught.value.message_dict
    assert stored_counts() == before, "a refused write stored something"


class Journey:
    """Walks one child through the front door and child protection using the services, on real
    dates: referral Monday 6 January 2025, ICPC Monday 3 February 2025."""

    REFERRAL_DATE = date(2025, 1, 6)
    ICPC_DATE = date(2025, 2, 3)

    def __init__(self, actor, child):
        self.actor, self.child = actor, child

    def referral(self, on: date = REFERRAL_DATE, **kwargs) -> jm.Referral:
        kwargs.setdefault("source", codes.ReferralSource.SCHOOLS)
        kwargs.setdefault("primary_need", codes.PrimaryNeed.ABUSE_OR_NEGLECT)
        return services.referral_create(actor=self.actor, child=self.child, referral_date=on, **kwargs)

    def close(self, referral, on: date, reason=codes.ClosureReason.SERVICES_CEASED) -> jm.Referral:
        return services.referral_close(
            actor=self.actor, referral=referral, closure_date=on, closure_reason=reason
        )

    def assessment(
        self,
        referral,
        start: date,
        *,
        completed: date | None = None,
        authorised: date | None = None,
        factors=("3B",),
    ) -> jm.Assessment:
        a = services.assessment_start(actor=self.actor, referral=referral, start_date=start)
        if completed:
            services.assessment_complete(
                actor=self.actor,
                assessment=a,
                completed_on=completed,
                outcome=jm.Assessment.Outcome.CIN_PLAN,
                factors=list(factors),
            )
        if authorised:
            services.assessment_authorise(actor=self.actor, assessment=a, authorised_on=authorised)
        return a

    def conference(
        self,
        referral,
        on: date = ICPC_DATE,
        *,
        kind=jm.ChildProtectionConference.Kind.INITIAL,
        plan_required=True,
        **kwargs,
    ) -> jm.ChildProtectionConference:
        return services.conference_record(
            actor=self.actor, referral=referral, kind=kind, held_on=on, plan_required=plan_required, **kwargs
        )

    def cp_plan(self, referral, on: date = ICPC_DATE, **kwargs) -> jm.ChildProtectionPlan:
        conference = self.conference(referral, on)
        return services.cp_plan_start(
            actor=self.actor, conference=conference, initial_category=codes.CPCategory.NEGLECT, **kwargs
        )

    def looked_after(self, on: date = date(2025, 3, 3), **kwargs) -> jm.LookedAfterEpisode:
        fields = {
            "legal_status": codes.LegalStatus.ICO,
            "category_of_need": codes.PrimaryNeed.ABUSE_OR_NEGLECT,
            "placement_type": codes.PlacementType.U6,
            "placement_provider": codes.PlacementProvider.OWN_LA,
        } | kwargs
        return services.looked_after_start(actor=self.actor, child=self.child, start_date=on, **fields)
