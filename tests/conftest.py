import pytest

from tests import factories as f


@pytest.fixture
def team(db):
    return f.TeamFactory()


@pytest.fixture
def social_worker(team):
    return f.UserFactory(team=team)


@pytest.fixture
def allocated_child(social_worker):
    child = f.ChildFactory()
    f.allocate(child, social_worker)
    return child
