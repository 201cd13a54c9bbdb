"""Section 20 consent (F08, rules.md 4.3): what a consent record lacks, item by item, and the
services that record, change, authorise and withdraw it, with their refusals."""

from datetime import date, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from carepath.core import codes
from carepath.core.concurrency import EditConflict
from carepath.core.permissions import Role
from carepath.journey.models import LookedAfterEpisode
from carepath.legal.models import Section20Consent
from carepath.legal.selectors.section20 import (
    Section20Run,
    child_consent_gaps,
    consent_missing,
    current_run,
    runs_from_episodes,
)
from carepath.legal.services import section20 as services
from carepath.people.models import RelatedPerson
from tests import factories as f
from tests.legal.factories import parent_of

# ---------------------------------------------------------------------------------------------
# Helpers shared by the section 20 test modules
# ---------------------------------------------------------------------------------------------


def today() -> date:
    return timezone.localdate()


def s20_episode(child, start: date, end: date | None = None, **fields) -> LookedAfterEpisode:
    values = {
        "child": child,
        "start_date": start,
        "end_date": end,
        "reason_ceased": codes.ReasonEpisodeCeased.NEW_EPISODE if end else "",
        "reason_new_episode": codes.ReasonNewEpisode.STARTED,
        "legal_status": codes.LegalStatus.SECTION_20,
        "category_of_need": codes.PrimaryNeed.ABUSE_OR_NEGLECT,
        "placement_type": codes.PlacementType.U6,
        "placement_provider": codes.PlacementProvider.OWN_LA,
    } | fields
    return LookedAfterEpisode.objects.create(**values)


def accommodated(worker, *, days: int = 14, born_days_ago: int = 365 * 7, **child_fields):
    """A child allocated to `worker`, accommodated under section 20 `days` ago."""
    child = f.ChildFactory(date_of_birth=today() - timedelta(days=born_days_ago), **child_fields)
    f.allocate(child, worker)
    s20_episode(child, today() - timedelta(days=days))
    return child


COMPLETE = {
    "child_named": True,
    "voluntary_explained": True,
    "right_to_object_explained": True,
    "right_to_remove_explained": True,
    "told_orally": True,
    "told_in_writing": True,
    "told_before_accommodation": True,
    "capacity": Section20Consent.Capacity.HAS_CAPACITY,
    "capacity_assessed_by": "Sam Field, social worker",
    "circumstances": "",
    "legal_advice_offered": True,
    "solicitor_involved": False,
    "needs_translation": False,
    "translated_version_signed": False,
    "alternatives_considered": "Maternal aunt assessed: cannot care for the child at present.",
    "signed_by_person": True,
    "signed_by_social_worker": True,
}


def given() -> datetime:
    return timezone.now() - timedelta(days=20)


def consent_for(worker, child, person, *, manager=None, **overrides) -> Section20Consent:
    """A consent recorded through the service, complete unless overridden, authorised by
    `manager` if given."""
    consent = services.section_20_consent_record(
        actor=worker, child=child, person=person, given_at=given(), **(COMPLETE | overrides)
    )
    if manager is not None:
        services.section_20_consent_authorise(
            actor=manager, consent=consent, expected_version=consent.version
        )
    return consent


# ---------------------------------------------------------------------------------------------
# What a consent lacks: one test per item of rules.md 4.3
# ---------------------------------------------------------------------------------------------


def complete_consent(**overrides) -> Section20Consent:
    fields = COMPLETE | {"authorised_by_id": 1, "authorised_on": date(2026, 1, 5)} | overrides
    return Section20Consent(given_at=timezone.now(), **fields)


def test_a_complete_consent_lacks_nothing():
    assert consent_missing(complete_consent()) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"child_named": False}, "child is not named"),
        ({"voluntary_explained": False}, "voluntary"),
        ({"right_to_object_explained": False}, "right to object"),
        ({"right_to_remove_explained": False}, "remove the child at any time"),
        ({"told_orally": False}, "not given orally"),
        ({"told_in_writing": False}, "not given in writing"),
        ({"told_before_accommodation": False}, "before the child was accommodated"),
        ({"capacity": ""}, "capacity to consent"),
        ({"capacity": Section20Consent.Capacity.LACKS}, "the consent cannot be relied on"),
        ({"capacity": Section20Consent.Capacity.DOUBT}, "the consent cannot be relied on"),
        ({"capacity_assessed_by": " "}, "does not say who made it"),
        ({"legal_advice_offered": False}, "Legal advice was not offered"),
        ({"needs_translation": True}, "translated agreement was needed but not signed"),
        ({"alternatives_considered": ""}, "alternatives considered"),
        ({"signed_by_person": False}, "Not signed by the person"),
        ({"signed_by_social_worker": False}, "Not signed by the social worker"),
        ({"authorised_by_id": None}, "Not authorised by a manager"),
        ({"withdrawn_at": timezone.now()}, "withdrawn on"),
    ],
)
def test_each_missing_item_is_named_on_its_own(change, expected):
    gaps = consent_missing(complete_consent(**change))
    assert len(gaps) == 1
    assert expected in gaps[0]


