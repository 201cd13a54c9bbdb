"""Reads for the legal gateway panel: the panel's tracker, one request, one meeting, and the legal
workload (F05). Each takes the acting user and names only the children that user may open; a
page about a legal case logs a read of each child it shows (`children_shown`)."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Min, Q
from django.http import Http404
from django.utils import timezone

from carepath.core.permissions import Function
from carepath.people.models import Child, Team, User
from carepath.people.selectors import child_access_decision

from ..models import (
    GatewayRequest,
    LegalCase,
    LegalCaseChild,
    LetterBeforeProceedings,
    PanelAction,
    PanelDecision,
    PanelMeeting,
    PreProceedings,
    PreProceedingsMeeting,
    ProceedingsChild,
)
from ..services.gateway import request_children
from .common import log_read, visible_child_ids

RECENT_MEETINGS_DAYS = 91
DONE_ACTIONS_DAYS = 28
WORKLOAD_WINDOW_DAYS = 365


def require_view_legal(user: User) -> None:
    if not (user.is_authenticated and user.can(Function.VIEW_LEGAL)):
        raise PermissionDenied("Your role does not include the legal pathway.")


@dataclass
class Shown:
    """The children of a record that the user may see (named), and how many others there are."""

    children: list[Child] = field(default_factory=list)
    hidden: int = 0

    @property
    def ids(self) -> set[int]:
        return {c.pk for c in self.children}


def children_shown(user: User, children: list[Child], *, what: str | None) -> Shown:
    """Of `children`, those the user may open; with `what`, a read of each is logged, because the
    page shows them (a list page passes None: it names children, as a caseload does)."""
    shown = Shown()
    for child in children:
        decision = child_access_decision(user, child)
        if not decision.allowed:
            shown.hidden += 1
            continue
        shown.children.append(child)
        if what:
            log_read(user, child, decision, what)
    return shown


def _names_by_id(ids) -> dict[int, Child]:
    return {
        c.pk: c
        for c in Child.objects.filter(pk__in=list(ids)).only(
            "pk", "public_id", "first_name", "last_name", "date_of_birth", "expected_date_of_birth"
        )
    }


def _members_by_case(case_ids) -> dict[int, list[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    rows = LegalCaseChild.objects.filter(legal_case_id__in=list(case_ids)).order_by("pk")
    for case_id, child_id in rows.values_list("legal_case_id", "child_id"):
        members[case_id].append(child_id)
    return members


# ---------------------------------------------------------------------------------------------
# The panel's tracker
# ---------------------------------------------------------------------------------------------


@dataclass
class WaitingRow:
    request: GatewayRequest
    children: list[Child]
    hidden: int
    working_days_waiting: int


@dataclass
class ActionRow:
    action: PanelAction
    days_overdue: int
    may_mark_done: bool


def waiting_for_panel(user: User, *, today: date | None = None) -> list[WaitingRow]:
    """Requests the panel has not decided, oldest first, with how many working days each has
    waited (the calendar in force: weekends, bank holidays and the authority's closure days)."""
    from carepath.timescales.services import calendar_in_force

    today = today or timezone.localdate()
    # Which requests, and whose children, first; whole rows only for what the user may see.
    waiting = list(
        GatewayRequest.objects.filter(withdrawn_on__isnull=True, decisions__isnull=True).values_list(
            "pk", "legal_case_id"
        )
    )
    members = _members_by_case({case_id for _pk, case_id in waiting})
    visible = visible_child_ids(user, {c for ids in members.values() for c in ids})
    shown_ids = [pk for pk, case_id in waiting if any(c in visible for c in members.get(case_id, []))]
    requests = (
        GatewayRequest.objects.filter(pk__in=shown_ids)
        .select_related("legal_case", "listed_for", "requested_by")
        .order_by("requested_on", "pk")
    )
    names = _names_by_id(visible)
    calendar = calendar_in_force()
    rows = []
    for r in requests:
        ids = members.get(r.legal_case_id, [])
        shown = [names[c] for c in ids if c in visible]
        rows.append(
            WaitingRow(
                request=r,
                children=shown,
                hidden=len(ids) - len(shown),
                working_days_waiting=calendar.working_days_between(r.requested_on, today),
            )
        )
    return rows


def _visible_action_ids(user: User, actions, *fields: str) -> list[tuple]:
    """(pk, *fields) of the actions (a query) about children the user may see, read as values
    first: whole rows for every action in the authority cost more than the page itself."""
    rows = list(actions.values_list("pk", "child_id", *fields))
    visible = visible_child_ids(user, {row[1] for row in rows})
    return [(row[0], *row[2:]) for row in rows if row[1] in visible]


class LazyRows(Sequence):
    """A list whose rows are built only for the slice asked for: the tracker shows a page of 50,
    and an authority-wide reader may see hundreds (a Paginator asks for the length, then a slice)."""

    def __init__(self, ids: list[int], load: Callable[[list[int]], list]):
        self.ids, self.load = ids, load

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self):
        return iter(self.load(self.ids))  # every row, in one read (the CSV download)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return self.load(self.ids[index])
        return self.load([self.ids[index]])[0]


