"""Pre-proceedings exports: the CIN census 2026-27 PreProceedingsandFGDM and SSD ssd_pre_proceedings
shapes for a constructed family, scoping to the actor, the reads they log, and the analysts'
command."""

import csv
import io
from datetime import date

import pytest
import time_machine
from django.core.management import call_command

from carepath.core import codes
from carepath.core.models import AccessEvent, Channel
from carepath.journey import models as jm
from carepath.legal import exports
from carepath.legal import models as lm
from carepath.people import models as pm
from tests import factories as f
from tests.legal import factories as lf

pytestmark = pytest.mark.django_db

TODAY = date(2026, 11, 2)
Outcome = codes.LegalGatewayOutcome


@pytest.fixture(autouse=True)
def _fixed_day():
    with time_machine.travel(TODAY, tick=False):
        yield


@pytest.fixture
def worker():
    return f.UserFactory()


def cp_history(child):
    """A referral open since January with two child protection plans in it, and an older one."""
    old = jm.Referral.objects.create(
        child=child,
        referral_date=date(2024, 1, 5),
        source="2A",
        primary_need="N1",
        closure_date=date(2024, 9, 1),
        closure_reason="RC8",
    )
    current = jm.Referral.objects.create(
        child=child, referral_date=date(2026, 1, 10), source="2A", primary_need="N1"
    )
    for referral, starts in ((old, [date(2024, 2, 1)]), (current, [date(2026, 2, 1), date(2026, 5, 20)])):
        for start in starts:
            conference = jm.ChildProtectionConference.objects.create(
                referral=referral, child=child, kind="initial", held_on=start, plan_required=True
            )
            jm.ChildProtectionPlan.objects.create(
                referral=referral,
                child=child,
                initial_conference=conference,
                start_date=start,
                initial_category="NEG",
                latest_category="NEG",
            )


@pytest.fixture
def family(worker):
    """Two siblings through the whole pathway: panel, pre-proceedings, proceedings."""
    older, younger = lf.family_of(2, worker=worker)
    mother = lf.parent_of([older, younger])
    father = lf.parent_of([older, younger], kind=pm.Relationship.Kind.FATHER)
    case = lf.legal_case([older, younger], opened_on=date(2026, 5, 1))
    request = lf.gateway_request(case, requested_on=date(2026, 5, 2))
    meeting = lf.panel_meeting(held_on=date(2026, 5, 6))
    decision = lm.PanelDecision.objects.create(
        meeting=meeting,
        request=request,
        child=older,
        decided_on=date(2026, 5, 6),
        outcome=Outcome.PRE_PROCEEDINGS,
        rationale="Neglect.",
    )
    lm.PanelDecision.objects.create(
        meeting=meeting,
        request=request,
        child=younger,
        decided_on=date(2026, 5, 6),
        outcome=Outcome.SECTION_20,
        rationale="Respite.",
    )
    pp = lm.PreProceedings.objects.create(
        legal_case=case,
        decision=decision,
        started_on=date(2026, 5, 6),
        fgdm_offered_on=date(2026, 5, 12),
        fgdm_accepted=True,
        fgdm_held_on=date(2026, 6, 1),
        parents_legal_representation=codes.YesNoUnknown.YES,
        step_decision_on=date(2026, 8, 20),
        outcome=codes.PreProceedingsOutcome.ISSUE,
        outcome_reason="No change.",
    )
    for recipient, sent_on in ((father, date(2026, 5, 13)), (mother, date(2026, 5, 12))):
        lm.LetterBeforeProceedings.objects.create(
            pre_proceedings=pp,
            recipient=recipient,
            status=lm.LetterBeforeProceedings.Status.SENT,
            sent_on=sent_on,
        )
    M = lm.PreProceedingsMeeting
    M.objects.create(pre_proceedings=pp, kind=M.Kind.INITIAL, held_on=date(2026, 5, 20), effective=False)
    M.objects.create(pre_proceedings=pp, kind=M.Kind.INITIAL, held_on=date(2026, 5, 26))
    M.objects.create(pre_proceedings=pp, kind=M.Kind.REVIEW, held_on=date(2026, 6, 30))
    M.objects.create(pre_proceedings=pp, kind=M.Kind.REVIEW, held_on=date(2026, 7, 28))
    M.objects.create(pre_proceedings=pp, kind=M.Kind.REVIEW, held_on=date(2026, 8, 11), effective=False)
    record = lf.proceedings(case, decided_on=date(2026, 8, 20), issued_on=date(2026, 9, 1))
    record.pre_proceedings = pp
    record.short_notice = False
    record.letter_to_initiate_sent_on = date(2026, 9, 2)
    record.parents_legal_representation = codes.YesNoUnknown.NO
    record.save()
    H = lm.Hearing
    H.objects.create(proceedings=record, kind=H.Kind.CMH, held_on=date(2026, 9, 14), effective=True)
    H.objects.create(proceedings=record, kind=H.Kind.FCMH, held_on=date(2026, 9, 25), effective=False)
    H.objects.create(proceedings=record, kind=H.Kind.IRH, held_on=date(2026, 10, 30), effective=True)
    H.objects.create(proceedings=record, kind=H.Kind.FINAL, held_on=date(2027, 2, 1))
    rows = {r.child_id: r for r in record.children.all()}
    rows[older.pk].initial_care_plan = codes.CourtCarePlan.CARE_ORDER
    rows[older.pk].initial_plan_approved = codes.YesNoUnknown.YES
    rows[older.pk].save()
    # Earlier history for the older child: a pre-proceedings that stepped down, and proceedings.
    earlier_case = lf.legal_case([older], opened_on=date(2023, 1, 1))
    lm.PreProceedings.objects.create(
        legal_case=earlier_case,
        started_on=date(2023, 1, 10),
        step_decision_on=date(2023, 4, 1),
        outcome=codes.PreProceedingsOutcome.STEP_DOWN,
        outcome_reason="Progress.",
    )
    earlier = lf.proceedings(earlier_case, decided_on=date(2023, 5, 1), issued_on=date(2023, 5, 3))
    earlier.concluded_on = date(2023, 10, 1)
    earlier.save()
    cp_history(older)
    return {"pp": pp, "older": older, "younger": younger, "case": case, "proceedings": record}


