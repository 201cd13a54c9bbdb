"""The assurance reports (F18): agreement between auditors and moderators, calibration flags for the
QA lead, and the learning report. Figures count only audits of children the reader may see, and
every count opens the list of the audits behind it (F19)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from carepath.assurance import models as am
from carepath.assurance.agreement import weighted_kappa
from carepath.assurance.selectors import reports as selectors
from carepath.core.models import AccessEvent, Channel
from tests import factories as f
from tests.assurance import factories as af
from tests.assurance.helpers_f18 import completed_audit, moderated

pytestmark = pytest.mark.django_db

GOOD, OUTSTANDING, RI, INADEQUATE = "good", "outstanding", "requires_improvement", "inadequate"
RANK = {OUTSTANDING: 0, GOOD: 1, RI: 2, INADEQUATE: 3}
SAFETY, VOICE, PLANNING = "Safety and risk", "The child's voice", "Planning and progress"


def named(child, last_name):
    """A name no other word on the page contains, for "not in the page" checks."""
    child.last_name = last_name
    child.save(update_fields=["last_name"])
    return child


def section(html: str, marker: str) -> str:
    start = html.index(marker)
    return html[start : html.index("</table>", start)]


def row_of(table: str, label: str) -> str:
    return next(r for r in table.split("<tr")[2:] if label in r)


@pytest.fixture
def world(db):
    """Two teams. Auditor Ash audits two children of team North (one graded the same as the
    moderator, one graded higher), auditor Birch one child of North (same grades throughout) and one
    child of team South."""
    tool = af.audit_tool()
    north, north_manager, _ = af.team_with_managers()
    south, _south_manager, _ = af.team_with_managers()
    ash = f.UserFactory(role="qa_auditor", scope="audit_sample", first_name="Ash", last_name="Auditorone")
    birch = f.UserFactory(role="qa_auditor", scope="audit_sample", first_name="Birch", last_name="Auditortwo")
    mod = f.UserFactory(role="qa_auditor", scope="audit_sample")
    same = named(af.open_child(team=north)[0], "Quorrasame")
    higher = named(af.open_child(team=north)[0], "Quorrahigher")
    birchs = named(af.open_child(team=north)[0], "Quorrabirch")
    southern = named(af.open_child(team=south)[0], "Quorrasouth")
    a1 = completed_audit(same, tool=tool, auditor=ash, grade=GOOD)
    moderated(a1, moderator=mod)
    a2 = completed_audit(higher, tool=tool, auditor=ash, grade=OUTSTANDING)
    moderated(a2, moderator=mod, grade=GOOD)
    a3 = completed_audit(birchs, tool=tool, auditor=birch, grade=GOOD)
    moderated(a3, moderator=mod)
    a4 = completed_audit(southern, tool=tool, auditor=birch, grade=RI, domain_grades={SAFETY: INADEQUATE})
    moderated(a4, moderator=mod, grade=GOOD, domain_grades={SAFETY: RI})
    unmoderated = completed_audit(af.open_child(team=north)[0], tool=tool, auditor=ash)
    return {
        "tool": tool,
        "north": north,
        "south": south,
        "north_manager": north_manager,
        "ash": ash,
        "birch": birch,
        "children": {"same": same, "higher": higher, "birch": birchs, "south": southern},
        "audits": [a1, a2, a3, a4],
        "unmoderated": unmoderated,
    }


def director():
    return f.UserFactory(role="director")


# ---------------------------------------------------------------------------------------------
# Agreement
# ---------------------------------------------------------------------------------------------


def test_agreement_figures_overall_and_by_auditor_team_and_domain(world):
    report = selectors.agreement_report(director())
    assert report.audits == 4  # the unmoderated audit is not counted
    pairs = [(1, 1)] * 3 + [(0, 1)] * 3 + [(1, 1)] * 3 + [(3, 2), (2, 1), (2, 1)]
    assert report.overall.result.pairs == 12 and report.overall.result.agreed == 6
    assert report.overall.result.percentage == pytest.approx(50.0)
    assert report.overall.result.kappa == pytest.approx(weighted_kappa(pairs, 4))
    assert report.overall.auditor_higher == 3
    # Overall grades: good/good, outstanding/good, good/good, RI/good.
    assert report.overall_grades.result.agreed == 2 and report.overall_grades.auditor_higher == 1
    ash, birch = (next(r for r in report.by_auditor if r.label == str(world[k])) for k in ("ash", "birch"))
    assert (ash.audits, ash.result.pairs, ash.result.agreed, ash.auditor_higher) == (2, 6, 3, 3)
    # The moderator said good every time: Ash's agreement is no better than chance.
    assert ash.result.kappa == pytest.approx(0.0)
    assert birch.result.percentage == pytest.approx(50.0)
    teams = {r.label: r for r in report.by_team}
    assert set(teams) == {world["north"].name, world["south"].name}
    assert (teams[world["north"].name].audits, teams[world["south"].name].audits) == (3, 1)
    domains = {r.label: r for r in report.by_domain}
    assert set(domains) == {SAFETY, VOICE, PLANNING}
    assert domains[SAFETY].result.agreed == 2 and domains[SAFETY].result.pairs == 4
    higher = {str(r.auditor): r for r in report.higher}
    assert (higher[str(world["ash"])].higher_any, higher[str(world["ash"])].higher_overall) == (1, 1)
    assert higher[str(world["ash"])].higher_grades == 3
    assert (higher[str(world["birch"])].higher_any, higher[str(world["birch"])].higher_grades) == (0, 0)


def test_a_group_graded_all_one_grade_says_kappa_cannot_be_worked_out(world, client):
    lone = f.UserFactory(role="qa_auditor", scope="audit_sample", first_name="Cedar", last_name="Onegrade")
    moderated(completed_audit(af.open_child()[0], auditor=lone, grade=GOOD))
    client.force_login(director())
    html = client.get(reverse("assurance:report-agreement")).content.decode()
    row = row_of(section(html, 'id="by-auditor"'), "Onegrade")
    assert "Cannot be worked out" in row and "100.0%" in row
    assert "every grade in this group" in row


def test_the_counts_open_the_audits_behind_them(world, client):
    client.force_login(director())
    url = reverse("assurance:report-agreement")
    html = client.get(url).content.decode()
    children = world["children"]
    higher_link = f"?show=higher:{world['ash'].pk}#audits"
    assert higher_link in html
    listed = client.get(url, {"show": f"higher:{world['ash'].pk}"}).content.decode()
    audits = listed[listed.index('id="audits"') :]
    assert "Quorrahigher" in audits and "Quorrasame" not in audits and "Quorrabirch" not in audits
    listed = client.get(url, {"show": f"team:{world['south'].pk}"}).content.decode()
    audits = listed[listed.index('id="audits"') :]
    assert "Quorrasouth" in audits and "Quorrasame" not in audits
    listed = client.get(url, {"show": f"auditor:{world['birch'].pk}"}).content.decode()
    audits = listed[listed.index('id="audits"') :]
    assert "Quorrabirch" in audits and "Quorrasouth" in audits and "Quorrahigher" not in audits
    assert "the auditor graded higher" not in audits
    # A list names children: each is logged as read.
    assert AccessEvent.objects.filter(child=children["south"], what="Agreement report").exists()
    listed = client.get(url, {"show": f"domain:{SAFETY}"}).content.decode()
    assert listed[listed.index('id="audits"') :].count("<tr") == 5  # the header and four audits


def test_a_team_managers_agreement_report_is_about_their_teams_children_only(world, client):
    manager = world["north_manager"]
    report = selectors.agreement_report(manager, show="all")
    assert report.audits == 3
    assert {a.audit.child for a in report.listed} == {
        world["children"][k] for k in ("same", "higher", "birch")
    }
    assert [r.label for r in report.by_team] == [world["north"].name]
    client.force_login(manager)
    html = client.get(reverse("assurance:report-agreement"), {"show": "all"}).content.decode()
    assert "Quorrasouth" not in html and "Quorrahigher" in html
    csv_text = client.get(reverse("assurance:report-agreement"), {"download": "grades"}).content.decode()
    assert "Quorrasouth" not in csv_text and "Quorrasame" in csv_text


def test_agreement_downloads(world, client):
    client.force_login(director())
    url = reverse("assurance:report-agreement")
    summary = client.get(url, {"download": "summary"})
    assert summary["Content-Type"].startswith("text/csv")
    lines = summary.content.decode().splitlines()
    assert lines[0].startswith("By,Group,Audits")
    assert any(line.startswith(f"Auditor,{world['ash']},2,6,3,50.0,0.00") for line in lines)
    assert not AccessEvent.objects.filter(channel=Channel.EXPORT).exists()  # figures name no child
    grades = client.get(url, {"download": "grades"}).content.decode().splitlines()
    assert len(grades) == 1 + 12
    higher = next(line for line in grades if "Quorrahigher" in line and SAFETY in line)
    assert 'Outstanding,Good,"Different: the auditor graded higher, by one grade"' in higher
    exported = AccessEvent.objects.filter(channel=Channel.EXPORT)
    assert {e.child for e in exported} == set(world["children"].values())


def test_the_reports_need_the_assurance_function(world, client):
    for user in (f.UserFactory(role="qa_auditor", scope="audit_sample"), f.UserFactory()):
        client.force_login(user)
        for name in ("report-agreement", "report-calibration", "report-learning"):
            assert client.get(reverse(f"assurance:{name}")).status_code == 403, name


# ---------------------------------------------------------------------------------------------
# Calibration
# ---------------------------------------------------------------------------------------------

FINDINGS = [
    {
        "kind": "overdue",
        "rule_id": "CP-VISIT",
        "name": "Child protection visit, child seen, at least every 10 working days",
        "why": "Plan started on 3 Feb 2025: visit due by 17 Feb 2025 (10 working days).",
        "due_on": "2025-02-17",
    },
    {
        "kind": "section_20",
        "rule_id": "S20-CONSENT",
        "name": "Section 20 consent evidence complete within 1 working day of accommodation",
        "why": "Section 20 began on 3 Mar 2025.",
        "due_on": "2025-03-04",
    },
]


def flagged(audit, **kw):
    return am.CalibrationFlag.objects.create(
        audit=audit,
        child=audit.child,
        raised_on=date.today(),
        as_at=audit.completed_on,
        findings=FINDINGS,
        **kw,
    )


def test_the_calibration_report_shows_open_flags_with_their_specifics_and_links_its_counts(world, client):
    a1, a2, a3, _a4 = world["audits"]
    open_flag = flagged(a2)
    flagged(a3, outcome="stands", reviewed_on=date.today(), review_note="Explained.")
    lead = f.UserFactory(role="qa_lead")
    report = selectors.calibration_report(lead)
    # Good or better: a1, a2, a3 and the unmoderated audit; a4 was graded requires improvement.
    assert (report.good_or_better, report.flagged, report.open, report.stands, report.regraded) == (
        4,
        2,
        1,
        1,
        0,
    )
    client.force_login(lead)
    url = reverse("assurance:report-calibration")
    html = client.get(url).content.decode()
    assert "Child protection visit, child seen, at least every 10 working days" in html
    assert "Missing section 20 consent evidence" in html
    assert reverse("assurance:calibration-flag", args=[open_flag.pk]) in html
    assert 'data-count="flagged">2<' in html
    listed = client.get(url, {"show": "open"}).content.decode()
    audits = listed[listed.index('id="audits"') :]
    assert "Quorrahigher" in audits and "Quorrabirch" not in audits
    listed = client.get(url, {"show": "good"}).content.decode()
    audits = listed[listed.index('id="audits"') :]
    assert "Quorrasame" in audits and "Quorrasouth" not in audits
    assert AccessEvent.objects.filter(actor=lead, child=a2.child, what="Calibration report").exists()


def test_the_qa_lead_reviews_a_flag_on_its_page_and_a_manager_only_reads_it(world, client):
    flag = flagged(world["audits"][1])
    url = reverse("assurance:calibration-flag", args=[flag.pk])
    client.force_login(world["north_manager"])
    html = client.get(url).content.decode()
    assert "Waiting for review" in html and 'name="outcome"' not in html
    assert client.post(url, {"version": 1, "outcome": "stands", "note": "x"}).status_code == 200
    assert am.CalibrationFlag.objects.get(pk=flag.pk).outcome == ""
    outsider = f.UserFactory(role="team_manager", team=world["south"])
    client.force_login(outsider)
    assert client.get(url).status_code == 404  # a child outside their team
    lead = f.UserFactory(role="qa_lead")
    client.force_login(lead)
    html = client.post(url, {"version": 1, "outcome": "too_generous"}).content.decode()
    assert "Enter why" in html
    response = client.post(url, {"version": 1, "outcome": "too_generous", "note": "The visits were missed."})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert (flag.outcome, flag.reviewed_by, flag.review_note) == (
        "too_generous",
        lead,
        "The visits were missed.",
    )


# ---------------------------------------------------------------------------------------------
# Learning
# ---------------------------------------------------------------------------------------------


def action(audit, *, due, done=None):
    return am.AuditAction.objects.create(
        audit=audit,
        child=audit.child,
        action="Visit the child and see them alone",
        owner=audit.child.allocated_worker,
        set_on=due - timedelta(days=20),
        due_on=due,
        done_on=done,
    )


def test_the_learning_report_grades_by_domain_with_an_accessible_chart_and_table(world, client):
    report = selectors.learning_report(director())
    assert report.audits == 5
    safety = next(d for d in report.domains if d.title == SAFETY)
    # Safety: good (a1, a3, unmoderated), outstanding (a2), inadequate (a4).
    assert [(code, n) for code, n, _show in safety.counts] == [
        (OUTSTANDING, 1),
        (GOOD, 3),
        (RI, 0),
        (INADEQUATE, 1),
    ]
    assert (safety.total, safety.below_good) == (5, 1)
    client.force_login(director())
    url = reverse("assurance:report-learning")
    html = client.get(url).content.decode()
    assert 'role="img"' in html and 'aria-labelledby="grades-chart-title grades-chart-desc"' in html
    assert '<title id="grades-chart-title">' in html and '<desc id="grades-chart-desc">' in html
    assert "Audits by the grade given in each domain</caption>" in html
    assert f'data-count="grade:{SAFETY}:inadequate">1<' in html
    listed = client.get(url, {"show": f"grade:{SAFETY}:inadequate"}).content.decode()
    audits = listed[listed.index('id="audits"') :]
    assert "Quorrasouth" in audits and "Quorrasame" not in audits
    csv_lines = client.get(url, {"download": "grades"}).content.decode().splitlines()
    assert csv_lines[0] == "Domain,Outstanding,Good,Requires improvement,Inadequate,Audits graded,Below good"
    assert f"{SAFETY},1,3,0,1,5,1" in csv_lines


def test_the_learning_report_filters_by_period_team_and_programme(world, client):
    old = completed_audit(af.open_child(team=world["north"])[0], on=date.today() - timedelta(days=200))
    client.force_login(director())
    start = date.today() - timedelta(days=30)
    report_all = selectors.learning_report(director())
    assert old.pk in {a.pk for a in report_all.all_audits}
    filters = selectors.Filters(date_from=start, team_id=world["south"].pk)
    assert [a.child for a in selectors.learning_report(director(), filters).all_audits] == [
        world["children"]["south"]
    ]
    html = client.get(
        reverse("assurance:report-learning"),
        {"date_from_0": start.day, "date_from_1": start.month, "date_from_2": start.year, "show": "all"},
    ).content.decode()
    audits = html[html.index('id="audits"') :]
    assert escape(old.child.full_name) not in audits and "Quorrasame" in audits


def test_actions_on_time_late_and_overdue(world, client):
    today = date.today()
    a1, a2, _a3, a4 = world["audits"]
    action(a4, due=today - timedelta(days=10), done=today - timedelta(days=10))  # on the day: on time
    action(a4, due=today - timedelta(days=10), done=today - timedelta(days=3))  # late
    action(a1, due=today - timedelta(days=1))  # overdue
    action(a2, due=today + timedelta(days=5))  # not yet due
    counts = selectors.learning_report(director()).actions
    assert (counts.on_time, counts.late, counts.open_overdue, counts.open_not_due) == (1, 1, 1, 1)
    client.force_login(director())
    url = reverse("assurance:report-learning")
    listed = client.get(url, {"show": "actions:open_overdue"}).content.decode()
    actions = listed[listed.index('id="audits"') :]
    assert "Quorrasame" in actions and "Quorrasouth" not in actions
    csv_text = client.get(url, {"download": "actions"}).content.decode()
    assert csv_text.count("Visit the child and see them alone") == 4
    assert "Actions done late" in csv_text
    assert AccessEvent.objects.filter(channel=Channel.EXPORT, child=world["children"]["south"]).exists()


def test_repeat_findings_for_a_child_and_for_a_team_in_consecutive_programmes(world, client):
    tool = world["tool"]
    lead = f.UserFactory(role="qa_lead")

    def programme(name, drawn):
        return am.AuditProgramme.objects.create(
            name=name,
            kind="monthly",
            tool=tool,
            sample_size=2,
            random_seed=1,
            drawn_on=drawn,
            due_on=drawn + timedelta(days=20),
            created_by=lead,
        )

    today = date.today()
    september, october = (
        programme("September audits", today - timedelta(days=80)),
        programme("October audits", today - timedelta(days=50)),
    )
    child = named(af.open_child(team=world["south"])[0], "Quorrarepeat")
    other = named(af.open_child(team=world["south"])[0], "Quorraother")
    completed_audit(
        child,
        tool=tool,
        grade=GOOD,
        domain_grades={VOICE: RI},
        on=today - timedelta(days=70),
        programme=september,
    )
    completed_audit(
        child,
        tool=tool,
        grade=GOOD,
        domain_grades={VOICE: INADEQUATE},
        on=today - timedelta(days=40),
        programme=october,
    )
    completed_audit(
        other,
        tool=tool,
        grade=GOOD,
        domain_grades={PLANNING: RI},
        on=today - timedelta(days=40),
        programme=october,
    )
    report = selectors.learning_report(director())
    [repeat] = report.repeats_for_children
    assert (repeat.child, repeat.domain, len(repeat.audits)) == (child, VOICE, 2)
    [team_repeat] = report.repeats_for_teams
    assert (team_repeat.team, team_repeat.domain) == (world["south"], VOICE)
    assert (team_repeat.earlier, team_repeat.later) == (september, october)
    client.force_login(director())
    html = client.get(reverse("assurance:report-learning")).content.decode()
    children_table = section(html, 'id="repeats-children"')
    assert "Quorrarepeat" in children_table and "Quorraother" not in children_table
    assert "September audits, then October audits" in section(html, 'id="repeats-teams"')
