"""The assurance reports (F18): how far auditors and moderators agree, the calibration flags for
the QA lead, and what the audits teach (grades by domain, actions done on time, repeat findings).

Scope. A reader (VIEW_ASSURANCE) sees figures over the completed audits of children whose records
they may open (people.selectors.children_visible_to): a team manager's report is about their
team's children, a director's about the authority's. Every figure that counts audits can be
turned into the list of those audits (F19: a number a manager can turn into names); a list, or a
download, that names children logs a read of each.

Teams. An audit's team is the child's allocated team on the day the audit was completed, read
from the child's allocation history; where the child had no allocation that day, the child's
allocated team now (TEAM_BASIS says so on the page).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from carepath.core.models import Channel
from carepath.core.permissions import Function
from carepath.core.reads import log_read, visible_child_ids
from carepath.people.models import Allocation, Child, Team, User
from carepath.people.selectors import child_access_decision

from ..agreement import QUADRATIC, Agreement, agreement
from ..models import (
    AuditAction,
    AuditProgramme,
    AuditTool,
    CalibrationFlag,
    CaseAudit,
    DomainGrade,
    ModeratedGrade,
    Moderation,
)
from .calibration import kind_label
from .read_log import log_reads

TEAM_BASIS = (
    "An audit's team is the child's allocated team on the day the audit was completed, from the "
    "child's allocation history; where the child had no allocation that day, the child's "
    "allocated team now."
)
NUMBER_WORDS = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five"}


def require_view_assurance(user: User) -> None:
    if not (user.is_authenticated and user.is_active and user.can(Function.VIEW_ASSURANCE)):
        raise PermissionDenied("Your role does not include the assurance reports.")


def log_children_shown(
    user: User, children: Iterable[Child], what: str | None, channel: str = Channel.WEB
) -> None:
    """Log a read of each child a list or download names (once each). `what` None: the caller
    names no child (a download of figures only) and logs nothing."""
    log_reads(user, children, what, channel)


# ---------------------------------------------------------------------------------------------
# The audits a report is about
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filters:
    date_from: date | None = None  # audits completed on or after
    date_to: date | None = None  # audits completed on or before
    team_id: int | None = None
    programme_id: int | None = None


def _teams_then(audits: list[CaseAudit]) -> dict[int, int | None]:
    """Each audit's team: the child's allocated team on the audit's date (see TEAM_BASIS)."""
    spans = defaultdict(list)
    rows = Allocation.objects.filter(
        child_id__in={a.child_id for a in audits}, kind=Allocation.Kind.SOCIAL_WORKER
    ).values_list("child_id", "team_id", "started_on", "ended_on")
    for child_id, team_id, started, ended in rows:
        spans[child_id].append((started, ended, team_id))
    teams = {}
    for audit in audits:
        day = audit.completed_on
        held = sorted(
            (s for s in spans[audit.child_id] if s[0] <= day and (s[1] is None or s[1] >= day)),
            key=lambda s: s[0],
        )
        teams[audit.pk] = held[-1][2] if held else audit.child.allocated_team_id
    return teams


def completed_audits(user: User, filters: Filters = Filters(), *, moderated: bool = False) -> list[CaseAudit]:
    """Completed audits of children the user may open, oldest first, each with `team_then_id`
    (and, with `moderated`, only those whose moderation is complete)."""
    # An audit the reader is moderating is not in their figures until they have graded it: the
    # reports would otherwise tell them its grades (moderation is blind).
    found = CaseAudit.objects.filter(status=CaseAudit.Status.COMPLETED).exclude(
        moderation__moderator=user, moderation__status=Moderation.Status.ASSIGNED
    )
    if moderated:
        found = found.filter(moderation__status=Moderation.Status.COMPLETED)
    if filters.date_from:
        found = found.filter(completed_on__gte=filters.date_from)
    if filters.date_to:
        found = found.filter(completed_on__lte=filters.date_to)
    if filters.programme_id:
        found = found.filter(programme_id=filters.programme_id)
    # Which audits, and whose children, first: whole rows only for children the user may see.
    candidates = list(found.values_list("pk", "child_id"))
    visible = visible_child_ids(user, {child_id for _pk, child_id in candidates})
    rows = CaseAudit.objects.filter(pk__in=[pk for pk, child_id in candidates if child_id in visible])
    rows = rows.select_related("child", "moderation") if moderated else rows.select_related("child")
    audits = list(rows.order_by("completed_on", "pk"))
    _share_people_and_tools(audits, moderated=moderated)
    teams = _teams_then(audits)
    for audit in audits:
        audit.team_then_id = teams[audit.pk]
    if filters.team_id:
        audits = [a for a in audits if a.team_then_id == filters.team_id]
    return audits