def rows_for(shape, actor, **kwargs):
    return [
        r
        for r in exports.rows(shape, actor=actor, **kwargs)
        if r.get("PPStartDate", r.get("pre_pro_decision_date")) == "2026-05-06"
    ]


def test_cin_rows_have_the_census_shape_and_values(worker, family):
    rows = rows_for(exports.CIN, worker)
    assert [list(r) for r in rows] == [exports.CIN_COLUMNS] * 2
    by_child = {r["LAchildID"]: r for r in rows}
    older = by_child[family["older"].case_number]
    assert older == {
        "LAchildID": family["older"].case_number,
        "PPStartDate": "2026-05-06",
        "LBPSentDate": "2026-05-12",  # the earliest letter sent
        "FGDMMeetingOffer": "1",
        "FGDMMeetingFac": "1",
        "InitialPPMeetingDate": "2026-05-26",  # the first that went ahead
        "ReviewMeetingsCount": "2",  # reviews that went ahead
        "StepDecisionDate": "2026-08-20",
        "PPOutcome": codes.CIN_PP_OUTCOME[codes.PreProceedingsOutcome.ISSUE],
        "CourtAppDate": "2026-09-01",
        "LetterInitCPDate": "2026-09-02",
    }
    assert by_child[family["younger"].case_number]["CourtAppDate"] == "2026-09-01"


def test_cin_row_for_an_open_pre_proceedings_without_offer(worker):
    children = lf.family_of(1, worker=worker)
    lf.pre_proceedings(lf.legal_case(children), started_on=date(2026, 10, 1))
    (row,) = list(exports.rows(exports.CIN, actor=worker))
    assert row["FGDMMeetingOffer"] == "0" and row["FGDMMeetingFac"] == "0"
    assert row["LBPSentDate"] == row["StepDecisionDate"] == row["PPOutcome"] == row["CourtAppDate"] == ""
    assert row["ReviewMeetingsCount"] == "0"


def test_ssd_rows_have_the_ssd_shape_and_values(worker, family):
    rows = rows_for(exports.SSD, worker)
    assert [list(r) for r in rows] == [exports.SSD_COLUMNS] * 2
    by_child = {r["pre_pro_person_id"]: r for r in rows}
    older = by_child[family["older"].case_number]
    assert older == {
        "pre_pro_id": f"{family['pp'].pk}-{family['older'].pk}",
        "pre_pro_person_id": family["older"].case_number,
        "plo_family_id": family["case"].reference,
        "pre_pro_decision_date": "2026-05-06",
        "initial_pre_pro_meeting_date": "2026-05-26",
        "pre_pro_outcome": "Decision to issue care proceedings",
        "agree_stepdown_issue_date": "2026-08-20",
        "cp_plans_referral_period": "2",  # the plans of the referral open when it started
        "prev_pre_proc_child": "1",
        "prev_care_proc_child": "1",
        "legal_gateway_outcome": "B",
        "pre_pro_letter_date": "2026-05-12",
        "care_pro_letter_date": "2026-09-02",
        "pre_pro_meetings_num": "2",
        "pre_pro_parents_legal_rep": "Yes",
        "parents_legal_rep_point_of_issue": "No",
        "court_reference": "NS26C00123",
        "care_proc_court_hearings": "2",  # the CMH and IRH; not the vacated FCMH or the listed final
        "care_proc_short_notice": "No",
        "short_notice_reason": "",
        "la_initial_plan_approved": "Yes",
        "la_initial_care_plan": "A",
        "la_final_plan_approved": "Unknown",
        "la_final_care_plan": "H",  # not yet at the final hearing
    }
    younger = by_child[family["younger"].case_number]
    # The younger child's own panel decision (section 20) maps to the SSD's "continue" code.
    assert younger["legal_gateway_outcome"] == codes.SSD_GATEWAY_OUTCOME[Outcome.SECTION_20] == "A"
    assert younger["prev_pre_proc_child"] == "0" and younger["cp_plans_referral_period"] == "0"