def test_a_signed_translation_is_not_a_gap_and_withdrawal_matters_only_while_accommodated():
    assert consent_missing(complete_consent(needs_translation=True, translated_version_signed=True)) == []
    withdrawn = complete_consent(withdrawn_at=timezone.now())
    assert consent_missing(withdrawn, still_accommodated=False) == []


def _run(holders, consents, end=None) -> Section20Run:
    return Section20Run(1, 10, date(2026, 1, 1), end, [10], pr_holders=holders, consents=consents)


def test_child_gaps_name_each_person_with_parental_responsibility_without_a_consent():
    ann = RelatedPerson(pk=1, first_name="Ann", last_name="Lee")
    bob = RelatedPerson(pk=2, first_name="Bob", last_name="Stone")
    anns = complete_consent(person=ann)
    gaps = child_consent_gaps(None, _run([ann, bob], [anns]))
    assert gaps == ["No consent recorded from Bob Stone, who has parental responsibility"]
    incomplete = complete_consent(person=ann, told_in_writing=False)
    bobs = complete_consent(person=bob)
    assert child_consent_gaps(None, _run([ann, bob], [incomplete, bobs])) == [
        "Ann Lee: The information was not given in writing"
    ]
    assert child_consent_gaps(None, _run([], [])) == [
        "No one with parental responsibility is recorded for the child"
    ]


def test_withdrawn_consent_is_a_gap_only_while_the_child_is_accommodated():
    ann = RelatedPerson(pk=1, first_name="Ann", last_name="Lee")
    withdrawn = complete_consent(person=ann, withdrawn_at=timezone.now())
    assert "still accommodated" in child_consent_gaps(None, _run([ann], [withdrawn]))[0]
    assert child_consent_gaps(None, _run([ann], [withdrawn], end=date(2026, 2, 1))) == []


def test_a_run_starts_at_the_first_of_consecutive_section_20_episodes():
    d = date(2026, 1, 1)
    episodes = [
        (1, 7, d, d + timedelta(days=10)),  # an earlier run, then a gap
        (2, 7, d + timedelta(days=30), d + timedelta(days=40)),
        (3, 7, d + timedelta(days=40), None),  # continues the run begun by episode 2
    ]
    runs = runs_from_episodes(episodes)[7]
    assert [(r.first_episode_id, r.episode_ids, r.is_open) for r in runs] == [
        (1, [1], False),
        (2, [2, 3], True),
    ]
    assert runs[-1].start_date == d + timedelta(days=30)


# ---------------------------------------------------------------------------------------------
# Recording a consent
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def child(social_worker):
    return accommodated(social_worker, days=30)


@pytest.fixture
def mother(child):
    return parent_of([child])


def test_consent_is_recorded_against_the_first_episode_of_the_run(social_worker):
    child = f.ChildFactory()
    f.allocate(child, social_worker)
    parent_of_child = parent_of([child])
    first = s20_episode(child, today() - timedelta(days=40), today() - timedelta(days=20))
    s20_episode(
        child, today() - timedelta(days=20), reason_new_episode=codes.ReasonNewEpisode.PLACEMENT_AND_CARER
    )
    consent = consent_for(social_worker, child, parent_of_child)
    assert consent.episode_id == first.pk
    assert consent.recorded_by == social_worker
    run = current_run(child)
    assert run.start_date == first.start_date and [c.pk for c in run.consents] == [consent.pk]


def test_only_a_person_with_parental_responsibility_can_consent(social_worker, child):
    grandmother = parent_of([child], kind="grandparent", pr=False)
    with pytest.raises(ValidationError) as refused:
        consent_for(social_worker, child, grandmother)
    assert "does not have parental responsibility" in refused.value.message_dict["person"][0]
    stranger = f.RelatedPersonFactory()
    with pytest.raises(ValidationError):
        consent_for(social_worker, child, stranger)
    assert not Section20Consent.objects.exists()


def test_consent_given_in_the_future_is_refused(social_worker, child, mother):
    with pytest.raises(ValidationError) as refused:
        services.section_20_consent_record(
            actor=social_worker, child=child, person=mother, given_at=timezone.now() + timedelta(hours=2)
        )
    assert "given_at" in refused.value.message_dict


def test_a_child_not_accommodated_under_section_20_has_no_consent_to_record(social_worker):
    child = f.ChildFactory()
    f.allocate(child, social_worker)
    mother = parent_of([child])
    s20_episode(child, today() - timedelta(days=90), today() - timedelta(days=60), reason_ceased="E13")
    with pytest.raises(ValidationError) as refused:
        consent_for(social_worker, child, mother)
    assert "not accommodated under section 20" in refused.value.message_dict["person"][0]


