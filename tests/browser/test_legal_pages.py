"""The legal pathway's pages in the browser (issue 4): the panel's tracker and meetings, a request to
the panel, pre-proceedings and a letter before proceedings, care proceedings, section 20, police
protection and early permanence. Each page is checked for accessibility (axe-core, WCAG 2.2 AA),
one h1, a title naming it and a working skip link; and says what matters to the person reading it."""

import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from carepath.core import codes
from carepath.core.permissions import Role
from carepath.journey.models import LookedAfterEpisode
from carepath.journey.services import child_status_refresh
from carepath.legal import models as lm
from carepath.legal.services import (
    gateway,
    letters,
    permanence,
    police_protection,
    pre_proceedings,
    section20,
)
from carepath.legal.services import proceedings as court
from carepath.people import models as pm
from carepath.timescales.services import clocks_recompute_all
from tests import factories as f
from tests.browser.helpers import (
    _check,
    _check_structure,
    _error_summary,
    _fill_date,
    _long,
    _main,
    _no_duplicate_ids,
    _short,
    _summary_row,
    _table,
)

pytestmark = pytest.mark.browser


def _day(days_ago: int):
    return timezone.localdate() - timedelta(days=days_ago)


def _moment(days_ago: int, hour: int = 10):
    return timezone.make_aware(datetime.combine(_day(days_ago), time(hour, 0)))


@dataclass
class Legal:
    solicitor: pm.User
    panel_member: pm.User
    baby: pm.Child
    case: lm.LegalCase
    request: lm.GatewayRequest
    meeting: lm.PanelMeeting
    overdue_action: lm.PanelAction
    pre_proceedings: lm.PreProceedings
    letter: lm.LetterBeforeProceedings
    proceedings: lm.CareProceedings
    consent: lm.Section20Consent
    police_protection: lm.PoliceProtection


