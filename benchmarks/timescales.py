"""Benchmark: the timescale clocks on a large synthetic authority.

    .venv/bin/python benchmarks/timescales.py --children 60000 --data-dir /tmp/bench-ts/large
    .venv/bin/python benchmarks/timescales.py --children 60000 --data-dir /tmp/bench-ts/large --reuse
    .venv/bin/python benchmarks/timescales.py --children 60000 \
        --database-url postgres://postgres@127.0.0.1:5432/bench_ts

Generates the authority as generate_authority.py does (or reuses the database with --reuse), then
prints: the full recompute of every clock (time, then peak memory in a separate fresh process),
the incremental refresh of one child after one record changes (direct, and through real journey
writes), and the full recompute against one plain SQL query that finds the same late clocks for
one rule (CLA-VISIT-N). Prints figures; never asserts on them.

The journey writes are real and committed: each run adds one statutory visit and one core group
meeting, dated now, to each sampled child on a child protection plan. Run timescales_accuracy.py
on a database before this, not after.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
REPO = BENCHMARKS.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(BENCHMARKS))

from generate_authority import prepare_postgres  # noqa: E402

DEFAULT_TODAY = date(2025, 6, 30)
SQL_RULE = "CLA-VISIT-N"


# ---------------------------------------------------------------------------------------------
# The authority: the same choice of database as generate_authority.py (shared with the accuracy
# benchmark)
# ---------------------------------------------------------------------------------------------


def add_authority_arguments(parser: argparse.ArgumentParser, *, seed: int = 1) -> None:
    parser.add_argument("--children", type=int, default=60000)
    parser.add_argument("--seed", type=int, default=seed)
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=DEFAULT_TODAY,
        help="The day the history runs up to, and the clocks are counted to (fixed so runs compare).",
    )
    parser.add_argument("--database-url", default="", help="PostgreSQL URL; default is an SQLite file.")
    parser.add_argument(
        "--data-dir",
        default="",
        help="Folder for the SQLite database (default: a new temporary folder, kept for --reuse).",
    )
    parser.add_argument(
        "--reuse", action="store_true", help="Use the database as it is instead of generating."
    )
    parser.add_argument(
        "--recreate", action="store_true", help="Drop and recreate the PostgreSQL database first."
    )


def add_planted_argument(parser: argparse.ArgumentParser) -> None:
    """--planted, for the benchmarks that measure the product against the planted failures."""
    parser.add_argument(
        "--planted",
        type=Path,
        help="The planted-failures CSV (written when generating; read with --reuse). "
        "Default: planted.csv in the data folder.",
    )


def resolve_planted(args, *, prefix: str) -> None:
    """Fill in the data folder and the planted file's path the way every such benchmark does, and
    refuse --reuse without the planted file the authority was generated with."""
    if not args.database_url and not args.data_dir:
        args.data_dir = tempfile.mkdtemp(prefix=prefix)
    if args.planted is None:
        if args.database_url:
            name = args.database_url.rstrip("/").rsplit("/", 1)[-1]
            args.planted = Path(tempfile.gettempdir()) / f"carepath-planted-{name}.csv"
        else:
            args.planted = Path(args.data_dir) / "planted.csv"
    if args.reuse and not args.planted.exists():
        raise SystemExit(f"--reuse needs the planted file written with the authority: {args.planted}")


def open_authority(args, *, planted: Path | None = None) -> str:
    """Point Django at the benchmark database, migrate it, and generate the authority unless
    reusing. Returns a label for the database."""
    if args.database_url:
        prepare_postgres(args.database_url, args.recreate and not args.reuse)
        os.environ["DATABASE_URL"] = args.database_url
        label = "PostgreSQL"
    else:
        if args.reuse and not args.data_dir:
            raise SystemExit("--reuse needs --data-dir (the folder that holds carepath.sqlite3).")
        folder = Path(args.data_dir) if args.data_dir else Path(tempfile.mkdtemp(prefix="carepath-bench-ts-"))
        folder.mkdir(parents=True, exist_ok=True)
        if args.reuse and not (folder / "carepath.sqlite3").exists():
            raise SystemExit(f"--reuse: there is no carepath.sqlite3 in {folder}")
        os.environ.pop("DATABASE_URL", None)
        os.environ["CAREPATH_DATA_DIR"] = str(folder)
        args.data_dir = str(folder)
        label = "SQLite"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carepath.config.settings.demo")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from carepath.people.models import Child
    from carepath.synth.generator import GenerationRefused, generate_authority

    call_command("migrate", verbosity=0)
    where = connection.settings_dict["NAME"]
    if args.reuse:
        print(f"Database: {label} {where} (reused: {Child.objects.count():,} children)", flush=True)
        return label
    print(f"Database: {label} {where}", flush=True)
    print(f"Generating {args.children:,} children, seed {args.seed}, today {args.today}…", flush=True)
    started = time.perf_counter()
    try:
        report = generate_authority(
            children=args.children, seed=args.seed, today=args.today, planted_path=planted
        )
    except GenerationRefused as refused:
        raise SystemExit(
            f"{refused} Use --reuse to measure it as it is, or --recreate (PostgreSQL)."
        ) from None
    print(
        f"  generated in {time.perf_counter() - started:.0f} s: {report.children:,} children, "
        f"{report.open_children:,} open, {report.planted:,} planted failures",
        flush=True,
    )
    return label


def percentile(values: list[float], p: float) -> float:
    values = sorted(values)
    k = (len(values) - 1) * p
    f, c = int(k), min(int(k) + 1, len(values) - 1)
    return values[f] + (values[c] - values[f]) * (k - f)


# ---------------------------------------------------------------------------------------------
# Peak memory of the full recompute, in a fresh process so that generation does not count
# ---------------------------------------------------------------------------------------------


def _rss_mb(field: str) -> float:
    """VmRSS (now) or VmHWM (peak) of this process, from /proc. getrusage's ru_maxrss would do
    for the peak, but on Linux a process started from a larger one inherits that one's figure."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def memory_probe(mode: str, today: date) -> None:
    """Run in a child process: recompute once and print the peak memory as JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carepath.config.settings.demo")
    import django

    django.setup()
    from carepath.timescales.services import clocks_recompute_all

    before = _rss_mb("VmRSS")
    result = clocks_recompute_all(today=today, measure_memory=mode == "tracemalloc")
    after = _rss_mb("VmHWM")
    # The largest of the forked workers, if the recompute used any (kilobytes on Linux).
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        json.dumps(
            {
                "rss_before_mb": before,
                "rss_peak_mb": after,
                "worker_rss_peak_mb": worker,
                "workers": result.workers,
                "tracemalloc_peak_mb": result.peak_memory_mb,
                "seconds": result.seconds,
            }
        )
    )


def measure_memory(mode: str, today: date) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--probe", mode, "--today", today.isoformat()],
        env=os.environ.copy(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


# ---------------------------------------------------------------------------------------------
# One rule in plain SQL
# ---------------------------------------------------------------------------------------------


def cla_visit_sql(vendor: str, time_zone: str) -> str:
    """CLA-VISIT-N as one query: statutory looked-after visits (child seen, or a pre-birth visit)
    within each placement, the next visit by LEAD, and a clock wherever the next visit came more
    than 42 days later (late), never came before the placement ended past the due date (missed),
    or has not come yet in an ongoing placement (open). A period of care is episodes joined end
    to start (an episode that starts to be looked after, RNE S, begins a new one); a placement
    starts with the period or with an episode whose reason is a new placement (RNE S, P, T, B,
    U). Where the shipped rules put another visiting rule in
    its place (long-term fostering held a year; placed with a parent under an interim care order)
    the clock is not this rule's: the episode in force on the visit day decides, as in the engine.
    The two dialects differ only in date arithmetic and the local date of a visit."""
    from carepath.core.codes import NEW_PLACEMENT_RNE, ReasonNewEpisode

    new_placement = ", ".join(f"'{code}'" for code in sorted(NEW_PLACEMENT_RNE))
    started = ReasonNewEpisode.STARTED.value
    if vendor == "postgresql":
        local_day = f"CAST(timezone('{time_zone}', v.visited_at) AS DATE)"

        def plus(expr: str, days: int) -> str:
            return f"({expr} + {days})"

        def days_between(a: str, b: str) -> str:
            return f"({b} - {a})"

    else:
        # SQLite keeps UTC text. Generated visits are all between 09:00 and 18:00 London time, so
        # the UTC date is the London date; a visit recorded between midnight and 01:00 in summer
        # would be counted on the day before.
        local_day = "DATE(v.visited_at)"

        def plus(expr: str, days: int) -> str:
            return f"DATE({expr}, '+{days} days')"

        def days_between(a: str, b: str) -> str:
            return f"(julianday({b}) - julianday({a}))"

    # Only constants from this module and carepath.core.codes go into the text: nothing from input.
    return f"""
