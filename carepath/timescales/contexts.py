"""From a child's history to the spans rules apply in, each with its dated events.

A span ("context") is a referral, a section 47 enquiry, a child protection plan, a period of care,
a placement, and so on: rules.md's start and end events happen inside one. Building them is the
one place that knows how the journey's records map onto the events in events.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from carepath.core import codes
from carepath.journey import models as jm

from .history import ChildHistory, as_date

Moment = date | datetime

SEEN_KINDS = {"cp": jm.Visit.Kind.CP, "cla": jm.Visit.Kind.CLA, "cin": jm.Visit.Kind.CIN}


@dataclass
class Span:
    type: str
    id: int
    start: Moment
    end: date | None  # None while it is still going on
    events: dict[str, list[Moment]] = field(default_factory=dict)
    attributes: Callable[[date], dict] = lambda _day: {}
    reasons: dict[str, str] = field(default_factory=dict)  # end event -> a reason on the record
    owner_id: int | None = None  # who the work is for, where the record names them (a panel action)
    # A family's record (a legal case's request, pre-proceedings, proceedings) is a span of each
    # child in it: the clock's key then names the child too.
    shared: bool = False

    def key(self, rule_id: str, anchor: Moment, child_id: int) -> str:
        key = f"{rule_id}:{self.type}:{self.id}:{anchor.isoformat()}"
        return f"{key}:child{child_id}" if self.shared else key

    def occurrences(self, event: str) -> list[Moment]:
        return self.events.get(event, [])

    def dates(self, event: str) -> list[date]:
        """The event's occurrences as local dates, sorted (memoised: several rules ask)."""
        cache = self.__dict__.setdefault("_dates", {})
        found = cache.get(event)
        if found is None:
            moments = self.events.get(event, [])
            # Most events are dates already (history.py reads them so); convert only the rest.
            if all(type(m) is date for m in moments):
                found = sorted(moments)
            else:
                found = sorted(as_date(m) for m in moments)
            cache[event] = found
        return found


def _within(day: date, start: date, end: date | None) -> bool:
    return start <= day and (end is None or day <= end)


def _child_attributes(history: ChildHistory, day: date) -> dict:
    return {"age_years": history.age_on(day), "unborn": not history.born_on_or_before(day)}


def _permanence_attributes(history: ChildHistory, day: date) -> dict:
    """Under two (or unborn) on the day, and whether a parallel plan or early permanence has been
    considered by now: a flag about a missing consideration clears once one is recorded."""
    age = history.age_on(day)
    considered = any(p[2] or p[3] for p in history.permanence)
    return {
        "under_two": (age is not None and age < 2) or not history.born_on_or_before(day),
        "early_permanence_considered": considered,
    }


def _statutory_visits(history: ChildHistory, kind: str) -> list[date]:
    """Visits of the kind at which the child was seen; for an unborn child, the visit to the
    mother counts, since there is no child to see yet."""
    days = []
    for visited_at, visit_kind, seen in history.visits:
        if visit_kind != kind:
            continue
        day = as_date(visited_at)
        if seen or not history.born_on_or_before(day):
            days.append(day)
    return sorted(set(days))


def _progress(history: ChildHistory) -> list[date]:
    """Anything that moves a case on: a visit at which the child was seen, a meeting, a review, a
    decision, a plan starting or ending, management oversight."""
    days = {as_date(v) for v, _k, seen in history.visits if seen or not history.born_on_or_before(as_date(v))}
    days.update(as_date(s[2]) for s in history.strategy_discussions)
    days.update(c[3] for c in history.conferences)
    days.update(g[1] for g in history.core_groups)
    days.update(history.reviews)
    days.update(a[3] for a in history.assessments if a[3])
    # The day the response to a referral was decided (a[2]), not the day it arrived (a[1]): the
    # referral date is the drift clock's own start, so counting it moved nothing on.
    days.update(as_date(a[2]) for a in history.referrals if a[2])
    for plans in (history.cp_plans, history.cin_plans):
        for plan in plans:
            days.update(d for d in plan[2:4] if isinstance(d, date))
    days.update(e[1] for e in history.episodes)
    days.update(as_date(n) for n in history.oversight)
    days.update(history.directions)
    return sorted(days)


