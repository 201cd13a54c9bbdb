"""Reads for section 20 accommodation (F08): who is accommodated under section 20, the consent
record for each person with parental responsibility (rules.md 4.3), what is missing from it, and
managers' reviews of every section 20 case.

A child is accommodated under section 20 while they have an open looked-after episode with legal
status V2. A run of section 20 starts at the first of consecutive V2 episodes (each starting the
day the one before ended); the consents are recorded against that first episode, which is also the
context of the engine's section 20 clocks."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Q
from django.utils import timezone

from carepath.core import codes
from carepath.journey.models import LookedAfterEpisode
from carepath.people.models import Child, RelatedPerson, Relationship, User

from ..consent import consent_gaps
from ..models import Section20Consent, Section20Review, Section20ReviewCase
from .common import visible_child_ids

# The two timescale flags (a long section 20 without the panel, a baby without legal planning) are
# the engine's clocks, from the rules table (rules.md 4.3 suggested alerts), not worked out here.
LONG_RULE, BABY_RULE = "S20-NO-LPM", "S20-INFANT"


class Flag:
    MISSING_CONSENT = "missing-consent"
    LONG = "long"
    BABY = "baby"
    WITHDRAWN = "withdrawn"

    LABELS = {
        MISSING_CONSENT: "Consent evidence missing",
        LONG: "Past the timescale (S20-NO-LPM) with no legal gateway request",
        BABY: "Baby accommodated without legal planning",
        WITHDRAWN: "Consent withdrawn, child still accommodated",
    }
    ORDER = [MISSING_CONSENT, LONG, BABY, WITHDRAWN]


@dataclass
class Section20Run:
    """Consecutive section 20 episodes of one child, with (when the selector filled them in) the
    people with parental responsibility and the consents recorded for the run."""

    child_id: int
    first_episode_id: int
    start_date: date
    end_date: date | None
    episode_ids: list[int]
    pr_holders: list[RelatedPerson] = field(default_factory=list)
    consents: list[Section20Consent] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.end_date is None

    def days(self, on: date) -> int:
        return ((self.end_date or on) - self.start_date).days

    def weeks(self, on: date) -> int:
        return self.days(on) // 7


def runs_from_episodes(episodes) -> dict[int, list[Section20Run]]:
    """Group (id, child_id, start_date, end_date) of V2 episodes into runs, per child, oldest first."""
    runs: dict[int, list[Section20Run]] = defaultdict(list)
    for episode_id, child_id, start, end in sorted(episodes, key=lambda e: (e[1], e[2], e[0])):
        child_runs = runs[child_id]
        last = child_runs[-1] if child_runs else None
        if last is not None and last.end_date is not None and last.end_date == start:
            last.end_date = end
            last.episode_ids.append(episode_id)
        else:
            child_runs.append(Section20Run(child_id, episode_id, start, end, [episode_id]))
    return runs


def _section_20_episodes(child_ids):
    return LookedAfterEpisode.objects.filter(
        child_id__in=list(child_ids), legal_status=codes.LegalStatus.SECTION_20
    ).values_list("pk", "child_id", "start_date", "end_date")


def open_runs(child_ids) -> dict[int, Section20Run]:
    """The open section 20 run of each of the children that has one."""
    result = {}
    for child_id, child_runs in runs_from_episodes(_section_20_episodes(child_ids)).items():
        if child_runs[-1].is_open:
            result[child_id] = child_runs[-1]
    return result


def accommodated_child_ids(on: date | None = None) -> set[int]:
    """Every child accommodated under section 20 on the day (an open V2 episode begun by then)."""
    on = on or timezone.localdate()
    return set(
        LookedAfterEpisode.objects.filter(
            legal_status=codes.LegalStatus.SECTION_20, end_date__isnull=True, start_date__lte=on
        ).values_list("child_id", flat=True)
    )


def _fill_consents(runs: list[Section20Run]) -> None:
    """Put each run's PR holders and consents on it (two queries for any number of runs)."""
    by_child = {run.child_id: run for run in runs}
    if not by_child:
        return
    holders = (
        Relationship.objects.filter(child_id__in=list(by_child), has_parental_responsibility=True)
        .select_related("person")
        .order_by("person__last_name", "person__first_name", "pk")
    )
    for relationship in holders:
        by_child[relationship.child_id].pr_holders.append(relationship.person)
    consents = (
        Section20Consent.objects.filter(episode_id__in=[run.first_episode_id for run in runs])
        .select_related("person", "authorised_by")
        .order_by("given_at", "pk")
    )
    for consent in consents:
        by_child[consent.child_id].consents.append(consent)


