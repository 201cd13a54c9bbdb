"""The legal pathway in a generated authority: every stage populated (some of it late), dates that
agree with each other and with the children's journeys, and the same records from the same seed.

The authority is generated once for the module inside a transaction that is rolled back at the
end, so the other test modules start from an empty database. Nothing here depends on the clocks
(the timescales engine works them out after generation)."""

import hashlib
from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.apps import apps
from django.db import transaction
from django.db.models import Count, F
from django.utils import timezone

from carepath.core import codes
from carepath.journey import models as jm
from carepath.legal import models as lm
from carepath.people import models as pm
from carepath.synth.generator import generate_authority
from tests.synth import checks

pytestmark = pytest.mark.django_db

TODAY = date(2026, 3, 31)
OUT = codes.LegalGatewayOutcome


def legal_digest() -> str:
    """A hash of every legal record, in key order."""
    digest = hashlib.sha256()
    for model in sorted(apps.get_app_config("legal").get_models(), key=lambda m: m.__name__):
        fields = [f.attname for f in model._meta.concrete_fields]
        digest.update(model.__name__.encode())
        for row in model.objects.order_by("pk").values_list(*fields):
            digest.update(repr(row).encode())
    return digest.hexdigest()


@pytest.fixture(scope="module")
def authority(django_db_setup, django_db_blocker):
    """Generated twice with the same seed (the first inside a savepoint, rolled back), so that the
    module can check the second gives the same legal records."""
    with django_db_blocker.unblock(), transaction.atomic():
        sid = transaction.savepoint()
        generate_authority(children=600, seed=11, today=TODAY)
        first = legal_digest()
        transaction.savepoint_rollback(sid)
        report = generate_authority(children=600, seed=11, today=TODAY)
        yield SimpleNamespace(report=report, wd=checks.calendar(TODAY), first_digest=first)
        transaction.set_rollback(True)


def local_day(moment):
    return timezone.localtime(moment).date()


# -- every stage of the pathway is there --------------------------------------------------------------


def test_requests_wait_for_the_panel_one_past_15_working_days(authority):
    waiting = lm.GatewayRequest.objects.filter(decisions__isnull=True, withdrawn_on__isnull=True)
    assert waiting.count() >= 2
    waited = [authority.wd.between(r.requested_on, TODAY) for r in waiting]
    assert max(waited) > 15 and min(waited) <= 15
    # Listed requests wait for the next sitting, which the demo panel member chairs.
    listed = waiting.exclude(listed_for=None).select_related("listed_for__chair")
    assert listed and all(r.listed_for.held_on >= TODAY for r in listed)
    assert {r.listed_for.chair.username for r in listed} == {"panel.member"}


def test_panel_sits_fortnightly_with_a_solicitor_and_decides_for_each_child(authority):
    routine = sorted({r.decided_on for r in lm.PanelDecision.objects.filter(request__urgency="routine")})
    assert len(routine) >= 10
    assert all(day.weekday() in (1, 2) for day in routine)  # Tuesdays (Wednesday after a bank holiday)
    for meeting in lm.PanelMeeting.objects.prefetch_related("attendees"):
        assert meeting.chair.role in ("legal_panel_member", "head_of_service")
        assert "solicitor" in {u.role for u in meeting.attendees.all()}
    outcomes = set(lm.PanelDecision.objects.values_list("outcome", flat=True))
    assert {OUT.PRE_PROCEEDINGS, OUT.ISSUE, OUT.CONTINUE} <= outcomes and len(outcomes) >= 4
    for decision in lm.PanelDecision.objects.select_related("request", "meeting"):
        assert decision.decided_on == decision.meeting.held_on >= decision.request.requested_on
        assert decision.rationale
        assert decision.request.concerns and decision.request.history and decision.request.tried
        assert lm.LegalCaseChild.objects.filter(
            legal_case=decision.request.legal_case, child=decision.child
        ).exists()


