"""The legal pathway in the synthetic authority: gateway panel, pre-proceedings (PLO) and letters
before proceedings, care proceedings, section 20 consents, police protection, permanence records
and authorised plans, consistent with the journeys already generated.

It runs after the journeys, allocations and activity have been written and flushed, and reads the
journey rows back (periods of care with their legal statuses, child protection plans, reviews and
conferences, people with parental responsibility, police contacts), together with the families,
children and allocations the generator keeps in memory. Nothing here changes a journey: the legal
records are fitted around what happened to each child.

- Care proceedings for every run of interim care orders (SSDA903 legal status C1) that began in the
  five years of history; brothers and sisters whose orders begin together share one set of
  proceedings. Some families on child protection plans today are in proceedings with the children
  at home (an interim supervision order), so open proceedings exist in any size of authority.
- Pre-proceedings before most planned applications, for some families on child protection plans
  today (open, a few past 16 weeks), some that stepped down, and pre-birth cases.
- The gateway panel sits fortnightly (and extraordinarily for emergencies); each request gets a
  decision per child and actions; a few requests are waiting today, one or more past 15 working days.
- Section 20 consents for each section 20 accommodation, one per person with parental responsibility,
  except the accommodations the planted file lists as staying without consent (`s20_without_consent`
  with origin "planted") and unaccompanied children (no one in the country holds parental
  responsibility: s20(1)(a)).
- Police protection for every L1 episode and for a few children taken and returned home without being
  accommodated, each with its management review.
- A permanence record for every child looked after today (and every child adopted or made subject to
  a special guardianship or child arrangements order in the history), and authorised versions of the
  care plans and child protection plans in force today.

Same seed, size and `today`: the same rows. All names, firms and texts are synthetic.
"""

import bisect
import math
import random
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.utils import timezone

from carepath.core import codes
from carepath.core.bulk import Sink
from carepath.core.permissions import Role
from carepath.journey import models as jm
from carepath.legal import models as lm
from carepath.legal.models.plans import DecisionKind, PlanKind
from carepath.people import models as pm
from carepath.people.models import ChildStatus

from .allocation import AllocationSimulation
from .calendar import WorkingDays
from .journeys import Family, JourneyBuilder, Kid, at, home_postcode, pick
from .organisation import Holder, Organisation
from .planted import PlantedFailures
from .pools import TOWNS

AK = pm.Allocation.Kind
LS = codes.LegalStatus
PT = codes.PlacementType
REC = codes.ReasonEpisodeCeased
OUT = codes.LegalGatewayOutcome
PPO = codes.PreProceedingsOutcome
YNU = codes.YesNoUnknown
CCP = codes.CourtCarePlan
FO = codes.FinalOrder
PERM = codes.PermanencePlan
CAT = codes.CPCategory
Route = lm.GatewayRequest.Route
Urgency = lm.GatewayRequest.Urgency
Hearing = lm.Hearing.Kind
Doc = lm.ApplicationDocument.Kind
Capacity = lm.Section20Consent.Capacity
PPOutcome = lm.PoliceProtection.Outcome
Judgement = lm.PoliceProtectionReview.Judgement
Considered = lm.PermanenceRecord.Considered
Finding = lm.Section20ReviewCase.Finding
Meeting = lm.PreProceedingsMeeting.Kind

ADOPTION_PLACEMENTS = {PT.A3, PT.A4, PT.A5, PT.A6}
SGO_ENDINGS = {REC.SGO_FOSTER_RELATIVE, REC.SGO_FOSTER_OTHER, REC.SGO_OTHER_RELATIVE, REC.SGO_OTHER}
HOME_ENDINGS = {REC.RETURNED_HOME_PLANNED, REC.RETURNED_HOME_UNPLANNED, REC.LIVING_WITHOUT_PR}
ADOPTED = {REC.ADOPTED_UNOPPOSED, REC.ADOPTED_CONSENT_DISPENSED}
PANEL_WEEKDAY = 1  # Tuesday
CP26 = timedelta(weeks=26)


@dataclass(frozen=True)
class LegalRates:
    """How often each part of the pathway happens. There are no national counts of pre-proceedings
    or gateway decisions until the CIN census collects PreProceedingsandFGDM (2026-27), so these are
    plausible local figures (PLO trackers and Ofsted letters), chosen so that an authority of a few
    thousand children shows every stage."""

    # Families on a child protection plan today who are in pre-proceedings: about one in five.
    open_cp_in_pre_proceedings: float = 0.2
    # ... whose pre-proceedings stepped up in the last months, the children still at home under an
    # interim supervision order (a third or so of applications end in orders at home).
    open_cp_in_proceedings_at_home: float = 0.06
    # ... with a request waiting for the panel today: a fortnightly panel hears a handful each sitting.
    open_cp_waiting: float = 0.1
    # Planned applications preceded by pre-proceedings (the PLWG found pre-proceedings before about
    # half to two-thirds of applications; the 2023 PLO relaunch pushes it higher).
    pre_proceedings_before_issue_from_cp: float = 0.7
    pre_proceedings_before_issue_from_s20: float = 0.4
    # Child protection plans of six months or more that went into pre-proceedings and stepped down.
    closed_cp_plo_step_down: float = 0.1
    # Other child protection plans brought to the panel: continue, assess further, no legal action.
    closed_cp_other_request: float = 0.06
    other_outcomes: dict[str, float] = field(
        default_factory=lambda: {
            OUT.CONTINUE: 0.5,
            OUT.FURTHER_ASSESSMENT: 0.3,
            OUT.NO_FURTHER_LEGAL_ACTION: 0.2,
        }
    )
    # Pre-birth child protection plans that go into pre-birth pre-proceedings (F10 and rules.md 3.23).
    pre_birth_plo: float = 0.6
    # ... and pregnancies referred for a pre-birth assessment without a plan before the birth.
    pre_birth_assessment_plo: float = 0.05
    # Section 20 accommodations of 8 weeks or more brought to the panel; the rest are what the
    # S20-NO-LPM alert is for (F08).
    long_s20_to_panel: float = 0.5
    # Requests the panel defers once for more information (the decision comes past 15 working days).
    deferred: float = 0.1
    # Letters before proceedings sent later than 5 working days after the decision.
    letter_late: float = 0.12
    # Letters still drafts in an open case (a second letter, a parent only just found).
    letter_draft: float = 0.15
    fgdm_offered: float = 0.9
    fgdm_accepted: float = 0.7
    # Section 20 consent records with a gap in the evidence rules.md 4.3 lists (F08: a realistic
    # minority), and consent not recorded from a father with parental responsibility living apart.
    consent_gap: float = 0.2
    consent_missing_absent_father: float = 0.12
    consent_withdrawn: float = 0.04
    # Children taken into police protection and returned home without being accommodated, per
    # police referral that went to a strategy discussion (F09: police protection used often).
    police_protection_not_accommodated: float = 0.03
    police_review_could_have_acted_earlier: dict[str, float] = field(
        default_factory=lambda: {Judgement.YES: 0.3, Judgement.NO: 0.5, Judgement.UNCLEAR: 0.2}
    )
    # Twin-track planning for under-2s: most have a parallel plan, not all (F07, F10).
    parallel_plan_under_two: float = 0.8
    parallel_plan_older: float = 0.3
    early_permanence_considered_under_two: float = 0.6
    # Care and CP plans re-authorised at a later review or conference (version 2).
    plan_second_version: float = 0.4


LEGAL_RATES = LegalRates()

# -- words -----------------------------------------------------------------------------------------

CONCERNS = {
    CAT.NEGLECT: (
        "{children} continue to live in neglectful conditions: the home is often dirty and unsafe, "
        "there is not enough food, and {they} miss school and health appointments. Change during the "
        "child protection plan has not lasted."
    ),
    CAT.EMOTIONAL: (
        "There have been repeated incidents of domestic abuse at the family home with {children} "
        "present, most recently police attending at night. {mother} has let {partner} back into the "
        "home despite the written agreement."
    ),
    CAT.PHYSICAL: (
        "{children} have had injuries that the parents have not explained, and the explanations given "
        "do not fit the injuries. Care at home is harsh and unpredictable."
    ),
    CAT.SEXUAL: (
        "{children} are not protected from an adult who poses a risk of sexual harm. The parent does "
        "not accept the risk and has allowed unsupervised contact."
    ),
    CAT.MULTIPLE: (
        "Parental drug and alcohol misuse and poor mental health mean {children}'s basic needs are not "
        "met, and there are incidents of domestic abuse in the home."
    ),
}
TRIED = [
    "a parenting programme at the family hub (attended two of eight sessions)",
    "a family group conference, which identified the maternal grandmother as a support",
    "a written agreement about who may visit the home",
    "a referral to the drug and alcohol service (engagement has been poor)",
    "a domestic abuse programme for the mother, completed",
    "weekly home visits and a core group every four weeks",
    "a nursery place and regular health visitor support",
    "help with housing and debts from the family support worker",
    "an intensive family support service for twelve weeks",
]
QUESTIONS = {
    "plo": "Is the threshold for proceedings met, and should the local authority start pre-proceedings?",
    "issue": "Should the local authority issue care proceedings now?",
    "review": "Pre-proceedings review: has there been enough change, or should we issue?",
    "s20": "Is section 20 still right for {child}, or is legal planning needed?",
    "advice": "Legal advice on the current plan: is any legal action needed?",
}
RATIONALE = {
    OUT.PRE_PROCEEDINGS: (
        "The threshold for proceedings is likely to be met. There is still a realistic chance of change "
        "with a clear plan, so the panel agreed to start pre-proceedings with a parenting assessment "
        "and a family group decision-making meeting."
    ),
    OUT.ISSUE: (
        "The threshold is met and the children cannot wait any longer for change: the panel agreed to "
        "issue care proceedings and to seek interim orders."
    ),
    OUT.CONTINUE: (
        "The current plan is working and the family are engaging. The threshold is not met for "
        "proceedings at present; continue with the plan and return to panel if progress stops."
    ),
    OUT.FURTHER_ASSESSMENT: (
        "The panel needs a parenting assessment and an updated chronology before it can decide. "
        "Return to panel when these are complete."
    ),
    OUT.NO_FURTHER_LEGAL_ACTION: "The threshold for proceedings is not met. No further legal action.",
    OUT.SECTION_20: (
        "Section 20 is appropriate for now: the parents agree, the plan is a return home within weeks, "
        "and consent has been properly given. Review at the first looked-after review."
    ),
}
DISSENT = [
    "The head of service would have issued now, given how long the children have been on a plan.",
    "The solicitor advised that the evidence for threshold is not yet strong enough.",
]
ACTIONS = {
    OUT.PRE_PROCEEDINGS: [
        ("Send the letter before proceedings to each parent", "manager", 5),
        ("Book the pre-proceedings meeting and invite the parents' solicitors", "worker", 10),
        ("Refer the family for a family group decision-making meeting", "worker", 10),
        ("Update the chronology and the genogram", "worker", 15),
    ],
    OUT.ISSUE: [
        ("Prepare the social work statement, chronology, genogram and care plan", "worker", 5),
        ("Draft the application and instruct counsel", "solicitor", 3),
        ("Identify family and friends for viability assessments", "worker", 10),
    ],
    OUT.CONTINUE: [
        ("Review progress at the next core group and report back to the panel", "manager", 20),
        ("Send the panel's advice to the parents in writing", "worker", 5),
    ],
    OUT.FURTHER_ASSESSMENT: [
        ("Complete the parenting assessment and return to the panel", "worker", 30),
        ("Request the medical and police records for the chronology", "solicitor", 10),
    ],
    OUT.NO_FURTHER_LEGAL_ACTION: [("Record the panel's advice on the child's file", "manager", 5)],
    OUT.SECTION_20: [
        (
            "Check the section 20 agreement is signed by each person with parental responsibility",
            "manager",
            2,
        ),
        ("Agree the plan for the child's return home with the parents", "worker", 15),
    ],
}
CHANGES = {
    CAT.NEGLECT: [
        "Keep the home clean and safe, with food in the cupboards, at every visit",
        "Make sure the children go to school every day and on time",
        "Take the children to every health and dental appointment",
    ],
    CAT.EMOTIONAL: [
        "Do not let {partner} into the home or have contact with the children",
        "Complete the domestic abuse programme and tell us what you have learned",
        "Call the police and tell the social worker if {partner} comes to the home",
    ],
    CAT.PHYSICAL: [
        "Use no physical punishment and follow the safety plan",
        "Attend the parenting course and practise what it teaches at home",
        "Let the social worker see the children on their own at every visit",
    ],
    CAT.SEXUAL: [
        "Make sure the children have no contact with the named adult",
        "Complete the protective parenting work with the social worker",
        "Tell the social worker straight away about any contact attempt",
    ],
    CAT.MULTIPLE: [
        "Give hair strand tests that show no drug or alcohol misuse",
        "Attend every appointment with the drug and alcohol service",
        "Keep to the mental health plan agreed with your GP",
    ],
}
SUPPORT = [
    ("Parenting assessment", "Social worker", "8 weeks", True, "To understand whether you can meet the children's needs."),
    ("Hair strand drug and alcohol testing", "Independent testing service", "one test, results in 3 weeks", True,
     "To show whether drug or alcohol use has stopped."),
    ("Domestic abuse programme", "Family Hub", "12 weeks", False, ""),
    ("Family group decision-making meeting", "Family Group Conference service", "about 4 weeks", False, ""),
    ("Intensive family support at home", "Family support worker", "12 weeks, twice a week", False, ""),
    ("Psychological assessment", "Independent psychologist", "10 weeks", True,
     "To understand what help you need to make and keep changes."),
]  # fmt: skip
EXTENSION_REASONS = [
    "An expert's assessment of the mother was delayed; necessary to resolve the proceedings justly.",
    "A connected person came forward late and needs a special guardianship assessment.",
    "The final hearing could not be listed within 26 weeks; the court found an extension necessary.",
    "Further medical evidence is needed about the injuries.",
]
CIRCUMSTANCES = [
    "Officers attended a domestic abuse incident at night and found {child} in the care of an adult who "
    "was too intoxicated to look after them.",
    "{child} was found alone in the street late at night; no adult could be found at the address.",
    "Neighbours called the police; the home was in a dangerous state and the parent could not be woken.",
    "A parent in a mental health crisis threatened to harm themselves and {child}.",
    "{child} was found in a car with adults suspected of supplying drugs.",
]
REVIEW_FINDINGS = {
    Judgement.YES: (
        "Police and school information in the months before showed rising risk. An earlier strategy "
        "discussion could have led to a planned response without police protection.",
        "Send police notifications to the allocated social worker on the day; review repeat contacts "
        "at the front door after the third in six months.",
    ),
    Judgement.NO: (
        "Nothing known to the service before the night suggested this risk. Police protection could not "
        "have been foreseen.",
        "No practice learning; the out-of-hours response was timely.",
    ),
    Judgement.UNCLEAR: (
        "Partners held information that was not shared; the review could not say whether earlier action "
        "was possible.",
        "Raise information sharing at the safeguarding partnership.",
    ),
}
SOLICITOR_FIRMS = [
    "Hartley Rowe Family Law",
    "Brennan & Achebe Solicitors",
    "Whitcombe Legal LLP",
    "Okafor Lindqvist Solicitors",
    "Marchbank Family Solicitors",
]
PLAN_SUMMARY = {
    PERM.RETURN_HOME: "{name} returns home to live safely with their family, with support.",
    PERM.ADOPTION: "{name} is adopted and grows up in a permanent family.",
    PERM.SGO_CAO: "{name} lives permanently with family or friends under a special guardianship order.",
    PERM.SUPPORTED_LIVING: "{name} moves into supported accommodation and is ready to live independently.",
    PERM.LONG_TERM_RESIDENTIAL: "{name} lives in a stable children's home that meets their needs.",
    PERM.LONG_TERM_FOSTERING: "{name} stays with long-term foster carers until adulthood.",
    PERM.OTHER: "{name} lives safely in a stable home.",
}