@pytest.fixture
def legal(world) -> Legal:
    """The world's children on the legal pathway, written through the services as people would:
    the Whitfield children at the panel and in pre-proceedings with a draft letter to their mother,
    Leo Carter in care proceedings, and a baby taken into police protection, then accommodated
    under section 20 with an incomplete consent."""
    manager, worker = world.team_manager, world.social_worker
    legal_team = f.TeamFactory(service=world.team.service, name="Legal Services", kind=pm.Team.Kind.LEGAL)
    solicitor = f.UserFactory(
        username="grace.adeyemi",
        first_name="Grace",
        last_name="Adeyemi",
        role=Role.SOLICITOR,
        team=legal_team,
        job_title="Local authority solicitor",
    )
    panel_member = f.UserFactory(
        username="dev.panel",
        first_name="Devi",
        last_name="Shah",
        role=Role.LEGAL_PANEL_MEMBER,
        team=None,
        job_title="Legal gateway panel member",
    )
    whitfields = [world.cp_child, world.sibling]

    # The panel: a manager's direction, a meeting with the solicitor, decisions and actions.
    request = gateway.gateway_request_create(
        actor=manager,
        children=whitfields,
        route=lm.GatewayRequest.Route.MANAGER_DIRECTION,
        urgency=lm.GatewayRequest.Urgency.ROUTINE,
        requested_on=_day(28),
        concerns="The children are often hungry and miss school; the home is unsafe.",
        history="Two child protection plans in three years.",
        tried="Parenting support, a family group conference and a written agreement.",
        question="Should pre-proceedings start?",
    )
    meeting = gateway.panel_meeting_create(
        actor=panel_member,
        held_on=_day(21),
        chair=world.head_of_service,
        attendees=[panel_member, solicitor, manager],
        minutes="The panel considered the Whitfield children.",
    )
    gateway.panel_meeting_list_request(actor=panel_member, meeting=meeting, gateway_request=request)
    gateway.panel_decisions_record(
        actor=panel_member,
        meeting=meeting,
        gateway_request=request,
        decisions=[
            gateway.ChildDecision(
                child=child,
                outcome=codes.LegalGatewayOutcome.PRE_PROCEEDINGS,
                rationale="The threshold is met; the parents need a last chance to change.",
            )
            for child in whitfields
        ],
    )
    case = request.legal_case
    gateway.legal_case_assign_solicitor(actor=panel_member, legal_case=case, solicitor=solicitor)
    overdue_action = gateway.panel_action_create(
        actor=panel_member,
        meeting=meeting,
        gateway_request=request,
        action="Book the initial pre-proceedings meeting with both parents",
        owner=worker,
        due_on=_day(7),
    )
    gateway.panel_action_create(
        actor=panel_member,
        meeting=meeting,
        gateway_request=request,
        action="Check the threshold document",
        owner=solicitor,
        due_on=_day(-14),
    )

    # Pre-proceedings, started by the panel's decision, with its initial meeting.
    pp = lm.PreProceedings.objects.get(legal_case=case)
    pre_proceedings.pre_proceedings_meeting_record(
        actor=worker,
        pre_proceedings=pp,
        kind=lm.PreProceedingsMeeting.Kind.INITIAL,
        held_on=_day(10),
        chair=manager,
    )

    # The letter to the mother (who has parental responsibility for both children): begun, not finished.
    mother = pm.Relationship.objects.get(child=world.cp_child, kind=pm.Relationship.Kind.MOTHER).person
    pm.Relationship.objects.create(
        child=world.sibling,
        person=mother,
        kind=pm.Relationship.Kind.MOTHER,
        has_parental_responsibility=True,
        lives_with_child=True,
    )
    lm.LocalSolicitor.objects.create(
        firm="Northshire Family Law", address="1 High Street, Northshire", phone="01632 960001"
    )
    drafts = letters.letters_draft_for(actor=worker, pre_proceedings=pp)
    letter = next(d for d in drafts if d.recipient_id == mother.pk)
    letters.letter_update(
        actor=worker,
        letter=letter,
        expected_version=letter.version,
        concerns=letter.concerns,
        history=letter.history,
        fgdm_offer=letter.fgdm_offer,
        contact_name="Sam Okafor",
        contact_phone="01632 960123",
        changes=[
            {
                "who": "You",
                "what": "Make sure the children go to school every day.",
                "by_when": _day(-42),
            }
        ],
        support=[
            {
                "what": "A parenting course at the family centre.",
                "who": "Family support team",
                "starts_on": _day(-7),
                "how_long": "8 weeks",
                "is_assessment": False,
                "why": "",
            }
        ],
    )
    letter.refresh_from_db()

    # Leo Carter: care proceedings issued ten weeks ago, a hearing and an extension.
    leo_case = gateway.legal_case_for(actor=manager, children=[world.looked_after_child])
    record = lm.CareProceedings.objects.create(
        legal_case=leo_case,
        decided_on=_day(80),
        issued_on=_day(70),
        court="Family Court at Northshire",
        case_number="NS26C00123",
        recorded_by=manager,
    )
    lm.ProceedingsChild.objects.create(proceedings=record, child=world.looked_after_child)
    court.hearing_record(
        actor=worker, proceedings=record, kind=lm.Hearing.Kind.CMH, held_on=_day(60), notes=""
    )
    court.hearing_record(
        actor=worker, proceedings=record, kind=lm.Hearing.Kind.FINAL, held_on=_day(-100), notes=""
    )
    court.extension_grant(
        actor=worker,
        proceedings=record,
        granted_on=_day(5),
        weeks=8,
        reason="An independent social work assessment of the grandparents is needed.",
    )

    # A baby: taken into police protection, then accommodated under section 20.
    baby = f.ChildFactory(first_name="Ruby", last_name="Hughes", date_of_birth=_day(150))
    f.allocate(baby, worker, started_on=_day(40))
    f.ReferralFactory(child=baby, referral_date=_day(40))
    baby_mother = f.RelatedPersonFactory(first_name="Chloe", last_name="Hughes")
    pm.Relationship.objects.create(
        child=baby, person=baby_mother, kind=pm.Relationship.Kind.MOTHER, has_parental_responsibility=True
    )
    child_status_refresh(child=baby)
    taken = police_protection.police_protection_record(
        actor=worker,
        child=baby,
        taken_at=_moment(31, 22),
        officer="PC 1234 Jones",
        force="Northshire Police",
        circumstances="Found alone at home at night.",
        where_accommodated="Emergency foster carers",
        la_notified_at=_moment(31, 23),
    )
    police_protection.police_protection_end(
        actor=worker,
        pp=taken,
        ended_at=_moment(30, 15),
        outcome=lm.PoliceProtection.Outcome.SECTION_20,
        expected_version=taken.version,
    )
    LookedAfterEpisode.objects.create(
        child=baby,
        start_date=_day(30),
        reason_new_episode=codes.ReasonNewEpisode.STARTED,
        legal_status=codes.LegalStatus.SECTION_20,
        category_of_need=codes.PrimaryNeed.ABUSE_OR_NEGLECT,
        placement_type=codes.PlacementType.U6,
        placement_provider=codes.PlacementProvider.OWN_LA,
    )
    child_status_refresh(child=baby)
    consent = section20.section_20_consent_record(
        actor=worker,
        child=baby,
        person=baby_mother,
        given_at=_moment(30, 16),
        child_named=True,
        voluntary_explained=True,
        told_orally=True,
    )
    permanence.permanence_record_update(
        actor=worker,
        child=baby,
        expected_version=None,
        plan=codes.PermanencePlan.RETURN_HOME,
        plan_recorded_on=_day(20),
    )
    clocks_recompute_all()
    return Legal(
        solicitor=solicitor,
        panel_member=panel_member,
        baby=baby,
        case=case,
        request=request,
        meeting=meeting,
        overdue_action=overdue_action,
        pre_proceedings=pp,
        letter=letter,
        proceedings=record,
        consent=consent,
        police_protection=taken,
    )


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