def test_panel_actions_have_owners_and_some_are_open_or_overdue(authority):
    actions = lm.PanelAction.objects.select_related("meeting", "owner")
    assert actions.filter(done_on__isnull=False).count() > actions.count() / 2
    open_actions = actions.filter(done_on__isnull=True)
    assert open_actions.filter(due_on__lt=TODAY).exists()
    for action in actions:
        assert action.set_on == action.meeting.held_on and action.due_on > action.set_on
        if action.done_on is None:
            assert action.owner.is_active
        else:
            assert action.set_on <= action.done_on < TODAY


def test_pre_proceedings_open_closed_past_16_weeks_and_pre_birth(authority):
    plo = lm.PreProceedings.objects.all()
    open_plo = plo.filter(step_decision_on__isnull=True)
    assert open_plo.exists()
    assert any((TODAY - p.started_on).days > 16 * 7 for p in open_plo)
    assert {codes.PreProceedingsOutcome.ISSUE, codes.PreProceedingsOutcome.STEP_DOWN} <= set(
        plo.values_list("outcome", flat=True)
    )
    pre_birth = [
        p
        for p in plo.prefetch_related("legal_case__children")
        if any(
            c.expected_date_of_birth and (c.date_of_birth is None or c.date_of_birth > p.started_on)
            for c in p.legal_case.children.all()
        )
    ]
    assert pre_birth
    for p in plo:
        assert p.step_decision_on is None or p.step_decision_on >= p.started_on
        meetings = list(p.meetings.all())
        assert all(p.started_on < m.held_on < TODAY for m in meetings)
        assert [m.kind for m in meetings][:1] in ([], ["initial"])
        assert p.fgdm_held_on is None or p.fgdm_offered_on <= p.fgdm_held_on
        if p.decision_id:
            assert p.decision.outcome == OUT.PRE_PROCEEDINGS and p.decision.decided_on == p.started_on


def test_one_letter_per_person_with_parental_responsibility_sent_or_draft(authority):
    letters = lm.LetterBeforeProceedings.objects.select_related("pre_proceedings__legal_case")
    sent = letters.filter(status="sent")
    assert sent.exists() and letters.filter(status="draft").exists()
    late = [x for x in sent if authority.wd.between(x.pre_proceedings.started_on, x.sent_on) > 5]
    assert late and len(late) < sent.count() / 2
    for letter in letters:
        plo = letter.pre_proceedings
        children = plo.legal_case.children.all()
        assert pm.Relationship.objects.filter(
            child__in=children, person=letter.recipient, has_parental_responsibility=True
        ).exists()
        assert letter.changes.exists() and letter.concerns and letter.meeting_at
        if letter.status == "sent":
            assert plo.started_on < letter.sent_on < TODAY and letter.sent_by_id
            assert letter.support.exists() and letter.consequences
        else:
            assert letter.sent_on is None
    # Exactly one letter per person with parental responsibility in each pre-proceedings.
    for plo in lm.PreProceedings.objects.prefetch_related("legal_case__children"):
        holders = set(
            pm.Relationship.objects.filter(
                child__in=plo.legal_case.children.all(), has_parental_responsibility=True
            ).values_list("person_id", flat=True)
        )
        recipients = list(plo.letters.values_list("recipient_id", flat=True))
        assert len(recipients) == len(set(recipients)) and set(recipients) == holders


