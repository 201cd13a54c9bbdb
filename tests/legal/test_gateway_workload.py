"""The legal workload (F05): cases and children per solicitor and legal team, and how long
children wait at each step, worked out by hand for a small constructed authority."""

from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse

from carepath.core import codes
from carepath.core.permissions import Role
from carepath.legal import models as lm
from carepath.legal.selectors import gateway as sel
from carepath.people import models as pm
from tests import factories as f
from tests.legal import factories as lf

pytestmark = pytest.mark.django_db

TODAY = date(2026, 6, 1)


def ago(days: int) -> date:
    return TODAY - timedelta(days=days)


@pytest.fixture
def authority():
    """Case 1 (Ann and Ben, solicitor Sam): decided 14 days after the request, pre-proceedings open
    30 days, letter after 5 days, initial meeting 10 days after it. Case 2 (Cat and Dan, Sam):
    issued 100 days ago; Dan's final order after 90 days, Cat still waiting. Case 3 (Eve, no
    solicitor): decided after 20 days, and a new request waiting 7 days."""
    with time_machine.travel(TODAY, tick=False):
        legal = f.TeamFactory(kind=pm.Team.Kind.LEGAL, name="Legal services")
        sam = f.UserFactory(role=Role.SOLICITOR, team=legal)
        ann_ben, cat_dan, eve = lf.family_of(2), lf.family_of(2), lf.family_of(1)

        case1 = lf.legal_case(ann_ben, opened_on=ago(60))
        case1.solicitor, case1.legal_team = sam, legal
        case1.save()
        first = lf.gateway_request(case1, requested_on=ago(45))
        panel = lf.panel_meeting(held_on=ago(31))
        for child in ann_ben:
            lm.PanelDecision.objects.create(
                meeting=panel,
                request=first,
                child=child,
                decided_on=ago(31),
                outcome=codes.LegalGatewayOutcome.PRE_PROCEEDINGS,
                rationale="r",
            )
        pp = lf.pre_proceedings(case1, started_on=ago(30))
        mother = lf.parent_of(ann_ben)
        father = lf.parent_of(ann_ben, kind=pm.Relationship.Kind.FATHER)
        lm.LetterBeforeProceedings.objects.create(
            pre_proceedings=pp,
            recipient=mother,
            status=lm.LetterBeforeProceedings.Status.SENT,
            sent_on=ago(25),
        )
        lm.LetterBeforeProceedings.objects.create(
            pre_proceedings=pp,
            recipient=father,
            status=lm.LetterBeforeProceedings.Status.SENT,
            sent_on=ago(20),
        )
        lm.PreProceedingsMeeting.objects.create(
            pre_proceedings=pp, kind=lm.PreProceedingsMeeting.Kind.INITIAL, held_on=ago(15)
        )

        case2 = lf.legal_case(cat_dan, opened_on=ago(200))
        case2.solicitor, case2.legal_team = sam, legal
        case2.save()
        court = lf.proceedings(case2, decided_on=ago(110), issued_on=ago(100))
        dan = court.children.get(child=cat_dan[1])
        dan.final_order, dan.final_order_on = codes.FinalOrder.choices[0][0], ago(10)
        dan.save()

        case3 = lf.legal_case(eve, opened_on=ago(50))
        decided = lf.gateway_request(case3, requested_on=ago(40))
        lm.PanelDecision.objects.create(
            meeting=panel,
            request=decided,
            child=eve[0],
            decided_on=ago(20),
            outcome=codes.LegalGatewayOutcome.FURTHER_ASSESSMENT,
            rationale="r",
        )
        lf.gateway_request(case3, requested_on=ago(7))
        # Long ago: outside the 12 months, so in no figure.
        old = lf.family_of(1)
        old_case = lf.legal_case(old, opened_on=ago(800))
        old_case.closed_on = ago(700)
        old_case.save()
        lm.PanelDecision.objects.create(
            meeting=lf.panel_meeting(held_on=ago(750)),
            request=lf.gateway_request(old_case, requested_on=ago(790)),
            child=old[0],
            decided_on=ago(750),
            outcome=codes.LegalGatewayOutcome.CONTINUE,
            rationale="r",
        )
        yield {"sam": sam, "legal": legal, "eve": eve[0], "ann_ben": ann_ben}


def test_cases_and_children_per_solicitor_and_legal_team(authority):
    rows = sel.workload_by_solicitor_and_team(f.UserFactory(role=Role.DIRECTOR))
    sam, nobody = rows["solicitors"]
    assert (sam.label, sam.cases, sam.children_pre_proceedings, sam.children_proceedings) == (
        str(authority["sam"]),
        2,
        2,  # Ann and Ben
        1,  # Cat: Dan has his final order
    )
    assert (nobody.label, nobody.cases, nobody.children_pre_proceedings, nobody.children_proceedings) == (
        "No solicitor yet",
        1,
        0,
        0,
    )
    team = rows["teams"][0]
    assert (team.label, team.cases) == ("Legal services", 2)


def test_how_long_children_wait_at_each_step(authority):
    with time_machine.travel(TODAY, tick=False):
        steps = sel.step_waits(f.UserFactory(role=Role.DIRECTOR))
    decision, letter, meeting, pre, court = steps
    assert (decision.count, decision.median, decision.longest) == (3, 14, 20)
    assert (decision.waiting_count, decision.longest_waiting) == (1, 7)
    assert (letter.count, letter.median, letter.longest, letter.waiting_count) == (2, 5, 5, 0)
    assert (meeting.count, meeting.median, meeting.waiting_count) == (2, 10, 0)
    assert (pre.count, pre.waiting_count, pre.longest_waiting) == (0, 2, 30)
    assert (court.count, court.median, court.waiting_count, court.longest_waiting) == (1, 90, 1, 100)


def test_the_waits_for_one_solicitor_leave_out_other_cases(authority):
    with time_machine.travel(TODAY, tick=False):
        decision = sel.step_waits(f.UserFactory(role=Role.DIRECTOR), solicitor_id=authority["sam"].pk)[0]
    assert (decision.count, decision.median, decision.waiting_count) == (2, 14, 0)


def test_a_user_counts_only_the_children_they_may_see(authority):
    worker = authority["eve"].allocated_worker
    rows = sel.workload_by_solicitor_and_team(worker)
    assert [(r.label, r.cases) for r in rows["solicitors"]] == [("No solicitor yet", 1)]
    with time_machine.travel(TODAY, tick=False):
        decision = sel.step_waits(worker)[0]
    assert (decision.count, decision.median, decision.waiting_count) == (1, 20, 1)


def test_the_workload_page_shows_the_figures(client, authority):
    client.force_login(f.UserFactory(role=Role.DIRECTOR))
    with time_machine.travel(TODAY, tick=False):
        html = client.get(reverse("legal:workload")).content.decode()
    table = html[html.index('id="by-solicitor"') :]
    assert str(authority["sam"]) in table.split("</table>")[0]
    steps = html[html.index('id="step-waits"') :].split("</table>")[0]
    row = steps[steps.index("From issue to the final order") :].split("</tr>")[0]
    assert [cell.split("<")[0] for cell in row.split('numeric">')[1:]] == ["1", "90", "90", "1", "100"]
