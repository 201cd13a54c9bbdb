"""A generated authority of 1,000 children, checked against the rules it must keep, the national
rates it follows, the demo accounts it provides and the failures it says it planted.

The authority is generated once for the module inside a transaction that is rolled back at the
end, so the other test modules start from an empty database."""

import random
import re
from datetime import date, timedelta
from statistics import median
from types import SimpleNamespace

import pytest
from django.db import transaction
from django.db.models import Count

from carepath.core.models import AccessBasis
from carepath.core.permissions import Role, Scope
from carepath.journey import models as jm
from carepath.journey.integrity import violations_for_child
from carepath.journey.selectors import derive_status, timeline_for
from carepath.people import models as pm
from carepath.people.selectors import child_access_decision, children_visible_to
from carepath.synth.generator import generate_authority
from carepath.synth.organisation import DEMO_USERNAMES
from carepath.synth.planted import KINDS, read_planted
from tests.synth import checks

# Each test also asks for the database in the usual way, so that pytest-django sets it up; its
# per-test transaction nests inside the module's.
pytestmark = pytest.mark.django_db

TODAY = date(2025, 6, 30)
# Higher than the defaults so that every kind appears in a small authority.
RATES = {kind: 0.12 for kind in KINDS} | {"backdated_recording": 0.02}
OPEN = ["looked_after", "child_protection", "child_in_need"]


@pytest.fixture(scope="module")
def authority(django_db_setup, django_db_blocker, tmp_path_factory):
    path = tmp_path_factory.mktemp("synth") / "planted.csv"
    with django_db_blocker.unblock(), transaction.atomic():
        report = generate_authority(
            children=1000, seed=11, today=TODAY, planted_path=path, planted_rates=RATES
        )
        yield SimpleNamespace(
            report=report, planted=read_planted(path), today=TODAY, wd=checks.calendar(TODAY)
        )
        transaction.set_rollback(True)


def planted(authority, kind):
    return [row for row in authority.planted if row["kind"] == kind]


# -- the rules every child's record keeps ----------------------------------------------------------


def test_every_record_keeps_the_integrity_rules(authority):
    assert checks.integrity_problems(authority.today) == []


def test_stored_status_is_what_derive_status_finds(authority):
    children = list(pm.Child.objects.all())
    sample = random.Random(1).sample(children, 250) + [c for c in children if c.status != "closed"][:100]
    mismatched = [
        (c.case_number, c.status, derive_status(c, authority.today))
        for c in sample
        if derive_status(c, authority.today) != c.status
    ]
    assert mismatched == []
    assert {c.status for c in children} >= {
        "looked_after",
        "child_protection",
        "child_in_need",
        "early_help",
        "closed",
    }


def test_allocated_worker_and_team_follow_the_open_social_worker_allocation(authority):
    open_allocations = {
        a.child_id: a
        for a in pm.Allocation.objects.filter(kind=pm.Allocation.Kind.SOCIAL_WORKER, ended_on__isnull=True)
    }
    wrong = []
    for child in pm.Child.objects.all():
        allocation = open_allocations.get(child.pk)
        if allocation is None:
            if child.allocated_worker_id is not None or child.allocated_team_id is None:
                wrong.append(child.case_number)
        elif (child.allocated_worker_id, child.allocated_team_id) != (
            allocation.worker_id,
            allocation.team_id,
        ):
            wrong.append(child.case_number)
    assert wrong == []
    # Every child open to social care has a social worker.
    assert not pm.Child.objects.filter(status__in=OPEN, allocated_worker__isnull=True).exists()


def test_leavers_hand_their_children_on_the_day_they_leave(authority):
    leavers = pm.User.objects.filter(is_active=False)
    assert leavers.exists() and not leavers.filter(left_on__isnull=True).exists()
    assert not pm.Allocation.objects.filter(worker__in=leavers, ended_on__isnull=True).exists()
    handed_on = pm.Allocation.objects.filter(kind=pm.Allocation.Kind.SOCIAL_WORKER, end_reason="LEFTRL")
    assert handed_on.exists()
    for allocation in handed_on[:200]:
        assert allocation.ended_on == allocation.worker.left_on
        assert (
            pm.Allocation.objects.filter(
                child=allocation.child, kind=allocation.kind, started_on=allocation.ended_on
            )
            .exclude(worker=allocation.worker)
            .exists()
        )


def test_families_share_their_adults(authority):
    siblings = pm.Family.objects.annotate(n=Count("children")).filter(n__gt=1)
    assert siblings.exists()
    for family in siblings[:50]:
        mothers = {r.person_id for r in pm.Relationship.objects.filter(child__family=family, kind="mother")}
        assert len(mothers) == 1
        assert pm.Relationship.objects.filter(
            child__family=family, kind="mother", has_parental_responsibility=True
        ).exists()


