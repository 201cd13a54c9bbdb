"""Administrators manage accounts: require two-factor, change role and team, disable leavers."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from carepath.core.concurrency import EditConflict
from carepath.core.models import ChangeEvent
from carepath.core.permissions import Role
from carepath.people import services
from carepath.people.models import User
from tests import factories as f


@pytest.fixture
def admin(db):
    return f.UserFactory(role=Role.SYSTEM_ADMINISTRATOR, team=None)


def _post(user, **overrides):
    data = {
        "account-stamp": services.account_stamp(user),
        "account-role": user.role,
        "account-scope": user.scope,
        "account-team": user.team_id or "",
        "account-job_title": user.job_title,
        "account-employment_type": user.employment_type,
        "account-social_work_england_number": user.social_work_england_number,
    }
    data.update(overrides)
    return data


def test_administrator_requires_two_factor_and_the_change_is_logged(client, admin, social_worker):
    client.force_login(admin)
    response = client.post(
        f"/accounts/{social_worker.pk}/", _post(social_worker, **{"account-two_factor_required": "on"})
    )
    assert response.status_code == 302
    social_worker.refresh_from_db()
    assert social_worker.two_factor_required is True
    event = ChangeEvent.objects.get(record_type="people.User", record_id=str(social_worker.pk))
    assert event.changes_dict() == {"two_factor_required": [False, True]}
    assert event.actor_id == admin.pk


def test_a_social_worker_cannot_manage_accounts(client, social_worker):
    other = f.UserFactory()
    client.force_login(social_worker)
    assert client.get("/accounts/").status_code == 403
    assert (
        client.post(f"/accounts/{other.pk}/", _post(other, **{"account-role": Role.DIRECTOR})).status_code
        == 403
    )
    other.refresh_from_db()
    assert other.role == Role.SOCIAL_WORKER


def test_two_administrators_editing_the_same_account_do_not_overwrite_each_other(
    client, admin, social_worker
):
    stale = _post(social_worker, **{"account-job_title": "Senior practitioner"})
    services.user_update(
        actor=admin,
        user=social_worker,
        expected_version_stamp=services.account_stamp(social_worker),
        job_title="Advanced practitioner",
    )
    client.force_login(admin)
    response = client.post(f"/accounts/{social_worker.pk}/", stale)
    assert response.status_code == 200
    assert "Someone else changed this account" in response.content.decode()
    assert 'value="Senior practitioner"' in response.content.decode()  # what they typed is kept
    social_worker.refresh_from_db()
    assert social_worker.job_title == "Advanced practitioner"


def test_stale_stamp_is_refused_by_the_service(admin, social_worker):
    stamp = services.account_stamp(social_worker)
    services.user_update(actor=admin, user=social_worker, expected_version_stamp=stamp, newly_qualified=True)
    with pytest.raises(EditConflict):
        services.user_update(
            actor=admin, user=social_worker, expected_version_stamp=stamp, newly_qualified=False
        )


def test_a_leaver_with_open_allocations_cannot_be_disabled_until_children_are_reallocated(
    admin, social_worker, allocated_child
):
    with pytest.raises(ValidationError, match="still has 1 open allocation"):
        services.user_mark_leaver(actor=admin, user=social_worker, left_on=date(2026, 11, 1))
    social_worker.refresh_from_db()
    assert social_worker.is_active


def test_a_leaver_is_disabled_and_their_history_kept(client, admin, social_worker, allocated_child):
    allocation = allocated_child.allocations.get()
    allocation.ended_on = date.today()
    allocation.end_reason = "LEFTRL"
    allocation.save()
    services.user_mark_leaver(actor=admin, user=social_worker, left_on=date.today())
    social_worker.refresh_from_db()
    assert not social_worker.is_active and social_worker.left_on == date.today()
    assert allocated_child.allocations.filter(worker=social_worker).exists()
    client.force_login(social_worker)
    assert client.get(f"/children/{allocated_child.public_id}/").status_code in (302, 403)


def test_only_administrators_may_use_the_account_services(social_worker):
    other = f.UserFactory()
    with pytest.raises(PermissionDenied):
        services.user_update(
            actor=social_worker,
            user=other,
            expected_version_stamp=services.account_stamp(other),
            role=Role.DIRECTOR,
        )
    with pytest.raises(PermissionDenied):
        services.user_mark_leaver(actor=social_worker, user=other, left_on=date.today())
    assert User.objects.get(pk=other.pk).role == Role.SOCIAL_WORKER