WHITFIELDS = ("Amelia Whitfield", "Noah Whitfield")


# ---------------------------------------------------------------------------------------------
# The legal gateway panel
# ---------------------------------------------------------------------------------------------


def test_the_panel_tracker_shows_the_overdue_action_with_its_owner(tab, world, legal):
    tab.sign_in(world.team_manager)
    tab.follow(tab.page.get_by_role("navigation", name="Menu").get_by_role("link", name="Legal"))
    assert tab.path == "/legal/"
    _check(tab, title="Legal pathway", h1="Legal pathway")
    assert "2 panel actions open, 1 overdue" in _main(tab)

    tab.follow(tab.page.get_by_role("link", name="Legal gateway panel tracker"))
    _check(tab, title="Legal gateway panel tracker", h1="Legal gateway panel tracker")
    rows = _table(tab, "Open panel actions").locator("tbody tr")
    assert rows.count() == 2
    # Overdue first: the child, the action, its owner, its due date and how late it is.
    child, action, owner, due, late, _ = rows.first.locator("td").all_inner_texts()
    assert "Amelia Whitfield" in child and legal.case.reference in child
    assert action == "Book the initial pre-proceedings meeting with both parents"
    assert owner == "Sam Okafor"
    assert due == _short(legal.overdue_action.due_on)
    assert late == "7"
    assert "govuk-tag--red" in rows.first.locator("td").nth(4).inner_html()
    assert rows.nth(1).locator("td").nth(2).inner_text() == "Grace Adeyemi"
    tab.screenshot("legal-panel-tracker")

    tab.page.get_by_label("Only overdue actions").check()
    tab.follow(tab.page.get_by_role("button", name="Show actions"))
    assert rows.count() == 1
    assert "Sam Okafor" in rows.first.inner_text()
    tab.check_accessibility()