def open_actions(
    user: User, *, today: date | None = None, owner_id: int | None = None, overdue_only: bool = False
) -> LazyRows:
    """Every open panel action on a child the user may see: overdue first (the most overdue at
    the top), then by due date."""
    from ..services.gateway import may_mark_done

    today = today or timezone.localdate()
    rows = PanelAction.objects.filter(done_on__isnull=True)
    if owner_id is not None:
        rows = rows.filter(owner_id=owner_id)
    if overdue_only:
        rows = rows.filter(due_on__lt=today)
    ordered = sorted(_visible_action_ids(user, rows, "due_on"), key=lambda r: (r[1] >= today, r[1], r[0]))

    def load(ids: list[int]) -> list[ActionRow]:
        found = PanelAction.objects.select_related(
            "owner", "child", "meeting", "request__legal_case"
        ).in_bulk(ids)
        return [
            ActionRow(
                action=found[pk],
                days_overdue=max(0, (today - found[pk].due_on).days),
                may_mark_done=may_mark_done(user, found[pk]),
            )
            for pk in ids
        ]

    return LazyRows([pk for pk, _due in ordered], load)


def action_owners(user: User) -> list[User]:
    """The owners of the open actions the user may see: the choices of the tracker's filter."""
    owner_ids = {
        owner
        for _pk, owner in _visible_action_ids(
            user, PanelAction.objects.filter(done_on__isnull=True), "owner_id"
        )
    }
    return list(User.objects.filter(pk__in=owner_ids).order_by("last_name", "first_name"))


def recently_done_actions(
    user: User, *, today: date | None = None, days: int = DONE_ACTIONS_DAYS
) -> LazyRows:
    today = today or timezone.localdate()
    rows = PanelAction.objects.filter(done_on__gte=today - timedelta(days=days)).order_by("-done_on", "-pk")
    ids = [pk for (pk,) in _visible_action_ids(user, rows)]

    def load(page: list[int]) -> list[PanelAction]:
        found = PanelAction.objects.select_related("owner", "done_by", "child", "meeting").in_bulk(page)
        return [found[pk] for pk in page]

    return LazyRows(ids, load)


def tracker_meetings(user: User, *, today: date | None = None) -> dict[str, list[PanelMeeting]]:
    """Coming meetings (soonest first) and those of the last three months (latest first). A
    meeting names no child, so every panel meeting is listed."""
    today = today or timezone.localdate()
    meetings = PanelMeeting.objects.select_related("chair")
    return {
        "coming": list(meetings.filter(held_on__gte=today).order_by("held_on", "pk")),
        "recent": list(
            meetings.filter(
                held_on__lt=today, held_on__gte=today - timedelta(days=RECENT_MEETINGS_DAYS)
            ).order_by("-held_on", "-pk")
        ),
    }


# ---------------------------------------------------------------------------------------------
# One request, one meeting
# ---------------------------------------------------------------------------------------------


def gateway_request_for(user: User, pk: int, *, what: str | None) -> tuple[GatewayRequest, Shown]:
    """A request, if the user may see at least one of its children (logging a read of each child
    shown when `what` is given)."""
    require_view_legal(user)
    try:
        record = GatewayRequest.objects.select_related("legal_case", "listed_for", "requested_by").get(pk=pk)
    except GatewayRequest.DoesNotExist:
        raise Http404("No such request.") from None
    children = request_children(record)
    if not visible_child_ids(user, {c.pk for c in children}):
        raise PermissionDenied("None of the children of this request is in your caseload, team or service.")
    return record, children_shown(user, children, what=what)


@dataclass
class AgendaItem:
    request: GatewayRequest
    shown: Shown
    decisions: list[PanelDecision]
    actions: list[PanelAction]


def meeting_for(user: User, pk: int) -> PanelMeeting:
    require_view_legal(user)
    try:
        return PanelMeeting.objects.select_related("chair", "created_by").get(pk=pk)
    except PanelMeeting.DoesNotExist:
        raise Http404("No such panel meeting.") from None


