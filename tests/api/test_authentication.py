"""Who may call the API at all: token or session, and two-factor where it is owed."""

from rest_framework.test import APIClient

from tests import factories as f


def test_no_credentials_no_children(allocated_child):
    response = APIClient().get(f"/api/v1/children/{allocated_child.public_id}/")
    assert response.status_code in (401, 403)
    assert str(allocated_child.public_id) not in response.content.decode()


def test_a_wrong_token_is_refused(allocated_child):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert client.get("/api/v1/children/").status_code in (401, 403)


def test_a_leavers_token_stops_working(api_as, social_worker, allocated_child):
    client = api_as(social_worker)
    assert client.get(f"/api/v1/children/{allocated_child.public_id}/").status_code == 200
    social_worker.is_active = False
    social_worker.save()
    assert client.get(f"/api/v1/children/{allocated_child.public_id}/").status_code in (401, 403)


def test_session_user_owing_a_second_factor_gets_json_403(team, allocated_child):
    user = f.UserFactory(team=team, two_factor_required=True)
    f.allocate(f.ChildFactory(), user)
    client = APIClient()
    client.force_login(user)
    response = client.get("/api/v1/children/")
    assert response.status_code == 403
    assert response.json() == {"detail": "Two-factor verification required."}
