"""Pre-proceedings exports, one row per child per pre-proceedings, in two shapes:

- the CIN census 2026-27 `PreProceedingsandFGDM` block (ISO dates, 0/1 flags, CS131 outcome);
- the SSD `ssd_pre_proceedings` table (the sector's draft standard, data-formats.md).

`rows(shape, actor=...)` yields the rows for the children the actor may see, and logs an access
event for each child as it is exported: an export is a read. Without an actor (the analysts'
command, `carepath legal_export`), every child is written and nothing is logged.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import TextIO

from dateutil.relativedelta import relativedelta
from django.db.models import Q
from django.utils import timezone

from carepath.core import codes
from carepath.core.models import Channel
from carepath.journey.models import ChildProtectionPlan, Referral
from carepath.people.models import Child, User
from carepath.people.selectors import child_access_decision

from .models import CareProceedings, Hearing, LegalCaseChild, PanelDecision, PreProceedings, ProceedingsChild
from .selectors.common import log_read, visible_child_ids
from .selectors.pre_proceedings import letters_sent, meeting_summaries

CIN = "cin"
SSD = "ssd"
SHAPES = {CIN: "CIN census 2026-27 PreProceedingsandFGDM", SSD: "SSD ssd_pre_proceedings"}
EXPORT_WHAT = "Pre-proceedings export"

CIN_COLUMNS = [
    "LAchildID",
    "PPStartDate",
    "LBPSentDate",
    "FGDMMeetingOffer",
    "FGDMMeetingFac",
    "InitialPPMeetingDate",
    "ReviewMeetingsCount",
    "StepDecisionDate",
    "PPOutcome",
    "CourtAppDate",
    "LetterInitCPDate",
]

# data-formats.md lists the SSD's fields; the first two (the row and the child) follow the SSD's
# naming of its other tables, so that each row says whose it is.
SSD_COLUMNS = [
    "pre_pro_id",
    "pre_pro_person_id",
    "plo_family_id",
    "pre_pro_decision_date",
    "initial_pre_pro_meeting_date",
    "pre_pro_outcome",
    "agree_stepdown_issue_date",
    "cp_plans_referral_period",
    "prev_pre_proc_child",
    "prev_care_proc_child",
    "legal_gateway_outcome",
    "pre_pro_letter_date",
    "care_pro_letter_date",
    "pre_pro_meetings_num",
    "pre_pro_parents_legal_rep",
    "parents_legal_rep_point_of_issue",
    "court_reference",
    "care_proc_court_hearings",
    "care_proc_short_notice",
    "short_notice_reason",
    "la_initial_plan_approved",
    "la_initial_care_plan",
    "la_final_plan_approved",
    "la_final_care_plan",
]
COLUMNS = {CIN: CIN_COLUMNS, SSD: SSD_COLUMNS}

# SSD values that are not in carepath's code lists because carepath never records them: the SSD's
# "D Unknown" gateway outcome (no panel decision on record) and its answer for a child who is not
# (yet) in issued care proceedings.
SSD_GATEWAY_UNKNOWN = "D"
SSD_NOT_IN_PROCEEDINGS = "Not in care proceedings"


def _iso(value: date | None) -> str:
    return value.isoformat() if value else ""


def census_year(year_start: date) -> tuple[date, date]:
    """The census year that begins on `year_start` (1 April): to the day before its anniversary."""
    return year_start, year_start + relativedelta(years=1) - relativedelta(days=1)


@dataclass
class _Facts:
    """Everything the rows need, read in a fixed number of queries whatever the number of rows."""

    pps: list[PreProceedings]
    members: dict[int, list[Child]]
    meetings: dict
    letters: dict
    proceedings: dict[int, CareProceedings]
    proceedings_rows: dict[tuple[int, int], ProceedingsChild]
    hearings_held: dict[int, int]
    gateway: dict[tuple[int, int], str]


def _facts(*, actor: User | None, year_start: date | None) -> _Facts:
    pps = PreProceedings.objects.select_related("legal_case", "decision").order_by("started_on", "pk")
    if year_start is not None:
        start, end = census_year(year_start)
        pps = pps.filter(started_on__lte=end).filter(
            Q(step_decision_on__isnull=True) | Q(step_decision_on__gte=start)
        )
    pps = list(pps)
    member_ids: dict[int, list[int]] = defaultdict(list)
    for case_id, child_id in (
        LegalCaseChild.objects.filter(legal_case_id__in={pp.legal_case_id for pp in pps})
        .order_by("pk")
        .values_list("legal_case_id", "child_id")
    ):
        member_ids[case_id].append(child_id)
    every_child = {c for ids in member_ids.values() for c in ids}
    allowed = every_child if actor is None else visible_child_ids(actor, every_child)
    children = {c.pk: c for c in Child.objects.filter(pk__in=allowed)}
    members = {case_id: [children[c] for c in ids if c in children] for case_id, ids in member_ids.items()}
    pp_ids = [pp.pk for pp in pps]
    proceedings: dict[int, CareProceedings] = {}
    for record in CareProceedings.objects.filter(pre_proceedings_id__in=pp_ids).order_by("pk"):
        proceedings[record.pre_proceedings_id] = record  # the latest, should there be more than one
    proceedings_rows = {
        (row.proceedings_id, row.child_id): row
        for row in ProceedingsChild.objects.filter(proceedings__in=list(proceedings.values()))
    }
    today = timezone.localdate()
    hearings_held: dict[int, int] = defaultdict(int)
    for proceedings_id in (
        Hearing.objects.filter(proceedings__in=list(proceedings.values()), held_on__lte=today)
        .exclude(effective=False)
        .values_list("proceedings_id", flat=True)
    ):
        hearings_held[proceedings_id] += 1
    # Each child's own panel decision on the request that started pre-proceedings.
    requests = {pp.decision.request_id for pp in pps if pp.decision_id}
    gateway = {
        (request_id, child_id): outcome
        for request_id, child_id, outcome in PanelDecision.objects.filter(
            request_id__in=requests
        ).values_list("request_id", "child_id", "outcome")
    }
    return _Facts(
        pps=pps,
        members=members,
        meetings=meeting_summaries(pp_ids),
        letters=letters_sent(pp_ids),
        proceedings=proceedings,
        proceedings_rows=proceedings_rows,
        hearings_held=hearings_held,
        gateway=gateway,
    )


def _cin_row(facts: _Facts, pp: PreProceedings, child: Child) -> dict[str, str]:
    initial_on, reviews = facts.meetings.get(pp.pk, (None, 0))
    _sent, first_letter = facts.letters.get(pp.pk, (0, None))
    record = facts.proceedings.get(pp.pk)
    in_court = record is not None and (record.pk, child.pk) in facts.proceedings_rows
    return {
        "LAchildID": child.case_number,
        "PPStartDate": _iso(pp.started_on),
        "LBPSentDate": _iso(first_letter),
        "FGDMMeetingOffer": "1" if pp.fgdm_offered_on else "0",
        "FGDMMeetingFac": "1" if pp.fgdm_held_on else "0",
        "InitialPPMeetingDate": _iso(initial_on),
        "ReviewMeetingsCount": str(reviews),
        "StepDecisionDate": _iso(pp.step_decision_on),
        "PPOutcome": codes.CIN_PP_OUTCOME.get(pp.outcome, "") if pp.outcome else "",
        "CourtAppDate": _iso(record.issued_on) if in_court else "",
        "LetterInitCPDate": _iso(record.letter_to_initiate_sent_on) if in_court else "",
    }


def _history(facts: _Facts) -> tuple[dict, dict, dict]:
    """For the SSD's counts: each child's pre-proceedings and issued proceedings, and the child
    protection plans of the referral open when pre-proceedings started."""
    child_ids = {c.pk for kids in facts.members.values() for c in kids}
    starts: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for child_id, started_on, pp_id in LegalCaseChild.objects.filter(
        child_id__in=child_ids, legal_case__pre_proceedings__isnull=False
    ).values_list("child_id", "legal_case__pre_proceedings__started_on", "legal_case__pre_proceedings__pk"):
        starts[child_id].append((started_on, pp_id))
    issued: dict[int, list[date]] = defaultdict(list)
    for child_id, issued_on in ProceedingsChild.objects.filter(
        child_id__in=child_ids, proceedings__issued_on__isnull=False
    ).values_list("child_id", "proceedings__issued_on"):
        issued[child_id].append(issued_on)
    referrals: dict[int, list[tuple[date, date | None]]] = defaultdict(list)
    for child_id, referred, closed in Referral.objects.filter(child_id__in=child_ids).values_list(
        "child_id", "referral_date", "closure_date"
    ):
        referrals[child_id].append((referred, closed))
    plans: dict[int, list[date]] = defaultdict(list)
    for child_id, started in ChildProtectionPlan.objects.filter(child_id__in=child_ids).values_list(
        "child_id", "start_date"
    ):
        plans[child_id].append(started)
    return starts, issued, {"referrals": referrals, "plans": plans}


def _cp_plans_in_referral(child_id: int, on: date, cp: dict) -> int:
    """Child protection plans started in the referral (CIN episode) open on `on`."""
    open_then = [
        (referred, closed)
        for referred, closed in cp["referrals"][child_id]
        if referred <= on and (closed is None or closed >= on)
    ]
    if not open_then:
        return 0
    referred, closed = max(open_then)
    return sum(
        1
        for started in cp["plans"][child_id]
        if started >= referred and (closed is None or started <= closed)
    )


def _ssd_row(facts: _Facts, pp: PreProceedings, child: Child, history) -> dict[str, str]:
    starts, issued, cp = history
    initial_on, reviews = facts.meetings.get(pp.pk, (None, 0))
    _sent, first_letter = facts.letters.get(pp.pk, (0, None))
    record = facts.proceedings.get(pp.pk)
    row = facts.proceedings_rows.get((record.pk, child.pk)) if record else None
    in_court = row is not None and record.issued_on is not None
    if pp.decision_id:
        outcome = facts.gateway.get((pp.decision.request_id, child.pk), pp.decision.outcome)
        gateway = codes.SSD_GATEWAY_OUTCOME.get(outcome, SSD_GATEWAY_UNKNOWN)
    else:
        gateway = SSD_GATEWAY_UNKNOWN
    final_plan = ""
    if in_court:
        final_plan = row.final_care_plan or ("" if row.final_order else codes.CourtCarePlan.NOT_YET_FINAL)
    return {
        "pre_pro_id": f"{pp.pk}-{child.pk}",
        "pre_pro_person_id": child.case_number,
        "plo_family_id": pp.legal_case.reference,
        "pre_pro_decision_date": _iso(pp.started_on),
        "initial_pre_pro_meeting_date": _iso(initial_on),
        "pre_pro_outcome": codes.PreProceedingsOutcome(pp.outcome).label if pp.outcome else "",
        "agree_stepdown_issue_date": _iso(pp.step_decision_on),
        "cp_plans_referral_period": str(_cp_plans_in_referral(child.pk, pp.started_on, cp)),
        "prev_pre_proc_child": str(
            sum(
                1
                for started, pk in starts[child.pk]
                if pk != pp.pk and (started, pk) < (pp.started_on, pp.pk)
            )
        ),
        "prev_care_proc_child": str(sum(1 for day in issued[child.pk] if day < pp.started_on)),
        "legal_gateway_outcome": gateway,
        "pre_pro_letter_date": _iso(first_letter),
        "care_pro_letter_date": _iso(record.letter_to_initiate_sent_on) if in_court else "",
        "pre_pro_meetings_num": str(reviews),
        "pre_pro_parents_legal_rep": pp.parents_legal_representation,
        "parents_legal_rep_point_of_issue": record.parents_legal_representation
        if in_court
        else SSD_NOT_IN_PROCEEDINGS,
        "court_reference": record.case_number if in_court else "",
        "care_proc_court_hearings": str(facts.hearings_held.get(record.pk, 0)) if in_court else "",
        "care_proc_short_notice": (
            (codes.YesNoUnknown.YES if record.short_notice else codes.YesNoUnknown.NO).value
            if in_court
            else SSD_NOT_IN_PROCEEDINGS
        ),
        "short_notice_reason": record.short_notice_reason if in_court else "",
        "la_initial_plan_approved": row.initial_plan_approved if in_court else "",
        "la_initial_care_plan": row.initial_care_plan if in_court else "",
        "la_final_plan_approved": row.final_plan_approved if in_court else "",
        "la_final_care_plan": final_plan,
    }


def rows(shape: str, *, actor: User | None, year_start: date | None = None) -> Iterator[dict[str, str]]:
    """The export's rows, one per child per pre-proceedings, for the children `actor` may see
    (every child when there is no actor). Each child is logged as read when first exported."""
    if shape not in COLUMNS:
        raise ValueError(f"Unknown export shape {shape!r}: choose from {', '.join(COLUMNS)}")
    facts = _facts(actor=actor, year_start=year_start)
    history = _history(facts) if shape == SSD else None
    logged: set[int] = set()
    for pp in facts.pps:
        for child in facts.members.get(pp.legal_case_id, []):
            if actor is not None and child.pk not in logged:
                decision = child_access_decision(actor, child)
                if not decision.allowed:  # the child's access changed since the list was read
                    continue
                log_read(actor, child, decision, EXPORT_WHAT, Channel.EXPORT)
                logged.add(child.pk)
            yield _cin_row(facts, pp, child) if shape == CIN else _ssd_row(facts, pp, child, history)


def write_csv(shape: str, records: Iterable[dict[str, str]], out: TextIO) -> int:
    """Write the rows as CSV with the shape's header; returns how many rows were written."""
    writer = csv.DictWriter(out, fieldnames=COLUMNS[shape], lineterminator="\n")
    writer.writeheader()
    count = 0
    for record in records:
        writer.writerow(record)
        count += 1
    return count