# -- what happened to each child, read back from the journey rows ----------------------------------


@dataclass(slots=True)
class Ep:
    id: int
    start: date
    end: date | None
    ls: str
    place: str
    rec: str
    pp_at: datetime | None


@dataclass(slots=True)
class Period:
    kid: Kid
    eps: list[Ep]

    @property
    def start(self) -> date:
        return self.eps[0].start

    @property
    def end(self) -> date | None:
        return self.eps[-1].end


@dataclass(slots=True)
class CPPlan:
    id: int
    kid: Kid
    start: date
    end: date | None
    category: str
    icpc_id: int | None


# -- the pathway as planned, before it is written ----------------------------------------------------


@dataclass(eq=False)
class Request:
    requested_on: date
    question: str
    decided_on: date | None = None  # the sitting that decided it; None while waiting
    listed_for: date | None = None
    outcomes: dict[int, str] = field(default_factory=dict)  # child id -> outcome
    urgent: bool = False
    route: str = Route.MANAGER_DIRECTION
    withdrawn_on: date | None = None
    decision_ids: dict[int, int] = field(default_factory=dict)


@dataclass(eq=False)
class Plo:
    started_on: date
    step_on: date | None = None
    outcome: str = ""
    prebirth: bool = False
    request: Request | None = None  # the request whose decision started it
    demo: bool = False
    id: int = 0


@dataclass(eq=False)
class Member:
    kid: Kid
    joined_on: date
    ico_on: date | None  # None for children at home (interim supervision order)
    final_on: date | None
    final_kind: str  # E1, C2, C2home, sgo, cao, home, none
    period: Period | None = None


@dataclass(eq=False)
class Court:
    decided_on: date
    issued_on: date | None
    members: list[Member]
    route: str  # planned, emergency, s20, home
    application: str = lm.CareProceedings.Application.CARE

    @property
    def concluded_on(self) -> date | None:
        if self.issued_on is None or any(m.final_on is None for m in self.members):
            return None
        return max(m.final_on for m in self.members)


@dataclass(eq=False)
class Case:
    family: Family
    kids: list[Kid]
    category: str
    added_on: dict[int, date] = field(default_factory=dict)
    requests: list[Request] = field(default_factory=list)
    plo: Plo | None = None
    court: Court | None = None
    solicitor: Holder | None = None
    id: int = 0

    @property
    def opened_on(self) -> date:
        days = [r.requested_on for r in self.requests]
        if self.plo:
            days.append(self.plo.started_on)
        if self.court:
            days.append(self.court.decided_on)
        return min(days)

    @property
    def closed_on(self) -> date | None:
        if self.court:
            return self.court.concluded_on
        if self.plo:
            return self.plo.step_on
        if any(r.decided_on is None and r.withdrawn_on is None for r in self.requests):
            return None
        last = [r.withdrawn_on or r.decided_on for r in self.requests]
        return max(last) if last else None


@dataclass
class LegalSummary:
    cases: int = 0
    waiting_requests: int = 0
    open_pre_proceedings: int = 0
    open_proceedings: int = 0
    seconds: float = 0.0


