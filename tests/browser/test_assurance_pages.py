"""Practice assurance in the browser (issue 5): case audits, moderation, calibration, the reports and
supervision, each as the person who uses it sees it. Every page is checked for accessibility
(axe-core, WCAG 2.2 AA), one h1, a title naming it and a working skip link; and says what matters
to the person reading it, in words."""

import re
from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.utils import timezone
from django.utils.html import escape

from carepath.assurance import models as am
from carepath.assurance.services import audits, moderation, supervision
from carepath.core.permissions import Role
from carepath.people import models as pm
from carepath.timescales.models import Deadline
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


# Written by the first auditor of Amelia's case: a moderator must not see these before grading.
FIRST_EVIDENCE = "Amelia is seen alone at every visit and her bedroom is checked."
FIRST_SUMMARY = "A settled child protection plan with steady progress at school."
DIRECTION_DECIDED = "Book a core group meeting before the review conference."
DIRECTION_ACTION = "Arrange the core group meeting with the school and health visitor"
OVERSIGHT_DECIDED = "Leo stays with his foster carers while the placement plan is reviewed."


@dataclass
class Assurance:
    qa_lead: pm.User
    auditor: pm.User
    moderator: pm.User
    tool: am.AuditTool
    programme: am.AuditProgramme
    good_audit: am.CaseAudit  # Amelia's, graded good while her visit was overdue
    inadequate_audit: am.CaseAudit  # Noah's, escalated to the head of service
    open_audit: am.CaseAudit  # Maya's, not started
    draft_audit: am.CaseAudit  # Leo's, not started (the form without JavaScript)
    moderation: am.Moderation
    session: am.SupervisionSession


def _grades(tool, grade: str, evidence: str, **special) -> dict:
    """Every domain of the tool graded `grade` with `evidence`; `special` by domain position."""
    graded = {}
    for domain in tool.domains.order_by("position"):
        graded[domain.pk] = special.get(f"d{domain.position}", (grade, f"{evidence} ({domain.title})"))
    return graded


@pytest.fixture
def assurance(world) -> Assurance:
    """The world's team under practice assurance, written through the services as people would: the
    default audit tool, a QA lead and two QA auditors, a monthly programme sampling the team's four
    open children, Amelia's audit graded good while her child protection visit was overdue (so it is
    flagged for calibration, and sent to the second auditor for moderation), Noah's graded
    inadequate (so it is escalated to the head of service), Maya's and Leo's waiting; supervision of
    Sam by Lee with a case direction for Amelia, and Lee's management oversight of Leo's placement."""
    today = timezone.localdate()
    worker, manager = world.social_worker, world.team_manager
    colleague = pm.User.objects.get(username="jo.baker")
    # Sam started a hundred days ago and has been supervised every four weeks or so; Jo, newly
    # qualified, started ten weeks ago and has had no supervision recorded, so Jo is overdue.
    pm.User.objects.filter(pk=worker.pk).update(started_on=_day(100))
    pm.User.objects.filter(pk=colleague.pk).update(started_on=_day(70))
    worker.refresh_from_db()
    colleague.refresh_from_db()
    clocks_recompute_all()
    assert Deadline.objects.filter(
        child=world.cp_child, rule_id="CP-VISIT", status="open", due_on__lt=today
    ).exists(), "Amelia's child protection visit should be overdue"

    tool = audits.tool_ensure_default()
    qa_lead = f.UserFactory(
        username="helen.moss",
        first_name="Helen",
        last_name="Moss",
        role=Role.QA_LEAD,
        team=None,
        job_title="Principal social worker",
    )
    auditor = f.UserFactory(
        username="ravi.desai",
        first_name="Ravi",
        last_name="Desai",
        role=Role.QA_AUDITOR,
        scope="audit_sample",
        team=None,
        job_title="Quality assurance auditor",
    )
    second_auditor = f.UserFactory(
        username="carla.mendes",
        first_name="Carla",
        last_name="Mendes",
        role=Role.QA_AUDITOR,
        scope="audit_sample",
        team=None,
        job_title="Quality assurance auditor",
    )
    programme = audits.programme_draw(
        actor=qa_lead,
        name="Monthly audit, Northfield",
        kind=am.AuditProgramme.Kind.MONTHLY,
        tool=tool,
        cohort=am.Cohort.OPEN_CASES,
        team=world.team,
        sample_size=4,
        due_on=today + timedelta(days=21),
        seed=20261127,
    )
    children = [world.cp_child, world.sibling, world.cin_child, world.looked_after_child]
    made = audits.audits_assign(
        actor=qa_lead, programme=programme, assignments={c.pk: auditor for c in children}
    )
    by_child = {a.child_id: a for a in made}
    good_audit, inadequate_audit = by_child[world.cp_child.pk], by_child[world.sibling.pk]

    conversation = {
        "conversation_on": _day(2),
        "practitioner_took_part": True,
        "manager_took_part": True,
    }
    good_audit.refresh_from_db()
    audits.audit_complete(
        actor=auditor,
        audit=good_audit,
        grades=_grades(tool, "good", "Plan reviewed on time", d1=("good", FIRST_EVIDENCE)),
        overall_grade="good",
        summary=FIRST_SUMMARY,
        childs_views="Amelia says she likes her teacher and feels safer at home.",
        expected_version=good_audit.version,
        **conversation,
    )
    inadequate_audit.refresh_from_db()
    audits.audit_complete(
        actor=auditor,
        audit=inadequate_audit,
        grades=_grades(tool, "inadequate", "No assessment of Noah's own needs"),
        overall_grade="inadequate",
        summary="Noah's needs have not been assessed apart from his sister's.",
        childs_views="Noah did not want to talk to the auditor.",
        actions=[
            {
                "what": "Complete an assessment of Noah's own needs",
                "owner": worker,
                "due_on": today + timedelta(days=14),
            }
        ],
        expected_version=inadequate_audit.version,
        **conversation,
    )
    good_audit.refresh_from_db()
    inadequate_audit.refresh_from_db()
    assert good_audit.calibration_flag is not None
    assert inadequate_audit.escalation.escalated_to == world.head_of_service
    moderating = moderation.moderation_assign(
        actor=qa_lead, audit=good_audit, moderator=second_auditor, due_on=today + timedelta(days=14)
    )

    for held_days_ago, kind in (
        (72, am.SupervisionSession.Kind.CASE),
        (44, am.SupervisionSession.Kind.REFLECTIVE),
    ):
        supervision.session_record(
            actor=manager, supervisee=worker, held_on=_day(held_days_ago), duration_minutes=90, kind=kind
        )
    session = supervision.session_record(
        actor=manager,
        supervisee=worker,
        held_on=_day(14),
        duration_minutes=90,
        kind=am.SupervisionSession.Kind.CASE,
        notes="Sam is managing the caseload well and wants training on court work.",
        directions=[
            {
                "child": world.cp_child,
                "decided": DIRECTION_DECIDED,
                "why": "The school has new concerns about Amelia's attendance.",
                "actions": [{"what": DIRECTION_ACTION, "owner": worker, "due_on": today + timedelta(days=7)}],
            }
        ],
    )
    supervision.oversight_record(
        actor=manager,
        child=world.looked_after_child,
        key_point=am.CaseDirection.KeyPoint.PLACEMENT_MOVE,
        decided=OVERSIGHT_DECIDED,
        why="The carers have asked for more support, not an end to the placement.",
        directed_on=_day(5),
        actions=[
            {
                "what": "Ask the fostering team for a support plan for the carers",
                "owner": worker,
                "due_on": today + timedelta(days=10),
            }
        ],
    )
    return Assurance(
        qa_lead=qa_lead,
        auditor=auditor,
        moderator=second_auditor,
        tool=tool,
        programme=programme,
        good_audit=good_audit,
        inadequate_audit=inadequate_audit,
        open_audit=by_child[world.cin_child.pk],
        draft_audit=by_child[world.looked_after_child.pk],
        moderation=moderating,
        session=session,
    )


