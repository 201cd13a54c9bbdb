"""Section 20 consent pages: recording, changing, authorising and withdrawing a consent, each
keeping what was typed when it is refused."""

from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from carepath.core.permissions import Role
from carepath.legal.models import Section20Consent
from tests import factories as f
from tests.legal.factories import parent_of
from tests.legal.test_section20_consent import COMPLETE, accommodated, consent_for


@pytest.fixture
def manager(team):
    return f.UserFactory(role=Role.TEAM_MANAGER, team=team)


@pytest.fixture
def child(social_worker):
    return accommodated(social_worker, days=21)


def _moment(name: str, when) -> dict:
    when = timezone.localtime(when)
    parts = [when.day, when.month, when.year, f"{when.hour:02d}", f"{when.minute:02d}"]
    return {f"{name}_{i}": v for i, v in enumerate(parts)}


def _ticks(**overrides) -> dict:
    data = {name: "on" for name, value in COMPLETE.items() if value is True}
    data |= {
        "capacity": COMPLETE["capacity"],
        "capacity_assessed_by": COMPLETE["capacity_assessed_by"],
        "alternatives_considered": COMPLETE["alternatives_considered"],
    }
    return data | overrides


def test_recording_a_consent_from_the_page(client, social_worker, child):
    mother = parent_of([child])
    client.force_login(social_worker)
    url = f"/children/{child.public_id}/section-20/consents/new/"
    page = client.get(url, {"person": mother.pk}).content.decode()
    assert f'value="{mother.pk}" checked' in page
    future = _moment("given_at", timezone.now() + timedelta(days=2))
    response = client.post(
        url, {"person": mother.pk, **future, **_ticks(alternatives_considered="Aunt asked.")}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert "Aunt asked." in page and 'name="told_orally" type="checkbox" value="on" checked' in page
    assert not Section20Consent.objects.exists()
    given = _moment("given_at", timezone.now() - timedelta(days=22))
    response = client.post(url, {"person": mother.pk, **given, **_ticks()})
    assert response.status_code == 302 and response["Location"] == f"/children/{child.public_id}/section-20/"
    consent = Section20Consent.objects.get()
    assert consent.person == mother and consent.told_orally and consent.capacity == "has"


def test_only_people_with_parental_responsibility_are_offered(client, social_worker, child):
    mother = parent_of([child])
    uncle = parent_of([child], kind="aunt_uncle", pr=False)
    client.force_login(social_worker)
    page = client.get(f"/children/{child.public_id}/section-20/consents/new/").content.decode()
    assert escape(f"{mother.first_name} {mother.last_name}") in page
    assert escape(f"{uncle.first_name} {uncle.last_name}") not in page
    consent_for(social_worker, child, mother)
    page = client.get(f"/children/{child.public_id}/section-20/consents/new/").content.decode()
    assert "already has a consent recorded" in page and 'name="person"' not in page


def test_a_concurrent_change_is_refused_with_a_message_and_the_input_kept(client, social_worker, child):
    consent = consent_for(social_worker, child, parent_of([child]))
    client.force_login(social_worker)
    url = f"/legal/section-20/consents/{consent.pk}/"
    Section20Consent.objects.filter(pk=consent.pk).update(version=consent.version + 1, circumstances="Theirs")
    response = client.post(
        url,
        {"version": consent.version, **_moment("given_at", consent.given_at), **_ticks(circumstances="Mine")},
    )
    page = response.content.decode()
    assert "Someone else changed this record" in page and ">Mine</textarea>" in page
    consent.refresh_from_db()
    assert consent.circumstances == "Theirs"


def test_a_manager_authorises_from_the_page_and_a_worker_cannot(client, social_worker, manager, child):
    consent = consent_for(social_worker, child, parent_of([child]), told_in_writing=False)
    url = f"/legal/section-20/consents/{consent.pk}/authorise/"
    client.force_login(social_worker)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    page = client.get(url).content.decode()
    assert "The information was not given in writing" in page
    assert client.post(url, {"version": consent.version}).status_code == 302
    consent.refresh_from_db()
    assert consent.authorised_by == manager


def test_withdrawal_from_the_page_flags_the_child(client, social_worker, child):
    consent = consent_for(social_worker, child, parent_of([child]))
    client.force_login(social_worker)
    url = f"/legal/section-20/consents/{consent.pk}/withdraw/"
    early = _moment("withdrawn_at", consent.given_at - timedelta(days=1))
    page = client.post(url, {"version": consent.version, **early}).content.decode()
    assert "cannot be withdrawn before it was given" in page
    later = _moment("withdrawn_at", timezone.now() - timedelta(hours=1))
    assert client.post(url, {"version": consent.version, **later}).status_code == 302
    page = client.get(f"/children/{child.public_id}/section-20/").content.decode()
    assert "Consent has been withdrawn" in page
