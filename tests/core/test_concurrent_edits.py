"""Two people edit the same child's details: the second save is refused, nothing of it is saved,
and the form comes back with exactly what the second person typed."""

from datetime import date

import pytest
from django.test import Client

from carepath.core import codes
from carepath.core.models import ChangeEvent
from carepath.people.models import Child
from tests import factories as f

from .conftest import form_values

pytestmark = pytest.mark.django_db

CONFLICT = "Someone else changed these details while you were editing"


@pytest.fixture
def child(team):
    child = f.ChildFactory(
        first_name="Amara",
        last_name="Okafor",
        date_of_birth=date(2015, 6, 14),
        postcode="NR1 1AA",
        ethnicity=codes.Ethnicity.WBRI,
        first_language="English",
    )
    f.allocate(child, f.UserFactory(team=team))
    return child


@pytest.fixture
def first_person(team):
    client = Client()
    client.force_login(f.UserFactory(team=team, role="team_manager"))
    return client


@pytest.fixture
def second_person(team):
    client = Client()
    client.force_login(f.UserFactory(team=team, role="team_manager"))
    return client


def edit_url(child):
    return f"/children/{child.public_id}/details/edit/"


def stored(child):
    fresh = Child.objects.get(pk=child.pk)
    return {
        name: getattr(fresh, name)
        for name in (
            "first_name",
            "last_name",
            "preferred_name",
            "postcode",
            "first_language",
            "date_of_birth",
            "version",
        )
    }


def test_the_second_save_is_refused_and_keeps_what_the_second_person_typed(
    child, first_person, second_person
):
    url = edit_url(child)
    first_form = form_values(first_person.get(url))
    second_form = form_values(second_person.get(url))
    assert first_form["version"] == second_form["version"] == str(child.version)

    first_form.update(last_name="Okafor-Bell", postcode="NR2 2BB")
    assert first_person.post(url, first_form).status_code == 302
    after_first = stored(child)
    assert after_first["last_name"] == "Okafor-Bell"
    events_before = ChangeEvent.objects.filter(child=child).count()

    typed = {
        "first_name": "Amarachi",
        "last_name": "Okafor-Reid",
        "preferred_name": "Ama",
        "postcode": "NR9 9ZZ",
        "first_language": "Igbo",
        "date_of_birth_0": "15",
        "date_of_birth_1": "6",
        "date_of_birth_2": "2015",
        "ethnicity": codes.Ethnicity.MWBA.value,
    }
    second_form.update(typed)
    refused = second_person.post(url, second_form)

    assert refused.status_code == 200
    page = refused.content.decode()
    assert CONFLICT in page
    # Nothing of the second person's was saved, and no change was logged for it.
    assert stored(child) == after_first
    assert ChangeEvent.objects.filter(child=child).count() == events_before
    # The form still holds exactly what they typed, ready to check and save again.
    shown = form_values(refused)
    for name, value in typed.items():
        assert shown[name] == value, name
    assert shown["version"] == str(after_first["version"])
    # What the other person saved is shown beside it.
    assert "Okafor-Bell" in page


def test_the_page_does_not_present_the_refused_values_as_the_childs_record(
    child, first_person, second_person
):
    url = edit_url(child)
    first_form, second_form = form_values(first_person.get(url)), form_values(second_person.get(url))
    first_form["last_name"] = "Okafor-Bell"
    first_person.post(url, first_form)
    second_form["last_name"] = "Refused-Surname"
    refused = second_person.post(url, second_form)
    banner = refused.content.decode().split('aria-label="Child"', 1)[1].split("</div>", 1)[0]
    assert "Okafor-Bell" in banner
    assert "Refused-Surname" not in banner


def test_saving_again_from_the_current_version_succeeds_and_logs_old_and_new_values(
    child, first_person, second_person
):
    url = edit_url(child)
    first_form, second_form = form_values(first_person.get(url)), form_values(second_person.get(url))
    first_form["postcode"] = "NR2 2BB"
    first_person.post(url, first_form)
    second_form.update(postcode="NR9 9ZZ", preferred_name="Ama")
    refused = second_person.post(url, second_form)
    assert CONFLICT in refused.content.decode()

    # They check the other person's change and save their own on top of it.
    retry = form_values(refused)
    saved = second_person.post(url, retry)
    assert saved.status_code == 302
    now = stored(child)
    assert (now["postcode"], now["preferred_name"]) == ("NR9 9ZZ", "Ama")
    assert now["version"] == child.version + 2
    event = ChangeEvent.objects.filter(child=child, record_type="people.Child").order_by("-seq").first()
    assert event.changes_dict() == {"postcode": ["NR2 2BB", "NR9 9ZZ"], "preferred_name": ["", "Ama"]}
    assert event.record_id == str(child.pk)
