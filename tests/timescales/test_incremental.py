"""The refresh after each save (one child, incremental) and the full recompute (every child) must
store exactly the same Deadline rows: both call the same engine, but they load histories, apply what
people recorded about deadlines, and write rows by different paths.

The property test writes random journeys for one to three children through the journey and people
services (the timescales hook refreshing each child as it goes), then recomputes everything for the
same "today" and compares every stored field but the id.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from carepath.core import codes
from carepath.core.permissions import Role
from carepath.journey import models as jm
from carepath.journey import services as js
from carepath.people import services as people_services
from carepath.timescales import services as ts
from carepath.timescales.engine import Status
from carepath.timescales.models import Deadline
from tests import factories as f
from tests.timescales.conftest import LS, PLACE, PROVIDER, REC, Story

pytestmark = pytest.mark.django_db

TODAY = date(2025, 12, 15)
FIELDS = [field.attname for field in Deadline._meta.concrete_fields if field.attname != "id"]


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def snapshot() -> list[tuple]:
    return [tuple(row) for row in Deadline.objects.order_by("key").values_list(*FIELDS)]


def recompute_and_compare(today: date = TODAY) -> list[tuple]:
    """Move the clock on within the same day (so the recompute sees every save as already made,
    and does not refresh those children again by the incremental path), recompute, compare."""
    incremental = snapshot()
    with time_machine.travel(at(today, 16), tick=False):
        result = ts.clocks_recompute_all(today=today)
    assert getattr(result, "refreshed_after", 0) == 0
    full = snapshot()
    assert incremental == full
    return full


# ---------------------------------------------------------------------------------------------
# A random journey, one step at a time, reading the child's state from the database
# ---------------------------------------------------------------------------------------------


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


class Walker:
    """One child's random journey. `day` only moves forward and never past TODAY."""

    def __init__(self, data, story: Story, workers: list, manager, start: date):
        self.data, self.story, self.workers, self.manager = data, story, workers, manager
        self.child, self.actor = story.child, story.actor
        self.day = start

    def draw(self, strategy, label=""):
        return self.data.draw(strategy, label=label)

    def later(self, most: int = 40) -> date:
        self.day = min(self.day + timedelta(days=self.draw(st.integers(0, most), "gap")), TODAY)
        return self.day

    # -- the child's state ------------------------------------------------------------------------

    def open_referral(self):
        return jm.Referral.objects.filter(child=self.child, closure_date__isnull=True, nfa=False).first()

    def open_plan(self):
        return jm.ChildProtectionPlan.objects.filter(child=self.child, end_date__isnull=True).first()

    def open_cin_plan(self):
        return jm.ChildInNeedPlan.objects.filter(child=self.child, end_date__isnull=True).first()

    def current_episode(self):
        return jm.LookedAfterEpisode.objects.filter(child=self.child, end_date__isnull=True).first()

    def steps(self) -> list[str]:
        """The steps that make sense now, the journey's next steps first and twice over, so that
        journeys get as far as plans, reviews and periods of care within a few dozen steps."""
        referral, episode, plan = self.open_referral(), self.current_episode(), self.open_plan()
        journey = []
        if referral is None:
            journey.append("referral")
        elif plan is not None:
            journey += ["visit", "core_group", "review", "plan_end"]
        else:
            journey += ["icpc", "strategy", "s47_complete", "assessment", "cin_plan", "close"]
            if self.open_cin_plan():
                journey += ["visit", "cin_plan_end"]
        journey += ["visit", "cla_review", "la_change", "la_end"] if episode else ["la_start"]
        others = ["visit", "allocation", "oversight"]
        if self.recent_deadlines():
            others += ["acknowledge", "reassign", "late_reason", "escalate"]
        return journey * 2 + others

    def recent_deadlines(self):
        return list(Deadline.objects.filter(child=self.child).order_by("key"))

    # -- the steps --------------------------------------------------------------------------------

    def step(self) -> bool:
        """One random step. Returns whether the services accepted it."""
        options = self.steps()
        # An index drawn from a wide range, not sampled_from: Hypothesis favours the first few
        # elements of a list so strongly that later steps were hardly ever taken.
        name = options[self.draw(st.integers(0, 2**20), "step") % len(options)]
        before = snapshot()
        try:
            # A step may be several writes (ending a plan, then closing the referral): all or none.
            with transaction.atomic():
                getattr(self, f"do_{name}")()
        except (ValidationError, PermissionDenied):
            # A refused write stores nothing, the child's clocks included.
            assert snapshot() == before, f"refused {name} changed the stored clocks"
            return False
        return True

    def do_referral(self):
        on = self.later()
        decided = self.draw(st.one_of(st.none(), st.integers(0, 4)), "decided after")
        self.story.referral(
            on,
            decided=at(min(on + timedelta(days=decided), TODAY), 11) if decided is not None else None,
            nfa=self.draw(st.booleans() if decided is not None else st.just(False), "nfa"),
        )

    def do_close(self):
        referral = self.open_referral()
        if plan := self.open_plan():
            js.cp_plan_end(actor=self.actor, plan=plan, end_date=self.later(10))
        if plan := self.open_cin_plan():
            js.cin_plan_end(actor=self.actor, plan=plan, end_date=self.later(10))
        assessed = jm.Assessment.objects.filter(referral=referral).exists()
        self.story.close(
            referral,
            self.later(),
            codes.ClosureReason.NFA_AFTER_ASSESSMENT if assessed else codes.ClosureReason.SERVICES_CEASED,
        )

    def do_assessment(self):
        referral = self.open_referral()
        current = jm.Assessment.objects.filter(referral=referral, completed_on__isnull=True).first()
        if current is None:
            js.assessment_start(actor=self.actor, referral=referral, start_date=self.later(10))
            return
        outcome = self.draw(st.sampled_from(jm.Assessment.Outcome.values), "outcome")
        js.assessment_complete(
            actor=self.actor,
            assessment=current,
            completed_on=self.later(60),
            outcome=outcome,
            factors=[] if outcome == jm.Assessment.Outcome.TERMINATED else ["3B"],
            late_reason=self.draw(st.sampled_from(["", "The family were away."]), "late reason"),
        )
        if outcome != jm.Assessment.Outcome.TERMINATED and self.draw(st.booleans(), "authorise"):
            js.assessment_authorise(actor=self.actor, assessment=current, authorised_on=self.later(10))

    def do_strategy(self):
        self.story.strategy(
            self.open_referral(),
            self.later(20),
            s47=self.draw(st.booleans(), "s47"),
            hour=self.draw(st.sampled_from([0, 10, 23]), "hour"),
        )

    def do_s47_complete(self):
        enquiry = jm.Section47Enquiry.objects.filter(child=self.child, end_date__isnull=True).first()
        if enquiry is None:
            raise ValidationError("no open enquiry")
        self.story.s47_complete(
            enquiry, self.later(25), self.draw(st.sampled_from(jm.Section47Enquiry.Outcome.values))
        )

    def do_icpc(self):
        referral = self.open_referral()
        on = _weekday(self.later(25))
        if on > TODAY:
            raise ValidationError("no weekday left")
        self.day = on
        enquiry = jm.Section47Enquiry.objects.filter(referral=referral).order_by("-start_date").first()
        conference = self.story.icpc(
            referral, on, section_47=enquiry, plan_required=self.draw(st.booleans(), "plan required")
        )
        if conference.plan_required:
            js.cp_plan_start(
                actor=self.actor,
                conference=conference,
                initial_category=codes.CPCategory.NEGLECT,
                visit_frequency_working_days=self.draw(st.sampled_from([5, 10, 15]), "frequency"),
                end_open_cin_plan=True,
            )

    def do_core_group(self):
        self.story.core_group(self.open_plan(), self.later(35))

    def do_review(self):
        self.story.review(
            self.open_referral(), self.later(200), plan_required=self.draw(st.booleans(), "plan continues")
        )

    def do_plan_end(self):
        js.cp_plan_end(actor=self.actor, plan=self.open_plan(), end_date=self.later(200))

    def do_cin_plan(self):
        js.cin_plan_start(actor=self.actor, referral=self.open_referral(), start_date=self.later(20))

    def do_cin_plan_end(self):
        js.cin_plan_end(actor=self.actor, plan=self.open_cin_plan(), end_date=self.later(90))

    def do_visit(self):
        js.visit_create(
            actor=self.actor,
            child=self.child,
            visited_at=at(self.later(), self.draw(st.sampled_from([0, 10, 23]), "hour")),
            kind=self.draw(st.sampled_from([jm.Visit.Kind.CP, jm.Visit.Kind.CLA, jm.Visit.Kind.CIN])),
            child_seen=self.draw(st.booleans(), "seen"),
        )

    def do_oversight(self):
        js.case_note_create(
            actor=self.actor,
            child=self.child,
            happened_at=at(self.later(), 8),  # before "now" (09:00) even on TODAY
            subject="Management oversight",
            text="Reviewed the plan with the worker.",
            kind=jm.CaseNote.Kind.MANAGEMENT_OVERSIGHT,
        )

    def do_la_start(self):
        status = self.draw(
            st.sampled_from([LS.ICO, LS.FULL_CARE_ORDER, LS.SECTION_20, LS.POLICE_PROTECTION, LS.EPO])
        )
        placement = self.draw(st.sampled_from([PLACE.U1, PLACE.U4, PLACE.U6, PLACE.P1]), "placement")
        on = self.later()
        self.story.looked_after(
            on,
            legal_status=status,
            placement_type=placement,
            placement_provider=PROVIDER.PARENT if placement == PLACE.P1 else PROVIDER.OWN_LA,
            police_protection_started_at=at(on, self.draw(st.sampled_from([1, 14, 23]), "taken"))
            if status == LS.POLICE_PROTECTION
            else None,
        )

    def do_la_change(self):
        episode = self.current_episode()
        self.day = max(self.day, episode.start_date + timedelta(days=1))
        new_placement = self.draw(st.booleans(), "new placement")
        status = self.draw(
            st.sampled_from([None, LS.ICO, LS.FULL_CARE_ORDER, LS.SECTION_20, LS.EPO]), "status"
        )
        placement = self.draw(st.sampled_from([PLACE.U1, PLACE.U4, PLACE.U6, PLACE.P1]), "placement")
        kw = {"new_placement": new_placement, "legal_status": status}
        if new_placement:
            kw["placement_type"] = placement
        self.story.change(self.later(200), **kw)

    def do_la_end(self):
        episode = self.current_episode()
        self.day = max(self.day, episode.start_date)
        self.story.stop_looked_after(
            self.later(200), self.draw(st.sampled_from([REC.RETURNED_HOME_PLANNED, REC.LIVING_WITHOUT_PR]))
        )

    def do_cla_review(self):
        self.story.cla_review(self.later(120))

    def do_allocation(self):
        current = self.child.allocated_worker_id
        worker = self.draw(st.sampled_from([w for w in self.workers if w.pk != current]), "worker")
        people_services.allocation_change(
            actor=self.manager, child=self.child, worker=worker, started_on=self.later(90)
        )

    def _some_deadline(self):
        return self.draw(st.sampled_from(self.recent_deadlines()), "deadline")

    def do_acknowledge(self):
        ts.deadlines_acknowledge(
            actor=self.manager, deadlines=[self._some_deadline()], reason="Seen; the plan is in hand."
        )

    def do_reassign(self):
        ts.deadline_reassign(
            actor=self.manager, deadline=self._some_deadline(), to=self.draw(st.sampled_from(self.workers))
        )

    def do_late_reason(self):
        ts.late_reason_record(
            actor=self.manager, deadline=self._some_deadline(), reason="The worker was on leave that week."
        )

    def do_escalate(self):
        ts.escalations_run(today=TODAY)