def test_care_proceedings_open_and_concluded_with_consistent_dates(authority):
    issued = lm.CareProceedings.objects.filter(issued_on__isnull=False)
    assert issued.filter(concluded_on__isnull=True).exists()
    assert issued.filter(concluded_on__isnull=False).exists()
    shared = lm.ProceedingsChild.objects.values("proceedings").annotate(n=Count("id")).filter(n__gt=1)
    assert shared.exists()
    for p in lm.CareProceedings.objects.prefetch_related("hearings", "extensions", "children", "documents"):
        assert p.decided_on <= (p.issued_on or TODAY)
        assert {d.kind for d in p.documents.all()} == set(lm.ApplicationDocument.Kind.values)
        if p.issued_on is None:
            assert not p.hearings.exists() and p.concluded_on is None
            continue
        assert all(h.held_on >= p.issued_on for h in p.hearings.all())
        assert all((h.effective is None) == (h.held_on >= TODAY) for h in p.hearings.all())
        cmh = [h.held_on for h in p.hearings.all() if h.kind == "cmh"]
        assert len(cmh) == 1 and 11 <= (cmh[0] - p.issued_on).days <= 28  # day 12-18, a few later
        assert all(1 <= e.weeks <= 8 and e.reason for e in p.extensions.all())
        for child in p.children.all():
            assert child.initial_care_plan
            if child.final_order:
                assert p.issued_on <= child.final_order_on
                assert p.concluded_on is None or child.final_order_on <= p.concluded_on
        if p.concluded_on:
            allowed = 26 * 7 + sum(e.weeks * 7 for e in p.extensions.all())
            assert (p.concluded_on - p.issued_on).days <= allowed
            assert all(c.final_order for c in p.children.all())
            assert any(h.kind == "final" and h.held_on == p.concluded_on for h in p.hearings.all())
        if p.pre_proceedings_id:
            plo = p.pre_proceedings
            assert plo.outcome == "issue" and plo.step_decision_on == p.decided_on


def test_proceedings_match_the_interim_care_orders(authority):
    """Each child in proceedings under an interim care order has a C1 episode starting on or after
    the issue date, and the concluded ones end it with the order the journey shows."""
    for child in lm.ProceedingsChild.objects.select_related("proceedings").exclude(
        proceedings__issued_on=None
    ):
        p = child.proceedings
        if p.application == "supervision":
            assert not jm.LookedAfterEpisode.objects.filter(
                child_id=child.child_id, legal_status="C1", start_date__gte=p.issued_on
            ).exists()
            continue
        c1 = jm.LookedAfterEpisode.objects.filter(child_id=child.child_id, legal_status="C1").order_by(
            "start_date"
        )
        first = c1.filter(start_date__gte=p.issued_on).first()
        assert first is not None and (first.start_date - p.issued_on).days <= 210
        if child.final_order == "placement_order":
            assert jm.LookedAfterEpisode.objects.filter(
                child_id=child.child_id, legal_status="E1", start_date=child.final_order_on
            ).exists()
        if child.final_order == "care_order":
            assert jm.LookedAfterEpisode.objects.filter(
                child_id=child.child_id, legal_status="C2", start_date=child.final_order_on
            ).exists()


def test_section_20_consents_complete_with_gaps_and_one_withdrawn(authority):
    consents = lm.Section20Consent.objects.select_related("episode")
    assert consents.exists()
    complete = consents.filter(
        signed_by_person=True,
        told_in_writing=True,
        right_to_remove_explained=True,
        legal_advice_offered=True,
        authorised_by__isnull=False,
        told_before_accommodation=True,
    ).exclude(capacity="")
    assert complete.count() > consents.count() / 2
    assert complete.count() < consents.count()  # a realistic minority with gaps
    assert consents.filter(withdrawn_at__isnull=False).exists()
    for consent in consents:
        episode = consent.episode
        assert episode.child_id == consent.child_id and episode.legal_status == "V2"
        assert local_day(consent.given_at) <= episode.start_date + timedelta(days=1)
        assert pm.Relationship.objects.filter(
            child_id=consent.child_id, person_id=consent.person_id, has_parental_responsibility=True
        ).exists()
        if consent.withdrawn_at:
            assert consent.withdrawn_at >= consent.given_at
    # Each consent is for the first episode of a section 20 accommodation.
    for consent in consents:
        assert not jm.LookedAfterEpisode.objects.filter(
            child_id=consent.child_id, legal_status="V2", end_date=consent.episode.start_date
        ).exists()


