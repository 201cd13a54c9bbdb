"""Benchmark: generate a large synthetic authority and print the time, peak memory and rows.

    .venv/bin/python benchmarks/generate_authority.py        # 60,000 children into a fresh SQLite file
    .venv/bin/python benchmarks/generate_authority.py --children 5000
    .venv/bin/python benchmarks/generate_authority.py --database-url postgres://postgres@127.0.0.1:5432/carepath_bench

SQLite goes into a new temporary folder (kept with --keep). A PostgreSQL database is created if
it does not exist; --recreate drops and recreates it first. Peak memory is the process's maximum
resident set size (resource.getrusage), which includes Django itself.
"""

import argparse
import os
import resource
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def prepare_postgres(url: str, recreate: bool) -> None:
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    name = config["NAME"]
    admin = psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            admin.execute(f'DROP DATABASE "{name}"')
            exists = None
        if not exists:
            admin.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--children", type=int, default=60000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--today",
        type=date.fromisoformat,
        default=date(2025, 6, 30),
        help="The day the history runs up to (fixed by default so runs compare).",
    )
    parser.add_argument("--database-url", help="PostgreSQL URL; default is a fresh SQLite file.")
    parser.add_argument(
        "--recreate", action="store_true", help="Drop and recreate the PostgreSQL database first."
    )
    parser.add_argument("--keep", action="store_true", help="Keep the SQLite folder (its path is printed).")
    parser.add_argument("--planted", type=Path, help="Also write the planted failures file here.")
    args = parser.parse_args()

    folder = None
    if args.database_url:
        prepare_postgres(args.database_url, args.recreate)
        os.environ["DATABASE_URL"] = args.database_url
    else:
        folder = Path(tempfile.mkdtemp(prefix="carepath-bench-"))
        os.environ.pop("DATABASE_URL", None)
        os.environ["CAREPATH_DATA_DIR"] = str(folder)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "carepath.config.settings.demo")

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from carepath.synth.generator import generate_authority

    call_command("migrate", verbosity=0)
    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    print(f"Children: {args.children:,}  seed {args.seed}  today {args.today}")
    before = peak_mb()
    started = time.perf_counter()

    def progress(phase: str, done: int, total: int) -> None:
        if done == total:
            print(f"  {time.perf_counter() - started:7.1f} s  {phase} done ({total:,})", flush=True)

    report = generate_authority(
        children=args.children, seed=args.seed, today=args.today, planted_path=args.planted, progress=progress
    )
    wall = time.perf_counter() - started
    rows = sum(report.rows.values())
    print()
    print(f"Wall time:            {wall:,.1f} s ({wall / 60:.1f} minutes)")
    print(f"Rows written:         {rows:,} ({rows / wall:,.0f} a second)")
    print(f"Peak memory (RSS):    {peak_mb():,.0f} MB (before generating: {before:,.0f} MB)")
    print(f"Children:             {report.children:,}, open today {report.open_children:,}")
    print(f"Staff in post:        {report.staff:,}")
    print(f"Planted failures:     {report.planted:,}")
    if folder is not None:
        size = sum(p.stat().st_size for p in folder.glob("carepath.sqlite3*"))
        print(f"SQLite file:          {size / 1024 / 1024:,.0f} MB")
    print("Rows by table:")
    for label, count in sorted(report.rows.items(), key=lambda item: -item[1]):
        print(f"  {label:<40} {count:>10,}")
    try:
        from tests.synth.checks import authority_rates

        print("Rates:")
        for name, value in authority_rates(args.today).items():
            print(f"  {name:<40} {value:8.3f}")
    except ImportError:
        pass
    if folder is not None and not args.keep:
        shutil.rmtree(folder)
    elif folder is not None:
        print(f"Kept: {folder}")


if __name__ == "__main__":
    main()