class LegalPathwayWriter:
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
        rates: LegalRates = LEGAL_RATES,
    ):
        self.sink = sink
        self.org = org
        self.journeys = journeys
        self.allocations = allocations
        self.planted = planted
        self.wd = wd
        self.today = today
        self.last = today - timedelta(days=1)
        self.cutoff = journeys.cutoff
        self.seed = seed
        self.history_start = history_start
        self.rates = rates
        self.kids = {k.id: k for k in journeys.kids}
        self.county = org.authority_name.split()[0]
        self.cases: list[Case] = []
        self.sittings: dict[date, bool] = {}  # day -> extraordinary
        self.in_case: set[int] = set()  # families with a case planned while open today
        self.busy: dict[int, list[tuple[date, date]]] = defaultdict(list)  # family id -> legal spans
        first = history_start + timedelta(days=(PANEL_WEEKDAY - history_start.weekday()) % 7)
        self.panel_days: list[date] = []
        day = first
        while day <= today + timedelta(days=28):
            self.panel_days.append(wd.on_or_after(day))
            day += timedelta(days=14)
        self.summary = LegalSummary()
        self.plan_numbers: dict[tuple[int, str], int] = {}

    # -- small helpers ----------------------------------------------------------------------------

    def rng(self, salt: int) -> random.Random:
        return random.Random(self.seed * 104_729 + salt)

    def recorded(self, rng: random.Random, day: date) -> datetime:
        if day >= self.today:  # listed in advance
            return self.cutoff - timedelta(minutes=rng.randint(60, 3000))
        return self.journeys.recorded(rng, day)

    def back(self, day: date, n: int) -> date:
        """The working day n working days before `day`."""
        while n > 0:
            day -= timedelta(days=1)
            if self.wd.is_working(day):
                n -= 1
        return day

    def panel_on_or_before(self, day: date) -> date | None:
        i = bisect.bisect_right(self.panel_days, day)
        return self.panel_days[i - 1] if i else None

    def panel_on_or_after(self, day: date) -> date | None:
        i = bisect.bisect_left(self.panel_days, day)
        return self.panel_days[i] if i < len(self.panel_days) else None

    def sw_on(self, kid: Kid, day: date):
        best = None
        for a in self.allocations.allocs.get(kid.id, ()):
            if a.kind != AK.SOCIAL_WORKER or a.start > day:
                continue
            if a.end is None or day < a.end:
                return a
            best = a
        return best

    def worker(self, kid: Kid, day: date) -> Holder:
        alloc = self.sw_on(kid, day)
        if alloc is not None and alloc.holder.active_on(day):
            return alloc.holder
        return self.manager(kid, day)

    def manager(self, kid: Kid, day: date) -> Holder:
        alloc = self.sw_on(kid, day)
        team = alloc.team if alloc else self.org.teams[pm.Team.Kind.SAFEGUARDING][0]
        return self.org.manager_or_head(team, day)

    def solicitor_on(self, day: date, rng: random.Random) -> Holder:
        people = self.org.legal_team.workers_on(day)
        if not people:
            return self.org.legal_team.manager_on(day) or self.org.director
        demo = self.org.demo.get(Role.SOLICITOR)
        if demo in people and rng.random() < 0.3:
            return demo
        return rng.choice(people)

    def still_here(self, holder: Holder, kid: Kid) -> Holder:
        """Someone who can own an open action today: the holder if still in post."""
        if holder.active_on(self.last):
            return holder
        return self.manager(kid, self.last)

    @staticmethod
    def names(kids: list[Kid]) -> str:
        names = [k.first_name or "the unborn baby" for k in kids]
        return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]

    def busy_on(self, family: Family, start: date, end: date | None) -> bool:
        end = end or self.today
        return any(s <= end and start <= e for s, e in self.busy[family.id])

    def mark(self, family: Family, start: date, end: date | None) -> None:
        self.busy[family.id].append((start, end or self.today + timedelta(days=365)))

    # -- reading the journey back -----------------------------------------------------------------

    def load(self) -> None:
        self.periods: dict[int, list[Period]] = defaultdict(list)
        rows = jm.LookedAfterEpisode.objects.order_by("child_id", "start_date", "id").values_list(
            "id", "child_id", "start_date", "end_date", "legal_status", "placement_type", "reason_ceased",
            "police_protection_started_at",
        )  # fmt: skip
        for eid, child_id, start, end, ls, place, rec, pp_at in rows.iterator(chunk_size=5000):
            kid = self.kids[child_id]
            ep = Ep(eid, start, end, ls, place, rec, pp_at)
            periods = self.periods[child_id]
            if periods and periods[-1].eps[-1].end == start and periods[-1].eps[-1].rec == REC.NEW_EPISODE:
                periods[-1].eps.append(ep)
            else:
                periods.append(Period(kid, [ep]))
        self.cp_plans: dict[int, list[CPPlan]] = defaultdict(list)
        rows = jm.ChildProtectionPlan.objects.order_by("child_id", "start_date", "id").values_list(
            "id", "child_id", "start_date", "end_date", "initial_category", "initial_conference_id"
        )
        for pid, child_id, start, end, category, icpc in rows.iterator(chunk_size=5000):
            self.cp_plans[child_id].append(CPPlan(pid, self.kids[child_id], start, end, category, icpc))
        self.solicitor_allocs: dict[int, list[tuple[date, date | None, int]]] = defaultdict(list)
        rows = pm.Allocation.objects.filter(kind=AK.SOLICITOR).order_by("child_id", "started_on", "id")
        for child_id, start, end, worker_id in rows.values_list(
            "child_id", "started_on", "ended_on", "worker_id"
        ):
            self.solicitor_allocs[child_id].append((start, end, worker_id))
        self.holders = {h.user_id: h for h in self.org.all_holders}

    def _chunked(self, queryset, ids, *fields, key: str = "child_id"):
        ids = sorted(set(ids))
        for i in range(0, len(ids), 500):
            yield from queryset.filter(**{f"{key}__in": ids[i : i + 500]}).order_by("pk").values_list(*fields)

    def load_people(self, child_ids) -> None:
        """People with parental responsibility for the children the letters and consents are for."""
        self.pr: dict[int, list[tuple[int, str, bool]]] = defaultdict(list)
        order = {pm.Relationship.Kind.MOTHER: 0, pm.Relationship.Kind.FATHER: 1}
        for child_id, person_id, kind, lives in self._chunked(
            pm.Relationship.objects.filter(has_parental_responsibility=True),
            child_ids,
            "child_id",
            "person_id",
            "kind",
            "lives_with_child",
        ):
            self.pr[child_id].append((person_id, kind, lives))
        for rows in self.pr.values():
            rows.sort(key=lambda r: (order.get(r[1], 2), r[0]))
        person_ids = {p for rows in self.pr.values() for p, _, _ in rows}
        self.people = {
            pid: (first, last, interpreter, language)
            for pid, first, last, interpreter, language in self._chunked(
                pm.RelatedPerson.objects.all(),
                person_ids,
                "id",
                "first_name",
                "last_name",
                "needs_interpreter",
                "language",
                key="id",
            )
        }

    # -- planning -----------------------------------------------------------------------------------

    def run(self, progress=None) -> LegalSummary:
        started = time.perf_counter()
        if progress:
            progress("legal pathway", 0, 1)
        self.load()
        self.plan_proceedings_from_care()
        self.plan_pre_birth()
        self.plan_open_cp_families()
        self.plan_closed_cp_plans()
        self.plan_long_section_20()
        self.ensure_demo_state()
        self.write_local_solicitors()
        child_ids = {k.id for case in self.cases for k in case.kids}
        s20_ids = {
            pid
            for pid, periods in self.periods.items()
            if any(e.ls == LS.SECTION_20 for p in periods for e in p.eps)
        }
        self.load_people(child_ids | s20_ids)
        self.write_sittings_and_cases()
        self.write_section_20()
        self.write_police_protection()
        self.write_permanence_and_plans()
        self.write_solicitor_allocations()
        self.summary.cases = len(self.cases)
        self.summary.seconds = time.perf_counter() - started
        if progress:
            progress("legal pathway", 1, 1)
        return self.summary

    def _category(self, kids: list[Kid], day: date) -> str:
        """The category of the latest child protection plan that had started by `day`."""
        found = [p for kid in kids for p in self.cp_plans.get(kid.id, ()) if p.start <= day]
        return max(found, key=lambda p: p.start).category if found else CAT.NEGLECT

    def _decided(
        self, case: Case, request: Request, day: date, outcome: str, kids: list[Kid] | None = None
    ) -> None:
        request.decided_on = day
        request.listed_for = day
        for kid in kids or case.kids:
            request.outcomes[kid.id] = outcome
        self.sittings.setdefault(day, request.urgent)
        if not request.urgent:
            self.sittings[day] = False

    def routine_request(
        self, case: Case, decided_on: date, question: str, outcome: str, rng, kids=None
    ) -> Request | None:
        """A request decided at the routine sitting on `decided_on` (a panel day)."""
        if decided_on < self.panel_days[0]:
            return None
        deferred = rng.random() < self.rates.deferred
        requested = self.back(decided_on, rng.randint(16, 22) if deferred else rng.randint(2, 9))
        route = Route.MANAGER_DIRECTION if rng.random() < 0.6 else Route.LEGAL_CONSULTATION
        request = Request(requested, question, route=route)
        self._decided(case, request, decided_on, outcome, kids)
        case.requests.append(request)
        return request

    def urgent_request(
        self, case: Case, decided_on: date, question: str, outcome: str, rng, kids=None
    ) -> Request | None:
        """A request decided at an extraordinary sitting the same or the next working day."""
        decided_on = self.wd.on_or_before(decided_on)
        if decided_on < self.panel_days[0] or decided_on > self.last:
            return None
        requested = decided_on if rng.random() < 0.6 else self.back(decided_on, 1)
        request = Request(requested, question, urgent=True, route=Route.LEGAL_CONSULTATION)
        self._decided(case, request, decided_on, outcome, kids)
        case.requests.append(request)
        return request

    def plan_proceedings_from_care(self) -> None:
        """Care proceedings for every run of interim care orders in the history, with the
        pre-proceedings and panel decisions that led to them."""
        rng = self.rng(1)
        runs_by_family: dict[int, list[Member]] = defaultdict(list)
        routes: dict[int, tuple[str, date | None, date | None]] = {}
        for fam in self.journeys.families:
            for kid in fam.kids:
                for period in self.periods.get(kid.id, ()):
                    eps = period.eps
                    i = next((n for n, e in enumerate(eps) if e.ls == LS.ICO), None)
                    if i is None or eps[i].start < self.history_start + timedelta(days=21):
                        continue
                    j = i
                    while j + 1 < len(eps) and eps[j + 1].ls == LS.ICO:
                        j += 1
                    end = eps[j].end
                    final_on, kind = None, ""
                    if end is not None and end <= self.last:
                        final_on = end
                        if j + 1 < len(eps):
                            nxt = eps[j + 1]
                            kind = {LS.PLACEMENT_ORDER: "E1", LS.FULL_CARE_ORDER: "C2"}.get(nxt.ls, "none")
                            if kind == "C2" and nxt.place == PT.P1:
                                kind = "C2home"
                        elif eps[j].rec in SGO_ENDINGS:
                            kind = "sgo"
                        elif eps[j].rec == REC.CHILD_ARRANGEMENTS:
                            kind = "cao"
                        elif eps[j].rec in HOME_ENDINGS:
                            kind = "home"
                        else:
                            kind = "none"
                    member = Member(kid, eps[i].start, eps[i].start, final_on, kind, period)
                    runs_by_family[fam.id].append(member)
                    before = [e for e in eps[:i]]
                    epo = next((e.start for e in before if e.ls == LS.EPO), None)
                    s20 = next((e.start for e in before if e.ls == LS.SECTION_20), None)
                    if epo or any(e.ls == LS.POLICE_PROTECTION for e in before):
                        routes[id(member)] = ("emergency", epo or eps[i].start, None)
                    elif s20:
                        routes[id(member)] = ("s20", None, s20)
                    else:
                        routes[id(member)] = ("planned", None, None)
        families = {fam.id: fam for fam in self.journeys.families}
        for fam_id, members in runs_by_family.items():
            members.sort(key=lambda m: (m.ico_on, m.kid.index))
            groups: list[list[Member]] = []
            for m in members:
                group = groups[-1] if groups else None
                if group is not None:
                    ends = [x.final_on for x in group]
                    group_end = None if any(e is None for e in ends) else max(ends)
                    if (group_end is None or m.ico_on < group_end) and (
                        m.ico_on - group[0].ico_on
                    ).days <= 180:
                        group.append(m)
                        continue
                groups.append([m])
            for group in groups:
                self._court_from_care(families[fam_id], group, routes[id(group[0])], rng)

    def _court_from_care(self, fam: Family, group: list[Member], route, rng) -> None:
        kind, epo, s20 = route
        lead = group[0]
        ico = lead.ico_on
        if kind == "emergency":
            # The decision is made the working day the emergency order is sought; the application is
            # issued while the emergency protection order runs, before the interim care order.
            decided = min(self.wd.on_or_after(epo), ico)
            issued = min(ico, max(decided, epo + timedelta(days=rng.randint(0, 2))))
        elif kind == "s20":
            issued = max(s20 + timedelta(days=1), ico - timedelta(days=rng.randint(3, 21)))
            decided = issued - timedelta(days=rng.randint(2, 10))
        else:
            issued = ico - timedelta(days=rng.randint(0, 2))
            decided = issued - timedelta(days=rng.randint(1, 7))
        for m in group:
            m.joined_on = issued if m is lead else max(issued, m.ico_on)
        group_kids = [m.kid for m in group if m.joined_on <= issued + timedelta(days=7)]
        court = Court(decided, issued, group, kind)
        case = Case(fam, [m.kid for m in group], self._category(group_kids, issued))
        case.court = court
        for m in group:
            case.added_on[m.kid.id] = m.joined_on
        # Pre-proceedings first: planned applications after a child protection plan, some section 20
        # accommodations, and babies removed at birth after pre-birth pre-proceedings.
        plo_start = None
        prebirth = False
        if kind == "planned":
            baby = lead.kid
            referrals = [s[1] for s in baby.spans if s[0] == "open"]
            if (
                baby.edd is not None
                and baby.dob is not None
                and ico <= baby.dob + timedelta(days=2)
                and referrals
                and min(referrals) < baby.dob
            ):
                target = max(
                    min(referrals) + timedelta(days=14), baby.dob - timedelta(weeks=rng.randint(10, 16))
                )
                if target <= baby.dob - timedelta(days=14):
                    plo_start, prebirth = target, True
            if plo_start is None:
                plan = next(
                    (
                        p
                        for p in self.cp_plans.get(lead.kid.id, ())
                        if p.end is not None and ico - timedelta(days=21) <= p.end <= ico + timedelta(days=1)
                    ),
                    None,
                )
                if plan is not None and rng.random() < self.rates.pre_proceedings_before_issue_from_cp:
                    target = max(
                        plan.start + timedelta(days=21), issued - timedelta(weeks=rng.randint(10, 24))
                    )
                    if target <= decided - timedelta(days=21):
                        plo_start = target
        elif (
            kind == "s20"
            and (issued - s20).days >= 70
            and rng.random() < self.rates.pre_proceedings_before_issue_from_s20
        ):
            target = s20 + timedelta(weeks=rng.randint(2, 6))
            if target <= decided - timedelta(days=28):
                plo_start = target
        if plo_start is not None:
            plo = Plo(plo_start, prebirth=prebirth)
            panel = self.panel_on_or_before(plo_start)
            if panel is not None and panel >= plo_start - timedelta(days=14) and panel >= self.panel_days[0]:
                # Started by the panel (otherwise by a manager's decision before the panel existed).
                plo.started_on = panel
                plo.request = self.routine_request(case, panel, "plo", OUT.PRE_PROCEEDINGS, rng, group_kids)
            # The decision to issue, at the panel that reviews the pre-proceedings where one sat in time.
            panel = self.panel_on_or_before(decided)
            if (
                panel is not None
                and panel > plo.started_on + timedelta(days=21)
                and panel >= decided - timedelta(days=14)
            ):
                decided = panel
                self.routine_request(case, decided, "review", OUT.ISSUE, rng, group_kids)
            plo.step_on, plo.outcome = decided, PPO.ISSUE
            court.decided_on = decided
            case.plo = plo
        elif kind == "s20":
            panel = self.panel_on_or_before(decided)
            if panel is not None and panel >= decided - timedelta(days=14) and panel > s20:
                court.decided_on = panel
                self.routine_request(case, panel, "issue", OUT.ISSUE, rng, group_kids)
            else:
                self.urgent_request(case, decided, "issue", OUT.ISSUE, rng, group_kids)
        else:
            request = self.urgent_request(case, decided, "issue", OUT.ISSUE, rng, group_kids)
            if request is not None:
                court.decided_on = request.decided_on
        for kid in group_kids:  # on the case from the first request (a baby born later joins later)
            case.added_on[kid.id] = case.opened_on
        self.cases.append(case)
        self.mark(fam, case.opened_on, court.concluded_on)

    def plan_pre_birth(self) -> None:
        """Pre-birth pre-proceedings (rules.md 3.23) for babies who did not come into care at birth:
        started during the pregnancy, on a pre-birth child protection plan (most of them) or a
        pre-birth assessment (a few), and stepped down after the birth, or still open. At least one
        wherever the journey has a pregnancy known to children's social care."""
        rng = self.rng(2)
        candidates = []  # (rate, family, baby, (start, end, category), due)
        for fam in self.journeys.families:
            for kid in fam.kids:
                if kid.edd is None:
                    continue
                due = kid.dob or kid.edd
                spans = [
                    (self.rates.pre_birth_plo, (p.start, p.end, p.category))
                    for p in self.cp_plans.get(kid.id, ())
                ]
                spans += [
                    (self.rates.pre_birth_assessment_plo, (s[1], s[2], CAT.NEGLECT))
                    for s in kid.spans
                    if s[0] == "open"
                ]
                for rate, span in spans:
                    if self.history_start <= span[0] < due - timedelta(days=35):
                        candidates.append((rate, fam, kid, span, due))
                        break
        chosen = [c for c in candidates if rng.random() < c[0]]
        picked = {id(c) for c in chosen}
        latest_first = sorted(candidates, key=lambda c: (c[0], c[3][0]), reverse=True)
        for candidate in chosen + [c for c in latest_first if id(c) not in picked]:
            if id(candidate) not in picked and any(case.plo and case.plo.prebirth for case in self.cases):
                break
            _rate, fam, kid, (begin, end, category), due = candidate
            start = begin + timedelta(days=rng.randint(7, (due - begin).days - 21))
            day = self.panel_on_or_before(start)
            start = day if day is not None and day >= begin else start
            if start > self.last - timedelta(days=7) or self.busy_on(fam, start, end):
                continue
            kids = [
                k
                for k in fam.kids
                if k is kid
                or any(
                    p.start <= start and (p.end is None or p.end > start) for p in self.cp_plans.get(k.id, ())
                )
            ]
            case = Case(fam, kids, category)
            for k in kids:
                case.added_on[k.id] = start
            plo = Plo(start, prebirth=True)
            plo.request = self.routine_request(case, start, "plo", OUT.PRE_PROCEEDINGS, rng)
            if kid.dob is not None or end is not None:
                # Stepped down some weeks after the birth, and no later than the plan's end.
                step = (kid.dob or end) + timedelta(days=rng.randint(14, 56))
                if end is not None:
                    step = min(step, end)
                step = max(step, start + timedelta(days=28))
                if step <= self.last:
                    plo.step_on, plo.outcome = step, PPO.STEP_DOWN
                    if self.panel_on_or_before(step) == step:
                        self.routine_request(case, step, "review", OUT.CONTINUE, rng)
            case.plo = plo
            self.cases.append(case)
            self.mark(fam, start, plo.step_on)
            if plo.step_on is None:
                self.in_case.add(fam.id)

    def _open_cp_families(self) -> list[tuple[Family, list[Kid], date, str]]:
        found = []
        for fam in self.journeys.families:
            kids, start, category = [], None, CAT.NEGLECT
            for kid in fam.kids:
                plans = self.cp_plans.get(kid.id, ())
                if plans and plans[-1].end is None:
                    kids.append(kid)
                    if start is None or plans[-1].start < start:
                        start, category = plans[-1].start, plans[-1].category
            if kids and fam.id not in self.in_case and not self.busy_on(fam, self.last, None):
                found.append((fam, kids, start, category))
        return found

    def _demo_family(self, families) -> Family | None:
        demo = self.org.demo[Role.SOCIAL_WORKER]
        team = demo.post.team
        best, best_key = None, None
        for fam, kids, start, _category in families:
            holders = [self.allocations.open_social_worker(k) for k in kids]
            mine = any(a is not None and a.holder is demo for a in holders)
            in_team = any(a is not None and a.team is team for a in holders)
            if not (mine or in_team) or start > self.today - timedelta(weeks=5):
                continue
            key = (not mine, fam.key != 0, -len(kids), fam.key)
            if best_key is None or key < best_key:
                best, best_key = fam, key
        return best

    def plan_open_cp_families(self) -> None:
        """Families on child protection plans today: some in pre-proceedings (one or more past 16
        weeks), a few in proceedings with the children at home, and a few waiting for the panel."""
        rng = self.rng(3)
        families = self._open_cp_families()
        demo = self._demo_family(families)
        rest = [f for f in families if f[0] is not demo]
        rng.shuffle(rest)
        n = len(families)
        n_plo = max(2, round(n * self.rates.open_cp_in_pre_proceedings))
        n_court = max(1, round(n * self.rates.open_cp_in_proceedings_at_home))
        n_wait = max(2, round(n * self.rates.open_cp_waiting))
        # Proceedings at home go to brothers and sisters first, so that a family shares them; the
        # second is decided but not yet issued (the documents checklist in use).
        long_enough = [f for f in rest if f[2] <= self.today - timedelta(weeks=22)]
        long_enough.sort(key=lambda f: len(f[1]) < 2)
        made = 0
        for fam, kids, start, category in long_enough:
            if made >= n_court:
                break
            if self._open_court_at_home(fam, kids, start, category, rng, not_issued=made == 1):
                made += 1
        beyond = 0
        made = 0
        # The family on a plan the longest goes first, to be the one past 16 weeks.
        free = [f for f in rest if f[0].id not in self.in_case]
        oldest = [min(free, key=lambda f: (f[2], f[0].key))] if free else []
        ordered = [f for f in families if f[0] is demo] + oldest + [f for f in rest if f not in oldest]
        for fam, kids, start, category in ordered:
            if made >= n_plo or fam.id in self.in_case:
                continue
            if fam is demo:
                weeks = rng.randint(4, 9)
            elif beyond == 0:
                weeks = rng.randint(17, 26)  # past the 16 weeks
            else:
                weeks = int(min(30, max(2, rng.expovariate(1 / 10))))
            target = max(self.today - timedelta(weeks=weeks), start + timedelta(days=14))
            day = self.panel_on_or_before(target)
            if day is None or day < start + timedelta(days=7):
                day = self.panel_on_or_after(start + timedelta(days=7))
            if day is None or day > self.last - timedelta(days=2):
                continue
            case = Case(fam, kids, category)
            for k in kids:
                case.added_on[k.id] = day
            plo = Plo(day, demo=fam is demo)
            plo.request = self.routine_request(case, day, "plo", OUT.PRE_PROCEEDINGS, rng)
            case.plo = plo
            beyond += (self.today - day).days > 16 * 7
            self.cases.append(case)
            self.in_case.add(fam.id)
            made += 1
        waiting = [f for f in rest if f[0].id not in self.in_case][:n_wait]
        for i, (fam, kids, start, category) in enumerate(waiting):
            # The first has waited past the 15 working days (deferred for more information).
            requested = self.back(self.today, rng.randint(16, 24) if i == 0 else rng.randint(1, 12))
            requested = max(requested, self.wd.on_or_after(start))
            case = Case(fam, kids, category)
            for k in kids:
                case.added_on[k.id] = requested
            route = Route.MANAGER_DIRECTION if rng.random() < 0.6 else Route.LEGAL_CONSULTATION
            request = Request(requested, "plo", route=route)
            if i == 0 or rng.random() < 0.8:
                request.listed_for = self.panel_on_or_after(max(self.today, self.wd.add(requested, 2)))
                self.sittings.setdefault(request.listed_for, False)
            case.requests.append(request)
            self.cases.append(case)
            self.in_case.add(fam.id)
            self.summary.waiting_requests += 1

    def _open_court_at_home(self, fam, kids, start, category, rng, not_issued: bool) -> bool:
        """Pre-proceedings that stepped up: the application issued (or about to be) with the
        children still at home, under an interim supervision order."""
        plo_start = self.panel_on_or_before(
            max(start + timedelta(days=14), self.today - timedelta(weeks=rng.randint(20, 30)))
        )
        if plo_start is None or plo_start < start:
            plo_start = self.panel_on_or_after(start + timedelta(days=7))
        if not_issued:
            decided = self.panel_on_or_before(self.last)
        else:
            decided = self.panel_on_or_before(self.today - timedelta(weeks=rng.randint(3, 12)))
        if plo_start is None or decided is None or decided <= plo_start + timedelta(days=28):
            return False
        case = Case(fam, kids, category)
        for k in kids:
            case.added_on[k.id] = plo_start
        plo = Plo(plo_start, decided, PPO.ISSUE)
        plo.request = self.routine_request(case, plo_start, "plo", OUT.PRE_PROCEEDINGS, rng)
        self.routine_request(case, decided, "review", OUT.ISSUE, rng)
        case.plo = plo
        issued = None if not_issued else self.wd.add(decided, rng.randint(2, 6))
        members = [Member(k, issued or decided, None, None, "") for k in kids]
        case.court = Court(decided, issued, members, "home", lm.CareProceedings.Application.SUPERVISION)
        self.cases.append(case)
        self.in_case.add(fam.id)
        return True

    def plan_closed_cp_plans(self) -> None:
        """Child protection plans that ended without care: some went into pre-proceedings and
        stepped down; some were brought to the panel for advice."""
        rng = self.rng(4)
        for fam in self.journeys.families:
            groups: dict[date, list[CPPlan]] = defaultdict(list)
            for kid in fam.kids:
                for plan in self.cp_plans.get(kid.id, ()):
                    if plan.end is not None and plan.start >= self.history_start:
                        groups[plan.start].append(plan)
            for start in sorted(groups):
                plans = groups[start]
                end = max(p.end for p in plans)
                if self.busy_on(fam, start, end + timedelta(days=30)):
                    continue
                kids = [p.kid for p in plans]
                weeks = (end - start).days // 7
                r = rng.random()
                if weeks >= 26 and r < self.rates.closed_cp_plo_step_down:
                    begin = self.panel_on_or_after(
                        start + timedelta(weeks=rng.randint(8, max(8, weeks - 14)))
                    )
                    step = begin and self.panel_on_or_after(begin + timedelta(weeks=rng.randint(10, 20)))
                    if begin is None or step is None or step > end or step > self.last:
                        continue
                    case = Case(fam, kids, plans[0].category)
                    for k in kids:
                        case.added_on[k.id] = begin
                    plo = Plo(begin, step, PPO.STEP_DOWN)
                    plo.request = self.routine_request(case, begin, "plo", OUT.PRE_PROCEEDINGS, rng)
                    self.routine_request(case, step, "review", OUT.CONTINUE, rng)
                    case.plo = plo
                elif r < self.rates.closed_cp_plo_step_down + self.rates.closed_cp_other_request:
                    day = self.panel_on_or_after(
                        start + timedelta(days=rng.randint(30, max(30, (end - start).days - 7)))
                    )
                    if day is None or day > end or day > self.last:
                        continue
                    case = Case(fam, kids, plans[0].category)
                    for k in kids:
                        case.added_on[k.id] = day
                    outcome = pick(rng, self.rates.other_outcomes)
                    request = self.routine_request(case, day, "advice", outcome, rng)
                    if request is None:
                        continue
                    if len(kids) > 1 and outcome == OUT.CONTINUE and rng.random() < 0.3:
                        # A mix within the family: the youngest needs further assessment.
                        request.outcomes[min(kids, key=lambda k: k.dob or date.max).id] = (
                            OUT.FURTHER_ASSESSMENT
                        )
                else:
                    continue
                self.cases.append(case)
                self.mark(fam, case.opened_on, case.closed_on)

    def plan_long_section_20(self) -> None:
        """Section 20 accommodations of 8 weeks or more: about half were brought to the panel."""
        rng = self.rng(5)
        for fam in self.journeys.families:
            if fam.uasc:
                continue
            for kid in fam.kids:
                for period in self.periods.get(kid.id, ()):
                    for start, end, _eps in self._s20_runs(period):
                        length = ((end or self.today) - start).days
                        if (
                            start < self.history_start
                            or length < 56
                            or rng.random() >= self.rates.long_s20_to_panel
                        ):
                            continue
                        day = self.panel_on_or_after(start + timedelta(weeks=rng.randint(4, 8)))
                        if day is None or day > self.last or (end is not None and day >= end):
                            continue
                        if self.busy_on(fam, day, day):
                            continue
                        case = Case(fam, [kid], CAT.NEGLECT)
                        case.added_on[kid.id] = day
                        outcome = OUT.SECTION_20 if rng.random() < 0.7 else OUT.FURTHER_ASSESSMENT
                        if self.routine_request(case, day, "s20", outcome, rng) is None:
                            continue
                        self.cases.append(case)
                        self.mark(fam, case.opened_on, case.closed_on)

    @staticmethod
    def _s20_runs(period: Period):
        run: list[Ep] = []
        for ep in period.eps + [None]:
            if ep is not None and ep.ls == LS.SECTION_20:
                run.append(ep)
                continue
            if run:
                yield run[0].start, run[-1].end, run
                run = []

    def ensure_demo_state(self) -> None:
        """What the demo must show on the first run, whatever the size: a request waiting past 15
        working days (the writers below do the same for an overdue action, a draft letter, a letter
        sent late and an overdue police protection review)."""
        if not any(
            r.decided_on is None and self.wd.between(r.requested_on, self.today) > 15
            for c in self.cases
            for r in c.requests
        ):
            for case in self.cases:
                waiting = [r for r in case.requests if r.decided_on is None]
                if waiting:
                    waiting[0].requested_on = self.back(self.today, 18)
                    break

    # -- writing ------------------------------------------------------------------------------------

    def write_local_solicitors(self) -> None:
        rng = self.rng(6)
        for i, firm in enumerate(SOLICITOR_FIRMS):
            town = TOWNS[(i * 3) % len(TOWNS)]
            self.sink.add(
                lm.LocalSolicitor,
                firm=firm,
                address=f"{rng.randint(2, 120)} High Street, {town}, {home_postcode(rng)}",
                phone=f"01632 {rng.randint(0, 999999):06d}",  # Ofcom's drama-use range
                email=f"family@{firm.split()[0].lower()}.example",
                children_panel_accredited=i != 4,
                active=True,
            )

    def _chairs_for(self, day: date) -> list[Holder]:
        members = [
            h for h in self.org.all_holders if h.post.role == Role.LEGAL_PANEL_MEMBER and h.active_on(day)
        ]
        head = self.org.service_heads["safeguarding"]
        return members + ([head] if head.active_on(day) else [])

    def write_sittings_and_cases(self) -> None:
        rng = self.rng(7)
        sink = self.sink
        demo_chair = self.org.demo.get(Role.LEGAL_PANEL_MEMBER)
        past = [d for d in sorted(self.sittings) if d < self.today]
        demo_days = set(past[-2:]) | {d for d in self.sittings if d >= self.today}
        self.meeting_ids: dict[date, int] = {}
        self.chair_on: dict[date, Holder] = {}
        agenda: dict[date, int] = defaultdict(int)
        for case in self.cases:
            for r in case.requests:
                if r.listed_for:
                    agenda[r.listed_for] += 1
        for i, day in enumerate(sorted(self.sittings)):
            chairs = self._chairs_for(day)
            chair = (
                demo_chair
                if demo_chair in chairs and day in demo_days
                else chairs[i % len(chairs)]
                if chairs
                else self.org.director
            )
            self.chair_on[day] = chair
            extraordinary = self.sittings[day]
            held = day < self.today
            meeting_id = sink.add(
                lm.PanelMeeting,
                held_on=day,
                chair_id=chair.user_id,
                other_attendees="Social workers and team managers presenting their cases; a reviewing officer",
                minutes=(
                    ("Extraordinary panel. " if extraordinary else "")
                    + (f"The panel considered {agenda[day]} request(s); decisions and actions recorded for each child."
                       if held else "Agenda circulated; papers due two working days before.")
                ),
                created_by_id=chair.user_id,
                created_at=self.recorded(rng, day - timedelta(days=7) if not held else day),
                version=1,
            )  # fmt: skip
            self.meeting_ids[day] = meeting_id
            attendees = {chair.user_id}
            solicitor = self.solicitor_on(day, rng)
            attendees.add(solicitor.user_id)
            head = self.org.service_heads["safeguarding"]
            if head.active_on(day):
                attendees.add(head.user_id)
            for user_id in sorted(attendees):
                sink.add(lm.PanelMeeting.attendees.through, panelmeeting_id=meeting_id, user_id=user_id)
        self.cases.sort(key=lambda c: (c.opened_on, c.family.id))
        self.actions: list[dict] = []
        self.letters: list[dict] = []
        for n, case in enumerate(self.cases, start=1):
            self.write_case(case, n, random.Random(self.seed * 7_919 + n))
        self._write_actions()
        self._write_letters()

    def _case_solicitor(self, case: Case, rng) -> Holder:
        if case.plo is not None and case.plo.demo and self.org.demo.get(Role.SOLICITOR):
            return self.org.demo[Role.SOLICITOR]
        if case.court is not None and case.court.issued_on is not None:
            for start, end, worker_id in self.solicitor_allocs.get(case.kids[0].id, ()):
                if start <= case.court.issued_on + timedelta(days=60) and (
                    end is None or end >= case.court.issued_on
                ):
                    return self.holders[worker_id]
        people = self.org.legal_team.workers_on(case.opened_on)
        if case.closed_on is None:
            people = [h for h in people if h.active_on(self.last)] or self.org.legal_team.workers_on(
                self.last
            )
        demo = self.org.demo.get(Role.SOLICITOR)
        if demo in people and rng.random() < 0.35:
            return demo
        return rng.choice(people) if people else self.solicitor_on(case.opened_on, rng)

    def write_case(self, case: Case, n: int, rng: random.Random) -> None:
        sink = self.sink
        case.solicitor = self._case_solicitor(case, rng)
        opened = case.opened_on
        case.id = sink.add(
            lm.LegalCase,
            reference=f"LC-{n:06d}",
            family_id=case.family.id,
            solicitor_id=case.solicitor.user_id,
            legal_team_id=self.org.legal_team.id,
            opened_on=opened,
            closed_on=case.closed_on,
            created_at=self.recorded(rng, opened),
            version=1,
        )
        for kid in case.kids:
            sink.add(
                lm.LegalCaseChild,
                legal_case_id=case.id,
                child_id=kid.id,
                added_on=case.added_on.get(kid.id, opened),
            )
        for request in case.requests:
            self._write_request(case, request, rng)
        if case.plo is not None:
            self._write_plo(case, rng)
        if case.court is not None:
            self._write_court(case, rng)
        if case.closed_on is None:
            if case.plo is not None and case.plo.step_on is None:
                self.summary.open_pre_proceedings += 1
            if case.court is not None:
                self.summary.open_proceedings += 1

    def _texts(self, case: Case, day: date) -> dict[str, str]:
        fam = case.family
        kids = [k for k in case.kids if case.added_on.get(k.id, day) <= day + timedelta(days=7)] or case.kids
        names = self.names(kids)
        # The history as the lead child's record shows it up to the day.
        lead = case.kids[0]
        referrals = [s[1] for s in lead.spans if s[0] == "open" and s[1] <= day]
        first = min(referrals, default=day)
        plans = sum(1 for p in self.cp_plans.get(lead.id, ()) if p.start <= day)
        early_help = any(s[0] == "eh" and s[1] <= day for s in lead.spans)
        concerns = CONCERNS.get(case.category, CONCERNS[CAT.NEGLECT]).format(
            children=names,
            they="they" if len(kids) > 1 else "the child",
            mother=fam.mother_name.split(" ")[0] if fam.mother_name else "The mother",
            partner=fam.partner_name,
        )
        n_ref = max(1, len(referrals))
        history = (
            f"Known to children's services since {first.year}: {n_ref} referral{'s' if n_ref != 1 else ''}"
            + (f", {plans} child protection plan{'s' if plans != 1 else ''}" if plans else "")
            + (", and early help" if early_help else "")
            + "."
        )
        return {"names": names, "concerns": concerns, "history": history, "first_year": str(first.year)}

    def _write_request(self, case: Case, request: Request, rng: random.Random) -> None:
        sink = self.sink
        lead = case.kids[0]
        day = request.requested_on
        texts = self._texts(case, day)
        requester = (
            self.manager(lead, day) if request.route == Route.MANAGER_DIRECTION else self.worker(lead, day)
        )
        tried = "; ".join(rng.sample(TRIED, 3))
        request_id = sink.add(
            lm.GatewayRequest,
            legal_case_id=case.id,
            route=request.route,
            urgency=Urgency.URGENT if request.urgent else Urgency.ROUTINE,
            requested_on=day,
            requested_by_id=requester.user_id,
            concerns=texts["concerns"],
            history=texts["history"],
            tried=tried[0].upper() + tried[1:] + ".",
            question=QUESTIONS[request.question].format(child=lead.first_name or "the baby"),
            listed_for_id=self.meeting_ids.get(request.listed_for) if request.listed_for else None,
            withdrawn_on=request.withdrawn_on,
            withdrawn_reason="",
            recorded_at=self.recorded(rng, day),
            recorded_by_id=requester.user_id,
        )
        if request.decided_on is None:
            return
        meeting_id = self.meeting_ids[request.decided_on]
        decided = request.decided_on
        chair = self.chair_on[decided]
        for kid in case.kids:
            outcome = request.outcomes.get(kid.id)
            if outcome is None:
                continue
            request.decision_ids[kid.id] = sink.add(
                lm.PanelDecision,
                meeting_id=meeting_id,
                request_id=request_id,
                child_id=kid.id,
                decided_on=decided,
                outcome=outcome,
                rationale=RATIONALE[outcome],
                dissent=rng.choice(DISSENT)
                if outcome in (OUT.CONTINUE, OUT.PRE_PROCEEDINGS) and rng.random() < 0.08
                else "",
                recorded_at=self.recorded(rng, decided),
                recorded_by_id=chair.user_id,
            )
        lead_outcome = request.outcomes.get(lead.id) or next(iter(request.outcomes.values()))
        options = ACTIONS[lead_outcome]
        for action, who, days in rng.sample(options, rng.randint(1, min(3, len(options)))):
            owner = {
                "worker": self.worker(lead, decided),
                "manager": self.manager(lead, decided),
                "solicitor": case.solicitor,
            }[who]
            self.actions.append(
                {"meeting_id": meeting_id, "request_id": request_id, "kid": lead, "action": action,
                 "owner": owner, "set_on": decided, "due_on": self.wd.add(decided, days), "chair": chair}
            )  # fmt: skip

    def _write_actions(self) -> None:
        """Panel actions: the older ones done (a few late), the recent ones a mix of done, open and
        overdue."""
        rng = self.rng(8)
        self.actions.sort(key=lambda a: (a["set_on"], a["request_id"], a["action"]))
        for a in self.actions:
            set_on, due = a["set_on"], a["due_on"]
            if due >= self.today:
                done = (
                    set_on + timedelta(days=rng.randint(0, (self.last - set_on).days))
                    if rng.random() < 0.3
                    else None
                )
            elif (self.today - due).days <= 60 and rng.random() < 0.4:
                done = None  # overdue
            elif rng.random() < 0.88:
                done = set_on + timedelta(days=rng.randint(0, (due - set_on).days))
            else:
                done = due + timedelta(days=rng.randint(1, 40))  # late
            a["done"] = done if done is None or done <= self.last else None
        open_actions = [a for a in self.actions if a["done"] is None]
        if self.actions and not any(a["due_on"] < self.today for a in open_actions):
            late = [a for a in self.actions if a["due_on"] < self.today]
            if late:
                late[-1]["done"] = None
        for a in self.actions:
            kid, owner = a["kid"], a["owner"]
            if a["done"] is None:
                owner = self.still_here(owner, kid)
            self.sink.add(
                lm.PanelAction,
                meeting_id=a["meeting_id"],
                request_id=a["request_id"],
                child_id=kid.id,
                action=a["action"],
                owner_id=owner.user_id,
                set_on=a["set_on"],
                due_on=a["due_on"],
                done_on=a["done"],
                done_by_id=owner.user_id if a["done"] else None,
                done_note="Done." if a["done"] else "",
                recorded_at=self.recorded(rng, a["set_on"]),
                recorded_by_id=a["chair"].user_id,
            )

    # -- pre-proceedings and letters ------------------------------------------------------------------

    def _write_plo(self, case: Case, rng: random.Random) -> None:
        sink, wd, plo = self.sink, self.wd, case.plo
        lead = case.kids[0]
        start = plo.started_on
        stop = plo.step_on or self.today
        recipients = []
        seen = set()
        for kid in case.kids:
            for person_id, kind, lives in self.pr.get(kid.id, ()):
                if person_id not in seen:
                    seen.add(person_id)
                    recipients.append((person_id, kind, lives))
        # Letters: within 5 working days of the decision, a few late; the other parent's letter
        # usually goes the same day as the first.
        sends: list[date | None] = []
        for i in range(len(recipients)):
            late = rng.random() < self.rates.letter_late
            sent = wd.add(start, rng.randint(6, 15) if late else rng.randint(1, 5))
            if i > 0 and sends[0] is not None and rng.random() < 0.6:
                sent = sends[0]
            if plo.step_on is not None and sent > plo.step_on:
                sent = max(wd.on_or_before(plo.step_on), wd.add(start, 1))
            if sent > self.last:
                sent = None
            elif (
                plo.step_on is None
                and not (plo.demo and i == 0)
                and (self.today - start).days < 120
                and rng.random() < self.rates.letter_draft
            ):
                sent = None  # still a draft: a parent only just found, or the letter is being checked
            sends.append(sent)
        first_sent = min((d for d in sends if d), default=None)
        # The initial meeting within about 10 working days of the first letter, then reviews every
        # 4 to 6 weeks (now and then longer) until the step decision.
        meetings: list[tuple[str, date]] = []
        if first_sent is not None:
            day = wd.add(first_sent, rng.randint(3, 10) if rng.random() < 0.9 else rng.randint(11, 16))
            kind = Meeting.INITIAL
            while day < stop and day <= self.last:
                meetings.append((kind, day))
                kind = Meeting.REVIEW
                day = wd.on_or_before(day + timedelta(days=rng.randint(28, 42 if rng.random() < 0.9 else 56)))
        planned_meeting = meetings[0][1] if meetings else wd.add(first_sent or start, 8)
        # Family group decision-making: offered in the letter, mostly accepted, held before any
        # application (s31ZA), now and then not in time.
        fgdm_offered = first_sent if first_sent and rng.random() < self.rates.fgdm_offered else None
        accepted = held = None
        if fgdm_offered and (self.today - fgdm_offered).days > 14:
            accepted = rng.random() < self.rates.fgdm_accepted
            if accepted:
                held = wd.on_or_before(fgdm_offered + timedelta(days=rng.randint(21, 56)))
                if plo.outcome == PPO.ISSUE and held > plo.step_on:
                    held = wd.on_or_before(plo.step_on) if rng.random() < 0.85 else None
                if held is not None and held > self.last:
                    held = None
        plo.id = sink.add(
            lm.PreProceedings,
            legal_case_id=case.id,
            decision_id=plo.request.decision_ids.get(lead.id) if plo.request else None,
            started_on=start,
            fgdm_offered_on=fgdm_offered,
            fgdm_not_offered_reason=(
                "" if fgdm_offered or first_sent is None
                else "Domestic abuse: a family meeting with both parents present would not be safe for the mother."
            ),
            fgdm_accepted=accepted,
            fgdm_held_on=held,
            parents_legal_representation=(YNU.YES if first_sent and rng.random() < 0.85 else YNU.UNKNOWN if not meetings else YNU.NO),
            step_decision_on=plo.step_on,
            outcome=plo.outcome,
            outcome_reason={
                PPO.ISSUE: "Not enough change in the time the children can wait; the panel agreed to issue.",
                PPO.STEP_DOWN: "The parents made and kept the changes in the letter; step down to the child protection plan.",
                "": "",
            }[plo.outcome],
            recorded_at=self.recorded(rng, start),
            recorded_by_id=self.manager(lead, start).user_id,
        )  # fmt: skip
        meeting_ids = []
        for kind, day in meetings:
            chair = self.manager(lead, day)
            effective = rng.random() < 0.9
            meeting_ids.append(
                (day, chair, sink.add(
                    lm.PreProceedingsMeeting,
                    pre_proceedings_id=plo.id,
                    kind=kind,
                    held_on=day,
                    effective=effective,
                    parents_attended=effective and rng.random() < 0.88,
                    parents_solicitor_attended=effective and rng.random() < 0.75,
                    chair_id=chair.user_id,
                    notes=(
                        "The letter and the plan were explained; the parents agreed the assessments and the timescales."
                        if kind == Meeting.INITIAL
                        else "Progress against the plan reviewed with the parents and their solicitors."
                    ) if effective else "Did not go ahead: the father's solicitor could not attend. Rearranged.",
                    recorded_at=self.recorded(rng, day),
                    recorded_by_id=chair.user_id,
                ))
            )  # fmt: skip
        # The pre-proceedings plan, authorised at the initial meeting (and re-authorised at a review).
        if meeting_ids:
            versions = [meeting_ids[0]]
            if len(meeting_ids) > 2 and rng.random() < self.rates.plan_second_version:
                versions.append(meeting_ids[rng.randint(1, len(meeting_ids) - 1)])
            summary = "{name} is safe at home because the changes in the letter before proceedings are made and kept."
            for kid in case.kids:
                for day, chair, mid in versions:
                    if case.added_on.get(kid.id, start) <= day:
                        self._plan(kid, PlanKind.PRE_PROCEEDINGS_PLAN, day, chair, DecisionKind.PRE_PROCEEDINGS_MEETING,
                                   rng, summary, pre_proceedings_meeting_id=mid)  # fmt: skip
        texts = self._texts(case, start)
        for (person_id, kind, lives), sent in zip(recipients, sends, strict=True):
            self.letters.append(
                {"case": case, "plo": plo, "person": person_id, "kind": kind, "lives": lives, "sent": sent,
                 "meeting": planned_meeting, "fgdm": fgdm_offered is not None, "texts": texts, "several": len(recipients) > 1}
            )  # fmt: skip

    def _write_letters(self) -> None:
        rng = self.rng(9)
        # On the first run the demo shows a draft and a letter sent late: if chance gave none, the
        # second letter of the newest open pre-proceedings is still a draft (else the only letter of
        # one that is not the demo family's), and a second letter of a closed one went late.
        firsts = {id(x["plo"]): x for x in reversed(self.letters)}
        seconds = [x for x in self.letters if firsts[id(x["plo"])] is not x]
        if not any(x["sent"] is None for x in self.letters):
            open_ones = [x for x in seconds if x["plo"].step_on is None] or [
                x for x in self.letters if x["plo"].step_on is None and not x["plo"].demo
            ]
            if open_ones:
                open_ones[-1]["sent"] = None
        if not any(x["sent"] and self.wd.between(x["plo"].started_on, x["sent"]) > 5 for x in self.letters):
            for x in reversed(seconds):
                late = self.wd.add(x["plo"].started_on, rng.randint(6, 10))
                if x["sent"] and late <= min(x["plo"].step_on or self.last, self.last):
                    x["sent"] = late
                    break
        for x in self.letters:
            case, plo, texts, sent = x["case"], x["plo"], x["texts"], x["sent"]
            lead = case.kids[0]
            first, last, interpreter, language = self.people.get(x["person"], ("", "", False, "English"))
            worker = self.worker(lead, plo.started_on)
            sender = case.solicitor if rng.random() < 0.4 else self.manager(lead, sent or plo.started_on)
            draft = sent is None
            letter_id = self.sink.add(
                lm.LetterBeforeProceedings,
                pre_proceedings_id=plo.id,
                recipient_id=x["person"],
                status=lm.LetterBeforeProceedings.Status.DRAFT if draft else lm.LetterBeforeProceedings.Status.SENT,
                concerns=texts["concerns"],
                history=f"We have worked with your family since {texts['first_year']}. We have offered help, "
                "including family support, parenting work and a family group conference.",
                consequences="" if draft and rng.random() < 0.5 else (
                    f"If things do not change enough, the local authority may ask the family court for a care order. "
                    f"The court could decide that {texts['names']} should live away from you."
                ),
                meeting_at=at(x["meeting"], rng.choice([10, 14])),
                meeting_place=f"{TOWNS[case.family.key % len(TOWNS)]} Family Hub, meeting room 2",
                fgdm_offer=(
                    f"We would like to offer a family group decision-making meeting, so that your family and "
                    f"friends can help make a plan for {texts['names']}. Please tell us who could help."
                ) if x["fgdm"] or draft else "",
                contact_name=f"{worker.first_name} {worker.last_name}",
                contact_phone=f"01632 {rng.randint(900000, 999999)}",
                language=language if interpreter and language != "English" else "",
                separate_letter_reason=(
                    "Domestic abuse: each parent gets their own letter and meeting."
                    if case.category == CAT.EMOTIONAL and x["several"] else ""
                ),
                sent_on=sent,
                sent_by_id=None if draft else sender.user_id,
                readability=None if draft else round(rng.uniform(55, 75), 1),
                recorded_at=self.recorded(rng, sent or plo.started_on),
                recorded_by_id=worker.user_id,
            )  # fmt: skip
            who = f"{first} {last}".strip() or "You"
            by_base = sent or plo.started_on
            for order, what in enumerate(
                rng.sample(CHANGES.get(case.category, CHANGES[CAT.NEGLECT]), 2 if draft else 3)
            ):
                self.sink.add(lm.LetterChange, letter_id=letter_id, who=who, order=order,
                              what=what.format(partner=case.family.partner_name),
                              by_when=by_base + timedelta(weeks=rng.randint(6, 12)))  # fmt: skip
            if draft and rng.random() < 0.5:
                continue  # a draft without the support yet: the checklist shows it
            for order, (what, by, how_long, assessment, why) in enumerate(
                rng.sample(SUPPORT, rng.randint(2, 3))
            ):
                self.sink.add(lm.LetterSupport, letter_id=letter_id, what=what, who=by, order=order,
                              starts_on=self.wd.add(by_base, rng.randint(5, 15)), how_long=how_long,
                              is_assessment=assessment, why=why)  # fmt: skip

    # -- care proceedings ----------------------------------------------------------------------------

    def _write_court(self, case: Case, rng: random.Random) -> None:
        sink, court = self.sink, case.court
        lead = case.kids[0]
        issued = court.issued_on
        concluded = court.concluded_on
        emergency = court.route == "emergency"
        year = (issued or court.decided_on).year % 100
        case_number = f"NX{year:02d}C{(case.id * 37 + 101) % 100000:05d}" if issued else ""
        proceedings_id = sink.add(
            lm.CareProceedings,
            legal_case_id=case.id,
            pre_proceedings_id=case.plo.id if case.plo else None,
            application=court.application,
            decided_on=court.decided_on,
            issued_on=issued,
            court=f"Family Court at {TOWNS[case.family.key % 2]}",
            case_number=case_number,
            short_notice=emergency,
            short_notice_reason=codes.ShortNoticeReason.EPO_CRITERIA if emergency else "",
            letter_to_initiate_sent_on=min(issued + timedelta(days=rng.randint(0, 2)), self.last) if issued else None,
            parents_legal_representation=YNU.YES if issued and rng.random() < 0.9 else YNU.UNKNOWN,
            issued_without_documents_reason=(
                "Urgent: the children were at immediate risk; the statement and assessments followed within days."
                if emergency else ""
            ),
            concluded_on=concluded,
            recorded_at=self.recorded(rng, court.decided_on),
            recorded_by_id=case.solicitor.user_id,
        )  # fmt: skip
        # The documents the application needs (PD12A annex).
        manager = self.manager(lead, court.decided_on)
        for kind in Doc.values:
            if issued is None:
                ready = court.decided_on + timedelta(days=rng.randint(0, 3)) if rng.random() < 0.5 else None
                ready = ready if ready and ready <= self.last else None
            elif emergency and kind in (Doc.STATEMENT, Doc.ASSESSMENTS, Doc.CARE_PLAN, Doc.INDEX):
                ready = min(issued + timedelta(days=rng.randint(1, 8)), self.last)
            else:
                ready = max(court.decided_on, issued - timedelta(days=rng.randint(0, 5)))
            if kind == Doc.LETTERS and case.plo is None:
                ready = None
            sink.add(
                lm.ApplicationDocument,
                proceedings_id=proceedings_id,
                kind=kind,
                ready_on=ready,
                confirmed_by_id=(case.solicitor if kind == Doc.INDEX else manager).user_id if ready else None,
                note="No letters: the application was urgent."
                if kind == Doc.LETTERS and case.plo is None
                else "",
            )
        for m in court.members:
            at_home = m.ico_on is None
            final_plan, final_order = "", ""
            if m.final_on is not None:
                final_plan, final_order = {
                    "E1": (CCP.ADOPTION, FO.PLACEMENT_ORDER),
                    "C2": (CCP.CARE_ORDER, FO.CARE_ORDER),
                    "C2home": (CCP.CARE_ORDER_AT_HOME, FO.CARE_ORDER_AT_HOME),
                    "sgo": (CCP.SGO, FO.SGO),
                    "cao": (CCP.PRIVATE_LAW, FO.CHILD_ARRANGEMENTS),
                    "home": (CCP.SUPERVISION_ORDER, FO.SUPERVISION_ORDER) if rng.random() < 0.6 else (CCP.OTHER, FO.NO_ORDER),
                    "none": (CCP.OTHER, FO.WITHDRAWN),
                }[m.final_kind]  # fmt: skip
            elif issued is not None:
                final_plan = CCP.NOT_YET_FINAL
            sink.add(
                lm.ProceedingsChild,
                proceedings_id=proceedings_id,
                child_id=m.kid.id,
                initial_care_plan=(CCP.SUPERVISION_ORDER if at_home else CCP.CARE_ORDER) if issued else "",
                initial_plan_approved=(YNU.YES if rng.random() < 0.9 else YNU.NO) if issued else YNU.UNKNOWN,
                final_care_plan=final_plan,
                final_plan_approved=YNU.YES if final_order else YNU.UNKNOWN,
                final_order=final_order,
                final_order_on=m.final_on if final_order else None,
                version=1,
            )
        if issued is None:
            return
        # Hearings: an urgent hearing for the interim order, the CMH on day 12-18, sometimes a further
        # CMH, the IRH around week 20, the final hearing; extensions of up to 8 weeks each beyond 26.
        hearings: list[tuple[str, date, str]] = []
        icos = sorted(m.ico_on for m in court.members if m.ico_on is not None and m.ico_on >= issued)
        if icos and icos[0] < issued + timedelta(days=11):
            hearings.append((Hearing.URGENT, icos[0], "Interim care order made."))
        cmh = issued + timedelta(days=rng.randint(11, 17) if rng.random() < 0.9 else rng.randint(18, 24))
        hearings.append((Hearing.CMH, cmh, "Timetable for the child set; assessments directed."))
        if rng.random() < 0.15:
            hearings.append(
                (Hearing.FCMH, issued + timedelta(days=rng.randint(19, 24)), "Further directions.")
            )
        finals = sorted({m.final_on for m in court.members if m.final_on})
        end = concluded or max([issued + CP26] + finals)
        irh = issued + timedelta(weeks=rng.randint(19, 21))
        if irh < end - timedelta(days=10):
            hearings.append((Hearing.IRH, irh, "Issues narrowed; final hearing listed."))
        for day in finals:
            hearings.append((Hearing.FINAL, day, "Final orders made."))
        if concluded is None:
            hearings.append(
                (Hearing.FINAL, max(end, self.today + timedelta(days=rng.randint(14, 60))), "Listed.")
            )
        seen = set()
        for kind, day, notes in sorted(hearings, key=lambda h: h[1]):
            if kind != Hearing.FINAL:
                day = self.wd.on_or_after(day)
            if (kind, day) in seen:
                continue
            seen.add((kind, day))
            happened = day <= self.last
            sink.add(
                lm.Hearing,
                proceedings_id=proceedings_id,
                kind=kind,
                held_on=day,
                effective=(rng.random() < 0.92 or kind == Hearing.FINAL) if happened else None,
                notes=notes if happened else "Listed.",
                recorded_at=self.recorded(rng, day if happened else issued),
                recorded_by_id=case.solicitor.user_id,
            )
        # Extensions: enough to reach the final hearing (or today, for open proceedings past 26 weeks).
        target = concluded or (self.today + timedelta(weeks=4) if issued + CP26 < self.today else None)
        deadline = issued + CP26 - timedelta(days=1)
        while target is not None and target > deadline:
            weeks = min(8, max(1, math.ceil((target - deadline).days / 7)))
            granted = max(issued + timedelta(days=14), deadline - timedelta(days=rng.randint(3, 20)))
            if granted > self.last:
                break
            sink.add(
                lm.Extension,
                proceedings_id=proceedings_id,
                granted_on=granted,
                weeks=weeks,
                reason=rng.choice(EXTENSION_REASONS),
                recorded_at=self.recorded(rng, granted),
                recorded_by_id=case.solicitor.user_id,
            )
            deadline += timedelta(weeks=weeks)

    # -- section 20 ----------------------------------------------------------------------------------

    def write_section_20(self) -> None:
        """One consent per person with parental responsibility for each section 20 accommodation."""
        rng = self.rng(10)
        sink = self.sink
        planted = {
            row.record_id
            for row in self.planted.rows
            if row.kind == "s20_without_consent" and row.origin == "planted"
        }
        gaps = ["unsigned", "capacity", "manager", "in_writing", "remove", "legal_advice", "after"]
        runs = []
        for fam in self.journeys.families:
            for kid in fam.kids:
                for period in self.periods.get(kid.id, ()):
                    for start, end, eps in self._s20_runs(period):
                        runs.append((kid, start, end, eps))
        # Accommodations meant to stay without consent (the planted file) and unaccompanied children
        # (no one in the country holds parental responsibility) get no consent record.
        consented = [r for r in runs if not r[0].family.uasc and not any(e.id in planted for e in r[3])]
        ended_home = [r for r in consented if r[2] is not None and r[3][-1].rec in HOME_ENDINGS]
        withdrawn = {id(r) for r in ended_home if rng.random() < self.rates.consent_withdrawn}
        if ended_home and not withdrawn:
            withdrawn.add(id(ended_home[-1]))
        open_runs = [r for r in runs if r[2] is None]
        for run in consented:
            kid, start, end, eps = run
            worker = self.worker(kid, start)
            manager = self.manager(kid, start)
            for i, (person_id, _kind, lives) in enumerate(self.pr.get(kid.id, ())):
                if i > 0 and not lives and rng.random() < self.rates.consent_missing_absent_father:
                    continue  # not asked: a gap the register shows for the child
                _first, _last, interpreter, _language = self.people.get(person_id, ("", "", False, ""))
                missing = (
                    set(rng.sample(gaps, rng.randint(1, 2)))
                    if rng.random() < self.rates.consent_gap
                    else set()
                )
                if start + timedelta(days=1) > self.last:
                    missing.discard("after")
                if "after" in missing:
                    given = at(start + timedelta(days=1), rng.randint(9, 12), rng.randint(0, 59))
                else:
                    given = at(start, rng.randint(8, 15), rng.randint(0, 59))
                baby = kid.dob is not None and (start - kid.dob).days < 28
                sink.add(
                    lm.Section20Consent,
                    child_id=kid.id,
                    episode_id=eps[0].id,
                    person_id=person_id,
                    given_at=given,
                    child_named=True,
                    voluntary_explained=True,
                    right_to_object_explained=True,
                    right_to_remove_explained="remove" not in missing,
                    told_orally=True,
                    told_in_writing="in_writing" not in missing,
                    told_before_accommodation="after" not in missing,
                    capacity="" if "capacity" in missing else Capacity.HAS_CAPACITY,
                    capacity_assessed_by="" if "capacity" in missing else f"{worker.first_name} {worker.last_name}",
                    circumstances=(
                        f"Consent given {(start - kid.dob).days} days after the birth, in hospital; no medication affecting understanding."
                        if baby else ""
                    ),
                    legal_advice_offered="legal_advice" not in missing,
                    solicitor_involved="legal_advice" not in missing and rng.random() < 0.3,
                    needs_translation=interpreter,
                    translated_version_signed=interpreter and "unsigned" not in missing,
                    alternatives_considered=(
                        "Family and friends were asked; none could care for the child now. A court order is not "
                        "needed while the parents agree and the plan is a return home."
                    ),
                    signed_by_person="unsigned" not in missing,
                    signed_by_social_worker=True,
                    authorised_by_id=None if "manager" in missing else manager.user_id,
                    authorised_on=None if "manager" in missing else self.wd.add(start, rng.randint(0, 2)),
                    withdrawn_at=(
                        max(at(end, rng.randint(9, 16)), given + timedelta(hours=1))
                        if id(run) in withdrawn and i == 0
                        else None
                    ),
                    recorded_at=self.recorded(rng, given.date()),
                    recorded_by_id=worker.user_id,
                )  # fmt: skip
        # A review of every section 20 case open today, started by the head of children in care.
        if open_runs:
            head = self.org.service_heads["care"]
            started = self.wd.on_or_before(self.today - timedelta(days=rng.randint(14, 28)))
            review_id = sink.add(
                lm.Section20Review,
                title=f"Review of every child accommodated under section 20 ({started:%B %Y})",
                started_on=started,
                due_on=self.wd.add(started, 20),
                started_by_id=head.user_id,
                created_at=self.recorded(rng, started),
            )
            for kid, start, _end, eps in open_runs:
                if start > started:
                    continue
                reviewed = rng.random() < 0.6
                manager = self.manager(kid, started)
                sink.add(
                    lm.Section20ReviewCase,
                    review_id=review_id,
                    child_id=kid.id,
                    episode_id=eps[0].id,
                    reviewer_id=manager.user_id,
                    reviewed_on=self.wd.add(started, rng.randint(1, 8)) if reviewed else None,
                    finding=pick(rng, {Finding.APPROPRIATE: 0.5, Finding.FIX_CONSENT: 0.3, Finding.LEGAL_PLANNING: 0.15, Finding.RETURN_HOME: 0.05}) if reviewed else "",
                    notes="Consent file checked with the social worker." if reviewed else "",
                    version=1,
                )  # fmt: skip

    # -- police protection ---------------------------------------------------------------------------

    def write_police_protection(self) -> None:
        rng = self.rng(11)
        taken: list[tuple[Kid, datetime, datetime | None, str, bool]] = []
        for fam in self.journeys.families:
            for kid in fam.kids:
                for period in self.periods.get(kid.id, ()):
                    for n, ep in enumerate(period.eps):
                        if ep.ls != LS.POLICE_PROTECTION or ep.pp_at is None:
                            continue
                        ended = outcome = None
                        if ep.end is not None and ep.end <= self.last:
                            ended = min(at(ep.end, rng.randint(9, 17)), ep.pp_at + timedelta(hours=71))
                            ended = max(ended, ep.pp_at + timedelta(hours=2))
                            nxt = period.eps[n + 1].ls if n + 1 < len(period.eps) else ""
                            outcome = {LS.SECTION_20: PPOutcome.SECTION_20, LS.EPO: PPOutcome.EPO, LS.ICO: PPOutcome.ICO}.get(
                                nxt, PPOutcome.RETURNED_HOME if ep.rec in HOME_ENDINGS else PPOutcome.OTHER
                            )  # fmt: skip
                        taken.append((kid, ep.pp_at, ended, outcome or "", True))
        # Children taken into police protection and returned home the same night: from police
        # referrals that went to a strategy discussion, so the journey shows the night.
        rows = list(
            jm.StrategyDiscussion.objects.filter(
                referral__source=codes.ReferralSource.POLICE, held_at__date__gte=self.history_start
            )
            .order_by("held_at", "id")
            .values_list("child_id", "referral__contact__received_at", "held_at")
        )
        candidates = [
            (self.kids[c], received)
            for c, received, _held in rows
            if received is not None
            and self.kids[c].born_by(received.date())
            and self.kids[c].age_on(received.date()) < 16
        ]
        want = max(2, round(len(candidates) * self.rates.police_protection_not_accommodated))
        chosen = rng.sample(candidates, min(want, len(candidates)))
        recent = [c for c in candidates if c[1].date() >= self.today - timedelta(days=60)]
        if recent and not any(c in recent for c in chosen):
            chosen.append(recent[-1])
        for kid, received in chosen:
            taken_at = received - timedelta(hours=rng.randint(1, 4), minutes=rng.randint(0, 59))
            ended = taken_at + timedelta(hours=rng.randint(3, 18))
            outcome = PPOutcome.RETURNED_HOME if rng.random() < 0.7 else PPOutcome.FAMILY_OR_FRIENDS
            taken.append(
                (
                    kid,
                    taken_at,
                    ended if ended <= self.cutoff else None,
                    outcome if ended <= self.cutoff else "",
                    False,
                )
            )
        taken.sort(key=lambda t: (t[1], t[0].id))
        ids = {k.id for k, *_ in taken}
        contacts = defaultdict(list)
        for child_id, received in self._chunked(jm.Contact.objects.all(), ids, "child_id", "received_at"):
            contacts[child_id].append(received)
        referrals = defaultdict(list)
        for child_id, day in self._chunked(jm.Referral.objects.all(), ids, "child_id", "referral_date"):
            referrals[child_id].append(day)
        force = f"{self.county} Police"
        pools = self.journeys.pools
        reviews = []
        for kid, taken_at, ended, outcome, accommodated in taken:
            day = timezone.localtime(taken_at).date()
            pp_id = self.sink.add(
                lm.PoliceProtection,
                child_id=kid.id,
                taken_at=taken_at,
                officer=f"PC {rng.choice(pools.male + pools.female)} {rng.choice(pools.surnames)} ({rng.randint(1000, 9999)})",
                force=force,
                designated_officer=f"Inspector {rng.choice(pools.female)} {rng.choice(pools.surnames)}",
                circumstances=rng.choice(CIRCUMSTANCES).format(child=kid.first_name or "the baby"),
                where_accommodated=(
                    "Emergency foster placement found by the out-of-hours team" if accommodated
                    else "At the police station, then home"
                ),
                la_notified_at=taken_at + timedelta(minutes=rng.randint(20, 150)),
                ended_at=ended,
                outcome=outcome,
                recorded_at=min(max(taken_at + timedelta(minutes=30), self.recorded(rng, day)), self.cutoff),
                recorded_by_id=None,
            )  # fmt: skip
            # The management review, with what the record showed when the child was taken.
            opened = self.wd.on_or_after(day)
            due = self.wd.add(opened, 10)
            before = taken_at - timedelta(days=365)
            status = ChildStatus.CLOSED
            for flag, value in (
                ("cla", ChildStatus.LOOKED_AFTER),
                ("cp", ChildStatus.CHILD_PROTECTION),
                ("cin", ChildStatus.CHILD_IN_NEED),
                ("eh", ChildStatus.EARLY_HELP),
            ):
                if any(s[0] == flag and s[1] < day and (s[2] is None or s[2] >= day) for s in kid.spans):
                    status = value
                    break
            completed = None
            if due < self.today - timedelta(days=30) or (due < self.today and rng.random() < 0.5):
                completed = min(self.last, self.wd.add(opened, rng.randint(4, 14)))
            reviews.append(
                {
                    "police_protection_id": pp_id,
                    "opened_on": opened,
                    "due_on": due,
                    "reviewer_id": self.manager(kid, opened).user_id,
                    "was_open": any(
                        s[0] == "open" and s[1] < day and (s[2] is None or s[2] >= day) for s in kid.spans
                    ),
                    "status_when_taken": status,
                    "contacts_before": sum(1 for r in contacts[kid.id] if before <= r < taken_at),
                    "referrals_before": sum(1 for r in referrals[kid.id] if before.date() <= r < day),
                    "completed_on": completed,
                }
            )
        # Some reviews overdue on the first run: the latest one past its due date, if none is.
        late = [r for r in reviews if r["due_on"] < self.today]
        if late and all(r["completed_on"] for r in late):
            late[-1]["completed_on"] = None
        for review in reviews:
            judgement = (
                pick(rng, self.rates.police_review_could_have_acted_earlier) if review["completed_on"] else ""
            )
            findings, learning = REVIEW_FINDINGS[judgement] if judgement else ("", "")
            self.sink.add(
                lm.PoliceProtectionReview,
                could_have_acted_earlier=judgement,
                findings=findings,
                learning=learning,
                version=1,
                **review,
            )

    # -- permanence and authorised plans -------------------------------------------------------------

    def _plan(
        self, kid: Kid, kind: str, day: date, by: Holder, decision: str, rng, summary: str, **decision_fk
    ) -> None:
        """A version of the child's plan of this kind, authorised by the decision named."""
        number = self.plan_numbers[(kid.id, kind)] = self.plan_numbers.get((kid.id, kind), 0) + 1
        name = kid.first_name or "The baby"
        worker = self.worker(kid, day)
        self.sink.add(
            lm.AuthorisedPlan,
            child_id=kid.id,
            kind=kind,
            number=number,
            summary=summary.format(name=name),
            actions=[
                {
                    "what": "Visit and see the child on their own",
                    "who": f"{worker.first_name} {worker.last_name}",
                    "by_when": (day + timedelta(days=14)).isoformat(),
                },
                {
                    "what": "Review the plan with the family",
                    "who": "Team manager",
                    "by_when": (day + timedelta(days=rng.randint(42, 90))).isoformat(),
                },
            ],  # fmt: skip
            contingency="If the plan does not work, the local authority will return to the legal gateway panel.",
            decision_kind=decision,
            decision_summary=(
                "Plan agreed."
                if number == 1
                else "Plan updated: progress reviewed and the next steps agreed."
            ),
            authorised_by_id=by.user_id,
            authorised_on=day,
            change_summary="" if number == 1 else "Updated actions and timescales after the review.",
            recorded_at=self.recorded(rng, day),
            recorded_by_id=by.user_id,
            **decision_fk,
        )

    def write_permanence_and_plans(self) -> None:
        rng = self.rng(12)
        wanted = []
        for fam in self.journeys.families:
            for kid in fam.kids:
                periods = self.periods.get(kid.id)
                if not periods:
                    continue
                period = periods[-1]
                end = period.end
                if end is None or (
                    end >= self.history_start
                    and (
                        period.eps[-1].rec in ADOPTED | SGO_ENDINGS
                        or period.eps[-1].rec == REC.CHILD_ARRANGEMENTS
                    )
                ):
                    wanted.append((kid, period))
        reviews = defaultdict(list)
        for rid, child_id, held, chair_id in self._chunked(
            jm.LookedAfterReview.objects.all(),
            [k.id for k, _ in wanted],
            "id",
            "child_id",
            "held_on",
            "chaired_by_id",
        ):
            reviews[child_id].append((held, rid, chair_id))
        for rows in reviews.values():
            rows.sort()
        for kid, period in wanted:
            self._permanence(kid, period, [r for r in reviews[kid.id] if r[0] >= period.start], rng)
        # The child protection plans in force today, authorised at the initial conference.
        open_plans = [p for plans in self.cp_plans.values() for p in plans[-1:] if p.end is None]
        conferences = defaultdict(list)
        for cid, child_id, held, kind, chair_id in self._chunked(
            jm.ChildProtectionConference.objects.all(), [p.kid.id for p in open_plans], "id", "child_id", "held_on", "kind", "chair_id"
        ):  # fmt: skip
            conferences[child_id].append((held, cid, kind, chair_id))
        for plan in sorted(open_plans, key=lambda p: p.id):
            kid = plan.kid
            rows = sorted(c for c in conferences[kid.id] if c[0] >= plan.start)
            icpc = next((c for c in rows if c[1] == plan.icpc_id), rows[0] if rows else None)
            if icpc is None:
                continue
            summary = "{name} is safe and well cared for at home, and the concerns that led to the plan are resolved."
            chair = self.holders.get(icpc[3]) or self.manager(kid, icpc[0])
            self._plan(
                kid,
                PlanKind.CP_PLAN,
                icpc[0],
                chair,
                DecisionKind.CONFERENCE,
                rng,
                summary,
                conference_id=icpc[1],
            )
            later = [c for c in rows if c[0] > icpc[0] and c[2] == jm.ChildProtectionConference.Kind.REVIEW]
            if later and rng.random() < self.rates.plan_second_version:
                c = later[-1]
                chair = self.holders.get(c[3]) or self.manager(kid, c[0])
                self._plan(
                    kid,
                    PlanKind.CP_PLAN,
                    c[0],
                    chair,
                    DecisionKind.CONFERENCE,
                    rng,
                    summary,
                    conference_id=c[1],
                )

    def _permanence(self, kid: Kid, period: Period, reviews: list, rng: random.Random) -> None:
        eps = period.eps
        current = eps[-1]
        start = period.start
        age = kid.age_on(start)
        under_two = 0 <= age < 2
        is_open = period.end is None
        ls_seen = {e.ls for e in eps}
        placed = next((e.start for e in eps if e.place in ADOPTION_PLACEMENTS), None)
        placement_order = next((e.start for e in eps if e.ls == LS.PLACEMENT_ORDER), None)
        if not is_open:
            plan = PERM.ADOPTION if current.rec in ADOPTED else PERM.SGO_CAO
        elif placement_order or placed:
            plan = PERM.ADOPTION
        elif current.ls == LS.FULL_CARE_ORDER:
            if current.place == PT.P1:
                plan = PERM.RETURN_HOME
            elif current.place in (PT.K2, PT.R1):
                plan = PERM.LONG_TERM_RESIDENTIAL
            elif kid.age_on(self.today) >= 16 and current.place in (PT.K3, PT.H5, PT.P2):
                plan = PERM.SUPPORTED_LIVING
            else:
                plan = PERM.LONG_TERM_FOSTERING
        elif current.ls == LS.ICO:
            young = kid.age_on(self.today) < 5
            plan = pick(
                rng,
                {
                    PERM.RETURN_HOME: 0.5,
                    PERM.ADOPTION if young else PERM.LONG_TERM_FOSTERING: 0.3,
                    PERM.SGO_CAO: 0.2,
                },
            )
        elif current.ls == LS.SECTION_20:
            if kid.family.uasc or kid.age_on(self.today) >= 16:
                plan = pick(rng, {PERM.SUPPORTED_LIVING: 0.6, PERM.LONG_TERM_FOSTERING: 0.4})
            else:
                plan = pick(rng, {PERM.RETURN_HOME: 0.7, PERM.LONG_TERM_FOSTERING: 0.3})
        else:
            plan = PERM.RETURN_HOME
        # The plan by the second looked-after review (rules.md 6.4).
        plan_on = reviews[1][0] if len(reviews) > 1 else (reviews[0][0] if reviews else None)
        if plan_on is None:
            plan = ""
        # Twin-track: return home alongside adoption for the youngest, alongside family or
        # long-term care for older children.
        parallel = parallel_on = None
        first_review = reviews[0][0] if reviews else None
        if first_review and rng.random() < (
            self.rates.parallel_plan_under_two if under_two else self.rates.parallel_plan_older
        ):
            if plan == PERM.ADOPTION:
                parallel = PERM.RETURN_HOME
            elif plan in (PERM.RETURN_HOME, ""):
                parallel = PERM.ADOPTION if under_two else PERM.SGO_CAO
            elif plan == PERM.SGO_CAO:
                parallel = PERM.ADOPTION if under_two else PERM.LONG_TERM_FOSTERING
            else:
                parallel = PERM.SGO_CAO
            parallel_on = first_review
        considered = fostering = concurrent = None
        early_placement = next((e.start for e in eps if e.place == PT.U5), None)
        in_court = LS.ICO in ls_seen or LS.PLACEMENT_ORDER in ls_seen
        if (
            under_two
            and in_court
            and (early_placement or rng.random() < self.rates.early_permanence_considered_under_two)
        ):
            ico = next(e.start for e in eps if e.ls in (LS.ICO, LS.PLACEMENT_ORDER))
            considered = min(self.last, ico + timedelta(days=rng.randint(7, 30)))
            fostering = Considered.YES if early_placement else Considered.NO
            concurrent = Considered.YES if rng.random() < 0.1 else Considered.NO
        adm = order = matched = adopted = None
        if plan == PERM.ADOPTION:
            order = placement_order
            if order:
                adm = order - timedelta(days=rng.randint(14, 60))
            if placed:
                matched = max(order or placed, placed - timedelta(days=rng.randint(14, 45)))
            if current.rec in ADOPTED:
                adopted = period.end
        recorded = plan_on or first_review or start
        self.sink.add(
            lm.PermanenceRecord,
            child_id=kid.id,
            plan=plan,
            plan_recorded_on=plan_on if plan else None,
            parallel_plan=parallel or "",
            parallel_plan_recorded_on=parallel_on,
            early_permanence_considered_on=considered,
            fostering_for_adoption=fostering or "",
            concurrent_planning=concurrent or "",
            consideration_notes=(
                "Fostering for Adoption considered at the case management hearing stage; "
                + ("the baby was placed with carers approved as adopters." if fostering == Considered.YES else "no suitable carers were available.")
            ) if considered else "",
            should_be_placed_for_adoption_on=adm,
            placement_order_on=order,
            matched_on=matched,
            early_permanence_placement_on=early_placement if plan == PERM.ADOPTION else None,
            placed_for_adoption_on=placed,
            adoption_order_on=adopted,
            recorded_at=self.recorded(rng, recorded),
            recorded_by_id=self.worker(kid, recorded).user_id,
        )  # fmt: skip
        # The care plan in force: authorised at the first review (by the reviewing officer), and
        # re-authorised at a later one for some; a manager authorises it before the first review.
        if not is_open:
            return
        summary = PLAN_SUMMARY.get(plan or PERM.OTHER, PLAN_SUMMARY[PERM.OTHER])
        if reviews:
            held, rid, chair_id = reviews[0]
            chair = self.holders.get(chair_id) or self.manager(kid, held)
            self._plan(
                kid, PlanKind.CARE_PLAN, held, chair, DecisionKind.CLA_REVIEW, rng, summary, cla_review_id=rid
            )
            if len(reviews) > 1 and rng.random() < self.rates.plan_second_version:
                held, rid, chair_id = reviews[-1]
                chair = self.holders.get(chair_id) or self.manager(kid, held)
                self._plan(
                    kid,
                    PlanKind.CARE_PLAN,
                    held,
                    chair,
                    DecisionKind.CLA_REVIEW,
                    rng,
                    summary,
                    cla_review_id=rid,
                )
        else:
            self._plan(
                kid, PlanKind.CARE_PLAN, start, self.manager(kid, start), DecisionKind.MANAGER, rng, summary
            )

    # -- solicitors for the children in open cases --------------------------------------------------

    def write_solicitor_allocations(self) -> None:
        """The case solicitor is allocated to each child in open pre-proceedings or proceedings
        (their scope is allocated children), unless the journey already allocated one."""
        rng = self.rng(13)
        for case in self.cases:
            if case.closed_on is not None or (case.plo is None and case.court is None):
                continue
            start = case.opened_on
            solicitor = case.solicitor
            if not solicitor.active_on(self.last):
                continue
            for kid in case.kids:
                rows = self.solicitor_allocs.get(kid.id, ())
                if any(end is None or end > start for _s, end, _w in rows):
                    continue
                self.sink.add(
                    pm.Allocation,
                    child_id=kid.id,
                    worker_id=solicitor.user_id,
                    team_id=self.org.legal_team.id,
                    kind=AK.SOLICITOR,
                    started_on=max(start, solicitor.started_on),
                    ended_on=None,
                    end_reason="",
                    recorded_at=self.journeys.recorded(rng, max(start, solicitor.started_on)),
                    recorded_by_id=None,
                )
