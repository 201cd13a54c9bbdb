"""carepath closures: add the authority's closure days from a CSV file (date,reason)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from carepath.timescales.models import ClosureDay
from carepath.timescales.rulebook import RuleFileError
from carepath.timescales.services import closures_load_file


class Command(BaseCommand):
    help = "Add closure days from a CSV file of 'date,reason' rows (all or nothing), or list them."

    def add_arguments(self, parser):
        parser.add_argument(
            "path", type=Path, nargs="?", help="CSV file to load; omit to list the closure days."
        )

    def handle(self, *args, path=None, **options):
        if path is None:
            for closure in ClosureDay.objects.all():
                self.stdout.write(f"{closure.day.isoformat()}  {closure.reason}")
            return
        try:
            days = closures_load_file(path=path)
        except RuleFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"Added {len(days)} closure day(s) from {path}; every clock recomputed.")