def _share_people_and_tools(audits: list[CaseAudit], *, moderated: bool) -> None:
    """Give the audits their auditor, tool, programme (and moderator) from one read of each kind:
    a few auditors, tools and programmes cover hundreds of audits, so each is made once and shared
    rather than joined into every audit's row (a join builds a copy per audit)."""
    people = {a.auditor_id for a in audits}
    if moderated:
        people |= {a.moderation.moderator_id for a in audits}
    users = User.objects.in_bulk(people)
    tools = AuditTool.objects.in_bulk({a.tool_id for a in audits})
    programmes = AuditProgramme.objects.in_bulk({a.programme_id for a in audits if a.programme_id})
    for audit in audits:
        audit.auditor = users[audit.auditor_id]
        audit.tool = tools[audit.tool_id]
        audit.programme = programmes.get(audit.programme_id)
        if moderated:
            audit.moderation.moderator = users[audit.moderation.moderator_id]


def team_names(ids) -> dict[int, Team]:
    return Team.objects.in_bulk([i for i in set(ids) if i])


# ---------------------------------------------------------------------------------------------
# Comparing two sets of grades
# ---------------------------------------------------------------------------------------------


def difference_words(tool: AuditTool, first: str, second: str) -> str:
    """How the first auditor's grade compares with the moderator's, in words (not colour)."""
    try:
        a, b = tool.rank(first), tool.rank(second)
    except ValueError:
        return "Cannot be compared: a grade is not on the tool's scale"
    if a == b:
        return "Same grade"
    steps = abs(a - b)
    by = f"{NUMBER_WORDS.get(steps, steps)} grade{'s' if steps > 1 else ''}"
    # A lower rank is a better grade.
    if a < b:
        return f"Different: the auditor graded higher, by {by}"
    return f"Different: the moderator graded higher, by {by}"


@dataclass
class ComparedDomain:
    title: str
    first_grade: str
    first_evidence: str
    second_grade: str
    second_comment: str
    agree: bool
    difference: str


@dataclass
class Comparison:
    domains: list[ComparedDomain]
    overall_first: str
    overall_second: str
    overall_agree: bool
    overall_difference: str
    disagreements: int


def moderation_comparison(moderation: Moderation) -> Comparison:
    """Both sets of grades side by side, for a completed moderation only: before then the
    moderator grades blind (services.moderation.is_blind_to)."""
    if moderation.status != Moderation.Status.COMPLETED:
        raise PermissionDenied("The grades are compared once the moderation is complete.")
    audit = moderation.audit
    tool = audit.tool
    firsts = {g.domain_id: g for g in DomainGrade.objects.filter(audit=audit)}
    seconds = {g.domain_id: g for g in ModeratedGrade.objects.filter(moderation=moderation)}
    domains = []
    for domain in tool.domains.order_by("position"):
        first, second = firsts.get(domain.pk), seconds.get(domain.pk)
        first_code, second_code = (first.grade if first else ""), (second.grade if second else "")
        domains.append(
            ComparedDomain(
                title=domain.title,
                first_grade=tool.grade_label(first_code) if first else "Not graded",
                first_evidence=first.evidence if first else "",
                second_grade=tool.grade_label(second_code) if second else "Not graded",
                second_comment=second.comment if second else "",
                agree=bool(first and second and first_code == second_code),
                difference=difference_words(tool, first_code, second_code)
                if first and second
                else "Cannot be compared: one of them did not grade this domain",
            )
        )
    return Comparison(
        domains=domains,
        overall_first=tool.grade_label(audit.overall_grade),
        overall_second=tool.grade_label(moderation.overall_grade),
        overall_agree=audit.overall_grade == moderation.overall_grade,
        overall_difference=difference_words(tool, audit.overall_grade, moderation.overall_grade),
        disagreements=sum(1 for d in domains if not d.agree),
    )


# ---------------------------------------------------------------------------------------------
# The agreement report
# ---------------------------------------------------------------------------------------------


