"""The nightly job runs practice assurance too: every completed audit is checked against the record
again, and overdue supervision is escalated, once."""

from datetime import date, timedelta

import pytest

from carepath.assurance.models import SupervisionEscalation
from carepath.timescales.tasks import run_daily
from tests import factories as f
from tests.assurance.factories import open_child, team_with_managers
from tests.assurance.helpers_f18 import completed_audit

pytestmark = pytest.mark.django_db


def test_the_daily_job_rechecks_audits_and_escalates_a_worker_never_supervised():
    team, _manager, head = team_with_managers()
    worker = f.UserFactory(
        role="social_worker", team=team, service=team.service, started_on=date.today() - timedelta(days=45)
    )
    completed_audit(open_child(team=team)[0], grade="good")
    summary = run_daily.call()
    assert summary["calibration"]["checked"] == 1
    # Monthly supervision was due a month after they started, about 15 days ago: past the first
    # escalation point (7 days), not the second (28).
    escalation = SupervisionEscalation.objects.get(supervisee=worker)
    assert (escalation.level, escalation.escalated_to, escalation.rule_id) == (1, head, "SUPV")
    assert summary["supervision_escalations"] >= 1
    # The next night sends nothing twice.
    again = run_daily.call()
    assert again["supervision_escalations"] == 0
    assert SupervisionEscalation.objects.filter(supervisee=worker).count() == 1
