"""The PLO list and a pre-proceedings page: scoping, what each row says, filters, pre-birth cases,
reads logged, the forms (refusals keep what was typed; concurrent edits refused)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from carepath.core import codes, events
from carepath.core.models import AccessEvent
from carepath.legal import models as lm
from carepath.legal.services import pre_proceedings as services
from carepath.people import models as pm
from carepath.timescales.models import Deadline, Rule
from tests import factories as f
from tests.legal import factories as lf

pytestmark = pytest.mark.django_db

TODAY = date.today()
PLO_LIST = "/legal/pre-proceedings/"


@pytest.fixture
def worker():
    return f.UserFactory()


def family_in_plo(worker, n=2, *, weeks_ago=5, solicitor=None):
    children = lf.family_of(n, worker=worker)
    case = lf.legal_case(children, solicitor=solicitor)
    return lf.pre_proceedings(case, started_on=TODAY - timedelta(weeks=weeks_ago)), children


def send_letter(pp, person, sent_on):
    return lm.LetterBeforeProceedings.objects.create(
        pre_proceedings=pp, recipient=person, status=lm.LetterBeforeProceedings.Status.SENT, sent_on=sent_on
    )


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response, response.content.decode()


# --- The list ---------------------------------------------------------------------------------


def test_list_shows_only_families_with_a_child_the_user_may_see(client, worker):
    mine, my_children = family_in_plo(worker)
    theirs, their_children = family_in_plo(f.UserFactory())
    response, html = page(client, worker, PLO_LIST)
    assert response.status_code == 200
    assert escape(my_children[0].full_name) in html and escape(my_children[1].full_name) in html
    assert escape(their_children[0].full_name) not in html
    assert reverse("legal:pre-proceedings", args=[mine.pk]) in html
    assert reverse("legal:pre-proceedings", args=[theirs.pk]) not in html


def test_children_the_user_may_not_see_are_counted_not_named(client, worker):
    pp, children = family_in_plo(worker, n=1)
    hidden = f.ChildFactory(family=children[0].family)
    f.allocate(hidden, f.UserFactory())
    lm.LegalCaseChild.objects.create(legal_case=pp.legal_case, child=hidden, added_on=TODAY)
    _response, html = page(client, worker, PLO_LIST)
    assert escape(children[0].full_name) in html
    assert escape(hidden.full_name) not in html
    assert "and 1 other child you cannot see" in html


def test_row_shows_letters_meetings_family_group_and_solicitor(client, worker):
    solicitor = f.UserFactory(role="solicitor", first_name="Priya", last_name="Shah")
    pp, children = family_in_plo(worker, solicitor=solicitor)
    mother = lf.parent_of(children)
    lf.parent_of(children, kind=pm.Relationship.Kind.FATHER)
    lf.parent_of(children, kind=pm.Relationship.Kind.GRANDPARENT, pr=False)  # no letter due
    send_letter(pp, mother, TODAY - timedelta(days=30))
    services.pre_proceedings_meeting_record(
        actor=worker, pre_proceedings=pp, kind="initial", held_on=TODAY - timedelta(days=21)
    )
    for days in (10, 5):
        services.pre_proceedings_meeting_record(
            actor=worker, pre_proceedings=pp, kind="review", held_on=TODAY - timedelta(days=days)
        )
    services.pre_proceedings_meeting_record(
        actor=worker, pre_proceedings=pp, kind="review", held_on=TODAY - timedelta(days=2), effective=False
    )
    services.pre_proceedings_fgdm_update(
        actor=worker, pre_proceedings=pp, expected_version=pp.version, offered_on=TODAY - timedelta(days=30)
    )
    _response, html = page(client, worker, PLO_LIST)
    assert "1 of 2" in html  # two people with parental responsibility; one letter sent
    assert (TODAY - timedelta(days=21)).strftime("%-d %b %Y") in html
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">2</td>' in html  # effective reviews only
    assert "Offered, no answer yet" in html
    assert "Priya Shah" in html
    assert "5 weeks" in html


def test_longest_running_first_and_the_filters(client, worker):
    team_b = f.TeamFactory(name="Team Bravo")
    other_worker = f.UserFactory(team=team_b)
    solicitor = f.UserFactory(role="solicitor", first_name="Sam", last_name="Law")
    recent, recent_children = family_in_plo(worker, weeks_ago=3)
    old, old_children = family_in_plo(other_worker, weeks_ago=20, solicitor=solicitor)
    manager = f.UserFactory(role="head_of_service", team=worker.team)
    other_worker.team.service = worker.team.service
    other_worker.team.save()
    # Both teams are in the head of service's service.
    _response, html = page(client, manager, PLO_LIST)
    assert html.index(escape(old_children[0].full_name)) < html.index(escape(recent_children[0].full_name))
    assert "Over 16 weeks" in html
    _response, html = page(client, manager, PLO_LIST + "?over_16_weeks=1")
    assert escape(old_children[0].full_name) in html and escape(recent_children[0].full_name) not in html
    _response, html = page(client, manager, f"{PLO_LIST}?team={worker.team.pk}")
    assert escape(recent_children[0].full_name) in html and escape(old_children[0].full_name) not in html
    _response, html = page(client, manager, f"{PLO_LIST}?solicitor={solicitor.pk}")
    assert escape(old_children[0].full_name) in html and escape(recent_children[0].full_name) not in html
    _response, html = page(client, manager, f"{PLO_LIST}?team=nonsense")
    assert escape(old_children[0].full_name) in html and escape(recent_children[0].full_name) in html


def test_ended_pre_proceedings_leave_the_list(client, worker):
    pp, children = family_in_plo(worker)
    services.pre_proceedings_step_decide(
        actor=worker,
        pre_proceedings=pp,
        expected_version=pp.version,
        decided_on=TODAY,
        outcome=codes.PreProceedingsOutcome.STEP_DOWN,
        reason="Good progress.",
    )
    _response, html = page(client, worker, PLO_LIST)
    assert escape(children[0].full_name) not in html


def test_pre_birth_case_shows_weeks_to_the_expected_birth(client, worker):
    unborn = f.ChildFactory(
        date_of_birth=None,
        expected_date_of_birth=TODAY + timedelta(weeks=10, days=2),
        sex=codes.Sex.UNKNOWN,
        first_name="",
        last_name="Baker",
    )
    f.allocate(unborn, worker)
    lf.pre_proceedings(lf.legal_case([unborn]))
    _response, html = page(client, worker, PLO_LIST)
    assert "Pre-birth" in html
    assert "10 weeks to the expected birth" in html


def test_list_needs_the_legal_function(client):
    for role in ("partner_referrer", "system_administrator"):
        response, _html = page(client, f.UserFactory(role=role), PLO_LIST)
        assert response.status_code == 403


def test_list_shows_the_engines_next_clock(client, worker):
    """End to end with the timescales engine: the decision to start starts the letter's clock."""
    pp, children = family_in_plo(worker, n=1, weeks_ago=3)
    events.child_record_changed(children[0].pk)
    clocks = Deadline.objects.filter(context_type="pre_proceedings", context_id=pp.pk)
    if not clocks.exists():
        pytest.skip("the timescales engine has no pre-proceedings clocks yet")
    first = clocks.filter(status__in=["open", "flagged"]).order_by("due_on").first()
    _response, html = page(client, worker, PLO_LIST)
    assert Rule.objects.get(rule_id=first.rule_id).name in html
    assert first.due_on.strftime("%-d %b %Y") in html


