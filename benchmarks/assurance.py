"""Benchmark: how well practice assurance finds the failures the generator planted (issue 5).

    .venv/bin/python benchmarks/assurance.py --children 3000 --seed 1 --data-dir /tmp/bench-assurance/3k
    .venv/bin/python benchmarks/assurance.py --data-dir /tmp/bench-assurance/3k --reuse
    .venv/bin/python benchmarks/assurance.py --children 60000 --seed 1 \
        --database-url postgres://postgres@127.0.0.1:5432/bench_assurance

Generates an authority with its planted-failures file at a fixed --today (or reuses both with
--reuse --planted FILE), recomputes every clock counted to the same day, runs the calibration
recheck, then prints:

(a) Calibration (F18). Recall: the planted optimistic audits (`optimistic_audit`: completed
    inside a planted failure and graded good or better anyway) that got a calibration flag. Every
    other flag is checked independently, by one SQL query over the stored clocks (timescales
    Deadline) written here from the rule in the issue, not with the product's selector: "arose"
    when the record really did show overdue statutory work, a drift flag or a flag on the day the
    audit was completed (a concern the generator did not plant), "false" when it showed none. The
    same query finds good audits the recheck left unflagged although the record showed a concern
    (missed), and says for each planted audit not flagged whether the clocks saw its failure.
(b) Supervision gaps (F16). Recall: planted `supervision_gap` rows matched by a gap from
    assurance.selectors.supervision.gaps() for the same worker whose stretch without supervision
    (from the session before to the session after, or to today) overlaps the planted one; and
    gaps found with no planted gap behind them (false). Workers are every social worker and team
    manager, leavers included, and gaps are counted from a month after the history starts (before
    that, a long-serving worker's first clock runs from their start in post to the first session
    the generator wrote, which is not a gap in the records but the edge of the history).
(c) Timings: calibration_recheck over every completed audit, and supervision_clocks and gaps for
    every worker in post (wall time). Figures only; nothing asserts on them.

A note on "arose": the generator's honest auditors grade good only where no planted failure was
active, but the clocks also find overdue work the generator did not plant (the timescales accuracy
benchmark lists it: visits to children placed with parents, health assessments and the like). A
calibration flag on such an audit is right, not false.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

from dateutil.relativedelta import relativedelta

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS))

from timescales import add_authority_arguments, add_planted_argument, open_authority, resolve_planted  # noqa: E402

# What the record showed on a day, from the stored clocks, written from the issue's words: a
# deadline overdue (due before the day, not met by it, its record still running), a drift clock
# past its limit, or a flag raised and not yet cleared. Audit clocks say nothing about the practice
# audited and a worker's supervision is not the child's record, so both are left out.
CONCERNS_SQL = """
SELECT d.rule_id, d.kind, d.due_on, d.why
FROM timescales_deadline d
WHERE d.child_id = %(child)s
  AND d.started_on <= %(day)s
  AND d.rule_id NOT LIKE 'AUDIT-%%'
  AND d.context_type <> 'supervision'
  AND (
        (d.kind = 'flag' AND (d.met_on IS NULL OR d.met_on > %(day)s))
     OR (d.kind IN ('deadline', 'drift') AND d.due_on < %(day)s
         AND (d.met_on IS NULL OR d.met_on > %(day)s)
         AND (d.ended_on IS NULL OR d.ended_on > %(day)s))
  )