# ---------------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------------


def _fieldset(tab, legend: str):
    page = tab.page
    return page.locator("fieldset").filter(
        has=page.locator("legend", has_text=re.compile(f"^{re.escape(legend)}$"))
    )


def _choose(tab, legend: str, label: str) -> None:
    """Choose a radio by its question (the legend) and its answer (the label)."""
    _fieldset(tab, legend).get_by_label(label, exact=True).check()


def _chosen(tab, legend: str, label: str) -> bool:
    return _fieldset(tab, legend).get_by_label(label, exact=True).is_checked()


def _nav(tab):
    return tab.page.get_by_role("navigation", name="Menu")


def _alert(tab) -> str:
    return tab.page.get_by_role("alert").first.inner_text()


def _domains(tool) -> list[am.AuditDomain]:
    return list(tool.domains.order_by("position"))


# ---------------------------------------------------------------------------------------------
# 1. The auditor: home, their audits, and an audit refused then completed
# ---------------------------------------------------------------------------------------------


def test_the_auditor_completes_an_audit_after_the_missing_action_is_added(tab, world, assurance):
    page = tab.page
    tab.sign_in(assurance.auditor)
    tab.follow(_nav(tab).get_by_role("link", name="Assurance"))
    assert tab.path == "/assurance/"
    _check(tab, title="Practice assurance", h1="Practice assurance")
    assert "Your audits: 2 to complete" in _main(tab)
    # An auditor runs no programme and supervises no one: those parts are not there.
    assert "Calibration flags" not in _main(tab) and "The people you supervise" not in _main(tab)
    tab.screenshot("assurance-home-auditor")

    tab.follow(page.get_by_role("link", name="Your audits"))
    _check(tab, title="My audits", h1="My audits")
    to_do = _table(tab, "Audits to do").locator("tbody tr")
    assert sorted(r.locator("td").first.inner_text().split("\n")[0] for r in to_do.all()) == [
        "Leo Carter",
        "Maya Patel",
    ]
    assert "Not started" in to_do.filter(has_text="Maya Patel").inner_text()
    assert _short(assurance.open_audit.due_on) in to_do.filter(has_text="Maya Patel").inner_text()
    done = _table(tab, "Completed in the last").locator("tbody tr")
    grades = {
        r.locator("td").first.inner_text().split("\n")[0]: r.locator("td").nth(2).inner_text()
        for r in done.all()
    }
    assert grades == {"Amelia Whitfield": "Good", "Noah Whitfield": "Inadequate"}
    tab.screenshot("assurance-my-audits")

    tab.follow(to_do.filter(has_text="Maya Patel").get_by_role("link", name=re.compile("^Maya Patel")))
    assert tab.path == f"/assurance/audits/{assurance.open_audit.pk}/edit/"
    _check(tab, title="Case audit of Maya Patel", h1="Case audit of Maya Patel")
    domains = _domains(assurance.tool)
    planning = next(d for d in domains if d.title.startswith("Planning and progress"))
    for d in domains:
        _choose(tab, f"Grade for {d.title}", "Requires improvement" if d == planning else "Good")
        page.get_by_label(f"Evidence for the grade in {d.title}", exact=True).fill(
            f"Maya's record: {d.title.lower()} evidence."
        )
    _fill_date(tab, "id_conversation_on", _day(1))
    page.get_by_label("The practitioner took part").check()
    page.get_by_label("The child's views", exact=True).fill("Maya says her short breaks are the best part.")
    _choose(tab, "Overall grade", "Good")
    page.get_by_label("Summary of findings", exact=True).fill("Good help, but the plan has drifted.")
    tab.follow(page.get_by_role("button", name="Complete the audit"))

    # Refused: a grade below good needs an action. Nothing typed is lost.
    assert tab.path == f"/assurance/audits/{assurance.open_audit.pk}/edit/"
    assert page.title().startswith("Error: ")
    summary = _error_summary(tab)
    assert "A grade below good needs at least one action" in summary
    link = page.locator(".govuk-error-summary").get_by_role(
        "link", name=re.compile("^A grade below good needs at least one action")
    )
    assert link.get_attribute("href") == "#id_action_1_what"
    link.click()
    assert page.evaluate("() => document.activeElement.id") == "id_action_1_what"
    for d in domains:
        assert _chosen(tab, f"Grade for {d.title}", "Requires improvement" if d == planning else "Good")
        assert page.get_by_label(f"Evidence for the grade in {d.title}", exact=True).input_value() == (
            f"Maya's record: {d.title.lower()} evidence."
        )
    assert page.locator("#id_conversation_on-day").input_value() == str(_day(1).day)
    assert page.get_by_label("The practitioner took part").is_checked()
    assert not page.get_by_label("The team manager took part").is_checked()
    assert page.get_by_label("The child's views", exact=True).input_value().startswith("Maya says")
    assert _chosen(tab, "Overall grade", "Good")
    assert page.get_by_label("Summary of findings", exact=True).input_value() == (
        "Good help, but the plan has drifted."
    )
    tab.check_accessibility()
    _no_duplicate_ids(tab)
    tab.screenshot("assurance-audit-form-error")

    due = timezone.localdate() + timedelta(days=28)
    page.get_by_label("Action 1: what must be done").fill("Review the child in need plan with the family")
    page.get_by_label("Action 1: who owns it").select_option(
        label="Sam Okafor (Social worker, Northfield Safeguarding Team)"
    )
    _fill_date(tab, "id_action_1_due_on", due)
    page.get_by_label("Action 1: which domain it is about").select_option(label=planning.title)
    tab.follow(page.get_by_role("button", name="Complete the audit"))

    assert tab.path == f"/assurance/audits/{assurance.open_audit.pk}/"
    _check(tab, title="Case audit of Maya Patel", h1="Case audit of Maya Patel")
    assert "The audit is complete. 1 action added to the owners' work." in _alert(tab)
    assert _summary_row(tab, "Overall grade") == "Good"
    # Each domain's grade is in words, under the domain's own heading.
    findings = page.locator("main h3", has_text=planning.title).locator("xpath=following-sibling::dl[1]")
    assert "Requires improvement" in findings.inner_text()
    actions = _table(tab, "Actions").locator("tbody tr")
    assert actions.count() == 1
    action, owner, due_cell, _standing = actions.first.locator("td").all_inner_texts()
    assert action.startswith("Review the child in need plan with the family") and planning.title in action
    assert owner == "Sam Okafor" and due_cell == _short(due)
    tab.screenshot("assurance-audit-completed")
    made = am.AuditAction.objects.get(audit=assurance.open_audit)
    assert (made.owner, made.due_on) == (world.social_worker, due)