def _case_directions(history: ChildHistory) -> list[date]:
    """Case supervision and management oversight on the child's record: a structured case
    direction, or a case note of the management oversight kind (rules.md 7.4)."""
    return sorted({as_date(n) for n in history.oversight} | set(history.directions))


def _between(days: list[date], start: date, end: date | None) -> list[date]:
    return [d for d in days if _within(d, start, end)]


def spans_for(history: ChildHistory) -> dict[str, list[Span]]:
    spans: dict[str, list[Span]] = {}

    def child_attrs(day: date) -> dict:
        return _child_attributes(history, day)

    def add(span: Span) -> None:
        spans.setdefault(span.type, []).append(span)

    # Front door
    for contact_id, received_at, decided_at in history.contacts:
        add(
            Span(
                "contact",
                contact_id,
                received_at,
                as_date(decided_at) if decided_at else None,
                {"contact_received": [received_at], "contact_decided": [decided_at] if decided_at else []},
                child_attrs,
            )
        )

    # Referrals (children in need episodes)
    progress = _progress(history)
    directions = _case_directions(history)
    assessments_by_referral: dict[int, list] = {}
    for a in history.assessments:
        assessments_by_referral.setdefault(a[1], []).append(a)
    for referral_id, referral_date, decided_at, nfa, closure_date in history.referrals:
        # A referral marked no further action lasts no longer than its day, closed or not (as
        # journey.integrity._referral_end reads it); left open, it drifted and awaited decisions.
        ends = closure_date or (referral_date if nfa else None)
        concluded, reason = [], ""
        for _id, _ref, _start, authorised, completed, outcome, late_reason in assessments_by_referral.get(
            referral_id, []
        ):
            # A terminated assessment ends the clock too: there is nothing left to authorise.
            end = authorised or (completed if outcome == jm.Assessment.Outcome.TERMINATED else None)
            if end:
                concluded.append(end)
            # A reason written on the assessment while it is still open counts too.
            reason = reason or late_reason
        add(
            Span(
                "referral",
                referral_id,
                referral_date,
                ends,
                {
                    "referral_received": [referral_date],
                    "referral_decided": [decided_at] if decided_at else [],
                    "assessment_authorised": sorted(concluded),
                    "progress": _between(progress, referral_date, ends),
                    "case_direction": _between(directions, referral_date, ends),
                },
                lambda day, nfa=nfa: {**child_attrs(day), "referral_nfa": nfa},
                {"assessment_authorised": reason} if reason else {},
            )
        )

    # Section 47 enquiries: the clock to the initial conference runs from the strategy discussion
    # that started the enquiry (Working Together; rules.md 1.7).
    strategy = {s[0]: s for s in history.strategy_discussions}
    referral_closed = {r[0]: r[4] for r in history.referrals}
    initial = [c for c in history.conferences if c[2] == jm.ChildProtectionConference.Kind.INITIAL]
    for enquiry_id, referral_id, strategy_id, start, _end, outcome, not_required in history.enquiries:
        discussion = strategy.get(strategy_id)
        begun = as_date(discussion[2]) if discussion and discussion[3] else start
        linked = [c[3] for c in initial if c[4] == enquiry_id]
        if not linked:
            linked = [c[3] for c in initial if c[4] is None and c[1] == referral_id and c[3] >= begun]
        if linked:
            finished = min(linked)
        elif outcome in (jm.Section47Enquiry.Outcome.NFA, jm.Section47Enquiry.Outcome.CIN) or not_required:
            # No conference was needed, so none was ever due: the clock stops, however long the
            # enquiry took (WT 2023 ch.4: a conference follows only where harm is substantiated).
            # Ending the span when it began keeps an enquiry that concluded "no further action"
            # after 15 working days from being recorded as a missed conference.
            finished = begun
        else:
            finished = referral_closed.get(referral_id)
        add(
            Span(
                "section_47",
                enquiry_id,
                begun,
                finished,
                {"strategy_discussion_s47": [begun], "icpc_held": sorted(linked)},
                child_attrs,
            )
        )

    # Child protection plans
    reviews = [c for c in history.conferences if c[2] == jm.ChildProtectionConference.Kind.REVIEW]
    cp_visits = _statutory_visits(history, jm.Visit.Kind.CP)
    core_groups: dict[int, list[date]] = {}
    for plan_id, held_on in history.core_groups:
        core_groups.setdefault(plan_id, []).append(held_on)
    plan_starts = sorted(p[2] for p in history.cp_plans)
    for plan_id, referral_id, start, end, frequency in history.cp_plans:
        previous = sum(1 for s in plan_starts if s < start)
        add(
            Span(
                "cp_plan",
                plan_id,
                start,
                end,
                {
                    "cp_plan_started": [start],
                    "cp_plan_ended": [end] if end else [],
                    "core_group": sorted(d for d in core_groups.get(plan_id, []) if d >= start),
                    "review_conference": sorted(
                        c[3]
                        for c in reviews
                        if c[1] == referral_id and start < c[3] and (end is None or c[3] <= end)
                    ),
                    "cp_visit": [d for d in cp_visits if start < d and (end is None or d <= end)],
                },
                lambda day, previous=previous, frequency=frequency: {
                    **child_attrs(day),
                    "previous_cp_plans": previous,
                    "visit_frequency_working_days": frequency,
                },
            )
        )

    cin_visits = _statutory_visits(history, jm.Visit.Kind.CIN)
    for plan_id, _referral_id, start, end in history.cin_plans:
        add(
            Span(
                "cin_plan",
                plan_id,
                start,
                end,
                {
                    "cin_plan_started": [start],
                    "cin_plan_ended": [end] if end else [],
                    "cin_visit": [d for d in cin_visits if start < d and (end is None or d <= end)],
                },
                child_attrs,
            )
        )

    _looked_after(history, add, child_attrs)
    _legal(history, add, child_attrs)
    _assurance(history, add)

    # The child's whole record: changes of social worker (F06).
    changes = [
        b[1]
        for a, b in zip(history.allocations, history.allocations[1:], strict=False)
        if a[2] is not None and a[2] == b[1] and a[0] != b[0]
    ]
    if history.allocations:
        add(
            Span(
                "child",
                history.child_id,
                history.allocations[0][1],
                None,
                {"social_worker_changed": changes},
                child_attrs,
            )
        )
    return spans


