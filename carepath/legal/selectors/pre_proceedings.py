"""Reads for PLO pre-proceedings: the PLO list (every open pre-proceedings with a child the user
may see) and one pre-proceedings page. The clocks come from the timescales engine; nothing here
works out a due date."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Count, Min
from django.http import Http404
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from carepath.people.models import Child, Relationship, Team, User
from carepath.people.selectors import child_access_decision

from ..models import (
    CareProceedings,
    LegalCaseChild,
    LetterBeforeProceedings,
    PanelDecision,
    PreProceedings,
    PreProceedingsMeeting,
)
from .common import clocks_for, log_read, visible_child_ids

PLO_CONTEXT = "pre_proceedings"
# The PLO list's "over 16 weeks" filter: the default maximum in rules.md 3.19. The clock itself
# (PLO-MAX) is the engine's and may be configured differently; this only picks rows to show.
LONG_RUNNING_WEEKS = 16


# --- Clocks ------------------------------------------------------------------------------------


def annotate_clocks(clocks, today: date | None = None) -> list:
    """Give each stored clock what the legal pages show: the rule's name, whether it is still
    running, how late or how long to go."""
    from carepath.timescales.engine import Status
    from carepath.timescales.models import Rule

    today = today or timezone.localdate()
    clocks = list(clocks)
    names = dict(Rule.objects.filter(rule_id__in={c.rule_id for c in clocks}).values_list("rule_id", "name"))
    for clock in clocks:
        clock.rule_name = names.get(clock.rule_id, clock.rule_id)
        clock.running = clock.status in Status.ACTIVE
        clock.overdue = clock.running and clock.due_on < today
        clock.days_late = max(0, (today - clock.due_on).days)
        clock.days_left = max(0, (clock.due_on - today).days)
        clock.status_label = Status.LABELS.get(clock.status, clock.status)
    return clocks


def next_or_most_overdue(clocks) -> object | None:
    """Of a family's running clocks, the one to act on: the most overdue, or else the next due."""
    running = [c for c in clocks if c.running]
    return min(running, key=lambda c: (c.due_on, c.pk)) if running else None


# --- What the list and the page show about one pre-proceedings ----------------------------------


class FgdmLabel:
    NOT_RECORDED = "Not offered yet"
    NOT_IN_BEST_INTERESTS = "Not offered: not in the child's best interests"
    OFFERED = "Offered, no answer yet"
    DECLINED = "Offered, declined"
    ACCEPTED = "Accepted, meeting not held yet"
    HELD = "Meeting held"


def fgdm_status(pp: PreProceedings) -> str:
    if pp.fgdm_held_on:
        return f"{FgdmLabel.HELD} {pp.fgdm_held_on:%-d %b %Y}"
    if pp.fgdm_not_offered_reason:
        return FgdmLabel.NOT_IN_BEST_INTERESTS
    if pp.fgdm_offered_on is None:
        return FgdmLabel.NOT_RECORDED
    if pp.fgdm_accepted is None:
        return FgdmLabel.OFFERED
    return FgdmLabel.ACCEPTED if pp.fgdm_accepted else FgdmLabel.DECLINED


def fgdm_blocks_application(pp: PreProceedings) -> bool:
    """True while s31ZA would refuse an application: no offer and no best-interests reason, or an
    accepted offer whose meeting has not been held."""
    if pp.fgdm_offered_on is None and not pp.fgdm_not_offered_reason:
        return True
    return bool(pp.fgdm_accepted) and pp.fgdm_held_on is None


def meeting_summaries(pp_ids) -> dict[int, tuple[date | None, int]]:
    """For each pre-proceedings: the first effective initial meeting (CIN InitialPPMeetingDate)
    and how many review meetings went ahead (ReviewMeetingsCount)."""
    summary: dict[int, list] = defaultdict(lambda: [None, 0])
    rows = PreProceedingsMeeting.objects.filter(
        pre_proceedings_id__in=list(pp_ids), effective=True
    ).values_list("pre_proceedings_id", "kind", "held_on")
    for pp_id, kind, held_on in rows:
        entry = summary[pp_id]
        if kind == PreProceedingsMeeting.Kind.INITIAL:
            entry[0] = held_on if entry[0] is None else min(entry[0], held_on)
        else:
            entry[1] += 1
    return {pp_id: (entry[0], entry[1]) for pp_id, entry in summary.items()}


