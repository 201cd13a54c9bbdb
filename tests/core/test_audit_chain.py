"""The audit trail is append-only and tamper-evident: the ORM refuses changes, PostgreSQL refuses
them at the database, and any edit or deletion made behind the application's back is found by
verify_chain and by `carepath verify_audit`."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction

from carepath.core import audit
from carepath.core.audit import ChainBreak, verify_chain
from carepath.core.models import (
    GENESIS_HASH,
    AccessBasis,
    AccessEvent,
    AppendOnlyError,
    ChangeAction,
    ChangeEvent,
)

ALTERED = "its contents were altered after it was written"
UNLINKED = "does not link to the event before it"
TRUNCATED = "the newest events have been removed"


def read(actor, child, what="Summary"):
    return audit.record_access(actor=actor, child=child, what=what, basis=AccessBasis.ALLOCATED)


def change(actor, child, **changes):
    return audit.record_change(
        actor=actor, child=child, record=child, action=ChangeAction.UPDATED, changes=changes
    )


def raw(sql, params=(), *, table=AccessEvent):
    """Run SQL against an event table directly, as someone with database access could."""
    with connection.cursor() as cursor:
        cursor.execute(sql.format(table=table._meta.db_table), params)


@pytest.fixture
def reads(social_worker, allocated_child):
    return [read(social_worker, allocated_child, what) for what in ("Summary", "Journey", "People")]


@pytest.fixture
def behind_the_applications_back(db):
    """Write to the event tables as someone with direct database access would. On PostgreSQL that
    first means setting the append-only triggers aside (as a superuser could); the test's
    transaction puts them back."""
    if connection.vendor == "postgresql":
        for model in (AccessEvent, ChangeEvent):
            raw("ALTER TABLE {table} DISABLE TRIGGER {table}_append_only", table=model)
    return raw


@pytest.mark.django_db
def test_events_link_into_a_chain(reads, social_worker, allocated_child):
    assert [e.seq for e in reads] == [1, 2, 3]
    assert reads[0].prev_hash == GENESIS_HASH
    assert reads[1].prev_hash == reads[0].hash
    assert reads[2].prev_hash == reads[1].hash
    assert len({e.hash for e in reads}) == 3
    for event in AccessEvent.objects.all():
        assert event.hash == event.compute_hash()
    assert verify_chain(AccessEvent) == (3, [])
    # The change chain is a chain of its own.
    first = change(social_worker, allocated_child, postcode=("AB1 2CD", "AB1 2CE"))
    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert verify_chain(ChangeEvent) == (1, [])


@pytest.mark.django_db
def test_editing_an_event_in_the_database_is_found(reads, behind_the_applications_back):
    behind_the_applications_back("UPDATE {table} SET what = %s WHERE seq = 2", ["Nothing"])
    assert verify_chain(AccessEvent) == (3, [ChainBreak("access", 2, ALTERED)])


@pytest.mark.django_db
def test_editing_a_change_event_in_the_database_is_found(
    social_worker, allocated_child, behind_the_applications_back
):
    change(social_worker, allocated_child, last_name=("Smith", "Jones"))
    change(social_worker, allocated_child, postcode=("AB1 2CD", "AB1 2CE"))
    behind_the_applications_back(
        "UPDATE {table} SET changes = %s WHERE seq = 1",
        ['{"last_name": ["Smith", "Smith"]}'],
        table=ChangeEvent,
    )
    assert verify_chain(ChangeEvent) == (2, [ChainBreak("change", 1, ALTERED)])


@pytest.mark.django_db
def test_rewriting_an_event_and_its_own_hash_is_found_at_the_next_link(reads, behind_the_applications_back):
    forged = AccessEvent.objects.get(seq=2)
    forged.what = "Nothing"
    behind_the_applications_back(
        "UPDATE {table} SET what = %s, hash = %s WHERE seq = 2",
        [forged.what, forged.compute_hash()],
    )
    assert verify_chain(AccessEvent) == (3, [ChainBreak("access", 3, UNLINKED)])


@pytest.mark.django_db
def test_deleting_the_newest_event_is_found(reads, behind_the_applications_back):
    behind_the_applications_back("DELETE FROM {table} WHERE seq = 3")
    assert verify_chain(AccessEvent) == (2, [ChainBreak("access", 3, TRUNCATED)])


@pytest.mark.django_db
def test_deleting_an_event_in_the_middle_is_found(reads, behind_the_applications_back):
    behind_the_applications_back("DELETE FROM {table} WHERE seq = 2")
    checked, breaks = verify_chain(AccessEvent)
    assert checked == 2
    assert breaks[0].chain == "access"
    assert breaks[0].seq == 2
    assert "missing" in breaks[0].problem
    assert ChainBreak("access", 3, UNLINKED) in breaks


@pytest.mark.django_db
def test_the_application_refuses_to_change_or_delete_events(reads):
    event = AccessEvent.objects.get(seq=2)
    event.what = "Nothing"
    attempts = [
        lambda: AccessEvent.objects.filter(seq=2).update(what="Nothing"),
        lambda: AccessEvent.objects.filter(seq=2).delete(),
        lambda: AccessEvent.objects.all().delete(),
        event.save,
        lambda: AccessEvent.objects.bulk_update([event], ["what"]),
        event.delete,
        lambda: ChangeEvent.objects.all().update(changes="{}"),
    ]
    for attempt in attempts:
        # Each in a savepoint: some of these run inside a transaction that the refusal spoils.
        with pytest.raises(AppendOnlyError), transaction.atomic():
            attempt()
    assert AccessEvent.objects.get(seq=2).what == "Journey"
    assert verify_chain(AccessEvent) == (3, [])


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="database triggers are PostgreSQL's")
def test_postgresql_refuses_update_delete_and_truncate_of_events(reads):
    # The test session sets the TRUNCATE trigger aside so test databases can be emptied; put it back
    # for this test (inside its transaction, so the change is rolled back with it).
    raw("ALTER TABLE {table} ENABLE TRIGGER {table}_no_truncate")
    for sql in (
        "UPDATE {table} SET what = 'Nothing' WHERE seq = 2",
        "DELETE FROM {table} WHERE seq = 2",
        "TRUNCATE {table}",
    ):
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            raw(sql)
    assert AccessEvent.objects.get(seq=2).what == "Journey"
    assert verify_chain(AccessEvent) == (3, [])


def run_verify_audit():
    out = io.StringIO()
    try:
        call_command("verify_audit", stdout=out, stderr=io.StringIO())
    except CommandError as error:
        return error.returncode, out.getvalue()
    return 0, out.getvalue()


@pytest.mark.django_db
def test_verify_audit_command_passes_a_whole_trail_and_fails_a_tampered_one(
    reads, social_worker, allocated_child, behind_the_applications_back
):
    change(social_worker, allocated_child, postcode=("AB1 2CD", "AB1 2CE"))
    status, output = run_verify_audit()
    assert status == 0
    assert "access chain" in output and "3 events checked" in output
    assert "change chain" in output and "1 event checked" in output
    assert "BREAK" not in output

    behind_the_applications_back("UPDATE {table} SET what = %s WHERE seq = 2", ["Nothing"])
    behind_the_applications_back("DELETE FROM {table} WHERE seq = 1", table=ChangeEvent)
    status, output = run_verify_audit()
    assert status == 1
    assert f"chain=access  seq=2  {ALTERED}" in output
    assert f"chain=change  seq=1  {TRUNCATED}" in output