def current_run(child: Child) -> Section20Run | None:
    """The child's open section 20 run, with its PR holders and consents."""
    run = open_runs([child.pk]).get(child.pk)
    if run is not None:
        _fill_consents([run])
    return run


def latest_run(child: Child) -> Section20Run | None:
    """The open run, or else the most recent one that ended: for the child's section 20 page."""
    child_runs = runs_from_episodes(_section_20_episodes([child.pk])).get(child.pk)
    if not child_runs:
        return None
    run = child_runs[-1]
    _fill_consents([run])
    return run


# ---------------------------------------------------------------------------------------------
# What a consent record lacks (rules.md 4.3). Pure: they read only what they are given.
# ---------------------------------------------------------------------------------------------


def consent_missing(consent: Section20Consent, *, still_accommodated: bool = True) -> list[str]:
    """Each item of rules.md 4.3 the consent record does not show, in plain words. The items come
    from legal.consent.consent_gaps, which the timescales engine asks too, so the register and the
    clocks cannot disagree; a withdrawal is put in words that say what must happen now, and only
    while the child is still accommodated."""
    fields = {f.attname: getattr(consent, f.attname) for f in Section20Consent._meta.concrete_fields}
    gaps = consent_gaps(fields | {"withdrawn_at": None})
    if consent.withdrawn_at is not None and still_accommodated:
        withdrawn = timezone.localtime(consent.withdrawn_at)
        gaps.append(
            f"Consent was withdrawn on {withdrawn.day} {withdrawn:%B %Y} and the child is still "
            "accommodated: return the child or take urgent legal advice"
        )
    return gaps


@dataclass
class HolderConsent:
    """One person with parental responsibility and their consent (None if none is recorded)."""

    person: RelatedPerson
    consent: Section20Consent | None
    gaps: list[str]

    @property
    def complete(self) -> bool:
        return not self.gaps


def holder_consents(run: Section20Run) -> list[HolderConsent]:
    # The register asks for each run's gaps several times over; they are worked out once.
    cached = run.__dict__.get("_holder_consents")
    if cached is not None:
        return cached
    consent_of = {}
    for consent in run.consents:
        consent_of.setdefault(consent.person_id, consent)
    rows = []
    for person in run.pr_holders:
        consent = consent_of.get(person.pk)
        if consent is None:
            gaps = ["No consent is recorded"]
        else:
            gaps = consent_missing(consent, still_accommodated=run.is_open)
        rows.append(HolderConsent(person, consent, gaps))
    run.__dict__["_holder_consents"] = rows
    return rows


def child_consent_gaps(child: Child, run: Section20Run) -> list[str]:
    """Everything missing from the child's consent evidence for the run, each naming the person."""
    if not run.pr_holders:
        return ["No one with parental responsibility is recorded for the child"]
    gaps = []
    for holder in holder_consents(run):
        name = f"{holder.person.first_name} {holder.person.last_name}"
        if holder.consent is None:
            gaps.append(f"No consent recorded from {name}, who has parental responsibility")
        else:
            gaps.extend(f"{name}: {gap}" for gap in holder.gaps)
    return gaps


def withdrawn_while_accommodated(run: Section20Run) -> bool:
    return run.is_open and any(c.withdrawn_at is not None for c in run.consents)


# ---------------------------------------------------------------------------------------------
# The register
# ---------------------------------------------------------------------------------------------


@dataclass
class RegisterRow:
    child: Child
    run: Section20Run
    age: int | None
    weeks: int
    holders: list[HolderConsent]
    gaps: list[str]
    flags: list[str]

    @property
    def flag_labels(self) -> list[str]:
        return [Flag.LABELS[f] for f in self.flags]

    @property
    def complete_holders(self) -> int:
        return sum(1 for h in self.holders if h.complete)


@dataclass
class Register:
    rows: list[RegisterRow]
    # Counts over every child in the register (after the team filter, before the flag filter).
    total: int
    counts: dict[str, int]
    teams: list[tuple[int, str]]