def meeting_agenda(user: User, meeting: PanelMeeting, *, what: str | None) -> tuple[list[AgendaItem], int]:
    """The requests on the meeting's agenda or decided at it, with their decisions and actions, for
    the children the user may see; and how many agenda items are about children they cannot see."""
    requests = list(
        GatewayRequest.objects.filter(Q(listed_for=meeting) | Q(decisions__meeting=meeting))
        .distinct()
        .select_related("legal_case", "requested_by")
        .order_by("requested_on", "pk")
    )
    decisions = defaultdict(list)
    for d in PanelDecision.objects.filter(meeting=meeting).select_related("child").order_by("pk"):
        decisions[d.request_id].append(d)
    actions = defaultdict(list)
    for a in (
        PanelAction.objects.filter(meeting=meeting)
        .select_related("owner", "done_by", "child")
        .order_by("due_on", "pk")
    ):
        actions[a.request_id].append(a)
    items, hidden_items = [], 0
    for r in requests:
        shown = children_shown(user, request_children(r), what=what)
        if not shown.children:
            hidden_items += 1
            continue
        items.append(
            AgendaItem(
                request=r,
                shown=shown,
                decisions=[d for d in decisions[r.pk] if d.child_id in shown.ids],
                actions=[a for a in actions[r.pk] if a.child_id in shown.ids],
            )
        )
    return items, hidden_items


# ---------------------------------------------------------------------------------------------
# Legal workload (F05)
# ---------------------------------------------------------------------------------------------


@dataclass
class WorkloadRow:
    label: str
    key: int | None
    cases: int = 0
    children_pre_proceedings: int = 0
    children_proceedings: int = 0


@dataclass
class StepWait:
    label: str
    days: list[int] = field(default_factory=list)
    waiting_now: list[int] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.days)

    @property
    def median(self) -> float | None:
        return _tidy(statistics.median(self.days)) if self.days else None

    @property
    def longest(self) -> int | None:
        return max(self.days) if self.days else None

    @property
    def waiting_count(self) -> int:
        return len(self.waiting_now)

    @property
    def longest_waiting(self) -> int | None:
        return max(self.waiting_now) if self.waiting_now else None


def _tidy(value: float) -> float | int:
    return int(value) if float(value).is_integer() else round(value, 1)


def workload_by_solicitor_and_team(user: User) -> dict[str, list[WorkloadRow]]:
    """Open legal cases, and the children in pre-proceedings and in proceedings (open proceedings,
    no final order for the child yet), per solicitor and per legal team; counting only children
    the user may see (and cases with one of them)."""
    cases = list(
        LegalCase.objects.filter(closed_on__isnull=True).values("pk", "solicitor_id", "legal_team_id")
    )
    members = _members_by_case({c["pk"] for c in cases})
    visible = visible_child_ids(user, {c for ids in members.values() for c in ids})
    cases = [c for c in cases if any(m in visible for m in members.get(c["pk"], []))]
    case_ids = {c["pk"] for c in cases}
    in_pp = set(
        PreProceedings.objects.filter(legal_case_id__in=case_ids, step_decision_on__isnull=True).values_list(
            "legal_case_id", flat=True
        )
    )
    in_court = defaultdict(set)
    for case_id, child_id in ProceedingsChild.objects.filter(
        proceedings__legal_case_id__in=case_ids,
        proceedings__concluded_on__isnull=True,
        final_order_on__isnull=True,
    ).values_list("proceedings__legal_case_id", "child_id"):
        if child_id in visible:
            in_court[case_id].add(child_id)

    def rows(key: str, labels: dict[int, str], nobody: str) -> list[WorkloadRow]:
        by_key: dict[int | None, WorkloadRow] = {}
        pp_children: dict[int | None, set[int]] = defaultdict(set)
        court_children: dict[int | None, set[int]] = defaultdict(set)
        for c in cases:
            k = c[key]
            row = by_key.setdefault(k, WorkloadRow(label=labels.get(k, nobody), key=k))
            row.cases += 1
            if c["pk"] in in_pp:
                pp_children[k].update(m for m in members[c["pk"]] if m in visible)
            court_children[k].update(in_court.get(c["pk"], ()))
        for k, row in by_key.items():
            row.children_pre_proceedings = len(pp_children[k])
            row.children_proceedings = len(court_children[k])
        return sorted(by_key.values(), key=lambda r: (r.key is None, -r.cases, r.label))

    solicitors = {
        u.pk: str(u)
        for u in User.objects.filter(pk__in={c["solicitor_id"] for c in cases if c["solicitor_id"]})
    }
    teams = {
        t.pk: t.name
        for t in Team.objects.filter(pk__in={c["legal_team_id"] for c in cases if c["legal_team_id"]})
    }
    return {
        "solicitors": rows("solicitor_id", solicitors, "No solicitor yet"),
        "teams": rows("legal_team_id", teams, "No legal team yet"),
    }