def test_ssd_row_before_issue_and_without_a_panel_decision(worker):
    children = lf.family_of(1, worker=worker)
    case = lf.legal_case(children)
    pp = lf.pre_proceedings(case, started_on=date(2026, 9, 1))
    record = lf.proceedings(case, decided_on=date(2026, 10, 1))  # decided, not issued yet
    record.pre_proceedings = pp
    record.save()
    (row,) = list(exports.rows(exports.SSD, actor=worker))
    assert row["legal_gateway_outcome"] == exports.SSD_GATEWAY_UNKNOWN
    assert (
        row["care_proc_short_notice"] == row["parents_legal_rep_point_of_issue"] == "Not in care proceedings"
    )
    assert row["court_reference"] == row["la_final_care_plan"] == row["care_proc_court_hearings"] == ""


def test_rows_are_only_for_children_the_actor_may_see_and_each_is_logged_once(worker, family):
    hidden = f.ChildFactory()
    f.allocate(hidden, f.UserFactory())
    lm.LegalCaseChild.objects.create(legal_case=family["case"], child=hidden, added_on=date(2026, 5, 6))
    rows = list(exports.rows(exports.CIN, actor=worker))
    ids = [r["LAchildID"] for r in rows]
    assert hidden.case_number not in ids
    assert ids.count(family["older"].case_number) == 2  # this and the earlier pre-proceedings
    events_ = AccessEvent.objects.filter(actor=worker, what=exports.EXPORT_WHAT)
    assert sorted(events_.values_list("child_id", flat=True)) == sorted(
        [family["older"].pk, family["younger"].pk]
    )
    assert set(events_.values_list("channel", flat=True)) == {Channel.EXPORT}


def test_census_year_filter(worker, family):
    rows = list(exports.rows(exports.CIN, actor=worker, year_start=date(2026, 4, 1)))
    assert {r["PPStartDate"] for r in rows} == {"2026-05-06"}
    rows = list(exports.rows(exports.CIN, actor=worker, year_start=date(2022, 4, 1)))
    assert {r["PPStartDate"] for r in rows} == {"2023-01-10"}


def test_csv_has_the_header_and_one_line_per_row(worker, family):
    out = io.StringIO()
    count = exports.write_csv(exports.SSD, exports.rows(exports.SSD, actor=worker), out)
    lines = list(csv.reader(io.StringIO(out.getvalue())))
    assert lines[0] == exports.SSD_COLUMNS and len(lines) == count + 1 == 4


def test_download_from_the_plo_list(client, worker, family):
    client.force_login(worker)
    response = client.get("/legal/pre-proceedings/export.csv?shape=cin")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    lines = list(csv.reader(io.StringIO(response.content.decode())))
    assert lines[0] == exports.CIN_COLUMNS and len(lines) == 4
    assert AccessEvent.objects.filter(actor=worker, what=exports.EXPORT_WHAT).count() == 2
    assert (
        "/legal/pre-proceedings/export.csv?shape=ssd"
        in client.get("/legal/pre-proceedings/").content.decode()
    )
    client.force_login(f.UserFactory(role="partner_referrer"))
    assert client.get("/legal/pre-proceedings/export.csv?shape=cin").status_code == 403


def test_command_writes_every_child_and_logs_nothing(tmp_path, family):
    other = lf.family_of(1)  # nobody's caseload matters without an actor
    lf.pre_proceedings(lf.legal_case(other), started_on=date(2026, 10, 1))
    target = tmp_path / "cin.csv"
    out = io.StringIO()
    call_command(
        "legal_export", "--format", "cin", "--out", str(target), "--year-start", "2026-04-01", stdout=out
    )
    lines = list(csv.reader(target.open()))
    assert lines[0] == exports.CIN_COLUMNS
    assert {line[0] for line in lines[1:]} == {
        family["older"].case_number,
        family["younger"].case_number,
        other[0].case_number,
    }
    assert "3 rows" in out.getvalue()
    assert not AccessEvent.objects.exists()
    out = io.StringIO()
    call_command("legal_export", "--format", "ssd", "--out", "-", stdout=out, stderr=io.StringIO())
    assert out.getvalue().splitlines()[0] == ",".join(exports.SSD_COLUMNS)
