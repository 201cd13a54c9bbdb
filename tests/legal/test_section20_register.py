"""The section 20 register (F08): every child accommodated under section 20 whom the user may see,
the consent evidence per person with parental responsibility, and a flag for each condition."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils.html import escape

from carepath.core import codes
from carepath.core.models import AccessEvent
from carepath.core.permissions import Role
from carepath.legal.models import LegalCaseChild
from carepath.legal.selectors.section20 import Flag, section_20_register
from carepath.legal.services import section20 as services
from carepath.timescales.services import clocks_recompute_all
from tests import factories as f
from tests.legal.factories import gateway_request, legal_case, parent_of
from tests.legal.test_section20_consent import accommodated, consent_for, s20_episode, today


@pytest.fixture
def manager(team):
    return f.UserFactory(role=Role.TEAM_MANAGER, team=team)


@pytest.fixture
def register_children(social_worker, manager):
    """One child for each condition, all in the manager's team."""
    w = social_worker
    children = {}

    sound = accommodated(w, days=14, last_name="Sound")
    consent_for(w, sound, parent_of([sound]), manager=manager)
    children["sound"] = sound

    missing = accommodated(w, days=14, last_name="Missing")
    consent_for(w, missing, parent_of([missing]), manager=manager)
    parent_of([missing], kind="father")  # the father has parental responsibility and no consent
    children["missing"] = missing

    long = accommodated(w, days=7 * 10, last_name="Long")
    consent_for(w, long, parent_of([long]), manager=manager)
    children["long"] = long

    long_planned = accommodated(w, days=7 * 10, last_name="Planned")
    consent_for(w, long_planned, parent_of([long_planned]), manager=manager)
    gateway_request(legal_case([long_planned]), requested_on=today() - timedelta(days=7))
    children["long_planned"] = long_planned

    baby = accommodated(w, days=20, born_days_ago=60, last_name="Baby")
    consent_for(w, baby, parent_of([baby]), manager=manager)
    children["baby"] = baby

    baby_planned = accommodated(w, days=20, born_days_ago=60, last_name="Babyplanned")
    consent_for(w, baby_planned, parent_of([baby_planned]), manager=manager)
    # Asked of the legal gateway before the birth, within the 6 months before accommodation.
    gateway_request(legal_case([baby_planned]), requested_on=today() - timedelta(days=100))
    children["baby_planned"] = baby_planned

    withdrawn = accommodated(w, days=14, last_name="Withdrawn")
    consent = consent_for(w, withdrawn, parent_of([withdrawn]), manager=manager)
    consent.refresh_from_db()
    services.section_20_consent_withdraw(
        actor=w,
        consent=consent,
        withdrawn_at=consent.given_at + timedelta(days=2),
        expected_version=consent.version,
    )
    children["withdrawn"] = withdrawn
    return children


def _rows(user, **kwargs):
    # The records here are stored directly, so the clocks are worked out as the nightly recompute
    # would: the long and baby flags are the engine's S20-NO-LPM and S20-INFANT clocks.
    clocks_recompute_all()
    return {row.child.last_name: row for row in section_20_register(user, **kwargs).rows}


def test_each_flag_is_raised_by_its_own_condition(manager, register_children):
    rows = _rows(manager)
    assert {name: row.flags for name, row in rows.items()} == {
        "Sound": [],
        "Missing": [Flag.MISSING_CONSENT],
        "Long": [Flag.LONG],
        "Planned": [],
        "Baby": [Flag.BABY],
        "Babyplanned": [],
        "Withdrawn": [Flag.MISSING_CONSENT, Flag.WITHDRAWN],
    }
    missing = rows["Missing"]
    assert sorted(h.complete for h in missing.holders) == [False, True]
    assert missing.complete_holders == 1 and len(missing.gaps) == 1


def test_a_gateway_request_long_before_the_run_started_does_not_stop_the_long_flag(social_worker, manager):
    child = accommodated(social_worker, days=7 * 9, last_name="Old")
    consent_for(social_worker, child, parent_of([child]), manager=manager)
    # Six months or more before: not planning for this accommodation (the engine's window).
    gateway_request(legal_case([child]), requested_on=today() - timedelta(days=7 * 9 + 200))
    assert _rows(manager)["Old"].flags == [Flag.LONG]


def test_a_gateway_request_in_the_months_before_the_run_counts_as_legal_planning(social_worker, manager):
    child = accommodated(social_worker, days=7 * 9, last_name="Recent")
    consent_for(social_worker, child, parent_of([child]), manager=manager)
    gateway_request(legal_case([child]), requested_on=today() - timedelta(days=7 * 12))
    assert _rows(manager)["Recent"].flags == []