@dataclass
class GradePair:
    audit: CaseAudit
    domain_title: str  # "" for the overall grade
    first: str
    second: str
    first_rank: int
    second_rank: int
    categories: int

    @property
    def agreed(self) -> bool:
        return self.first_rank == self.second_rank

    @property
    def auditor_higher(self) -> bool:
        return self.first_rank < self.second_rank  # rank 0 is the best grade


@dataclass
class AgreementRow:
    show: str  # the key of the list of these audits
    label: str
    audits: int
    result: Agreement
    auditor_higher: int  # grades the auditor gave higher than the moderator


@dataclass
class HigherRow:
    auditor: User
    audits: int  # moderated audits of this auditor
    higher_any: int  # audits where the auditor graded higher overall or in any domain
    higher_overall: int  # audits where the auditor's overall grade was higher
    higher_grades: int  # domain grades higher than the moderator's
    domain_grades: int


@dataclass
class ListedAudit:
    audit: CaseAudit
    team: Team | None
    note: str = ""

    @property
    def grade(self) -> str:
        return self.audit.tool.grade_label(self.audit.overall_grade)

    @property
    def moderator_grade(self) -> str:
        """For an audit listed from the agreement report (its moderation is complete)."""
        return self.audit.tool.grade_label(self.audit.moderation.overall_grade)


@dataclass
class AgreementReport:
    audits: int
    overall: AgreementRow
    overall_grades: AgreementRow
    by_auditor: list[AgreementRow]
    by_team: list[AgreementRow]
    by_domain: list[AgreementRow]
    higher: list[HigherRow]
    pairs: list[GradePair]
    team_basis: str = TEAM_BASIS
    listed_title: str = ""
    listed: list[ListedAudit] | None = None


def _pair(audit, title, first, second) -> GradePair | None:
    tool = audit.tool
    codes = tool.grade_codes()
    if first not in codes or second not in codes:
        return None
    return GradePair(audit, title, first, second, codes.index(first), codes.index(second), len(codes))


def _grade_pairs(audits: list[CaseAudit]) -> tuple[list[GradePair], list[GradePair]]:
    """(domain pairs, overall-grade pairs) for moderated audits."""
    by_pk = {a.pk: a for a in audits}
    firsts = {
        (audit_id, domain_id): (title, grade)
        for audit_id, domain_id, title, grade in DomainGrade.objects.filter(audit_id__in=by_pk).values_list(
            "audit_id", "domain_id", "domain__title", "grade"
        )
    }
    seconds = {
        (audit_id, domain_id): grade
        for audit_id, domain_id, grade in ModeratedGrade.objects.filter(
            moderation__audit_id__in=by_pk
        ).values_list("moderation__audit_id", "domain_id", "grade")
    }
    domain_pairs = []
    for (audit_id, domain_id), (title, grade) in sorted(firsts.items()):
        if (audit_id, domain_id) in seconds:
            pair = _pair(by_pk[audit_id], title, grade, seconds[(audit_id, domain_id)])
            if pair:
                domain_pairs.append(pair)
    overall_pairs = [
        p for a in audits if (p := _pair(a, "", a.overall_grade, a.moderation.overall_grade)) is not None
    ]
    return domain_pairs, overall_pairs


def _agreement_row(show: str, label: str, pairs: list[GradePair]) -> AgreementRow:
    categories = max((p.categories for p in pairs), default=2)
    return AgreementRow(
        show=show,
        label=label,
        audits=len({p.audit.pk for p in pairs}),
        result=agreement([(p.first_rank, p.second_rank) for p in pairs], categories, QUADRATIC),
        auditor_higher=sum(1 for p in pairs if p.auditor_higher),
    )


def _grouped(pairs, key, label, show_prefix) -> list[AgreementRow]:
    groups: dict = defaultdict(list)
    for p in pairs:
        groups[key(p)].append(p)
    rows = [
        _agreement_row(f"{show_prefix}:{k if k is not None else 'none'}", label(k), ps)
        for k, ps in groups.items()
    ]
    return sorted(rows, key=lambda r: r.label.lower())


