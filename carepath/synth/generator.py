"""Generate a whole synthetic local authority: staff, families, children and about five years of
their journeys, reproducible from a seed.

    generate_authority(children=2000, seed=1)

The same seed, size and `today` give the same rows (primary keys included, in an empty
database). Everything is written in one transaction with bulk inserts; no per-row service is
called, so no audit events are written for the synthetic history.
"""

import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from carepath.core.bulk import Sink
from carepath.core.permissions import Role
from carepath.people import models as pm
from carepath.people.models import ChildStatus

from .activity import ActivityWriter
from .allocation import AllocationSimulation
from .assurance import QA_LEAD_USERNAME, AssuranceSummary, AssuranceWriter
from .calendar import WorkingDays
from .journeys import JourneyBuilder, Kid, at, nhs_number, upn
from .legal import LegalPathwayWriter
from .organisation import DEMO_USERNAMES, Holder, OrganisationBuilder
from .planted import PlantedFailures
from .pools import build_pools
from .rates import DEFAULT_RATES

AK = pm.Allocation.Kind
ER = pm.Allocation.EndReason
Kind = pm.Team.Kind
OPEN = {ChildStatus.LOOKED_AFTER, ChildStatus.CHILD_PROTECTION, ChildStatus.CHILD_IN_NEED}

# The demo social worker's long-history child: known for five years, with a child in need plan,
# early help that stepped up, a first child protection plan that stepped down, and a second plan
# open today. Each entry fixes the family's decision at that point (JourneyBuilder.decide).
LONG_HISTORY_SCRIPT = {
    "contact_decision": ["referral", "early_help", "referral"],
    "nfa": [False, False, False],
    "direct_care": [False, False, False],
    "assessed": [True, True, True],
    "s47": [False, True, True],
    "assessment_outcome": ["cin_plan"],
    "s47_outcome": ["icpc", "icpc"],
    "icpc_plan": [True, True],
    "cp_care": [False] * 12,
    "cp_end": [False, True, False, False, False, False],
    "cp_outcome": ["step_down"],
    "cin_outcome": ["close", "close"],
    "cin_days": [200, 120],
    "recontact": [True, True],
    "gap": [150, 560],
    "eh_step_up": [True],
    "eh_days": [150],
    "stuck": [False, False, False],
}
DEMO_CASELOAD = (15, 25)


class GenerationRefused(RuntimeError):
    """The database is not empty enough to generate an authority into."""


@dataclass
class DemoLogin:
    role_label: str
    username: str
    description: str


# The organisation's demo accounts, and the QA lead the assurance writer adds (issue 5), in the
# order `carepath demo` prints them.
ALL_DEMO_USERNAMES: dict[str, str] = {}
for _role, _username in DEMO_USERNAMES.items():
    ALL_DEMO_USERNAMES[_role] = _username
    if _role == Role.QA_AUDITOR and Role.QA_LEAD not in DEMO_USERNAMES:
        ALL_DEMO_USERNAMES[Role.QA_LEAD] = QA_LEAD_USERNAME
# What each demo account is for, for `carepath demo` to print (with DEMO_ACCOUNTS). The report's
# `demo_logins` say the same with this authority's numbers.
DEMO_DESCRIPTIONS: dict[str, str] = {
    Role.SOCIAL_WORKER: "about 20 children on CP and CIN plans or looked after; one known for years",
    Role.TEAM_MANAGER: "manages the social worker's team; holds the one grant to a restricted record",
    Role.HEAD_OF_SERVICE: "heads Safeguarding and Children in Need",
    Role.DIRECTOR: "every child in the authority",
    Role.LEGAL_PANEL_MEMBER: "chairs the legal gateway panel; reads any child's record",
    Role.SOLICITOR: "the authority's solicitor for children in pre-proceedings or proceedings",
    Role.QA_AUDITOR: "case audits and moderations to do; reads only the children in their sample",
    Role.QA_LEAD: "runs the audit programme, moderation and calibration; every child's record",
    Role.IRO: "reviewing officer and CP chair for the children allocated",
    Role.PERFORMANCE_ANALYST: "teams, services and every record",
    Role.PARTNER_REFERRER: "a school's safeguarding lead; submits contacts only",
    Role.INSPECTOR: "read-only access to every child's record",
    Role.SYSTEM_ADMINISTRATOR: "manages user accounts; no access to children's records",
}
DEMO_ACCOUNTS: list[DemoLogin] = [
    DemoLogin(Role(role).label, username, DEMO_DESCRIPTIONS[role])
    for role, username in ALL_DEMO_USERNAMES.items()
]