def test_a_panel_member_reads_the_meeting_and_the_legal_workload(tab, world, legal):
    held_on = legal.meeting.held_on
    # Maya's worker has asked for the panel: her request waits for an agenda.
    waiting = gateway.gateway_request_create(
        actor=world.social_worker,
        children=[world.cin_child],
        route=lm.GatewayRequest.Route.LEGAL_CONSULTATION,
        urgency=lm.GatewayRequest.Urgency.ROUTINE,
        requested_on=_day(3),
        concerns="Maya's care needs are not being met at home.",
        history="Child in need plan for six weeks.",
        tried="Short breaks and a family support worker.",
    )
    tab.sign_in(legal.panel_member)
    tab.goto("/legal/panel/")
    tab.follow(tab.page.get_by_role("link", name=f"{held_on:%A} {_long(held_on)}"))
    assert tab.path == f"/legal/panel/meetings/{legal.meeting.pk}/"
    _check(
        tab,
        title=f"Legal gateway panel, {_long(held_on)}",
        h1=f"Panel meeting, {held_on:%A} {_long(held_on)}",
    )
    assert _summary_row(tab, "Chair") == "Ann Price"
    # The decisions were made with legal advice: the solicitor is an attendee.
    assert "Grace Adeyemi (Local authority solicitor)" in _summary_row(tab, "Attendees")
    main = tab.page.locator("main")
    decisions = main.locator("table", has_text="Decision").first.locator("tbody tr")
    assert {
        r.locator("td").nth(0).inner_text(): r.locator("td").nth(1).inner_text() for r in decisions.all()
    } == {name: "Start pre-proceedings (PLO)" for name in WHITFIELDS}
    overdue = main.locator("tbody tr", has_text="Book the initial pre-proceedings meeting")
    assert "Sam Okafor" in overdue.inner_text()
    # A panel member may mark any action done.
    assert overdue.get_by_role("link", name=re.compile("^Mark done")).count() == 1

    # Putting nothing on the agenda is refused, with the summary linking to the checkboxes.
    page = tab.page
    maya = page.get_by_label(re.compile(f"^{waiting.legal_case.reference}: Maya Patel"))
    assert "working days waiting" in page.evaluate(
        "(e) => document.getElementById(e.getAttribute('aria-describedby')).innerText", maya.element_handle()
    )
    tab.follow(page.get_by_role("button", name="Put on the agenda"))
    assert page.title().startswith("Error: ")
    assert "Choose at least one request to put on the agenda" in _error_summary(tab)
    tab.check_accessibility()
    maya.check()
    tab.follow(page.get_by_role("button", name="Put on the agenda"))
    assert "The agenda has been updated." in page.get_by_role("alert").first.inner_text()
    item = main.locator(".app-agenda-item", has_text="Maya Patel")
    assert item.get_by_role("link", name=re.compile("^Record the decisions")).count() == 1
    _check(
        tab,
        title=f"Legal gateway panel, {_long(held_on)}",
        h1=f"Panel meeting, {held_on:%A} {_long(held_on)}",
    )

    tab.goto("/legal/workload/")
    _check(tab, title="Legal workload", h1="Legal workload")
    by_solicitor = tab.page.locator("table", has_text="Solicitor").first
    grace = by_solicitor.locator("tbody tr", has_text="Grace Adeyemi")
    # One open case, two children in pre-proceedings, none in proceedings.
    assert grace.locator("td").all_inner_texts()[-3:] == ["1", "2", "0"]
    tab.screenshot("legal-workload")


