"""Fixtures for the timescales tests: a fixed "today", and a Story that walks a child through the
journey services so that the timescales hook refreshes the child's Deadline rows as it would in use."""

from __future__ import annotations

from datetime import date, datetime, time

import pytest
import time_machine
from django.utils import timezone

from carepath.core import codes
from carepath.journey import models as jm
from carepath.journey import services as js
from carepath.timescales import services as ts
from carepath.timescales.models import Deadline
from tests import factories as f
from tests.journey.helpers import Journey

LS, PLACE, PROVIDER, REC = (
    codes.LegalStatus,
    codes.PlacementType,
    codes.PlacementProvider,
    codes.ReasonEpisodeCeased,
)


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """A London wall-clock moment on `day`."""
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@pytest.fixture
def travel():
    """travel(day) fixes "now" at noon (London) on `day`; call it again to move. Time does not tick,
    so "today" is the same for every write and read in the test."""
    started: list = []

    def go(day: date, hour: int = 12) -> None:
        moment = at(day, hour)
        if started:
            started[0][1].move_to(moment)
        else:
            traveller = time_machine.travel(moment, tick=False)
            started.append((traveller, traveller.start()))

    yield go
    for traveller, _ in started:
        traveller.stop()


class Story(Journey):
    """A child's journey through the real services (tests/journey/helpers.Journey, plus the steps the
    timescales need), with the child's stored Deadline rows to read back."""

    def referral(self, on: date = Journey.REFERRAL_DATE, *, decided: date | datetime | None = None, **kw):
        if isinstance(decided, date) and not isinstance(decided, datetime):
            decided = at(decided, 11)
        return super().referral(on, decided_at=decided, **kw)

    def strategy(self, referral, on: date, *, s47: bool = True, hour: int = 10) -> jm.StrategyDiscussion:
        return js.strategy_discussion_record(
            actor=self.actor,
            referral=referral,
            held_at=at(on, hour),
            attendees="Social care, police, health",
            section_47_initiated=s47,
        )

    def s47_complete(self, enquiry, on: date, outcome: str) -> jm.Section47Enquiry:
        return js.section_47_complete(actor=self.actor, enquiry=enquiry, end_date=on, outcome=outcome)

    def icpc(
        self, referral, on: date, *, section_47=None, plan_required=True
    ) -> jm.ChildProtectionConference:
        return self.conference(referral, on, plan_required=plan_required, section_47=section_47)

    def plan(self, referral, on: date = Journey.ICPC_DATE, *, frequency: int = 10, section_47=None):
        conference = self.icpc(referral, on, section_47=section_47)
        return js.cp_plan_start(
            actor=self.actor,
            conference=conference,
            initial_category=codes.CPCategory.NEGLECT,
            visit_frequency_working_days=frequency,
        )

    def review(self, referral, on: date, *, plan_required: bool = True) -> jm.ChildProtectionConference:
        return self.conference(
            referral, on, kind=jm.ChildProtectionConference.Kind.REVIEW, plan_required=plan_required
        )

    def core_group(self, plan, on: date) -> jm.CoreGroupMeeting:
        return js.core_group_record(actor=self.actor, plan=plan, held_on=on)

    def visit(self, on: date, kind: str = jm.Visit.Kind.CP, *, seen: bool = True, hour: int = 10):
        visit = js.visit_create(
            actor=self.actor, child=self.child, visited_at=at(on, hour), kind=kind, child_seen=seen
        )
        return visit

    def looked_after(self, on: date = date(2025, 3, 3), **kw) -> jm.LookedAfterEpisode:
        if kw.get("placement_type") == PLACE.P1:
            kw.setdefault("placement_provider", PROVIDER.PARENT)
        return super().looked_after(on, **kw)

    def change(self, on: date, **kw) -> jm.LookedAfterEpisode:
        if kw.get("new_placement"):
            kw.setdefault("placement_change_reason", codes.PlacementChangeReason.CARE_PLAN)
            if kw.get("placement_type") == PLACE.P1:
                kw.setdefault("placement_provider", PROVIDER.PARENT)
        return js.looked_after_change(actor=self.actor, child=self.child, change_date=on, **kw)

    def stop_looked_after(self, on: date, reason: str = REC.RETURNED_HOME_PLANNED) -> jm.LookedAfterEpisode:
        return js.looked_after_end(actor=self.actor, child=self.child, end_date=on, reason_ceased=reason)

    def cla_review(self, on: date) -> jm.LookedAfterReview:
        return js.looked_after_review_record(
            actor=self.actor, child=self.child, held_on=on, participation=codes.ReviewParticipation.PN1
        )

    def refresh(self) -> None:
        ts.child_clocks_refresh(child_id=self.child.pk, today=timezone.localdate())

    def rows(self, rule_id: str | None = None) -> list[Deadline]:
        found = Deadline.objects.filter(child=self.child).order_by("started_on", "key")
        if rule_id is not None:
            found = found.filter(rule_id=rule_id)
        return list(found)

    def row(self, rule_id: str) -> Deadline:
        """The one stored row for the rule (fails if there are none or several)."""
        found = self.rows(rule_id)
        assert len(found) == 1, [(r.key, r.status, r.due_on) for r in found]
        return found[0]


@pytest.fixture
def worker(team):
    return f.UserFactory(team=team)


@pytest.fixture
def make_story(worker):
    """make_story() gives a Story for a new child allocated to `worker` (or to the worker given)."""

    def make(*, actor=None, **child_fields) -> Story:
        actor = actor or worker
        child = f.ChildFactory(**child_fields)
        f.allocate(child, actor, started_on=date(2024, 1, 2))
        return Story(actor, child)

    return make


@pytest.fixture
def story(make_story):
    return make_story(date_of_birth=date(2018, 5, 1))