def test_police_protection_logged_with_reviews(authority):
    taken = lm.PoliceProtection.objects.select_related("review", "child")
    assert taken.count() >= 2
    l1 = jm.LookedAfterEpisode.objects.filter(legal_status="L1")
    assert taken.filter(outcome__in=["home", "family"]).exists()
    assert taken.count() >= l1.count()
    for episode in l1:
        assert taken.filter(child_id=episode.child_id, taken_at=episode.police_protection_started_at).exists()
    reviews = [p.review for p in taken]
    assert any(r.completed_on and r.could_have_acted_earlier for r in reviews)
    assert any(r.completed_on is None and r.due_on < TODAY for r in reviews)
    for p in taken:
        assert p.la_notified_at > p.taken_at
        if p.ended_at:
            assert p.taken_at < p.ended_at <= p.taken_at + timedelta(hours=72) and p.outcome
        assert p.review.opened_on >= local_day(p.taken_at) and p.review.due_on > p.review.opened_on
        assert bool(p.review.completed_on) == bool(p.review.could_have_acted_earlier)


def test_permanence_records_and_authorised_plans(authority):
    looked_after = pm.Child.objects.filter(status="looked_after")
    assert looked_after.exists()
    assert not looked_after.filter(permanence__isnull=True).exists()
    records = lm.PermanenceRecord.objects.all()
    assert records.exclude(parallel_plan="").exists() and records.filter(parallel_plan="").exists()
    assert records.exclude(fostering_for_adoption="").exists()
    for r in records:
        assert r.plan != r.parallel_plan or not r.plan
        for day in (r.plan_recorded_on, r.placement_order_on, r.matched_on, r.placed_for_adoption_on):
            assert day is None or day < TODAY
        if r.matched_on:
            assert r.placement_order_on is None or r.placement_order_on <= r.matched_on
            assert r.matched_on <= r.placed_for_adoption_on
    plans = lm.AuthorisedPlan.objects.all()
    assert plans.filter(number=2).exists()
    assert {"cla_review", "conference", "pp_meeting"} <= set(plans.values_list("decision_kind", flat=True))
    for plan in plans.select_related("cla_review", "conference", "pre_proceedings_meeting"):
        decision = plan.cla_review or plan.conference
        if decision is not None:
            assert decision.child_id == plan.child_id and decision.held_on == plan.authorised_on
        if plan.pre_proceedings_meeting:
            assert plan.pre_proceedings_meeting.held_on == plan.authorised_on
        assert plan.actions and all({"what", "who", "by_when"} <= set(a) for a in plan.actions)


def test_demo_logins_see_the_pathway(authority):
    worker = pm.User.objects.get(username="social.worker")
    mine = lm.PreProceedings.objects.filter(
        step_decision_on__isnull=True, legal_case__children__allocated_worker=worker
    ).distinct()
    assert mine.exists()
    plo = mine.first()
    assert plo.letters.filter(status="sent").exists()
    solicitor = plo.legal_case.solicitor
    assert pm.Allocation.objects.filter(
        worker=solicitor, kind="solicitor", ended_on__isnull=True, child__in=plo.legal_case.children.all()
    ).exists()
    assert checks.integrity_problems(TODAY) == []  # the solicitors' allocations keep the rules


def test_nothing_recorded_after_today_began(authority):
    start_of_today = timezone.make_aware(timezone.datetime.combine(TODAY, timezone.datetime.min.time()))
    for model in apps.get_app_config("legal").get_models():
        if "recorded_at" in {f.name for f in model._meta.fields}:
            assert not model.objects.filter(recorded_at__gte=start_of_today).exists(), model.__name__
    assert not lm.PanelDecision.objects.filter(decided_on__gte=TODAY).exists()
    assert not lm.PanelDecision.objects.filter(decided_on__lt=F("request__requested_on")).exists()


# -- reproducible from the seed -----------------------------------------------------------------------


def test_same_seed_gives_the_same_legal_records(authority):
    assert lm.LegalCase.objects.exists()
    assert legal_digest() == authority.first_digest
