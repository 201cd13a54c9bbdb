"""From a child's history to the spans rules apply in, each with its dated events.

A span ("context") is a referral, a section 47 enquiry, a child protection plan, a period of care,
a placement, and so on: rules.md's start and end events happen inside one. Building them is the
one place that knows how the journey's records map onto the events in events.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

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
    return sorted(days)


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
    previous_run = None
    for run in status_runs:
        status, start, end = run[0][3], run[0][1], run[-1][2]
        first_id = run[0][0]
        if status == codes.LegalStatus.POLICE_PROTECTION and run[0][6]:
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
            add(
                Span(
                    "section_20",
                    first_id,
                    start,
                    end,
                    {"section_20_started": [start], "section_20_ended": [end] if end else []},
                    child_attrs,
                )
            )
        previous_run = run
