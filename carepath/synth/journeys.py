"""Families, children and their journeys through children's social care.

Each family is simulated on its own Random (seeded from the authority seed and the family's
index), from its first contact to `today`: contacts and front-door decisions, early help,
referrals (CIN episodes), assessments, strategy discussions and section 47 enquiries, child
protection conferences and plans, child in need plans, periods of care as SSDA903 episodes,
looked-after reviews and missing episodes. Siblings drawn into the same contact share its dates
and decisions; each child gets their own records.

The journey model keeps every child's records within the DfE integrity rules (rules.md 1.16 and
9.2) by construction. Statutory timescales are met except where a failure is planted
(planted.py), so that the planted file is the whole truth about those failures.

What the later phases need is kept on each child: the social worker's teams over time (for the
allocation simulation), and the spans of assessment, plans and care (for visits and case notes).
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from carepath.core import codes
from carepath.core.bulk import Sink
from carepath.core.permissions import Role
from carepath.journey import models as jm
from carepath.people import models as pm
from carepath.people.models import ChildStatus

from .calendar import WorkingDays
from .organisation import LONDON, Holder, Organisation, TeamInfo
from .planted import PlantedFailures
from .pools import (
    ATTENDEES,
    CONTACT_SUMMARIES,
    EARLY_HELP_ORGANISATIONS,
    HOME_POSTCODE_AREA,
    LANGUAGES,
    PLAN_ACTIONS,
    PLAN_OUTCOMES,
    WRITTEN_AGREEMENT_TERMS,
    NamePools,
)
from .rates import Rates

Kind = pm.Team.Kind
AK = pm.Allocation.Kind
ER = pm.Allocation.EndReason
LS = codes.LegalStatus
PT = codes.PlacementType
PP = codes.PlacementProvider
PCR = codes.PlacementChangeReason
REC = codes.ReasonEpisodeCeased
RNE = codes.ReasonNewEpisode
CR = codes.ClosureReason
NEED = codes.PrimaryNeed
ETH = codes.Ethnicity
DIS = codes.Disability
RP = codes.ReviewParticipation

ETHNICITY = {
    ETH.WBRI: 0.62,
    ETH.WOTH: 0.06,
    ETH.MWBC: 0.03,
    ETH.MWBA: 0.015,
    ETH.MWAS: 0.015,
    ETH.MOTH: 0.03,
    ETH.AIND: 0.015,
    ETH.APKN: 0.04,
    ETH.ABAN: 0.015,
    ETH.AOTH: 0.02,
    ETH.BCRB: 0.015,
    ETH.BAFR: 0.04,
    ETH.BOTH: 0.01,
    ETH.CHNE: 0.003,
    ETH.OOTH: 0.03,
    ETH.WIRT: 0.005,
    ETH.WROM: 0.005,
    ETH.WIRI: 0.003,
    ETH.REFU: 0.01,
    ETH.NOBT: 0.02,
}
DISABILITY_CODES = [
    DIS.AUT,
    DIS.LD,
    DIS.COMM,
    DIS.BEH,
    DIS.MOB,
    DIS.HEAR,
    DIS.VIS,
    DIS.PC,
    DIS.HAND,
    DIS.INC,
    DIS.CON,
    DIS.DDA,
]
FACTORS_BY_NEED = {
    NEED.ABUSE_OR_NEGLECT: ["16A", "17A", "3B", "4B", "2B", "1B", "18B", "3A", "19B"],
    NEED.DISABILITY: ["6A", "5A", "4A"],
    NEED.PARENTAL_ILLNESS: ["4B", "6B", "5B", "7A"],
    NEED.ACUTE_STRESS: ["4B", "3B", "2B", "20"],
    NEED.DYSFUNCTION: ["3B", "3A", "17A", "1B", "2B"],
    NEED.BEHAVIOUR: ["14A", "24A", "13A", "10A", "2A"],
    NEED.LOW_INCOME: ["20", "16A"],
    NEED.ABSENT_PARENTING: ["9A", "20"],
    NEED.NOT_STATED: ["20"],
}
TEEN_FACTORS = ["10A", "11A", "24A", "13A", "14A", "15A", "4A", "2A"]
# Assessment factor codes have no enumeration in core.codes, only its dictionary: check them there.
assert {f for pool in FACTORS_BY_NEED.values() for f in pool} | set(TEEN_FACTORS) <= set(
    codes.ASSESSMENT_FACTORS
)
REVIEW_CODES = {
    RP.PN1: 0.55,
    RP.PN2: 0.08,
    RP.PN3: 0.03,
    RP.PN4: 0.05,
    RP.PN5: 0.05,
    RP.PN6: 0.15,
    RP.PN7: 0.09,
}
PLACEMENT_CHANGE_REASONS = {
    PCR.CARE_PLAN: 0.35,
    PCR.CARER_BEHAVIOUR: 0.15,
    PCR.CARER_OTHER: 0.10,
    PCR.CHILD_REQUEST: 0.08,
    PCR.STANDARDS: 0.04,
    PCR.ALLEGATION: 0.02,
    PCR.CLOSURE: 0.03,
    PCR.LA_REQUEST: 0.05,
    PCR.OTHER: 0.18,
}
SAME_CARER_RNE = {RNE.PLACEMENT_SAME_CARER, RNE.STATUS_PLACEMENT_SAME_CARER}
FOSTER = {PT.U1, PT.U2, PT.U3, PT.U4, PT.U5, PT.U6}
RELATIVE_FOSTER = {PT.U1, PT.U2, PT.U3}
CAMPUS_URN_KINDS = {PT.K1, PT.K2, PT.K3, PT.S1, PT.R1, PT.R3}
SUPPORTED_ACCOMMODATION_FROM = date(2023, 10, 28)  # K3 replaced H5 for 16-17s (rules.md 2.24)


def pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


def add_months(day: date, months: int) -> date:
    return day + relativedelta(months=months)


def home_postcode(rng: random.Random) -> str:
    """A postcode in the fictional area NX (no real English postcode area uses it)."""
    letters = "ABDEFGHJLNPQRSTUWXYZ"
    outward = f"{HOME_POSTCODE_AREA}{rng.randint(1, 24)}"
    return f"{outward} {rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"


def upn(rng: random.Random) -> str:
    """A unique pupil number with a valid check letter, on the fictional LA number 999."""
    body = f"999{rng.randint(1000, 9999)}{rng.randint(0, 99999):05d}"
    weights = range(2, 14)
    total = sum(int(ch) * w for ch, w in zip(body, weights, strict=True))
    return "ABCDEFGHJKLMNPQRTUVWXYZ"[total % 23] + body


def nhs_number(rng: random.Random) -> str:
    """A 999-range NHS number (the range reserved for test data) with a valid check digit."""
    while True:
        digits = [9, 9, 9] + [rng.randint(0, 9) for _ in range(6)]
        check = 11 - sum(d * w for d, w in zip(digits, range(10, 1, -1), strict=True)) % 11
        if check == 11:
            check = 0
        if check != 10:
            return "".join(map(str, digits)) + str(check)


@dataclass(slots=True)
class Kid:
    id: int
    index: int
    case_number: str
    family: "Family"
    first_name: str
    sex: str
    dob: date | None
    edd: date | None
    ethnicity: str
    disabilities: list[str]
    limit: date  # 18th birthday: children's services end here
    school_agency: int | None = None
    school_professional: int | None = None
    gp_professional: int | None = None
    created_on: date | None = None
    is_restricted: bool = False
    status: str = ChildStatus.CLOSED
    open_flags: set = field(default_factory=set)
    # (start, end, team_id, end reason) for the social worker allocation simulation
    sw_plan: list = field(default_factory=list)
    eh_plan: list = field(default_factory=list)
    spans: list = field(default_factory=list)
    pinned_worker: Holder | None = None
    allocated_worker_id: int | None = None
    allocated_team_id: int | None = None

    def born_by(self, day: date) -> bool:
        return self.dob is not None and self.dob <= day

    def age_on(self, day: date) -> int:
        if self.dob is None or self.dob > day:
            return -1
        return day.year - self.dob.year - ((day.month, day.day) < (self.dob.month, self.dob.day))


@dataclass(slots=True)
class Family:
    id: int
    key: int
    surname: str
    language: str
    postcode: str
    kids: list[Kid] = field(default_factory=list)
    mother_id: int | None = None
    mother_name: str = ""
    father_id: int | None = None
    partner_name: str = "the parent's partner"
    t0: date | None = None
    script: dict | None = None
    had_cp: bool = False
    legacy: bool = False
    uasc: bool = False
    last_referral: date | None = None


@dataclass(slots=True)
class Ep:
    """One child's CIN episode (referral), built as the family's involvement unfolds."""

    kid: Kid
    id: int
    referral_date: date
    source: str
    need: str
    decided_at: datetime
    contact_id: int | None
    teams: list = field(default_factory=list)  # (from date, team) for the allocated social worker
    nfa: bool = False
    closure: date | None = None
    reason: str = ""
    closed: bool = False
    cin_plan: list | None = None  # [id, start, planted as stuck]
    cp_plan: dict | None = None
    latest: date | None = None  # the latest activity: the episode cannot close before it
    iro: object = None


class JourneyBuilder:
    def __init__(
        self,
        *,
        sink: Sink,
        org: Organisation,
        pools: NamePools,
        rates: Rates,
        planted: PlantedFailures,
        today: date,
        wd: WorkingDays,
        seed: int,
        history_start: date,
    ):
        self.sink = sink
        self.org = org
        self.pools = pools
        self.rates = rates
        self.planted = planted
        self.today = today
        self.last = today - timedelta(days=1)  # history ends the day before `today`
        self.cutoff = at(today, 0) - timedelta(minutes=1)
        self.wd = wd
        self.seed = seed
        self.history_start = history_start
        self.kids: list[Kid] = []
        self.families: list[Family] = []
        self.rng = random.Random(seed * 2 + 1)
        # Plans planted as stuck start 18 to 30 months before today (and a week, for a clear margin).
        self.stuck_window = (add_months(today, -30), add_months(today, -18) - timedelta(days=7))

    # -- small helpers --------------------------------------------------------------------------

    def recorded(self, rng: random.Random, when: datetime | date, *, hour: int | None = None) -> datetime:
        """When an activity was written up: usually the same day, sometimes a few days later."""
        if isinstance(when, datetime):
            base = when
        else:
            base = at(when, hour if hour is not None else rng.randint(9, 17), rng.randint(0, 59))
        r = rng.random()
        if r < 0.65:
            value = base + timedelta(minutes=rng.randint(20, 240))
        elif r < 0.93:
            value = base + timedelta(days=rng.randint(1, 3), minutes=rng.randint(0, 300))
        else:
            value = base + timedelta(days=rng.randint(4, 7), minutes=rng.randint(0, 300))
        return max(base, min(value, self.cutoff))

    def decide(self, fam: Family, point: str, value):
        """A decision the family's script may fix (the demo's long-history child); else `value`."""
        if fam.script:
            queue = fam.script.get(point)
            if queue:
                return queue.pop(0)
        return value

    # -- families -------------------------------------------------------------------------------

    def build_families(self, children: int, demo_script: dict | None = None) -> None:
        rng = self.rng
        size_weights = {"1": 0.50, "2": 0.26, "3": 0.13, "4": 0.07, "5": 0.04}
        index = 0
        while len(self.kids) < children:
            remaining = children - len(self.kids)
            frng = random.Random(self.seed * 1_000_003 + index)
            if index == 0 and demo_script is not None and remaining >= 2:
                fam = self._family(index, 2, frng, demo=True)
                fam.script = demo_script
            elif frng.random() < self.rates.unaccompanied_asylum_seeking_families:
                fam = self._family(index, 1, frng, uasc=True)
            else:
                size = min(int(pick(rng, size_weights)), remaining)
                fam = self._family(index, size, frng)
            self.families.append(fam)
            index += 1

    def _family(
        self, index: int, size: int, rng: random.Random, *, demo: bool = False, uasc: bool = False
    ) -> Family:
        sink, pools, org = self.sink, self.pools, self.org
        fam_id = sink.new_id(pm.Family)
        surname = rng.choice(pools.surnames)
        language = pick(rng, dict(LANGUAGES))
        postcode = home_postcode(rng)
        fam = Family(fam_id, index, surname, language, postcode)
        fam.legacy = not demo and not uasc and rng.random() < self.rates.legacy_care_families
        fam.uasc = uasc
        if fam.legacy:
            t0 = self.today - timedelta(days=rng.randint(5 * 365 + 60, 10 * 365))
        elif demo:
            t0 = self.today - timedelta(days=5 * 365 - 20)
        else:
            t0 = self.today - timedelta(days=rng.randint(1, 6 * 365))
        fam.t0 = t0
        ethnicity = pick(rng, ETHNICITY)
        # The index child's age at first contact follows the age mix of children in need.
        band = pick(rng, {"unborn": 0.04, "0-4": 0.27, "5-9": 0.27, "10-15": 0.32, "16-17": 0.10})
        if fam.legacy:
            band = pick(rng, {"0-4": 0.6, "5-9": 0.4})
        if demo:
            band = "0-4"
        if uasc:
            band = "uasc"
            language = rng.choice(["Arabic", "Tigrinya", "Pashto", "Kurdish", "Dari", "Amharic"])
            ethnicity = rng.choice([ETH.BAFR, ETH.AOTH, ETH.OOTH, ETH.BOTH])
        lo, hi = {
            "unborn": (-200, -60),
            "0-4": (0, 4 * 365),
            "5-9": (5 * 365, 9 * 365 + 300),
            "10-15": (10 * 365, 15 * 365 + 300),
            "16-17": (16 * 365, 16 * 365 + 300),
            "uasc": (15 * 365, 16 * 365 + 300),
        }[band]
        if demo:
            lo, hi = 3 * 365, 4 * 365
        dobs = [t0 - timedelta(days=rng.randint(lo, hi))]
        for _ in range(size - 1):
            # Brothers and sisters one to four years apart, all known at the first contact: born
            # already, or (at most one) expected within 200 days.
            for _attempt in range(6):
                gap = timedelta(days=rng.randint(330, 4 * 365))
                candidate = (min(dobs) - gap) if rng.random() < 0.6 else (max(dobs) + gap)
                unborn = candidate > t0
                if candidate < t0 - timedelta(days=17 * 365) or candidate > t0 + timedelta(days=200):
                    continue
                if unborn and any(d > t0 for d in dobs):
                    continue
                dobs.append(candidate)
                break
        dobs.sort()
        fam.language = language
        recorded = at(t0, 10) + timedelta(minutes=rng.randint(0, 480))
        adults: list[tuple[int, str, bool, bool]] = []
        fathers: list[tuple[int, bool, bool]] = []
        if not uasc:
            mother_dob = dobs[0] - timedelta(days=rng.randint(17, 36) * 365 + rng.randint(0, 364))
            mother_first = rng.choice(pools.female)
            fam.mother_name = f"{mother_first} {surname}"
            interpreter = language != "English" and rng.random() < 0.5
            fam.mother_id = sink.add(
                pm.RelatedPerson,
                first_name=mother_first,
                last_name=surname,
                date_of_birth=mother_dob,
                sex=codes.Sex.FEMALE,
                postcode=postcode,
                phone=f"07700 900{rng.randint(0, 999):03d}",
                needs_interpreter=interpreter,
                language=language,
                recorded_at=recorded,
            )
            adults.append((fam.mother_id, pm.Relationship.Kind.MOTHER, True, rng.random() < 0.9))
            for _ in range(1 if rng.random() < 0.7 else 2):
                first = rng.choice(pools.male)
                last = surname if rng.random() < 0.6 else rng.choice(pools.surnames)
                father_id = sink.add(
                    pm.RelatedPerson,
                    first_name=first,
                    last_name=last,
                    date_of_birth=mother_dob - timedelta(days=rng.randint(-700, 3000)),
                    sex=codes.Sex.MALE,
                    postcode=postcode if rng.random() < 0.4 else "",
                    phone=f"07700 900{rng.randint(0, 999):03d}",
                    language=language,
                    recorded_at=recorded,
                )
                fathers.append((father_id, rng.random() < 0.7, rng.random() < 0.4))
            fam.father_id = fathers[0][0]
            if rng.random() < 0.15:
                partner_first = rng.choice(pools.male)
                fam.partner_name = partner_first
                partner_id = sink.add(
                    pm.RelatedPerson,
                    first_name=partner_first,
                    last_name=rng.choice(pools.surnames),
                    sex=codes.Sex.MALE,
                    postcode=postcode,
                    language="English",
                    recorded_at=recorded,
                )
                adults.append((partner_id, pm.Relationship.Kind.PARENTS_PARTNER, False, True))
            if rng.random() < 0.2:
                gran_id = sink.add(
                    pm.RelatedPerson,
                    first_name=rng.choice(pools.female),
                    last_name=surname,
                    date_of_birth=mother_dob - timedelta(days=rng.randint(17 * 365, 30 * 365)),
                    sex=codes.Sex.FEMALE,
                    language=language,
                    recorded_at=recorded,
                )
                adults.append((gran_id, pm.Relationship.Kind.GRANDPARENT, False, False))
        sink.add(pm.Family, id=fam_id, name=f"{surname} family")

        for i, dob in enumerate(dobs):
            kid_id = sink.new_id(pm.Child)
            sex = (
                rng.choice([codes.Sex.MALE, codes.Sex.FEMALE])
                if not uasc
                else (codes.Sex.MALE if rng.random() < 0.9 else codes.Sex.FEMALE)
            )
            edd, born = None, dob
            if dob > t0:
                # Unborn when first known: an expected date, and a birth if it has happened.
                edd = dob
                born = dob + timedelta(days=rng.randint(-14, 10))
                if born > self.last - timedelta(days=2):
                    born = None
            first_name = ""
            if born is None:
                sex = codes.Sex.UNKNOWN
            else:
                first_name = rng.choice(pools.male if sex == codes.Sex.MALE else pools.female)
            kid = Kid(
                id=kid_id,
                index=len(self.kids),
                case_number=f"C{1000001 + len(self.kids)}",
                family=fam,
                first_name=first_name,
                sex=sex,
                dob=born,
                edd=edd,
                ethnicity=ethnicity if rng.random() < 0.92 else pick(rng, ETHNICITY),
                disabilities=[DIS.NONE],
                limit=(born or edd) + relativedelta(years=18),
            )
            if rng.random() < 0.1:
                kid.disabilities = sorted(rng.sample(DISABILITY_CODES, rng.randint(1, 2)))
            fam.kids.append(kid)
            self.kids.append(kid)
            links = list(adults)
            if fathers:
                father_id, father_pr, father_lives = fathers[i % len(fathers)]
                links.append((father_id, pm.Relationship.Kind.FATHER, father_pr, father_lives))
            for person_id, kind, pr, lives in links:
                sink.add(
                    pm.Relationship,
                    child_id=kid_id,
                    person_id=person_id,
                    kind=kind,
                    has_parental_responsibility=pr,
                    lives_with_child=lives,
                    recorded_at=recorded,
                )
            # Professionals around the child: a GP for everyone, a school for school-age children,
            # a health visitor for the under-fives.
            gp = org.gps[rng.randrange(len(org.gps))]
            kid.gp_professional = rng.choice(gp.professional_ids)
            involvements = [kid.gp_professional]
            if born is not None and born < t0 - timedelta(days=4 * 365):
                school = org.schools[rng.randrange(len(org.schools))]
                kid.school_agency = school.id
                kid.school_professional = rng.choice(school.professional_ids)
                involvements.append(kid.school_professional)
            elif born is None or born > t0 - timedelta(days=5 * 365):
                involvements.append(rng.choice(org.community_health.professional_ids))
            for professional_id in involvements:
                sink.add(
                    pm.ProfessionalInvolvement,
                    child_id=kid_id,
                    professional_id=professional_id,
                    started_on=t0,
                    recorded_at=recorded,
                )
        return fam

    # -- the journey ----------------------------------------------------------------------------

    def run(self, progress=None) -> None:
        done = 0
        total = len(self.kids)
        for fam in self.families:
            rng = random.Random(self.seed * 7_000_003 + fam.key)
            self._simulate_family(fam, rng)
            done += len(fam.kids)
            if progress and (fam.key % 200 == 0 or done == total):
                progress("journeys", done, total)
        # The child's status today, as journey.selectors.derive_status would find it.
        precedence = (
            ("cla", ChildStatus.LOOKED_AFTER),
            ("cp", ChildStatus.CHILD_PROTECTION),
            ("cin", ChildStatus.CHILD_IN_NEED),
            ("eh", ChildStatus.EARLY_HELP),
            ("contact", ChildStatus.CONTACT),
        )
        for kid in self.kids:
            for flag, status in precedence:
                if flag in kid.open_flags:
                    kid.status = status
                    break

    def _eligible(self, kid: Kid, day: date) -> bool:
        if kid.dob is not None and kid.dob <= day:
            return kid.limit > day + timedelta(days=120)
        return kid.edd is not None and day >= kid.edd - timedelta(weeks=37)

    def _simulate_family(self, fam: Family, rng: random.Random) -> None:
        t = fam.t0
        first = True
        fam.last_referral = None
        while t <= self.last:
            eligible = [k for k in fam.kids if self._eligible(k, t)]
            if not eligible:
                break
            kids = eligible
            if not first and len(eligible) > 1 and rng.random() > self.rates.whole_family_contact:
                kids = [rng.choice(eligible)]
            end = self._involvement(fam, kids, t, rng, first=first)
            first = False
            if end is None:
                break
            rates = self.rates
            p = rates.recontact_after_cp if fam.had_cp else rates.recontact
            within_year = rates.recontact_within_year
            if fam.last_referral is not None and (end - fam.last_referral).days < 150:
                # A short involvement (closed at or after assessment): families often come back soon.
                p, within_year = rates.recontact_after_short, rates.recontact_after_short_within_year
            if fam.uasc or not self.decide(fam, "recontact", rng.random() < p):
                break
            if rng.random() < within_year:
                gap = int(rng.triangular(14, 365, 30))
            else:
                gap = rng.randint(366, 4 * 365)
            t = end + timedelta(days=self.decide(fam, "gap", gap))

    # -- front door -----------------------------------------------------------------------------

    def _contacts(
        self,
        fam: Family,
        kids: list[Kid],
        received: datetime,
        source: str,
        decision: str,
        decided_at: datetime | None,
        rng: random.Random,
    ) -> dict[int, int]:
        org = self.org
        mash = org.teams[Kind.FRONT_DOOR][fam.key % len(org.teams[Kind.FRONT_DOOR])]
        decider = org.anyone_on(mash, (decided_at or received).date(), rng)
        threshold = {
            "referral": 4,
            "early_help": rng.choice([2, 3, 3]),
            "information_advice": rng.choice([1, 2]),
            "signpost": 1,
            "nfa": 1,
        }.get(decision)
        agencies = org.agencies_by_source.get(source)
        referrer_threshold = None
        if agencies:
            # Partners, police and schools most of all, tend to see a higher threshold than the
            # front door applies (F31).
            bias = 0.45 if source in (codes.ReferralSource.POLICE, codes.ReferralSource.SCHOOLS) else 0.25
            base = threshold or 3
            referrer_threshold = min(4, base + (1 if rng.random() < bias else 0))
        template = rng.choice(CONTACT_SUMMARIES)
        ids = {}
        for kid in kids:
            referrer = None
            referrer_user = None
            if source == codes.ReferralSource.SCHOOLS and kid.school_professional:
                referrer = kid.school_professional
                demo_referrer = org.demo.get("partner_referrer")
                if (
                    demo_referrer
                    and kid.school_agency == org.schools[0].id
                    and received.date() >= demo_referrer.started_on
                    and rng.random() < 0.6
                ):
                    referrer_user = demo_referrer.user_id
            elif source == codes.ReferralSource.GP and kid.gp_professional:
                referrer = kid.gp_professional
            elif agencies:
                referrer = rng.choice(rng.choice(agencies).professional_ids)
            name = kid.first_name or "the unborn baby"
            ids[kid.id] = self.sink.add(
                jm.Contact,
                child_id=kid.id,
                received_at=received,
                source=source,
                referrer_id=referrer,
                referrer_user_id=referrer_user,
                summary=template.format(child=name),
                referrer_threshold=referrer_threshold,
                decided_at=decided_at,
                decided_by_id=decider.user_id if decided_at else None,
                decision=decision if decided_at else "",
                threshold_level=threshold if decided_at else None,
                outcome_notes="" if not decided_at else f"Decision: {decision.replace('_', ' ')}.",
                recorded_at=min(received + timedelta(minutes=rng.randint(5, 90)), self.cutoff),
                recorded_by_id=decider.user_id,
            )
            if kid.created_on is None:
                kid.created_on = received.date()
        return ids

    def _received_at(self, day: date, source: str, rng: random.Random) -> datetime:
        hour = rng.randint(0, 23) if source == codes.ReferralSource.POLICE else rng.randint(8, 17)
        return at(day, hour, rng.randint(0, 59))

    def _decided_at(self, received: datetime, rng: random.Random) -> datetime:
        day = received.date()
        r = rng.random()
        if r < 0.55 and self.wd.is_working(day) and received.hour < 15:
            decided_day = day
        elif r < 0.95:
            decided_day = self.wd.add(day, 1)
        else:
            decided_day = self.wd.add(day, rng.randint(2, 3))
        decided = at(decided_day, rng.randint(9, 17), rng.randint(0, 59))
        return max(decided, received + timedelta(minutes=30))

    def _involvement(
        self, fam: Family, kids: list[Kid], day: date, rng: random.Random, *, first: bool
    ) -> date | None:
        rates = self.rates
        source = pick(rng, rates.contact_sources)
        forced_care = first and (fam.legacy or fam.uasc)
        if forced_care:
            source = codes.ReferralSource.POLICE if fam.legacy else codes.ReferralSource.LA_EXTERNAL
        decision = pick(rng, rates.contact_decisions)
        # A family known to social care is not screened out again lightly.
        recent = fam.last_referral is not None and (day - fam.last_referral).days < 365
        if (fam.had_cp and rng.random() < rates.cp_history_referral) or (
            recent and rng.random() < rates.recent_referral
        ):
            decision = "referral"
        decision = "referral" if forced_care else self.decide(fam, "contact_decision", decision)
        received = self._received_at(day, source, rng)
        decided_at = self._decided_at(received, rng)
        if decided_at > self.cutoff:
            if rng.random() < rates.pending_recent_contact or decided_at.date() > self.today:
                self._contacts(fam, kids, received, source, decision, None, rng)
                for kid in kids:
                    kid.open_flags.add("contact")
                return None
            decided_at = self.cutoff - timedelta(minutes=rng.randint(30, 600))
            decided_at = max(decided_at, received + timedelta(minutes=10))
        contact_ids = self._contacts(fam, kids, received, source, decision, decided_at, rng)
        if decision == "referral":
            return self._referral(
                fam, kids, day, source, decided_at, contact_ids, rng, forced_care=forced_care
            )
        if decision == "early_help":
            return self._early_help(fam, kids, decided_at.date(), rng)
        return decided_at.date()

    # -- early help -----------------------------------------------------------------------------

    def _early_help(
        self,
        fam: Family,
        kids: list[Kid],
        start: date,
        rng: random.Random,
        stepped_down_from: dict[int, int] | None = None,
    ) -> date | None:
        team = self.org.team_for(Kind.EARLY_HELP, fam.key)
        organisation = rng.choice(EARLY_HELP_ORGANISATIONS)
        median = self.rates.early_help_median_days
        days = self.decide(fam, "eh_days", int(min(720, max(42, rng.lognormvariate(0, 0.45) * median))))
        step_up = self.decide(fam, "eh_step_up", rng.random() < self.rates.early_help_step_up)
        end = start + timedelta(days=days)
        kids = [k for k in kids if k.limit > end or k.limit > start + timedelta(days=42)]
        if not kids:
            return start
        ids = {kid.id: self.sink.new_id(jm.EarlyHelpEpisode) for kid in kids}
        stepped_up: dict[int, int] = {}
        result: date | None = end
        end_reason = rng.choice(
            ["Outcomes achieved", "Outcomes achieved", "Family no longer engaging", "Moved away"]
        )
        if step_up:
            up_day = start + timedelta(days=rng.randint(21, max(22, days - 1)))
            end = up_day
            if up_day <= self.last:
                received = self._received_at(up_day, codes.ReferralSource.EARLY_HELP, rng)
                decided_at = self._decided_at(received, rng)
                if decided_at <= self.cutoff:
                    contact_ids = self._contacts(
                        fam, kids, received, codes.ReferralSource.EARLY_HELP, "referral", decided_at, rng
                    )
                    result = self._referral(
                        fam,
                        kids,
                        up_day,
                        codes.ReferralSource.EARLY_HELP,
                        decided_at,
                        contact_ids,
                        rng,
                        referral_ids=stepped_up,
                    )
                else:
                    end = self.today + timedelta(days=1)  # still in early help today
        for kid in kids:
            kid_end = min(end, kid.limit)
            is_open = kid_end > self.last
            reason = end_reason
            if kid.id in stepped_up:
                reason = "Stepped up to children's social care"
            elif kid.limit <= end:
                reason = "Reached 18"
            self.sink.add(
                jm.EarlyHelpEpisode,
                id=ids[kid.id],
                child_id=kid.id,
                start_date=start,
                end_date=None if is_open else kid_end,
                reason=rng.choice(
                    [
                        "Parenting support",
                        "School attendance",
                        "Family conflict",
                        "Housing and money worries",
                        "Emotional wellbeing",
                    ]
                ),
                organisation=organisation,
                stepped_down_from_id=(stepped_down_from or {}).get(kid.id),
                stepped_up_to_id=None if is_open else stepped_up.get(kid.id),
                end_reason="" if is_open else reason,
                recorded_at=self.recorded(rng, start),
                recorded_by_id=None,
            )
            kid.eh_plan.append((start, None if is_open else kid_end, team.id))
            kid.spans.append(("eh", start, None if is_open else kid_end))
            if is_open:
                kid.open_flags.add("eh")
        if any(min(end, k.limit) > self.last for k in kids) and not stepped_up:
            return None
        return result

    # -- referral, assessment, section 47 ---------------------------------------------------------

    def _referral(
        self,
        fam: Family,
        kids: list[Kid],
        day: date,
        source: str,
        decided_at: datetime,
        contact_ids: dict[int, int],
        rng: random.Random,
        *,
        forced_care: bool = False,
        referral_ids: dict[int, int] | None = None,
    ) -> date | None:
        rates, org, wd = self.rates, self.org, self.wd
        kids = [k for k in kids if k.limit > day + timedelta(days=180)] or kids
        family_need = pick(rng, rates.primary_need)
        if fam.uasc:
            family_need = codes.PrimaryNeed.ABSENT_PARENTING
        eps = []
        for kid in kids:
            need = family_need
            if family_need == codes.PrimaryNeed.DISABILITY and kid.disabilities == [DIS.NONE]:
                kid.disabilities = sorted(rng.sample(DISABILITY_CODES[:6], rng.randint(1, 2)))
            ep = Ep(
                kid, self.sink.new_id(jm.Referral), day, source, need, decided_at, contact_ids.get(kid.id)
            )
            ep.latest = day
            eps.append(ep)
        if referral_ids is not None:
            referral_ids.update({ep.kid.id: ep.id for ep in eps})
        fam.last_referral = day
        nfa = not forced_care and self.decide(fam, "nfa", rng.random() < rates.referral_nfa)
        if nfa:
            for ep in eps:
                ep.nfa = True
                self._close(ep, day, codes.ClosureReason.SERVICES_CEASED, rng)
            return day
        assessment_team = org.team_for(Kind.ASSESSMENT, fam.key)
        for ep in eps:
            ep.teams.append((day, assessment_team))
        all_born = all(k.born_by(day) for k in kids)
        teen = any(k.age_on(day) >= 13 for k in kids)
        direct = forced_care or (
            all_born
            and self.decide(
                fam,
                "direct_care",
                rng.random() < (rates.direct_to_care_teen if teen else rates.direct_to_care_child),
            )
        )
        route = None
        if direct:
            if fam.uasc:
                route = "uasc"
            elif fam.legacy:
                route = "legacy"
            elif teen:
                route = pick(rng, rates.care_routes_teen)
            else:
                route = pick(rng, rates.care_routes_child)
        p_s47 = rates.section_47_with_cp_history if fam.had_cp else rates.section_47_if_assessed
        s47 = route in ("police", "epo") or (not direct and self.decide(fam, "s47", rng.random() < p_s47))

        # The assessment: started within three working days, authorised within 45 working days
        # of the referral unless late (with a reason, or planted without one).
        # A section 47 enquiry runs within an assessment, so only other referrals go unassessed.
        assessed = direct or s47 or self.decide(fam, "assessed", rng.random() < rates.assessed_if_not_nfa)
        assessment = None
        if assessed:
            start = wd.add(day, rng.randint(0, 3))
            elapsed = wd.between(day, start)
            late = None
            if self.planted.roll("late_assessment", rng) and not direct:
                late = "planted"
                auth = wd.add(day, rng.randint(48, 80))
            elif rng.random() < rates.assessment_late_with_reason:
                late = "reason"
                auth = wd.add(day, rng.randint(46, 65))
            else:
                auth = wd.add(day, rng.randint(max(8, elapsed + 2), 45))
            assessment = {"start": start, "auth": auth, "late": late}

        strategy_day = None
        if s47:
            strategy_day = wd.add(day, 0 if source == codes.ReferralSource.POLICE else rng.randint(0, 5))
            if assessment and strategy_day < assessment["start"]:
                assessment["start"] = strategy_day

        if (assessment and assessment["start"] > self.last) or (strategy_day and strategy_day > self.last):
            # Referred in the last few days: the assessment or strategy discussion is still to come.
            if assessment and assessment["start"] <= self.last:
                self._emit_assessments(fam, eps, assessment, "cin_plan", rng)
            return self._leave_all_open(eps, rng)

        if direct:
            care_day = day if route in ("police", "pace", "remand") else wd.add(day, rng.randint(0, 3))
            self._emit_assessments(fam, eps, assessment, "section_47" if s47 else "cin_plan", rng)
            if s47:
                self._emit_section_47(
                    fam, eps, strategy_day, "cin", rng, end=strategy_day + timedelta(days=rng.randint(3, 10))
                )
            return self._phases(fam, eps, ("care", care_day, route), rng)

        if s47:
            outcome = pick(rng, rates.s47_outcomes)
            if fam.had_cp and rng.random() < rates.icpc_with_cp_history:
                outcome = "icpc"
            outcome = self.decide(fam, "s47_outcome", outcome)
            s47_end = wd.add(strategy_day, rng.randint(5, 15))
            if outcome == "icpc":
                icpc_day = wd.add(strategy_day, rng.randint(8, 15))
                s47_end = min(s47_end, icpc_day)
                s47_ids = self._emit_section_47(fam, eps, strategy_day, "icpc", rng, end=s47_end)
                self._emit_assessments(fam, eps, assessment, "section_47", rng)
                if icpc_day > self.last:
                    return self._leave_all_open(eps, rng)
                plan = self.decide(fam, "icpc_plan", rng.random() < rates.icpc_plan)
                conf = self._emit_icpc(fam, eps, icpc_day, plan, rng, s47_ids)
                if plan:
                    return self._phases(fam, eps, ("cp", icpc_day, conf), rng)
                return self._phases(fam, eps, ("cin", icpc_day, None), rng)
            self._emit_section_47(fam, eps, strategy_day, outcome, rng, end=s47_end)
            self._emit_assessments(fam, eps, assessment, "section_47", rng)
            if s47_end > self.last:
                return self._leave_all_open(eps, rng)
            if outcome == "cin":
                return self._phases(fam, eps, ("cin", s47_end, None), rng)
            return self._close_all(eps, s47_end, codes.ClosureReason.NFA_AFTER_ASSESSMENT, rng)

        if assessment is None:
            # Not assessed: the family moved away or the case was closed before assessment.
            close_day = wd.add(day, rng.randint(1, 5))
            reason = (
                codes.ClosureReason.TRANSFERRED_LA
                if rng.random() < 0.5
                else codes.ClosureReason.SERVICES_CEASED
            )
            return self._close_all(eps, close_day, reason, rng)
        outcome = self.decide(fam, "assessment_outcome", pick(rng, rates.assessment_outcomes_no_s47))
        self._emit_assessments(fam, eps, assessment, outcome, rng)
        auth = assessment["auth"]
        if auth > self.last:
            return self._leave_all_open(eps, rng)
        if outcome == "cin_plan":
            return self._phases(fam, eps, ("cin", auth, None), rng)
        if outcome == "early_help":
            end = self._close_all(eps, auth, codes.ClosureReason.EARLY_HELP_AFTER_ASSESSMENT, rng)
            if end is None:
                return None
            return self._early_help(
                fam, [ep.kid for ep in eps], end, rng, stepped_down_from={ep.kid.id: ep.id for ep in eps}
            )
        if outcome == "terminated":
            return self._close_all(eps, auth, codes.ClosureReason.SERVICES_CEASED, rng)
        return self._close_all(eps, auth, codes.ClosureReason.NFA_AFTER_ASSESSMENT, rng)

    def _emit_assessments(
        self, fam: Family, eps: list[Ep], assessment: dict | None, outcome: str, rng: random.Random
    ) -> None:
        if assessment is None:
            return
        wd = self.wd
        start, auth, late = assessment["start"], assessment["auth"], assessment["late"]
        is_open = auth > self.last
        team = self.org.team_for(Kind.ASSESSMENT, fam.key)
        factors_pool = FACTORS_BY_NEED.get(eps[0].need, ["20"])
        for ep in eps:
            kid = ep.kid
            seen = None
            if kid.born_by(start):
                seen = wd.add(start, rng.randint(0, 8))
                if seen > auth:
                    seen = auth
                if seen > self.last:
                    seen = None
            if outcome == "nfa":
                factors = [codes.NO_FACTORS]
            elif outcome == "terminated":
                factors = []
            else:
                pool = factors_pool + (TEEN_FACTORS if kid.age_on(start) >= 12 else [])
                if fam.uasc:
                    pool = ["9A"]
                factors = sorted(set(rng.sample(pool, min(len(pool), rng.randint(1, 3)))))
            manager = self.org.manager_or_head(team, min(auth, self.last))
            assessment_id = self.sink.add(
                jm.Assessment,
                referral_id=ep.id,
                child_id=kid.id,
                start_date=start,
                child_seen_on=seen,
                completed_on=None if is_open else max(start, auth - timedelta(days=rng.randint(0, 3))),
                authorised_on=None if is_open else auth,
                authorised_by_id=None if is_open else manager.user_id,
                outcome="" if is_open else outcome,
                factors=[] if is_open else factors,
                summary="" if is_open else "Assessment of needs and risks completed with the family.",
                late_reason=(
                    "Delay in receiving information from partner agencies; agreed by the team manager."
                    if late == "reason"
                    else ""
                ),
                recorded_at=self.recorded(rng, start),
                recorded_by_id=manager.user_id,
            )
            kid.spans.append(("assess", start, None if is_open else auth, seen))
            # The episode cannot close before the assessment is authorised (CIN rule 8565).
            ep.latest = max(ep.latest, auth)
            if late == "planted":
                due = wd.add(ep.referral_date, 45)
                if not is_open or due < self.today:
                    self.planted.add(
                        "late_assessment",
                        case_number=kid.case_number,
                        record_type="Assessment",
                        record_id=assessment_id,
                        start=ep.referral_date,
                        end=None if is_open else auth,
                        description=(
                            f"Assessment authorised {wd.between(ep.referral_date, auth)} working days after "
                            f"the referral (due by {due.isoformat()}), with no reason recorded"
                            if not is_open
                            else f"Assessment still open past its due date ({due.isoformat()}), "
                            "with no reason recorded"
                        ),
                    )

    def _emit_section_47(
        self, fam: Family, eps: list[Ep], strategy_day: date, outcome: str, rng: random.Random, *, end: date
    ) -> dict[int, int]:
        held_at = at(strategy_day, rng.randint(9, 16), rng.choice([0, 15, 30, 45]))
        team = self.org.team_for(Kind.SAFEGUARDING, fam.key)
        manager = self.org.manager_or_head(team, strategy_day)
        is_open = end > self.last
        ids = {}
        for ep in eps:
            sd = self.sink.add(
                jm.StrategyDiscussion,
                referral_id=ep.id,
                child_id=ep.kid.id,
                held_at=held_at,
                attendees=ATTENDEES,
                section_47_initiated=True,
                rationale="Reasonable cause to suspect significant harm.",
                recorded_at=self.recorded(rng, held_at),
                recorded_by_id=manager.user_id,
            )
            ids[ep.kid.id] = self.sink.add(
                jm.Section47Enquiry,
                referral_id=ep.id,
                child_id=ep.kid.id,
                strategy_discussion_id=sd,
                start_date=strategy_day,
                end_date=None if is_open else end,
                outcome="" if is_open else outcome,
                icpc_not_required=not is_open and outcome != "icpc",
                recorded_at=self.recorded(rng, strategy_day),
                recorded_by_id=manager.user_id,
            )
            ep.latest = max(ep.latest, end)
        return ids

    def _emit_icpc(
        self, fam: Family, eps: list[Ep], day: date, plan: bool, rng: random.Random, s47_ids: dict[int, int]
    ) -> dict[int, int]:
        chair = self.org.anyone_on(self.org.iro_team, day, rng)
        ids = {}
        for ep in eps:
            ids[ep.kid.id] = self.sink.add(
                jm.ChildProtectionConference,
                referral_id=ep.id,
                child_id=ep.kid.id,
                kind=jm.ChildProtectionConference.Kind.INITIAL,
                section_47_id=s47_ids.get(ep.kid.id),
                held_on=day,
                chair_id=chair.user_id,
                plan_required=plan,
                quorate=rng.random() < 0.96,
                recorded_at=self.recorded(rng, day),
                recorded_by_id=chair.user_id,
            )
            ep.latest = max(ep.latest, day)
        self._icpc_chair = chair
        return ids

    # -- plans and care -------------------------------------------------------------------------

    def _to_team(self, ep: Ep, day: date, kind: str) -> None:
        """Move the child's social work to another kind of team (a transfer in the journey)."""
        team = self.org.team_for(kind, ep.kid.family.key)
        if ep.teams and ep.teams[-1][1] is team:
            return
        if ep.teams and ep.teams[-1][0] == day:
            ep.teams[-1] = (day, team)
        else:
            ep.teams.append((day, team))

    def _casework_kind(self, ep: Ep) -> str:
        return Kind.DISABILITY if ep.need == codes.PrimaryNeed.DISABILITY else Kind.SAFEGUARDING

    def _phases(self, fam: Family, eps: list[Ep], state: tuple, rng: random.Random) -> date | None:
        """Follow the family's episode from a plan or care to its end. Returns the day the last
        child's episode closed, or None if any is still open today."""
        while True:
            kind, day, info = state
            eps = self._age_out(eps, day, rng)
            if not eps:
                return day
            if kind == "cp":
                outcome, day = self._cp_phase(fam, eps, day, info, rng)
                if outcome == "open":
                    return None
                if outcome == "care":
                    state = ("care", day, "from_cp")
                    continue
                if outcome == "aged_out":
                    return day
                step = self.decide(
                    fam,
                    "cp_outcome",
                    pick(
                        rng,
                        {
                            "step_down": self.rates.cp_step_down_to_cin,
                            "close": 1 - self.rates.cp_step_down_to_cin,
                        },
                    ),
                )
                if step == "step_down":
                    state = ("cin", day, None)
                    continue
                return self._close_and_maybe_step_down(fam, eps, day, rng)
            if kind == "cin":
                outcome, day, info = self._cin_phase(fam, eps, day, rng)
                if outcome == "open":
                    return None
                if outcome == "cp":
                    state = ("cp", day, info)
                    continue
                if outcome == "care":
                    state = ("care", day, "s20_teen")
                    continue
                if outcome == "aged_out":
                    return day
                if outcome == "eh":
                    end = self._close_all(eps, day, codes.ClosureReason.EARLY_HELP_AFTER_ASSESSMENT, rng)
                    if end is None:
                        return None
                    return self._early_help(
                        fam,
                        [ep.kid for ep in eps],
                        end,
                        rng,
                        stepped_down_from={ep.kid.id: ep.id for ep in eps},
                    )
                return self._close_all(eps, day, codes.ClosureReason.SERVICES_CEASED, rng)
            if kind == "care":
                return self._care_phase(fam, eps, day, info, rng)
            raise ValueError(kind)

    def _close_and_maybe_step_down(
        self, fam: Family, eps: list[Ep], day: date, rng: random.Random
    ) -> date | None:
        if rng.random() < self.rates.step_down_to_early_help_after_plan:
            # A step-down to early help closes with RC9 (the episode always had an assessment).
            end = self._close_all(eps, day, codes.ClosureReason.EARLY_HELP_AFTER_ASSESSMENT, rng)
            if end is None:
                return None
            return self._early_help(
                fam, [ep.kid for ep in eps], end, rng, stepped_down_from={ep.kid.id: ep.id for ep in eps}
            )
        return self._close_all(eps, day, codes.ClosureReason.SERVICES_CEASED, rng)

    def _age_out(self, eps: list[Ep], day: date, rng: random.Random) -> list[Ep]:
        """Children who reach 18 leave children's services on their birthday."""
        staying = []
        for ep in eps:
            if ep.kid.limit <= day and not ep.closed:
                self._end_plans(ep, ep.kid.limit, rng)
                reason = (
                    codes.ClosureReason.TRANSFERRED_ADULTS
                    if ep.need == codes.PrimaryNeed.DISABILITY
                    else codes.ClosureReason.SERVICES_CEASED
                )
                self._close(ep, ep.kid.limit, reason, rng)
            elif not ep.closed:
                staying.append(ep)
        return staying

    def _end_plans(self, ep: Ep, day: date, rng: random.Random) -> None:
        if ep.cp_plan is not None:
            self._finish_cp_plan(ep, day, rng)
        if ep.cin_plan is not None:
            self._finish_cin_plan(ep, day, rng)

    def _cp_phase(
        self,
        fam: Family,
        eps: list[Ep],
        start: date,
        conferences: dict[int, int],
        rng: random.Random,
    ) -> tuple[str, date | None]:
        wd, rates = self.wd, self.rates
        category = pick(rng, rates.cp_categories)
        stuck = (
            self.stuck_window[0] <= start <= self.stuck_window[1]
            and all(ep.kid.limit > self.today + timedelta(days=60) for ep in eps)
            and self.decide(fam, "stuck", self.planted.roll("plan_stuck", rng))
        )
        late_index = rng.choice([1, 2]) if self.planted.roll("late_rcpc", rng) else None
        fam.had_cp = True
        chair = StaffThread(
            self, [ep.kid for ep in eps], self.org.iro_team, AK.CP_CHAIR, start, rng, prefer=self._icpc_chair
        )
        for ep in eps:
            plan_id = self.sink.new_id(jm.ChildProtectionPlan)
            ep.cp_plan = {
                "id": plan_id,
                "start": start,
                "icpc": conferences[ep.kid.id],
                "category": category,
                "latest": category,
                "chair": chair,
                "stuck": stuck,
            }
            if ep.cin_plan is not None:
                self._finish_cin_plan(ep, start, rng)
            if ep.teams and ep.teams[-1][1].kind == Kind.ASSESSMENT:
                self._to_team(ep, start, self._casework_kind(ep))
            self._plan_contents(ep, start, rng, cp=True)
        prev = start
        k = 0
        while True:
            k += 1
            due = add_months(prev, 3 if k == 1 else 6)
            late = k == late_index
            if late:
                held = wd.on_or_after(due + timedelta(days=rng.randint(7, 40)))
            else:
                lowest = max(prev + timedelta(days=28), due - timedelta(days=25))
                held = wd.on_or_before(due - timedelta(days=rng.randint(0, (due - lowest).days)))
            all_born = all(ep.kid.born_by(prev) for ep in eps)
            if not stuck and all_born and self.decide(fam, "cp_care", rng.random() < rates.cp_to_care / 2):
                care_day = prev + timedelta(days=rng.randint(14, max(15, (held - prev).days - 1)))
                if care_day > self.last:
                    self._leave_cp_open(eps, rng, late_due=due if late and due < self.today else None)
                    return "open", None
                if late and care_day > due:
                    self._plant_late_rcpc(eps, due, None, rng)
                eps = self._age_out(eps, care_day, rng)
                for ep in eps:
                    self._finish_cp_plan(ep, care_day, rng)
                return ("care", care_day) if eps else ("aged_out", care_day)
            if held > self.last:
                self._leave_cp_open(eps, rng, late_due=due if late and due < self.today else None)
                return "open", None
            eps = self._age_out(eps, held, rng)
            if not eps:
                return "aged_out", held
            # A plan ends at a review by chance, and always before the next review would take it
            # past 16 months: only planted plans stay open longer than 18 months.
            must_end = k > len(rates.cp_end_at_review) or add_months(held, 6) > start + timedelta(days=490)
            chance = not must_end and rng.random() < rates.cp_end_at_review[k - 1]
            ends = not stuck and (must_end or self.decide(fam, "cp_end", chance))
            if rng.random() < 0.1:
                for ep in eps:
                    ep.cp_plan["latest"] = pick(rng, rates.cp_categories)
            chair_holder = chair.on(held)
            for ep in eps:
                self.sink.add(
                    jm.ChildProtectionConference,
                    referral_id=ep.id,
                    child_id=ep.kid.id,
                    kind=jm.ChildProtectionConference.Kind.REVIEW,
                    held_on=held,
                    chair_id=chair_holder.user_id if chair_holder else None,
                    plan_required=not ends,
                    quorate=rng.random() < 0.95,
                    recorded_at=self.recorded(rng, held),
                    recorded_by_id=chair_holder.user_id if chair_holder else None,
                )
                ep.latest = max(ep.latest, held)
            if late:
                self._plant_late_rcpc(eps, due, held, rng)
            if ends:
                for ep in eps:
                    self._finish_cp_plan(ep, held, rng)
                return "end", held
            prev = held

    def _plant_late_rcpc(self, eps: list[Ep], due: date, held: date | None, rng: random.Random) -> None:
        for ep in eps:
            self.planted.add(
                "late_rcpc",
                case_number=ep.kid.case_number,
                record_type="ChildProtectionPlan",
                record_id=ep.cp_plan["id"],
                start=due,
                end=held,
                description=(
                    f"Review conference due by {due.isoformat()} held on {held.isoformat()}"
                    if held
                    else f"Review conference due by {due.isoformat()} not held while the plan was open"
                ),
            )

    def _leave_cp_open(self, eps: list[Ep], rng: random.Random, late_due: date | None) -> None:
        if late_due is not None:
            self._plant_late_rcpc(eps, late_due, None, rng)
        for ep in eps:
            plan = ep.cp_plan
            if plan["stuck"]:
                months = (self.today.year - plan["start"].year) * 12 + self.today.month - plan["start"].month
                self.planted.add(
                    "plan_stuck",
                    case_number=ep.kid.case_number,
                    record_type="ChildProtectionPlan",
                    record_id=plan["id"],
                    start=plan["start"],
                    end=None,
                    description=(
                        f"Child protection plan open for {months} months; every review continued it unchanged"
                    ),
                )
            self._finish_cp_plan(ep, None, rng)
        self._leave_all_open(eps, rng)

    def _finish_cp_plan(self, ep: Ep, end: date | None, rng: random.Random) -> None:
        if end is None and ep.kid.limit <= self.last:
            end = ep.kid.limit  # reached 18 while the plan was open
        plan = ep.cp_plan
        ep.cp_plan = None
        kid = ep.kid
        start = plan["start"]
        plan["chair"].drop(kid, end)
        # Core groups: the first within 10 working days of the conference, then 4-weekly.
        day = self.wd.add(start, rng.randint(5, 10))
        stop = end or self.today
        while day < stop and day <= self.last:
            self.sink.add(
                jm.CoreGroupMeeting,
                plan_id=plan["id"],
                child_id=kid.id,
                held_on=day,
                notes="Core group reviewed progress against the plan.",
                recorded_at=self.recorded(rng, day),
            )
            # At least every 4 weeks (rules.md 1.10, local practice): on the working day on or before.
            day = self.wd.on_or_before(day + timedelta(days=rng.randint(20, 28)))
        chair_id = plan["chair"].first_user_id
        self.sink.add(
            jm.ChildProtectionPlan,
            id=plan["id"],
            referral_id=ep.id,
            child_id=kid.id,
            initial_conference_id=plan["icpc"],
            start_date=start,
            end_date=end,
            initial_category=plan["category"],
            latest_category=plan["latest"],
            visit_frequency_working_days=None,  # the authority's CP-VISIT rule applies
            recorded_at=self.recorded(rng, start),
            recorded_by_id=chair_id,
        )
        kid.spans.append(("cp", start, end, plan["id"]))
        if end is None:
            kid.open_flags.add("cp")
        else:
            ep.latest = max(ep.latest, end)

    def _plan_contents(self, ep: Ep, start: date, rng: random.Random, *, cp: bool) -> None:
        kid = ep.kid
        name = kid.first_name or "The baby"
        plan_id = ep.cp_plan["id"] if cp else ep.cin_plan[0]
        recorded = self.recorded(rng, start)
        for outcome_text in rng.sample(PLAN_OUTCOMES, 2 if cp else 1):
            outcome_id = None
            if cp:
                outcome_id = self.sink.add(
                    jm.ChildProtectionPlanOutcome,
                    plan_id=plan_id,
                    outcome=outcome_text.format(child=name),
                    recorded_at=recorded,
                )
            for action, owner in rng.sample(PLAN_ACTIONS, 2):
                due = start + timedelta(days=rng.randint(14, 90))
                completed = None
                if due <= self.last and rng.random() < 0.7:
                    completed = min(self.last, due - timedelta(days=rng.randint(-10, 10)))
                    completed = max(completed, start)
                self.sink.add(
                    jm.PlanAction,
                    cp_plan_id=plan_id if cp else None,
                    cin_plan_id=None if cp else plan_id,
                    outcome_id=outcome_id,
                    action=action.format(child=name),
                    owner=owner,
                    due_on=due,
                    completed_on=completed,
                    recorded_at=recorded,
                )
        family = kid.family
        if family.mother_id and rng.random() < 0.12:
            self.sink.add(
                jm.WrittenAgreement,
                child_id=kid.id,
                agreed_on=start,
                agreed_with_id=family.mother_id,
                terms=rng.choice(WRITTEN_AGREEMENT_TERMS).format(other=family.partner_name),
                risk_at_the_time=(
                    rng.choice(["high", "high", "medium"]) if cp else rng.choice(["medium", "low"])
                ),
                review_on=start + timedelta(days=rng.randint(28, 56)),
                recorded_at=recorded,
            )

    def _cin_phase(
        self, fam: Family, eps: list[Ep], start: date, rng: random.Random
    ) -> tuple[str, date | None, object]:
        rates, wd = self.rates, self.wd
        stuck = (
            self.stuck_window[0] <= start <= self.stuck_window[1]
            and all(ep.kid.limit > self.today + timedelta(days=60) for ep in eps)
            and self.decide(fam, "stuck", self.planted.roll("plan_stuck", rng))
        )
        for ep in eps:
            ep.cin_plan = [self.sink.new_id(jm.ChildInNeedPlan), start, stuck]
            if not ep.teams or ep.teams[-1][1].kind == Kind.ASSESSMENT:
                self._to_team(ep, start, self._casework_kind(ep))
            self._plan_contents(ep, start, rng, cp=False)
        median = rates.cin_plan_median_days
        days = self.decide(fam, "cin_days", int(min(500, max(45, rng.lognormvariate(0, 0.5) * median))))
        end = start + timedelta(days=days)
        teen = all(ep.kid.age_on(start) >= 13 for ep in eps)
        r = rng.random()
        outcome = "close"
        if r < rates.cin_escalates_to_s47:
            outcome = "escalate"
        elif teen and r < rates.cin_escalates_to_s47 + rates.cin_teen_accommodated:
            outcome = "care"
        elif rng.random() < rates.step_down_to_early_help_after_plan:
            outcome = "eh"
        outcome = self.decide(fam, "cin_outcome", outcome)
        if stuck:
            self._leave_cin_open(eps, rng)
            return "open", None, None
        if outcome in ("escalate", "care"):
            end = start + timedelta(days=rng.randint(21, max(22, days)))
        if end > self.last:
            self._leave_cin_open(eps, rng)
            return "open", None, None
        eps = self._age_out(eps, end, rng)
        if not eps:
            return "aged_out", end, None
        if outcome == "escalate":
            strategy_day = wd.on_or_after(end)
            icpc_day = wd.add(strategy_day, rng.randint(8, 15))
            if icpc_day > self.last:
                self._leave_cin_open(eps, rng)
                return "open", None, None
            s47_ids = self._emit_section_47(
                fam,
                eps,
                strategy_day,
                "icpc",
                rng,
                end=min(icpc_day, wd.add(strategy_day, rng.randint(5, 15))),
            )
            plan = rng.random() < rates.icpc_plan
            conf = self._emit_icpc(fam, eps, icpc_day, plan, rng, s47_ids)
            if plan:
                return "cp", icpc_day, conf
            # No plan: the child in need plan carries on to its end.
            end = start + timedelta(days=days)
            if end > self.last:
                self._leave_cin_open(eps, rng)
                return "open", None, None
            eps = self._age_out(eps, end, rng)
            for ep in eps:
                self._finish_cin_plan(ep, end, rng)
            return ("close", end, None) if eps else ("aged_out", end, None)
        for ep in eps:
            self._finish_cin_plan(ep, end, rng)
        if outcome == "care":
            return "care", end, None
        return outcome, end, None

    def _leave_cin_open(self, eps: list[Ep], rng: random.Random) -> None:
        for ep in eps:
            plan_id, start, stuck = ep.cin_plan
            if stuck:
                months = (self.today.year - start.year) * 12 + self.today.month - start.month
                self.planted.add(
                    "plan_stuck",
                    case_number=ep.kid.case_number,
                    record_type="ChildInNeedPlan",
                    record_id=plan_id,
                    start=start,
                    end=None,
                    description=(
                        f"Child in need plan open for {months} months "
                        "with no progression to step down or close"
                    ),
                )
            self._finish_cin_plan(ep, None, rng)
        self._leave_all_open(eps, rng)

    def _finish_cin_plan(self, ep: Ep, end: date | None, rng: random.Random) -> None:
        if end is None and ep.kid.limit <= self.last:
            end = ep.kid.limit  # reached 18 while the plan was open
        plan_id, start, _stuck = ep.cin_plan
        ep.cin_plan = None
        if end is not None and end <= start:
            end = start + timedelta(days=1)
        self.sink.add(
            jm.ChildInNeedPlan,
            id=plan_id,
            referral_id=ep.id,
            child_id=ep.kid.id,
            start_date=start,
            end_date=end,
            recorded_at=self.recorded(rng, start),
        )
        ep.kid.spans.append(("cin", start, end))
        if end is not None:
            ep.latest = max(ep.latest, end)

    # -- closing --------------------------------------------------------------------------------

    def _close(self, ep: Ep, day: date, reason: str, rng: random.Random) -> date | None:
        if ep.closed:
            return ep.closure
        day = max(day, ep.latest)
        if day > self.last:
            self._leave_open(ep, rng)
            return None
        ep.closed = True
        ep.closure = day
        ep.reason = reason
        self._emit_referral(ep, rng)
        return day

    def _close_all(self, eps: list[Ep], day: date, reason: str, rng: random.Random) -> date | None:
        ends = [self._close(ep, day, reason, rng) for ep in eps]
        if any(e is None for e in ends):
            return None
        return max(ends)

    def _leave_open(self, ep: Ep, rng: random.Random) -> None:
        if ep.closed:
            return
        if ep.kid.limit <= self.last and ep.latest <= self.last:
            # Reached 18 while the plan was running: the case closed on the birthday.
            self._end_plans(ep, max(ep.kid.limit, ep.latest), rng)
            reason = (
                codes.ClosureReason.TRANSFERRED_ADULTS
                if ep.need == codes.PrimaryNeed.DISABILITY
                else codes.ClosureReason.SERVICES_CEASED
            )
            self._close(ep, ep.kid.limit, reason, rng)
            return
        ep.closed = True
        ep.closure = None
        self._end_plans_open(ep, rng)
        self._emit_referral(ep, rng)
        if not ep.nfa:
            ep.kid.open_flags.add("cin")

    def _end_plans_open(self, ep: Ep, rng: random.Random) -> None:
        if ep.cp_plan is not None:
            self._finish_cp_plan(ep, None, rng)
        if ep.cin_plan is not None:
            self._finish_cin_plan(ep, None, rng)

    def _leave_all_open(self, eps: list[Ep], rng: random.Random) -> None:
        for ep in eps:
            self._leave_open(ep, rng)
        return None

    def _emit_referral(self, ep: Ep, rng: random.Random) -> None:
        kid = ep.kid
        mash = self.org.teams[Kind.FRONT_DOOR][kid.family.key % len(self.org.teams[Kind.FRONT_DOOR])]
        manager = self.org.manager_or_head(mash, ep.referral_date)
        self.sink.add(
            jm.Referral,
            id=ep.id,
            child_id=kid.id,
            contact_id=ep.contact_id,
            referral_date=ep.referral_date,
            source=ep.source,
            primary_need=ep.need,
            nfa=ep.nfa,
            decided_at=ep.decided_at,
            closure_date=ep.closure,
            closure_reason=ep.reason if ep.closure else "",
            recorded_at=min(
                max(ep.decided_at, at(ep.referral_date, 9)) + timedelta(minutes=rng.randint(10, 120)),
                self.cutoff,
            ),
            recorded_by_id=manager.user_id,
        )
        if ep.nfa:
            return
        # The social worker's teams over the episode, for the allocation simulation.
        for i, (start, team) in enumerate(ep.teams):
            end = ep.teams[i + 1][0] if i + 1 < len(ep.teams) else ep.closure
            reason = ER.TSPROC if i + 1 < len(ep.teams) else (ER.PCCHAN if ep.closure else "")
            if end is not None and end <= start:
                continue
            kid.sw_plan.append((start, end, team.id, reason))
        kid.spans.append(("open", ep.referral_date, ep.closure))

    # -- children looked after ------------------------------------------------------------------

    def _care_phase(
        self, fam: Family, eps: list[Ep], day: date, route: str, rng: random.Random
    ) -> date | None:
        # Siblings in proceedings share the court's timetable and, where ages allow, its outcome.
        final_days = rng.randint(26 * 7, 45 * 7)
        family_plan = pick(rng, {"adoption": 0.35, "sgo": 0.2, "home": 0.2, "long_term": 0.2, "cao": 0.05})
        ends = []
        for ep in eps:
            kid = ep.kid
            start = day
            if not kid.born_by(day):
                # A baby removed at birth (the plan was made before the birth).
                if kid.dob is None or kid.dob >= self.last:
                    ends.append(self._leave_open_or_close(ep, rng))
                    continue
                start = kid.dob + timedelta(days=1)
            if start > self.last:
                self._leave_open(ep, rng)
                ends.append(None)
                continue
            kid_route = route
            age = kid.age_on(start)
            if route == "from_cp":
                kid_route = pick(rng, self.rates.care_routes_from_cp)
            elif route == "s20_teen":
                kid_route = "s20"
            end, rec = self._care_period(fam, ep, start, kid_route, family_plan, final_days, rng)
            if end is None:
                self._leave_open(ep, rng)
                ends.append(None)
                continue
            ep.latest = max(ep.latest, end)
            reason = {
                REC.ADOPTED_UNOPPOSED: CR.ADOPTED,
                REC.ADOPTED_CONSENT_DISPENSED: CR.ADOPTED,
                REC.SGO_FOSTER_RELATIVE: CR.SGO,
                REC.SGO_FOSTER_OTHER: CR.SGO,
                REC.SGO_OTHER_RELATIVE: CR.SGO,
                REC.SGO_OTHER: CR.SGO,
                REC.CHILD_ARRANGEMENTS: CR.CHILD_ARRANGEMENTS,
                REC.OTHER_LA: CR.TRANSFERRED_LA,
                REC.DIED: CR.DIED,
                REC.ADULT_RESIDENTIAL: CR.TRANSFERRED_ADULTS,
            }.get(rec, CR.SERVICES_CEASED)
            if (
                rec in (REC.STAYING_PUT, REC.INDEPENDENT_SUPPORTED, REC.INDEPENDENT_UNSUPPORTED, REC.OTHER)
                and age >= 0
                and kid.limit <= end
                and ep.need == NEED.DISABILITY
            ):
                reason = CR.TRANSFERRED_ADULTS
            close_day = end
            if (
                rec in (REC.RETURNED_HOME_PLANNED, REC.RETURNED_HOME_UNPLANNED, REC.LIVING_WITHOUT_PR)
                and kid.limit > end + timedelta(days=200)
                and rng.random() < 0.5
            ):
                # Home again, with a child in need plan for a few months before the case closes.
                self._to_team(ep, end, self._casework_kind(ep))
                ep.cin_plan = [self.sink.new_id(jm.ChildInNeedPlan), end, False]
                cin_end = end + timedelta(days=rng.randint(60, 180))
                if cin_end > self.last:
                    self._leave_cin_open([ep], rng)
                    ends.append(None)
                    continue
                self._finish_cin_plan(ep, cin_end, rng)
                close_day = cin_end
            ends.append(self._close(ep, close_day, reason, rng))
        if any(e is None for e in ends):
            return None
        return max(ends)

    def _leave_open_or_close(self, ep: Ep, rng: random.Random) -> date | None:
        self._leave_open(ep, rng)
        return None

    def _care_period(
        self,
        fam: Family,
        ep: Ep,
        start: date,
        route: str,
        family_plan: str,
        final_days: int,
        rng: random.Random,
    ) -> tuple[date | None, str]:
        """One period of care as SSDA903 episodes. Returns (end, reason ceased), end None if open."""
        kid = ep.kid
        legal: list[tuple[date, str]] = [(start, "")]
        end: date | None = None
        rec = ""
        final: date | None = None
        pp_started = None
        plan = family_plan
        adoption_placed: date | None = None
        home_placement: list[date] = []

        def status_at_start(ls: str) -> None:
            legal[0] = (start, ls)

        def proceedings(base: date) -> None:
            nonlocal end, rec, final, plan, adoption_placed
            final = base + timedelta(days=final_days)
            age_at_final = kid.age_on(final)
            if route == "legacy" or fam.legacy:
                plan = "adoption" if age_at_final < 2 and rng.random() < 0.5 else "long_term"
            elif plan == "adoption" and age_at_final >= 4:
                plan = "long_term" if rng.random() < 0.6 else "sgo"
            elif age_at_final >= 12 and plan in ("adoption", "sgo"):
                plan = "long_term" if rng.random() < 0.7 else "home"
            if plan == "adoption":
                legal.append((final, LS.PLACEMENT_ORDER))
                adoption_placed = final + timedelta(days=rng.randint(60, 240))
                end = adoption_placed + timedelta(days=rng.randint(150, 400))
                rec = REC.ADOPTED_UNOPPOSED if rng.random() < 0.3 else REC.ADOPTED_CONSENT_DISPENSED
            elif plan == "long_term":
                legal.append((final, LS.FULL_CARE_ORDER))
            elif plan == "home":
                if rng.random() < 0.3 and kid.limit > final + timedelta(days=400):
                    # A care order with the child placed at home, discharged later.
                    legal.append((final, LS.FULL_CARE_ORDER))
                    home_placement.append(final)
                    end = final + timedelta(days=rng.randint(180, 540))
                    rec = REC.RETURNED_HOME_PLANNED
                else:
                    end, rec = final, REC.RETURNED_HOME_PLANNED
            elif plan == "sgo":
                end, rec = final, "sgo"
            else:
                end, rec = final, REC.CHILD_ARRANGEMENTS

        if route in ("proceedings", "legacy"):
            status_at_start(LS.ICO)
            proceedings(start)
        elif route == "epo":
            status_at_start(LS.EPO)
            ico = start + timedelta(days=rng.randint(3, 8))
            legal.append((ico, LS.ICO))
            proceedings(ico)
        elif route == "police":
            status_at_start(LS.POLICE_PROTECTION)
            pp_started = at(start, rng.randint(0, 23), rng.randint(0, 59))
            after = start + timedelta(days=rng.randint(1, 2))
            r = rng.random()
            if r < 0.25:
                end, rec = after, REC.RETURNED_HOME_UNPLANNED
            elif r < 0.7:
                legal.append((after, LS.SECTION_20))
                result: dict = {}
                self._s20_course(kid, after, legal, rng, result)
                end, rec = result.get("end"), result.get("rec", "")
                if result.get("proceedings"):
                    proceedings(result["proceedings"])
            else:
                legal.append((after, LS.EPO))
                ico = after + timedelta(days=rng.randint(3, 7))
                legal.append((ico, LS.ICO))
                proceedings(ico)
        elif route in ("s20", "uasc"):
            status_at_start(LS.SECTION_20)
            result = {}
            self._s20_course(kid, start, legal, rng, result, uasc=route == "uasc")
            end, rec = result.get("end"), result.get("rec", "")
            if result.get("proceedings"):
                proceedings(result["proceedings"])
        elif route == "remand":
            status_at_start(LS.REMANDED)
            end = start + timedelta(days=rng.randint(14, 90))
            rec = REC.REMAND_ENDED if rng.random() < 0.7 else REC.CUSTODY
        elif route == "pace":
            status_at_start(LS.PACE)
            end, rec = start + timedelta(days=rng.randint(1, 2)), REC.OTHER
        else:
            raise ValueError(route)

        # Reaching 18 ends care: staying put with foster carers, supported or independent living.
        if kid.limit <= (end or self.today + timedelta(days=1)):
            end, rec = kid.limit, ""
        # Nothing after the end of the period, or after the end of the history.
        horizon = min(end, self.today) if end else self.today
        legal = [(d, ls) for d, ls in legal if d < horizon]
        if adoption_placed and adoption_placed >= horizon:
            adoption_placed = None
        home_placement = [d for d in home_placement if d < horizon]
        placements = self._placements(kid, start, horizon, legal, adoption_placed, home_placement, rng)
        if rec == "":
            last_place = placements[-1][1]
            if end is not None:
                r = rng.random()
                if last_place in FOSTER and r < 0.45:
                    rec = REC.STAYING_PUT
                elif r < 0.75:
                    rec = REC.INDEPENDENT_SUPPORTED
                elif r < 0.9:
                    rec = REC.INDEPENDENT_UNSUPPORTED
                else:
                    rec = REC.OTHER
        if rec == "sgo":  # to whom: decided by the last placement
            last_place = placements[-1][1]
            if last_place in RELATIVE_FOSTER:
                rec = REC.SGO_FOSTER_RELATIVE
            elif last_place in FOSTER:
                rec = REC.SGO_FOSTER_OTHER
            else:
                rec = REC.SGO_OTHER_RELATIVE if rng.random() < 0.7 else REC.SGO_OTHER
        is_open = end is None or end > self.last
        if is_open:
            end, rec = None, ""
        self._emit_episodes(ep, start, end, rec, legal, placements, pp_started, rng)
        self._care_casework(ep, start, end, final, rng)
        self._reviews(ep, start, end, rng)
        self._missing(kid, start, end, rng)
        if end is None:
            kid.open_flags.add("cla")
        return end, rec

    def _s20_course(
        self, kid: Kid, start: date, legal: list, rng: random.Random, result: dict, uasc: bool = False
    ) -> None:
        """How a section 20 accommodation goes: home again, into proceedings, or on to 18."""
        age = kid.age_on(start)
        r = rng.random()
        if uasc or age >= 16:
            if r < (0.85 if uasc else 0.6):
                return  # accommodated until 18
            result["end"] = start + timedelta(days=rng.randint(90, 500))
            result["rec"] = REC.RETURNED_HOME_PLANNED if not uasc else REC.MOVED_ABROAD
        elif age >= 12:
            if r < 0.5:
                result["end"] = start + timedelta(days=rng.randint(30, 360))
                result["rec"] = (
                    REC.RETURNED_HOME_PLANNED if rng.random() < 0.7 else REC.RETURNED_HOME_UNPLANNED
                )
            elif r < 0.75:
                ico = start + timedelta(days=rng.randint(60, 180))
                legal.append((ico, LS.ICO))
                result["proceedings"] = ico
            # else accommodated until 18
        else:
            if r < 0.5:
                result["end"] = start + timedelta(days=rng.randint(30, 270))
                result["rec"] = REC.RETURNED_HOME_PLANNED if rng.random() < 0.75 else REC.LIVING_WITHOUT_PR
            else:
                ico = start + timedelta(days=rng.randint(30, 180))
                legal.append((ico, LS.ICO))
                result["proceedings"] = ico

    def _placement(self, kid: Kid, day: date, ls: str, rng: random.Random, *, exclude: str = "") -> str:
        age = kid.age_on(day)
        if ls == LS.REMANDED:
            choices = {PT.U6: 0.5, PT.K2: 0.35, PT.R5: 0.15 if age >= 15 else 0.0}
        elif ls == LS.PACE:
            choices = {PT.U6: 0.6, PT.K2: 0.4}
        elif age < 1:
            choices = {
                PT.U6: 0.6,
                PT.U3: 0.15,
                PT.R3: 0.1 if ls == LS.ICO else 0.0,
                PT.U5: 0.1 if ls == LS.ICO else 0.0,
                PT.U2: 0.05,
            }
        elif age <= 11:
            choices = {
                PT.U6: 0.55,
                PT.U3: 0.22,
                PT.U1: 0.03,
                PT.K2: 0.04,
                PT.P1: 0.04,
                PT.S1: 0.02,
                PT.U4: 0.08,
            }
        elif age <= 15:
            choices = {
                PT.U6: 0.45,
                PT.U3: 0.12,
                PT.K2: 0.28,
                PT.R1: 0.03,
                PT.S1: 0.04,
                PT.K1: 0.01,
                PT.P1: 0.03,
                PT.U4: 0.04,
            }
        else:
            supported = PT.K3 if day >= SUPPORTED_ACCOMMODATION_FROM else PT.H5
            choices = {PT.U6: 0.3, PT.U3: 0.08, PT.K2: 0.2, supported: 0.35, PT.P2: 0.05, PT.U4: 0.02}
        if ls not in (LS.ICO, LS.FULL_CARE_ORDER):
            choices[PT.P1] = 0.0  # at home only under a care order (and never under s20: rule 378)
        if exclude in choices:
            choices[exclude] = 0.0
        return pick(rng, {k: v for k, v in choices.items() if v > 0})

    def _placements(
        self,
        kid: Kid,
        start: date,
        stop: date,
        legal: list,
        adoption_placed: date | None,
        home_placement: list[date],
        rng: random.Random,
    ) -> list[tuple[date, str, str]]:
        """The child's placements over the period, before `stop`: (from, placement type, how it changed)."""
        ls_at = lambda day: [ls for d, ls in legal if d <= day][-1]  # noqa: E731
        placements = [(start, self._placement(kid, start, ls_at(start), rng), "new")]
        legal_days = {d for d, _ in legal}
        day = start
        while True:
            age = kid.age_on(day)
            mean = 420 if age >= 12 else 700
            day = day + timedelta(days=max(21, int(rng.expovariate(1 / mean))))
            if (
                day >= stop
                or (adoption_placed and day >= adoption_placed)
                or (home_placement and day >= home_placement[0])
            ):
                break
            if any(abs((day - d).days) < 3 for d in legal_days):
                continue
            ls = ls_at(day)
            if ls in (LS.POLICE_PROTECTION, LS.EPO, LS.PACE):
                continue
            current = placements[-1][1]
            if current in (PT.U6,) and ls == LS.FULL_CARE_ORDER and rng.random() < 0.5:
                placements.append((day, PT.U4, "same_carer"))  # the same carers, now long-term
                continue
            placements.append((day, self._placement(kid, day, ls, rng, exclude=current), "new"))
        if home_placement:
            placements.append((home_placement[0], PT.P1, "new"))
        if adoption_placed and adoption_placed < stop:
            current = placements[-1][1]
            if current in (PT.U5, PT.U6, PT.U4) and rng.random() < 0.35:
                placements.append((adoption_placed, PT.A5, "same_carer"))
            else:
                placements.append((adoption_placed, PT.A6, "new"))
        # A legal change to section 20 cannot leave the child placed with parents.
        fixed = []
        for d, place, how in placements:
            if place == PT.P1 and ls_at(d) == LS.SECTION_20:
                place = PT.U6
            fixed.append((d, place, how))
        # Placed-with-parents under a later section 20 episode is not allowed either: when the
        # legal status changes to V2 while at home, move the child.
        return fixed

    def _provider(self, place: str, rng: random.Random) -> str:
        if place in RELATIVE_FOSTER:
            return PP.OWN_LA
        if place in (PT.U4, PT.U5, PT.U6):
            return PP.OWN_LA if rng.random() < 0.6 else PP.PRIVATE
        if place == PT.P1:
            return PP.PARENT
        if place in (PT.A3, PT.A4, PT.A5, PT.A6):
            return PP.OWN_LA if rng.random() < 0.8 else PP.VOLUNTARY
        if place in (PT.K2, PT.R1):
            return pick(rng, {PP.PRIVATE: 0.7, PP.OWN_LA: 0.15, PP.VOLUNTARY: 0.15})
        if place in (PT.K3, PT.H5, PT.P2):
            return PP.PRIVATE if rng.random() < 0.6 else PP.VOLUNTARY
        if place in (PT.R3, PT.R5):
            return PP.OTHER_PUBLIC
        if place == PT.K1:
            return PP.OWN_LA if rng.random() < 0.5 else PP.OTHER_LA
        return PP.PRIVATE

    def _emit_episodes(
        self,
        ep: Ep,
        start: date,
        end: date | None,
        rec: str,
        legal: list,
        placements: list,
        pp_started: datetime | None,
        rng: random.Random,
    ) -> None:
        kid = ep.kid
        changes: dict[date, dict] = {}
        for d, ls in legal:
            changes.setdefault(d, {})["ls"] = ls
        for d, place, how in placements:
            changes.setdefault(d, {})["place"] = (place, how)
        days = sorted(changes)
        ls = place = provider = postcode = urn = ""
        rows = []
        for i, d in enumerate(days):
            change = changes[d]
            new_ls = change.get("ls", ls)
            if new_ls == LS.SECTION_20 and place == PT.P1 and "place" not in change:
                change["place"] = (PT.U6, "new")  # rule 378: V2 cannot be placed with parents
            placed = "place" in change
            if placed:
                new_place, how = change["place"]
                if how == "same_carer":
                    new_provider = provider or self._provider(new_place, rng)
                    new_postcode = postcode
                else:
                    new_provider = self._provider(new_place, rng)
                    if new_place == PT.P1:
                        new_postcode = kid.family.postcode
                    elif rng.random() < 0.65:
                        new_postcode = home_postcode(rng)
                    else:
                        new_postcode = rng.choice(self.pools.out_of_area_postcodes)
                new_urn = (
                    f"SC{rng.randint(100000, 999999)}"
                    if (new_place in CAMPUS_URN_KINDS or new_provider == PP.PRIVATE)
                    else ""
                )
                if how == "same_carer":
                    new_urn = urn
            else:
                new_place, new_provider, new_postcode, new_urn, how = place, provider, postcode, urn, ""
            if i == 0:
                rne = codes.ReasonNewEpisode.STARTED
            elif "ls" in change and new_ls != ls and placed:
                rne = RNE.STATUS_PLACEMENT_SAME_CARER if how == "same_carer" else RNE.STATUS_PLACEMENT_CARER
            elif placed:
                rne = RNE.PLACEMENT_SAME_CARER if how == "same_carer" else RNE.PLACEMENT_AND_CARER
            else:
                rne = RNE.LEGAL_STATUS
            rows.append([d, rne, new_ls, new_place, new_provider, new_postcode, new_urn])
            ls, place, provider, postcode, urn = new_ls, new_place, new_provider, new_postcode, new_urn
        first_episode_id = None
        for i, (d, rne, row_ls, row_place, row_provider, row_postcode, row_urn) in enumerate(rows):
            last = i + 1 == len(rows)
            episode_end = end if last else rows[i + 1][0]
            reason = rec if last else REC.NEW_EPISODE
            change_reason = ""
            if not last and rows[i + 1][1] in codes.NEW_PLACEMENT_RNE - {RNE.STARTED}:
                change_reason = (
                    PCR.STATUS_ONLY
                    if rows[i + 1][1] in SAME_CARER_RNE
                    else pick(rng, PLACEMENT_CHANGE_REASONS)
                )
            episode_id = self.sink.add(
                jm.LookedAfterEpisode,
                child_id=kid.id,
                start_date=d,
                reason_new_episode=rne,
                legal_status=row_ls,
                category_of_need=ep.need,
                placement_type=row_place,
                placement_provider=row_provider,
                placement_postcode=row_postcode,
                home_postcode=kid.family.postcode,
                provider_urn=row_urn,
                placement_change_reason=change_reason,
                end_date=episode_end,
                reason_ceased=reason if episode_end else "",
                police_protection_started_at=pp_started if row_ls == LS.POLICE_PROTECTION else None,
                recorded_at=self.recorded(rng, d),
            )
            first_episode_id = first_episode_id or episode_id
            if row_ls == LS.SECTION_20:
                planted = self.planted.roll("s20_without_consent", rng)
                self.planted.add(
                    "s20_without_consent",
                    case_number=kid.case_number,
                    record_type="LookedAfterEpisode",
                    record_id=episode_id,
                    start=d,
                    end=episode_end,
                    origin="planted" if planted else "by_construction",
                    description=(
                        "Section 20 accommodation with no parental consent on record (planted: to stay "
                        "without consent when the consent record exists)"
                        if planted
                        else "Section 20 accommodation; consent cannot be recorded yet (no consent model)"
                    ),
                )
        new_placement_days = [r[0] for r in rows if r[1] in codes.NEW_PLACEMENT_RNE]
        kid.spans.append(("cla", start, end, new_placement_days, first_episode_id))

    def _care_casework(
        self, ep: Ep, start: date, end: date | None, final: date | None, rng: random.Random
    ) -> None:
        """Who works with a looked-after child: the social worker's team changes, the IRO, and the
        authority's solicitor during proceedings."""
        kid = ep.kid
        if ep.teams and ep.teams[-1][1].kind == Kind.ASSESSMENT:
            self._to_team(ep, start, self._casework_kind(ep))
        transfer = max(start + timedelta(days=90), final or start)
        if end is None or end > transfer + timedelta(days=30):
            sixteen = (kid.dob + relativedelta(years=16)) if kid.dob else None
            kind = Kind.CARE_LEAVERS if sixteen and transfer >= sixteen else Kind.CHILDREN_IN_CARE
            if transfer <= self.last:
                self._to_team(ep, transfer, kind)
            if (
                kind == Kind.CHILDREN_IN_CARE
                and sixteen
                and transfer < sixteen <= self.last
                and (end is None or sixteen < end)
            ):
                self._to_team(ep, sixteen, Kind.CARE_LEAVERS)
        iro_start = self.wd.add(start, rng.randint(1, 5))
        if iro_start <= self.last and (end is None or iro_start < end):
            thread = StaffThread(self, [kid], self.org.iro_team, AK.IRO, iro_start, rng)
            ep.iro = thread
            thread.drop(kid, end)
        else:
            ep.iro = None
        if final is not None:
            issue = max(start - timedelta(days=rng.randint(0, 40)), ep.referral_date)
            stop = min(final, end) if end else final
            if stop > self.last:
                stop = None
            if stop is None or stop > issue:
                thread = StaffThread(self, [kid], self.org.legal_team, AK.SOLICITOR, issue, rng)
                thread.drop(kid, stop)

    def _reviews(self, ep: Ep, start: date, end: date | None, rng: random.Random) -> None:
        """Looked-after reviews: within 20 working days, then 3 months, then every 6 months."""
        kid, wd = ep.kid, self.wd
        late_index = rng.choice([1, 2, 3]) if self.planted.roll("late_cla_review", rng) else None
        prev = None
        k = 0
        stop = end or self.today
        while True:
            k += 1
            if k == 1:
                due = wd.add(start, 20)
                normal = wd.add(start, rng.randint(10, 20))
            else:
                due = add_months(prev, 3 if k == 2 else 6)
                normal = wd.on_or_before(due - timedelta(days=rng.randint(0, 25)))
                if normal <= prev:
                    normal = wd.on_or_before(due)
            late = k == late_index
            held = wd.on_or_after(due + timedelta(days=rng.randint(7, 40))) if late else normal
            if held >= stop or held > self.last:
                if late and due < min(stop, self.today):
                    self.planted.add(
                        "late_cla_review",
                        case_number=kid.case_number,
                        record_type="LookedAfterReview",
                        record_id=None,
                        start=due,
                        end=None,
                        description=(
                            f"Looked-after review {k} due by {due.isoformat()} "
                            "not held while the child was looked after"
                        ),
                    )
                break
            chair = ep.iro.holder_on(held) if ep.iro else None
            age = kid.age_on(held)
            review_id = self.sink.add(
                jm.LookedAfterReview,
                child_id=kid.id,
                held_on=held,
                participation=RP.PN0 if age < 4 else pick(rng, REVIEW_CODES),
                chaired_by_id=chair.user_id if chair else None,
                recorded_at=self.recorded(rng, held),
                recorded_by_id=chair.user_id if chair else None,
            )
            if late:
                self.planted.add(
                    "late_cla_review",
                    case_number=kid.case_number,
                    record_type="LookedAfterReview",
                    record_id=review_id,
                    start=due,
                    end=held,
                    description=(
                        f"Looked-after review {k} due by {due.isoformat()} held on {held.isoformat()}"
                    ),
                )
            prev = held

    def _missing(self, kid: Kid, start: date, end: date | None, rng: random.Random) -> None:
        if kid.dob is None:
            return
        twelve = kid.dob + relativedelta(years=12)
        first = max(start, twelve)
        stop = min(end or self.last, self.last)
        if first >= stop or rng.random() > 0.3:
            return
        for _ in range(rng.randint(1, 6)):
            day = first + timedelta(days=rng.randint(0, (stop - first).days))
            back = day + timedelta(days=rng.randint(0, 3))
            returned = back <= self.last
            offered = returned and rng.random() < 0.85
            self.sink.add(
                jm.MissingEpisode,
                child_id=kid.id,
                kind=codes.MissingType.MISSING if rng.random() < 0.65 else codes.MissingType.AWAY,
                started_on=day,
                ended_on=back if returned else None,
                return_interview_offered=offered if returned else None,
                return_interview_accepted=(rng.random() < 0.55) if offered else None,
                recorded_at=self.recorded(rng, day),
            )


