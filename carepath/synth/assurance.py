"""Practice assurance in the synthetic authority: supervision with the case directions it gives,
and a programme of case audits with their actions, escalations and moderation.

It runs last, after the journeys, allocations, visits, notes and legal records have been written
and flushed, and fits around them; nothing here changes what happened to a child.

Supervision (F16). Every social worker (early help practitioners and MASH workers included) and
every team manager is supervised over the five years of history: social workers by their team's
manager on the day (the head of service while the post is vacant), team managers by their head of
service. Sessions come every 14 to 25 days (SUPV: at least monthly); a newly qualified worker is
seen weekly for their first six weeks and fortnightly to six months (SUPV-NQ-*). A worker in post
before the history starts has a session just before it. The only longer stretches are the planted
`supervision_gap` rows (generator._supervision_gaps): a session is held on the gap's first day and
on its last (none if it runs to today), and none between, so the planted file is the whole truth
about gaps. Case sessions discuss 2 to 5 children on the supervisee's caseload that day, each with
a case direction on the child's record and up to two dated, owned actions, most done on time.

Case audits (F17, F18). The shipped audit tool (assurance/data/default_audit_tool.toml) is written
as version 1, published, with the same rows `tool_ensure_default()` makes but fixed timestamps (it
stamps `timezone.now()`, which would make the output depend on the clock). A QA lead (`qa.lead`)
runs a monthly programme for each of the last six months, sampling open children (one for every
20 open, 20 to 40 a month), and one thematic audit of children accommodated under section 20.
Auditors are the quality assurance officers, the QA lead and team managers from other teams. The
latest month's audits are still under way; the demo QA auditor holds some of them open.

- Honest audits grade good or outstanding only when the child's record had no planted failure
  active around the audit's date (nor a section 20 accommodation, nor a supervision action
  overdue); otherwise requires improvement or inadequate, with actions.
- Planted optimistic audits (`optimistic_audit`, a share of completed audits): the audit is
  completed on a day inside a planted failure that leaves the record showing overdue work (a late
  statutory visit, review or assessment, a plan open past 18 months, a section 20 accommodation
  with no consent) and graded good or outstanding anyway. The planted row names the audit.
- Every grade below good, in a domain or overall, has an action (owner, due date; most done); an
  inadequate audit is escalated to the head of service at once (most answered within 5 working
  days). A fifth of completed audits are moderated blind by another QA officer; moderators mostly
  agree, and grade planted optimistic audits lower.

Calibration flags are not written here: `calibration_recheck()` finds them from the clocks once
they have been computed (the daily job runs it; so does benchmarks/assurance.py).

Same seed, size and `today`: the same rows. All names and texts are synthetic.
"""

import random
import time
import tomllib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from dateutil.relativedelta import relativedelta

from carepath.assurance import models as am
from carepath.assurance.models.audits import default_scale
from carepath.core.bulk import Sink
from carepath.core.permissions import DEFAULT_SCOPE, Role
from carepath.people import models as pm

from .allocation import Alloc, AllocationSimulation
from .calendar import WorkingDays
from .journeys import JourneyBuilder, Kid, at
from .organisation import Holder, Organisation, Post
from .planted import PlantedFailures

AK = pm.Allocation.Kind
Session = am.SupervisionSession
CaseAudit = am.CaseAudit

QA_LEAD_USERNAME = "qa.lead"
REAUDIT_DAYS = 200  # a child is sampled at most once in the six months of programmes
GRADES = ("outstanding", "good", "requires_improvement", "inadequate")  # best first (the default scale)
GOOD = {"outstanding", "good"}
SUPERVISED = (Role.SOCIAL_WORKER, Role.TEAM_MANAGER)
# Kinds of planted failure that put overdue work, drift or missing consent on the child's record
# (the honest auditor sees them); the others are about workers or recording.
RECORD_KINDS = (
    "late_cp_visit",
    "late_cla_visit",
    "late_cla_review",
    "late_rcpc",
    "late_assessment",
    "s20_without_consent",
    "plan_stuck",
    "worker_churn",
)


@dataclass(frozen=True)
class AssuranceRates:
    # Days between supervisions, before moving a weekend or bank holiday session back to the working
    # day before: monthly (SUPV: a month is never shorter than 28 days), newly qualified weekly for
    # six weeks, then fortnightly to six months (SUPV-NQ-*).
    monthly_days: tuple[int, int] = (18, 25)
    weekly_days: tuple[int, int] = (5, 6)
    fortnightly_days: tuple[int, int] = (10, 13)
    first_session_days: tuple[int, int] = (2, 6)
    reflective: float = 0.25  # of a social worker's sessions; the rest are case supervision
    reflective_manager: float = 0.5
    uninterrupted: float = 0.8
    children_discussed: tuple[int, int] = (2, 5)
    actions_per_direction: dict[int, float] = field(default_factory=lambda: {0: 0.3, 1: 0.45, 2: 0.25})
    action_owner_supervisee: float = 0.85
    action_late: float = 0.06
    action_never_done: float = 0.02
    # Audits.
    months: int = 6
    open_per_audit: int = 20
    monthly_sample: tuple[int, int] = (20, 40)
    thematic_sample: int = 10
    auditor_team_manager: float = 0.3
    auditor_lead: float = 0.1
    audit_late: float = 0.1
    demo_auditor_open: int = 5
    clean_grades: dict[str, float] = field(
        default_factory=lambda: {
            "outstanding": 0.12,
            "good": 0.58,
            "requires_improvement": 0.25,
            "inadequate": 0.05,
        }
    )
    concern_grades: dict[str, float] = field(
        default_factory=lambda: {"requires_improvement": 0.75, "inadequate": 0.25}
    )
    optimistic_grades: dict[str, float] = field(default_factory=lambda: {"good": 0.75, "outstanding": 0.25})
    practitioner_took_part: float = 0.85
    manager_took_part: float = 0.6
    audit_action_late: float = 0.1
    audit_action_never_done: float = 0.05
    escalation_answered: float = 0.85
    moderated: float = 0.2
    moderator_agrees: float = 0.8
    moderator_lower_on_optimistic: float = 0.85


ASSURANCE_RATES = AssuranceRates()

# -- words -----------------------------------------------------------------------------------------