# ---------------------------------------------------------------------------------------------
# 2. The moderator grades blind, then sees both sets of grades
# ---------------------------------------------------------------------------------------------


def test_the_moderator_grades_blind_then_sees_the_grades_compared(tab, world, assurance):
    page = tab.page
    tab.sign_in(assurance.moderator)
    tab.follow(_nav(tab).get_by_role("link", name="Assurance"))
    assert "Your moderations: 1 to complete" in _main(tab)
    tab.follow(page.get_by_role("link", name="Your moderations"))
    _check(tab, title="Moderations assigned to you", h1="Moderations assigned to you")
    row = _table(tab, "To do").locator("tbody tr")
    assert row.count() == 1 and "Amelia Whitfield" in row.inner_text()
    assert "Monthly audit, Northfield" in row.inner_text()

    tab.follow(row.get_by_role("link", name=re.compile("^Amelia Whitfield")))
    assert tab.path == f"/assurance/moderation/{assurance.moderation.pk}/"
    _check(tab, title="Moderate the audit of Amelia Whitfield", h1="Moderate the audit of Amelia Whitfield")
    assert "You are grading blind." in _main(tab)
    content = page.content()
    for secret in (FIRST_EVIDENCE, FIRST_SUMMARY, "Plan reviewed on time"):
        assert escape(secret) not in content and secret not in content, f"{secret!r} shown before grading"
    # Nothing is chosen for the moderator: no grade is given away as a default.
    assert page.locator("input[type=radio]:checked").count() == 0
    tab.screenshot("assurance-moderation-form")

    domains = _domains(assurance.tool)
    for d in domains:
        _choose(tab, f"Your grade for {d.title}", "Requires improvement" if d.position == 1 else "Good")
    page.get_by_label(f"What supports your grade for {domains[0].title}").fill(
        "The visits are late: the last one is overdue."
    )
    _choose(tab, "Your overall grade", "Requires improvement")
    page.get_by_label("Your summary", exact=True).fill("Safety work is behind the plan.")
    tab.follow(page.get_by_role("button", name="Save my grades"))

    _check(
        tab,
        title="Moderation of the audit of Amelia Whitfield",
        h1="Moderation of the audit of Amelia Whitfield",
    )
    assert "Your moderation is saved" in _alert(tab)
    assert _summary_row(tab, "Domains graded differently") == f"1 of {len(domains)}"
    rows = _table(tab, "The grades side by side").locator("tbody tr")
    first = rows.filter(has=page.locator("th", has_text=domains[0].title))
    assert first.locator("td").all_inner_texts() == [
        "Good",
        "Requires improvement",
        "Disagree Different: the auditor graded higher, by one grade",
    ]
    second = rows.filter(has=page.locator("th", has_text=domains[1].title))
    assert second.locator("td").all_inner_texts() == ["Good", "Good", "Agree Same grade"]
    overall = rows.filter(has=page.locator("th", has_text="Overall grade"))
    assert overall.locator("td").nth(2).inner_text().startswith("Disagree")
    # Now the first auditor's words are there to compare.
    assert FIRST_EVIDENCE in _main(tab) and FIRST_SUMMARY in _main(tab)
    tab.screenshot("assurance-moderation-compared")