def _runs(episodes: list, same: Callable) -> list[list]:
    """Consecutive episodes (each starting the day the previous ended) for which `same` holds."""
    runs: list[list] = []
    for episode in episodes:
        if runs and same(runs[-1][-1], episode) and runs[-1][-1][2] == episode[1]:
            runs[-1].append(episode)
        else:
            runs.append([episode])
    return runs


def _looked_after(history: ChildHistory, add: Callable, child_attrs: Callable) -> None:
    episodes = sorted(history.episodes, key=lambda e: (e[1], e[0]))
    if not episodes:
        return
    cla_visits = _statutory_visits(history, jm.Visit.Kind.CLA)
    reviews = sorted(history.reviews)
    # A period of care: episodes joined end to start. An episode starting to be looked after (RNE S)
    # begins a new period even on the day the last one ended (a child who went home and came back
    # the same day): it needs its own first review.
    for period in _runs(episodes, lambda _a, b: b[5] != codes.ReasonNewEpisode.STARTED):
        start, end = period[0][1], period[-1][2]
        period_reviews = _between(reviews, start, end)
        placements: list[list] = []
        for episode in period:
            if not placements or episode[5] in codes.NEW_PLACEMENT_RNE:
                placements.append([episode])
            else:
                placements[-1].append(episode)

        def attributes(
            day: date, period=period, placements=placements, period_reviews=period_reviews
        ) -> dict:
            episode = next((e for e in reversed(period) if e[1] <= day), period[0])
            placement = next((p for p in reversed(placements) if p[0][1] <= day), placements[0])
            return {
                **child_attrs(day),
                **_permanence_attributes(history, day),
                "legal_status": episode[3],
                "placement_type": episode[4],
                "placement_held_days": (day - placement[0][1]).days,
                "first_review_held": any(r <= day for r in period_reviews),
            }

        add(
            Span(
                "period_of_care",
                period[0][0],
                start,
                end,
                {
                    "became_looked_after": [start],
                    "stopped_being_looked_after": [end] if end else [],
                    "cla_review": period_reviews,
                },
                attributes,
            )
        )
        # Care planning: the care plan before the first placement or within 10 working days of it
        # (a plan authorised in the weeks before counts as there on the first day), and the
        # permanence plan by the second review.
        care_plans = [max(d, start) for d in history.care_plans if d >= start - _PLAN_BEFORE]
        care_plans = [d for d in care_plans if end is None or d <= end]
        permanence = [max(p[1], start) for p in history.permanence if p[1] and (end is None or p[1] <= end)]
        add(
            Span(
                "care_planning",
                period[0][0],
                start,
                end,
                {
                    "first_placement_started": [start],
                    "care_plan_completed": sorted(care_plans),
                    "permanence_plan_recorded": sorted(permanence),
                },
                child_attrs,
            )
        )
        for placement in placements:
            p_start, p_end = placement[0][1], placement[-1][2]
            add(
                Span(
                    "placement",
                    placement[0][0],
                    p_start,
                    p_end,
                    {
                        "placement_started": [p_start],
                        "placement_ended": [p_end] if p_end else [],
                        "cla_visit": _between(cla_visits, p_start, p_end),
                    },
                    attributes,
                )
            )

    # Emergency powers and section 20: runs of one legal status.
    status_runs = _runs(episodes, lambda a, b: a[3] == b[3])
    logged_days = [as_date(p[1]) for p in history.police_protections]

    def logged(taken: datetime) -> bool:
        # The police protection log (legal app) has the end time too; it wins over the episode.
        day = as_date(taken)
        return any(abs((day - d).days) <= 1 for d in logged_days)

    previous_run = None
    for run in status_runs:
        status, start, end = run[0][3], run[0][1], run[-1][2]
        first_id = run[0][0]
        if status == codes.LegalStatus.POLICE_PROTECTION and run[0][6] and not logged(run[0][6]):
            taken = run[0][6]
            add(
                Span(
                    "police_protection",
                    first_id,
                    taken,
                    end,
                    {"police_protection_started": [taken], "police_protection_ended": [end] if end else []},
                    child_attrs,
                )
            )
        elif status == codes.LegalStatus.EPO:
            # CA 1989 s45(3): after police protection, the 8 days begin with its first day.
            begun: Moment = start
            if (
                previous_run
                and previous_run[0][3] == codes.LegalStatus.POLICE_PROTECTION
                and previous_run[-1][2] == start
            ):
                begun = as_date(previous_run[0][6]) if previous_run[0][6] else previous_run[0][1]
            add(
                Span(
                    "epo",
                    first_id,
                    begun,
                    end,
                    {"epo_started": [begun], "epo_ended": [end] if end else []},
                    child_attrs,
                )
            )
        elif status == codes.LegalStatus.SECTION_20:
            planning = sorted(r[1] for r in history.gateway_requests if r[1] >= start - _PLANNING_BEFORE)
            evidenced = _consent_evidenced(history, first_id)
            add(
                Span(
                    "section_20",
                    first_id,
                    start,
                    end,
                    {
                        "section_20_started": [start],
                        "section_20_ended": [end] if end else [],
                        "section_20_consent_evidenced": [max(evidenced, start)] if evidenced else [],
                        "section_20_legal_planning": [max(d, start) for d in planning[:1]],
                    },
                    lambda day, planned=bool(planning): {**child_attrs(day), "legal_planning": planned},
                )
            )
        previous_run = run


