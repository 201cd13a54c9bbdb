"""The timescales through the API: a child's clocks (scoped and logged) and the caller's own work."""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from carepath.core.models import AccessEvent, Channel
from carepath.journey import services as js
from tests import factories as f

pytestmark = pytest.mark.django_db


@pytest.fixture
def overdue_referral(social_worker, allocated_child):
    """A referral received ten days ago and never decided: REF-DECISION is overdue."""
    received = timezone.localdate() - timedelta(days=10)
    return js.referral_create(
        actor=social_worker, child=allocated_child, referral_date=received, source="1A", primary_need="N1"
    )


def test_a_childs_clocks_are_listed_and_the_read_is_logged(
    api_as, social_worker, allocated_child, overdue_referral
):
    response = api_as(social_worker).get(f"/api/v1/children/{allocated_child.public_id}/timescales/")
    assert response.status_code == 200
    rows = {row["rule"]: row for row in response.json()["results"]}
    assert rows["REF-DECISION"]["overdue"] is True
    assert rows["REF-DECISION"]["child"] == str(allocated_child.public_id)
    assert rows["REF-DECISION"]["due_on"] < date.today().isoformat()
    assert AccessEvent.objects.filter(
        actor=social_worker, child=allocated_child, channel=Channel.API, what="API: timescales"
    ).exists()


def test_another_workers_child_is_refused(api_as, team, allocated_child, overdue_referral):
    stranger = f.UserFactory(team=team)
    response = api_as(stranger).get(f"/api/v1/children/{allocated_child.public_id}/timescales/")
    assert response.status_code == 403


def test_my_work_lists_only_my_items(api_as, team, social_worker, allocated_child, overdue_referral):
    mine = api_as(social_worker).get("/api/v1/my-work/").json()["results"]
    assert {row["rule"] for row in mine} >= {"REF-DECISION"}
    assert all(row["child"] == str(allocated_child.public_id) for row in mine)
    other = f.UserFactory(team=team)
    assert api_as(other).get("/api/v1/my-work/").json()["results"] == []