# ---------------------------------------------------------------------------------------------
# 3. The head of service answers the inadequate audit
# ---------------------------------------------------------------------------------------------


def test_the_head_of_service_responds_to_the_inadequate_audit(tab, world, assurance):
    page = tab.page
    tab.sign_in(world.head_of_service)
    tab.follow(_nav(tab).get_by_role("link", name="Assurance"))
    _check(tab, title="Practice assurance", h1="Practice assurance")
    assert "Inadequate audits escalated to you: 1 waiting for your response" in _main(tab)
    tab.follow(page.get_by_role("link", name="Inadequate audits escalated to you"))
    _check(tab, title="Inadequate audits for your response", h1="Inadequate audits for your response")
    waiting = _table(tab, "Waiting for your response").locator("tbody tr")
    assert waiting.count() == 1
    child, grade, auditor, escalated = waiting.first.locator("td").all_inner_texts()
    assert child.startswith("Noah Whitfield") and grade == "Inadequate"
    assert auditor == "Ravi Desai" and escalated == _short(timezone.localdate())
    tab.screenshot("assurance-escalations")

    tab.follow(waiting.first.get_by_role("link", name=re.compile("^Noah Whitfield")))
    _check(tab, title="Inadequate audit of Noah Whitfield", h1="Inadequate audit of Noah Whitfield")
    assert _summary_row(tab, "Overall grade") == "Inadequate"
    tab.follow(page.get_by_role("button", name="Record the response"))
    assert page.title().startswith("Error: ")
    assert "Enter your response" in _error_summary(tab)
    tab.check_accessibility()
    response = "I have met Sam and Lee: Noah's assessment starts this week, and I will check it."
    page.get_by_label("Your response", exact=True).fill(response)
    tab.follow(page.get_by_role("button", name="Record the response"))

    assert tab.path == "/assurance/escalations/"
    assert "Your response has been recorded." in _alert(tab)
    assert "Nothing is waiting for your response." in _table(tab, "Waiting for your response").inner_text()
    answered = _table(tab, "Your responses").locator("tbody tr")
    assert answered.count() == 1 and "Noah Whitfield" in answered.inner_text()
    _check(tab, title="Inadequate audits for your response", h1="Inadequate audits for your response")
    escalation = am.AuditEscalation.objects.get(audit=assurance.inadequate_audit)
    assert (escalation.response, escalation.responded_by) == (response, world.head_of_service)


# ---------------------------------------------------------------------------------------------
# 4. The QA lead: programmes, calibration, the reports and the tools
# ---------------------------------------------------------------------------------------------