# --- One pre-proceedings ------------------------------------------------------------------------


def test_page_logs_a_read_for_each_child_it_names_and_no_other(client, worker):
    pp, children = family_in_plo(worker)
    hidden = f.ChildFactory()
    f.allocate(hidden, f.UserFactory())
    lm.LegalCaseChild.objects.create(legal_case=pp.legal_case, child=hidden, added_on=TODAY)
    response, html = page(client, worker, reverse("legal:pre-proceedings", args=[pp.pk]))
    assert response.status_code == 200
    assert escape(children[0].full_name) in html and escape(hidden.full_name) not in html
    reads = AccessEvent.objects.filter(actor=worker, what=f"Pre-proceedings {pp.legal_case.reference}")
    assert set(reads.values_list("child_id", flat=True)) == {c.pk for c in children}


def test_page_is_refused_without_a_visible_child_and_logs_nothing(client, worker):
    pp, _children = family_in_plo(worker)
    stranger = f.UserFactory()
    response, _html = page(client, stranger, reverse("legal:pre-proceedings", args=[pp.pk]))
    assert response.status_code == 403
    assert not AccessEvent.objects.filter(actor=stranger).exists()
    response, _html = page(client, worker, "/legal/pre-proceedings/999999/")
    assert response.status_code == 404


def test_page_shows_pr_holders_letters_and_meetings(client, worker):
    pp, children = family_in_plo(worker)
    mother = lf.parent_of(children)
    father = lf.parent_of(children, kind=pm.Relationship.Kind.FATHER)
    letter = send_letter(pp, mother, TODAY - timedelta(days=30))
    lm.LetterBeforeProceedings.objects.create(pre_proceedings=pp, recipient=father)  # a draft
    services.pre_proceedings_meeting_record(
        actor=worker,
        pre_proceedings=pp,
        kind="initial",
        held_on=TODAY - timedelta(days=21),
        notes="Plan agreed.",
    )
    _response, html = page(client, worker, reverse("legal:pre-proceedings", args=[pp.pk]))
    assert escape(mother.last_name) in html and escape(father.last_name) in html
    assert "Not sent" in html
    assert f"/legal/letters/{letter.pk}/" in html or reverse("legal:letter", kwargs={"pk": letter.pk}) in html
    assert "Plan agreed." in html
    assert "No family group decision-making meeting has been offered" in html
    assert reverse("legal:pre-proceedings-meeting", args=[pp.pk]) in html


