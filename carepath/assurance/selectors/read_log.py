"""The access log for the assurance lists and reports: one entry per child a page or download
names, as every list in carepath logs them (core.reads.log_read, ADR 0003).

The lists name tens of children (a calibration report, the repeat findings, an auditor's audits),
so the entries are written together: the access decisions are read first, then every entry is
appended in one transaction, rather than a transaction (and a commit) per child. The entries are
the same, in the same order, with the same basis and break-glass reason.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from carepath.core.models import Channel
from carepath.core.reads import log_read
from carepath.people.models import Child, User
from carepath.people.selectors import child_access_decision


def log_reads(user: User, children: Iterable[Child], what: str | None, channel: str = Channel.WEB) -> None:
    """Log a read of each child named (once each, in the order first named) that the user may
    open now. `what` None: the caller names no child and logs nothing."""
    if what is None:
        return
    named: dict[int, Child] = {}
    for child in children:
        named.setdefault(child.pk, child)
    decided = [(child, child_access_decision(user, child)) for child in named.values()]
    allowed = [(child, decision) for child, decision in decided if decision.allowed]
    if not allowed:
        return
    with transaction.atomic():
        for child, decision in allowed:
            log_read(user, child, decision, what, channel)