def agreement_report(
    user: User,
    filters: Filters = Filters(),
    *,
    show: str | None = None,
    what: str | None = "Agreement report",
) -> AgreementReport:
    """Agreement between auditors and moderators over the moderated audits the user may see:
    percentage agreement and weighted kappa (quadratic weights) over the domain grades, overall
    and by auditor, team and domain, and over the overall grades; and where auditors graded higher
    than moderators. With `show`, the list of the audits behind one figure (reads logged)."""
    require_view_assurance(user)
    audits = completed_audits(user, filters, moderated=True)
    domain_pairs, overall_pairs = _grade_pairs(audits)
    teams = team_names(a.team_then_id for a in audits)
    auditors = {a.auditor_id: a.auditor for a in audits}
    higher = []
    for auditor_id, auditor in sorted(auditors.items(), key=lambda kv: (kv[1].last_name, kv[1].first_name)):
        theirs = [a for a in audits if a.auditor_id == auditor_id]
        mine = [p for p in domain_pairs if p.audit.auditor_id == auditor_id]
        overall_higher = {
            p.audit.pk for p in overall_pairs if p.audit.auditor_id == auditor_id and p.auditor_higher
        }
        any_higher = overall_higher | {p.audit.pk for p in mine if p.auditor_higher}
        higher.append(
            HigherRow(
                auditor=auditor,
                audits=len(theirs),
                higher_any=len(any_higher),
                higher_overall=len(overall_higher),
                higher_grades=sum(1 for p in mine if p.auditor_higher),
                domain_grades=len(mine),
            )
        )
    report = AgreementReport(
        audits=len(audits),
        overall=_agreement_row("all", "All domain grades", domain_pairs),
        overall_grades=_agreement_row("all", "Overall grades", overall_pairs),
        by_auditor=_grouped(
            domain_pairs, lambda p: p.audit.auditor_id, lambda k: str(auditors[k]), "auditor"
        ),
        by_team=_grouped(
            domain_pairs,
            lambda p: p.audit.team_then_id,
            lambda k: str(teams[k]) if k in teams else "No team",
            "team",
        ),
        by_domain=_grouped(domain_pairs, lambda p: p.domain_title, lambda k: k, "domain"),
        higher=higher,
        pairs=domain_pairs,
    )
    if show:
        report.listed_title, listed = _agreement_list(
            show, audits, domain_pairs, overall_pairs, auditors, teams
        )
        report.listed = [ListedAudit(a, teams.get(a.team_then_id), _overall_note(a)) for a in listed]
        log_children_shown(user, [a.child for a in listed], what)
    return report


def _overall_note(audit: CaseAudit) -> str:
    return difference_words(audit.tool, audit.overall_grade, audit.moderation.overall_grade)


def _agreement_list(
    show, audits, domain_pairs, overall_pairs, auditors, teams
) -> tuple[str, list[CaseAudit]]:
    kind, _sep, key = show.partition(":")

    def whose(pairs) -> list[CaseAudit]:
        ids = {p.audit.pk for p in pairs}
        return [a for a in audits if a.pk in ids]

    def auditor_id() -> int | None:
        return int(key) if key.isdigit() else None

    if kind == "all":
        return "Every moderated audit in this report", audits
    if kind == "auditor" and auditor_id() in auditors:
        return f"Moderated audits by {auditors[auditor_id()]}", [
            a for a in audits if a.auditor_id == auditor_id()
        ]
    if kind == "team":
        team_id = None if key == "none" else (int(key) if key.isdigit() else -1)
        name = str(teams[team_id]) if team_id in teams else "no team"
        return f"Moderated audits of children in {name}", [a for a in audits if a.team_then_id == team_id]
    if kind == "domain":
        return f"Moderated audits: {key}", whose(p for p in domain_pairs if p.domain_title == key)
    if kind in ("higher", "higher-overall"):
        chosen = auditor_id()
        pairs = overall_pairs if kind == "higher-overall" else [*overall_pairs, *domain_pairs]
        pairs = [p for p in pairs if p.auditor_higher and (chosen is None or p.audit.auditor_id == chosen)]
        who = f" by {auditors[chosen]}" if chosen in auditors else ""
        where = "overall" if kind == "higher-overall" else "overall or in any domain"
        return f"Audits{who} where the auditor graded higher than the moderator ({where})", whose(pairs)
    return "No list matches that link", []


# ---------------------------------------------------------------------------------------------
# The calibration report
# ---------------------------------------------------------------------------------------------


@dataclass
class FlagRow:
    flag: CalibrationFlag
    audit: CaseAudit
    findings: list[dict]

    @property
    def grade(self) -> str:
        return self.audit.tool.grade_label(self.audit.overall_grade).lower()


