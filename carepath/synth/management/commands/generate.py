"""`carepath generate`: build a synthetic authority into an empty database."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from carepath.synth.generator import GenerationRefused, generate_authority
from carepath.synth.planted import KINDS
from carepath.timescales.services import clocks_recompute_all


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be a date like 2025-03-31, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "Generate a synthetic local authority (staff, families, children and about five years of their "
        "journeys) into an empty database, reproducibly from a seed. Planted practice failures (late visits "
        "and reviews, drift, churn and others) can be listed to a CSV or JSON file to measure later features "
        "against. Synthetic data only: no real person's details are used."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--children",
            type=int,
            required=True,
            help="How many children the authority has had over its history (2000; 60000 for a large one).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            default=1,
            help="Random seed: the same seed, size and --today give the same data (default 1).",
        )
        parser.add_argument(
            "--planted",
            type=Path,
            metavar="FILE",
            help="Write the planted failures here (.csv, or .json for JSON), one row per failure.",
        )
        parser.add_argument(
            "--today",
            type=_day,
            metavar="YYYY-MM-DD",
            help="The day the history runs up to (default: today). Fix it for reproducible data.",
        )
        parser.add_argument(
            "--planted-rate",
            action="append",
            default=[],
            metavar="KIND=RATE",
            help=f"Override a planted failure rate, e.g. late_cp_visit=0.1. Kinds: {', '.join(KINDS)}.",
        )

    def handle(self, *args, children, seed, planted, today, planted_rate, **options):
        if children < 1:
            raise CommandError("--children must be at least 1")
        rates = {}
        for item in planted_rate:
            kind, _, value = item.partition("=")
            if kind not in KINDS:
                raise CommandError(f"Unknown planted failure kind {kind!r}. Known: {', '.join(KINDS)}")
            try:
                rates[kind] = float(value)
            except ValueError:
                raise CommandError(
                    f"--planted-rate {item!r}: the rate must be a number between 0 and 1"
                ) from None
        bars: dict[str, tqdm] = {}

        def progress(phase: str, done: int, total: int) -> None:
            bar = bars.get(phase)
            if bar is None:
                # tqdm writes to the raw stream: OutputWrapper would end every redraw with a newline.
                for other in bars.values():
                    other.close()
                bar = bars[phase] = tqdm(
                    total=total, desc=phase, unit="", file=self.stderr._out, leave=True, dynamic_ncols=True
                )
            bar.total = total
            bar.update(done - bar.n)

        try:
            result = generate_authority(
                children=children,
                seed=seed,
                today=today,
                planted_path=planted,
                planted_rates=rates or None,
                progress=progress,
            )
        except GenerationRefused as refused:
            raise CommandError(str(refused)) from None
        finally:
            for bar in bars.values():
                bar.close()
        # The generator writes in bulk, not through the services, so the clocks are worked out once
        # here, counted from the same "today" as the history.
        clocks = clocks_recompute_all(today=today)
        # Audits are checked against those clocks (assurance: calibration against the record).
        from carepath.assurance.services.calibration import calibration_recheck

        calibration = calibration_recheck(today=today)
        out = self.stdout
        out.write(f"Children:          {result.children:,}")
        out.write(f"Open children:     {result.open_children:,}")
        out.write(f"Staff in post:     {result.staff:,}")
        out.write(f"Planted failures:  {result.planted:,}" + (f" (listed in {planted})" if planted else ""))
        out.write(f"Seconds:           {result.seconds:,.1f}")
        out.write(f"Timescale clocks:  {clocks.deadlines:,} open, late or flagged ({clocks.seconds:,.1f} s)")
        out.write(f"Audits flagged:    {calibration.flagged:,} graded good while the record showed a concern")
        out.write("Demo accounts (passwords are unusable until `carepath demo` sets them):")
        for login in result.demo_logins:
            out.write(f"  {login.username:<16} {login.role_label}: {login.description}")