def test_the_qa_lead_reviews_calibration_and_reads_the_reports(tab, world, assurance):
    # The moderation is done, so the agreement report has a pair to compare.
    domains = _domains(assurance.tool)
    moderation.moderation_complete(
        actor=assurance.moderator,
        moderation=assurance.moderation,
        grades={d.pk: ("requires_improvement" if d.position == 1 else "good", "") for d in domains},
        overall_grade="good",
        summary="Mostly as the auditor found; safety work is behind.",
        expected_version=assurance.moderation.version,
    )
    page = tab.page
    tab.sign_in(assurance.qa_lead)
    tab.follow(_nav(tab).get_by_role("link", name="Assurance"))
    _check(tab, title="Practice assurance", h1="Practice assurance")
    main = _main(tab)
    assert "Calibration flags: 1 not yet reviewed" in main and "Audit programmes: 1 open" in main
    tab.screenshot("assurance-home-qa-lead")

    # The programme and its sample.
    tab.follow(page.get_by_role("link", name="Audit programmes"))
    _check(tab, title="Audit programmes", h1="Audit programmes")
    tab.screenshot("assurance-programmes")
    tab.follow(page.get_by_role("link", name="Monthly audit, Northfield"))
    assert tab.path == f"/assurance/programmes/{assurance.programme.pk}/"
    _check(tab, title="Monthly audit, Northfield", h1="Monthly audit, Northfield")
    main = _main(tab)
    for name in ("Amelia Whitfield", "Noah Whitfield", "Maya Patel", "Leo Carter"):
        assert name in main
    assert "Oscar Reid" not in main
    tab.screenshot("assurance-programme")

    # Calibration: Amelia's audit was graded good while her visit was overdue.
    tab.goto("/assurance/")
    tab.follow(page.get_by_role("link", name="Calibration flags"))
    _check(tab, title="Calibration against the record", h1="Calibration against the record")
    card = page.locator(".govuk-summary-card").filter(has_text="Amelia Whitfield")
    assert card.count() == 1
    text = card.inner_text()
    assert "Graded good by Ravi Desai" in text
    assert "Overdue statutory work" in text and "CP-VISIT" in text
    tab.screenshot("assurance-calibration")

    tab.follow(card.get_by_role("link", name=re.compile("^Review")))
    flag = assurance.good_audit.calibration_flag
    assert tab.path == f"/assurance/reports/calibration/flags/{flag.pk}/"
    _check(tab, title="Calibration flag: Amelia Whitfield", h1="while the record showed concerns")
    assert f"What the record showed on {_long(flag.as_at)}" in _main(tab)
    assert "CP-VISIT" in _main(tab)
    tab.follow(page.get_by_role("button", name="Save the review"))
    assert page.title().startswith("Error: ")
    summary = _error_summary(tab)
    assert "Say whether the grade stands" in summary and "Enter why" in summary
    tab.check_accessibility()
    _choose(tab, "What did you decide?", "The grade was too generous for what the record showed")
    page.get_by_label("Why", exact=True).fill("A child protection visit was overdue on the day of the audit.")
    tab.follow(page.get_by_role("button", name="Save the review"))
    assert tab.path == "/assurance/reports/calibration/"
    assert "Your review of the flag on Amelia Whitfield's audit is saved." in _alert(tab)
    assert "No flag is waiting for review." in _main(tab)
    reviewed = _table(tab, "Flags reviewed").locator("tbody tr")
    assert "Amelia Whitfield" in reviewed.inner_text() and "too generous" in reviewed.inner_text()
    _check(tab, title="Calibration against the record", h1="Calibration against the record")

    # Agreement: one moderated audit, the auditor graded one domain higher.
    tab.goto("/assurance/")
    tab.follow(page.get_by_role("link", name="Moderation agreement"))
    _check(tab, title="Moderation agreement", h1="Moderation agreement")
    by_auditor = _table(tab, "By auditor").locator("tbody tr", has_text="Ravi Desai")
    assert by_auditor.count() == 1
    audited, compared, same, percentage, _kappa, higher_count = (
        t.split("\n")[0] for t in by_auditor.locator("td").all_inner_texts()
    )
    # Seven domains compared, six the same: one audit, graded higher in one domain.
    assert (audited, compared, same, percentage, higher_count) == ("1", "7", "6", "85.7%", "1")
    higher = _table(tab, "Where auditors graded higher than moderators").locator(
        "tbody tr", has_text="Ravi Desai"
    )
    assert higher.locator("td").last.inner_text() == f"1 of {len(domains)}"
    tab.screenshot("assurance-agreement")

    # Learning: the chart is an image with a name, and the table carries the same figures.
    tab.goto("/assurance/")
    tab.follow(page.get_by_role("link", name="Learning from audits"))
    _check(tab, title="What the audits tell us", h1="What the audits tell us")
    chart = page.get_by_role("img", name=re.compile("grades given in each domain"))
    assert chart.count() == 1
    assert chart.evaluate("e => e.tagName.toLowerCase()") == "svg"
    table = page.locator("table#grades-by-domain")
    assert table.locator("caption").inner_text() == "Audits by the grade given in each domain"
    safety = table.locator("tbody tr").filter(has=page.locator("th", has_text=domains[0].title))
    # Amelia's audit good, Noah's inadequate: one each, and one below good.
    assert [t.split("\n")[0] for t in safety.locator("td").all_inner_texts()] == ["0", "1", "0", "1", "1"]
    tab.screenshot("assurance-learning")

    # The audit tools and a version.
    tab.goto("/assurance/")
    tab.follow(page.get_by_role("link", name="Audit tools"))
    _check(tab, title="Audit tools", h1="Audit tools")
    tab.screenshot("assurance-tools")
    tab.follow(page.get_by_role("link", name=re.compile(f"{re.escape(assurance.tool.name)}")).first)
    assert tab.path == f"/assurance/tools/{assurance.tool.pk}/"
    _check(tab, title=f"{assurance.tool.name}, version 1", h1=assurance.tool.name)
    main = _main(tab)
    for d in domains:
        assert d.title in main
    for grade in ("Outstanding", "Good", "Requires improvement", "Inadequate"):
        assert grade in main
    tab.screenshot("assurance-tool")