WITH lagged AS (
    SELECT id, child_id, start_date, end_date, reason_new_episode,
           LAG(end_date) OVER (PARTITION BY child_id ORDER BY start_date, id) AS previous_end
    FROM journey_lookedafterepisode
),
numbered AS (
    SELECT lagged.*,
           SUM(CASE WHEN previous_end IS NULL OR previous_end <> start_date
                     OR reason_new_episode = '{started}' THEN 1 ELSE 0 END)
               OVER (PARTITION BY child_id ORDER BY start_date, id ROWS UNBOUNDED PRECEDING) AS period_no,
           SUM(CASE WHEN previous_end IS NULL OR previous_end <> start_date
                     OR reason_new_episode IN ({new_placement}) THEN 1 ELSE 0 END)
               OVER (PARTITION BY child_id ORDER BY start_date, id ROWS UNBOUNDED PRECEDING) AS placement_no
    FROM lagged
),
named AS (
    -- A placement is named by its first episode, as in the engine.
    SELECT numbered.*,
           FIRST_VALUE(id) OVER (PARTITION BY child_id, placement_no ORDER BY start_date, id) AS placement_id
    FROM numbered
),
placements AS (
    SELECT child_id, placement_no, placement_id,
           MIN(start_date) AS placement_start,
           CASE WHEN COUNT(*) = COUNT(end_date) THEN MAX(end_date) END AS placement_end,
           MIN(period_no) AS period_no
    FROM named
    GROUP BY child_id, placement_no, placement_id
),
periods AS (
    SELECT child_id, period_no, MIN(start_date) AS period_start FROM numbered GROUP BY child_id, period_no
),
visit_days AS (
    SELECT DISTINCT p.child_id, p.placement_id, p.placement_end, r.period_start, {local_day} AS day
    FROM placements p
    JOIN periods r ON r.child_id = p.child_id AND r.period_no = p.period_no
    JOIN journey_visit v ON v.child_id = p.child_id
    JOIN people_child c ON c.id = v.child_id
    WHERE v.kind = 'cla'
      AND (v.child_seen OR c.date_of_birth IS NULL OR c.date_of_birth > {local_day})
      AND {local_day} >= p.placement_start
      AND (p.placement_end IS NULL OR {local_day} <= p.placement_end)
),
placed AS (
    SELECT visit_days.*, LEAD(day) OVER (PARTITION BY placement_id ORDER BY day) AS next_day
    FROM visit_days
),
overdue AS (
    SELECT child_id, placement_id, period_start, day,
           CASE WHEN next_day IS NOT NULL THEN 'late' WHEN placement_end IS NOT NULL THEN 'missed'
                ELSE 'open' END AS status
    FROM placed
    WHERE (next_day IS NOT NULL AND next_day > {plus("day", 42)})
       OR (next_day IS NULL AND (placement_end IS NULL OR placement_end > {plus("day", 42)}))
),
attributed AS (
    -- The episode in force on the visit day, and the start of the placement it belongs to.
    SELECT o.*,
           (SELECT e.placement_type FROM journey_lookedafterepisode e
             WHERE e.child_id = o.child_id AND e.start_date BETWEEN o.period_start AND o.day
             ORDER BY e.start_date DESC, e.id DESC LIMIT 1) AS placement_type,
           (SELECT e.legal_status FROM journey_lookedafterepisode e
             WHERE e.child_id = o.child_id AND e.start_date BETWEEN o.period_start AND o.day
             ORDER BY e.start_date DESC, e.id DESC LIMIT 1) AS legal_status,
           (SELECT MAX(e.start_date) FROM journey_lookedafterepisode e
             WHERE e.child_id = o.child_id AND e.start_date BETWEEN o.period_start AND o.day
               AND (e.start_date = o.period_start OR e.reason_new_episode IN ({new_placement})))
               AS held_since
    FROM overdue o
)
SELECT child_id, placement_id, day, status
FROM attributed
WHERE NOT ((placement_type IN ('U1', 'U4') AND {days_between("held_since", "day")} >= 365)
           OR (placement_type = 'P1' AND legal_status = 'C1'))
