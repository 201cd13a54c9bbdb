"""Police protection pages (F09): the thematic report's figures for a constructed set of uses, the
list of uses naming only children the reader may see, and the child's page and review forms."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from carepath.core import codes
from carepath.core.models import AccessEvent
from carepath.core.permissions import Role
from carepath.journey.models import Contact
from carepath.legal.models import PoliceProtection, PoliceProtectionReview
from carepath.legal.services import police_protection as services
from carepath.people.models import ChildStatus
from carepath.timescales.models import Deadline
from tests import factories as f
from tests.legal.test_police_protection_services import log

Judgement = PoliceProtectionReview.Judgement


@pytest.fixture
def manager(team):
    manager = f.UserFactory(role=Role.TEAM_MANAGER, team=team)
    f.name_managers(team, manager=manager)
    return manager


def _child(worker, status=ChildStatus.CLOSED, **fields):
    child = f.ChildFactory(status=status, **fields)
    f.allocate(child, worker)
    return child


def _judge(manager, pp, judgement):
    review = pp.review
    services.police_protection_review_complete(
        actor=manager,
        review=review,
        could_have_acted_earlier=judgement,
        findings="Reviewed with the team.",
        learning="Earlier strategy discussions.",
        expected_version=review.version,
    )


def _figures(page: str) -> dict[str, int]:
    return {key: int(value) for key, value in re.findall(r'data-figure="(\w+)">(\d+)<', page)}


@pytest.fixture
def uses(social_worker, manager):
    """Five uses in the last 6 months (two for one child), one in another team, one 8 months ago."""
    now = timezone.now()
    known = _child(social_worker, ChildStatus.CHILD_IN_NEED, last_name="Known")
    Contact.objects.create(
        child=known, received_at=now - timedelta(days=60), source=codes.ReferralSource.POLICE, summary="Call"
    )
    first = log(social_worker, known, taken_at=now - timedelta(days=40))
    services.police_protection_end(
        actor=social_worker,
        pp=first,
        ended_at=first.taken_at + timedelta(hours=30),
        outcome="home",
        expected_version=1,
    )
    _judge(manager, first, Judgement.YES)
    second = log(social_worker, known, taken_at=now - timedelta(days=10))  # still held
    _judge(manager, second, Judgement.UNCLEAR)

    unknown = _child(social_worker, last_name="Unknown")
    third = log(social_worker, unknown, taken_at=now - timedelta(days=20))
    _judge(manager, third, Judgement.NO)

    waiting = _child(social_worker, last_name="Waiting")
    fourth = log(social_worker, waiting, taken_at=now - timedelta(days=5))
    PoliceProtectionReview.objects.filter(pk=fourth.review.pk).update(
        due_on=timezone.localdate() - timedelta(days=1)
    )

    other_worker = f.UserFactory()
    hidden = _child(other_worker, ChildStatus.CHILD_PROTECTION, last_name="Hidden")
    log(other_worker, hidden, taken_at=now - timedelta(days=3))

    old = _child(social_worker, ChildStatus.LOOKED_AFTER, last_name="Longago")
    log(social_worker, old, taken_at=now - timedelta(days=240))
    return {"known": known, "unknown": unknown, "waiting": waiting, "hidden": hidden, "old": old}


def test_report_counts_for_the_default_six_months(client, manager, uses):
    client.force_login(manager)
    page = client.get("/legal/police-protection/").content.decode()
    assert _figures(page) == {
        "uses": 5,
        "children": 4,
        "already_open": 2,  # Known (child in need) and Hidden (child protection)
        "earlier_contacts": 1,
        "earlier_referrals": 0,
        "judged_yes": 1,
        "judged_no": 1,
        "judged_unclear": 1,
        "not_reviewed": 2,
        "overdue": 1,
    }
    # The chart carries the same figures as the table.
    assert "<svg" in page and 'role="img"' in page


def test_the_list_names_only_children_the_reader_may_see(client, manager, uses):
    client.force_login(manager)
    page = client.get("/legal/police-protection/").content.decode()
    assert escape(uses["known"].full_name) in page and escape(uses["unknown"].full_name) in page
    assert escape(uses["hidden"].full_name) not in page
    assert "A child you cannot see" in page
    assert "Still in police protection" in page and ">30<" in page
    assert escape(uses["old"].full_name) not in page


def test_a_period_in_the_query_string_changes_the_report(client, manager, uses):
    client.force_login(manager)
    start = timezone.localdate() - timedelta(days=300)
    end = timezone.localdate() - timedelta(days=200)
    page = client.get(
        "/legal/police-protection/",
        {
            "date_from_0": start.day,
            "date_from_1": start.month,
            "date_from_2": start.year,
            "date_to_0": end.day,
            "date_to_1": end.month,
            "date_to_2": end.year,
        },
    ).content.decode()
    assert _figures(page)["uses"] == 1 and escape(uses["old"].full_name) in page
    refused = client.get(
        "/legal/police-protection/",
        {
            "date_from_0": end.day,
            "date_from_1": end.month,
            "date_from_2": end.year,
            "date_to_0": start.day,
            "date_to_1": start.month,
            "date_to_2": start.year,
        },
    ).content.decode()
    assert "<title>Error: " in refused and "must be the same as or after the start" in refused
    assert _figures(refused)["uses"] == 5  # the default period


def test_the_report_needs_the_legal_function(client, db):
    client.force_login(f.UserFactory(role=Role.PARTNER_REFERRER, team=None))
    assert client.get("/legal/police-protection/").status_code == 403


def test_the_log_form_keeps_what_was_typed_when_refused(client, social_worker):
    child = _child(social_worker)
    client.force_login(social_worker)
    url = f"/children/{child.public_id}/police-protection/"
    taken = timezone.localtime(timezone.now() - timedelta(hours=2))
    notified = taken - timedelta(hours=1)  # before the child was taken: refused by the service
    response = client.post(
        url,
        {
            "taken_at_0": taken.day,
            "taken_at_1": taken.month,
            "taken_at_2": taken.year,
            "taken_at_3": f"{taken.hour:02d}",
            "taken_at_4": f"{taken.minute:02d}",
            "officer": "PC 99 Lee",
            "force": "Northshire Police",
            "circumstances": "Child left at a bus station late at night.",
            "la_notified_at_0": notified.day,
            "la_notified_at_1": notified.month,
            "la_notified_at_2": notified.year,
            "la_notified_at_3": f"{notified.hour:02d}",
            "la_notified_at_4": f"{notified.minute:02d}",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert "Child left at a bus station late at night." in page and 'value="PC 99 Lee"' in page
    assert not PoliceProtection.objects.exists()
    response = client.post(
        url,
        {
            "taken_at_0": taken.day,
            "taken_at_1": taken.month,
            "taken_at_2": taken.year,
            "taken_at_3": f"{taken.hour:02d}",
            "taken_at_4": f"{taken.minute:02d}",
            "officer": "PC 99 Lee",
            "force": "Northshire Police",
            "circumstances": "Child left at a bus station late at night.",
        },
    )
    assert response.status_code == 302
    pp = PoliceProtection.objects.get()
    assert pp.review.opened_on == timezone.localdate()


def test_the_end_form_refuses_an_end_before_the_child_was_taken_and_keeps_the_input(client, social_worker):
    child = _child(social_worker)
    pp = log(social_worker, child, taken_at=timezone.now() - timedelta(hours=3))
    client.force_login(social_worker)
    before = timezone.localtime(pp.taken_at - timedelta(hours=1))
    response = client.post(
        f"/legal/police-protection/{pp.pk}/end/",
        {
            "version": pp.version,
            "ended_at_0": before.day,
            "ended_at_1": before.month,
            "ended_at_2": before.year,
            "ended_at_3": f"{before.hour:02d}",
            "ended_at_4": f"{before.minute:02d}",
            "outcome": "epo",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "cannot end before the child was taken" in page
    assert 'value="epo" checked' in page and f'value="{before.hour:02d}"' in page
    pp.refresh_from_db()
    assert pp.ended_at is None


def test_child_page_logs_the_read_and_shows_the_72_hour_clock(client, social_worker):
    child = _child(social_worker)
    pp = log(social_worker, child)
    Deadline.objects.filter(context_type="police_protection", context_id=pp.pk).delete()
    Deadline.objects.create(
        key=f"test-pp-{pp.pk}",
        child=child,
        rule_id="PP-72H",
        kind="deadline",
        context_type="police_protection",
        context_id=pp.pk,
        started_on=timezone.localdate(),
        due_on=timezone.localdate() + timedelta(days=3),
        due_at=pp.taken_at + timedelta(hours=72),
        status="open",
        why="Police protection ends within 72 hours",
    )
    client.force_login(social_worker)
    page = client.get(f"/children/{child.public_id}/police-protection/").content.decode()
    assert "PP-72H" in page and "Still in police protection" in page
    assert "Record how police protection ended" in page
    assert AccessEvent.objects.filter(child=child, what="Police protection").exists()
    client.force_login(f.UserFactory())
    assert client.get(f"/children/{child.public_id}/police-protection/").status_code == 403


def test_the_review_form_keeps_what_was_typed_and_saves(client, social_worker, manager):
    child = _child(social_worker, ChildStatus.CHILD_IN_NEED)
    pp = log(social_worker, child)
    url = f"/legal/police-protection/{pp.pk}/review/"
    client.force_login(social_worker)
    assert (
        client.post(url, {"version": 1, "could_have_acted_earlier": "no", "findings": "x"}).status_code == 403
    )
    client.force_login(manager)
    page = client.get(url).content.decode()
    assert "Open to children's social care" in page and "Child in need" in page
    response = client.post(
        url, {"version": 1, "could_have_acted_earlier": "yes", "findings": "Missed the signs."}
    )
    page = response.content.decode()
    assert response.status_code == 200 and "<title>Error: " in page
    assert "Missed the signs." in page and 'value="yes" checked' in page
    response = client.post(
        url,
        {
            "version": 1,
            "could_have_acted_earlier": "yes",
            "findings": "Missed the signs.",
            "learning": "Act sooner.",
        },
    )
    assert response.status_code == 302
    pp.review.refresh_from_db()
    assert pp.review.could_have_acted_earlier == Judgement.YES and pp.review.learning == "Act sooner."