# ---------------------------------------------------------------------------------------------
# 5. The team manager: supervision, a session recorded, compliance
# ---------------------------------------------------------------------------------------------


def test_the_team_manager_records_supervision_with_a_case_direction(tab, world, assurance):
    page = tab.page
    tab.sign_in(world.team_manager)
    tab.follow(_nav(tab).get_by_role("link", name="Assurance"))
    _check(tab, title="Practice assurance", h1="Practice assurance")
    assert "The people you supervise: 2; 1 overdue for supervision" in _main(tab)
    tab.follow(page.get_by_role("link", name="The people you supervise"))
    assert tab.path == "/assurance/supervision/"
    _check(tab, title="Supervision", h1="Supervision")
    rows = _table(tab, "People you supervise").locator("tbody tr")
    assert rows.count() == 2
    # Overdue first, in words.
    assert "Jo Baker" in rows.first.inner_text() and "Overdue" in rows.first.inner_text()
    assert "newly qualified" in rows.first.inner_text()
    sam = rows.filter(has_text="Sam Okafor")
    assert "In time" in sam.inner_text() and _short(_day(14)) in sam.inner_text()
    # Supervised at 100, 72, 44 and 14 days ago: the longest stretch without supervision is 30 days.
    assert sam.locator("td").nth(4).inner_text() == "30"
    tab.screenshot("assurance-supervision")

    tab.follow(page.get_by_role("link", name="Record a supervision session"))
    _check(tab, title="Record a supervision session", h1="Record a supervision session")
    page.get_by_label("Who was supervised?").select_option(
        label="Sam Okafor (Social worker, Northfield Safeguarding Team)"
    )
    tab.follow(page.get_by_role("button", name="Continue"))
    _check(tab, title="Record supervision with Sam Okafor", h1="Record supervision with Sam Okafor")
    # Today is filled in, and so is "uninterrupted".
    assert page.locator("#id_held_on-day").input_value() == str(timezone.localdate().day)
    page.get_by_label("How long did it last, in minutes?").fill("75")
    _choose(tab, "Type of supervision", "Case supervision")
    maya = page.get_by_label(re.compile("^Maya Patel"))
    maya.check()
    # With JavaScript the direction's boxes appear when the child is ticked.
    decided = page.get_by_label("What was decided for Maya Patel")
    assert decided.is_visible()
    decided.fill("Move Maya's plan review forward to next week.")
    page.get_by_label("Why it was decided for Maya Patel").fill("Her short breaks have stopped.")
    page.get_by_label("Action 1 for Maya Patel: what must be done").fill("Call the short breaks service")
    page.get_by_label("Action 1 for Maya Patel: who owns it").select_option(
        label="Sam Okafor (Social worker, Northfield Safeguarding Team)"
    )
    due = timezone.localdate() + timedelta(days=5)
    _fill_date(tab, f"id_c{world.cin_child.pk}_a1_due_on", due)
    tab.follow(page.get_by_role("button", name="Save the session"))

    session = am.SupervisionSession.objects.get(held_on=timezone.localdate())
    assert tab.path == f"/assurance/supervision/sessions/{session.pk}/"
    today = timezone.localdate()
    _check(tab, title=f"Supervision on {_long(today)}", h1=f"Supervision on {_long(today)}")
    assert "with case directions for 1 child." in _alert(tab)
    assert _summary_row(tab, "Length") == "75 minutes"
    assert _summary_row(tab, "Type") == "Case supervision"
    assert _summary_row(tab, "What was decided") == "Move Maya's plan review forward to next week."
    actions = _table(tab, "Actions for Maya Patel").locator("tbody tr")
    assert actions.locator("td").all_inner_texts()[:3] == [
        "Call the short breaks service",
        "Sam Okafor",
        _short(due),
    ]
    tab.screenshot("assurance-supervision-session")

    tab.goto("/assurance/supervision/")
    tab.follow(page.get_by_role("link", name=re.compile("^Supervision compliance")))
    _check(tab, title="Supervision compliance", h1="Supervision compliance")
    chart = page.get_by_role("img", name=re.compile("supervision in time"))
    assert chart.count() == 1
    workers = _table(tab, "Supervision by worker").locator("tbody tr")
    jo = workers.filter(has_text="Jo Baker").inner_text()
    assert "Never recorded" in jo and "Overdue" in jo
    sam = workers.filter(has_text="Sam Okafor").inner_text()
    assert _short(today) in sam and "In time" in sam
    teams = _table(tab, "Supervision in time by team").locator("tbody tr", has_text="Northfield")
    assert teams.count() == 1
    tab.screenshot("assurance-supervision-compliance")