"""  # noqa: S608


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value)[:10])


def _cpu_seconds() -> float:
    # process_time is fine-grained; os.times adds the workers, in clock ticks (10 ms).
    t = os.times()
    return time.process_time() + t.children_user + t.children_system


class Timer:
    """Wall-clock time, and CPU time of this process and the workers it waited for (a large
    recompute forks one per core). On a busy machine the CPU time is the better guide to what
    the work costs; with SQLite the database works inside these processes, so it is counted,
    while PostgreSQL's server time is not."""

    def __enter__(self) -> Timer:
        self._wall, self._cpu = time.perf_counter(), _cpu_seconds()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = _cpu_seconds() - self._cpu


def run_sql_rule() -> tuple[Timer, set[tuple]]:
    from django.conf import settings
    from django.db import connection

    sql = cla_visit_sql(connection.vendor, settings.TIME_ZONE)
    with Timer() as timer, connection.cursor() as cursor:
        cursor.execute(sql)
        rows = cursor.fetchall()
    return timer, {(child, placement, _as_date(day), status) for child, placement, day, status in rows}


# ---------------------------------------------------------------------------------------------
# The measurements
# ---------------------------------------------------------------------------------------------


def engine_passes(today: date, rule_id: str) -> dict:
    """Load every history once (in the recompute's chunks) and time the engine with every rule
    and with one rule alone, without writing anything. Returns (wall, cpu) seconds per step."""
    from carepath.people.models import Child
    from carepath.timescales.engine import Engine, Status
    from carepath.timescales.history import load_histories
    from carepath.timescales.services import engine_in_force, rules_in_force

    full = engine_in_force()
    spec = next(r for r in rules_in_force() if r.id == rule_id)
    one = Engine([spec], full.calendar)
    # The rules that replace this one where both apply (long-term fostering, placed with a parent)
    # are not evaluated, but the engine must still know them to skip those visits; without them it
    # would count intervals the full engine leaves to the other rules.
    one.superseded_by = {rule_id: full.superseded_by.get(rule_id, [])}
    ids = Child.objects.order_by("id").values_list("id", flat=True)
    lo, hi = ids.first(), ids.last()
    spent = {"load": [0.0, 0.0], "evaluate_all": [0.0, 0.0], "evaluate_one": [0.0, 0.0]}
    one_clocks: set[tuple] = set()

    def add(step: str, timer: Timer) -> None:
        spent[step][0] += timer.wall
        spent[step][1] += timer.cpu

    for start in range(lo, hi + 1, 5000):
        with Timer() as timer:
            histories = load_histories(id_from=start, id_to=start + 5000)
        add("load", timer)
        with Timer() as timer:
            for history in histories.values():
                full.clocks(history, today)
        add("evaluate_all", timer)
        with Timer() as timer:
            for history in histories.values():
                for clock in one.clocks(history, today):
                    if clock.rule_id == rule_id and clock.status in Status.STORED:
                        one_clocks.add((clock.child_id, clock.context_id, clock.started_on, clock.status))
        add("evaluate_one", timer)
    return {**{k: tuple(v) for k, v in spent.items()}, "one_clocks": one_clocks}