def letters_sent(pp_ids) -> dict[int, tuple[int, date | None]]:
    """For each pre-proceedings: how many letters before proceedings were sent, and the first
    day one was (CIN LBPSentDate)."""
    rows = (
        LetterBeforeProceedings.objects.filter(
            pre_proceedings_id__in=list(pp_ids), status=LetterBeforeProceedings.Status.SENT
        )
        .values("pre_proceedings_id")
        .annotate(n=Count("pk"), first=Min("sent_on"))
    )
    return {r["pre_proceedings_id"]: (r["n"], r["first"]) for r in rows}


def case_members(case_ids) -> dict[int, list[int]]:
    members: dict[int, list[int]] = defaultdict(list)
    for case_id, child_id in (
        LegalCaseChild.objects.filter(legal_case_id__in=list(case_ids))
        .order_by("pk")
        .values_list("legal_case_id", "child_id")
    ):
        members[case_id].append(child_id)
    return members


def parental_responsibility_counts(members: dict[int, list[int]]) -> dict[int, int]:
    """How many people have parental responsibility for any child of each case: each should
    get a letter before proceedings."""
    case_of: dict[int, set[int]] = defaultdict(set)
    for case_id, child_ids in members.items():
        for child_id in child_ids:
            case_of[child_id].add(case_id)
    people: dict[int, set[int]] = defaultdict(set)
    rows = Relationship.objects.filter(
        child_id__in=list(case_of), has_parental_responsibility=True
    ).values_list("child_id", "person_id")
    for child_id, person_id in rows:
        for case_id in case_of[child_id]:
            people[case_id].add(person_id)
    return {case_id: len(persons) for case_id, persons in people.items()}


def weeks_between(start: date, end: date) -> int:
    """Whole weeks from `start` to `end` (0 in the first week)."""
    return (end - start).days // 7


@dataclass
class Unborn:
    child: Child
    expected_on: date
    weeks_to_birth: int  # negative once the expected day has passed without a birth recorded


@dataclass
class PloRow:
    pre_proceedings: PreProceedings
    children: list[Child]
    hidden_children: int
    weeks: int
    letters_sent: int
    pr_holders: int
    first_letter_on: date | None
    initial_meeting_on: date | None
    review_meetings: int
    fgdm: str
    clock: object | None
    days: int = 0
    teams: list[Team] = field(default_factory=list)
    unborn: list[Unborn] = field(default_factory=list)

    @property
    def legal_case(self):
        return self.pre_proceedings.legal_case

    @property
    def solicitor(self) -> User | None:
        return self.pre_proceedings.legal_case.solicitor

    @property
    def over_limit(self) -> bool:
        return self.days > LONG_RUNNING_WEEKS * 7