def test_a_social_worker_puts_a_child_to_the_panel_from_the_childs_record(tab, world, legal):
    tab.sign_in(world.social_worker)
    page = tab.page
    # Amelia's Legal tab: her request, the panel's decision and her overdue action, and her plans.
    tab.goto(f"/children/{world.cp_child.public_id}/")
    nav = page.get_by_role("navigation", name="Child's record")
    tab.follow(nav.get_by_role("link", name="Legal"))
    _check(tab, title="Legal pathway – Amelia Whitfield", h1="Legal pathway")
    assert nav.locator("[aria-current=page]").inner_text() == "Legal"
    main = _main(tab)
    assert legal.case.reference in main and "Start pre-proceedings (PLO)" in main
    assert re.search(r"Book the initial pre-proceedings meeting.*: Sam Okafor, by .* Overdue", main)
    tab.follow(page.get_by_role("link", name="Authorised plans"))
    _check(tab, title="Plans – Amelia Whitfield", h1="Plans")
    assert "There is no authorised pre-proceedings plan." in _main(tab)

    # Maya is not on the pathway: her worker asks for the panel.
    tab.goto(f"/children/{world.cin_child.public_id}/legal/")
    tab.follow(page.get_by_role("link", name="Put Maya to the legal gateway panel"))
    _check(tab, title="Ask for the legal gateway panel – Maya Patel", h1="Ask for the legal gateway panel")
    maya = page.get_by_label(re.compile("^Maya Patel"))
    assert maya.is_checked()
    maya.uncheck()
    tab.follow(page.get_by_role("button", name="Put to the panel"))
    assert page.title().startswith("Error: ")
    summary = _error_summary(tab)
    for message in (
        "Choose at least one child",
        "Say whether this is a manager's direction or a request for legal consultation",
        "Enter the concerns",
        "Enter the history",
        "Enter what has been tried",
    ):
        assert message in summary
    # The empty date has its error, linked to the day box. (Its words are Django's "This field is
    # required." for now: GovukDateField's own message is never reached for an empty date.)
    assert page.locator('.govuk-error-summary a[href="#id_requested_on-day"]').count() == 1
    # GOV.UK Frontend moves focus to the summary; its links move focus to the field.
    assert page.evaluate("() => document.activeElement.classList.contains('govuk-error-summary')")
    page.locator(".govuk-error-summary").get_by_role("link", name="Enter the concerns").click()
    assert page.evaluate("() => document.activeElement.id") == "id_concerns"
    tab.check_accessibility()
    _no_duplicate_ids(tab)

    page.get_by_label(re.compile("^Maya Patel")).check()
    page.get_by_label("A request for legal consultation").check()
    _fill_date(tab, "id_requested_on", _day(1))
    page.get_by_label("The concerns", exact=True).fill("Maya's care needs are not being met at home.")
    page.get_by_label("The history", exact=True).fill("Child in need plan for six weeks.")
    page.get_by_label("What has been tried", exact=True).fill("Short breaks and a family support worker.")
    tab.follow(page.get_by_role("button", name="Put to the panel"))
    assert tab.path.startswith("/legal/panel/requests/")
    _check(tab, title="Request to the legal gateway panel", h1="Request to the legal gateway panel")
    assert "The request is on the panel's list" in page.get_by_role("alert").first.inner_text()
    made = lm.GatewayRequest.objects.get(legal_case__members__child=world.cin_child)
    assert (
        made.route == lm.GatewayRequest.Route.LEGAL_CONSULTATION and made.requested_by == world.social_worker
    )
    tab.goto("/legal/panel/")
    waiting = _table(tab, "Requests waiting for the panel").locator("tbody tr")
    assert waiting.count() == 1 and "Maya Patel" in waiting.inner_text()


# ---------------------------------------------------------------------------------------------
# Pre-proceedings and the letter before proceedings
# ---------------------------------------------------------------------------------------------


def test_the_plo_list_and_a_pre_proceedings_page_for_the_solicitor(tab, world, legal):
    tab.sign_in(legal.solicitor)
    tab.goto("/legal/pre-proceedings/")
    _check(tab, title="Pre-proceedings (PLO)", h1="Pre-proceedings (PLO)")
    rows = tab.page.locator("table", has_text="Family").first.locator("tbody tr")
    assert rows.count() == 1
    family, started, letters_sent, initial, *rest = rows.first.locator("td").all_inner_texts()
    assert "Amelia Whitfield, Noah Whitfield" in family and legal.case.reference in family
    weeks = (timezone.localdate() - legal.pre_proceedings.started_on).days // 7
    assert _short(legal.pre_proceedings.started_on) in started and f"{weeks} weeks" in started
    assert "0 of 2" in letters_sent
    assert initial == _short(_day(10))
    assert "Grace Adeyemi" in rows.first.inner_text()
    tab.screenshot("legal-plo-list")

    tab.follow(rows.first.get_by_role("link", name=re.compile("Amelia Whitfield, Noah Whitfield")))
    _check(tab, title=f"Pre-proceedings {legal.case.reference}", h1="Amelia Whitfield, Noah Whitfield")
    assert _summary_row(tab, "Initial meeting").startswith(_long(_day(10)))
    assert _summary_row(tab, "Letters before proceedings sent").startswith("0 of 2")
    assert _summary_row(tab, "Solicitor") == "Grace Adeyemi"
    parents = tab.page.locator("table", has_text="People with parental responsibility").first
    assert "Rachel Whitfield" in parents.inner_text() and "Tomasz Nowak" in parents.inner_text()


