"""Police protection (F09): each use logged with its management review opened at once, holding what
the record showed when the child was taken; its end; and the review's completion."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carepath.core import codes
from carepath.core.concurrency import EditConflict
from carepath.core.permissions import Role
from carepath.journey.models import Contact
from carepath.legal.models import PoliceProtection, PoliceProtectionReview
from carepath.legal.services import police_protection as services
from carepath.people.models import ChildStatus
from carepath.timescales import services as timescales
from tests import factories as f

Judgement = PoliceProtectionReview.Judgement


def log(actor, child, *, taken_at=None, **overrides) -> PoliceProtection:
    fields = {
        "taken_at": taken_at or timezone.now() - timedelta(hours=5),
        "officer": "PC 1234 Dana Reid",
        "force": "Northshire Police",
        "designated_officer": "Insp. Kaur",
        "circumstances": "Found alone at home at night; the house was cold and there was no food.",
        "where_accommodated": "Emergency foster carers",
        "la_notified_at": None,
    } | overrides
    return services.police_protection_record(actor=actor, child=child, **fields)


@pytest.fixture
def child(allocated_child):
    allocated_child.status = ChildStatus.CHILD_IN_NEED
    allocated_child.save(update_fields=["status"])
    return allocated_child


@pytest.fixture
def manager(team):
    manager = f.UserFactory(role=Role.TEAM_MANAGER, team=team)
    f.name_managers(team, manager=manager)
    return manager


def _contact(child, when):
    return Contact.objects.create(
        child=child, received_at=when, source=codes.ReferralSource.POLICE, summary="Police call"
    )


def test_logging_opens_the_review_with_what_the_record_showed(social_worker, child, manager):
    taken = timezone.now() - timedelta(hours=5)
    _contact(child, taken - timedelta(days=30))
    _contact(child, taken - timedelta(days=300))
    _contact(child, taken - timedelta(days=400))  # more than 12 months before
    _contact(child, taken + timedelta(hours=1))  # after: not "before"
    f.ReferralFactory(child=child, referral_date=(taken - timedelta(days=100)).date())
    f.ReferralFactory(child=child, referral_date=(taken - timedelta(days=500)).date())
    f.ReferralFactory(child=child, referral_date=timezone.localtime(taken).date())  # the day's own referral

    pp = log(social_worker, child, taken_at=taken)
    review = pp.review
    assert (review.was_open, review.status_when_taken) == (True, ChildStatus.CHILD_IN_NEED)
    assert (review.contacts_before, review.referrals_before) == (2, 1)
    assert review.opened_on == timezone.localdate()
    assert review.reviewer == manager
    assert review.completed_on is None
    assert pp.recorded_by == social_worker and pp.ended_at is None


def test_a_closed_childs_review_says_they_were_not_open_and_has_no_reviewer_without_a_team_manager(
    social_worker,
):
    child = f.ChildFactory(status=ChildStatus.CLOSED)
    f.allocate(child, social_worker)
    review = log(social_worker, child).review
    assert (review.was_open, review.status_when_taken, review.reviewer) == (False, ChildStatus.CLOSED, None)
    assert (review.contacts_before, review.referrals_before) == (0, 0)


def test_the_review_is_due_by_the_timescales_rule_when_it_exists(social_worker, child, monkeypatch):
    real = timescales.due_date_for
    monkeypatch.setattr(
        timescales,
        "due_date_for",
        lambda rule, start: date(2030, 1, 2) if rule == "PP-REVIEW" else real(rule, start),
    )
    assert log(social_worker, child).review.due_on == date(2030, 1, 2)


def test_without_the_rule_the_review_is_due_in_10_working_days(social_worker, child, monkeypatch):
    real = timescales.due_date_for

    def no_rule(rule, start):
        if rule == "PP-REVIEW":
            raise KeyError(rule)
        return real(rule, start)

    monkeypatch.setattr(timescales, "due_date_for", no_rule)
    pp = log(social_worker, child)
    # Counted from the day the child was taken, as the engine's PP-REVIEW clock is.
    assert pp.review.due_on == timescales.calendar_in_force().add_working_days(
        timezone.localtime(pp.taken_at).date(), 10
    )


def test_logging_is_refused_for_the_future_out_of_scope_or_while_still_held(social_worker, child):
    with pytest.raises(ValidationError) as refused:
        log(social_worker, child, taken_at=timezone.now() + timedelta(minutes=30))
    assert "taken_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        log(social_worker, child, la_notified_at=timezone.now() - timedelta(days=1))
    assert "before the child was taken" in refused.value.message_dict["la_notified_at"][0]
    with pytest.raises(PermissionDenied):
        log(f.UserFactory(), child)
    with pytest.raises(PermissionDenied):
        log(f.UserFactory(role=Role.INSPECTOR), child)
    assert not PoliceProtection.objects.exists()
    log(social_worker, child)
    with pytest.raises(ValidationError) as refused:
        log(social_worker, child)
    assert "still recorded as in police protection" in refused.value.message_dict["taken_at"][0]
    assert PoliceProtection.objects.count() == PoliceProtectionReview.objects.count() == 1


def test_ending_police_protection(social_worker, child):
    pp = log(social_worker, child)
    with pytest.raises(ValidationError) as refused:
        services.police_protection_end(
            actor=social_worker,
            pp=pp,
            ended_at=pp.taken_at - timedelta(minutes=1),
            outcome=PoliceProtection.Outcome.RETURNED_HOME,
            expected_version=pp.version,
        )
    assert "before the child was taken" in refused.value.message_dict["ended_at"][0]
    with pytest.raises(ValidationError):
        services.police_protection_end(
            actor=social_worker,
            pp=pp,
            ended_at=timezone.now() + timedelta(hours=1),
            outcome=PoliceProtection.Outcome.RETURNED_HOME,
            expected_version=pp.version,
        )
    with pytest.raises(ValidationError) as refused:
        services.police_protection_end(
            actor=social_worker, pp=pp, ended_at=timezone.now(), outcome="", expected_version=pp.version
        )
    assert "outcome" in refused.value.message_dict
    seen = pp.version
    ended = pp.taken_at + timedelta(hours=3)
    services.police_protection_end(
        actor=social_worker,
        pp=pp,
        ended_at=ended,
        outcome=PoliceProtection.Outcome.SECTION_20,
        expected_version=seen,
    )
    pp.refresh_from_db()
    assert (pp.ended_at, pp.outcome) == (ended, PoliceProtection.Outcome.SECTION_20)
    with pytest.raises(ValidationError):
        services.police_protection_end(
            actor=social_worker,
            pp=pp,
            ended_at=ended,
            outcome=PoliceProtection.Outcome.EPO,
            expected_version=pp.version,
        )


def test_an_end_from_a_stale_version_is_refused(social_worker, child):
    pp = log(social_worker, child)
    stale = PoliceProtection.objects.get(pk=pp.pk)
    PoliceProtection.objects.filter(pk=pp.pk).update(version=pp.version + 1)
    with pytest.raises(EditConflict):
        services.police_protection_end(
            actor=social_worker,
            pp=stale,
            ended_at=timezone.now(),
            outcome=PoliceProtection.Outcome.RETURNED_HOME,
            expected_version=stale.version,
        )


def test_completing_the_review(social_worker, child, manager):
    review = log(social_worker, child).review
    with pytest.raises(PermissionDenied):
        services.police_protection_review_complete(
            actor=social_worker,
            review=review,
            could_have_acted_earlier=Judgement.NO,
            findings="x",
            expected_version=1,
        )
    with pytest.raises(ValidationError) as refused:
        services.police_protection_review_complete(
            actor=manager,
            review=review,
            could_have_acted_earlier=Judgement.NO,
            findings=" ",
            expected_version=1,
        )
    assert "findings" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.police_protection_review_complete(
            actor=manager,
            review=review,
            could_have_acted_earlier=Judgement.YES,
            findings="Three police contacts went to early help without a strategy discussion.",
            expected_version=1,
        )
    assert "learning" in refused.value.message_dict
    services.police_protection_review_complete(
        actor=manager,
        review=review,
        could_have_acted_earlier=Judgement.YES,
        findings="Three police contacts went to early help without a strategy discussion.",
        learning="Repeat police contacts go to a strategy discussion.",
        expected_version=1,
    )
    review.refresh_from_db()
    assert (review.could_have_acted_earlier, review.completed_on, review.reviewer) == (
        Judgement.YES,
        timezone.localdate(),
        manager,
    )
    with pytest.raises(EditConflict):
        services.police_protection_review_complete(
            actor=manager,
            review=review,
            could_have_acted_earlier=Judgement.NO,
            findings="x",
            expected_version=1,
        )