def _rows(pps: list[PreProceedings], visible: set[int], members, today: date) -> list[PloRow]:
    pp_ids = [pp.pk for pp in pps]
    children = {c.pk: c for c in Child.objects.filter(pk__in=visible).select_related("allocated_team")}
    meetings = meeting_summaries(pp_ids)
    letters = letters_sent(pp_ids)
    pr = parental_responsibility_counts(members)
    clocks: dict[int, list] = defaultdict(list)
    for clock in annotate_clocks(
        clocks_for(context_type=PLO_CONTEXT, context_ids=pp_ids, child_ids=visible), today
    ):
        clocks[clock.context_id].append(clock)
    rows = []
    for pp in pps:
        ids = members.get(pp.legal_case_id, [])
        shown = [children[i] for i in ids if i in children]
        teams = {c.allocated_team.pk: c.allocated_team for c in shown if c.allocated_team_id}
        unborn = [
            Unborn(c, c.expected_date_of_birth, (c.expected_date_of_birth - today).days // 7)
            for c in shown
            if c.date_of_birth is None and c.expected_date_of_birth is not None
        ]
        initial_on, reviews = meetings.get(pp.pk, (None, 0))
        sent, first_sent = letters.get(pp.pk, (0, None))
        rows.append(
            PloRow(
                pre_proceedings=pp,
                children=shown,
                hidden_children=len(ids) - len(shown),
                weeks=weeks_between(pp.started_on, today),
                days=(today - pp.started_on).days,
                letters_sent=sent,
                first_letter_on=first_sent,
                pr_holders=pr.get(pp.legal_case_id, 0),
                initial_meeting_on=initial_on,
                review_meetings=reviews,
                fgdm=fgdm_status(pp),
                clock=next_or_most_overdue(clocks.get(pp.pk, [])),
                teams=sorted(teams.values(), key=lambda t: t.name),
                unborn=unborn,
            )
        )
    return rows


@dataclass
class PloList:
    rows: list[PloRow]
    teams: list[Team]
    solicitors: list[User]
    total: int


def plo_list(
    user: User, *, over_16_weeks: bool = False, team_id: int | None = None, solicitor_id: int | None = None
) -> PloList:
    """Every open pre-proceedings with a child the user may see, longest-running first."""
    today = timezone.localdate()
    pps = list(
        PreProceedings.objects.filter(step_decision_on__isnull=True).select_related(
            "legal_case__solicitor", "legal_case__family"
        )
    )
    members = case_members({pp.legal_case_id for pp in pps})
    visible = visible_child_ids(user, {c for ids in members.values() for c in ids})
    pps = [pp for pp in pps if any(c in visible for c in members.get(pp.legal_case_id, []))]
    rows = _rows(pps, visible, members, today)
    rows.sort(key=lambda r: (r.pre_proceedings.started_on, r.pre_proceedings.pk))
    teams = {t.pk: t for r in rows for t in r.teams}
    solicitors = {r.solicitor.pk: r.solicitor for r in rows if r.solicitor}
    total = len(rows)
    if over_16_weeks:
        rows = [r for r in rows if r.over_limit]
    if team_id:
        rows = [r for r in rows if any(t.pk == team_id for t in r.teams)]
    if solicitor_id:
        rows = [r for r in rows if r.solicitor and r.solicitor.pk == solicitor_id]
    return PloList(
        rows=rows,
        teams=sorted(teams.values(), key=lambda t: t.name),
        solicitors=sorted(solicitors.values(), key=lambda u: (u.last_name, u.first_name)),
        total=total,
    )


# --- One pre-proceedings -----------------------------------------------------------------------


def letter_url(pk: int) -> str:
    """The letters part of the pathway names its page `legal:letter`; until it exists, the plain
    path it will have."""
    try:
        return reverse("legal:letter", kwargs={"pk": pk})
    except NoReverseMatch:
        return f"/legal/letters/{pk}/"


def family_letters_url(pk: int) -> str | None:
    """The letters part's page for drafting and sending a family's letters, where it exists."""
    try:
        return reverse("legal:pre-proceedings-letters", kwargs={"pk": pk})
    except NoReverseMatch:
        return None


@dataclass
class PrHolder:
    name: str
    relationships: str
    letter_sent_on: date | None


@dataclass
class PloDetail:
    row: PloRow
    meetings: list[PreProceedingsMeeting]
    letters: list[LetterBeforeProceedings]
    pr_holders: list[PrHolder]
    clocks: list
    decision: PanelDecision | None
    proceedings: CareProceedings | None
    fgdm_blocks_application: bool
    offer_not_in_a_letter: bool

    @property
    def pre_proceedings(self) -> PreProceedings:
        return self.row.pre_proceedings


def visible_children_logged(actor: User, child_ids: list[int], what: str) -> list[Child]:
    """The children the actor may see, each read logged (a legal case page is a read of every
    child it names)."""
    shown = []
    for child in Child.objects.filter(pk__in=child_ids).select_related("allocated_team"):
        decision = child_access_decision(actor, child)
        if decision.allowed:
            log_read(actor, child, decision, what)
            shown.append(child)
    return shown


def pre_proceedings_for_reading(*, actor: User, pk: int) -> PloDetail:
    try:
        pp = PreProceedings.objects.select_related("legal_case__solicitor", "legal_case__family").get(pk=pk)
    except PreProceedings.DoesNotExist:
        raise Http404("No such pre-proceedings") from None
    members = case_members([pp.legal_case_id])
    ids = members.get(pp.legal_case_id, [])
    # Check first, then log: a refused page leaves no access event.
    if not visible_child_ids(actor, ids):
        raise PermissionDenied("None of the children in this case is in your caseload, team or service.")
    shown = visible_children_logged(actor, ids, f"Pre-proceedings {pp.legal_case.reference}")
    if not shown:
        raise PermissionDenied("None of the children in this case is in your caseload, team or service.")
    today = timezone.localdate()
    visible = {c.pk for c in shown}
    row = _rows([pp], visible, members, today)[0]
    letters = list(pp.letters.select_related("recipient", "sent_by").order_by("pk"))
    for letter in letters:
        letter.url = letter_url(letter.pk)
    sent_to = {}
    for letter in letters:
        if letter.status == LetterBeforeProceedings.Status.SENT and letter.sent_on:
            current = sent_to.get(letter.recipient_id)
            sent_to[letter.recipient_id] = letter.sent_on if current is None else min(current, letter.sent_on)
    holders: dict[int, PrHolder] = {}
    for rel in (
        Relationship.objects.filter(child_id__in=ids, has_parental_responsibility=True)
        .select_related("person", "child")
        .order_by("person__last_name", "person__first_name", "pk")
    ):
        holder = holders.get(rel.person_id)
        # Name the relationship only to the children the actor may see.
        about = f"{rel.get_kind_display()} of {rel.child.full_name}" if rel.child_id in visible else ""
        if holder is None:
            holders[rel.person_id] = PrHolder(
                name=f"{rel.person.first_name} {rel.person.last_name}".strip(),
                relationships=about,
                letter_sent_on=sent_to.get(rel.person_id),
            )
        elif about:
            holder.relationships = f"{holder.relationships}; {about}" if holder.relationships else about
    clocks = annotate_clocks(
        clocks_for(context_type=PLO_CONTEXT, context_ids=[pp.pk], child_ids=visible), today
    )
    proceedings = CareProceedings.objects.filter(pre_proceedings=pp).order_by("-pk").first()
    return PloDetail(
        row=row,
        meetings=list(pp.meetings.select_related("chair").order_by("held_on", "pk")),
        letters=letters,
        pr_holders=list(holders.values()),
        clocks=clocks,
        decision=PanelDecision.objects.filter(pk=pp.decision_id).select_related("meeting").first()
        if pp.decision_id
        else None,
        proceedings=proceedings,
        # Only while it still matters: before the application is issued.
        fgdm_blocks_application=fgdm_blocks_application(pp) and not (proceedings and proceedings.issued_on),
        # s31ZA(6): the offer must be in the letter before proceedings.
        offer_not_in_a_letter=pp.fgdm_offered_on is not None
        and not any(
            letter.status == LetterBeforeProceedings.Status.SENT and letter.fgdm_offer.strip()
            for letter in letters
        ),
    )


def pre_proceedings_for_recording(*, actor: User, pk: int) -> PreProceedings:
    """The pre-proceedings a form writes to; the service checks the actor's rights to every child."""
    try:
        return PreProceedings.objects.select_related("legal_case").get(pk=pk)
    except PreProceedings.DoesNotExist:
        raise Http404("No such pre-proceedings") from None