def test_the_letter_checklist_and_sending_refused_while_something_is_missing(tab, world, legal):
    page = tab.page
    tab.sign_in(legal.solicitor)
    tab.goto(f"/legal/letters/{legal.letter.pk}/")
    _check(tab, title="Letter to Rachel Whitfield", h1="Letter to Rachel Whitfield")
    checklist = page.locator(".app-letter-checklist")
    missing = checklist.locator(".govuk-summary-list__row", has=page.locator(".govuk-tag--red"))
    assert [m.locator("dt").inner_text() for m in missing.all()] == [
        "What will happen if things do not change",
        "Invitation to a meeting, with enough notice",
    ]
    assert "The letter cannot be sent yet: 2 things must be put right." in _main(tab)
    assert page.get_by_role("button", name="Record as sent").count() == 0
    tab.screenshot("legal-letter-incomplete")

    tab.follow(page.get_by_role("link", name="Change the letter"))
    _check(tab, title="Change the letter to Rachel Whitfield", h1="Change the letter to Rachel Whitfield")
    consequences = "We may ask the family court to decide where Amelia and Noah should live."
    page.get_by_label("What will happen if things do not change").fill(consequences)
    second = page.locator("fieldset", has=page.locator("legend", has_text=re.compile("^Change 2$")))
    second.get_by_label("Who", exact=True).fill("You and Tomasz")
    tab.follow(page.get_by_role("button", name="Save letter", exact=True))
    assert page.title().startswith("Error: ")
    summary = _error_summary(tab)
    assert "Say what must change" in summary and "Enter the date it must be done by" in summary
    # What was typed is still there.
    assert page.get_by_label("What will happen if things do not change").input_value() == consequences
    assert second.get_by_label("Who", exact=True).input_value() == "You and Tomasz"
    tab.check_accessibility()
    _no_duplicate_ids(tab)

    second.get_by_label("What must change").fill("Keep the home warm and safe.")
    _fill_date(tab, "id_changes-1-by_when", _day(-42))
    meeting_day = _day(-28)
    _fill_date(tab, "id_meeting_at", meeting_day)
    page.locator("#id_meeting_at-hour").fill("10")
    page.locator("#id_meeting_at-minute").fill("30")
    page.get_by_label("Where the meeting is").fill("Northfield Family Centre, 2 Mill Lane")
    tab.follow(page.get_by_role("button", name="Save letter", exact=True))
    assert tab.path == f"/legal/letters/{legal.letter.pk}/"
    assert "The letter has everything it must contain." in _main(tab)

    # Meanwhile the only local solicitor is taken off the authority's list, so the letter could no
    # longer give the parent one: sending is refused, and the date typed is kept.
    lm.LocalSolicitor.objects.update(active=False)
    sent_on = _day(1)
    _fill_date(tab, "id_sent_on", sent_on)
    tab.follow(page.get_by_role("button", name="Record as sent"))
    assert page.title().startswith("Error: ")
    summary = _error_summary(tab)
    assert "The letter cannot be sent yet." in summary
    assert "no active solicitor on the authority's list of local solicitors" in summary
    assert page.locator("#id_sent_on-day").input_value() == str(sent_on.day)
    assert page.locator("#id_sent_on-year").input_value() == str(sent_on.year)
    tab.check_accessibility()
    legal.letter.refresh_from_db()
    assert legal.letter.status == lm.LetterBeforeProceedings.Status.DRAFT

    lm.LocalSolicitor.objects.update(active=True)
    tab.follow(page.get_by_role("button", name="Record as sent"))
    assert "has been recorded as sent" in page.get_by_role("alert").first.inner_text()
    legal.letter.refresh_from_db()
    assert (legal.letter.status, legal.letter.sent_on, legal.letter.sent_by) == (
        lm.LetterBeforeProceedings.Status.SENT,
        sent_on,
        legal.solicitor,
    )
    tab.check_accessibility()


