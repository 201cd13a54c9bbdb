"""Background work for the timescales, through the django.tasks API (backport `django-tasks`).

With the default immediate backend a task runs as soon as it is enqueued, in the same process;
with CAREPATH_TASKS=database it waits in the database for a `carepath db_worker` process. Arguments
and return values travel as JSON, so dates are ISO strings.
"""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import date

from django.utils import timezone
from django_tasks import TaskResultStatus, task

from carepath.people.models import User

from .notifications import digest_send, recipients
from .services import clocks_recompute_all, escalations_run, rules_ensure_loaded

logger = logging.getLogger(__name__)


def _day(value: str | None) -> date:
    return date.fromisoformat(value) if value else timezone.localdate()


@task()
def send_digest(user_id: int, today: str | None = None) -> bool:
    """One person's digest. Looked up again when it runs: they may have left since it was queued."""
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        return False
    return digest_send(user=user, today=_day(today))


@task()
def run_daily(today: str | None = None) -> dict:
    """The nightly job: recompute every clock (time-dependent flags become true on their own day),
    escalate what has become overdue past each rule's points, then queue everyone's digest, in that
    order so that a manager's digest names the escalations made this morning."""
    day = _day(today)
    rules_ensure_loaded()
    recomputed = clocks_recompute_all(today=day)
    escalations = escalations_run(today=day)
    # Practice assurance reads the fresh clocks: audits re-checked against the record (F18) and
    # supervision gaps escalated (F16). Imported here: the assurance app builds on timescales.
    from carepath.assurance.services.calibration import calibration_recheck
    from carepath.assurance.services.supervision import supervision_escalations_run

    calibration = calibration_recheck(today=day)
    supervision_escalations = supervision_escalations_run(today=day)
    digests = {"sent": 0, "nothing to send": 0, "queued": 0, "failed": 0}
    for user_id in recipients().values_list("pk", flat=True):
        result = send_digest.enqueue(user_id, day.isoformat())
        if result.status == TaskResultStatus.SUCCESSFUL:
            digests["sent" if result.return_value else "nothing to send"] += 1
        elif result.status == TaskResultStatus.FAILED:
            digests["failed"] += 1
            logger.error("digest for user %s failed (task %s)", user_id, result.id)
        else:
            digests["queued"] += 1
    summary = {
        "today": day.isoformat(),
        "children": recomputed.children,
        "deadlines": recomputed.deadlines,
        "escalations": len(escalations),
        "escalated_to_team_managers": sum(1 for e in escalations if e.level == 1),
        "escalated_to_heads_of_service": sum(1 for e in escalations if e.level == 2),
        "calibration": asdict(calibration),
        "supervision_escalations": len(supervision_escalations),
        "digests": digests,
    }
    logger.info("daily run for %s: %s", day, summary)
    return summary