# ---------------------------------------------------------------------------------------------
# 6. The social worker: their supervision, and the child's record
# ---------------------------------------------------------------------------------------------


def test_the_social_worker_sees_their_supervision_and_the_childs_directions(tab, world, assurance):
    page = tab.page
    tab.sign_in(world.social_worker)
    tab.follow(_nav(tab).get_by_role("link", name="My supervision"))
    assert tab.path == "/assurance/supervision/mine/"
    _check(tab, title="Your supervision", h1="Your supervision")
    assert _summary_row(tab, "Last session") == f"{_long(_day(14))} with Lee Harris"
    assert "In time" in _summary_row(tab, "Next due")
    sessions = _table(tab, "Your sessions").locator("tbody tr")
    assert sessions.count() == 3
    assert sessions.first.locator("td").all_inner_texts() == [
        _short(_day(14)),
        "Lee Harris",
        "Case supervision",
        "90",
    ]
    assert "Reflective supervision" in sessions.nth(1).inner_text()
    actions = _table(tab, "Actions you own from case directions").locator("tbody tr")
    amelia = actions.filter(has_text="Amelia Whitfield").inner_text()
    assert DIRECTION_ACTION in amelia and "Open" in amelia
    assert actions.filter(has_text="Leo Carter").count() == 1
    tab.screenshot("assurance-my-supervision")

    tab.goto(f"/children/{world.cp_child.public_id}/")
    nav = page.get_by_role("navigation", name="Child's record")
    tab.follow(nav.get_by_role("link", name="Audits and supervision"))
    assert nav.locator("[aria-current=page]").inner_text() == "Audits and supervision"
    _check(tab, title="Audits and supervision – Amelia Whitfield")
    card = page.locator(".govuk-summary-card").filter(has_text=DIRECTION_DECIDED)
    assert card.count() == 1
    text = card.inner_text()
    assert f"Case supervision, {_short(_day(14))}" in text
    assert "Lee Harris, in supervision with Sam Okafor" in text
    row = card.locator("tbody tr")
    assert row.locator("td").all_inner_texts() == [
        DIRECTION_ACTION,
        "Sam Okafor",
        _short(timezone.localdate() + timedelta(days=7)),
        "Open",
    ]
    audits_table = _table(tab, "Completed audits").locator("tbody tr")
    assert audits_table.count() == 1
    assert audits_table.locator("td").nth(1).inner_text() == "Good"
    assert "Being moderated by Carla Mendes" in audits_table.inner_text()
    # The supervisee's own notes are not on the child's record.
    assert "training on court work" not in page.content()
    tab.screenshot("assurance-child-tab")

    # Leo's record has his manager's oversight of the placement, with no session behind it.
    tab.goto(f"/children/{world.looked_after_child.public_id}/assurance/")
    _check(tab, title="Audits and supervision – Leo Carter")
    card = page.locator(".govuk-summary-card").filter(has_text=OVERSIGHT_DECIDED)
    assert f"Placement move, {_short(_day(5))}" in card.inner_text()
    assert _summary_row(tab, "By") == "Lee Harris"
    assert "Ask the fostering team for a support plan for the carers" in card.locator("tbody").inner_text()


# ---------------------------------------------------------------------------------------------
# 7. Without JavaScript
# ---------------------------------------------------------------------------------------------


def test_the_audit_form_works_without_javascript(tab_without_js, world, assurance):
    """axe-core cannot run in a page without JavaScript (its timers never fire), so these pages are
    checked for their structure here; the tests above check the same pages with axe-core."""
    tab = tab_without_js
    page = tab.page
    audit = assurance.draft_audit
    tab.sign_in(assurance.auditor)
    tab.goto("/assurance/my-audits/")
    _check_structure(tab, title="My audits", h1="My audits")
    tab.follow(page.get_by_role("link", name=re.compile("^Leo Carter")))
    _check_structure(tab, title="Case audit of Leo Carter", h1="Case audit of Leo Carter")
    assert page.locator("textarea[name^=action_][name$=_what]").count() == 3
    # The guidance is there to read without a script to open it (a <details> element).
    assert page.locator("details").first.locator("summary").inner_text().startswith("What good looks like")

    domains = _domains(assurance.tool)
    _choose(tab, f"Grade for {domains[0].title}", "Inadequate")
    page.get_by_label(f"Evidence for the grade in {domains[0].title}", exact=True).fill(
        "No visit for two months."
    )
    page.get_by_label("Action 1: what must be done").fill("Visit Leo this week")
    tab.follow(page.get_by_role("button", name="Add another action"))
    # The form comes back with four rows and everything typed in it; nothing is saved yet.
    assert tab.path == f"/assurance/audits/{audit.pk}/edit/"
    assert page.locator("textarea[name^=action_][name$=_what]").count() == 4
    assert page.get_by_label("Action 1: what must be done").input_value() == "Visit Leo this week"
    assert _chosen(tab, f"Grade for {domains[0].title}", "Inadequate")
    _check_structure(tab, title="Case audit of Leo Carter", h1="Case audit of Leo Carter")

    tab.follow(page.get_by_role("button", name="Save as a draft"))
    assert "The audit has been saved as a draft." in _alert(tab)
    assert page.get_by_label("Action 1: what must be done").input_value() == "Visit Leo this week"
    audit.refresh_from_db()
    assert audit.status == am.CaseAudit.Status.IN_PROGRESS
    assert audit.grades.get(domain=domains[0]).grade == "inadequate"
    # A draft sets no action and escalates nothing.
    assert not audit.actions.exists() and not am.AuditEscalation.objects.filter(audit=audit).exists()

    tab.follow(page.get_by_role("button", name="Complete the audit"))
    assert page.title().startswith("Error: ")
    summary = _error_summary(tab)
    assert f"Choose a grade for {domains[1].title}" in summary
    assert "Choose the overall grade" in summary
    _check_structure(tab, title="Error: Case audit of Leo Carter", h1="Case audit of Leo Carter")