@dataclass
class CalibrationReport:
    good_or_better: int
    flagged: int
    open: int
    stands: int
    regraded: int
    open_flags: list[FlagRow]
    reviewed_flags: list[FlagRow]
    listed_title: str = ""
    listed: list[ListedAudit] | None = None

    @property
    def figures(self) -> list[tuple[str, str, int]]:
        """(list key, what is counted, number): each number opens the list of its audits."""
        return [
            ("good", "Audits graded good or better", self.good_or_better),
            ("flagged", "Of those, flagged against the record", self.flagged),
            ("open", "Flags waiting for the QA lead's review", self.open),
            ("stands", "Flags reviewed: the grade stands", self.stands),
            ("regraded", "Flags reviewed: the grade was too generous", self.regraded),
        ]


def findings_in_words(findings: list[dict]) -> list[dict]:
    return [
        {**f, "kind_label": kind_label(f.get("kind", "")), "due": _iso_date(f.get("due_on"))}
        for f in findings
    ]


def _iso_date(value) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def calibration_report(
    user: User,
    filters: Filters = Filters(),
    *,
    show: str | None = None,
    what: str | None = "Calibration report",
) -> CalibrationReport:
    """Audits graded good or better while the record showed concerns on the audit's date: the
    open flags for the QA lead with what the record showed, the reviewed ones with the outcome,
    and how many of the audits graded good or better were flagged. Names children: reads logged."""
    require_view_assurance(user)
    audits = completed_audits(user, filters)
    good = [a for a in audits if a.tool.is_at_least_good(a.overall_grade)]
    by_pk = {a.pk: a for a in audits}
    flags = list(
        CalibrationFlag.objects.filter(audit_id__in=by_pk)
        .select_related("reviewed_by")
        .order_by("-raised_on", "-pk")
    )
    rows = [FlagRow(flag, by_pk[flag.audit_id], findings_in_words(flag.findings)) for flag in flags]
    open_rows = [r for r in rows if not r.flag.outcome]
    reviewed = [r for r in rows if r.flag.outcome]
    report = CalibrationReport(
        good_or_better=len(good),
        flagged=len(rows),
        open=len(open_rows),
        stands=sum(1 for r in reviewed if r.flag.outcome == CalibrationFlag.Outcome.STANDS),
        regraded=sum(1 for r in reviewed if r.flag.outcome == CalibrationFlag.Outcome.TOO_GENEROUS),
        open_flags=open_rows,
        reviewed_flags=reviewed,
    )
    teams = team_names(a.team_then_id for a in audits)
    shown = [r.audit.child for r in rows]
    if show:
        lists = {
            "good": ("Audits graded good or better", good),
            "flagged": ("Audits graded good or better that were flagged", [r.audit for r in rows]),
            "open": ("Flags waiting for review", [r.audit for r in open_rows]),
            "stands": (
                "Flags reviewed: the grade stands",
                [r.audit for r in reviewed if r.flag.outcome == CalibrationFlag.Outcome.STANDS],
            ),
            "regraded": (
                "Flags reviewed: the grade was too generous",
                [r.audit for r in reviewed if r.flag.outcome == CalibrationFlag.Outcome.TOO_GENEROUS],
            ),
        }
        report.listed_title, listed = lists.get(show, ("No list matches that link", []))
        report.listed = [
            ListedAudit(a, teams.get(a.team_then_id)) for a in sorted(listed, key=lambda a: a.pk)
        ]
        shown += [a.child for a in listed]
    log_children_shown(user, shown, what)
    return report


def calibration_flag_for(user: User, pk: int, *, what: str = "Calibration flag") -> FlagRow:
    """One flag, for a reader who may see the child (404 otherwise: an unknown flag and one about
    a child out of scope look the same). Logs the read."""
    require_view_assurance(user)
    flag = (
        CalibrationFlag.objects.select_related("audit__child", "audit__tool", "audit__auditor", "reviewed_by")
        .filter(pk=pk)
        .first()
    )
    if flag is None:
        raise Http404("No calibration flag with that number.")
    if Moderation.objects.filter(
        audit_id=flag.audit_id, moderator=user, status=Moderation.Status.ASSIGNED
    ).exists():
        # The flag says the audit was graded good or better: not before the moderator has graded.
        raise PermissionDenied(
            "You are moderating this audit: its grades are hidden until you have graded it."
        )
    decision = child_access_decision(user, flag.audit.child)
    if not decision.allowed:
        raise Http404("No calibration flag with that number.")
    log_read(user, flag.audit.child, decision, what)
    return FlagRow(flag, flag.audit, findings_in_words(flag.findings))