def test_refreshing_after_each_save_matches_a_full_recompute(team):
    ts.rules_ensure_loaded()  # once, outside the examples' rolled-back transactions
    seen_rules: set[str] = set()
    accepted_steps: list[int] = []

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    )
    @given(data=st.data())
    def journeys(data):
        # Each example in its own transaction inside the test's, rolled back at the end.
        with transaction.atomic(), time_machine.travel(at(TODAY, 9), tick=False):
            manager = f.UserFactory(team=team, role=Role.TEAM_MANAGER)
            f.name_managers(team, manager)
            workers = [manager, *(f.UserFactory(team=team) for _ in range(3))]
            walkers = []
            for n in range(data.draw(st.integers(1, 3), "children")):
                start = date(2024, 1, 8) + timedelta(days=data.draw(st.integers(0, 300), "start"))
                if data.draw(st.integers(0, 9), "unborn") == 0:
                    child = f.ChildFactory(
                        date_of_birth=None,
                        expected_date_of_birth=start + timedelta(days=120),
                        sex=codes.Sex.UNKNOWN,
                    )
                else:
                    age = timedelta(days=data.draw(st.integers(200, 5000), "age"))
                    child = f.ChildFactory(date_of_birth=start - age)
                f.allocate(child, workers[1 + n], started_on=start)
                # The team manager records (team scope), so changing the allocated worker keeps access.
                walkers.append(Walker(data, Story(manager, child), workers, manager, start))
            accepted = 0
            for _ in range(data.draw(st.integers(1, 36), "steps")):
                accepted += data.draw(st.sampled_from(walkers), "child").step()
            full = recompute_and_compare()
            seen_rules.update(row[FIELDS.index("rule_id")] for row in full)
            accepted_steps.append(accepted)
            transaction.set_rollback(True)

    journeys()
    # A property that held over journeys producing almost no clocks would prove little.
    assert sum(accepted_steps) >= 2 * len(accepted_steps)
    assert len(seen_rules) >= 12, seen_rules