def test_the_letter_form_adds_rows_without_javascript(tab_without_js, world, legal):
    """axe-core cannot run in a page without JavaScript (its timers never fire), so these pages are
    checked for their structure here; the test above checks the same pages with axe-core."""
    tab = tab_without_js
    page = tab.page
    tab.sign_in(world.social_worker)
    tab.goto(f"/legal/letters/{legal.letter.pk}/")
    _check_structure(tab, title="Letter to Rachel Whitfield", h1="Letter to Rachel Whitfield")
    tab.follow(page.get_by_role("link", name="Change the letter"))
    _check_structure(
        tab, title="Change the letter to Rachel Whitfield", h1="Change the letter to Rachel Whitfield"
    )

    def rows(kind: str) -> list[str]:
        return page.locator("legend", has_text=re.compile(f"^{kind} \\d+$")).all_inner_texts()

    # The one saved change and three blank rows.
    assert rows("Change") == ["Change 1", "Change 2", "Change 3", "Change 4"]
    assert page.locator("#id_changes-0-who").input_value() == "You"
    for i in (1, 2, 3):
        page.locator(f"#id_changes-{i}-who").fill("You")
        page.locator(f"#id_changes-{i}-what").fill(f"Thing {i + 1} that must change.")
        _fill_date(tab, f"id_changes-{i}-by_when", _day(-30 - i))
    tab.follow(page.get_by_role("button", name="Save and add more rows"))
    # Back on the form, the four changes saved and three blank rows more.
    assert tab.path == f"/legal/letters/{legal.letter.pk}/edit/"
    assert rows("Change") == [f"Change {n}" for n in range(1, 8)]
    assert page.locator("#id_changes-3-what").input_value() == "Thing 4 that must change."
    assert page.locator("#id_changes-4-what").input_value() == ""
    assert legal.letter.changes.count() == 4
    _check_structure(
        tab, title="Change the letter to Rachel Whitfield", h1="Change the letter to Rachel Whitfield"
    )


# ---------------------------------------------------------------------------------------------
# Care proceedings
# ---------------------------------------------------------------------------------------------


def test_care_proceedings_show_the_week_of_the_26_and_the_extension(tab, world, legal):
    tab.sign_in(world.social_worker)
    tab.goto("/legal/")
    tab.follow(tab.page.get_by_role("link", name="Care proceedings"))
    _check(tab, title="Care proceedings", h1="Care proceedings")
    row = tab.page.locator("tbody tr", has_text="Leo Carter")
    assert row.count() == 1
    cells = row.locator("td").all_inner_texts()
    assert "NS26C00123" in cells[0] and cells[1] == _short(_day(70))
    assert cells[2].startswith("Week 11 of 34") and "26 and 8 extended" in cells[2]
    assert "Over time" not in cells[2]

    tab.follow(row.get_by_role("link", name="Leo Carter"))
    _check(tab, title=f"Care proceedings {legal.proceedings.legal_case.reference}", h1="Leo Carter")
    assert _summary_row(tab, "Where it stands").startswith("Week 11 of 34 (26 and 8 by extension)")
    assert "Final hearing listed within the time allowed" in _summary_row(tab, "Final hearing")
    extensions = tab.page.locator("table", has_text="The court's reason")
    assert extensions.locator("tbody tr").locator("td").all_inner_texts() == [
        _short(_day(5)),
        "8",
        "An independent social work assessment of the grandparents is needed.",
    ]
    hearings = tab.page.locator("table", has_text="Went ahead").locator("tbody tr")
    assert "Case management hearing" in hearings.first.inner_text()
    tab.screenshot("legal-proceedings")


