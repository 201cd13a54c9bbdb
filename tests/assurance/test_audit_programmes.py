"""Audit programmes (F17): the cohorts a sample is drawn from, the reproducible random draw within
a team or service, the refusals, assigning auditors (independence, an even share), and what an
assignment grants: the auditor reads the child (scope audit_sample) and the engine's AUDIT-DUE
clock runs for them."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError

from carepath.assurance import models as am
from carepath.assurance.services import audits as svc
from carepath.core import codes
from carepath.core.permissions import Role, Scope
from carepath.journey.models import LookedAfterEpisode
from carepath.legal import models as lm
from carepath.people import models as pm
from carepath.people.selectors import child_access_decision, children_visible_to
from carepath.timescales.models import Deadline
from tests import factories as f
from tests.assurance import factories as af
from tests.legal import factories as lf

pytestmark = pytest.mark.django_db

Cohort = am.Cohort


def today():
    return date.today()


def qa_lead():
    return f.UserFactory(role=Role.QA_LEAD)


def auditor():
    return f.UserFactory(role=Role.QA_AUDITOR, scope=Scope.AUDIT_SAMPLE)


def children_in(team, n, status=pm.ChildStatus.CHILD_IN_NEED):
    worker = f.UserFactory(role=Role.SOCIAL_WORKER, team=team, service=team.service)
    made = []
    for _ in range(n):
        child = f.ChildFactory(status=status)
        f.allocate(child, worker)
        made.append(child)
    return made


def draw(actor=None, **values):
    defaults = {
        "name": "Monthly audit, December 2026",
        "kind": am.AuditProgramme.Kind.MONTHLY,
        "theme": "",
        "tool": svc.tool_ensure_default(),
        "cohort": Cohort.OPEN_CASES,
        "sample_size": 3,
        "due_on": today() + timedelta(days=28),
        "moderation_share": 20,
    }
    return svc.programme_draw(actor=actor or qa_lead(), **(defaults | values))


def sample_ids(programme):
    return [c.pk for c in svc.programme_sample(programme)]


def s20(child, *, start=None, end=None, legal_status=codes.LegalStatus.SECTION_20):
    return LookedAfterEpisode.objects.create(
        child=child,
        start_date=start or today() - timedelta(days=100),
        end_date=end,
        reason_ceased=codes.ReasonEpisodeCeased.NEW_EPISODE if end else "",
        reason_new_episode=codes.ReasonNewEpisode.STARTED,
        legal_status=legal_status,
        category_of_need=codes.PrimaryNeed.ABUSE_OR_NEGLECT,
        placement_type=codes.PlacementType.U6,
        placement_provider=codes.PlacementProvider.OWN_LA,
    )


# ---------------------------------------------------------------------------------------------
# Cohorts
# ---------------------------------------------------------------------------------------------


def test_open_cases_are_children_in_need_on_a_plan_or_looked_after_and_nothing_else():
    team = f.TeamFactory()
    cin = children_in(team, 1)[0]
    cp = children_in(team, 1, pm.ChildStatus.CHILD_PROTECTION)[0]
    cla = children_in(team, 1, pm.ChildStatus.LOOKED_AFTER)[0]
    children_in(team, 1, pm.ChildStatus.EARLY_HELP)
    children_in(team, 1, pm.ChildStatus.CLOSED)
    restricted = children_in(team, 1)[0]
    restricted.is_restricted = True
    restricted.save(update_fields=["is_restricted"])
    assert set(svc.cohort_children(Cohort.OPEN_CASES, team=team)) == {cin, cp, cla}
    assert set(svc.cohort_children(Cohort.CHILD_PROTECTION, team=team)) == {cp}
    assert set(svc.cohort_children(Cohort.LOOKED_AFTER, team=team)) == {cla}
    assert set(svc.cohort_children(Cohort.CHILD_IN_NEED, team=team)) == {cin}


def test_section_20_is_an_open_v2_episode():
    team = f.TeamFactory()
    open_s20, ended_s20, care_order = children_in(team, 3, pm.ChildStatus.LOOKED_AFTER)
    s20(open_s20)
    s20(ended_s20, end=today() - timedelta(days=3))
    s20(care_order, legal_status=codes.LegalStatus.FULL_CARE_ORDER)
    assert list(svc.cohort_children(Cohort.SECTION_20, team=team)) == [open_s20]
    # As on a day when the ended episode was still open.
    assert set(svc.cohort_children(Cohort.SECTION_20, team=team, today=today() - timedelta(days=10))) == {
        open_s20,
        ended_s20,
    }


def test_pre_proceedings_and_proceedings_cohorts_are_the_open_ones():
    in_pp = lf.family_of(2)
    stepped = lf.family_of(1)
    in_court = lf.family_of(1)
    ordered = lf.family_of(1)
    lf.pre_proceedings(lf.legal_case(in_pp))
    done = lf.pre_proceedings(lf.legal_case(stepped))
    done.step_decision_on, done.outcome = today() - timedelta(days=2), codes.PreProceedingsOutcome.ISSUE
    done.save()
    lf.proceedings(lf.legal_case(in_court), issued_on=today() - timedelta(days=50))
    finished = lf.proceedings(lf.legal_case(ordered), issued_on=today() - timedelta(days=200))
    lm.ProceedingsChild.objects.filter(proceedings=finished).update(
        final_order=codes.FinalOrder.CARE_ORDER, final_order_on=today() - timedelta(days=5)
    )
    assert set(svc.cohort_children(Cohort.PRE_PROCEEDINGS)) == set(in_pp)
    assert set(svc.cohort_children(Cohort.PROCEEDINGS)) == {in_court[0]}


# ---------------------------------------------------------------------------------------------
# The draw
# ---------------------------------------------------------------------------------------------


def test_the_sample_is_drawn_only_from_the_cohort_and_team_and_is_reproducible_from_its_seed():
    team, other_team = f.TeamFactory(), f.TeamFactory()
    mine = children_in(team, 12)
    children_in(team, 4, pm.ChildStatus.EARLY_HELP)
    children_in(other_team, 12)
    first = draw(team=team, sample_size=5, seed=4242)
    assert first.random_seed == 4242 and first.drawn_on == today()
    chosen = sample_ids(first)
    assert len(chosen) == 5 and set(chosen) <= {c.pk for c in mine}
    again = draw(team=team, sample_size=5, seed=4242)
    assert sample_ids(again) == chosen
    samples = {tuple(sample_ids(draw(team=team, sample_size=5, seed=seed))) for seed in range(1, 6)}
    assert len(samples) > 1  # a different seed draws differently


def test_a_draw_without_a_seed_stores_the_one_it_used():
    team = f.TeamFactory()
    children_in(team, 8)
    programme = draw(team=team, sample_size=4)
    repeat = draw(team=team, sample_size=4, seed=programme.random_seed)
    assert sample_ids(repeat) == sample_ids(programme)


def test_a_service_sample_takes_children_of_every_team_in_the_service_only():
    team = f.TeamFactory()
    sister = f.TeamFactory(service=team.service)
    outside = f.TeamFactory()
    inside = children_in(team, 3) + children_in(sister, 3)
    children_in(outside, 6)
    programme = draw(service=team.service, sample_size=6)
    assert set(sample_ids(programme)) == {c.pk for c in inside}


def test_assigned_children_stay_in_the_sample_when_the_cohort_changes():
    team, manager, _head = af.team_with_managers()
    children_in(team, 6)
    programme = draw(team=team, sample_size=3, seed=7)
    first, *rest = svc.programme_sample(programme)
    svc.audits_assign(actor=qa_lead(), programme=programme, assignments={first.pk: auditor()})
    pm.Child.objects.filter(pk=first.pk).update(status=pm.ChildStatus.CLOSED)
    pm.Child.objects.filter(pk=rest[0].pk).update(status=pm.ChildStatus.CLOSED)
    now = sample_ids(programme)
    assert len(now) == 3
    assert first.pk in now  # audited: kept whatever the cohort
    assert rest[0].pk not in now  # not yet assigned and no longer in the cohort: replaced
    assert rest[1].pk in now  # the others do not move


def test_the_draw_refuses_what_cannot_be_audited():
    team = f.TeamFactory()
    children_in(team, 2)
    with pytest.raises(ValidationError) as too_many:
        draw(team=team, sample_size=5)
    assert "only 2 children" in too_many.value.message_dict["sample_size"][0]
    with pytest.raises(ValidationError) as none:
        draw(team=team, sample_size=0)
    assert none.value.message_dict["sample_size"] == ["The sample must be at least 1 child"]
    with pytest.raises(ValidationError) as draft:
        draw(team=team, sample_size=1, tool=af.audit_tool(published=False))
    assert "choose a published version" in draft.value.message_dict["tool"][0]
    with pytest.raises(ValidationError) as more:
        draw(
            team=team,
            sample_size=1,
            kind=am.AuditProgramme.Kind.THEMATIC,
            theme="",
            due_on=today() - timedelta(days=1),
            service=f.ServiceFactory(),
        )
    assert set(more.value.message_dict) == {"theme", "due_on", "team"}
    assert not am.AuditProgramme.objects.exists()


def test_only_the_qa_lead_draws_a_sample():
    team = f.TeamFactory()
    children_in(team, 2)
    with pytest.raises(PermissionDenied):
        draw(actor=f.UserFactory(role=Role.TEAM_MANAGER, team=team), team=team, sample_size=1)


# ---------------------------------------------------------------------------------------------
# Assigning auditors
# ---------------------------------------------------------------------------------------------


def test_assigning_creates_the_audit_with_its_tool_dates_practitioner_and_manager():
    team, manager, _head = af.team_with_managers()
    child = children_in(team, 1)[0]
    programme = draw(team=team, sample_size=1)
    person = auditor()
    [audit] = svc.audits_assign(actor=qa_lead(), programme=programme, assignments={child.pk: person})
    audit.refresh_from_db()
    assert audit.programme == programme and audit.child == child and audit.auditor == person
    assert audit.tool == programme.tool
    assert (audit.assigned_on, audit.due_on) == (today(), programme.due_on)
    assert audit.practitioner == child.allocated_worker and audit.manager == manager
    assert audit.status == am.CaseAudit.Status.ASSIGNED
    # The engine's clock for the audit is in the auditor's work.
    clock = Deadline.objects.get(context_type="case_audit", context_id=audit.pk, rule_id="AUDIT-DUE")
    assert clock.assigned_to == person and clock.due_on == programme.due_on


def test_an_auditor_must_be_independent_of_the_case():
    team, manager, _head = af.team_with_managers()
    first, second = children_in(team, 2)
    programme = draw(team=team, sample_size=2)
    with pytest.raises(ValidationError) as refused:
        svc.audits_assign(
            actor=qa_lead(),
            programme=programme,
            assignments={first.pk: first.allocated_worker, second.pk: manager},
        )
    errors = refused.value.message_dict
    assert "social worker" in errors[svc.auditor_field(first.pk)][0]
    assert "independent" in errors[svc.auditor_field(first.pk)][0]
    assert "manages" in errors[svc.auditor_field(second.pk)][0]
    assert not am.CaseAudit.objects.exists()


def test_an_auditor_must_be_able_to_carry_out_audits_and_the_child_be_in_the_sample():
    team = f.TeamFactory()
    children_in(team, 3)
    programme = draw(team=team, sample_size=1)
    chosen = svc.programme_sample(programme)[0]
    outside = pm.Child.objects.exclude(pk=chosen.pk).filter(allocated_team=team).first()
    social_worker = f.UserFactory(role=Role.SOCIAL_WORKER)
    with pytest.raises(ValidationError) as refused:
        svc.audits_assign(
            actor=qa_lead(),
            programme=programme,
            assignments={chosen.pk: social_worker, outside.pk: auditor()},
        )
    errors = refused.value.message_dict
    assert "cannot carry out case audits" in errors[svc.auditor_field(chosen.pk)][0]
    assert "not in the programme's sample" in errors[svc.auditor_field(outside.pk)][0]


def test_sharing_evenly_gives_each_auditor_an_equal_share_and_respects_independence():
    team, manager, _head = af.team_with_managers()
    children_in(team, 6)
    other_team, other_manager, _ = af.team_with_managers()
    programme = draw(team=team, sample_size=6)
    people = [auditor(), auditor(), manager, other_manager]
    made = svc.audits_assign_evenly(actor=qa_lead(), programme=programme, auditors=people)
    assert len(made) == 6
    counts = {p.pk: am.CaseAudit.objects.filter(programme=programme, auditor=p).count() for p in people}
    assert counts[manager.pk] == 0  # the team's own manager is never independent of its children
    assert sorted(v for k, v in counts.items() if k != manager.pk) == [2, 2, 2]
    with pytest.raises(ValidationError) as again:
        svc.audits_assign_evenly(actor=qa_lead(), programme=programme, auditors=people)
    assert "already has an auditor" in again.value.message_dict[NON_FIELD_ERRORS][0]


def test_a_qa_auditor_reads_the_children_assigned_to_them_and_no_others():
    team = f.TeamFactory()
    children = children_in(team, 4)
    programme = draw(team=team, sample_size=2)
    assigned, other_in_sample = svc.programme_sample(programme)
    not_sampled = next(c for c in children if c.pk not in {assigned.pk, other_in_sample.pk})
    person = auditor()
    assert not child_access_decision(person, assigned).allowed
    svc.audits_assign(actor=qa_lead(), programme=programme, assignments={assigned.pk: person})
    decision = child_access_decision(person, assigned)
    assert decision.allowed and decision.basis == "audit_sample"
    assert not child_access_decision(person, other_in_sample).allowed
    assert not child_access_decision(person, not_sampled).allowed
    assert list(children_visible_to(person)) == [assigned]