# ---------------------------------------------------------------------------------------------
# A change shows at once
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def overdue_plan(story, travel):
    """A plan started Monday 3 February 2025; on Thursday 20 February its first core group and
    visit (due Monday 17 February) are overdue."""
    travel(date(2025, 2, 20))
    referral = story.referral(date(2025, 1, 6), decided=date(2025, 1, 6))
    plan = story.plan(referral, date(2025, 2, 3))
    for rule in ("CORE-1", "CP-VISIT"):
        row = story.row(rule)
        assert (row.status, row.due_on) == (Status.OPEN, date(2025, 2, 17))
    return story, plan


def test_a_core_group_recorded_replaces_the_overdue_clock_at_once(overdue_plan):
    story, plan = overdue_plan
    js.core_group_record(actor=story.actor, plan=plan, held_on=date(2025, 2, 17))
    assert story.rows("CORE-1") == []
    row = story.row("CORE-N")
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2025, 2, 17), date(2025, 3, 17))
    recompute_and_compare(date(2025, 2, 20))


def test_a_visit_recorded_replaces_the_overdue_visit_clock_at_once(overdue_plan):
    story, _plan = overdue_plan
    js.visit_create(
        actor=story.actor,
        child=story.child,
        visited_at=at(date(2025, 2, 17)),
        kind=jm.Visit.Kind.CP,
        child_seen=True,
    )
    row = story.row("CP-VISIT")
    # 10 working days after Monday 17 February is Monday 3 March.
    assert (row.status, row.started_on, row.due_on) == (Status.OPEN, date(2025, 2, 17), date(2025, 3, 3))


def test_a_management_oversight_note_counts_as_progress_at_once(story, travel):
    travel(date(2025, 3, 10))
    story.referral(date(2025, 1, 6), decided=date(2025, 1, 6))
    assert story.row("DRIFT-NO-PROGRESS").due_on == date(2025, 3, 3)
    js.case_note_create(
        actor=story.actor,
        child=story.child,
        happened_at=at(date(2025, 3, 7), 15),
        subject="Management oversight",
        text="Reviewed the case with the worker; assessment to start this week.",
        kind=jm.CaseNote.Kind.MANAGEMENT_OVERSIGHT,
    )
    assert story.rows("DRIFT-NO-PROGRESS")[-1].started_on == date(2025, 3, 7)
