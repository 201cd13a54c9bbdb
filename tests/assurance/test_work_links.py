"""An audit action or a case direction action in the owner's My work links to where it is done."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from carepath.assurance import models as am
from carepath.timescales.services import child_clocks_refresh
from tests.assurance.factories import open_child
from tests.assurance.helpers_f18 import completed_audit

pytestmark = pytest.mark.django_db


def test_my_work_links_an_audit_action_to_the_page_that_records_it_done(client):
    child, worker = open_child()
    audit = completed_audit(child, grade="requires_improvement", on=date.today() - timedelta(days=3))
    action = am.AuditAction.objects.create(
        audit=audit,
        child=child,
        action="Write the chronology",
        owner=worker,
        set_on=date.today() - timedelta(days=3),
        due_on=date.today() + timedelta(days=2),
    )
    child_clocks_refresh(child_id=child.pk)
    client.force_login(worker)
    page = client.get("/work/").content.decode()
    assert f'href="{reverse("assurance:audit-action-done", args=[action.pk])}"' in page
    assert "Record the action done" in page
    # Once done, the clock is no longer open work, so the link goes with it.
    action.done_on = date.today()
    action.save()
    child_clocks_refresh(child_id=child.pk)
    page = client.get("/work/").content.decode()
    assert reverse("assurance:audit-action-done", args=[action.pk]) not in page
