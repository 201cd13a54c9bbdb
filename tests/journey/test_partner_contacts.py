"""A partner-agency referrer tells the front door about a child (F28, F31), without seeing records."""

from datetime import date

import pytest

from carepath.core import codes
from carepath.core.models import AccessEvent, ChangeEvent
from carepath.core.permissions import Role
from carepath.journey.models import Contact
from carepath.people.models import Child, ChildStatus, PartnerAgency, Team
from tests import factories as f


@pytest.fixture
def front_door(db):
    return f.TeamFactory(name="MASH", kind=Team.Kind.FRONT_DOOR)


@pytest.fixture
def referrer(front_door):
    school = PartnerAgency.objects.create(
        name="Hillside Primary", kind=PartnerAgency.Kind.SCHOOL, referral_source=codes.ReferralSource.SCHOOLS
    )
    return f.UserFactory(role=Role.PARTNER_REFERRER, team=None, partner_agency=school)


def form(**overrides):
    data = {
        "first_name": "Lily",
        "last_name": "Hart",
        "date_of_birth_0": "4",
        "date_of_birth_1": "9",
        "date_of_birth_2": "2017",
        "sex": "F",
        "postcode": "ab1 2cd",
        "summary": "Lily came to school with bruises on her arms twice this week.",
        "referrer_threshold": "4",
    }
    data.update(overrides)
    return data


def test_a_new_child_is_opened_for_the_front_door_with_the_contact(client, referrer, front_door):
    client.force_login(referrer)
    response = client.post("/front-door/contacts/new/", form(), follow=True)
    page = response.content.decode()
    assert "Your contact has been sent to the front door" in page
    contact = Contact.objects.get()
    assert contact.source == codes.ReferralSource.SCHOOLS and contact.referrer_user == referrer
    assert contact.referrer_threshold == 4 and contact.decision == ""
    child = contact.child
    assert (child.first_name, child.date_of_birth, child.postcode) == ("Lily", date(2017, 9, 4), "AB1 2CD")
    assert child.allocated_team == front_door and child.status == ChildStatus.CONTACT
    assert f"CT{contact.pk:07d}" in page and "Not decided yet" in page
    assert ChangeEvent.objects.filter(child=child, record_type="journey.Contact").exists()


def test_an_exactly_matching_child_gets_the_contact_on_their_record(client, referrer, front_door):
    known = f.ChildFactory(first_name="Lily", last_name="Hart", date_of_birth=date(2017, 9, 4))
    client.force_login(referrer)
    client.post("/front-door/contacts/new/", form())
    assert Contact.objects.get().child == known
    assert Child.objects.count() == 1


def test_two_possible_matches_open_a_new_record_for_the_front_door_to_link(client, referrer, front_door):
    for _ in range(2):
        f.ChildFactory(first_name="Lily", last_name="Hart", date_of_birth=date(2017, 9, 4))
    client.force_login(referrer)
    client.post("/front-door/contacts/new/", form())
    assert Child.objects.count() == 3


def test_an_unborn_child_is_recorded_with_sex_not_known(client, referrer, front_door):
    client.force_login(referrer)
    client.post(
        "/front-door/contacts/new/",
        form(
            first_name="",
            date_of_birth_0="",
            date_of_birth_1="",
            date_of_birth_2="",
            expected_date_of_birth_0="1",
            expected_date_of_birth_1="3",
            expected_date_of_birth_2=str(date.today().year + 1),
        ),
    )
    child = Contact.objects.get().child
    assert child.date_of_birth is None and child.sex == codes.Sex.UNKNOWN


def test_missing_answers_are_refused_and_what_was_typed_is_kept(client, referrer, front_door):
    client.force_login(referrer)
    response = client.post(
        "/front-door/contacts/new/",
        form(date_of_birth_0="", date_of_birth_1="", date_of_birth_2="", referrer_threshold=""),
    )
    page = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in page
    assert "Enter the child&#x27;s date of birth" in page and "Select the level of need" in page
    assert "bruises on her arms" in page and 'value="Hart"' in page
    assert not Contact.objects.exists() and not Child.objects.exists()


def test_the_referrer_sees_only_their_own_contacts_and_never_the_record(client, referrer, front_door):
    other = f.UserFactory(role=Role.PARTNER_REFERRER, team=None, partner_agency=referrer.partner_agency)
    client.force_login(other)
    client.post("/front-door/contacts/new/", form(first_name="Sam", last_name="Other"))
    client.force_login(referrer)
    client.post("/front-door/contacts/new/", form())
    page = client.get("/front-door/contacts/").content.decode()
    assert "Lily Hart" in page and "Sam Other" not in page
    child = Contact.objects.get(referrer_user=referrer).child
    assert client.get(f"/children/{child.public_id}/").status_code == 403
    assert not AccessEvent.objects.filter(actor=referrer).exists()


def test_staff_without_the_function_cannot_use_the_partner_form(client, social_worker, front_door):
    client.force_login(social_worker)
    assert client.get("/front-door/contacts/new/").status_code == 403
    assert client.post("/front-door/contacts/new/", form()).status_code == 403
    assert not Contact.objects.exists()
