"""Benchmark: how well the timescale engine finds the failures the generator planted.

    .venv/bin/python benchmarks/timescales_accuracy.py --children 3000 --seed 7 --data-dir /tmp/bench-ts/acc3k
    .venv/bin/python benchmarks/timescales_accuracy.py --children 60000 --seed 1 \
        --database-url postgres://postgres@127.0.0.1:5432/bench_ts

Generates an authority with its planted-failures file at a fixed --today (or reuses both with
--reuse --planted FILE), recomputes every clock counted to the same day, then for each kind of
planted timeliness failure prints recall (planted failures the engine flags) and precision (the
engine's flags of that kind's rules that no planted row explains), with samples of the unmatched
both ways; then the flags of rules no planted kind covers, with how many clocks each rule ran.

A planted row and an engine flag match when: they are about the same child (case number); the
flag is one of the rules the planted kind maps to; where both name a record the engine keys its
clock by (a child protection or child in need plan, or the referral an assessment or plan
belongs to), it is the same record; and the flag's window (its start to when it was done, or to
today while open, or to its due date if it was never done) overlaps the planted row's window
(its start to its end, or to today when it has none).

An engine "flag" is a stored clock that is late, missed, flagged now or before, or open and past
its due date on --today. Open clocks not yet due are not failures and are not counted.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))

from timescales import add_authority_arguments, add_planted_argument, open_authority, resolve_planted  # noqa: E402

# Each planted timeliness kind and the rules that should flag it.
KIND_RULES: dict[str, tuple[str, ...]] = {
    "late_cp_visit": ("CP-VISIT",),
    "late_cla_visit": (
        "CLA-VISIT-1",
        "CLA-VISIT-N",
        "CLA-VISIT-LONGTERM",
        "CLA-VISIT-PARENT",
        "CLA-VISIT-PARENT-N",
    ),
    "late_cla_review": ("CLA-REV1", "CLA-REV2", "CLA-REVN"),
    "late_rcpc": ("RCPC-1", "RCPC-N"),
    "late_assessment": ("ASMT-45",),
    "worker_churn": ("DRIFT-WORKER-CHANGES",),
    "plan_stuck": ("DRIFT-CP-18M", "DRIFT-CIN-18M", "DRIFT-NO-PROGRESS"),
    "s20_without_consent": ("S20-DRIFT",),
}
# Planted kinds not measured here: supervision gaps and optimistic audits are about workers and
# audits, not a child's clocks (benchmarks/assurance.py measures them); recording delay is not a
# timescale.
NOT_TIMESCALES = ("supervision_gap", "optimistic_audit", "backdated_recording")


@dataclass
class Flag:
    child_id: int
    case: str
    rule: str
    kind: str
    status: str
    context_type: str
    context_id: int
    started: date
    due: date
    met: date | None
    why: str
    reason: str
    matched: list = field(default_factory=list)

    def window(self, today: date) -> tuple[date, date]:
        if self.met:
            return self.started, self.met
        if self.status in ("open", "flagged"):
            return self.started, today
        # Never done (missed), or a count flag whose clock "due" is the day it fired.
        return self.started, max(self.due, self.started)


@dataclass
class Planted:
    kind: str
    case: str
    record_type: str
    record_id: int | None
    start: date | None
    end: date | None
    origin: str
    description: str
    contexts: set = field(default_factory=set)  # the engine contexts naming the same record
    matched: list = field(default_factory=list)

    def window(self, today: date) -> tuple[date, date]:
        start = self.start or today
        return start, self.end or today


def _day(value) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def is_failure(status: str, due: date, today: date) -> bool:
    return status in ("late", "missed", "flagged", "flagged_before") or (status == "open" and due < today)


def overlaps(a: tuple[date, date], b: tuple[date, date]) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]


def exact(p: Planted, f: Flag) -> bool:
    """The flag names the very day the planted row does: the visit before the gap, the review or
    conference's due date, the referral, the plan's start."""
    if p.kind in ("late_cla_review", "late_rcpc"):
        return f.due == p.start
    if p.kind == "worker_churn":
        return p.start is not None and p.start <= f.started <= p.end
    return f.started == p.start


def record_contexts(rows: list[Planted]) -> None:
    """Which engine contexts name the same record as a planted row (where one does)."""
    from carepath.journey import models as jm

    ids = defaultdict(set)
    for p in rows:
        if p.record_id:
            ids[p.record_type].add(p.record_id)
    cp = dict(
        jm.ChildProtectionPlan.objects.filter(id__in=ids["ChildProtectionPlan"]).values_list(
            "id", "referral_id"
        )
    )
    cin = dict(
        jm.ChildInNeedPlan.objects.filter(id__in=ids["ChildInNeedPlan"]).values_list("id", "referral_id")
    )
    asmt = dict(jm.Assessment.objects.filter(id__in=ids["Assessment"]).values_list("id", "referral_id"))
    for p in rows:
        if p.record_type == "ChildProtectionPlan" and p.record_id in cp:
            p.contexts = {("cp_plan", p.record_id), ("referral", cp[p.record_id])}
        elif p.record_type == "ChildInNeedPlan" and p.record_id in cin:
            p.contexts = {("cin_plan", p.record_id), ("referral", cin[p.record_id])}
        elif p.record_type == "Assessment" and p.record_id in asmt:
            p.contexts = {("referral", asmt[p.record_id])}


def clocks_started_by_rule(today: date) -> Counter:
    """How many clocks each rule starts over the whole authority, done in time or not (the engine
    makes nothing for those done in time, so they are counted here from the same spans): a
    deadline or drift rule's anchors (its start, and for a recurring rule every later end event),
    a count rule's events, a flag rule's spans. Before `applies_to`, so an upper bound for rules
    that apply to some children only."""
    from carepath.people.models import Child
    from carepath.timescales.contexts import spans_for
    from carepath.timescales.history import load_histories
    from carepath.timescales.rulebook import Kind
    from carepath.timescales.services import engine_in_force

    engine = engine_in_force()
    ids = Child.objects.order_by("id").values_list("id", flat=True)
    counts: Counter = Counter()
    lo, hi = ids.first(), ids.last()
    for start in range(lo, hi + 1, 5000):
        for history in load_histories(id_from=start, id_to=start + 5000).values():
            spans = spans_for(history)
            for rule in engine.rules:
                for span in spans.get(rule.context, ()):
                    starts = span.occurrences(rule.start_event)
                    if rule.kind == Kind.COUNT:
                        counts[rule.id] += len(starts)
                    elif len(starts) < rule.start_occurrence:
                        continue
                    elif rule.kind == Kind.FLAG or not rule.recurring:
                        counts[rule.id] += 1
                    else:
                        first = span.dates(rule.start_event)[rule.start_occurrence - 1]
                        counts[rule.id] += 1 + sum(1 for d in span.dates(rule.end_event) if d > first)
    return counts


def s20_expected(rows: list[Planted], today: date) -> set[tuple[str, date]]:
    """S20-DRIFT from the planted file alone: every section 20 episode is listed with its dates,
    so runs of them (one ending the day the next starts) longer than 8 weeks should be flagged."""
    by_child: dict[str, list[Planted]] = defaultdict(list)
    for p in rows:
        by_child[p.case].append(p)
    expected = set()
    for case, episodes in by_child.items():
        episodes.sort(key=lambda p: p.start)
        runs: list[list[Planted]] = []
        for p in episodes:
            if runs and runs[-1][-1].end == p.start:
                runs[-1].append(p)
            else:
                runs.append([p])
        for run in runs:
            start, end = run[0].start, run[-1].end
            due = start + timedelta(weeks=8)
            if (end is not None and end > due) or (end is None and today > due):
                expected.add((case, start))
    return expected


PARENT_RULES = ("CLA-VISIT-PARENT", "CLA-VISIT-PARENT-N")


def long_term_on(wanted: set[tuple[str, date]]) -> set[tuple[str, date]]:
    """Of (case number, day) pairs, those on which the child was in long-term fostering (903
    placement U1 or U4) held for a year or more: reg 28(2)(c) visits, every 3 months, apply."""
    from carepath.core.codes import NEW_PLACEMENT_RNE
    from carepath.journey.models import LookedAfterEpisode

    found = set()
    cases = {case for case, _day in wanted}
    episodes: dict[str, list] = defaultdict(list)
    for case, start, rne, place in LookedAfterEpisode.objects.filter(
        child__case_number__in=cases
    ).values_list("child__case_number", "start_date", "reason_new_episode", "placement_type"):
        episodes[case].append((start, rne, place))
    for case, day in wanted:
        before = sorted(e for e in episodes[case] if e[0] <= day)
        if not before or before[-1][2] not in ("U1", "U4"):
            continue
        placed = max(e[0] for e in before if e[1] in NEW_PLACEMENT_RNE or e is before[0])
        if (day - placed).days >= 365:
            found.add((case, day))
    return found


def explain_missing(p: Planted, today: date, long_term: set) -> str:
    if p.kind == "late_cla_visit" and (p.case, p.start) in long_term:
        return (
            "long-term fostering held a year (U1/U4): visits are due every 3 months, "
            "and the generator planted a gap shorter than that"
        )
    if p.kind == "s20_without_consent" and p.start and ((p.end or today) - p.start).days <= 56:
        return "lasted 8 weeks or less: what was planted is no consent, not length"
    return "UNEXPLAINED (look at these)"


def explain_extra(f: Flag, churn_cases: set[str]) -> str:
    if f.rule in PARENT_RULES:
        return (
            "placed with a parent under an interim care order (P1, C1): visits are due weekly, then "
            "4-weekly after the first review, but the generator visits every 21-42 days"
        )
    if f.rule == "ASMT-45" and f.reason:
        return "late with a reason for the delay on record (the generator makes 8% so, not as a failure)"
    if f.rule == "DRIFT-WORKER-CHANGES" and f.case in churn_cases:
        return (
            "another 12 months of churn for a child the planted file lists once (it keeps the busiest year)"
        )
    return "UNEXPLAINED (look at these)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_authority_arguments(parser, seed=7)
    add_planted_argument(parser)
    parser.add_argument("--samples", type=int, default=4, help="Unmatched items shown each way per kind.")
    args = parser.parse_args()
    resolve_planted(args, prefix="carepath-bench-ts-")

    label = open_authority(args, planted=None if args.reuse else args.planted)
    from carepath.synth.planted import read_planted
    from carepath.timescales.models import Deadline
    from carepath.timescales.services import clocks_recompute_all, rules_ensure_loaded

    rules_ensure_loaded()
    today = args.today
    t = time.perf_counter()
    result = clocks_recompute_all(today=today)
    print(
        f"Recomputed {result.children:,} children to {today}: {result.deadlines:,} stored ({time.perf_counter() - t:.1f} s)"
    )
    started = clocks_started_by_rule(today)

    planted = [
        Planted(
            kind=r["kind"],
            case=r["case_number"],
            record_type=r["record_type"],
            record_id=int(r["record_id"]) if r["record_id"] else None,
            start=_day(r["start"]),
            end=_day(r["end"]),
            origin=r["origin"],
            description=r["description"],
        )
        for r in read_planted(args.planted)
    ]
    record_contexts(planted)
    flags = [
        Flag(*row)
        for row in Deadline.objects.values_list(
            "child_id",
            "child__case_number",
            "rule_id",
            "kind",
            "status",
            "context_type",
            "context_id",
            "started_on",
            "due_on",
            "met_on",
            "why",
            "reason_on_record",
        ).order_by("child__case_number", "rule_id", "started_on")
    ]
    failures = [f for f in flags if is_failure(f.status, f.due, today)]
    by_case_rule: dict[tuple[str, str], list[Flag]] = defaultdict(list)
    for f in failures:
        by_case_rule[(f.case, f.rule)].append(f)

    for p in planted:
        for rule in KIND_RULES.get(p.kind, ()):
            for f in by_case_rule.get((p.case, rule), ()):
                same_kind_of_record = p.contexts and f.context_type in {c for c, _ in p.contexts}
                if same_kind_of_record and (f.context_type, f.context_id) not in p.contexts:
                    continue
                if overlaps(p.window(today), f.window(today)):
                    p.matched.append(f)
                    f.matched.append(p)

    print()
    print(f"== Timescales accuracy: {label}, {args.children:,} children, seed {args.seed}, today {today} ==")
    print(f"Planted file: {args.planted} ({len(planted):,} rows)")
    print()
    header = (
        f"{'planted kind':<20} {'rules':<34} {'planted':>7} {'flagged':>7} {'recall':>7} {'exact':>6}"
        f" | {'engine flags':>12} {'planted':>7} {'not planted':>11} {'precision':>9}"
    )
    print(header)
    print("-" * len(header))
    for kind, rules in KIND_RULES.items():
        rows = [p for p in planted if p.kind == kind and p.origin == "planted"]
        hit = [p for p in rows if p.matched]
        exact_hits = [p for p in hit if any(exact(p, f) for f in p.matched)]
        engine = [f for f in failures if f.rule in rules]
        explained = [f for f in engine if f.matched]
        rule_text = ", ".join(rules) if len(rules) < 3 else f"{rules[0]} +{len(rules) - 1}"
        print(
            f"{kind:<20} {rule_text:<34} {len(rows):>7} {len(hit):>7} {_pct(len(hit), len(rows)):>7}"
            f" {len(exact_hits):>6} | {len(engine):>12} {len(explained):>7} {len(engine) - len(explained):>11}"
            f" {_pct(len(explained), len(engine)):>9}"
        )
        others = Counter(p.origin for p in planted if p.kind == kind and p.origin != "planted")
        for origin, n in sorted(others.items()):
            hit_other = sum(1 for p in planted if p.kind == kind and p.origin == origin and p.matched)
            print(f"{'':<20} {'  (origin ' + origin + ')':<34} {n:>7} {hit_other:>7} {_pct(hit_other, n):>7}")
    for kind in NOT_TIMESCALES:
        n = sum(1 for p in planted if p.kind == kind)
        print(f"{kind:<20} {'(not a child clock: not measured here)':<34} {n:>7}")

    print()
    print("Engine flags by rule and status (rules of a planted kind)")
    for rules in KIND_RULES.values():
        for rule in rules:
            counts = Counter(_state(f, today) for f in failures if f.rule == rule)
            unmatched = Counter(_state(f, today) for f in failures if f.rule == rule and not f.matched)
            ran = started[rule]
            print(
                f"  {rule:<22} clocks {ran:>7,}  flags: "
                + ", ".join(f"{s} {n:,} ({unmatched[s]:,} not planted)" for s, n in sorted(counts.items()))
            )

    # ASMT-45: the generator also makes assessments late on purpose with a reason on record (8%).
    # The engine copies the reason onto a clock once it is done; for one still open, look.
    from carepath.journey.models import Assessment

    late_asmt = [f for f in failures if f.rule == "ASMT-45" and not f.matched]
    reasons = set(
        Assessment.objects.filter(referral_id__in={f.context_id for f in late_asmt})
        .exclude(late_reason="")
        .values_list("referral_id", flat=True)
    )
    for f in late_asmt:
        if not f.reason and f.context_id in reasons:
            f.reason = "(on the open assessment)"
    print(
        f"\nASMT-45 flags not planted: {len(late_asmt):,}, of which {sum(1 for f in late_asmt if f.reason):,} "
        "have a reason for the delay on record (the generator's 'late with a reason', 8% of assessments; "
        f"{sum(1 for f in late_asmt if f.reason == '(on the open assessment)'):,} of them still open and overdue)"
    )
    # S20-DRIFT against what the planted file's own dates say.
    s20_rows = [p for p in planted if p.kind == "s20_without_consent"]
    expected = s20_expected(s20_rows, today)
    engine_s20 = {(f.case, f.started) for f in failures if f.rule == "S20-DRIFT"}
    print(
        f"S20-DRIFT against the section 20 episodes listed in the planted file (runs over 8 weeks): "
        f"expected {len(expected):,}, engine {len(engine_s20):,}, both {len(expected & engine_s20):,}, "
        f"expected only {len(expected - engine_s20):,}, engine only {len(engine_s20 - expected):,}"
    )
    print(
        "  (s20_without_consent is about consent, not length: its recall against S20-DRIFT is the share of "
        "section 20 episodes that also lasted over 8 weeks)"
    )

    print()
    print(
        f"Unmatched items, with the explanation the data gives where there is one "
        f"(samples: up to {args.samples} of each)"
    )
    churn_cases = {p.case for p in planted if p.kind == "worker_churn"}
    long_term = long_term_on(
        {(p.case, p.start) for p in planted if p.kind == "late_cla_visit" and not p.matched}
    )
    for kind, rules in KIND_RULES.items():
        missing = [p for p in planted if p.kind == kind and p.origin == "planted" and not p.matched]
        extra = [f for f in failures if f.rule in rules and not f.matched]
        if not missing and not extra:
            continue
        print(f"  {kind}: {len(missing)} planted not flagged, {len(extra)} flagged not planted")
        groups: dict[str, list] = defaultdict(list)
        for p in missing:
            groups["planted, not flagged: " + explain_missing(p, today, long_term)].append(p)
        for f in extra:
            groups["flagged, not planted: " + explain_extra(f, churn_cases)].append(f)
        for label, items in groups.items():
            print(f"    {len(items):>5} {label}")
            for item in items[: args.samples]:
                if isinstance(item, Planted):
                    print(
                        f"            {item.case} {item.record_type} {item.record_id or ''} "
                        f"{item.start}..{item.end or ''}: {item.description}"
                    )
                else:
                    print(
                        f"            {item.case} {item.rule} {_state(item, today)} "
                        f"({item.context_type} {item.context_id}): {item.why}"
                    )

    print()
    print("Rules no planted kind covers: flags, and clocks started (before applies_to)")
    covered = {r for rules in KIND_RULES.values() for r in rules}
    rules_seen = sorted(set(started) | {f.rule for f in failures})
    for rule in rules_seen:
        if rule in covered:
            continue
        counts = Counter(_state(f, today) for f in failures if f.rule == rule)
        total = started[rule]
        n_flags = sum(counts.values())
        print(
            f"  {rule:<20} clocks {total:>7,}  flags {n_flags:>6,} ({_pct(n_flags, total)})  "
            + ", ".join(f"{s} {n:,}" for s, n in sorted(counts.items()))
        )
        for f in [f for f in failures if f.rule == rule][: min(2, args.samples)]:
            print(f"      e.g. {f.case}: {f.why}")
    # What the data says about the two biggest groups.
    decided = Counter(
        (f.met - f.started).days if f.met else None for f in failures if f.rule == "CONTACT-DECISION"
    )
    contact = {(f.child_id, f.started, f.met) for f in failures if f.rule == "CONTACT-DECISION"}
    referral = {(f.child_id, f.started, f.met) for f in failures if f.rule == "REF-DECISION"}
    print(
        "  CONTACT-DECISION flags by calendar days from receipt to decision: "
        + ", ".join(
            f"{d}: {n:,}" for d, n in sorted(decided.items(), key=lambda i: (i[0] is None, i[0] or 0))
        )
    )
    print(
        f"  REF-DECISION flags that are the same late decision as a CONTACT-DECISION flag (same child, "
        f"same day received, same day decided): {len(referral & contact):,} of {len(referral):,}"
    )
    lasted = Counter((f.met - f.started).days + 1 for f in failures if f.rule == "EPO" and f.met)
    if lasted:
        print(
            "  EPO flags by days the order lasted, counting its first day: "
            + ", ".join(f"{d}: {n:,}" for d, n in sorted(lasted.items()))
        )


def _state(f: Flag, today: date) -> str:
    if f.status == "open":
        return "overdue" if f.due < today else "open"
    return f.status


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "-"


if __name__ == "__main__":
    main()