def test_unborn_children_have_an_expected_date_and_no_sex(authority):
    known_before_birth = pm.Child.objects.filter(expected_date_of_birth__isnull=False)
    assert known_before_birth.exists()
    for child in pm.Child.objects.filter(date_of_birth__isnull=True):
        assert child.sex == "U" and child.expected_date_of_birth is not None


# -- national rates --------------------------------------------------------------------------------


def test_rates_follow_national_figures(authority):
    """England's rates, with room for a small authority: 1,000 children give about a thousand
    referrals but only about fifty entries to care in five years, often as sibling groups, so the
    legal-status mix is checked only loosely here (the 60,000-child benchmark prints it)."""
    rates = checks.authority_rates(authority.today)
    expected = {
        "contact_to_referral": (0.40, 0.60),
        "referral_nfa": (0.03, 0.13),
        "assessments_per_referral": (0.84, 0.96),
        "assessment_nfa": (0.20, 0.34),
        "assessment_terminated": (0.005, 0.07),
        "referrals_with_s47": (0.25, 0.42),
        "s47_to_icpc": (0.32, 0.55),
        "icpc_to_plan": (0.75, 0.95),
        "cp_plan_median_months": (6.0, 12.0),
        "cp_plans_repeat": (0.12, 0.32),
        "re_referrals_12_months": (0.12, 0.30),
        "referrals_to_care": (0.04, 0.10),
        "care_starts_v2": (0.20, 0.70),
        "care_starts_c1": (0.15, 0.75),
        "care_starts_l1_l2": (0.0, 0.30),
        "placements_foster": (0.60, 0.88),
        "open_share": (0.14, 0.27),
        "looked_after_share_of_social_care": (0.12, 0.40),
        "child_protection_share_of_social_care": (0.07, 0.25),
    }
    outside = {
        name: round(rates[name], 3)
        for name, (low, high) in expected.items()
        if not low <= rates[name] <= high
    }
    assert outside == {}


def test_workforce_is_sized_to_the_children(authority):
    workers = pm.User.objects.filter(
        role=Role.SOCIAL_WORKER,
        is_active=True,
        team__kind__in=["assessment", "safeguarding", "children_in_care"],
    )
    loads = [pm.Child.objects.filter(allocated_worker=w, status__in=OPEN).count() for w in workers]
    assert 12 <= median(loads) <= 24
    registered = pm.User.objects.filter(role=Role.SOCIAL_WORKER, is_active=True).exclude(
        social_work_england_number=""
    )
    agency = registered.filter(employment_type=pm.User.EmploymentType.AGENCY).count() / registered.count()
    assert 0.08 <= agency <= 0.35
    numbers = list(
        pm.User.objects.exclude(social_work_england_number="").values_list(
            "social_work_england_number", flat=True
        )
    )
    assert all(re.fullmatch(r"SW\d{6}", n) for n in numbers) and len(numbers) == len(set(numbers))
    assert pm.User.objects.filter(newly_qualified=True, is_active=True).exists()


# -- the demo accounts -----------------------------------------------------------------------------


def test_one_demo_account_per_role_with_unusable_passwords(authority):
    assert set(DEMO_USERNAMES) == set(Role.values)
    for role, username in DEMO_USERNAMES.items():
        user = pm.User.objects.get(username=username)
        assert user.role == role and user.is_active
        assert not user.has_usable_password()
    assert [login.username for login in authority.report.demo_logins] == list(DEMO_USERNAMES.values())


def test_demo_social_worker_has_a_realistic_caseload_with_a_long_history(authority):
    worker = pm.User.objects.get(username="social.worker")
    caseload = list(pm.Child.objects.filter(allocated_worker=worker, status__in=OPEN))
    assert 15 <= len(caseload) <= 25
    assert {c.status for c in caseload} == set(OPEN)
    assert max(len(timeline_for(c)) for c in caseload) >= 200


def test_demo_managers_oversee_the_demo_social_worker(authority):
    worker = pm.User.objects.get(username="social.worker")
    manager = pm.User.objects.get(username="team.manager")
    head = pm.User.objects.get(username="head.of.service")
    assert worker.team.manager == manager and manager.team == worker.team
    assert head.service == worker.team.service and worker.team.service.head == head
    assert manager.scope == Scope.TEAM and head.scope == Scope.SERVICE


def test_demo_iro_solicitor_and_referrer_have_their_work(authority):
    for username, kind in (("iro", pm.Allocation.Kind.IRO), ("solicitor", pm.Allocation.Kind.SOLICITOR)):
        user = pm.User.objects.get(username=username)
        assert pm.Allocation.objects.filter(worker=user, kind=kind, ended_on__isnull=True).exists()
        assert children_visible_to(user).exists()
    referrer = pm.User.objects.get(username="referrer")
    assert referrer.partner_agency is not None and referrer.scope == Scope.NONE