# ---------------------------------------------------------------------------------------------
# The learning report
# ---------------------------------------------------------------------------------------------


@dataclass
class DomainRow:
    title: str
    counts: list[tuple[str, int, str]]  # (grade code, number, show key)
    total: int
    below_good: int


@dataclass
class ActionCounts:
    on_time: int = 0
    late: int = 0
    open_overdue: int = 0
    open_not_due: int = 0

    @property
    def total(self) -> int:
        return self.on_time + self.late + self.open_overdue + self.open_not_due


@dataclass
class RepeatForChild:
    child: Child
    domain: str
    audits: list[CaseAudit]


@dataclass
class RepeatForTeam:
    team: Team | None
    domain: str
    earlier: AuditProgramme
    later: AuditProgramme
    audits: list[CaseAudit]


@dataclass
class LearningReport:
    audits: int
    grades: list[tuple[str, str]]  # (code, label), best first
    domains: list[DomainRow]
    actions: ActionCounts
    repeats_for_children: list[RepeatForChild]
    repeats_for_teams: list[RepeatForTeam]
    team_basis: str = TEAM_BASIS
    listed_title: str = ""
    listed: list[ListedAudit] | None = None
    listed_actions: list[AuditAction] | None = None
    all_audits: list[CaseAudit] = field(default_factory=list)


ACTION_LISTS = {
    "on_time": "Actions done on time",
    "late": "Actions done late",
    "open_overdue": "Actions not done and overdue",
    "open_not_due": "Actions not done, not yet due",
}


def action_state(action: AuditAction, today: date) -> str:
    return _action_state(action.due_on, action.done_on, today)


def _action_state(due_on: date, done_on: date | None, today: date) -> str:
    if done_on is not None:
        return "on_time" if done_on <= due_on else "late"
    return "open_overdue" if due_on < today else "open_not_due"


def _actions_listed(pks: list[int], audits_by_pk: dict[int, CaseAudit]) -> list[AuditAction]:
    """The actions, soonest due first, with their child, owner and audit (the audit already read)."""
    actions = list(
        AuditAction.objects.filter(pk__in=pks).select_related("child", "owner").order_by("due_on", "pk")
    )
    for action in actions:
        action.audit = audits_by_pk[action.audit_id]
    return actions


def _scale_of(audits: list[CaseAudit]) -> list[tuple[str, str]]:
    """Every grade the audits' tools use, in scale order (the default four, usually)."""
    seen: dict[str, str] = {}
    for tool in {a.tool_id: a.tool for a in audits}.values():
        for grade in tool.grading_scale:
            seen.setdefault(grade["code"], grade["label"])
    return list(seen.items())


def _repeats_for_children(below: list[tuple[CaseAudit, str]]) -> list[RepeatForChild]:
    found: dict = defaultdict(list)
    for audit, title in below:
        found[(audit.child_id, title)].append(audit)
    repeats = [
        RepeatForChild(audits[0].child, title, sorted(set(audits), key=lambda a: (a.completed_on, a.pk)))
        for (_child, title), audits in found.items()
        if len({a.pk for a in audits}) >= 2
    ]
    return sorted(repeats, key=lambda r: (r.child.last_name, r.child.first_name, r.domain))


def _repeats_for_teams(audits: list[CaseAudit], below, teams) -> list[RepeatForTeam]:
    """The same domain below good for a team's children in two consecutive programmes (of the
    programmes that audited that team's children, in the order they were drawn)."""
    programmes_of_team: dict = defaultdict(dict)
    for audit in audits:
        if audit.programme_id:
            programmes_of_team[audit.team_then_id][audit.programme_id] = audit.programme
    weak: dict = defaultdict(list)
    for audit, title in below:
        if audit.programme_id:
            weak[(audit.team_then_id, title, audit.programme_id)].append(audit)
    repeats = []
    for team_id, programmes in programmes_of_team.items():
        ordered = sorted(programmes.values(), key=lambda p: (p.drawn_on, p.pk))
        titles = {title for (t, title, _p) in weak if t == team_id}
        for title in sorted(titles):
            for earlier, later in zip(ordered, ordered[1:], strict=False):
                first = weak.get((team_id, title, earlier.pk))
                second = weak.get((team_id, title, later.pk))
                if first and second:
                    both = sorted({*first, *second}, key=lambda a: (a.completed_on, a.pk))
                    repeats.append(RepeatForTeam(teams.get(team_id), title, earlier, later, both))
    return sorted(repeats, key=lambda r: (str(r.team or ""), r.domain, r.later.drawn_on))


