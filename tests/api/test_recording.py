"""Adding case notes and visits through the API: the services decide, errors come back as fields."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from carepath.core.models import AccessEvent, ChangeEvent
from carepath.core.permissions import Role, Scope
from carepath.journey.models import CaseNote, Visit
from carepath.people.services import break_glass_start
from tests import factories as f


def _note(**overrides):
    data = {
        "happened_at": (timezone.now() - timedelta(hours=2)).isoformat(),
        "kind": CaseNote.Kind.PHONE_CALL,
        "subject": "Call from school",
        "text": "The school rang about attendance.",
    }
    data.update(overrides)
    return data


def _visit(**overrides):
    data = {
        "visited_at": (timezone.now() - timedelta(hours=3)).isoformat(),
        "kind": Visit.Kind.CIN,
        "child_seen": True,
        "child_seen_alone": True,
        "notes": "Saw her room.",
    }
    data.update(overrides)
    return data


def test_social_worker_adds_a_case_note(api_as, social_worker, allocated_child):
    response = api_as(social_worker).post(
        f"/api/v1/children/{allocated_child.public_id}/case-notes/", _note(), format="json"
    )
    assert response.status_code == 201, response.content
    note = CaseNote.objects.get(child=allocated_child)
    assert (note.author, note.recorded_by, note.subject, note.kind) == (
        social_worker,
        social_worker,
        "Call from school",
        CaseNote.Kind.PHONE_CALL,
    )
    assert response.json()["id"] == note.pk
    assert response.json()["author"] == social_worker.get_full_name()
    read = AccessEvent.objects.get(child=allocated_child)
    assert (read.actor, read.channel, read.what) == (social_worker, "api", "API: add a case note")
    assert (
        ChangeEvent.objects.filter(
            child=allocated_child, record_type="journey.CaseNote", record_id=str(note.pk)
        ).count()
        == 1
    )


def test_a_note_dated_in_the_future_is_a_field_error(api_as, social_worker, allocated_child):
    tomorrow = (timezone.now() + timedelta(days=1)).isoformat()
    response = api_as(social_worker).post(
        f"/api/v1/children/{allocated_child.public_id}/case-notes/",
        _note(happened_at=tomorrow),
        format="json",
    )
    assert response.status_code == 400
    assert list(response.json()) == ["happened_at"]
    assert not CaseNote.objects.exists()


def test_missing_fields_are_field_errors(api_as, social_worker, allocated_child):
    response = api_as(social_worker).post(
        f"/api/v1/children/{allocated_child.public_id}/case-notes/", {"kind": "not_a_kind"}, format="json"
    )
    assert response.status_code == 400
    assert set(response.json()) == {"happened_at", "subject", "text", "kind"}


def test_social_worker_records_a_visit(api_as, social_worker, allocated_child):
    response = api_as(social_worker).post(
        f"/api/v1/children/{allocated_child.public_id}/visits/", _visit(), format="json"
    )
    assert response.status_code == 201, response.content
    visit = Visit.objects.get(child=allocated_child)
    assert (visit.visitor, visit.child_seen, visit.child_seen_alone) == (social_worker, True, True)


def test_a_child_seen_alone_but_not_seen_is_a_field_error(api_as, social_worker, allocated_child):
    response = api_as(social_worker).post(
        f"/api/v1/children/{allocated_child.public_id}/visits/",
        _visit(child_seen=False, child_seen_alone=True),
        format="json",
    )
    assert response.status_code == 400
    assert "child_seen_alone" in response.json()
    assert not Visit.objects.exists()


@pytest.mark.parametrize("role", [Role.INSPECTOR, Role.QA_AUDITOR, Role.DIRECTOR])
def test_read_only_roles_cannot_add_a_case_note(api_as, team, allocated_child, role):
    reader = f.UserFactory(team=team, role=role, scope=Scope.AUTHORITY)
    client = api_as(reader)
    assert client.get(f"/api/v1/children/{allocated_child.public_id}/case-notes/").status_code == 200
    response = client.post(
        f"/api/v1/children/{allocated_child.public_id}/case-notes/", _note(), format="json"
    )
    assert response.status_code == 403
    assert not CaseNote.objects.exists()
    assert AccessEvent.objects.count() == 1  # the GET only


def test_a_worker_cannot_record_on_a_child_outside_their_scope(api_as, social_worker):
    stranger = f.ChildFactory()
    response = api_as(social_worker).post(
        f"/api/v1/children/{stranger.public_id}/visits/", _visit(), format="json"
    )
    assert response.status_code == 403
    assert not Visit.objects.exists()


def test_break_glass_lets_a_worker_read_but_not_record(api_as, social_worker):
    stranger = f.ChildFactory()
    break_glass_start(actor=social_worker, child=stranger, reason="Out of hours call from the police station")
    client = api_as(social_worker)
    assert client.get(f"/api/v1/children/{stranger.public_id}/case-notes/").status_code == 200
    reads = AccessEvent.objects.count()
    response = client.post(f"/api/v1/children/{stranger.public_id}/case-notes/", _note(), format="json")
    assert response.status_code == 403
    assert not CaseNote.objects.exists()
    # Refused before anything was read, so the refusal is not logged as a read.
    assert AccessEvent.objects.count() == reads


def test_session_clients_must_send_the_csrf_token(social_worker, allocated_child):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(social_worker)
    url = f"/api/v1/children/{allocated_child.public_id}/case-notes/"
    assert client.get(url).status_code == 200
    refused = client.post(url, _note(), format="json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert not CaseNote.objects.exists()


def test_recording_on_an_unknown_child_is_not_found(api_as, social_worker):
    response = api_as(social_worker).post(
        "/api/v1/children/00000000-0000-4000-8000-000000000000/visits/", _visit(), format="json"
    )
    assert response.status_code == 404
    assert not Visit.objects.exists()
