"""Managers' review of every section 20 case (F08): the snapshot on the day it starts, each case's
finding, and the progress shown."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carepath.core import codes
from carepath.core.concurrency import EditConflict
from carepath.core.permissions import Role
from carepath.journey.models import LookedAfterEpisode
from carepath.legal.models import Section20Review, Section20ReviewCase
from carepath.legal.services import section20 as services
from tests import factories as f
from tests.legal.test_section20_consent import accommodated, s20_episode, today

Finding = Section20ReviewCase.Finding


@pytest.fixture
def manager(team):
    return f.UserFactory(role=Role.TEAM_MANAGER, team=team)


def _start(actor, title="Section 20 review, spring"):
    return services.section_20_review_start(actor=actor, title=title, due_on=today() + timedelta(days=28))


def test_the_review_takes_exactly_the_open_section_20_children_the_manager_may_see(social_worker, manager):
    ours = accommodated(social_worker, days=30)
    moved = f.ChildFactory()
    f.allocate(moved, social_worker)
    first = s20_episode(moved, today() - timedelta(days=60), today() - timedelta(days=10))
    s20_episode(
        moved, today() - timedelta(days=10), reason_new_episode=codes.ReasonNewEpisode.PLACEMENT_AND_CARER
    )
    # Not in the review: another team's child, a child who went home, a child on a care order.
    accommodated(f.UserFactory(), days=30)
    home = f.ChildFactory()
    f.allocate(home, social_worker)
    s20_episode(home, today() - timedelta(days=60), today() - timedelta(days=1), reason_ceased="E13")
    on_order = f.ChildFactory()
    f.allocate(on_order, social_worker)
    s20_episode(on_order, today() - timedelta(days=20), legal_status=codes.LegalStatus.ICO)

    review = _start(manager)
    cases = {case.child_id: case for case in review.cases.all()}
    assert set(cases) == {ours.pk, moved.pk}
    assert cases[moved.pk].episode_id == first.pk
    assert cases[ours.pk].episode == LookedAfterEpisode.objects.get(child=ours)
    assert (review.started_on, review.started_by) == (today(), manager)
    assert all(c.reviewed_on is None and c.finding == "" for c in cases.values())


def test_only_managers_start_a_review_and_it_needs_children_and_a_future_due_date(social_worker, manager):
    with pytest.raises(PermissionDenied):
        _start(social_worker)
    with pytest.raises(ValidationError) as refused:
        _start(manager)
    assert "no children" in refused.value.messages[0]
    accommodated(social_worker)
    with pytest.raises(ValidationError) as refused:
        services.section_20_review_start(actor=manager, title="Late", due_on=today() - timedelta(days=1))
    assert "due_on" in refused.value.message_dict
    assert not Section20Review.objects.exists()


def test_a_finding_other_than_appropriate_needs_notes(social_worker, manager):
    accommodated(social_worker)
    case = _start(manager).cases.get()
    with pytest.raises(ValidationError) as refused:
        services.section_20_review_case_record(
            actor=manager, case=case, finding=Finding.LEGAL_PLANNING, notes=" ", expected_version=case.version
        )
    assert "notes" in refused.value.message_dict
    services.section_20_review_case_record(
        actor=manager, case=case, finding=Finding.APPROPRIATE, notes="", expected_version=case.version
    )
    case.refresh_from_db()
    assert (case.finding, case.reviewer, case.reviewed_on) == (Finding.APPROPRIATE, manager, today())


def test_a_finding_from_a_stale_version_or_by_a_social_worker_is_refused(social_worker, manager):
    accommodated(social_worker)
    case = _start(manager).cases.get()
    seen = case.version
    services.section_20_review_case_record(
        actor=manager, case=case, finding=Finding.APPROPRIATE, notes="", expected_version=seen
    )
    with pytest.raises(EditConflict):
        services.section_20_review_case_record(
            actor=manager,
            case=case,
            finding=Finding.RETURN_HOME,
            notes="Plan a return.",
            expected_version=seen,
        )
    with pytest.raises(PermissionDenied):
        services.section_20_review_case_record(
            actor=social_worker,
            case=case,
            finding=Finding.APPROPRIATE,
            notes="",
            expected_version=case.version,
        )


def test_progress_is_shown_as_n_of_n_with_a_meter(client, social_worker, manager):
    accommodated(social_worker, last_name="Ashby")
    accommodated(social_worker, last_name="Brook")
    review = _start(manager)
    case = review.cases.get(child__last_name="Ashby")
    services.section_20_review_case_record(
        actor=manager, case=case, finding=Finding.APPROPRIATE, notes="", expected_version=case.version
    )
    client.force_login(manager)
    listing = client.get("/legal/section-20/reviews/").content.decode()
    assert "1 of 2 reviewed" in listing
    assert 'max="2" value="1">1 of 2 reviewed</meter>' in listing
    outstanding = client.get(
        f"/legal/section-20/reviews/{review.pk}/", {"show": "outstanding"}
    ).content.decode()
    assert "Brook" in outstanding and "Ashby" not in outstanding


def test_a_review_page_names_only_the_children_the_reader_may_see(client, social_worker, manager):
    accommodated(social_worker, last_name="Visible")
    accommodated(f.UserFactory(), last_name="Elsewhere")
    review = _start(f.UserFactory(role=Role.DIRECTOR))
    assert review.cases.count() == 2
    client.force_login(manager)
    page = client.get(f"/legal/section-20/reviews/{review.pk}/").content.decode()
    assert "Visible" in page and "Elsewhere" not in page
    assert "And 1 other child you cannot see." in page
    assert "0 of 2 reviewed" in page


def test_starting_a_review_from_the_page(client, social_worker, manager):
    accommodated(social_worker)
    client.force_login(manager)
    due = today() + timedelta(days=14)
    response = client.post(
        "/legal/section-20/reviews/new/",
        {"title": "Winter review", "due_on_0": due.day, "due_on_1": due.month, "due_on_2": due.year},
    )
    review = Section20Review.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/legal/section-20/reviews/{review.pk}/"
    assert review.cases.count() == 1
    client.force_login(social_worker)
    assert client.get("/legal/section-20/reviews/new/").status_code == 403


def test_the_case_form_keeps_what_was_typed_when_refused(client, social_worker, manager):
    child = accommodated(social_worker)
    case = _start(manager).cases.get()
    client.force_login(manager)
    response = client.post(
        f"/legal/section-20/review-cases/{case.pk}/",
        {"version": case.version, "finding": Finding.FIX_CONSENT, "notes": ""},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in page and "Enter what must happen next" in page
    assert f'value="{Finding.FIX_CONSENT}" checked' in page
    response = client.post(
        f"/legal/section-20/review-cases/{case.pk}/",
        {
            "version": case.version,
            "finding": Finding.FIX_CONSENT,
            "notes": "Father's consent to be obtained.",
        },
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.notes == "Father's consent to be obtained." and case.child == child
