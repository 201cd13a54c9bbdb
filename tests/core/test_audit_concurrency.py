"""Several people reading and changing records at once never fork the audit chain or reuse a
sequence number, on SQLite and on PostgreSQL."""

import contextlib
import sqlite3
import threading

import pytest
from django.db import connection, connections

from carepath.core import audit
from carepath.core.audit import verify_chain
from carepath.core.models import AccessBasis, AccessEvent, ChangeAction, ChangeEvent
from tests import factories as f

THREADS = 6
EACH = 15


@pytest.fixture
def database_for_threads(tmp_path):
    """How worker threads reach the database: `connect()` at the start of each thread, and
    `in_main_thread()` to look at what they wrote.

    On PostgreSQL every thread simply opens its own connection. Django's SQLite test database is
    in memory with a shared cache, whose table locks fail at once instead of waiting, unlike the
    WAL-mode file carepath runs on. So on SQLite the test database is copied to a file, and the
    threads and the checks connect to that file with carepath's own SQLite settings (IMMEDIATE
    transactions, busy timeout): the conditions the chain has to hold under in use."""
    default = connections["default"]
    if default.vendor != "sqlite" or not default.is_in_memory_db():
        yield (lambda: None), contextlib.nullcontext
        return
    path = tmp_path / "carepath.sqlite3"
    default.ensure_connection()
    copy = sqlite3.connect(path)
    default.connection.backup(copy)
    copy.close()
    file_settings = {**default.settings_dict, "NAME": str(path)}

    def connect():
        connections["default"] = type(default)(dict(file_settings), "default")

    @contextlib.contextmanager
    def in_main_thread():
        connect()
        try:
            yield
        finally:
            connections["default"].close()
            connections["default"] = default

    yield connect, in_main_thread


@pytest.mark.parametrize("model", [AccessEvent, ChangeEvent], ids=["access", "change"])
def test_concurrent_appends_leave_one_unbroken_chain(
    restore_after_flush, transactional_db, database_for_threads, model
):
    worker = f.UserFactory()
    child = f.ChildFactory()
    connect, in_main_thread = database_for_threads
    start = threading.Barrier(THREADS)
    failures = []

    def append_many(n):
        try:
            connect()
            start.wait()
            for i in range(EACH):
                if model is AccessEvent:
                    audit.record_access(
                        actor=worker, child=child, what=f"Page {n}.{i}", basis=AccessBasis.TEAM
                    )
                else:
                    audit.record_change(
                        actor=worker,
                        child=child,
                        record=child,
                        action=ChangeAction.UPDATED,
                        changes={"postcode": (f"AB{n} {i}CD", f"AB{n} {i}CE")},
                    )
        except Exception as error:  # noqa: BLE001 - every failure is reported by the assertion below
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=append_many, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert failures == []
    with in_main_thread():
        seqs = list(model.objects.order_by("seq").values_list("seq", flat=True))
        whats = set(model.objects.values_list("what" if model is AccessEvent else "changes", flat=True))
        assert seqs == list(range(1, THREADS * EACH + 1))
        assert len(whats) == THREADS * EACH  # every append is there, none overwrote another
        assert verify_chain(model) == (THREADS * EACH, [])
