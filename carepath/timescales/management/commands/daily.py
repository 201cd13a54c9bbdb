"""carepath daily: the nightly job (recompute every clock, escalate, send the digests), run from cron."""

from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django_tasks import TaskResultStatus

from carepath.timescales.notifications import where_digests_go
from carepath.timescales.tasks import run_daily


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--today must be a date like 2026-03-31, not {value!r}") from None


class Command(BaseCommand):
    help = (
        "The daily job: recompute every child's timescale clocks, escalate overdue items to team managers "
        "and heads of service, and email each person with work their digest. Run it once a day (cron). "
        "With CAREPATH_TASKS=database it is queued for `carepath db_worker`; otherwise it runs now."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--today", type=_day, metavar="YYYY-MM-DD", help="Count as if today were this date."
        )

    def handle(self, *args, today=None, **options):
        result = run_daily.enqueue(today.isoformat() if today else None)
        if result.status == TaskResultStatus.FAILED:
            # The immediate backend keeps a task's exception in its result; show it and fail, so
            # that cron reports the failure.
            for error in result.errors:
                self.stderr.write(error.traceback)
            raise CommandError("The daily job failed.")
        if not result.is_finished:
            self.stdout.write(
                f"Queued the daily job (task {result.id}); a `carepath db_worker` process will run it."
            )
            return
        summary = result.return_value
        self.stdout.write(summary_lines(summary))
        if summary["digests"]["failed"]:
            raise CommandError(f"{summary['digests']['failed']} digest emails could not be sent.")


def summary_lines(summary: dict) -> str:
    digests = summary["digests"]
    lines = [
        f"Daily job for {date.fromisoformat(summary['today']):%A %-d %B %Y}:",
        f"  Clocks:       {summary['children']:,} children, {summary['deadlines']:,} deadlines and flags stored",
        f"  Escalations:  {summary['escalations']:,} new "
        f"({summary['escalated_to_team_managers']:,} to team managers, "
        f"{summary['escalated_to_heads_of_service']:,} to heads of service)",
        f"  Audits:       {summary['calibration']['flagged']:,} graded good or better while the record "
        f"showed a concern ({summary['calibration']['raised']:,} newly flagged)",
        f"  Supervision:  {summary['supervision_escalations']:,} overdue supervision gaps escalated",
        f"  Digests:      {digests['sent']:,} sent, {digests['nothing to send']:,} people with nothing to send",
    ]
    if digests["queued"]:
        lines.append(f"                {digests['queued']:,} queued for `carepath db_worker`")
    if digests["failed"]:
        lines.append(f"                {digests['failed']:,} FAILED (see the log)")
    lines.append(f"  {where_digests_go()}")
    return "\n".join(lines)
