"""The access log for the assurance lists and reports: one entry per child a page or download
names, as every list in carepath logs them (ADR 0003), written together by core.reads.log_reads
(the access decisions read together, then one write), not one transaction per child."""

from __future__ import annotations

from collections.abc import Iterable

from carepath.core import reads
from carepath.core.models import Channel
from carepath.people.models import Child, User


def log_reads(user: User, children: Iterable[Child], what: str | None, channel: str = Channel.WEB) -> None:
    """Log a read of each child named (once each, in the order first named) that the user may
    open now. `what` None: the caller names no child and logs nothing."""
    if what is None:
        return
    reads.log_reads(user, children, what, channel)
