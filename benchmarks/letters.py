"""Benchmark: time to render one letter before proceedings to Word (DOCX) and to PDF.

    .venv/bin/python benchmarks/letters.py                 # 20 renders of each, the sample letter
    .venv/bin/python benchmarks/letters.py --renders 50 --changes 12

Renders carepath's shipped templates with plain letter data (carepath.legal.letters.context.
sample_letter), with no database: the renderer never touches one, and the few queries that load a
letter are not what this measures. The first render of each format is reported on its own (it
compiles the template and loads fonts); the figures per letter are the renders after it.
Prints figures; never asserts on them.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import platform
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from carepath.legal.letters.context import ChangeItem, sample_letter  # noqa: E402
from carepath.legal.letters.rendering import render_docx, render_html, render_pdf  # noqa: E402


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile."""
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def timed(fn, renders: int) -> tuple[float, list[float], int]:
    start = time.perf_counter()
    first = fn()
    cold = time.perf_counter() - start
    times = []
    for _ in range(renders):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return cold, times, len(first)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--renders", type=int, default=20, help="Renders of each format after the first.")
    parser.add_argument(
        "--changes", type=int, default=0, help="Make the letter longer: this many things that must change."
    )
    args = parser.parse_args()

    letter = sample_letter(date(2026, 3, 3))
    if args.changes:
        letter = dataclasses.replace(
            letter,
            changes=tuple(
                ChangeItem(
                    "You",
                    f"thing number {i} that must change, in a sentence or two",
                    letter.dated + timedelta(days=7 + i),
                )
                for i in range(args.changes)
            ),
        )

    import docxtpl
    import weasyprint

    print(
        f"Letter before proceedings: {len(letter.changes)} changes, {len(letter.support)} support items, "
        f"{args.renders} renders of each format after the first"
    )
    print(
        f"Python {platform.python_version()}, docxtpl {docxtpl.__version__}, WeasyPrint {weasyprint.__version__}, "
        f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}"
    )
    print()
    print(f"{'format':<22}{'first':>10}{'median':>10}{'p95':>10}{'min':>10}{'max':>10}{'size':>10}")
    for label, fn in (
        ("DOCX (docxtpl)", lambda: render_docx(letter)),
        ("HTML (Jinja)", lambda: render_html(letter).encode()),
        ("PDF (HTML+WeasyPrint)", lambda: render_pdf(letter)),
    ):
        cold, times, size = timed(fn, args.renders)
        ms = [t * 1000 for t in times]
        print(
            f"{label:<22}{cold * 1000:>8.1f}ms{statistics.median(ms):>8.1f}ms{p95(ms):>8.1f}ms"
            f"{min(ms):>8.1f}ms{max(ms):>8.1f}ms{size / 1024:>8.0f}KB"
        )


if __name__ == "__main__":
    main()