ORDER BY d.due_on, d.rule_id
"""


def concerns_on(child_id: int, day: date) -> list[tuple]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(CONCERNS_SQL, {"child": child_id, "day": day})
        return cursor.fetchall()


def _day(value) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _pct(n: int, d: int) -> str:
    return f"{100 * n / d:.1f}%" if d else "-"


class Timer:
    def __enter__(self):
        self.started = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.started


def calibration(planted: list[dict], samples: int) -> dict:
    from carepath.assurance.models import CalibrationFlag, CaseAudit

    audits = {
        a.pk: a
        for a in CaseAudit.objects.filter(status=CaseAudit.Status.COMPLETED)
        .select_related("tool", "child")
        .order_by("pk")
    }
    good = {pk for pk, a in audits.items() if a.tool.is_at_least_good(a.overall_grade)}
    optimistic = {int(r["record_id"]): r for r in planted if r["kind"] == "optimistic_audit"}
    flags = {f.audit_id: f for f in CalibrationFlag.objects.all()}
    hit = sorted(set(optimistic) & set(flags))
    missed_planted = sorted(set(optimistic) - set(flags))
    other_flags = sorted(set(flags) - set(optimistic))
    arose, false = [], []
    arose_rules: Counter = Counter()
    for pk in other_flags:
        audit = audits[pk]
        found = concerns_on(audit.child_id, audit.completed_on)
        (arose if found else false).append(pk)
        arose_rules.update({row[0] for row in found})
    unflagged_with_concern = []
    for pk in sorted(good - set(flags)):
        audit = audits[pk]
        if concerns_on(audit.child_id, audit.completed_on):
            unflagged_with_concern.append(pk)
    planted_not_seen = [
        pk for pk in missed_planted if not concerns_on(audits[pk].child_id, audits[pk].completed_on)
    ]
    by_kind: dict[str, list[int]] = defaultdict(list)
    for pk, row in optimistic.items():
        kind = row["description"].split("(planted ", 1)[-1].split(" ", 1)[0]
        by_kind[kind].append(pk)
    return {
        "audits": audits,
        "good": good,
        "optimistic": optimistic,
        "flags": flags,
        "hit": hit,
        "missed_planted": missed_planted,
        "planted_not_seen": planted_not_seen,
        "arose": arose,
        "false": false,
        "arose_rules": arose_rules,
        "unflagged_with_concern": unflagged_with_concern,
        "by_kind": by_kind,
        "samples": samples,
    }


def supervision(planted: list[dict], since: date, today: date) -> dict:
    from carepath.assurance.selectors.supervision import SUPERVISED_ROLES, gaps
    from carepath.people.models import User

    workers = list(User.objects.filter(role__in=SUPERVISED_ROLES).order_by("pk"))
    with Timer() as timer:
        found = gaps(workers, since=since, today=today)
    rows = [r for r in planted if r["kind"] == "supervision_gap"]
    by_worker: dict[int, list[tuple[int, dict]]] = defaultdict(list)
    for i, r in enumerate(rows):
        by_worker[int(r["record_id"])].append((i, r))
    matched_planted: set[int] = set()  # positions in `rows`
    exact = 0
    false = []
    for gap in found:
        # The stretch without supervision: from the session before to the one that ended it, or
        # to the day the worker left, or to today.
        ended = gap.started_on + timedelta(days=gap.days_without)
        hit = False
        for i, r in by_worker.get(gap.worker_id, ()):
            start, end = _day(r["start"]), _day(r["end"]) or today
            if gap.started_on <= end and start <= ended:
                hit = True
                if i not in matched_planted:
                    matched_planted.add(i)
                    exact += gap.started_on == start and gap.met_on == _day(r["end"])
        if not hit:
            false.append(gap)
    missed = [r for i, r in enumerate(rows) if i not in matched_planted]
    return {
        "workers": len(workers),
        "planted": rows,
        "found": found,
        "matched": len(matched_planted),
        "exact": exact,
        "false": false,
        "missed": missed,
        "seconds": timer.wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_authority_arguments(parser, seed=1)
    add_planted_argument(parser)
    parser.add_argument("--samples", type=int, default=4, help="Unmatched items shown each way.")
    args = parser.parse_args()
    resolve_planted(args, prefix="carepath-bench-assurance-")

    label = open_authority(args, planted=None if args.reuse else args.planted)
    from carepath.assurance.selectors.supervision import supervised_workers, supervision_clocks
    from carepath.assurance.services.calibration import calibration_recheck
    from carepath.synth.planted import read_planted
    from carepath.timescales.services import clocks_recompute_all, rules_ensure_loaded

    today = args.today
    rules_ensure_loaded()
    with Timer() as recompute:
        result = clocks_recompute_all(today=today)
    print(f"Recomputed {result.children:,} children to {today}: {result.deadlines:,} clocks stored "
          f"({recompute.wall:.1f} s)", flush=True)  # fmt: skip
    with Timer() as recheck:
        checked = calibration_recheck(today=today)
    in_post = list(supervised_workers())
    with Timer() as clocks_timer:
        clocks = supervision_clocks(in_post, today)
    planted = read_planted(args.planted)
    history_start = today - relativedelta(years=5)
    since = history_start + timedelta(days=31)

    cal = calibration(planted, args.samples)
    sup = supervision(planted, since, today)

    print()
    print(f"== Practice assurance: {label}, {args.children:,} children, seed {args.seed}, today {today} ==")
    print(f"Planted file: {args.planted}")
    n_completed, n_good = len(cal["audits"]), len(cal["good"])
    print(
        f"Completed audits {n_completed:,}, graded good or better {n_good:,}; calibration flags {len(cal['flags']):,}"
    )
    print()
    header = f"{'measure':<58} {'count':>7} {'of':>7} {'share':>7}"
    print(header)
    print("-" * len(header))

    def line(text: str, n: int, d: int | None = None) -> None:
        print(f"{text:<58} {n:>7,} {'' if d is None else f'{d:,}':>7} {'' if d is None else _pct(n, d):>7}")

    n_opt = len(cal["optimistic"])
    line("(a) planted optimistic audits flagged (recall)", len(cal["hit"]), n_opt)
    for kind, pks in sorted(cal["by_kind"].items()):
        line(f"      inside {kind}", sum(1 for pk in pks if pk in cal["flags"]), len(pks))
    line("    planted, not flagged: the clocks showed no concern", len(cal["planted_not_seen"]), n_opt)
    line("    flags on audits not planted", len(cal["arose"]) + len(cal["false"]), len(cal["flags"]))
    line("      arose: the record did show a concern that day", len(cal["arose"]), len(cal["flags"]))
    line("      false flags: the record showed no concern", len(cal["false"]), len(cal["flags"]))
    line(
        "    good audits not flagged though the record showed one", len(cal["unflagged_with_concern"]), n_good
    )
    n_gaps = len(sup["planted"])
    line("(b) planted supervision gaps detected (recall)", sup["matched"], n_gaps)
    line("      detected with the planted first and last session", sup["exact"], n_gaps)
    line("    gaps detected (since a month into the history)", len(sup["found"]))
    line("      with no planted gap behind them (false)", len(sup["false"]), len(sup["found"]))
    print()
    print("(c) Timings (wall)")
    print(f"  calibration_recheck, {checked.checked:,} completed audits: {recheck.wall:8.2f} s "
          f"({checked.flagged:,} flagged, {checked.raised:,} raised)")  # fmt: skip
    n_clocks = sum(len(c) for c in clocks.values())
    print(
        f"  supervision_clocks, {len(in_post):,} workers in post: {clocks_timer.wall:8.2f} s ({n_clocks:,} clocks)"
    )
    print(f"  gaps, {sup['workers']:,} workers (leavers included): {sup['seconds']:8.2f} s")

    if cal["arose_rules"]:
        print()
        print("Rules behind the flags that arose (audits flagged per rule showing on the day)")
        for rule, n in cal["arose_rules"].most_common(12):
            print(f"  {rule:<22} {n:>5}")
    samples = args.samples
    if cal["false"]:
        print()
        print(f"False flags (up to {samples}):")
        for pk in cal["false"][:samples]:
            flag = cal["flags"][pk]
            print(f"  audit {pk} child {flag.child_id} as at {flag.as_at}: {flag.findings}")
    if cal["missed_planted"]:
        print()
        print(f"Planted optimistic audits not flagged (up to {samples}):")
        for pk in cal["missed_planted"][:samples]:
            print(f"  audit {pk}: {cal['optimistic'][pk]['description']}")
    if sup["missed"]:
        print()
        print(f"Planted supervision gaps not detected (up to {samples}):")
        for r in sup["missed"][:samples]:
            print(f"  {r['worker']}: {r['start']}..{r['end']}: {r['description']}")
    if sup["false"]:
        print()
        print(f"Supervision gaps detected with no planted gap (up to {samples}):")
        for g in sup["false"][:samples]:
            print(
                f"  {g.worker.username} {g.rule_id} {g.status}: from {g.started_on}, due {g.due_on}, met {g.met_on}"
            )


if __name__ == "__main__":
    main()