# ---------------------------------------------------------------------------------------------
# Section 20, police protection and early permanence
# ---------------------------------------------------------------------------------------------


def test_the_section_20_register_flags_the_baby_and_her_consent(tab, world, legal):
    tab.sign_in(world.team_manager)
    tab.goto("/legal/section-20/")
    _check(tab, title="Section 20 register", h1="Section 20 register")
    row = tab.page.locator("tbody tr", has_text="Ruby Hughes")
    assert row.count() == 1, _main(tab)
    text = row.inner_text()
    assert "Chloe Hughes" in text
    assert "Consent evidence missing" in text and "Baby accommodated without legal planning" in text
    tab.screenshot("legal-section-20-register")

    tab.follow(row.get_by_role("link", name="Ruby Hughes"))
    _check(tab, title="Section 20 – Ruby Hughes", h1="Section 20 accommodation")
    assert _summary_row(tab, "Accommodated under section 20 since") == _long(_day(30))
    missing = tab.page.locator("main").inner_text()
    assert "Chloe Hughes: Not authorised by a manager" in missing
    assert "Chloe Hughes: Legal advice was not offered" in missing


def test_the_police_protection_report_and_early_permanence(tab, world, legal):
    tab.sign_in(world.head_of_service)
    tab.goto("/legal/police-protection/")
    _check(tab, title="Police protection", h1="Police protection: thematic report")
    figures = _table(tab, "Figures for the period")
    uses = figures.locator("tbody tr", has_text="Uses of police protection")
    assert uses.locator("td").inner_text() == "1"
    each = _table(tab, "1 use, newest first").locator("tbody tr")
    assert each.count() == 1
    child, taken, hours, outcome, already_open, before, judged = each.locator("td").all_inner_texts()
    assert child == "Ruby Hughes"
    held = legal.police_protection.ended_at - legal.police_protection.taken_at
    # 17 hours, or one more or less when the clocks changed that night.
    assert hours == str(int(held.total_seconds() // 3600))
    assert outcome == "Accommodated under section 20" and already_open == "Yes"
    assert before == "0 contacts, 1 referral"
    assert judged.startswith("Not yet reviewed Overdue")
    tab.screenshot("legal-police-protection")

    tab.goto("/legal/early-permanence/")
    _check(tab, title="Early permanence", h1="Early permanence")
    row = tab.page.locator("tbody tr", has_text="Ruby Hughes")
    cells = row.locator("td").all_inner_texts()
    assert cells[2] == "Looked after" and cells[3] == "Return to family" and cells[4] == "None"
    assert "No parallel plan" in cells[6] and "Early permanence not considered" in cells[6]
    assert "1 without a parallel plan or a recorded consideration" in _main(tab)


# ---------------------------------------------------------------------------------------------
# Scope
# ---------------------------------------------------------------------------------------------


def test_a_social_worker_in_another_team_sees_none_of_these_children(tab, world, legal):
    outsider = f.UserFactory(username="ola.brown", first_name="Ola", last_name="Brown", team=world.other_team)
    tab.sign_in(outsider)
    names = ("Amelia", "Noah", "Whitfield", "Leo Carter", "Ruby", "Hughes")
    tab.goto("/legal/panel/")
    _check(tab, title="Legal gateway panel tracker", h1="Legal gateway panel tracker")
    assert "No open panel action on a child you can see." in _main(tab)
    tab.goto("/legal/pre-proceedings/")
    _check(tab, title="Pre-proceedings (PLO)", h1="Pre-proceedings (PLO)")
    assert "0 families" in _main(tab)
    for path in ("/legal/panel/", "/legal/pre-proceedings/"):
        tab.goto(path)
        content = tab.page.content()
        assert not [name for name in names if name in content], path
