"""A moderator grades blind (F18): the child's Timescales tab and API do not show them the clocks of
the actions the audit set, which would tell them the grade was below good."""

from datetime import date, timedelta

import pytest

from carepath.assurance import models as am
from carepath.timescales.models import Deadline
from carepath.timescales.services import child_clocks_refresh
from tests import factories as f
from tests.assurance.factories import open_child
from tests.assurance.helpers_f18 import completed_audit

pytestmark = pytest.mark.django_db


@pytest.fixture
def audit_with_action():
    child, worker = open_child()
    audit = completed_audit(child, grade="requires_improvement", on=date.today() - timedelta(days=10))
    am.AuditAction.objects.create(
        audit=audit,
        child=child,
        action="Update the chronology with the last three incidents",
        owner=worker,
        set_on=date.today() - timedelta(days=10),
        due_on=date.today() - timedelta(days=2),
    )
    child_clocks_refresh(child_id=child.pk)
    assert Deadline.objects.filter(child=child, rule_id="AUDIT-ACTION", status="open").exists()
    return audit


def moderate(audit, *, status):
    moderator = f.UserFactory(role="qa_auditor", scope="audit_sample")
    am.Moderation.objects.create(
        audit=audit,
        moderator=moderator,
        assigned_on=date.today() - timedelta(days=1),
        assigned_by=f.UserFactory(role="qa_lead"),
        due_on=date.today() + timedelta(days=20),
        status=status,
        overall_grade="good" if status == "completed" else "",
        completed_on=date.today() if status == "completed" else None,
    )
    return moderator


def test_the_moderator_does_not_see_the_audit_actions_clock_until_they_have_graded(client, audit_with_action):
    moderator = moderate(audit_with_action, status="assigned")
    client.force_login(moderator)
    page = client.get(f"/children/{audit_with_action.child.public_id}/timescales/").content.decode()
    assert "Audit action done by the date set" not in page
    api = client.get(f"/api/v1/children/{audit_with_action.child.public_id}/timescales/")
    assert api.status_code == 200 and "AUDIT-ACTION" not in api.content.decode()


def test_after_grading_the_moderator_and_everyone_else_see_it(client, audit_with_action):
    moderator = moderate(audit_with_action, status="completed")
    client.force_login(moderator)
    page = client.get(f"/children/{audit_with_action.child.public_id}/timescales/").content.decode()
    assert "Audit action done by the date set" in page
    client.force_login(audit_with_action.child.allocated_worker)
    page = client.get(f"/children/{audit_with_action.child.public_id}/timescales/").content.decode()
    assert "Audit action done by the date set" in page