def incremental(today: date, sample: int, seed: int) -> dict:
    from django.utils import timezone

    import carepath.core.events as child_events
    from carepath.journey import services as journey
    from carepath.journey.models import ChildProtectionPlan, Visit
    from carepath.people.models import Child, ChildStatus
    from carepath.timescales.history import load_history
    from carepath.timescales.services import child_clocks_refresh, engine_in_force

    rng = random.Random(seed)
    open_ids = list(
        Child.objects.exclude(status=ChildStatus.CLOSED).order_by("id").values_list("id", flat=True)
    )
    chosen = rng.sample(open_ids, min(sample, len(open_ids)))
    timings: dict[str, list[Timer]] = {"refresh": [], "engine": [], "history": [], "evaluate": []}
    for child_id in chosen:
        with Timer() as timer:
            child_clocks_refresh(child_id=child_id, today=today)
        timings["refresh"].append(timer)
    # Where a refresh's time goes: the same steps again, one at a time, for the same children.
    for child_id in chosen:
        with Timer() as timer:
            engine = engine_in_force()
        timings["engine"].append(timer)
        with Timer() as timer:
            history = load_history(child_id)
        timings["history"].append(timer)
        with Timer() as timer:
            engine.clocks(history, today)
        timings["evaluate"].append(timer)

    # Real writes for children on a child protection plan, by their allocated social worker.
    plans = list(
        ChildProtectionPlan.objects.filter(
            end_date__isnull=True, child__allocated_worker__is_active=True, child__is_restricted=False
        )
        .select_related("child", "child__allocated_worker")
        .order_by("id")
    )
    plans = rng.sample(plans, min(sample, len(plans)))
    # Count the refreshes the hook makes, to say whether each write triggered one.
    fired = {"n": 0}
    original = list(child_events._subscribers)

    def counting(callback):
        def wrapped(child_id: int) -> None:
            fired["n"] += 1
            callback(child_id)

        return wrapped

    child_events._subscribers[:] = [counting(cb) for cb in original]
    writes: dict[str, dict] = {}
    try:
        for label, write in (
            (
                "visit_create (CP visit)",
                lambda plan: journey.visit_create(
                    actor=plan.child.allocated_worker,
                    child=plan.child,
                    visited_at=timezone.now() - timedelta(minutes=1),
                    kind=Visit.Kind.CP,
                    child_seen=True,
                    notes="Benchmark visit.",
                ),
            ),
            (
                "core_group_record",
                lambda plan: journey.core_group_record(
                    actor=plan.child.allocated_worker,
                    plan=plan,
                    held_on=timezone.localdate(),
                    notes="Benchmark core group.",
                ),
            ),
        ):
            done, refused, hooks_before = [], [], fired["n"]
            for plan in plans:
                try:
                    with Timer() as timer:
                        write(plan)
                except Exception as error:  # a refusal is reported, not timed
                    refused.append(f"{type(error).__name__}: {error}"[:160])
                    continue
                done.append(timer)
            writes[label] = {"timers": done, "refused": refused, "refreshes": fired["n"] - hooks_before}
    finally:
        child_events._subscribers[:] = original
    return {**timings, "writes": writes, "plans": len(plans)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_authority_arguments(parser)
    parser.add_argument("--sample", type=int, default=300, help="Children for the incremental timings.")
    parser.add_argument(
        "--memory",
        choices=["both", "rss", "none"],
        default="both",
        help="Peak-memory runs: RSS and tracemalloc (slow: about 8 times the recompute), RSS only, or none.",
    )
    parser.add_argument("--probe", choices=["rss", "tracemalloc"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        memory_probe(args.probe, args.today)
        return

    label = open_authority(args)
    from django.db import connection

    from carepath.people.models import Child
    from carepath.timescales.engine import Status
    from carepath.timescales.models import Deadline
    from carepath.timescales.services import clocks_recompute_all, rules_ensure_loaded

    rules_ensure_loaded()
    cores = os.cpu_count()
    load_before = os.getloadavg()[0]
    print(f"\nTimescales on {label}, {cores} cores, today {args.today}", flush=True)

    # 1. Full recompute.
    with Timer() as recompute:
        result = clocks_recompute_all(today=args.today, measure_memory=False)
    open_children = Child.objects.exclude(status="closed").count()
    by_status = {s: Deadline.objects.filter(status=s).count() for s in Status.STORED}
    print(f"  full recompute: {recompute.wall:.1f} s, {result.deadlines:,} deadlines", flush=True)
    memory = {}
    if args.memory != "none":
        memory["rss"] = measure_memory("rss", args.today)
    if args.memory == "both":
        memory["tracemalloc"] = measure_memory("tracemalloc", args.today)
    print("  memory measured", flush=True)

    # 2. Engine passes with every rule and with one rule, without writing.
    passes = engine_passes(args.today, SQL_RULE)
    print("  engine passes done", flush=True)

    # 3. The SQL query for one rule, twice (the second run, with warm caches, is the one compared).
    sql_first, _ = run_sql_rule()
    sql, sql_clocks = run_sql_rule()
    stored = {
        (d["child_id"], d["context_id"], d["started_on"], d["status"])
        for d in Deadline.objects.filter(rule_id=SQL_RULE).values(
            "child_id", "context_id", "started_on", "status"
        )
    }
    print("  SQL done", flush=True)

    # 4. Incremental.
    inc = incremental(args.today, args.sample, args.seed)

    # --- Report ------------------------------------------------------------------------------
    print()
    print(f"== Timescales benchmark: {label} ({connection.settings_dict['NAME']}), {cores} cores ==")
    print(
        f"Load average (1 min) before {load_before:.1f}, after {os.getloadavg()[0]:.1f} "
        f"(above {cores} means other work was queueing for the cores and every wall time is longer)"
    )
    print(f"Children {result.children:,} (open {open_children:,}); deadlines stored {result.deadlines:,}")
    print("  by status: " + ", ".join(f"{s} {n:,}" for s, n in by_status.items()))
    print()
    print("Full recompute of every clock (clocks_recompute_all; target under 10 s)")
    print(f"  {'':<46} {'wall':>9} {'CPU':>9}")
    print(
        f"  {'full recompute (load, evaluate, write)':<46} {recompute.wall:>7.1f} s {recompute.cpu:>7.1f} s"
        f"   {result.children / recompute.wall:,.0f} children/s, {result.workers} worker process(es)"
    )
    print("  the same steps again, in this one process:")
    for name, key in (
        ("  loading every history (no write)", "load"),
        ("  engine, all rules (no write)", "evaluate_all"),
    ):
        print(f"  {name:<46} {passes[key][0]:>7.1f} s {passes[key][1]:>7.1f} s")
    if "rss" in memory:
        rss = memory["rss"]
        print(
            f"  {'peak RSS, fresh process (/proc VmHWM)':<46} {rss['rss_peak_mb']:>7.0f} MB"
            f"   (RSS after django.setup, before the recompute: {rss['rss_before_mb']:.0f} MB;"
            f" that run took {rss['seconds']:.1f} s)"
        )
        if rss["workers"] > 1:
            print(
                f"  {'peak RSS of the largest worker (getrusage)':<46} {rss['worker_rss_peak_mb']:>7.0f} MB"
                f"   ({rss['workers']} workers forked from the process above, sharing its pages"
                " until they write)"
            )
    if "tracemalloc" in memory:
        tm = memory["tracemalloc"]
        print(
            f"  {'peak Python allocations (tracemalloc)':<46} {tm['tracemalloc_peak_mb']:>7.0f} MB"
            f"   (that run took {tm['seconds']:.1f} s under tracemalloc"
            + ("; the main process only, not its workers)" if tm["workers"] > 1 else ")")
        )
    print()
    print(
        f"Incremental refresh after one record changes (target under 20 ms; {len(inc['refresh'])} open children)"
    )
    print(f"  {'':<46} {'n':>5} {'median':>9} {'p95':>9} {'max':>9} {'CPU median':>11}")

    def line(name: str, timers: list[Timer]) -> None:
        wall = [t.wall * 1000 for t in timers]
        if not wall:
            print(f"  {name:<46} {0:>5}")
            return
        print(
            f"  {name:<46} {len(wall):>5} {statistics.median(wall):>7.1f}ms "
            f"{percentile(wall, 0.95):>7.1f}ms {max(wall):>7.1f}ms "
            f"{statistics.median(t.cpu * 1000 for t in timers):>9.1f}ms"
        )

    line("child_clocks_refresh(child_id=...)", inc["refresh"])
    line("  of which engine_in_force() (rules, calendar)", inc["engine"])
    line("  of which load_history(child_id)", inc["history"])
    line("  of which engine.clocks(history, today)", inc["evaluate"])
    for name, w in inc["writes"].items():
        line(f"{name}, committed", w["timers"])
        print(
            f"  {'':<46} the hook refreshed the clocks {w['refreshes']} times for {len(w['timers'])} writes"
            + (f"; {len(w['refused'])} refused, e.g. {w['refused'][0]}" if w["refused"] else "")
        )
    print(
        f"  (writes: {inc['plans']} children on an open child protection plan, by their social worker; "
        "they stay in the database)"
    )
    print()
    one_wall = passes["load"][0] + passes["evaluate_one"][0]
    one_cpu = passes["load"][1] + passes["evaluate_one"][1]
    print(f"One rule in SQL: {SQL_RULE} (visits within a placement at most 42 days apart)")
    print(f"  {'':<46} {'wall':>9} {'CPU':>9}")
    print(
        f"  {'SQL query (window function LEAD), second run':<46} {sql.wall:>7.2f} s {sql.cpu:>7.2f} s"
        f"   (first run {sql_first.wall:.2f} s)"
    )
    print(f"  {'engine, this rule alone: load + evaluate':<46} {one_wall:>7.2f} s {one_cpu:>7.2f} s")
    print(
        f"  {'engine, this rule alone: evaluate only':<46} {passes['evaluate_one'][0]:>7.2f} s"
        f" {passes['evaluate_one'][1]:>7.2f} s"
    )
    print("  Ratios (wall):")
    print(f"    {'engine-all-rules (full recompute) / SQL':<44} {recompute.wall / sql.wall:>7.1f} ×")
    print(f"    {'engine-one-rule (load + evaluate) / SQL':<44} {one_wall / sql.wall:>7.1f} ×")
    print(f"    {'engine-one-rule (evaluate only) / SQL':<44} {passes['evaluate_one'][0] / sql.wall:>7.1f} ×")
    print("  Agreement (clocks as child, placement, visit day, status):")
    for status in ("late", "missed", "open", None):
        e = {r for r in stored if status is None or r[3] == status}
        s = {r for r in sql_clocks if status is None or r[3] == status}
        print(
            f"    {status or 'all':<8} engine {len(e):>7,}  SQL {len(s):>7,}  both {len(e & s):>7,}  "
            f"engine only {len(e - s):>5,}  SQL only {len(s - e):>5,}"
        )
    print(
        f"    the one-rule engine finds exactly the full engine's stored rows: {passes['one_clocks'] == stored}"
    )
    for row in sorted(stored - sql_clocks)[:5]:
        print(f"    engine only: {row}")
    for row in sorted(sql_clocks - stored)[:5]:
        print(f"    SQL only:    {row}")


if __name__ == "__main__":
    main()
