"""carepath recompute: every child's clocks, from the rules and calendar in force."""

from datetime import date

from django.core.management.base import BaseCommand
from tqdm import tqdm

from carepath.timescales.services import clocks_recompute_all, rules_ensure_loaded


class Command(BaseCommand):
    help = "Recompute every child's timescale clocks (after a rule or calendar change; nightly)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=date.fromisoformat, help="Count as if today were this date (YYYY-MM-DD)."
        )
        parser.add_argument("--quiet", action="store_true", help="No progress bar.")

    def handle(self, *args, today=None, quiet=False, **options):
        rules_ensure_loaded()
        bar = None if quiet else tqdm(total=0, unit=" children", desc="recomputing", leave=False)

        def progress(done: int, total: int) -> None:
            if bar is not None:
                bar.total = total
                bar.n = done
                bar.refresh()

        result = clocks_recompute_all(today=today, progress=progress)
        if bar is not None:
            bar.close()
        self.stdout.write(
            f"Recomputed {result.children:,} children: {result.deadlines:,} deadlines and flags stored "
            f"in {result.seconds:.1f} s."
        )