def test_a_handful_of_restricted_records_with_one_grant(authority):
    restricted = pm.Child.objects.filter(is_restricted=True)
    assert 3 <= restricted.count() <= 10
    grant = pm.RestrictedRecordGrant.objects.get()
    manager = pm.User.objects.get(username="team.manager")
    assert grant.user == manager and grant.child.allocated_team == manager.team
    assert child_access_decision(manager, grant.child).basis == AccessBasis.RESTRICTED_GRANT
    director = pm.User.objects.get(username="director")
    assert not children_visible_to(director).filter(is_restricted=True).exists()


# -- planted failures ------------------------------------------------------------------------------


def test_every_kind_of_failure_is_planted(authority):
    kinds = {row["kind"] for row in authority.planted if row["origin"] == "planted"}
    assert kinds == set(KINDS)
    assert authority.report.planted == sum(1 for row in authority.planted if row["origin"] == "planted")


def test_late_visits_are_exactly_the_planted_ones(authority):
    today, wd = authority.today, authority.wd
    assert checks.late_cp_visits(today, wd) == {
        int(r["record_id"]) for r in planted(authority, "late_cp_visit")
    }
    late_cla = {int(r["record_id"]) for r in planted(authority, "late_cla_visit")}
    assert checks.late_cla_visits(today) == late_cla
    # Every new placement gets a visit within a week, unless the period has a planted late visit.
    assert {period for period, _ in checks.placements_without_a_visit_in_a_week(today)} <= late_cla
    for row in planted(authority, "late_cla_visit"):
        if row["end"]:
            assert (date.fromisoformat(row["end"]) - date.fromisoformat(row["start"])).days > 42


def test_late_reviews_and_conferences_are_exactly_the_planted_ones(authority):
    today = authority.today
    ids = dict(pm.Child.objects.values_list("case_number", "id"))
    reviews = {
        (ids[r["case_number"]], date.fromisoformat(r["start"])) for r in planted(authority, "late_cla_review")
    }
    assert checks.late_cla_reviews(today, authority.wd) == reviews
    conferences = {
        (int(r["record_id"]), date.fromisoformat(r["start"])) for r in planted(authority, "late_rcpc")
    }
    assert checks.late_rcpcs(today) == conferences


def test_late_assessments_stuck_plans_and_backdating_are_exactly_the_planted_ones(authority):
    today = authority.today
    assert checks.late_assessments(today, authority.wd) == {
        int(r["record_id"]) for r in planted(authority, "late_assessment")
    }
    assert checks.stuck_plans(today) == {
        (r["record_type"], int(r["record_id"])) for r in planted(authority, "plan_stuck")
    }
    assert checks.backdated_notes() == {
        int(r["record_id"]) for r in planted(authority, "backdated_recording")
    }
    for row in planted(authority, "backdated_recording"):
        lag = (date.fromisoformat(row["end"]) - date.fromisoformat(row["start"])).days
        assert 10 <= lag <= 61


def test_worker_churn_lists_every_child_with_four_changes_in_a_year(authority):
    listed = {r["case_number"]: r for r in planted(authority, "worker_churn")}
    assert any(r["origin"] == "planted" for r in listed.values())
    for child in pm.Child.objects.all():
        changes, _begin = checks.social_worker_changes(child.pk)
        assert (changes >= 4) == (child.case_number in listed), child.case_number


def test_every_section_20_episode_is_listed(authority):
    listed = {int(r["record_id"]) for r in planted(authority, "s20_without_consent")}
    assert listed == set(jm.LookedAfterEpisode.objects.filter(legal_status="V2").values_list("id", flat=True))
    assert {r["origin"] for r in planted(authority, "s20_without_consent")} == {"planted", "by_construction"}


def test_supervision_gaps_fall_within_the_workers_time_in_post(authority):
    rows = planted(authority, "supervision_gap")
    assert rows
    for row in rows:
        worker = pm.User.objects.get(username=row["worker"])
        start = date.fromisoformat(row["start"])
        assert worker.role == Role.SOCIAL_WORKER and worker.social_work_england_number
        if not row["end"]:
            # A gap still open today: the worker is still in post and has not been supervised since.
            assert worker.left_on is None and worker.started_on < start < authority.today
            continue
        end = date.fromisoformat(row["end"])
        assert worker.started_on < start < end <= (worker.left_on or authority.today)
        assert timedelta(days=59) <= end - start <= timedelta(days=181)


def test_journey_integrity_rules_find_nothing_to_correct(authority):
    """The rules the journey services enforce at entry (carepath.journey.integrity), run over
    what the generator stored without going through the services."""
    children = list(pm.Child.objects.order_by("pk"))
    sample = random.Random(2).sample(children, 150) + list(pm.Child.objects.exclude(status="closed")[:50])
    found = {(c.case_number, v.rule_id, v.message) for c in sample for v in violations_for_child(c)}
    assert found == set()