SESSION_NOTES = [
    "Workload discussed: the caseload is manageable; two complex cases to be reviewed next month.",
    "Wellbeing check-in: feeling the pressure of court work. Protected time for recording agreed.",
    "Learning: attended the neglect toolkit training and will use it with two families.",
    "Reflective discussion of a difficult home visit, and of keeping safe when visiting alone.",
    "Annual leave and cover agreed. No concerns about wellbeing raised.",
    "Discussed the impact of a child's disclosure on the worker; offered the staff support service.",
    "Caseload reviewed against capacity: no new allocations for two weeks while reports are written.",
]
NQ_NOTES = [
    "ASYE: reflection on a first child protection conference; portfolio evidence agreed.",
    "ASYE: observed practice arranged for next month. Reading on analysis in assessments agreed.",
    "ASYE: protected caseload kept; discussed confidence in chairing a core group.",
]
DECIDED = [
    "Continue the plan. Complete direct work with {child} about home life before the next core group.",
    "Convene a core group meeting within 10 working days to review progress against the plan.",
    "Ask the school for {child}'s attendance and wellbeing information and add it to the chronology.",
    "Refer {parent} to the domestic abuse service and check engagement at the next visit.",
    "Update the assessment: the family's circumstances have changed since the last one.",
    "Plan to step down to early help at the next review if the improvement holds.",
    "Visit unannounced within the next week and see {child} alone.",
    "Take the case to the legal gateway panel for advice: the plan is not bringing change.",
    "Complete the genogram and contact the paternal family as possible support.",
    "Chase the outstanding health assessment and the GP's information.",
]
WHY = [
    "Progress is slow and {child}'s day-to-day life has not changed since the last review.",
    "The plan's actions are on track and the family are engaging; the next steps keep momentum.",
    "New information from the police raises the level of concern.",
    "{child}'s own views are missing from the record.",
    "Risk has reduced but the change has not yet lasted long enough to rely on.",
    "The chronology has gaps that make patterns of concern hard to see.",
]
DIRECTION_ACTIONS = [
    "Complete direct work with {child} and record their wishes and feelings",
    "Update the chronology with the last three months' events",
    "Arrange a core group meeting",
    "Speak to the school's safeguarding lead and record the outcome",
    "Complete and upload the updated assessment",
    "Contact the health visitor for an update",
    "Refer the family to the family support service",
    "Visit unannounced and see {child} alone",
    "Send the updated plan to the family and the professionals",
]
DONE_NOTES = ["Done.", "Done: recorded on the child's file.", "Completed and discussed with the family."]

EVIDENCE = {
    "outstanding": [
        "Consistently strong practice: the record and the conversation show {child}'s needs understood "
        "and acted on without delay, and the difference it has made.",
        "Exemplary: clear analysis, {child}'s voice throughout, and every decision explained.",
    ],
    "good": [
        "The record shows {child} seen regularly and the plan followed; decisions are explained and timely.",
        "Work is purposeful and up to date; the practitioner knows {child} well and it shows in the record.",
        "Plans are specific and reviewed on time; the family understand what needs to change.",
    ],
    "requires_improvement": [
        "Some work is late or unclear: {concern}. The plan does not yet show what has changed for {child}.",
        "Practice is not yet good: {concern}. Management oversight does not pick this up.",
    ],
    "inadequate": [
        "Serious weaknesses: {concern}. {child} has been left without the help the plan promised.",
        "The record does not show that {child} is safe: {concern}, and no one has escalated it.",
    ],
}
GENERIC_CONCERNS = [
    "visits and plan actions have slipped",
    "the chronology and the assessment are out of date",
    "the plan's actions have no dates and no one owns them",
    "the child's views are not recorded",
]
ANSWERS = {
    "outstanding": ["Yes, clearly: well evidenced in the record.", "Yes: strong evidence throughout."],
    "good": ["Yes: the record shows this.", "Yes, mostly: a few gaps, none that matter for the child."],
    "requires_improvement": [
        "Partly: see the evidence for this domain.",
        "Not consistently: gaps in the record.",
    ],
    "inadequate": ["No: see the evidence for this domain.", "No: not evidenced in the record."],
}
SUMMARIES = {
    "outstanding": "An outstanding standard of practice for {child}: a model for the team.",
    "good": "A good standard of practice. {child} is seen, known and the plan is moving forward.",
    "requires_improvement": "Practice requires improvement: {concern}. Actions agreed with the practitioner "
    "and manager.",
    "inadequate": "Inadequate: {concern}. Escalated to the head of service today.",
}
CHILD_VIEWS = [
    "{child} said they like their social worker but want to know more about what happens next.",
    "{child} said things at home are calmer and they want to keep seeing their friends after school.",
    "{child} did not want to talk to the auditor; their views are taken from the last direct work.",
    "{child} said they want more time with their brother and sister.",
]
BABY_VIEWS = "Too young to give views in words; observed to be settled and responsive with their carer."
FAMILY_VIEWS = [
    "{parent} said the social worker is easy to reach, but meetings are hard to get to around work.",
    "{parent} said they understand the plan and feel listened to.",
    "{parent} did not take part; a letter was sent asking for their views.",
    "{parent} said there have been too many changes of social worker.",
]
AUDIT_ACTIONS = [
    "Update the chronology and the analysis of risk, and share them with the family",
    "Make sure {child} is visited within timescale and seen alone, and record it",
    "Record the manager's oversight of the plan at least monthly",
    "Complete direct work with {child} and record their wishes and feelings in their words",
    "Make the plan's actions specific: who does what by when",
    "Review the section 20 consent records with everyone who holds parental responsibility",
    "Bring the case to the legal gateway panel for advice",
    "Hold the overdue review and record the decisions",
]
ESCALATION_RESPONSES = [
    "Read the audit and the record. Met the team manager: a case review within 5 days, a visit this "
    "week, and legal advice sought. I will check progress in two weeks.",
    "Agree with the findings. The case moves to an experienced worker; fortnightly oversight by the "
    "team manager until the plan is back on track.",
]
MODERATION_SUMMARIES = {
    "same": "Agree with the auditor's grade: the evidence in the record supports it.",
    "lower": "The record shows {concern} that the audit does not mention; the grade is too generous.",
    "higher": "The audit undersells the work: the record shows more progress than the grade suggests.",
}
MODERATION_COMMENTS = {
    "same": "Agree.",
    "lower": "Overdue work in the record is not reflected in this grade.",
    "higher": "Stronger than graded.",
}


@dataclass
class Window:
    """When a planted failure left the record showing overdue work (both days included)."""

    lo: date
    hi: date
    what: str
    row: object = None


@dataclass
class AssuranceSummary:
    sessions: int = 0
    directions: int = 0
    audits: int = 0
    completed: int = 0
    optimistic: int = 0
    moderated: int = 0
    demo_auditor_open: int = 0
    seconds: float = 0.0


@dataclass
class Slot:
    """One audit in a programme before it is written."""

    kid: Kid
    auditor: Holder
    assigned_on: date
    due_on: date
    conversation_on: date | None
    completed_on: date | None
    status: str
    optimistic: Window | None = None
    concern: str = ""
    withdrawn_on: date | None = None
    grade: str = ""
    grades: dict[int, str] = field(default_factory=dict)  # domain id -> grade
    moderation: tuple[str, date | None] | None = None  # the moderator's grade, and when


