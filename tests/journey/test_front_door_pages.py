"""The front door decides contacts with a threshold level (F28, F31); a referral starts the CIN episode."""

import pytest
from django.utils import timezone

from carepath.core import codes
from carepath.core.permissions import Role
from carepath.journey.models import Contact, Referral
from carepath.people.models import ChildStatus, Team
from tests import factories as f


@pytest.fixture
def mash(db):
    team = f.TeamFactory(name="MASH", kind=Team.Kind.FRONT_DOOR)
    manager = f.UserFactory(team=team, role=Role.TEAM_MANAGER, first_name="Mo", last_name="Reed")
    child = f.ChildFactory(
        first_name="Lily", last_name="Hart", allocated_team=team, status=ChildStatus.CONTACT
    )
    contact = Contact.objects.create(
        child=child,
        received_at=timezone.now() - timezone.timedelta(hours=3),
        source=codes.ReferralSource.SCHOOLS,
        summary="Bruising seen at school.",
        referrer_threshold=4,
    )
    return team, manager, child, contact


def decision(contact, **overrides):
    data = {
        "version": contact.version,
        "decision": "referral",
        "threshold_level": "4",
        "primary_need": "N1",
        "outcome_notes": "Bruising with no explanation: section 47 threshold likely.",
    }
    data.update(overrides)
    return data


def test_front_door_lists_waiting_contacts_for_the_team_manager(client, mash):
    team, manager, child, contact = mash
    client.force_login(manager)
    page = client.get("/front-door/").content.decode()
    assert "Lily Hart" in page and f"/children/{child.public_id}/contact-decision/" in page


def test_a_referral_decision_starts_the_child_in_need_episode(client, mash):
    team, manager, child, contact = mash
    client.force_login(manager)
    response = client.post(f"/children/{child.public_id}/contact-decision/", decision(contact))
    assert response.status_code == 302
    contact.refresh_from_db()
    assert (contact.decision, contact.threshold_level, contact.decided_by) == ("referral", 4, manager)
    referral = Referral.objects.get(child=child)
    assert referral.contact == contact and referral.source == codes.ReferralSource.SCHOOLS
    assert referral.primary_need == "N1"
    child.refresh_from_db()
    assert child.status == ChildStatus.CHILD_IN_NEED
    assert "Lily Hart" not in client.get("/front-door/").content.decode()


def test_a_referral_without_a_primary_need_is_refused_and_nothing_is_stored(client, mash):
    team, manager, child, contact = mash
    client.force_login(manager)
    response = client.post(
        f"/children/{child.public_id}/contact-decision/", decision(contact, primary_need="")
    )
    page = response.content.decode()
    assert response.status_code == 200 and "primary need" in page
    assert "section 47 threshold likely" in page  # what they typed is kept
    contact.refresh_from_db()
    assert contact.decision == "" and not Referral.objects.exists()


def test_two_managers_deciding_the_same_contact_cannot_both_save(client, mash):
    team, manager, child, contact = mash
    other = f.UserFactory(team=team, role=Role.TEAM_MANAGER)
    stale = decision(contact, decision="nfa", threshold_level="1", primary_need="")
    client.force_login(manager)
    client.post(f"/children/{child.public_id}/contact-decision/", decision(contact))
    client.force_login(other)
    response = client.post(f"/children/{child.public_id}/contact-decision/", stale)
    contact.refresh_from_db()
    assert contact.decision == "referral" and contact.decided_by == manager
    assert "No contact about Lily is waiting" in response.content.decode()


def test_a_social_worker_outside_the_front_door_sees_no_waiting_contacts(client, mash, social_worker):
    client.force_login(social_worker)
    assert "Lily Hart" not in client.get("/front-door/").content.decode()
