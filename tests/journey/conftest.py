import pytest

from tests.journey.helpers import Journey


@pytest.fixture
def worker(social_worker):
    return social_worker


@pytest.fixture
def child(allocated_child):
    return allocated_child


@pytest.fixture
def journey(worker, child):
    return Journey(worker, child)


@pytest.fixture
def referral(journey):
    return journey.referral()