# A care plan authorised this long before the first placement is the plan for it.
_PLAN_BEFORE = timedelta(days=60)
# A legal gateway request this long before section 20 began counts as legal planning for it.
_PLANNING_BEFORE = timedelta(days=183)


def _consent_evidenced(history: ChildHistory, episode_id: int) -> date | None:
    """The day the consent evidence became complete for everyone with parental responsibility (the
    last of their consents), or None while anyone's is missing or incomplete (rules.md 4.3)."""
    from carepath.legal.consent import consent_gaps

    from .history import CONSENT_FIELDS

    consents = [dict(zip(CONSENT_FIELDS, row, strict=True)) for row in history.s20_consents]
    consents = [c for c in consents if c["episode_id"] == episode_id]
    people = set(history.pr_holders) or {c["person_id"] for c in consents}
    if not people:
        return None
    days = []
    for person in people:
        theirs = [c for c in consents if c["person_id"] == person and not consent_gaps(c)]
        if not theirs:
            return None
        days.append(min(as_date(c["given_at"]) for c in theirs))
    return max(days)


def _legal(history: ChildHistory, add: Callable, child_attrs: Callable) -> None:
    """The legal pathway's spans: gateway requests, panel actions, pre-proceedings, proceedings,
    police protection (from its log) and adoption milestones."""

    def permanence_attrs(day: date) -> dict:
        return {**child_attrs(day), **_permanence_attributes(history, day)}

    decided: dict[int, list[date]] = {}
    for request_id, decided_on, _outcome in history.panel_decisions:
        decided.setdefault(request_id, []).append(decided_on)
    for request_id, requested_on, withdrawn_on in history.gateway_requests:
        decisions = sorted(decided.get(request_id, []))
        add(
            Span(
                "legal_gateway",
                request_id,
                requested_on,
                decisions[0] if decisions else withdrawn_on,
                {"legal_gateway_requested": [requested_on], "legal_gateway_decided": decisions[:1]},
                child_attrs,
                shared=True,
            )
        )

    for row in history.panel_actions:
        add(_owned_action("panel_action", "panel_action_set", "panel_action_done", row))

    meetings: dict[int, list[date]] = {}
    for pp_id, held_on, effective in history.pp_meetings:
        if effective:
            meetings.setdefault(pp_id, []).append(held_on)
    letters: dict[int, dict[int, date]] = {}
    for pp_id, recipient_id, sent_on in history.letters:
        sent = letters.setdefault(pp_id, {})
        sent[recipient_id] = min(sent_on, sent.get(recipient_id, sent_on))
    holders = set(history.pr_holders)
    fgdm_unmet: dict[int, bool] = {}
    for pp_id, started, step_on, offered_on, accepted, held_on, not_offered in history.pre_proceedings:
        sent = letters.get(pp_id, {})
        # The letter goes to each parent and everyone with parental responsibility (rules.md 3.14):
        # sent when the last of them has theirs.
        wanted = holders or set(sent)
        all_sent = [max(sent[p] for p in wanted)] if wanted and wanted <= set(sent) else []
        fgdm_unmet[pp_id] = bool(accepted) and held_on is None
        edd = history.expected_date_of_birth

        def attributes(day: date, started=started, not_offered=not_offered, edd=edd) -> dict:
            unborn = not history.born_on_or_before(day)
            weeks = (edd - started).days // 7 if unborn and edd else None
            return {
                **permanence_attrs(day),
                "weeks_before_birth": weeks,
                "fgdm_not_required": bool(not_offered),
            }

        add(
            Span(
                "pre_proceedings",
                pp_id,
                started,
                step_on,
                {
                    "pre_proceedings_started": [started],
                    "letter_before_proceedings_sent": all_sent,
                    "pre_proceedings_meeting": sorted(meetings.get(pp_id, [])),
                    "step_decision": [step_on] if step_on else [],
                    "fgdm_offered": [offered_on] if offered_on else [],
                },
                attributes,
                shared=True,
            )
        )

    hearings: dict[int, dict[str, list[date]]] = {}
    listed_fcmh: set[int] = set()
    for proceedings_id, kind, held_on, effective in history.hearings:
        if kind == "fcmh":
            listed_fcmh.add(proceedings_id)
        if effective:
            hearings.setdefault(proceedings_id, {}).setdefault(kind, []).append(held_on)
    extra_weeks: dict[int, int] = {}
    for proceedings_id, weeks in history.extensions:
        extra_weeks[proceedings_id] = extra_weeks.get(proceedings_id, 0) + weeks
    for proceedings_id, issued_on, final_on, concluded_on, pp_id in history.proceedings:
        if issued_on is None:
            continue  # still preparing: no clock until the court issues
        held = hearings.get(proceedings_id, {})

        def attributes(day: date, pid=proceedings_id, pp_id=pp_id) -> dict:
            return {
                **permanence_attrs(day),
                "weeks_allowed": 26 + extra_weeks.get(pid, 0),
                "fcmh_listed": pid in listed_fcmh,
                "fgdm_unmet": fgdm_unmet.get(pp_id, False),
            }

        add(
            Span(
                "proceedings",
                proceedings_id,
                issued_on,
                final_on or concluded_on,
                {
                    "application_issued": [issued_on],
                    "case_management_hearing": sorted(held.get("cmh", [])),
                    "further_case_management_hearing": sorted(held.get("fcmh", [])),
                    "final_order": [final_on] if final_on else [],
                },
                attributes,
                shared=True,
            )
        )

    reviewed = {pp_id: done for pp_id, done in history.pp_reviews if done}
    for pp_id, taken_at, ended_at in history.police_protections:
        add(
            Span(
                "police_protection",
                pp_id,
                taken_at,
                # The end event carries the time (for the 72 hours). The span lasts until the
                # management review is done too: its clock does not stop when the child goes home.
                max(as_date(ended_at), reviewed[pp_id]) if ended_at and pp_id in reviewed else None,
                {
                    "police_protection_started": [taken_at],
                    "police_protection_ended": [ended_at] if ended_at else [],
                    "police_protection_reviewed": [reviewed[pp_id]] if pp_id in reviewed else [],
                },
                child_attrs,
            )
        )

    periods = [
        (run[0][1], run[-1][2])
        for run in _runs(
            sorted(history.episodes, key=lambda e: (e[1], e[0])),
            lambda _a, b: b[5] != codes.ReasonNewEpisode.STARTED,
        )
    ]
    for (
        record_id,
        _plan_on,
        _parallel,
        _considered,
        adm_on,
        order_on,
        matched_on,
        placed_on,
        adopted_on,
        reversed_on,
    ) in history.permanence:
        # Entering care, for the adoption scorecard's A1: the start of the care the adoption
        # decision was made in.
        decided = adm_on or order_on
        entered = None
        if decided:
            entered = next((s for s, e in reversed(periods) if s <= decided), None)
        start = entered or order_on
        if start is None:
            continue
        add(
            Span(
                "adoption",
                record_id,
                start,
                reversed_on or adopted_on,
                {
                    "looked_after_for_adoption": [entered] if entered else [],
                    "placement_order_made": [order_on] if order_on else [],
                    "matched_with_adopters": [matched_on] if matched_on else [],
                    "placed_for_adoption": [placed_on] if placed_on else [],
                },
                child_attrs,
            )
        )