@dataclass
class GenerationReport:
    children: int
    open_children: int
    staff: int
    planted: int
    seconds: float
    demo_logins: list[DemoLogin] = field(default_factory=list)
    rows: dict[str, int] = field(default_factory=dict)


def generate_authority(
    *,
    children: int,
    seed: int,
    today: date | None = None,
    planted_path: Path | None = None,
    planted_rates: dict[str, float] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> GenerationReport:
    """Generate an authority with `children` children into an empty database."""
    if children < 1:
        raise ValueError("Generate at least one child.")
    planted = PlantedFailures(planted_rates)  # refuses unknown kinds before anything else
    existing = pm.Child.objects.count()
    if existing:
        raise GenerationRefused(
            f"The database already holds {existing} children. Generate into an empty database "
            "(a new CAREPATH_DATA_DIR or DATABASE_URL, or `carepath flush` first)."
        )
    taken = sorted(
        pm.User.objects.filter(username__in=ALL_DEMO_USERNAMES.values()).values_list("username", flat=True)
    )
    if taken:
        raise GenerationRefused(
            f"Demo accounts already exist ({', '.join(taken)}). Generate into an empty database."
        )
    today = today or timezone.localdate()
    started = time.perf_counter()
    report = progress or (lambda phase, done, total: None)
    rates = DEFAULT_RATES
    history_start = today - relativedelta(years=5)
    epoch = today - relativedelta(years=11)
    wd = WorkingDays(epoch - timedelta(days=2 * 365), today + timedelta(days=3 * 365))
    pools = build_pools(seed)

    with transaction.atomic():
        sink = Sink()
        report("organisation", 0, 1)
        org = OrganisationBuilder(
            sink=sink,
            rng=random.Random(seed),
            pools=pools,
            rates=rates,
            children=children,
            today=today,
            epoch=epoch,
        ).build()
        report("organisation", 1, 1)
        journeys = JourneyBuilder(
            sink=sink,
            org=org,
            pools=pools,
            rates=rates,
            planted=planted,
            today=today,
            wd=wd,
            seed=seed,
            history_start=history_start,
        )
        script = {k: list(v) for k, v in LONG_HISTORY_SCRIPT.items()} if children >= 2 else None
        journeys.build_families(children, demo_script=script)
        demo_sw = org.demo[Role.SOCIAL_WORKER]
        long_history = journeys.families[0].kids if script else []
        for kid in long_history:
            kid.pinned_worker = demo_sw
        journeys.run(report)

        allocations = AllocationSimulation(
            journeys=journeys, org=org, planted=planted, seed=seed, today=today, history_start=history_start
        )
        allocations.run(report)
        _demo_caseload(journeys, allocations, org, today, random.Random(seed + 1), long_history)
        allocations.record_churn()
        _supervision_gaps(org, planted, today, history_start, wd, random.Random(seed + 2))
        allocations.write(sink, journeys.recorded)
        ActivityWriter(
            sink=sink,
            journeys=journeys,
            allocations=allocations,
            org=org,
            planted=planted,
            wd=wd,
            today=today,
            seed=seed,
        ).run(report)
        restricted = _restrict(journeys, allocations, org, today, random.Random(seed + 3), sink)
        _write_children(journeys, allocations, org, sink, random.Random(seed + 4), restricted)
        sink.flush()
        _long_history_top_up(journeys, allocations, org, today, sink, random.Random(seed + 5), long_history)
        sink.flush()
        LegalPathwayWriter(
            sink=sink, org=org, journeys=journeys, allocations=allocations, planted=planted, wd=wd,
            today=today, seed=seed, history_start=history_start,
        ).run(report)  # fmt: skip
        sink.flush()
        # Supervision, case directions and the audit programme, fitted around everything above.
        assurance = AssuranceWriter(
            sink=sink, org=org, journeys=journeys, allocations=allocations, planted=planted, wd=wd,
            today=today, seed=seed, history_start=history_start,
        ).run(report)  # fmt: skip
        sink.flush()
        sink.reset_sequences()

    if planted_path is not None:
        planted.write(Path(planted_path))
    open_children = sum(1 for kid in journeys.kids if kid.status != ChildStatus.CLOSED)
    staff = sum(
        1
        for h in org.all_holders
        if h.left_on is None and h.post.role != Role.PARTNER_REFERRER and h.post.role != Role.INSPECTOR
    )
    return GenerationReport(
        children=len(journeys.kids),
        open_children=open_children,
        staff=staff,
        planted=planted.planted_count,
        seconds=time.perf_counter() - started,
        demo_logins=_demo_logins(org, allocations, journeys, long_history, assurance),
        rows=dict(sink.counts),
    )


def _demo_caseload(
    journeys: JourneyBuilder,
    allocations: AllocationSimulation,
    org,
    today: date,
    rng: random.Random,
    long_history: list[Kid],
) -> None:
    """Give the demo social worker a realistic open caseload: 15 to 25 children, with child
    protection, looked-after and child-in-need children among them, and the long-history child."""
    demo = org.demo[Role.SOCIAL_WORKER]
    team = demo.post.team
    service_teams = {t.id for t in org.teams[Kind.SAFEGUARDING] + org.teams[Kind.DISABILITY]}

    def open_alloc(kid):
        return allocations.open_social_worker(kid)

    def move(kid: Kid, holder: Holder) -> None:
        alloc = open_alloc(kid)
        earliest = max(alloc.start + timedelta(days=1), holder.started_on)
        day = today - timedelta(days=rng.randint(10, 120))
        day = min(max(day, earliest), today - timedelta(days=1))
        if day <= alloc.start:
            return
        allocations.reallocate(kid, holder, day)

    for kid in long_history:
        alloc = open_alloc(kid)
        if alloc is not None and alloc.holder is not demo and kid.status in OPEN:
            move(kid, demo)

    def caseload():
        return [
            k
            for k in journeys.kids
            if k.status in OPEN and (a := open_alloc(k)) is not None and a.holder is demo
        ]

    candidates = [
        k
        for k in journeys.kids
        if k.status in OPEN
        and (a := open_alloc(k)) is not None
        and a.holder is not demo
        and a.start < today - timedelta(days=2)
    ]
    same_team = [k for k in candidates if open_alloc(k).team is team]
    in_service = [
        k for k in candidates if open_alloc(k).team.id in service_teams and open_alloc(k).team is not team
    ]
    anywhere = [k for k in candidates if open_alloc(k).team.id not in service_teams]
    for status in (ChildStatus.CHILD_PROTECTION, ChildStatus.LOOKED_AFTER, ChildStatus.CHILD_IN_NEED):
        have = sum(1 for k in caseload() if k.status == status)
        for pool in (same_team, in_service, anywhere):
            for kid in [k for k in pool if k.status == status]:
                if have >= 3:
                    break
                if open_alloc(kid).holder is not demo:
                    move(kid, demo)
                    have += 1
    target = rng.randint(18, 22)
    for pool in (same_team, in_service):
        for kid in pool:
            if len(caseload()) >= target:
                break
            if open_alloc(kid).holder is not demo:
                move(kid, demo)
    mine = caseload()
    if len(mine) > DEMO_CASELOAD[1]:
        colleagues = [h for h in team.workers_on(today - timedelta(days=1)) if h is not demo] or [
            org.manager_or_head(team, today - timedelta(days=1))
        ]
        keep = {k.id for k in long_history}
        by_status: dict[str, int] = {}
        for kid in mine:
            by_status[kid.status] = by_status.get(kid.status, 0) + 1
        for kid in sorted(mine, key=lambda k: k.status != ChildStatus.CHILD_IN_NEED):
            if len(caseload()) <= target:
                break
            if kid.id in keep or by_status[kid.status] <= 3:
                continue
            move(kid, rng.choice(colleagues))
            by_status[kid.status] -= 1


def _supervision_gaps(
    org, planted: PlantedFailures, today: date, history_start: date, wd: WorkingDays, rng: random.Random
) -> None:
    """Plant stretches with no supervision. The assurance writer holds a session on the first
    day and on the last (none after it, for a gap still open today) and none between, so the
    planted file is the whole truth about gaps. A third of the gaps of workers still in post run
    to today (the supervision pages show them overdue, and they are escalated); the demo team
    always has one, on a colleague of the demo social worker, if it has anyone eligible."""
    demo_sw = org.demo[Role.SOCIAL_WORKER]
    demo_team = demo_sw.post.team
    demo_candidates: list[Holder] = []
    open_in_demo_team = False

    def plant(holder: Holder, start: date, end: date | None) -> None:
        if end is None:
            description = (
                f"No supervision since {start.isoformat()} ({(today - start).days} days to "
                f"{today.isoformat()}): the session on {start.isoformat()} is the last."
            )
        else:
            description = (
                f"No supervision between {start.isoformat()} and {end.isoformat()} "
                f"({(end - start).days} days): sessions on both days and none between."
            )
        planted.add(
            "supervision_gap",
            worker=holder.username,
            record_type="User",
            record_id=holder.user_id,
            start=start,
            end=end,
            description=description,
        )

    for holder in org.all_holders:
        post = holder.post
        if post.role != Role.SOCIAL_WORKER or not post.registered:
            continue
        begin = max(holder.started_on, history_start) + timedelta(days=60)
        finish = (holder.left_on or today) - timedelta(days=30)
        if (finish - begin).days < 270:
            continue
        if post.team is demo_team and holder.left_on is None and holder is not demo_sw:
            demo_candidates.append(holder)
        if not planted.roll("supervision_gap", rng):
            continue
        if holder.left_on is None and rng.random() < 1 / 3:
            plant(holder, wd.on_or_before(today - timedelta(days=rng.randint(40, 120))), None)
            open_in_demo_team = open_in_demo_team or post.team is demo_team
            continue
        length = rng.randint(63, 177)  # 2 to 6 months once both ends are moved to working days
        start = begin + timedelta(days=rng.randint(0, max(0, (finish - begin).days - length)))
        end = min(start + timedelta(days=length), finish)
        plant(holder, wd.on_or_before(start), wd.on_or_before(end))
    if not open_in_demo_team and demo_candidates:
        gapped = {row.record_id for row in planted.rows if row.kind == "supervision_gap"}
        free = [h for h in demo_candidates if h.user_id not in gapped]
        if free:
            plant(rng.choice(free), wd.on_or_before(today - timedelta(days=rng.randint(40, 80))), None)


def _restrict(
    journeys: JourneyBuilder,
    allocations: AllocationSimulation,
    org,
    today: date,
    rng: random.Random,
    sink: Sink,
) -> set[int]:
    """A handful of restricted records (for example a member of staff's own child), with one
    explicit grant: to the demo team manager, for a child in their team."""
    demo_sw = org.demo[Role.SOCIAL_WORKER]
    manager = org.demo[Role.TEAM_MANAGER]
    team = manager.post.team
    count = journeys.rates.restricted_children_min + len(journeys.kids) // 15000
    eligible = [
        k
        for k in journeys.kids
        if (a := allocations.open_social_worker(k)) is not None
        and a.holder is not demo_sw
        and k.pinned_worker is None
    ]
    in_team = [k for k in eligible if allocations.open_social_worker(k).team is team]
    chosen: list[Kid] = []
    if in_team:
        chosen.append(rng.choice(in_team))
    others = [k for k in eligible if k not in chosen]
    chosen.extend(rng.sample(others, min(len(others), count - len(chosen))))
    for kid in chosen:
        kid.is_restricted = True
    if in_team:
        sink.add(
            pm.RestrictedRecordGrant,
            child_id=chosen[0].id,
            user_id=manager.user_id,
            granted_by_id=org.demo[Role.HEAD_OF_SERVICE].user_id,
            granted_at=at(today - timedelta(days=30), 10),
            reason="The child of a member of staff in the service: access limited to the team manager.",
        )
    return {k.id for k in chosen}


def _write_children(
    journeys: JourneyBuilder,
    allocations: AllocationSimulation,
    org,
    sink: Sink,
    rng: random.Random,
    restricted: set[int],
) -> None:
    today = journeys.today
    mash_teams = org.teams[Kind.FRONT_DOOR]
    for kid in journeys.kids:
        fam = kid.family
        allocs = allocations.allocs.get(kid.id, [])
        social = [a for a in allocs if a.kind == AK.SOCIAL_WORKER]
        early = [a for a in allocs if a.kind == AK.EARLY_HELP_WORKER]
        current = allocations.open_social_worker(kid)
        if current is not None:
            worker_id, team_id = current.holder.user_id, current.team.id
        elif social:
            worker_id, team_id = None, max(social, key=lambda a: (a.start, a.end or today)).team.id
        elif early:
            worker_id, team_id = None, max(early, key=lambda a: (a.start, a.end or today)).team.id
        else:
            worker_id, team_id = None, mash_teams[fam.key % len(mash_teams)].id
        kid.allocated_worker_id, kid.allocated_team_id = worker_id, team_id
        created = kid.created_on or fam.t0
        born = kid.dob
        school_age = born is not None and born < today - timedelta(days=4 * 365)
        sink.add(
            pm.Child,
            id=kid.id,
            public_id=uuid.UUID(int=rng.getrandbits(128), version=4),
            case_number=kid.case_number,
            first_name=kid.first_name,
            last_name=fam.surname,
            preferred_name="" if born else "Baby",
            date_of_birth=born,
            expected_date_of_birth=kid.edd,
            sex=kid.sex,
            ethnicity=kid.ethnicity,
            disabilities=kid.disabilities,
            upn=upn(rng) if school_age and rng.random() < 0.9 else "",
            nhs_number=nhs_number(rng) if born else "",
            first_language=fam.language,
            postcode=fam.postcode,
            family_id=fam.id,
            is_restricted=kid.id in restricted,
            created_on=created,
            allocated_worker_id=worker_id,
            allocated_team_id=team_id,
            status=kid.status,
            recorded_at=at(created, 10, 30),
            recorded_by_id=None,
        )


def _long_history_top_up(
    journeys: JourneyBuilder,
    allocations: AllocationSimulation,
    org,
    today: date,
    sink: Sink,
    rng: random.Random,
    long_history: list[Kid],
) -> None:
    """Make sure one of the demo social worker's children has a long timeline (200+ events): the
    long-history child if the script kept it with them, else the child with the most history. If
    the journey fell short, add phone calls and correspondence across the years the case was open."""
    from carepath.journey.models import CaseNote
    from carepath.journey.selectors import timeline_for

    demo = org.demo[Role.SOCIAL_WORKER]

    def with_demo(kid: Kid) -> bool:
        alloc = allocations.open_social_worker(kid)
        return alloc is not None and alloc.holder is demo and kid.status in OPEN

    candidates = [k for k in long_history if with_demo(k)] or [k for k in journeys.kids if with_demo(k)]
    if not candidates:
        return
    lengths = {k.id: len(timeline_for(pm.Child.objects.get(pk=k.id))) for k in candidates}
    kid = max(candidates, key=lambda k: (lengths[k.id], -k.id))
    missing = 210 - lengths[kid.id]
    if missing <= 0:
        return
    spans = [(s[1], s[2] or today) for s in kid.spans if s[0] == "open"]
    if not spans:
        return
    social = sorted(
        (a for a in allocations.allocs.get(kid.id, []) if a.kind == AK.SOCIAL_WORKER), key=lambda a: a.start
    )
    for _ in range(missing):
        start, end = rng.choice(spans)
        day = start + timedelta(days=rng.randint(0, max(0, (end - start).days - 1)))
        day = min(day, today - timedelta(days=1))
        holder = next((a.holder for a in reversed(social) if a.start <= day), org.demo[Role.SOCIAL_WORKER])
        when = at(day, rng.randint(9, 17), rng.randint(0, 59))
        sink.add(
            CaseNote,
            child_id=kid.id,
            happened_at=when,
            kind=rng.choice([CaseNote.Kind.PHONE_CALL, CaseNote.Kind.CORRESPONDENCE]),
            subject="Update from the family",
            text="Call with the family to check how things are going.",
            author_id=holder.user_id,
            recorded_at=journeys.recorded(rng, when),
            recorded_by_id=holder.user_id,
        )


def _demo_logins(
    org,
    allocations: AllocationSimulation,
    journeys: JourneyBuilder,
    long_history: list[Kid],
    assurance: AssuranceSummary,
) -> list[DemoLogin]:
    demo = org.demo
    open_by_worker: dict[tuple[int, str], int] = {}
    for (_child_id, kind), alloc in allocations.current.items():
        key = (alloc.holder.user_id, kind)
        open_by_worker[key] = open_by_worker.get(key, 0) + 1
    from carepath.people.models import Allocation

    sw = demo[Role.SOCIAL_WORKER]
    caseload = open_by_worker.get((sw.user_id, AK.SOCIAL_WORKER), 0)
    team = sw.post.team
    iro_count = Allocation.objects.filter(
        worker_id=demo[Role.IRO].user_id, kind=AK.IRO, ended_on__isnull=True
    ).count()
    solicitor_count = Allocation.objects.filter(
        worker_id=demo[Role.SOLICITOR].user_id, kind=AK.SOLICITOR, ended_on__isnull=True
    ).count()
    long_name = ""
    if long_history:
        kid = long_history[0]
        long_name = f", including {kid.first_name} {kid.family.surname} (known for five years)"
    school_name = org.schools[0].name if org.schools else "a school"
    descriptions = {
        Role.SOCIAL_WORKER: f"{caseload} open children in {team.name}{long_name}",
        Role.TEAM_MANAGER: f"manages {team.name}; holds the one grant to a restricted record",
        Role.HEAD_OF_SERVICE: "heads Safeguarding and Children in Need, the demo team's service",
        Role.DIRECTOR: "every child in the authority",
        Role.LEGAL_PANEL_MEMBER: "chairs the legal gateway panel; reads any child's record",
        Role.SOLICITOR: f"allocated to {solicitor_count} children in pre-proceedings or proceedings",
        Role.QA_AUDITOR: (
            f"{assurance.demo_auditor_open} case audits to do and moderations waiting; reads only the "
            "children in their audit sample"
        ),
        Role.QA_LEAD: (
            f"runs the audit programme ({assurance.completed} audits completed, {assurance.moderated} "
            "moderated); reviews the calibration flags"
        ),
        Role.IRO: f"independent reviewing officer for {iro_count} looked-after children",
        Role.PERFORMANCE_ANALYST: "teams, services and every child's record",
        Role.PARTNER_REFERRER: f"safeguarding lead at {school_name}; submits contacts only",
        Role.INSPECTOR: "read-only access to every child's record",
        Role.SYSTEM_ADMINISTRATOR: "manages user accounts; no access to children's records",
    }
    return [
        DemoLogin(Role(role).label, username, descriptions[role])
        for role, username in ALL_DEMO_USERNAMES.items()
    ]
