"""Telling the rest of carepath that a child's record changed.

Services that write to a child's record call `child_record_changed` inside their transaction.
The timescales app subscribes (in its AppConfig.ready) and refreshes the child's clocks in the
same transaction, so the child's page and the worker's queue are right as soon as the save
returns, and a refused save changes neither. The journey does not import the timescales: the
dependency points from the engine to the records, as in design.md's picture.
"""

from collections.abc import Callable

_subscribers: list[Callable[[int], None]] = []


def subscribe_to_child_changes(callback: Callable[[int], None]) -> None:
    if callback not in _subscribers:
        _subscribers.append(callback)


def child_record_changed(child_id: int) -> None:
    for callback in _subscribers:
        callback(child_id)
