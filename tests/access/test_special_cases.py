"""Access cases the matrix does not reach: leavers, roles with no children's records at all, the
read-only inspector writing, and break-glass from its reason to its expiry."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from rest_framework.authtoken.models import Token

from carepath.core.models import AccessBasis, AccessEvent, Channel
from carepath.core.permissions import Role, Scope
from carepath.journey.models import CaseNote
from carepath.people import models as pm
from carepath.people.selectors import child_access_decision, children_visible_to
from carepath.people.services import MIN_BREAK_GLASS_REASON, break_glass_start
from tests import factories as f

REASON = "Police called out of hours: child found alone at the station"


def _api_get(client, user, url):
    token, _ = Token.objects.get_or_create(user=user)
    return client.get(url, headers={"authorization": f"Token {token.key}"})


def _note_form():
    yesterday = timezone.localtime() - timedelta(days=1)
    return {
        "happened_at_0": yesterday.day,
        "happened_at_1": yesterday.month,
        "happened_at_2": yesterday.year,
        "happened_at_3": "10",
        "happened_at_4": "30",
        "kind": CaseNote.Kind.CASE_NOTE,
        "subject": "Visit to school",
        "text": "Spoke to the head teacher.",
    }


def _note_json():
    return {
        "happened_at": (timezone.now() - timedelta(days=1)).isoformat(),
        "kind": CaseNote.Kind.CASE_NOTE,
        "subject": "Visit to school",
        "text": "Spoke to the head teacher.",
    }


# ---------------------------------------------------------------------------------------------
# Leavers
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_leaver_sees_nothing_even_with_an_open_allocation_grant_and_glass(client):
    leaver = f.UserFactory(role=Role.TEAM_MANAGER, scope=Scope.AUTHORITY)
    allocated = f.ChildFactory()
    f.allocate(allocated, leaver)
    restricted = f.ChildFactory(is_restricted=True)
    pm.RestrictedRecordGrant.objects.create(
        child=restricted, user=leaver, granted_by=leaver, reason="Court work"
    )
    break_glass_start(actor=leaver, child=f.ChildFactory(), reason=REASON)
    client.force_login(leaver)
    assert client.get(f"/children/{allocated.public_id}/").status_code == 200

    leaver.is_active = False
    leaver.left_on = timezone.localdate()
    leaver.save()
    before = AccessEvent.objects.count()

    assert not children_visible_to(leaver).exists()
    assert not any(child_access_decision(leaver, c).allowed for c in pm.Child.objects.all())
    # The session they still hold no longer signs them in.
    page = client.get(f"/children/{allocated.public_id}/")
    assert page.status_code == 302 and "/sign-in/" in page["Location"]
    assert _api_get(client.__class__(), leaver, f"/api/v1/children/{allocated.public_id}/").status_code in (
        401,
        403,
    )
    assert AccessEvent.objects.count() == before


# ---------------------------------------------------------------------------------------------
# Roles that never see a child's record
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.PARTNER_REFERRER, Role.SYSTEM_ADMINISTRATOR])
def test_partner_referrer_and_system_administrator_see_no_child_record(client, role):
    user = f.UserFactory(role=role, scope=Scope.AUTHORITY)
    allocated = f.ChildFactory()
    f.allocate(allocated, user)
    restricted = f.ChildFactory(is_restricted=True)
    pm.RestrictedRecordGrant.objects.create(child=restricted, user=user, granted_by=user, reason="Court work")
    # A break-glass row made behind the service's back must not open anything either.
    glass = f.ChildFactory()
    pm.BreakGlassAccess.objects.create(
        child=glass, user=user, reason=REASON, expires_at=timezone.now() + timedelta(hours=1)
    )

    assert not children_visible_to(user).exists()
    for child in (allocated, restricted, glass):
        assert not child_access_decision(user, child).allowed
    with pytest.raises(PermissionDenied):
        break_glass_start(actor=user, child=f.ChildFactory(), reason=REASON)
    client.force_login(user)
    for child in (allocated, restricted, glass):
        assert client.get(f"/children/{child.public_id}/").status_code == 403
        assert client.get(f"/api/v1/children/{child.public_id}/").status_code == 403
    assert client.get("/api/v1/children/").status_code == 403
    assert not AccessEvent.objects.exists()


# ---------------------------------------------------------------------------------------------
# The inspector reads but never writes
# ---------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_inspector_reads_but_cannot_add_a_case_note(client):
    inspector = f.UserFactory(role=Role.INSPECTOR, scope=Scope.AUTHORITY)
    child = f.ChildFactory()
    f.allocate(child, f.UserFactory())
    client.force_login(inspector)
    assert client.get(f"/children/{child.public_id}/").status_code == 200
    assert client.get(f"/api/v1/children/{child.public_id}/case-notes/").status_code == 200

    api = client.post(
        f"/api/v1/children/{child.public_id}/case-notes/", _note_json(), content_type="application/json"
    )
    web = client.post(f"/children/{child.public_id}/case-notes/new/", _note_form())
    assert (api.status_code, web.status_code) == (403, 403)
    assert not CaseNote.objects.exists()


@pytest.mark.django_db
def test_the_web_note_form_used_above_is_accepted_from_a_worker(client):
    """Keeps the inspector test honest: the same form data does save a note for someone allowed to."""
    worker = f.UserFactory()
    child = f.ChildFactory()
    f.allocate(child, worker)
    client.force_login(worker)
    response = client.post(f"/children/{child.public_id}/case-notes/new/", _note_form())
    assert response.status_code == 302
    assert CaseNote.objects.get(child=child).author == worker


# ---------------------------------------------------------------------------------------------
# Break-glass
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def outsider_and_child(db):
    worker = f.UserFactory()
    child = f.ChildFactory()
    f.allocate(child, f.UserFactory())  # another team's child
    return worker, child


def test_break_glass_needs_a_reason_of_at_least_20_characters(outsider_and_child, client):
    worker, child = outsider_and_child
    assert MIN_BREAK_GLASS_REASON == 20
    for too_short in ("", "Urgent", "x" * 19, "   " + "y" * 19 + "   "):
        with pytest.raises(ValidationError) as error:
            break_glass_start(actor=worker, child=child, reason=too_short)
        assert "reason" in error.value.message_dict
    client.force_login(worker)
    response = client.post(f"/children/{child.public_id}/break-glass/", {"reason": "Just checking"})
    assert response.status_code == 200  # the form again, with the error
    assert not pm.BreakGlassAccess.objects.exists()
    assert client.get(f"/children/{child.public_id}/").status_code == 403

    break_glass_start(actor=worker, child=child, reason="z" * 20)
    assert child_access_decision(worker, child).allowed


def test_every_read_in_the_window_carries_the_reason_and_expiry_refuses_again(outsider_and_child, client):
    worker, child = outsider_and_child
    start = timezone.now()
    window = timedelta(minutes=settings.CAREPATH_BREAK_GLASS_MINUTES)
    with time_machine.travel(start, tick=False):
        client.force_login(worker)
        response = client.post(f"/children/{child.public_id}/break-glass/", {"reason": REASON})
        assert response.status_code == 302
        assert client.get(f"/children/{child.public_id}/").status_code == 200
        assert client.get(f"/children/{child.public_id}/journey/").status_code == 200
    with time_machine.travel(start + window - timedelta(minutes=1), tick=False):
        assert (
            _api_get(client.__class__(), worker, f"/api/v1/children/{child.public_id}/visits/").status_code
            == 200
        )

    events = list(AccessEvent.objects.filter(child=child).order_by("seq"))
    assert [(e.actor, e.channel, e.basis, e.reason) for e in events] == [
        (worker, Channel.WEB, AccessBasis.BREAK_GLASS, REASON),
        (worker, Channel.WEB, AccessBasis.BREAK_GLASS, REASON),
        (worker, Channel.API, AccessBasis.BREAK_GLASS, REASON),
    ]

    with time_machine.travel(start + window + timedelta(minutes=1), tick=False):
        assert not child_access_decision(worker, child).allowed
        assert not children_visible_to(worker).filter(pk=child.pk).exists()
        # A fresh sign-in: the old session has timed out by now, which would hide the refusal.
        client.logout()
        client.force_login(worker)
        assert client.get(f"/children/{child.public_id}/").status_code == 403
        assert _api_get(client.__class__(), worker, f"/api/v1/children/{child.public_id}/").status_code == 403
    assert AccessEvent.objects.filter(child=child).count() == len(events)


def test_a_scoped_read_after_break_glass_is_logged_without_the_reason(outsider_and_child):
    """The reason belongs to break-glass reads only; once the child is in scope it is not repeated."""
    from carepath.people.selectors import child_for_reading

    worker, child = outsider_and_child
    break_glass_start(actor=worker, child=child, reason=REASON)
    pm.Allocation.objects.filter(child=child).update(ended_on=timezone.localdate())
    pm.Allocation.objects.create(
        child=child, worker=worker, team=worker.team, started_on=timezone.localdate()
    )
    child_for_reading(actor=worker, public_id=child.public_id, what="Summary")
    event = AccessEvent.objects.get(child=child)
    assert (event.basis, event.reason) == (AccessBasis.ALLOCATED, "")
