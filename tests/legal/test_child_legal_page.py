"""The Legal tab of a child's record: the child's place on the pathway, read-logged and scoped."""

from datetime import date, timedelta

import pytest

from carepath.core import codes
from carepath.core.models import AccessEvent
from carepath.legal import models as lm
from tests import factories as f
from tests.legal import factories as lf

pytestmark = pytest.mark.django_db


def test_the_legal_tab_shows_the_childs_decisions_and_logs_the_read(client):
    worker = f.UserFactory()
    children = lf.family_of(2, worker=worker)
    case = lf.legal_case(children)
    request = lf.gateway_request(case)
    meeting = lf.panel_meeting()
    lm.PanelDecision.objects.create(
        meeting=meeting,
        request=request,
        child=children[0],
        decided_on=meeting.held_on,
        outcome=codes.LegalGatewayOutcome.PRE_PROCEEDINGS,
        rationale="Neglect has continued through two plans.",
    )
    lm.PanelAction.objects.create(
        meeting=meeting,
        request=request,
        child=children[0],
        action="Send the letters before proceedings",
        owner=worker,
        set_on=meeting.held_on,
        due_on=date.today() - timedelta(days=1),
    )
    client.force_login(worker)
    response = client.get(f"/children/{children[0].public_id}/legal/")
    page = response.content.decode()
    assert response.status_code == 200
    assert "Start pre-proceedings (PLO)" in page and "Neglect has continued" in page
    assert "Send the letters before proceedings" in page and "Overdue" in page
    assert AccessEvent.objects.filter(child=children[0], actor=worker, what="Legal pathway").count() == 1
    # The sibling's tab shows the request but not the other child's decision.
    sibling = client.get(f"/children/{children[1].public_id}/legal/").content.decode()
    assert case.reference in sibling and "Neglect has continued" not in sibling


def test_a_worker_outside_scope_cannot_open_the_legal_tab(client):
    children = lf.family_of(1)
    stranger = f.UserFactory()
    client.force_login(stranger)
    response = client.get(f"/children/{children[0].public_id}/legal/")
    assert response.status_code == 403
    assert not AccessEvent.objects.filter(child=children[0], actor=stranger).exists()


def test_a_legal_case_page_read_through_break_glass_logs_the_reason(client):
    from django.utils import timezone

    from carepath.core.models import AccessBasis
    from carepath.people.models import BreakGlassAccess

    children = lf.family_of(1)
    pp = lf.pre_proceedings(lf.legal_case(children))
    stranger = f.UserFactory()  # a social worker in another team, who may break the glass
    BreakGlassAccess.objects.create(
        child=children[0],
        user=stranger,
        reason="Out of hours: the police are asking about the family",
        expires_at=timezone.now() + timedelta(minutes=60),
    )
    client.force_login(stranger)
    assert client.get(f"/legal/pre-proceedings/{pp.pk}/").status_code == 200
    event = AccessEvent.objects.get(child=children[0], actor=stranger)
    assert event.basis == AccessBasis.BREAK_GLASS
    assert event.reason == "Out of hours: the police are asking about the family"