def _timescale_flags(runs: dict[int, Section20Run], today: date) -> dict[int, set[str]]:
    """The engine's open S20-NO-LPM (overdue) and S20-INFANT clocks for each child's current run."""
    from carepath.timescales.engine import Status
    from carepath.timescales.models import Deadline

    found: dict[int, set[str]] = defaultdict(set)
    rows = Deadline.objects.filter(
        child_id__in=list(runs), rule_id__in=[LONG_RULE, BABY_RULE], status__in=Status.ACTIVE
    ).values_list("child_id", "rule_id", "context_id", "due_on")
    for child_id, rule_id, context_id, due_on in rows:
        if context_id != runs[child_id].first_episode_id:
            continue
        if rule_id == BABY_RULE:
            found[child_id].add(Flag.BABY)
        elif due_on < today:
            found[child_id].add(Flag.LONG)
    return found


def _flags(run: Section20Run, gaps, timescales: set[str]) -> list[str]:
    flags = []
    if gaps:
        flags.append(Flag.MISSING_CONSENT)
    flags += [f for f in (Flag.LONG, Flag.BABY) if f in timescales]
    if withdrawn_while_accommodated(run):
        flags.append(Flag.WITHDRAWN)
    return flags


def section_20_register(
    user: User, *, team_id: int | None = None, flag: str | None = None, sort: str = "weeks"
) -> Register:
    """Every child accommodated under section 20 today whom the user may see, with their consent
    evidence and flags. A handful of queries whatever the number of children."""
    today = timezone.localdate()
    ids = visible_child_ids(user, accommodated_child_ids(today))
    runs = open_runs(ids)
    _fill_consents(list(runs.values()))
    children = Child.objects.filter(pk__in=list(runs)).select_related("allocated_team", "allocated_worker")
    timescales = _timescale_flags(runs, today)

    rows = []
    teams: dict[int, str] = {}
    for child in children:
        if child.allocated_team_id:
            teams[child.allocated_team_id] = child.allocated_team.name
        if team_id is not None and child.allocated_team_id != team_id:
            continue
        run = runs[child.pk]
        gaps = child_consent_gaps(child, run)
        rows.append(
            RegisterRow(
                child=child,
                run=run,
                age=child.age_on(today),
                weeks=run.weeks(today),
                holders=holder_consents(run),
                gaps=gaps,
                flags=_flags(run, gaps, timescales[child.pk]),
            )
        )
    counts = {f: sum(1 for row in rows if f in row.flags) for f in Flag.ORDER}
    total = len(rows)
    if flag in Flag.LABELS:
        rows = [row for row in rows if flag in row.flags]
    if sort == "weeks-asc":
        rows.sort(key=lambda r: (r.weeks, r.child.last_name.lower(), r.child.first_name.lower()))
    elif sort == "name":
        rows.sort(key=lambda r: (r.child.last_name.lower(), r.child.first_name.lower()))
    else:
        rows.sort(key=lambda r: (-r.weeks, r.child.last_name.lower(), r.child.first_name.lower()))
    return Register(rows, total, counts, sorted(teams.items(), key=lambda t: t[1]))


# ---------------------------------------------------------------------------------------------
# Reviews of every section 20 case
# ---------------------------------------------------------------------------------------------


def reviews_with_progress():
    """Every review with how many of its cases have a finding. Counts only: no child is named."""
    return Section20Review.objects.select_related("started_by").annotate(
        cases_total=Count("cases"), cases_reviewed=Count("cases", filter=Q(cases__reviewed_on__isnull=False))
    )


@dataclass
class ReviewCases:
    review: Section20Review
    visible: list[Section20ReviewCase]
    hidden: int
    total: int
    reviewed: int


def review_cases(user: User, review: Section20Review, *, outstanding_only: bool = False) -> ReviewCases:
    """The review's cases for the children the user may see; the others are only counted."""
    cases = list(review.cases.select_related("child__allocated_team", "episode", "reviewer"))
    visible_ids = visible_child_ids(user, {c.child_id for c in cases})
    visible = [c for c in cases if c.child_id in visible_ids]
    if outstanding_only:
        visible = [c for c in visible if c.reviewed_on is None]
    visible.sort(
        key=lambda c: (c.reviewed_on is not None, c.child.last_name.lower(), c.child.first_name.lower())
    )
    return ReviewCases(
        review=review,
        visible=visible,
        hidden=sum(1 for c in cases if c.child_id not in visible_ids),
        total=len(cases),
        reviewed=sum(1 for c in cases if c.reviewed_on is not None),
    )