def test_recording_supervision_works_without_javascript(tab_without_js, world, assurance):
    """Without a script the boxes for each child's direction are all shown (GOV.UK Frontend hides
    them only where it runs), so a session with a direction can still be recorded."""
    tab = tab_without_js
    page = tab.page
    tab.sign_in(world.team_manager)
    tab.goto(f"/assurance/supervision/record/?supervisee={world.social_worker.pk}")
    _check_structure(tab, title="Record supervision with Sam Okafor", h1="Record supervision with Sam Okafor")
    decided = page.get_by_label("What was decided for Leo Carter")
    assert decided.is_visible()
    page.get_by_label("How long did it last, in minutes?").fill("60")
    _choose(tab, "Type of supervision", "Case supervision")
    decided.fill("Keep Leo's placement and review it in a month.")
    page.get_by_label("Why it was decided for Leo Carter").fill("The carers have the support they asked for.")
    # Leo is not ticked: refused, and what was typed is kept.
    tab.follow(page.get_by_role("button", name="Save the session"))
    assert page.title().startswith("Error: ")
    assert "Tick Leo Carter as discussed, or clear what you wrote about them" in _error_summary(tab)
    assert (
        page.get_by_label("What was decided for Leo Carter").input_value().startswith("Keep Leo's placement")
    )
    _check_structure(
        tab, title="Error: Record supervision with Sam Okafor", h1="Record supervision with Sam Okafor"
    )
    page.get_by_label(re.compile("^Leo Carter")).check()
    tab.follow(page.get_by_role("button", name="Save the session"))
    assert tab.path.startswith("/assurance/supervision/sessions/")
    assert "with case directions for 1 child." in _alert(tab)
    direction = am.CaseDirection.objects.get(child=world.looked_after_child, session__isnull=False)
    assert direction.decided == "Keep Leo's placement and review it in a month."


# ---------------------------------------------------------------------------------------------
# A narrow screen
# ---------------------------------------------------------------------------------------------


def _narrow(tab, world, assurance):
    """The QA lead on a 360 pixel wide screen (WCAG 1.4.10 asks for 320 CSS pixels), with the
    moderation done so that every report has figures."""
    moderation.moderation_complete(
        actor=assurance.moderator,
        moderation=assurance.moderation,
        grades={d.pk: ("good", "") for d in _domains(assurance.tool)},
        overall_grade="good",
        summary="As the auditor found.",
        expected_version=assurance.moderation.version,
    )
    tab.page.set_viewport_size({"width": 360, "height": 800})
    tab.sign_in(assurance.qa_lead)


def _scrolls_sideways(tab) -> bool:
    return tab.page.evaluate("() => document.documentElement.scrollWidth > window.innerWidth")


def test_wide_tables_scroll_in_their_own_box_on_a_narrow_screen(tab, world, assurance):
    """A wide table scrolls in its own box, which a keyboard can reach (a tab stop, or a link in
    it) and a screen reader names: axe-core's scrollable-region-focusable (WCAG 2.1.1), which only
    fails when the box really scrolls. The page itself does not scroll sideways."""
    _narrow(tab, world, assurance)
    for path in (
        "/assurance/reports/calibration/",
        "/assurance/reports/agreement/",
        f"/assurance/tools/{assurance.tool.pk}/",
        f"/assurance/moderation/{assurance.moderation.pk}/",
        f"/children/{world.cp_child.public_id}/assurance/",
        "/assurance/reports/learning/",
    ):
        tab.goto(path)
        scrolling = tab.page.locator(".app-table-container").evaluate_all(
            "boxes => boxes.filter(b => b.scrollWidth > b.clientWidth).length"
        )
        assert scrolling, f"no table scrolls on {path} at 360 pixels: the check would prove nothing"
        tab.check_accessibility()
        assert not _scrolls_sideways(tab), f"{path} scrolls sideways at 360 pixels"


def test_the_agreement_and_learning_reports_do_not_scroll_sideways_on_a_narrow_screen(tab, world, assurance):
    _narrow(tab, world, assurance)
    sideways = []
    for path in ("/assurance/reports/agreement/", "/assurance/reports/learning/"):
        tab.goto(path)
        if _scrolls_sideways(tab):
            sideways.append(path)
    assert not sideways, f"These pages scroll sideways at 360 pixels: {sideways}"
