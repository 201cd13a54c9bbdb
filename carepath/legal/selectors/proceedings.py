"""Reads for care proceedings: the list of families in proceedings (and those preparing to issue)
and one proceedings page. The 26 weeks are counted in weeks from the issue day, week 1 being the
week that begins on it; the CP26 due date is the timescales engine's, shown when it has one."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import Http404
from django.utils import timezone

from carepath.people.models import Child, User

from ..models import ApplicationDocument, CareProceedings, Extension, Hearing, ProceedingsChild
from .common import clocks_for, visible_child_ids
from .pre_proceedings import annotate_clocks, fgdm_blocks_application, fgdm_status, visible_children_logged

PROCEEDINGS_CONTEXT = "proceedings"
CP26_RULE = "CP26"  # the timescales engine's rule for the 26 weeks (with extensions)
STANDARD_WEEKS = 26  # Children Act 1989 s32(1)(a)(ii)


class Forecast:
    WITHIN = "Final hearing listed within the time allowed"
    AFTER = "Final hearing listed after the time allowed"
    NOT_LISTED = "Final hearing not listed"


def week_number(issued_on: date, day: date) -> int:
    """Week 1 is the seven days beginning with the issue day (s32: "beginning with the day on
    which the application was issued")."""
    return (day - issued_on).days // 7 + 1


def forecast(
    *, issued_on: date | None, final_hearing: Hearing | None, weeks_allowed: int, cp26_due: date | None
) -> str:
    if issued_on is None or final_hearing is None:
        return Forecast.NOT_LISTED
    if cp26_due is not None:
        within = final_hearing.held_on <= cp26_due
    else:
        within = week_number(issued_on, final_hearing.held_on) <= weeks_allowed
    return Forecast.WITHIN if within else Forecast.AFTER


@dataclass
class ProceedingsRow:
    proceedings: CareProceedings
    children: list[Child]
    hidden_children: int
    week: int | None
    weeks_allowed: int
    extension_weeks: int
    cp26_due: date | None
    next_hearing: Hearing | None
    final_hearing: Hearing | None
    forecast: str
    documents_ready: int
    documents_needed: int = len(ApplicationDocument.Kind.choices)

    @property
    def legal_case(self):
        return self.proceedings.legal_case

    @property
    def forecast_ok(self) -> bool:
        return self.forecast == Forecast.WITHIN


def _members(proceedings_ids) -> dict[int, list[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    for proceedings_id, child_id in (
        ProceedingsChild.objects.filter(proceedings_id__in=list(proceedings_ids))
        .order_by("pk")
        .values_list("proceedings_id", "child_id")
    ):
        members[proceedings_id].append(child_id)
    return members


def _rows(records: list[CareProceedings], members, visible: set[int], today: date) -> list[ProceedingsRow]:
    ids = [p.pk for p in records]
    children = {c.pk: c for c in Child.objects.filter(pk__in=visible).select_related("allocated_team")}
    extensions = dict(
        Extension.objects.filter(proceedings_id__in=ids)
        .values("proceedings_id")
        .annotate(weeks=Sum("weeks"))
        .values_list("proceedings_id", "weeks")
    )
    hearings: dict[int, list[Hearing]] = defaultdict(list)
    for hearing in Hearing.objects.filter(proceedings_id__in=ids).order_by("held_on", "pk"):
        hearings[hearing.proceedings_id].append(hearing)
    ready: dict[int, int] = defaultdict(int)
    for proceedings_id in ApplicationDocument.objects.filter(
        proceedings_id__in=ids, ready_on__isnull=False
    ).values_list("proceedings_id", flat=True):
        ready[proceedings_id] += 1
    cp26: dict[int, date] = {}
    for clock in clocks_for(context_type=PROCEEDINGS_CONTEXT, context_ids=ids, child_ids=visible).filter(
        rule_id=CP26_RULE
    ):
        # One clock per child, all due the same day; keep the latest should they ever differ.
        cp26[clock.context_id] = max(cp26.get(clock.context_id, clock.due_on), clock.due_on)
    rows = []
    for record in records:
        child_ids = members.get(record.pk, [])
        shown = [children[i] for i in child_ids if i in children]
        extra = extensions.get(record.pk) or 0
        listed = hearings.get(record.pk, [])
        finals = [h for h in listed if h.kind == Hearing.Kind.FINAL and h.effective is not False]
        final = finals[-1] if finals else None
        upcoming = [h for h in listed if h.held_on >= today]
        allowed = STANDARD_WEEKS + extra
        due = cp26.get(record.pk)
        rows.append(
            ProceedingsRow(
                proceedings=record,
                children=shown,
                hidden_children=len(child_ids) - len(shown),
                week=week_number(record.issued_on, today) if record.issued_on else None,
                weeks_allowed=allowed,
                extension_weeks=extra,
                cp26_due=due,
                next_hearing=upcoming[0] if upcoming else None,
                final_hearing=final,
                forecast=forecast(
                    issued_on=record.issued_on, final_hearing=final, weeks_allowed=allowed, cp26_due=due
                ),
                documents_ready=ready.get(record.pk, 0),
            )
        )
    return rows


@dataclass
class ProceedingsList:
    issued: list[ProceedingsRow]
    preparing: list[ProceedingsRow]


def proceedings_list(user: User) -> ProceedingsList:
    """Open proceedings with a child the user may see: those issued, longest-running first, and
    those being prepared for issue."""
    today = timezone.localdate()
    records = list(
        CareProceedings.objects.filter(concluded_on__isnull=True).select_related("legal_case__family")
    )
    members = _members([r.pk for r in records])
    visible = visible_child_ids(user, {c for ids in members.values() for c in ids})
    records = [r for r in records if any(c in visible for c in members.get(r.pk, []))]
    rows = _rows(records, members, visible, today)
    issued = sorted(
        (r for r in rows if r.proceedings.issued_on),
        key=lambda r: (r.proceedings.issued_on, r.proceedings.pk),
    )
    preparing = sorted(
        (r for r in rows if not r.proceedings.issued_on),
        key=lambda r: (r.proceedings.decided_on, r.proceedings.pk),
    )
    return ProceedingsList(issued=issued, preparing=preparing)


# --- One proceedings ------------------------------------------------------------------------------


@dataclass
class TimelineWeek:
    number: int
    starts_on: date
    hearings: list[Hearing] = field(default_factory=list)
    is_current: bool = False
    is_last_allowed: bool = False
    beyond_allowed: bool = False


def timeline(row: ProceedingsRow, hearings: list[Hearing], today: date) -> list[TimelineWeek]:
    issued_on = row.proceedings.issued_on
    if issued_on is None:
        return []
    last = max(
        [row.weeks_allowed, week_number(issued_on, min(today, row.proceedings.concluded_on or today))]
        + [week_number(issued_on, h.held_on) for h in hearings]
    )
    weeks = [
        TimelineWeek(
            number=n,
            starts_on=issued_on + timedelta(days=7 * (n - 1)),
            is_current=row.proceedings.concluded_on is None and n == row.week,
            is_last_allowed=n == row.weeks_allowed,
            beyond_allowed=n > row.weeks_allowed,
        )
        for n in range(1, last + 1)
    ]
    for hearing in hearings:
        n = week_number(issued_on, hearing.held_on)
        if 1 <= n <= len(weeks):
            weeks[n - 1].hearings.append(hearing)
    return weeks


@dataclass
class ChecklistItem:
    kind: str
    label: str
    document: ApplicationDocument | None


@dataclass
class ProceedingsDetail:
    row: ProceedingsRow
    checklist: list[ChecklistItem]
    hearings: list[Hearing]
    extensions: list[Extension]
    child_rows: list[ProceedingsChild]
    clocks: list
    timeline: list[TimelineWeek]
    fgdm: str | None
    fgdm_blocks_application: bool

    @property
    def proceedings(self) -> CareProceedings:
        return self.row.proceedings

    @property
    def missing_documents(self) -> list[str]:
        return [item.label for item in self.checklist if item.document is None]


def proceedings_for_reading(*, actor: User, pk: int) -> ProceedingsDetail:
    try:
        record = CareProceedings.objects.select_related("legal_case__family", "pre_proceedings").get(pk=pk)
    except CareProceedings.DoesNotExist:
        raise Http404("No such proceedings") from None
    members = _members([record.pk])
    ids = members.get(record.pk, [])
    if not visible_child_ids(actor, ids):
        raise PermissionDenied(
            "None of the children in these proceedings is in your caseload, team or service."
        )
    shown = visible_children_logged(actor, ids, f"Care proceedings {record.legal_case.reference}")
    if not shown:
        raise PermissionDenied(
            "None of the children in these proceedings is in your caseload, team or service."
        )
    visible = {c.pk for c in shown}
    today = timezone.localdate()
    row = _rows([record], members, visible, today)[0]
    hearings = list(record.hearings.order_by("held_on", "pk"))
    documents = {d.kind: d for d in record.documents.select_related("confirmed_by")}
    pp = record.pre_proceedings
    return ProceedingsDetail(
        row=row,
        checklist=[
            ChecklistItem(kind, label, documents.get(kind))
            for kind, label in ApplicationDocument.Kind.choices
        ],
        hearings=hearings,
        extensions=list(record.extensions.order_by("granted_on", "pk")),
        child_rows=list(record.children.filter(child_id__in=visible).select_related("child").order_by("pk")),
        clocks=annotate_clocks(
            clocks_for(context_type=PROCEEDINGS_CONTEXT, context_ids=[record.pk], child_ids=visible), today
        ),
        timeline=timeline(row, hearings, today),
        fgdm=fgdm_status(pp) if pp else None,
        fgdm_blocks_application=fgdm_blocks_application(pp) if pp else False,
    )


def proceedings_for_recording(*, actor: User, pk: int) -> CareProceedings:
    try:
        return CareProceedings.objects.select_related("legal_case", "pre_proceedings").get(pk=pk)
    except CareProceedings.DoesNotExist:
        raise Http404("No such proceedings") from None


def hearing_for_recording(*, actor: User, pk: int) -> Hearing:
    try:
        return Hearing.objects.select_related("proceedings__legal_case").get(pk=pk)
    except Hearing.DoesNotExist:
        raise Http404("No such hearing") from None


def proceedings_child_for_recording(*, actor: User, proceedings_pk: int, pk: int) -> ProceedingsChild:
    """One child's row in the proceedings; only for a child the actor may see (the row's page
    names the child)."""
    try:
        row = ProceedingsChild.objects.select_related("proceedings__legal_case", "child").get(
            pk=pk, proceedings_id=proceedings_pk
        )
    except ProceedingsChild.DoesNotExist:
        raise Http404("No such child in these proceedings") from None
    if not visible_child_ids(actor, [row.child_id]):
        raise PermissionDenied("This child is not in your caseload, team or service.")
    return row