def test_page_warns_when_the_family_group_offer_is_in_no_letter(client, worker):
    pp, children = family_in_plo(worker)
    letter = send_letter(pp, lf.parent_of(children), TODAY - timedelta(days=30))
    services.pre_proceedings_fgdm_update(
        actor=worker, pre_proceedings=pp, expected_version=pp.version, offered_on=TODAY - timedelta(days=30)
    )
    url = reverse("legal:pre-proceedings", args=[pp.pk])
    warning = "no letter before proceedings that has been sent includes the offer"
    assert warning in page(client, worker, url)[1]
    letter.fgdm_offer = "We would like to offer your family a family group conference."
    letter.save()
    assert warning not in page(client, worker, url)[1]


def test_viewer_without_recording_rights_sees_no_forms(client, worker):
    pp, _children = family_in_plo(worker)
    auditor = f.UserFactory(role="qa_lead")
    response, html = page(client, auditor, reverse("legal:pre-proceedings", args=[pp.pk]))
    assert response.status_code == 200
    assert reverse("legal:pre-proceedings-meeting", args=[pp.pk]) not in html
    response, _html = page(client, auditor, reverse("legal:pre-proceedings-meeting", args=[pp.pk]))
    assert response.status_code == 403


# --- The forms ----------------------------------------------------------------------------------


def date_parts(name: str, day: date) -> dict:
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def test_meeting_form_records_and_a_refusal_keeps_what_was_typed(client, worker):
    pp, _children = family_in_plo(worker)
    client.force_login(worker)
    url = reverse("legal:pre-proceedings-meeting", args=[pp.pk])
    typed = {
        "kind": "review",
        **date_parts("held_on", TODAY - timedelta(days=3)),
        "effective": "yes",
        "parents_attended": "yes",
        "parents_solicitor_attended": "no",
        "notes": "Mother attended with her advocate.",
    }
    response = client.post(url, typed)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<title>Error: " in html and "Record the initial meeting first" in html
    assert "Mother attended with her advocate." in html
    assert not pp.meetings.exists()
    response = client.post(url, {**typed, "kind": "initial"})
    assert response.status_code == 302 and response.url == reverse("legal:pre-proceedings", args=[pp.pk])
    assert pp.meetings.get().notes == "Mother attended with her advocate."


def test_meeting_form_is_refused_outside_the_users_scope(client, worker):
    pp, _children = family_in_plo(worker)
    stranger = f.UserFactory()
    client.force_login(stranger)
    response = client.post(
        reverse("legal:pre-proceedings-meeting", args=[pp.pk]),
        {
            "kind": "initial",
            **date_parts("held_on", TODAY),
            "effective": "yes",
            "parents_attended": "yes",
            "parents_solicitor_attended": "no",
        },
    )
    assert response.status_code == 403
    assert not pp.meetings.exists()


def test_family_group_form_refuses_a_stale_edit_and_keeps_what_was_typed(client, worker):
    pp, _children = family_in_plo(worker)
    client.force_login(worker)
    url = reverse("legal:pre-proceedings-fgdm", args=[pp.pk])
    typed = {
        "version": pp.version,
        "status": "offered",
        **date_parts("offered_on", TODAY - timedelta(days=10)),
        "accepted": "yes",
    }
    services.pre_proceedings_legal_representation_update(
        actor=worker, pre_proceedings=pp, expected_version=pp.version, parents_legal_representation="Yes"
    )
    response = client.post(url, typed)
    html = response.content.decode()
    assert response.status_code == 200 and "Someone else changed this pre-proceedings" in html
    assert 'value="2"' in html  # the form now carries the version that was saved
    pp.refresh_from_db()
    assert pp.fgdm_offered_on is None
    response = client.post(url, {**typed, "version": 2})
    assert response.status_code == 302
    pp.refresh_from_db()
    assert pp.fgdm_offered_on == TODAY - timedelta(days=10) and pp.fgdm_accepted is True


def test_family_group_form_needs_a_reason_when_not_offered(client, worker):
    pp, _children = family_in_plo(worker)
    client.force_login(worker)
    response = client.post(
        reverse("legal:pre-proceedings-fgdm", args=[pp.pk]),
        {"version": pp.version, "status": "not_in_best_interests"},
    )
    assert "Enter why a meeting would not be in the child" in response.content.decode()


def test_decision_to_issue_form_goes_to_the_new_proceedings(client, worker):
    pp, _children = family_in_plo(worker)
    client.force_login(worker)
    response = client.post(
        reverse("legal:pre-proceedings-decision", args=[pp.pk]),
        {
            "version": pp.version,
            **date_parts("decided_on", TODAY),
            "outcome": "issue",
            "outcome_reason": "No change.",
        },
    )
    proceedings = lm.CareProceedings.objects.get(pre_proceedings=pp)
    assert response.status_code == 302 and response.url == reverse("legal:proceedings", args=[proceedings.pk])
