"""carepath legal_export: pre-proceedings in the CIN census or SSD shape, for analysts."""

from datetime import date
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from carepath.legal import exports


class Command(BaseCommand):
    help = (
        "Write every child's pre-proceedings as CSV, in the shape of the CIN census 2026-27 "
        "PreProceedingsandFGDM block (--format cin) or the SSD ssd_pre_proceedings table (--format ssd). "
        "It runs without a signed-in user: it writes EVERY child, with no scoping, and records no access "
        "event (the web page's download logs each child as read). Keep the file as securely as the case records."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--format",
            dest="shape",
            choices=sorted(exports.SHAPES),
            required=True,
            help="; ".join(f"{key}: {label}" for key, label in exports.SHAPES.items()),
        )
        parser.add_argument("--out", required=True, help="The CSV file to write ('-' for standard output).")
        parser.add_argument(
            "--year-start",
            type=date.fromisoformat,
            help="Only pre-proceedings open in the census year beginning on this day (YYYY-MM-DD, e.g. 2026-04-01).",
        )

    def handle(self, *args, shape, out, year_start=None, **options):
        records = exports.rows(shape, actor=None, year_start=year_start)
        if out == "-":
            count = exports.write_csv(shape, records, self.stdout)
        else:
            path = Path(out)
            if not path.parent.exists():
                raise CommandError(f"No such folder: {path.parent}")
            with path.open("w", newline="", encoding="utf-8") as handle:
                count = exports.write_csv(shape, records, handle)
        # The summary goes to standard error when the rows go to standard output.
        report = self.stderr if out == "-" else self.stdout
        report.write(
            f"{count} rows ({exports.SHAPES[shape]}) written to {'standard output' if out == '-' else out}."
        )
