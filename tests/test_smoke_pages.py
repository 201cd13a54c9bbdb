"""The child's pages render for the allocated worker and log the read."""

from carepath.core.models import AccessEvent


def test_allocated_worker_sees_child_pages_and_each_read_is_logged(client, social_worker, allocated_child):
    client.force_login(social_worker)
    for name in ["", "journey/", "people/", "allocations/"]:
        response = client.get(f"/children/{allocated_child.public_id}/{name}")
        assert response.status_code == 200, name
        assert allocated_child.full_name in response.content.decode()
    assert AccessEvent.objects.filter(child=allocated_child, actor=social_worker).count() == 4