def step_waits(
    user: User,
    *,
    today: date | None = None,
    solicitor_id: int | None = None,
    legal_team_id: int | None = None,
    window_days: int = WORKLOAD_WINDOW_DAYS,
) -> list[StepWait]:
    """How long children waited at each step of the pathway, in calendar days between recorded
    facts (not due dates): for steps finished in the last `window_days`, and for children waiting
    at each step now. Counted per child the user may see; optionally for one solicitor's or one
    legal team's cases."""
    today = today or timezone.localdate()
    since = today - timedelta(days=window_days)
    cases = LegalCase.objects.all()
    if solicitor_id is not None:
        cases = cases.filter(solicitor_id=solicitor_id)
    if legal_team_id is not None:
        cases = cases.filter(legal_team_id=legal_team_id)
    case_ids = set(cases.values_list("pk", flat=True))
    members = _members_by_case(case_ids)
    visible = visible_child_ids(user, {c for ids in members.values() for c in ids})

    def children_of(case_id: int) -> list[int]:
        return [c for c in members.get(case_id, []) if c in visible]

    decision = StepWait("From the request to the panel's decision")
    for decided_on, requested_on, child_id in PanelDecision.objects.filter(
        decided_on__gt=since, decided_on__lte=today, request__legal_case_id__in=case_ids
    ).values_list("decided_on", "request__requested_on", "child_id"):
        if child_id in visible:
            decision.days.append((decided_on - requested_on).days)
    for requested_on, case_id in GatewayRequest.objects.filter(
        withdrawn_on__isnull=True, decisions__isnull=True, legal_case_id__in=case_ids
    ).values_list("requested_on", "legal_case_id"):
        decision.waiting_now += [max(0, (today - requested_on).days)] * len(children_of(case_id))

    letter = StepWait(
        "From the decision to start pre-proceedings to the first letter before proceedings sent"
    )
    meeting = StepWait("From the letter to the initial pre-proceedings meeting")
    pre = StepWait("From the start of pre-proceedings to the step-up or step-down decision")
    pps = list(
        PreProceedings.objects.filter(legal_case_id__in=case_ids)
        .filter(Q(step_decision_on__isnull=True) | Q(step_decision_on__gt=since) | Q(started_on__gt=since))
        .values("pk", "legal_case_id", "started_on", "step_decision_on")
    )
    pp_ids = [p["pk"] for p in pps]
    first_letter = dict(
        LetterBeforeProceedings.objects.filter(pre_proceedings_id__in=pp_ids, sent_on__isnull=False)
        .values("pre_proceedings_id")
        .annotate(first=Min("sent_on"))
        .values_list("pre_proceedings_id", "first")
    )
    first_meeting = dict(
        PreProceedingsMeeting.objects.filter(
            pre_proceedings_id__in=pp_ids,
            kind=PreProceedingsMeeting.Kind.INITIAL,
            effective=True,
            held_on__lte=today,
        )
        .values("pre_proceedings_id")
        .annotate(first=Min("held_on"))
        .values_list("pre_proceedings_id", "first")
    )
    for p in pps:
        n = len(children_of(p["legal_case_id"]))
        if not n:
            continue
        is_open = p["step_decision_on"] is None
        sent = first_letter.get(p["pk"])
        met = first_meeting.get(p["pk"])
        if sent is not None and since < sent <= today:
            letter.days += [(sent - p["started_on"]).days] * n
        elif sent is None and is_open:
            letter.waiting_now += [max(0, (today - p["started_on"]).days)] * n
        if sent is not None and met is not None and since < met <= today:
            meeting.days += [max(0, (met - sent).days)] * n
        elif sent is not None and met is None and is_open:
            meeting.waiting_now += [max(0, (today - sent).days)] * n
        if not is_open and since < p["step_decision_on"] <= today:
            pre.days += [(p["step_decision_on"] - p["started_on"]).days] * n
        elif is_open:
            pre.waiting_now += [max(0, (today - p["started_on"]).days)] * n

    court = StepWait("From issue to the final order")
    for issued_on, final_on, concluded_on, child_id in ProceedingsChild.objects.filter(
        proceedings__legal_case_id__in=case_ids, proceedings__issued_on__isnull=False
    ).values_list("proceedings__issued_on", "final_order_on", "proceedings__concluded_on", "child_id"):
        if child_id not in visible:
            continue
        if final_on is not None and since < final_on <= today:
            court.days.append((final_on - issued_on).days)
        elif final_on is None and concluded_on is None:
            court.waiting_now.append(max(0, (today - issued_on).days))
    return [decision, letter, meeting, pre, court]


def workload_filters(user: User) -> dict[str, list]:
    """The solicitors and legal teams that have legal cases: the choices of the workload filter."""
    cases = LegalCase.objects.all()
    return {
        "solicitors": list(
            User.objects.filter(pk__in=cases.values("solicitor_id")).order_by("last_name", "first_name")
        ),
        "teams": list(Team.objects.filter(pk__in=cases.values("legal_team_id")).order_by("name")),
    }