class AssuranceWriter:
    def __init__(
        self,
        *,
        sink: Sink,
        org: Organisation,
        journeys: JourneyBuilder,
        allocations: AllocationSimulation,
        planted: PlantedFailures,
        wd: WorkingDays,
        today: date,
        seed: int,
        history_start: date,
        rates: AssuranceRates = ASSURANCE_RATES,
    ):
        self.sink = sink
        self.org = org
        self.journeys = journeys
        self.allocations = allocations
        self.planted = planted
        self.wd = wd
        self.today = today
        self.last = today - timedelta(days=1)
        self.seed = seed
        self.history_start = history_start
        self.rates = rates
        self.kids = {k.id: k for k in journeys.kids}
        self.by_case = {k.case_number: k for k in journeys.kids}
        self.summary = AssuranceSummary()
        # Children's overdue supervision actions (due, done or today), which an honest auditor sees.
        self.overdue_actions: dict[int, list[tuple[date, date]]] = defaultdict(list)

    def rng(self, salt: int) -> random.Random:
        return random.Random(self.seed * 7_919 + salt)

    def recorded(self, rng: random.Random, day: date) -> datetime:
        return self.journeys.recorded(rng, day)

    def run(self, progress=None) -> AssuranceSummary:
        started = time.perf_counter()
        if progress:
            progress("practice assurance", 0, 2)
        self.load()
        self.write_supervision()
        if progress:
            progress("practice assurance", 1, 2)
        self.write_qa_staff()
        self.write_tool()
        self.write_audits()
        self.summary.seconds = time.perf_counter() - started
        if progress:
            progress("practice assurance", 2, 2)
        return self.summary

    # -- reading back -----------------------------------------------------------------------------

    def load(self) -> None:
        supervised = [
            h for h in self.org.all_holders if h.post.role in SUPERVISED and h.post.team is not None
        ]
        ids = [h.user_id for h in supervised]
        qualified: dict[int, date | None] = {}
        for i in range(0, len(ids), 500):
            qualified.update(
                pm.User.objects.filter(id__in=ids[i : i + 500]).values_list("id", "qualified_on")
            )
        # Hired newly qualified (organisation._hire: qualified up to 60 days before starting).
        self.nq_hires = {
            h.user_id
            for h in supervised
            if (q := qualified.get(h.user_id)) is not None and 0 <= (h.started_on - q).days <= 120
        }
        self.supervised = supervised
        self.caseloads: dict[int, list[Alloc]] = defaultdict(list)
        for allocs in self.allocations.allocs.values():
            for a in allocs:
                if a.kind in (AK.SOCIAL_WORKER, AK.EARLY_HELP_WORKER):
                    self.caseloads[a.holder.user_id].append(a)
        for allocs in self.caseloads.values():
            allocs.sort(key=lambda a: (a.start, a.kid.id))
        self.gaps = {
            row.record_id: (row.start, row.end) for row in self.planted.rows if row.kind == "supervision_gap"
        }

    def sw_on(self, kid: Kid, day: date) -> Alloc | None:
        for a in self.allocations.allocs.get(kid.id, ()):
            if a.kind == AK.SOCIAL_WORKER and a.start <= day and (a.end is None or day < a.end):
                return a
        return None

    def head_on(self, team, day: date) -> Holder:
        head = self.org.head_of(team)
        if head.active_on(day):
            return head
        if self.org.director.active_on(day):
            return self.org.director
        return head

    def supervisor(self, holder: Holder, day: date) -> Holder:
        team = holder.post.team
        if holder.post.role == Role.SOCIAL_WORKER:
            manager = team.manager_on(day)
            if manager is not None and manager is not holder:
                return manager
        return self.head_on(team, day)

    def in_post(self, day: date, *people: Holder) -> Holder:
        """The first of `people` in post on `day` (the last of them if none is)."""
        for person in people:
            if person.active_on(day):
                return person
        return people[-1]

    # -- supervision --------------------------------------------------------------------------------

    def snap(self, day: date, prev: date) -> date:
        """A working day on or before `day` (after `prev`), else the next one."""
        back = self.wd.on_or_before(day)
        return back if back > prev else self.wd.on_or_after(day)

    def interval(self, holder: Holder, prev: date) -> tuple[int, int]:
        r = self.rates
        if holder.user_id in self.nq_hires:
            days_in = (prev - holder.started_on).days
            if days_in < 49:
                return r.weekly_days
            if days_in < 189:
                return r.fortnightly_days
        return r.monthly_days

    def session_days(self, holder: Holder, rng: random.Random) -> list[date]:
        """The days the holder was supervised, honouring their planted gap exactly."""
        last = min(holder.left_on - timedelta(days=1) if holder.left_on else self.last, self.last)
        gap = self.gaps.get(holder.user_id)
        days: list[date] = []
        if holder.started_on >= self.history_start - timedelta(days=20):
            prev = holder.started_on
            first = self.snap(prev + timedelta(days=rng.randint(*self.rates.first_session_days)), prev)
        else:
            # In post before the history: a session shortly before it starts, then the rhythm.
            first = self.wd.on_or_before(self.history_start - timedelta(days=rng.randint(0, 15)))
            prev = first - timedelta(days=1)
        nxt = first
        while True:
            if gap is not None and prev < gap[0] <= nxt:
                days.append(gap[0])
                if gap[1] is None:
                    break
                days.append(gap[1])
                prev = gap[1]
            else:
                if nxt > last:
                    break
                days.append(nxt)
                prev = nxt
            nxt = self.snap(prev + timedelta(days=rng.randint(*self.interval(holder, prev))), prev)
        return [d for d in days if d <= last]

    def write_supervision(self) -> None:
        for holder in self.supervised:
            if holder.left_on is not None and holder.left_on <= self.history_start:
                continue
            if holder.started_on >= self.today:
                continue
            rng = self.rng(1_000_000 + holder.user_id)
            days = self.session_days(holder, rng)
            if holder.post.role == Role.TEAM_MANAGER:
                self._manager_sessions(holder, days, rng)
            else:
                self._worker_sessions(holder, days, rng)

    def _worker_sessions(self, holder: Holder, days: list[date], rng: random.Random) -> None:
        allocs = self.caseloads.get(holder.user_id, [])
        active: list[Alloc] = []
        i = 0
        nq = holder.user_id in self.nq_hires
        for day in days:
            while i < len(allocs) and allocs[i].start <= day:
                active.append(allocs[i])
                i += 1
            active = [a for a in active if a.end is None or day < a.end]
            in_nq_year = nq and (day - holder.started_on).days < 365
            if in_nq_year:
                kind = Session.Kind.NEWLY_QUALIFIED
                discuss = rng.random() < 0.7
            else:
                discuss = rng.random() >= self.rates.reflective
                kind = Session.Kind.CASE if discuss else Session.Kind.REFLECTIVE
            kids = sorted({a.kid.id: a.kid for a in active}.values(), key=lambda k: k.id) if discuss else []
            if discuss and not kids:
                kind = Session.Kind.NEWLY_QUALIFIED if in_nq_year else Session.Kind.REFLECTIVE
            self._session(holder, self.supervisor(holder, day), day, kind, kids, rng, nq_notes=in_nq_year)

    def _manager_sessions(self, holder: Holder, days: list[date], rng: random.Random) -> None:
        team = holder.post.team
        for day in days:
            kids: list[Kid] = []
            if rng.random() >= self.rates.reflective_manager:
                workers = [w for w in team.workers_on(day) if self.caseloads.get(w.user_id)]
                if workers:
                    worker = rng.choice(workers)
                    kids = sorted(
                        {
                            a.kid.id: a.kid
                            for a in self.caseloads[worker.user_id]
                            if a.start <= day and (a.end is None or day < a.end)
                        }.values(),
                        key=lambda k: k.id,
                    )
            kind = Session.Kind.CASE if kids else Session.Kind.REFLECTIVE
            self._session(holder, self.head_on(team, day), day, kind, kids, rng, nq_notes=False)

    def _session(
        self,
        supervisee: Holder,
        supervisor: Holder,
        day: date,
        kind: str,
        caseload: list[Kid],
        rng: random.Random,
        *,
        nq_notes: bool,
    ) -> None:
        sink = self.sink
        r = self.rates
        when = self.recorded(rng, day)
        notes = rng.choice(NQ_NOTES if nq_notes else SESSION_NOTES)
        session_id = sink.add(
            Session,
            supervisor_id=supervisor.user_id,
            supervisee_id=supervisee.user_id,
            held_on=day,
            duration_minutes=rng.choice([60, 75, 90, 90, 90, 105, 120]),
            kind=kind,
            uninterrupted=rng.random() < r.uninterrupted,
            notes=notes,
            recorded_at=when,
            recorded_by_id=supervisor.user_id,
        )
        self.summary.sessions += 1
        if not caseload:
            return
        n = min(len(caseload), rng.randint(*r.children_discussed))
        for kid in rng.sample(caseload, n):
            names = {
                "child": kid.first_name or "the baby",
                "parent": kid.family.mother_name.split(" ")[0] or "Mother",
            }
            direction_id = sink.add(
                am.CaseDirection,
                child_id=kid.id,
                session_id=session_id,
                key_point=am.CaseDirection.KeyPoint.SUPERVISION,
                decided=rng.choice(DECIDED).format(**names),
                why=rng.choice(WHY).format(**names),
                directed_by_id=supervisor.user_id,
                directed_on=day,
                recorded_at=when,
                recorded_by_id=supervisor.user_id,
            )
            self.summary.directions += 1
            count = rng.choices(
                list(r.actions_per_direction), weights=list(r.actions_per_direction.values())
            )[0]
            for text in rng.sample(DIRECTION_ACTIONS, count):
                due = day + timedelta(days=rng.randint(7, 35))
                owner = supervisee if rng.random() < r.action_owner_supervisee else supervisor
                done_on = self._done_on(day, due, rng, r.action_late, r.action_never_done)
                owner, done_on = self._owner(day, done_on, owner, supervisor, supervisee)
                if done_on is None or done_on > due:
                    self.overdue_actions[kid.id].append((due + timedelta(days=1), done_on or self.today))
                sink.add(
                    am.DirectionAction,
                    direction_id=direction_id,
                    child_id=kid.id,
                    action=text.format(**names),
                    owner_id=owner.user_id,
                    set_on=day,
                    due_on=due,
                    done_on=done_on,
                    done_by_id=owner.user_id if done_on else None,
                    done_note=rng.choice(DONE_NOTES) if done_on else "",
                    recorded_at=when,
                    recorded_by_id=supervisor.user_id,
                )

    def _done_on(self, set_on: date, due: date, rng: random.Random, late: float, never: float) -> date | None:
        """When an action was done: mostly by its due date, some late, a few never; one not yet
        due is done early about a third of the time."""
        if set_on >= self.last:
            return None
        if due >= self.today:
            if rng.random() < 0.35:
                return set_on + timedelta(days=rng.randint(1, (self.last - set_on).days))
            return None
        roll = rng.random()
        # Never done: only among recent actions (older ones were done in the end, if late).
        if roll < never and due >= self.today - timedelta(days=60):
            return None
        if roll < never + late:
            done = due + timedelta(days=rng.randint(1, 20))
            return done if done <= self.last else None
        return set_on + timedelta(days=rng.randint(1, max(1, (due - set_on).days)))

    def _owner(self, set_on: date, done_on: date | None, *people: Holder) -> tuple[Holder, date | None]:
        """Who owns an action (the first of `people` in post when it was done, or today while it
        is open), and when it was done: before the owner left, if they left first."""
        owner = self.in_post(done_on or self.last, *people)
        if done_on is not None and not owner.active_on(done_on):
            owner = people[0]
            left = owner.left_on
            if left is not None and left - timedelta(days=1) > set_on:
                done_on = left - timedelta(days=1)
        return owner, done_on

    # -- people and the tool ------------------------------------------------------------------------

    def write_qa_staff(self) -> None:
        """The QA lead (a demo login) and enough quality assurance officers for a programme: the
        organisation has at least two; a third joins so that moderators are never short."""
        rng = self.rng(1)
        team = self.org.quality_team
        self.lead = self._hire(
            rng,
            Post(Role.QA_LEAD, team, "Principal social worker and quality assurance lead", True),
            self.today - timedelta(days=rng.randint(3 * 365, 6 * 365)),
            username=QA_LEAD_USERNAME,
            name=("Morwenna", "Treloar"),
        )
        officers = [h for h in self.org.all_holders if h.post.role == Role.QA_AUDITOR]
        while len(officers) < 3:
            officers.append(
                self._hire(
                    rng,
                    Post(Role.QA_AUDITOR, team, "Quality assurance officer", True),
                    self.today - timedelta(days=rng.randint(2 * 365, 5 * 365)),
                )
            )
        self.officers = officers
        self.demo_auditor = self.org.demo.get(Role.QA_AUDITOR)

    def _hire(
        self, rng: random.Random, post: Post, started_on: date, *, username: str = "", name: tuple = ()
    ) -> Holder:
        first, last = name or (
            rng.choice(["Aisha", "Bethan", "Ciaran", "Delyth", "Ewan", "Farah"]),
            rng.choice(["Okafor", "Pryce", "Quayle", "Rowntree", "Sandhu", "Trevithick"]),
        )
        taken = {h.username for h in self.org.all_holders}
        if not username:
            base = f"{first.lower()}.{last.lower()}"
            username, n = base, 1
            while username in taken:
                n += 1
                username = f"{base}{n}"
        user_id = self.sink.new_id(pm.User)
        self.sink.add(
            pm.User,
            id=user_id,
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@{self.org.domain}",
            password="!" + "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(40)),
            is_active=True,
            is_staff=False,
            is_superuser=False,
            date_joined=at(started_on, 9),
            role=post.role,
            scope=DEFAULT_SCOPE[post.role],
            team_id=post.team.id,
            service_id=post.team.service_id,
            job_title=post.job_title,
            employment_type=pm.User.EmploymentType.PERMANENT,
            newly_qualified=False,
            qualified_on=started_on - timedelta(days=rng.randint(5 * 365, 20 * 365)),
            social_work_england_number=self._registration(rng),
            started_on=started_on,
            left_on=None,
            partner_agency_id=None,
        )
        holder = Holder(user_id, username, first, last, started_on, None, False, post)
        post.holders.append(holder)
        self.org.all_holders.append(holder)
        return holder

    def _registration(self, rng: random.Random) -> str:
        """A Social Work England number no one else in the authority has (as the organisation's)."""
        if not hasattr(self, "_numbers"):
            self._numbers = set(
                pm.User.objects.exclude(social_work_england_number="").values_list(
                    "social_work_england_number", flat=True
                )
            )
        while True:
            number = f"SW{rng.randint(10000, 999999):06d}"
            if number not in self._numbers:
                self._numbers.add(number)
                return number

    def write_tool(self) -> None:
        """Version 1 of the shipped tool, as `tool_ensure_default()` loads it, with fixed times."""
        from carepath.assurance.services.audits import DEFAULT_TOOL_FILE

        with DEFAULT_TOOL_FILE.open("rb") as handle:
            data = tomllib.load(handle)
        published = at(self.today - timedelta(days=400), 9)
        scale = [
            {
                "code": g["code"],
                "label": g["label"],
                "at_least_good": bool(g.get("at_least_good", False)),
                "escalates": bool(g.get("escalates", False)),
            }
            for g in data.get("grade") or default_scale()
        ]
        self.tool_id = self.sink.add(
            am.AuditTool,
            key=data["key"],
            name=data["name"].strip(),
            version_number=1,
            description=(data.get("description") or "").strip(),
            grading_scale=scale,
            status=am.AuditTool.Status.PUBLISHED,
            created_by_id=None,
            created_at=published,
            published_at=published,
        )
        self.scale = [g["code"] for g in scale]
        self.good = {g["code"] for g in scale if g["at_least_good"]}
        self.escalates = {g["code"] for g in scale if g["escalates"]}
        self.domains: list[tuple[int, list[int]]] = []  # domain id, question ids
        for position, d in enumerate(data["domain"], start=1):
            domain_id = self.sink.add(
                am.AuditDomain,
                tool_id=self.tool_id,
                position=position,
                title=d["title"].strip(),
                guidance=(d.get("guidance") or "").strip(),
            )
            questions = []
            for q_position, q in enumerate(d.get("questions", d.get("question", [])), start=1):
                questions.append(
                    self.sink.add(
                        am.AuditQuestion,
                        domain_id=domain_id,
                        position=q_position,
                        text=q["text"].strip(),
                        guidance=(q.get("guidance") or "").strip(),
                    )
                )
            self.domains.append((domain_id, questions))

    # -- what the record showed ---------------------------------------------------------------------

    def _span_end(self, kid: Kid, kind: str, record_id: int | None) -> date | None:
        """The end of the child's plan (cp) or period of care (cla) a planted row names."""
        for span in kid.spans:
            if span[0] == kind and span[-1] == record_id:
                return span[2]
        return None

    def windows(self) -> tuple[dict[int, list[Window]], dict[int, list[tuple[date, date]]]]:
        """Per child: the strict windows in which a planted failure left overdue work on the
        record (margins of two days either side, where an optimistic audit may be planted), and
        the wide windows in which any record failure was planted (which an honest auditor sees)."""
        wd, today, last = self.wd, self.today, self.last
        strict: dict[int, list[Window]] = defaultdict(list)
        wide: dict[int, list[tuple[date, date]]] = defaultdict(list)
        margin = timedelta(days=2)
        for row in self.planted.rows:
            if row.kind not in RECORD_KINDS or row.start is None:
                continue
            kid = self.by_case.get(row.case_number)
            if kid is None:
                continue
            start, end = row.start, row.end
            wide_end = (end or today) + timedelta(days=3)
            if row.kind == "plan_stuck":
                wide[kid.id].append((start + relativedelta(months=18) - timedelta(days=7), today))
            else:
                wide[kid.id].append((start, wide_end))
            if row.origin != "planted":
                continue
            window = None
            if row.kind == "late_cp_visit":
                due = wd.add(start, 10)
                stop = end or self._span_end(kid, "cp", row.record_id) or today
                window = (due, stop, f"a statutory child protection visit overdue since {due:%-d %B %Y}")
            elif row.kind == "late_cla_visit":
                due = start + timedelta(days=42)
                stop = end or self._span_end(kid, "cla", row.record_id) or today
                window = (due, stop, f"a statutory visit to the child in care overdue since {due:%-d %B %Y}")
            elif row.kind in ("late_cla_review", "late_rcpc") and end is not None:
                what = "looked-after review" if row.kind == "late_cla_review" else "review conference"
                window = (start, end, f"a {what} overdue since {start:%-d %B %Y}")
            elif row.kind == "late_assessment":
                due = wd.add(start, 45)
                window = (due, end or today, f"an assessment overdue since {due:%-d %B %Y}")
            elif row.kind == "s20_without_consent":
                due = wd.add(start, 1)
                window = (
                    due,
                    end or today,
                    f"a section 20 accommodation since {start:%-d %B %Y} with no consent on record",
                )
            elif row.kind == "plan_stuck":
                due = start + relativedelta(months=18)
                plan = "child protection" if row.record_type == "ChildProtectionPlan" else "child in need"
                window = (
                    due,
                    today,
                    f"a {plan} plan open since {start:%-d %B %Y}, past 18 months, not moving",
                )
            if window is None:
                continue
            lo, hi = window[0] + margin, min(window[1] - margin, last)
            if lo <= hi:
                strict[kid.id].append(Window(lo, hi, window[2], row))
        for kid_id, spans in self.overdue_actions.items():
            wide[kid_id].extend(spans)
        return strict, wide

    # -- audits -------------------------------------------------------------------------------------

    def write_audits(self) -> None:
        rng = self.rng(2)
        self.s20_rows: dict[str, list] = defaultdict(list)
        for row in self.planted.rows:
            if row.kind == "s20_without_consent" and row.start is not None:
                self.s20_rows[row.case_number].append(row)
        self.strict, self.wide = self.windows()
        open_today = sum(1 for k in self.kids.values() if self._open_on(k, self.last))
        low, high = self.rates.monthly_sample
        size = max(low, min(high, round(open_today / self.rates.open_per_audit)))
        month = (self.today - timedelta(days=3)).replace(day=1)
        drawn = [self.wd.on_or_after(month - relativedelta(months=i)) for i in range(self.rates.months)]
        drawn = sorted(d for d in drawn if d < self.today)
        self.audited: dict[int, date] = {}  # child -> drawn on, so no child is audited twice in the programme
        self.slots: list[tuple[int, Slot]] = []
        latest = drawn[-1] if drawn else None
        for day in drawn:
            name = f"Monthly case audit, {day:%B %Y}"
            self._programme(rng, name, am.AuditProgramme.Kind.MONTHLY, "", am.Cohort.OPEN_CASES, day, size,
                            current=day == latest)  # fmt: skip
        thematic = self.wd.on_or_after(month - relativedelta(months=3) + timedelta(days=14))
        if thematic < self.today:
            self._programme(
                rng,
                f"Thematic audit: children accommodated under section 20 ({thematic:%B %Y})",
                am.AuditProgramme.Kind.THEMATIC,
                "Are section 20 arrangements lawful and still right for each child: consent evidence, the "
                "parents' understanding, and legal planning where the accommodation has gone on.",
                am.Cohort.SECTION_20,
                thematic,
                self.rates.thematic_sample,
                current=False,
            )
        self._moderate(rng)
        self._plant_rows()

    def _open_on(self, kid: Kid, day: date) -> bool:
        return any(s[0] == "open" and s[1] <= day and (s[2] is None or day < s[2]) for s in kid.spans)

    def _in_s20_on(self, kid: Kid, day: date) -> bool:
        """Accommodated under section 20 on the day (the planted file lists every such episode)."""
        return any(
            p.start <= day and (p.end is None or day < p.end) for p in self.s20_rows.get(kid.case_number, ())
        )

    def _eligible(self, kid: Kid, day: date, cohort: str) -> bool:
        if kid.is_restricted or not self._open_on(kid, day) or self.sw_on(kid, day) is None:
            return False
        # The monthly samples take each child once; a thematic audit looks at its cohort afresh.
        recent = kid.id in self.audited and abs((day - self.audited[kid.id]).days) < REAUDIT_DAYS
        if recent and cohort == am.Cohort.OPEN_CASES:
            return False
        return cohort != am.Cohort.SECTION_20 or self._in_s20_on(kid, day)

    def _auditor(self, kid: Kid, day: date, rng: random.Random, taken: dict[int, int]) -> Holder:
        """A QA officer most of the time, the QA lead sometimes, or a team manager of another team."""
        r = self.rates
        roll = rng.random()
        if roll < r.auditor_team_manager:
            alloc = self.sw_on(kid, day)
            now = self.sw_on(kid, self.last)
            teams = {a.team.id for a in (alloc, now) if a is not None}
            managers = [
                m
                for kind_teams in self.org.teams.values()
                for t in kind_teams
                if t.id not in teams
                and t.kind
                in (pm.Team.Kind.SAFEGUARDING, pm.Team.Kind.CHILDREN_IN_CARE, pm.Team.Kind.ASSESSMENT)
                and (m := t.manager_on(day)) is not None
                and m.active_on(self.last)
            ]
            if managers:
                return rng.choice(managers)
        if roll < r.auditor_team_manager + r.auditor_lead:
            return self.lead
        officers = [o for o in self.officers if o.active_on(day)]
        return min(officers, key=lambda o: (taken.get(o.user_id, 0), rng.random()))

    def _programme(
        self,
        rng: random.Random,
        name: str,
        kind: str,
        theme: str,
        cohort: str,
        drawn_on: date,
        size: int,
        *,
        current: bool,
    ) -> None:
        wd = self.wd
        due_on = wd.on_or_before(drawn_on + timedelta(days=28))
        pool = [k for k in self.journeys.kids if self._eligible(k, drawn_on, cohort)]
        rng.shuffle(pool)
        sample = pool[:size]
        if not sample:
            return
        chosen = {k.id for k in sample}
        slots: list[Slot] = []
        taken: dict[int, int] = defaultdict(int)
        demo_open = 0
        for kid in sample:
            auditor = self._auditor(kid, drawn_on, rng, taken)
            if current and self.demo_auditor is not None and demo_open < self.rates.demo_auditor_open:
                auditor = self.demo_auditor
                demo_open += 1
            taken[auditor.user_id] += 1
            late = rng.random() < self.rates.audit_late
            finish = (
                due_on + timedelta(days=rng.randint(1, 14))
                if late
                else drawn_on + timedelta(days=rng.randint(6, max(6, (due_on - drawn_on).days)))
            )
            finish = wd.on_or_before(finish)
            slot = Slot(kid, auditor, drawn_on, due_on, None, finish, CaseAudit.Status.COMPLETED)
            keep_open = current and auditor is self.demo_auditor
            if finish > self.last or keep_open:
                slot.completed_on = None
                started = drawn_on + timedelta(days=rng.randint(1, 10))
                if started <= self.last and rng.random() < 0.5:
                    slot.status = CaseAudit.Status.IN_PROGRESS
                    slot.conversation_on = wd.on_or_before(min(started, self.last))
                else:
                    slot.status = CaseAudit.Status.ASSIGNED
                slots.append(slot)
                continue
            if not self._open_on(kid, finish):
                # The case closed before the audit was done: withdrawn a few days later, ungraded.
                closed = next(
                    s[2] for s in kid.spans if s[0] == "open" and s[1] <= drawn_on < (s[2] or finish)
                )
                slot.status = CaseAudit.Status.WITHDRAWN
                slot.completed_on = None
                slot.withdrawn_on = min(closed + timedelta(days=rng.randint(0, 3)), due_on, self.last)
                slots.append(slot)
                continue
            if self.planted.roll("optimistic_audit", rng):
                self._make_optimistic(slot, drawn_on, due_on, cohort, chosen, rng)
            slot.conversation_on = max(
                drawn_on, wd.on_or_before(slot.completed_on - timedelta(days=rng.randint(0, 4)))
            )
            slots.append(slot)
        self._write_programme(rng, name, kind, theme, cohort, drawn_on, due_on, slots)
        for slot in slots:
            self.audited[slot.kid.id] = drawn_on

    def _make_optimistic(
        self, slot: Slot, drawn_on: date, due_on: date, cohort: str, chosen: set[int], rng: random.Random
    ) -> None:
        """Swap in a child whose record shows planted overdue work on a day the audit can be
        completed, and complete it on that day: the audit will be graded good or better anyway."""
        lo = drawn_on + timedelta(days=4)
        hi = min(due_on + timedelta(days=7), self.last)
        candidates = []
        for kid_id, windows in sorted(self.strict.items()):
            if kid_id in chosen and kid_id != slot.kid.id:
                continue
            kid = self.kids[kid_id]
            if not self._eligible(kid, drawn_on, cohort):
                continue
            for w in windows:
                a, b = max(lo, w.lo), min(hi, w.hi)
                days = [a + timedelta(days=i) for i in range((b - a).days + 1)]
                days = [
                    d for d in days if self.wd.is_working(d) and self._open_on(kid, d) and self.sw_on(kid, d)
                ]
                if days:
                    candidates.append((kid, w, days))
        if not candidates:
            return
        # A kind of failure first, then a child: long failures (a plan stuck for months) would
        # otherwise crowd out the short ones (a late visit).
        kinds = sorted({w.row.kind for _k, w, _d in candidates})
        kind = rng.choice(kinds)
        kid, window, days = rng.choice([c for c in candidates if c[1].row.kind == kind])
        chosen.discard(slot.kid.id)
        chosen.add(kid.id)
        slot.kid = kid
        slot.completed_on = rng.choice(days)
        slot.optimistic = window
        if slot.auditor.post.role == Role.TEAM_MANAGER:
            teams = {a.team.id for a in (self.sw_on(kid, drawn_on), self.sw_on(kid, self.last)) if a}
            if slot.auditor.post.team.id in teams:
                slot.auditor = self.officers[0] if self.officers[0].active_on(drawn_on) else self.lead

    def _concern_on(self, kid: Kid, start: date, end: date) -> bool:
        lo, hi = start - timedelta(days=3), end + timedelta(days=3)
        return any(a <= hi and lo <= b for a, b in self.wide.get(kid.id, ())) or self._in_s20_on(kid, end)

    def _concern_words(self, kid: Kid, day: date, rng: random.Random) -> str:
        for w in self.strict.get(kid.id, ()):
            if w.lo - timedelta(days=10) <= day <= w.hi + timedelta(days=10):
                return w.what
        if self._in_s20_on(kid, day):
            return "the section 20 consent evidence is incomplete or out of date"
        return rng.choice(GENERIC_CONCERNS)

    def _write_programme(
        self,
        rng: random.Random,
        name: str,
        kind: str,
        theme: str,
        cohort: str,
        drawn_on: date,
        due_on: date,
        slots: list[Slot],
    ) -> None:
        sink = self.sink
        done = all(s.status in (CaseAudit.Status.COMPLETED, CaseAudit.Status.WITHDRAWN) for s in slots)
        finished = max((s.completed_on or s.withdrawn_on or drawn_on) for s in slots)
        closed_on = finished + timedelta(days=rng.randint(3, 10)) if done else None
        programme_id = sink.add(
            am.AuditProgramme,
            name=name,
            kind=kind,
            theme=theme,
            tool_id=self.tool_id,
            cohort=cohort,
            team_id=None,
            service_id=None,
            sample_size=len(slots),
            random_seed=rng.getrandbits(31),
            drawn_on=drawn_on,
            due_on=due_on,
            moderation_share=20,
            created_by_id=self.lead.user_id,
            created_at=at(drawn_on, 9, 15),
            closed_on=closed_on if closed_on and closed_on <= self.last else None,
        )
        for slot in sorted(slots, key=lambda s: s.kid.id):
            audit_id = self._write_audit(programme_id, slot, rng)
            self.slots.append((audit_id, slot))

    def _write_audit(self, programme_id: int, slot: Slot, rng: random.Random) -> int:
        sink, r, kid = self.sink, self.rates, slot.kid
        day = slot.completed_on or slot.conversation_on or slot.assigned_on
        alloc = self.sw_on(kid, day) or self.sw_on(kid, slot.assigned_on)
        practitioner = alloc.holder if alloc else None
        manager = self.org.manager_or_head(alloc.team, day) if alloc else None
        if slot.auditor in (practitioner, manager):
            # The case moved to the auditor's own team meanwhile: a QA officer takes it instead.
            slot.auditor = self.in_post(slot.assigned_on, *self.officers, self.lead)
        names = {
            "child": kid.first_name or "the baby",
            "parent": kid.family.mother_name.split(" ")[0] or "Mother",
        }
        completed = slot.status == CaseAudit.Status.COMPLETED
        grade = ""
        if completed:
            if slot.optimistic is not None:
                grade = _pick(rng, r.optimistic_grades)
            elif self._concern_on(kid, slot.conversation_on or day, day):
                grade = _pick(rng, r.concern_grades)
                slot.concern = self._concern_words(kid, day, rng)
            else:
                grade = _pick(rng, r.clean_grades)
                if grade not in GOOD:
                    slot.concern = rng.choice(GENERIC_CONCERNS)
        names["concern"] = slot.concern
        conversation = slot.conversation_on
        took_part = conversation is not None
        baby = kid.age_on(day) < 4
        audit_id = sink.add(
            CaseAudit,
            programme_id=programme_id,
            child_id=kid.id,
            tool_id=self.tool_id,
            auditor_id=slot.auditor.user_id,
            assigned_on=slot.assigned_on,
            due_on=slot.due_on,
            status=slot.status,
            practitioner_id=practitioner.user_id if practitioner else None,
            manager_id=manager.user_id if manager else None,
            conversation_on=conversation,
            practitioner_took_part=took_part and rng.random() < r.practitioner_took_part,
            manager_took_part=took_part and rng.random() < r.manager_took_part,
            childs_views=(BABY_VIEWS if baby else rng.choice(CHILD_VIEWS).format(**names))
            if completed
            else "",
            family_views=rng.choice(FAMILY_VIEWS).format(**names) if completed else "",
            overall_grade=grade,
            summary=SUMMARIES[grade].format(**names) if grade else "",
            completed_on=slot.completed_on if completed else None,
            withdrawn_on=slot.withdrawn_on,
            withdrawn_reason="The case closed before the audit was done." if slot.withdrawn_on else "",
            recorded_at=at(slot.assigned_on, 9, 30),
            recorded_by_id=self.lead.user_id,
        )
        self.summary.audits += 1
        if slot.status == CaseAudit.Status.IN_PROGRESS:
            # Started: the first domains graded, not yet the rest.
            for domain_id, _questions in self.domains[: rng.randint(1, 3)]:
                g = _pick(rng, r.clean_grades)
                sink.add(am.DomainGrade, audit_id=audit_id, domain_id=domain_id, grade=g,
                         evidence=rng.choice(EVIDENCE[g]).format(**{**names, "concern": rng.choice(GENERIC_CONCERNS)}))  # fmt: skip
            return audit_id
        if not completed:
            return audit_id
        self.summary.completed += 1
        grades = self._domain_grades(grade, rng, all_good=slot.optimistic is not None)
        slot_grades = {}
        for (domain_id, questions), g in zip(self.domains, grades, strict=True):
            slot_grades[domain_id] = g
            words = {**names, "concern": slot.concern or rng.choice(GENERIC_CONCERNS)}
            sink.add(am.DomainGrade, audit_id=audit_id, domain_id=domain_id, grade=g,
                     evidence=rng.choice(EVIDENCE[g]).format(**words))  # fmt: skip
            for question_id in questions:
                answer_grade = g if rng.random() < 0.8 else ("good" if g in GOOD else g)
                sink.add(am.QuestionAnswer, audit_id=audit_id, question_id=question_id,
                         answer=rng.choice(ANSWERS[answer_grade]))  # fmt: skip
        slot.grades, slot.grade = slot_grades, grade
        completed_on = slot.completed_on
        below = [d for d, g in slot_grades.items() if g not in self.good]
        if grade not in self.good and not below:
            below = [self.domains[0][0]]
        owners = [p for p in (practitioner, manager) if p is not None] or [self.lead]
        for domain_id in below:
            owner = owners[0] if rng.random() < 0.65 else owners[-1]
            due = completed_on + timedelta(days=rng.randint(14, 42))
            done_on = self._done_on(completed_on, due, rng, r.audit_action_late, r.audit_action_never_done)
            head = self.head_on(alloc.team, self.last) if alloc else self.lead
            owner, done_on = self._owner(completed_on, done_on, owner, *owners, head)
            sink.add(
                am.AuditAction,
                audit_id=audit_id,
                child_id=kid.id,
                domain_id=domain_id,
                action=rng.choice(AUDIT_ACTIONS).format(**names),
                owner_id=owner.user_id,
                set_on=completed_on,
                due_on=due,
                done_on=done_on,
                done_by_id=owner.user_id if done_on else None,
                done_note=rng.choice(DONE_NOTES) if done_on else "",
                recorded_at=at(completed_on, 16, rng.randint(0, 59)),
                recorded_by_id=slot.auditor.user_id,
            )
        if grade in self.escalates:
            head = self.head_on(alloc.team, completed_on) if alloc else self.org.director
            answered = None
            if rng.random() < r.escalation_answered:
                answered = self.wd.add(
                    completed_on, rng.randint(1, 5) if rng.random() < 0.85 else rng.randint(6, 12)
                )
                if answered > self.last:
                    answered = None
            sink.add(
                am.AuditEscalation,
                audit_id=audit_id,
                child_id=kid.id,
                escalated_to_id=head.user_id,
                escalated_on=completed_on,
                escalated_at=at(completed_on, 16, 30),
                response=rng.choice(ESCALATION_RESPONSES) if answered else "",
                responded_by_id=head.user_id if answered else None,
                responded_on=answered,
            )
        return audit_id

    def _domain_grades(self, overall: str, rng: random.Random, *, all_good: bool = False) -> list[str]:
        """A grade per domain that agrees with the overall grade: at least one domain has it, none
        is inadequate unless the audit is, and a good audit has at most one domain below good (none
        in an optimistic audit: the auditor saw nothing wrong)."""
        rank = GRADES.index(overall)
        grades = []
        for _ in self.domains:
            shift = rng.choices([-1, 0, 1], weights=[0.2, 0.6, 0.2])[0]
            g = GRADES[max(0, min(len(GRADES) - 1, rank + shift))]
            if g == "inadequate" and overall != "inadequate":
                g = "requires_improvement"
            grades.append(g)
        if overall in GOOD:
            below = [i for i, g in enumerate(grades) if g not in GOOD]
            for i in below[1:]:
                grades[i] = "good"
            if overall == "outstanding" or all_good:
                grades = [g if g in GOOD else "good" for g in grades]
        grades[rng.randrange(len(grades))] = overall
        return grades

    # -- moderation ---------------------------------------------------------------------------------

    def _moderate(self, rng: random.Random) -> None:
        sink, r = self.sink, self.rates
        completed = [(a, s) for a, s in self.slots if s.status == CaseAudit.Status.COMPLETED]
        demo = self.demo_auditor
        chosen: list[tuple[int, Slot, Holder | None]] = []
        for audit_id, slot in completed:
            if rng.random() < r.moderated:
                chosen.append((audit_id, slot, None))
        # Two recent audits by others waiting for the demo QA auditor's moderation.
        if demo is not None:
            picked = {a for a, _s, _m in chosen}
            recent = sorted(
                ((a, s) for a, s in completed if s.auditor is not demo and a not in picked),
                key=lambda p: (p[1].completed_on, p[0]),
            )[-2:]
            chosen.extend((a, s, demo) for a, s in recent)
        for audit_id, slot, moderator in chosen:
            assigned = slot.completed_on + timedelta(days=rng.randint(1, 7))
            if moderator is None:
                people = [
                    p for p in (*self.officers, self.lead) if p is not slot.auditor and p.active_on(assigned)
                ]
                moderator = rng.choice(people)
                finished = self.wd.on_or_before(assigned + timedelta(days=rng.randint(2, 12)))
            else:
                finished = None
            if assigned > self.last:
                assigned = self.last
            if finished is not None and (finished > self.last or finished < assigned):
                finished = None
            rank = GRADES.index(slot.grade)
            if slot.optimistic is not None and rng.random() < r.moderator_lower_on_optimistic:
                way = "lower"
            elif rng.random() < r.moderator_agrees:
                way = "same"
            else:
                way = "lower" if rng.random() < 0.65 else "higher"
            if (way == "lower" and rank == len(GRADES) - 1) or (way == "higher" and rank == 0):
                way = "same"
            m_rank = rank + {"same": 0, "lower": 1, "higher": -1}[way]
            if slot.optimistic is not None and way == "lower":
                m_rank = max(m_rank, GRADES.index("requires_improvement"))
            m_overall = GRADES[m_rank]
            slot.moderation = (m_overall, finished)
            concern = slot.optimistic.what if slot.optimistic else (slot.concern or "overdue work")
            moderation_id = sink.add(
                am.Moderation,
                audit_id=audit_id,
                moderator_id=moderator.user_id,
                assigned_on=assigned,
                assigned_by_id=self.lead.user_id,
                due_on=assigned + timedelta(days=14),
                status=am.Moderation.Status.COMPLETED if finished else am.Moderation.Status.ASSIGNED,
                overall_grade=m_overall if finished else "",
                summary=MODERATION_SUMMARIES[way].format(concern=concern) if finished else "",
                completed_on=finished,
            )
            self.summary.moderated += finished is not None
            if finished is None:
                continue
            shift = m_rank - rank
            grades = {}
            for domain_id, g in slot.grades.items():
                moved = GRADES[max(0, min(len(GRADES) - 1, GRADES.index(g) + shift))]
                grades[domain_id] = moved if shift == 0 or rng.random() < 0.7 else g
                if shift == 0 and rng.random() < 0.1:
                    grades[domain_id] = GRADES[
                        max(0, min(len(GRADES) - 1, GRADES.index(g) + rng.choice([-1, 1])))
                    ]
            if m_overall not in grades.values():
                grades[self.domains[0][0]] = m_overall
            for domain_id, g in grades.items():
                step = GRADES.index(g) - GRADES.index(slot.grades[domain_id])
                comment = MODERATION_COMMENTS["same" if step == 0 else "lower" if step > 0 else "higher"]
                sink.add(
                    am.ModeratedGrade,
                    moderation_id=moderation_id,
                    domain_id=domain_id,
                    grade=g,
                    comment=comment,
                )
        self.summary.demo_auditor_open = sum(
            1
            for _a, s in self.slots
            if s.auditor is demo and s.status in (CaseAudit.Status.ASSIGNED, CaseAudit.Status.IN_PROGRESS)
        )

    def _plant_rows(self) -> None:
        for audit_id, slot in self.slots:
            window = slot.optimistic
            if window is None:
                continue
            grade, moderation = slot.grade, slot.moderation
            moderated = ""
            if moderation and moderation[1]:
                moderated = f"; moderated on {moderation[1]:%-d %B %Y}: {moderation[0].replace('_', ' ')}"
            row = window.row
            self.planted.add(
                "optimistic_audit",
                case_number=slot.kid.case_number,
                record_type="CaseAudit",
                record_id=audit_id,
                start=slot.completed_on,
                end=None,
                description=(
                    f"Graded {grade.replace('_', ' ')} on {slot.completed_on:%-d %B %Y} while the record showed "
                    f"{window.what} (planted {row.kind} {row.start}..{row.end or ''}){moderated}"
                ),
            )
            self.summary.optimistic += 1


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]