def test_a_second_consent_from_the_same_person_for_the_same_run_is_refused(social_worker, child, mother):
    consent_for(social_worker, child, mother)
    with pytest.raises(ValidationError) as refused:
        consent_for(social_worker, child, mother)
    assert "already recorded" in refused.value.message_dict["person"][0]


def test_a_worker_outside_the_childs_scope_or_role_cannot_record(child, mother):
    other_worker = f.UserFactory()
    with pytest.raises(PermissionDenied):
        consent_for(other_worker, child, mother)
    auditor = f.UserFactory(role=Role.QA_AUDITOR)
    with pytest.raises(PermissionDenied):
        consent_for(auditor, child, mother)
    assert not Section20Consent.objects.exists()


# ---------------------------------------------------------------------------------------------
# Changing, authorising and withdrawing
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def manager(team):
    return f.UserFactory(role=Role.TEAM_MANAGER, team=team)


def _update(worker, consent, version, **overrides):
    fields = {name: getattr(consent, name) for name in services.CONSENT_DETAILS}
    return services.section_20_consent_update(
        actor=worker,
        consent=consent,
        expected_version=version,
        given_at=consent.given_at,
        **(fields | overrides),
    )


def test_a_manager_authorises_a_consent(social_worker, manager, child, mother):
    consent = consent_for(social_worker, child, mother)
    assert "Not authorised by a manager" in consent_missing(consent)
    services.section_20_consent_authorise(actor=manager, consent=consent, expected_version=consent.version)
    consent.refresh_from_db()
    assert (consent.authorised_by, consent.authorised_on) == (manager, today())
    assert consent_missing(consent) == []


def test_a_social_worker_cannot_authorise_and_a_consent_is_authorised_once(
    social_worker, manager, child, mother
):
    consent = consent_for(social_worker, child, mother)
    with pytest.raises(PermissionDenied):
        services.section_20_consent_authorise(
            actor=social_worker, consent=consent, expected_version=consent.version
        )
    services.section_20_consent_authorise(actor=manager, consent=consent, expected_version=consent.version)
    with pytest.raises(ValidationError):
        services.section_20_consent_authorise(
            actor=manager, consent=consent, expected_version=consent.version
        )


def test_consent_without_capacity_cannot_be_authorised(social_worker, manager, child, mother):
    consent = consent_for(social_worker, child, mother, capacity=Section20Consent.Capacity.DOUBT)
    with pytest.raises(ValidationError) as refused:
        services.section_20_consent_authorise(
            actor=manager, consent=consent, expected_version=consent.version
        )
    assert "cannot be relied on" in refused.value.messages[0]
    consent.refresh_from_db()
    assert consent.authorised_by is None


def test_changing_an_authorised_consent_takes_the_authorisation_away(social_worker, manager, child, mother):
    consent = consent_for(social_worker, child, mother, manager=manager)
    consent.refresh_from_db()
    _update(social_worker, consent, consent.version, told_in_writing=False)
    consent.refresh_from_db()
    assert consent.told_in_writing is False and consent.authorised_by is None
    assert "Not authorised by a manager" in consent_missing(consent)


def test_a_change_from_a_stale_version_is_refused(social_worker, child, mother):
    consent = consent_for(social_worker, child, mother)
    seen = consent.version
    _update(social_worker, consent, seen, circumstances="Seen two days after the birth.")
    with pytest.raises(EditConflict):
        _update(social_worker, consent, seen, circumstances="Something else")
    consent.refresh_from_db()
    assert consent.circumstances == "Seen two days after the birth."


def test_withdrawal_is_recorded_and_checked(social_worker, child, mother):
    consent = consent_for(social_worker, child, mother)
    with pytest.raises(ValidationError) as refused:
        services.section_20_consent_withdraw(
            actor=social_worker,
            consent=consent,
            withdrawn_at=consent.given_at - timedelta(hours=1),
            expected_version=consent.version,
        )
    assert "before it was given" in refused.value.message_dict["withdrawn_at"][0]
    with pytest.raises(ValidationError):
        services.section_20_consent_withdraw(
            actor=social_worker,
            consent=consent,
            withdrawn_at=timezone.now() + timedelta(hours=1),
            expected_version=consent.version,
        )
    moment = timezone.now() - timedelta(hours=3)
    services.section_20_consent_withdraw(
        actor=social_worker, consent=consent, withdrawn_at=moment, expected_version=consent.version
    )
    consent.refresh_from_db()
    assert consent.withdrawn_at == moment
    assert any("withdrawn" in gap for gap in child_consent_gaps(child, current_run(child)))
