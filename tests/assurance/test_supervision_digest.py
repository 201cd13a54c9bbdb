"""Supervision gaps escalated to a head of service or the director reach them in the daily digest,
which names the worker and the rule but no child."""

from datetime import date, timedelta

import pytest

from carepath.assurance.models import SupervisionEscalation
from carepath.timescales.notifications import digest_for, digest_message, recipients
from tests import factories as f
from tests.assurance.factories import team_with_managers

pytestmark = pytest.mark.django_db


def escalate(worker, to, *, level=1, rule_id="SUPV"):
    return SupervisionEscalation.objects.create(
        clock_key=f"{rule_id}:supervision:{worker.pk}:2026-09-01",
        supervisee=worker,
        supervisor=None,
        rule_id=rule_id,
        due_on=date.today() - timedelta(days=20),
        level=level,
        escalated_to=to,
        days_overdue=20,
    )


def test_the_head_of_service_is_told_whose_supervision_was_escalated_to_them():
    team, manager, head = team_with_managers()
    head.email = "head@example.invalid"
    head.save()
    worker = f.UserFactory(role="social_worker", team=team, first_name="Ysolde", last_name="Brackenridge")
    escalate(worker, head)
    digest = digest_for(head)
    assert not digest.is_empty
    assert digest.supervision_escalated == [
        f"Ysolde Brackenridge: Supervision at least monthly, due {date.today() - timedelta(days=20):%-d %B %Y}"
    ]
    assert "1 supervision gaps escalated to you" in digest.subject
    body = digest_message(digest).body
    assert "Supervision overdue and escalated to you (1)" in body and "Ysolde Brackenridge" in body
    # Nobody else is told about it.
    assert digest_for(manager).supervision_escalated == []


def test_the_director_gets_a_digest_only_for_supervision_escalated_to_them():
    director = f.UserFactory(role="director", team=None, email="director@example.invalid")
    assert director in recipients()
    assert digest_for(director).is_empty
    worker = f.UserFactory(role="team_manager")
    escalate(worker, director, level=2)
    digest = digest_for(director)
    assert len(digest.supervision_escalated) == 1 and not digest.is_empty


def test_an_escalation_from_before_the_last_digest_is_not_repeated():
    _team, _manager, head = team_with_managers()
    worker = f.UserFactory(role="social_worker")
    old = escalate(worker, head)
    SupervisionEscalation.objects.filter(pk=old.pk).update(escalated_at=old.escalated_at - timedelta(days=2))
    assert digest_for(head).supervision_escalated == []