def learning_report(
    user: User,
    filters: Filters = Filters(),
    *,
    show: str | None = None,
    today: date | None = None,
    what: str | None = "Learning report",
) -> LearningReport:
    """What the audits in the period teach: the grades given in each domain, whether the actions
    set were done on time (done on or before the date set), and repeat findings (a domain below
    good for the same child in two or more audits, or for the same team in consecutive
    programmes). Repeat findings name children: reads logged."""
    require_view_assurance(user)
    today = today or timezone.localdate()
    audits = completed_audits(user, filters)
    teams = team_names(a.team_then_id for a in audits)
    grades = _scale_of(audits)
    by_pk = {a.pk: a for a in audits}
    counts: dict = defaultdict(lambda: defaultdict(int))
    order: dict[str, int] = {}
    below: list[tuple[CaseAudit, str]] = []
    for audit_id, title, position, grade in DomainGrade.objects.filter(audit_id__in=by_pk).values_list(
        "audit_id", "domain__title", "domain__position", "grade"
    ):
        counts[title][grade] += 1
        order.setdefault(title, position)
        if not by_pk[audit_id].tool.is_at_least_good(grade):
            below.append((by_pk[audit_id], title))
    domains = [
        DomainRow(
            title=title,
            counts=[(code, counts[title].get(code, 0), f"grade:{title}:{code}") for code, _label in grades],
            total=sum(counts[title].values()),
            below_good=sum(1 for _audit, t in below if t == title),
        )
        for title in sorted(counts, key=lambda t: (order[t], t))
    ]
    # The counts need only each action's dates; whole rows are read for a list that is shown.
    action_states = {
        pk: _action_state(due_on, done_on, today)
        for pk, due_on, done_on in AuditAction.objects.filter(audit_id__in=by_pk).values_list(
            "pk", "due_on", "done_on"
        )
    }
    action_counts = ActionCounts()
    for state in action_states.values():
        setattr(action_counts, state, getattr(action_counts, state) + 1)
    report = LearningReport(
        audits=len(audits),
        grades=grades,
        domains=domains,
        actions=action_counts,
        repeats_for_children=_repeats_for_children(below),
        repeats_for_teams=_repeats_for_teams(audits, below, teams),
        all_audits=audits,
    )
    shown = [a.child for r in report.repeats_for_children for a in r.audits]
    shown += [a.child for r in report.repeats_for_teams for a in r.audits]
    if show:
        kind, _sep, key = show.partition(":")
        if kind == "actions" and key in ACTION_LISTS:
            report.listed_title = ACTION_LISTS[key]
            report.listed_actions = _actions_listed(
                [pk for pk, state in action_states.items() if state == key], by_pk
            )
            shown += [a.child for a in report.listed_actions]
        else:
            report.listed_title, listed = _learning_list(kind, key, audits)
            report.listed = [ListedAudit(a, teams.get(a.team_then_id)) for a in listed]
            shown += [a.child for a in listed]
    log_children_shown(user, shown, what)
    return report


def _learning_list(kind: str, key: str, audits: list[CaseAudit]) -> tuple[str, list[CaseAudit]]:
    if kind == "all":
        return "Every audit in this report", audits
    if kind in ("grade", "below"):
        title, _sep, code = key.rpartition(":") if kind == "grade" else (key, "", "")
        by_pk = {a.pk: a for a in audits}
        matched = set()
        for audit_id, grade in DomainGrade.objects.filter(
            audit_id__in=by_pk, domain__title=title
        ).values_list("audit_id", "grade"):
            audit = by_pk[audit_id]
            if (kind == "grade" and grade == code) or (
                kind == "below" and not audit.tool.is_at_least_good(grade)
            ):
                matched.add(audit_id)
        listed = [a for a in audits if a.pk in matched]
        if kind == "grade":
            label = next((a.tool.grade_label(code) for a in listed), code)
            return f"{title}: audits graded {label.lower()}", listed
        return f"{title}: audits graded below good", listed
    return "No list matches that link", []