class StaffThread:
    """A run of allocations of one kind (IRO, CP chair, solicitor) to the same person for a group
    of children, moving to a colleague when that person leaves."""

    def __init__(
        self,
        builder: JourneyBuilder,
        kids: list[Kid],
        team: TeamInfo,
        kind: str,
        start: date,
        rng: random.Random,
        prefer: Holder | None = None,
    ):
        self.builder = builder
        self.kids = list(kids)
        self.team = team
        self.kind = kind
        self.rng = rng
        self.start = start
        self.spans: list[tuple[date, date | None, Holder]] = []
        self.holder = (
            prefer
            if prefer is not None and prefer.active_on(start) and prefer.post.team is team
            else (self._choose(start))
        )
        self.first_user_id = self.holder.user_id if self.holder else None

    def _choose(self, day: date) -> Holder | None:
        people = self.team.workers_on(day)
        if not people:
            return None
        # The demo IRO and solicitor take a generous share, so that their "allocated" scope
        # shows children even in a small authority.
        favoured = self.builder.org.demo.get(
            Role.IRO if self.team is self.builder.org.iro_team else Role.SOLICITOR
        )
        if favoured in people and self.rng.random() < 0.25:
            return favoured
        return self.rng.choice(people)

    def on(self, day: date) -> Holder | None:
        while self.holder is not None and self.holder.left_on is not None and self.holder.left_on <= day:
            left = self.holder.left_on
            self.spans.append((self.start, left, self.holder))
            self.start = left
            self.holder = self._choose(left)
        return self.holder

    def holder_on(self, day: date) -> Holder | None:
        for start, end, holder in self.spans:
            if start <= day < end:
                return holder
        return self.on(day)

    def drop(self, kid: Kid, end: date | None) -> None:
        """Write the child's allocations up to `end` (None: still allocated)."""
        self.on(end or self.builder.today)
        spans = list(self.spans)
        if self.holder is not None:
            spans.append((self.start, end, self.holder))
        sink = self.builder.sink
        for i, (start, stop, holder) in enumerate(spans):
            if end is not None and start >= end:
                continue
            if stop is not None and end is not None and stop > end:
                stop = end
            last = i + 1 == len(spans)
            reason = ""
            if stop is not None:
                reason = ER.LEFTRL if not last else ER.PCCHAN
            sink.add(
                pm.Allocation,
                child_id=kid.id,
                worker_id=holder.user_id,
                team_id=self.team.id,
                kind=self.kind,
                started_on=start,
                ended_on=stop,
                end_reason=reason,
                recorded_at=self.builder.recorded(self.rng, start),
                recorded_by_id=None,
            )