def test_the_run_and_weeks_count_from_the_first_of_consecutive_episodes(social_worker, manager):
    child = f.ChildFactory(last_name="Moved")
    f.allocate(child, social_worker)
    start = today() - timedelta(days=7 * 12)
    s20_episode(child, start, today() - timedelta(days=7 * 4))
    s20_episode(
        child, today() - timedelta(days=7 * 4), reason_new_episode=codes.ReasonNewEpisode.PLACEMENT_AND_CARER
    )
    row = _rows(manager)["Moved"]
    assert row.run.start_date == start and row.weeks == 12
    assert Flag.LONG in row.flags


def test_scoping_hides_children_outside_the_users_team_and_ended_accommodation(social_worker, manager, team):
    accommodated(social_worker, days=10, last_name="Ours")
    elsewhere = f.UserFactory()  # a worker in another team
    accommodated(elsewhere, days=10, last_name="Theirs")
    ended = f.ChildFactory(last_name="Home")
    f.allocate(ended, social_worker)
    s20_episode(ended, today() - timedelta(days=50), today() - timedelta(days=5), reason_ceased="E13")
    assert set(_rows(manager)) == {"Ours"}
    director = f.UserFactory(role=Role.DIRECTOR)
    assert set(_rows(director)) == {"Ours", "Theirs"}
    # A social worker sees only the children allocated to them.
    assert set(_rows(elsewhere)) == {"Theirs"}


def test_register_page_filters_by_flag_and_team_and_shows_counts(client, manager, register_children):
    client.force_login(manager)
    clocks_recompute_all()
    page = client.get("/legal/section-20/").content.decode()
    assert 'data-count="total">7<' in page
    assert f'data-count="{Flag.MISSING_CONSENT}">2<' in page
    assert f'data-count="{Flag.BABY}">1<' in page
    assert "Babyplanned" in page and "1 gap" in page
    flagged = client.get("/legal/section-20/", {"flag": Flag.LONG}).content.decode()
    assert escape(register_children["long"].full_name) in flagged
    assert escape(register_children["sound"].full_name) not in flagged
    other_team = f.TeamFactory()
    empty = client.get("/legal/section-20/", {"team": other_team.pk}).content.decode()
    assert escape(register_children["sound"].full_name) not in empty


def test_register_sorts_by_weeks(manager, register_children):
    longest_first = [row.weeks for row in section_20_register(manager).rows]
    assert longest_first == sorted(longest_first, reverse=True)
    shortest_first = [row.weeks for row in section_20_register(manager, sort="weeks-asc").rows]
    assert shortest_first == sorted(shortest_first)


def test_csv_download_logs_a_read_for_each_child(client, manager, register_children):
    client.force_login(manager)
    before = AccessEvent.objects.count()
    response = client.get("/legal/section-20/", {"format": "csv", "flag": Flag.MISSING_CONSENT})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "Child" and len(rows) == 3
    assert {r[0] for r in rows[1:]} == {
        register_children["missing"].full_name,
        register_children["withdrawn"].full_name,
    }
    events = AccessEvent.objects.order_by("seq")[before:]
    assert AccessEvent.objects.count() - before == 2
    assert {e.child_id for e in events} == {
        register_children["missing"].pk,
        register_children["withdrawn"].pk,
    }
    assert {e.what for e in events} == {"Section 20 register export"}


def test_the_register_page_itself_needs_the_legal_function(client, register_children):
    client.force_login(f.UserFactory(role=Role.SYSTEM_ADMINISTRATOR, team=None))
    assert client.get("/legal/section-20/").status_code == 403


def test_child_page_shows_consents_and_logs_the_read(client, social_worker, register_children):
    child = register_children["missing"]
    client.force_login(social_worker)
    response = client.get(f"/children/{child.public_id}/section-20/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "No consent is recorded." in page and "Record consent" in page
    assert AccessEvent.objects.filter(child=child, what="Section 20 accommodation and consent").exists()
    outsider = f.UserFactory()
    client.force_login(outsider)
    assert client.get(f"/children/{child.public_id}/section-20/").status_code == 403


def test_a_gateway_request_for_the_child_through_their_legal_case_counts(social_worker, manager):
    child = accommodated(social_worker, days=7 * 9, last_name="Sibling")
    consent_for(social_worker, child, parent_of([child]), manager=manager)
    sibling = f.ChildFactory()
    case = legal_case([sibling])
    LegalCaseChild.objects.create(legal_case=case, child=child, added_on=today())
    gateway_request(case, requested_on=today() - timedelta(days=3))
    assert _rows(manager)["Sibling"].flags == []
