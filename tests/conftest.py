import pytest
from django.db import connection

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


@pytest.fixture(scope="session", autouse=True)
def _test_databases_can_be_emptied(django_db_setup, django_db_blocker):
    """On PostgreSQL the audit tables refuse TRUNCATE (migration 0003), and Django empties a test
    database between transactional tests with TRUNCATE. Set that one trigger aside in the test
    database for the session; the test of the trigger turns it back on inside its own transaction."""
    with django_db_blocker.unblock():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                for table in ("core_accessevent", "core_changeevent"):
                    cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER {table}_no_truncate")
    yield