def _owned_action(kind: str, set_event: str, done_event: str, row: tuple) -> Span:
    """An action someone set with a due date for an owner: its clock runs to the date set."""
    action_id, set_on, due_on, done_on, owner_id = row
    return Span(
        kind,
        action_id,
        set_on,
        done_on,
        {set_event: [set_on], done_event: [done_on] if done_on else []},
        lambda _day, allowed=(due_on - set_on).days: {"days_allowed": allowed},
        owner_id=owner_id,
    )


def _assurance(history: ChildHistory, add: Callable) -> None:
    """Case audits, their actions and escalations, and the actions from case directions."""
    for audit_id, assigned_on, due_on, completed_on, withdrawn_on, auditor_id in history.case_audits:
        add(
            Span(
                "case_audit",
                audit_id,
                assigned_on,
                completed_on or withdrawn_on,
                {"audit_assigned": [assigned_on], "audit_completed": [completed_on] if completed_on else []},
                lambda _day, allowed=(due_on - assigned_on).days: {"days_allowed": allowed},
                owner_id=auditor_id,
            )
        )
    for row in history.audit_actions:
        add(_owned_action("audit_action", "audit_action_set", "audit_action_done", row))
    for escalation_id, escalated_on, responded_on, escalated_to_id in history.audit_escalations:
        add(
            Span(
                "audit_escalation",
                escalation_id,
                escalated_on,
                responded_on,
                {
                    "audit_escalated": [escalated_on],
                    "audit_escalation_answered": [responded_on] if responded_on else [],
                },
                owner_id=escalated_to_id,
            )
        )
    for row in history.direction_actions:
        add(_owned_action("direction_action", "direction_action_set", "direction_action_done", row))
