"""The authority's structure and staff over time: directorate, services, teams, posts and the
people who held each post (with turnover), partner agencies and their professionals.

A post is a seat in a team (a social worker's caseload, a team manager's desk). Each post has a
run of holders: when one leaves, the post is vacant for a while and then someone new starts.
Leavers keep their accounts, disabled, with `left_on` set; the allocation simulation moves their
children to colleagues on that day.
"""

import math
import random
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from carepath.core import codes
from carepath.core.bulk import Sink
from carepath.core.permissions import DEFAULT_SCOPE, Role
from carepath.people import models as pm

from .pools import AUTHORITY_NAMES, LOCALITIES, TOWNS, NamePools
from .rates import Rates

LONDON = ZoneInfo("Europe/London")
Kind = pm.Team.Kind

# Fixed usernames of the demo accounts, one per role. `carepath demo` sets their passwords.
DEMO_USERNAMES: dict[str, str] = {
    Role.SOCIAL_WORKER: "social.worker",
    Role.TEAM_MANAGER: "team.manager",
    Role.HEAD_OF_SERVICE: "head.of.service",
    Role.DIRECTOR: "director",
    Role.LEGAL_PANEL_MEMBER: "panel.member",
    Role.SOLICITOR: "solicitor",
    Role.QA_AUDITOR: "qa.auditor",
    Role.QA_LEAD: "qa.lead",
    Role.IRO: "iro",
    Role.PERFORMANCE_ANALYST: "analyst",
    Role.PARTNER_REFERRER: "referrer",
    Role.INSPECTOR: "inspector",
    Role.SYSTEM_ADMINISTRATOR: "sysadmin",
}

# Open children per child in the authority's history, by the kind of team that holds them
# (calibrated against the journey model), used to size the workforce so that caseloads land
# around the target.
OPEN_CASES_PER_CHILD = {
    Kind.ASSESSMENT: 0.0165,
    Kind.SAFEGUARDING: 0.09,
    Kind.DISABILITY: 0.007,
    Kind.CHILDREN_IN_CARE: 0.022,
    Kind.CARE_LEAVERS: 0.0065,
    Kind.EARLY_HELP: 0.057,
}
POSTS_PER_TEAM = 7


def at(day: date, hour: int = 9, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=LONDON)


@dataclass(slots=True)
class Holder:
    user_id: int
    username: str
    first_name: str
    last_name: str
    started_on: date
    left_on: date | None
    agency: bool
    post: "Post"

    def active_on(self, day: date) -> bool:
        return self.started_on <= day and (self.left_on is None or day < self.left_on)


@dataclass(slots=True)
class Post:
    role: str
    team: "TeamInfo | None"
    job_title: str
    registered: bool  # holds a Social Work England registration
    service_id: int | None = None  # for posts outside any team (heads of service)
    holders: list[Holder] = field(default_factory=list)

    def holder_on(self, day: date) -> Holder | None:
        for holder in self.holders:
            if holder.active_on(day):
                return holder
        return None


@dataclass(slots=True)
class TeamInfo:
    id: int
    name: str
    kind: str
    service_id: int
    posts: list[Post] = field(default_factory=list)
    manager_post: Post | None = None

    def workers_on(self, day: date) -> list[Holder]:
        found = []
        for post in self.posts:
            holder = post.holder_on(day)
            if holder is not None:
                found.append(holder)
        return found

    def manager_on(self, day: date) -> Holder | None:
        return self.manager_post.holder_on(day) if self.manager_post else None


@dataclass
class Agency:
    id: int
    name: str
    kind: str
    source: str
    professional_ids: list[int]


@dataclass
class Organisation:
    authority_name: str
    domain: str
    directorate_id: int
    service_ids: dict[str, int]
    service_heads: dict[str, Holder]
    teams: dict[str, list[TeamInfo]]
    director: Holder
    iro_team: TeamInfo
    legal_team: TeamInfo
    quality_team: TeamInfo
    agencies_by_source: dict[str, list[Agency]]
    schools: list[Agency]
    gps: list[Agency]
    community_health: Agency
    demo: dict[str, Holder]
    all_holders: list[Holder]
    epoch: date

    def team_for(self, kind: str, family_key: int) -> TeamInfo:
        teams = self.teams[kind]
        return teams[family_key % len(teams)]

    def anyone_on(self, team: TeamInfo, day: date, rng: random.Random) -> Holder:
        """Someone in the team on the day: a worker, else the manager, else the head of service."""
        workers = team.workers_on(day)
        if workers:
            return rng.choice(workers)
        return self.manager_or_head(team, day)

    def manager_or_head(self, team: TeamInfo, day: date) -> Holder:
        manager = team.manager_on(day)
        if manager is not None:
            return manager
        return self.head_of(team)

    def head_of(self, team: TeamInfo) -> Holder:
        for key, service_id in self.service_ids.items():
            if service_id == team.service_id:
                return self.service_heads[key]
        return self.director


class OrganisationBuilder:
    def __init__(
        self,
        *,
        sink: Sink,
        rng: random.Random,
        pools: NamePools,
        rates: Rates,
        children: int,
        today: date,
        epoch: date,
    ):
        self.sink = sink
        self.rng = rng
        self.pools = pools
        self.rates = rates
        self.children = children
        self.today = today
        self.epoch = epoch
        self._usernames: set[str] = set(DEMO_USERNAMES.values())
        self._swe_numbers: set[str] = set()
        self.holders: list[Holder] = []
        self.authority_name = rng.choice(AUTHORITY_NAMES)
        self.domain = re.sub(r"[^a-z]", "", self.authority_name.split()[0].lower()) + ".example"

    # -- people ---------------------------------------------------------------------------------

    def _name(self) -> tuple[str, str]:
        first = self.rng.choice(self.pools.female if self.rng.random() < 0.78 else self.pools.male)
        return first, self.rng.choice(self.pools.surnames)

    def _username(self, first: str, last: str) -> str:
        base = re.sub(r"[^a-z]", "", first.lower()) + "." + re.sub(r"[^a-z]", "", last.lower())
        candidate, n = base, 1
        while candidate in self._usernames:
            n += 1
            candidate = f"{base}{n}"
        self._usernames.add(candidate)
        return candidate

    def _swe(self) -> str:
        while True:
            number = f"SW{self.rng.randint(10000, 999999):06d}"
            if number not in self._swe_numbers:
                self._swe_numbers.add(number)
                return number

    def _unusable_password(self) -> str:
        # Django's unusable-password marker, with a suffix from the seeded Random (not os.urandom)
        # so that the same seed gives the same rows.
        return "!" + "".join(self.rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(40))

    def _hire(
        self,
        post: Post,
        started_on: date,
        left_on: date | None,
        *,
        agency: bool,
        username: str | None = None,
        name: tuple[str, str] | None = None,
        newly_qualified_hire: bool = False,
        partner_agency_id: int | None = None,
    ) -> Holder:
        first, last = name or self._name()
        username = username or self._username(first, last)
        user_id = self.sink.new_id(pm.User)
        team = post.team
        service_id = team.service_id if team else post.service_id
        qualified_on = None
        newly_qualified = False
        swe = ""
        if post.registered:
            swe = self._swe()
            if newly_qualified_hire:
                qualified_on = started_on - timedelta(days=self.rng.randint(0, 60))
                newly_qualified = left_on is None and (self.today - qualified_on).days < 365
            else:
                qualified_on = started_on - timedelta(days=self.rng.randint(300, 15 * 365))
        job_title = post.job_title
        if post.role == Role.SOCIAL_WORKER and post.registered:
            if newly_qualified:
                job_title = "Newly qualified social worker (ASYE)"
            elif agency:
                job_title = "Locum social worker"
        self.sink.add(
            pm.User,
            id=user_id,
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@{self.domain}",
            password=self._unusable_password(),
            is_active=left_on is None,
            is_staff=False,
            is_superuser=False,
            date_joined=at(started_on),
            role=post.role,
            scope=DEFAULT_SCOPE[post.role],
            team_id=team.id if team else None,
            service_id=service_id,
            job_title=job_title,
            employment_type=pm.User.EmploymentType.AGENCY if agency else pm.User.EmploymentType.PERMANENT,
            newly_qualified=newly_qualified,
            qualified_on=qualified_on,
            social_work_england_number=swe,
            started_on=started_on,
            left_on=left_on,
            partner_agency_id=partner_agency_id,
        )
        holder = Holder(user_id, username, first, last, started_on, left_on, agency, post)
        post.holders.append(holder)
        self.holders.append(holder)
        return holder

    def _staff_post(self, post: Post, *, turnover: bool = True, demo_username: str | None = None) -> None:
        """Fill a post from the epoch to today with a run of holders."""
        rng = self.rng
        start = self.epoch - timedelta(days=rng.randint(0, 5 * 365))
        demo_from = None
        if demo_username:
            # The demo account has held its post for two to four years and is still there.
            demo_from = self.today - timedelta(days=rng.randint(2 * 365, 4 * 365))
        while start < self.today:
            if demo_from is not None and start >= demo_from - timedelta(days=30):
                break
            agency = (
                turnover
                and post.role == Role.SOCIAL_WORKER
                and rng.random() < self.rates.agency_share_of_hires
            )
            if not turnover:
                tenure = 30 * 365
            elif agency:
                tenure = max(30, int(rng.expovariate(1 / 300)))
            elif post.role == Role.SOCIAL_WORKER:
                tenure = max(90, int(rng.expovariate(1 / (4 * 365))))
            else:
                tenure = max(180, int(rng.expovariate(1 / (6 * 365))))
            left_on = start + timedelta(days=tenure)
            if demo_from is not None and left_on >= demo_from:
                left_on = demo_from - timedelta(days=rng.randint(1, 30))
                if left_on <= start:
                    break
            if left_on >= self.today:
                left_on = None
            nq = (
                not agency
                and post.registered
                and post.role == Role.SOCIAL_WORKER
                and rng.random() < self.rates.newly_qualified_share_of_permanent_hires
            )
            if left_on is None or left_on > self.epoch:
                self._hire(post, start, left_on, agency=agency, newly_qualified_hire=nq)
            if left_on is None:
                break
            start = left_on + timedelta(days=rng.randint(0, 40))
        if demo_from is not None:
            self._hire(post, demo_from, None, agency=False, username=demo_username)

    # -- structure ------------------------------------------------------------------------------

    def _team(self, service_id: int, name: str, kind: str) -> TeamInfo:
        team_id = self.sink.new_id(pm.Team)
        return TeamInfo(team_id, name, kind, service_id)

    def build(self) -> Organisation:
        rng, sink = self.rng, self.sink
        directorate_id = sink.add(
            pm.Directorate, name="Children's Services", authority_name=self.authority_name, la_code="999"
        )
        service_names = {
            "front_door": "Front Door, Early Help and Assessment",
            "safeguarding": "Safeguarding and Children in Need",
            "care": "Children in Care and Care Leavers",
            "quality": "Safeguarding Standards and Quality",
            "legal": "Legal Services",
        }
        service_ids = {key: sink.new_id(pm.Service) for key in service_names}
        service_of_kind = {
            Kind.FRONT_DOOR: "front_door",
            Kind.EARLY_HELP: "front_door",
            Kind.ASSESSMENT: "front_door",
            Kind.SAFEGUARDING: "safeguarding",
            Kind.DISABILITY: "safeguarding",
            Kind.CHILDREN_IN_CARE: "care",
            Kind.CARE_LEAVERS: "care",
            Kind.IRO: "quality",
            Kind.QUALITY: "quality",
            Kind.LEGAL: "legal",
        }
        teams: dict[str, list[TeamInfo]] = {}

        def make_teams(
            kind: str,
            label: str,
            posts: int,
            role: str,
            job_title: str,
            registered: bool = True,
            single: bool = False,
        ):
            n_teams = 1 if single else max(1, math.ceil(posts / POSTS_PER_TEAM))
            made = []
            for i in range(n_teams):
                suffix = f" {LOCALITIES[i % len(LOCALITIES)]}" if n_teams > 1 else ""
                if n_teams > len(LOCALITIES):
                    suffix = f" {LOCALITIES[i % len(LOCALITIES)]} {i // len(LOCALITIES) + 1}"
                made.append(self._team(service_ids[service_of_kind[kind]], f"{label}{suffix}", kind))
            for i in range(max(posts, 2 * n_teams)):
                team = made[i % n_teams]
                team.posts.append(Post(role, team, job_title, registered))
            for team in made:
                team.manager_post = Post(Role.TEAM_MANAGER, team, "Team manager", True)
            teams[kind] = made
            return made

        n = self.children
        target = self.rates.caseload_target

        def sw_posts(kind):
            return max(3, round(n * OPEN_CASES_PER_CHILD[kind] / target))

        make_teams(Kind.FRONT_DOOR, "MASH", max(3, round(n / 4000)), Role.SOCIAL_WORKER, "MASH social worker")
        make_teams(
            Kind.ASSESSMENT, "Assessment Team", sw_posts(Kind.ASSESSMENT), Role.SOCIAL_WORKER, "Social worker"
        )
        make_teams(
            Kind.EARLY_HELP,
            "Early Help Team",
            sw_posts(Kind.EARLY_HELP),
            Role.SOCIAL_WORKER,
            "Early help practitioner",
            registered=False,
        )
        safeguarding = make_teams(
            Kind.SAFEGUARDING,
            "Safeguarding Team",
            max(5, sw_posts(Kind.SAFEGUARDING)),
            Role.SOCIAL_WORKER,
            "Social worker",
        )
        make_teams(
            Kind.DISABILITY,
            "Children with Disabilities Team",
            sw_posts(Kind.DISABILITY),
            Role.SOCIAL_WORKER,
            "Social worker",
        )
        make_teams(
            Kind.CHILDREN_IN_CARE,
            "Children in Care Team",
            sw_posts(Kind.CHILDREN_IN_CARE),
            Role.SOCIAL_WORKER,
            "Social worker",
        )
        make_teams(
            Kind.CARE_LEAVERS,
            "16+ and Care Leavers Team",
            sw_posts(Kind.CARE_LEAVERS),
            Role.SOCIAL_WORKER,
            "Social worker",
        )
        iro_posts = max(3, round(n * 0.045 / 55))
        # One reviewing service however many IROs, with one manager.
        iro_team = make_teams(
            Kind.IRO,
            "Independent Reviewing Service",
            iro_posts,
            Role.IRO,
            "Independent reviewing officer and CP chair",
            single=True,
        )[0]
        quality_team = self._team(service_ids["quality"], "Quality Assurance and Performance", Kind.QUALITY)
        quality_team.manager_post = Post(Role.TEAM_MANAGER, quality_team, "Quality assurance manager", True)
        teams[Kind.QUALITY] = [quality_team]
        legal_team = self._team(service_ids["legal"], "Children's Legal Team", Kind.LEGAL)
        legal_team.manager_post = Post(Role.SOLICITOR, legal_team, "Principal solicitor", False)
        teams[Kind.LEGAL] = [legal_team]
        for _ in range(max(3, round(n / 8000))):
            legal_team.posts.append(Post(Role.SOLICITOR, legal_team, "Solicitor (child care)", False))
        for role, title, count, registered in [
            (Role.QA_AUDITOR, "Quality assurance officer", max(2, round(n / 20000)), True),
            (Role.PERFORMANCE_ANALYST, "Performance analyst", max(2, round(n / 25000)), False),
        ]:
            for _ in range(count):
                quality_team.posts.append(Post(role, quality_team, title, registered))

        # Write the structure (heads and managers are set once their holders exist).
        head_posts = {
            key: Post(Role.HEAD_OF_SERVICE, None, "Head of service", True, service_ids[key])
            for key in service_names
        }
        director_post = Post(Role.DIRECTOR, None, "Director of Children's Services", True)
        panel_posts = [
            Post(Role.LEGAL_PANEL_MEMBER, legal_team, "Legal gateway panel chair", True) for _ in range(3)
        ]
        inspector_posts = [Post(Role.INSPECTOR, None, "Ofsted inspector", True) for _ in range(2)]
        admin_posts = [Post(Role.SYSTEM_ADMINISTRATOR, None, "System administrator", False) for _ in range(2)]

        demo_team = safeguarding[0]
        demo_sw_post = demo_team.posts[0]
        demo: dict[str, Holder] = {}

        # Directors and heads are stable; front-line posts turn over.
        director = self._hire(
            director_post,
            self.today - timedelta(days=rng.randint(400, 2500)),
            None,
            agency=False,
            username=DEMO_USERNAMES[Role.DIRECTOR],
        )
        demo[Role.DIRECTOR] = director
        service_heads = {}
        for key, post in head_posts.items():
            username = DEMO_USERNAMES[Role.HEAD_OF_SERVICE] if key == "safeguarding" else None
            holder = self._hire(
                post,
                self.today - timedelta(days=rng.randint(700, 3000)),
                None,
                agency=False,
                username=username,
            )
            service_heads[key] = holder
            if username:
                demo[Role.HEAD_OF_SERVICE] = holder

        for kind_teams in teams.values():
            for team in kind_teams:
                if team.manager_post is not None:
                    username = DEMO_USERNAMES[Role.TEAM_MANAGER] if team is demo_team else None
                    if username:
                        self._staff_post(team.manager_post, demo_username=username)
                    else:
                        self._staff_post(team.manager_post)
                for post in team.posts:
                    demo_username = None
                    if post is demo_sw_post:
                        demo_username = DEMO_USERNAMES[Role.SOCIAL_WORKER]
                    elif team is iro_team and post is iro_team.posts[0]:
                        demo_username = DEMO_USERNAMES[Role.IRO]
                    elif team is legal_team and post is legal_team.posts[0]:
                        demo_username = DEMO_USERNAMES[Role.SOLICITOR]
                    elif (
                        team is quality_team and post.role == Role.QA_AUDITOR and Role.QA_AUDITOR not in demo
                    ):
                        demo_username = DEMO_USERNAMES[Role.QA_AUDITOR]
                    elif (
                        team is quality_team
                        and post.role == Role.PERFORMANCE_ANALYST
                        and Role.PERFORMANCE_ANALYST not in demo
                    ):
                        demo_username = DEMO_USERNAMES[Role.PERFORMANCE_ANALYST]
                    self._staff_post(
                        post,
                        turnover=post.role in (Role.SOCIAL_WORKER, Role.IRO),
                        demo_username=demo_username,
                    )
                    if demo_username:
                        role = post.role
                        demo[role] = post.holders[-1]
        demo[Role.TEAM_MANAGER] = demo_team.manager_post.holders[-1]
        for i, post in enumerate(panel_posts):
            holder = self._hire(
                post,
                self.today - timedelta(days=rng.randint(400, 3000)),
                None,
                agency=False,
                username=DEMO_USERNAMES[Role.LEGAL_PANEL_MEMBER] if i == 0 else None,
            )
            if i == 0:
                demo[Role.LEGAL_PANEL_MEMBER] = holder
        for i, post in enumerate(inspector_posts):
            holder = self._hire(
                post,
                self.today - timedelta(days=rng.randint(30, 200)),
                None,
                agency=False,
                username=DEMO_USERNAMES[Role.INSPECTOR] if i == 0 else None,
            )
            if i == 0:
                demo[Role.INSPECTOR] = holder
        for i, post in enumerate(admin_posts):
            holder = self._hire(
                post,
                self.today - timedelta(days=rng.randint(400, 3000)),
                None,
                agency=False,
                username=DEMO_USERNAMES[Role.SYSTEM_ADMINISTRATOR] if i == 0 else None,
            )
            if i == 0:
                demo[Role.SYSTEM_ADMINISTRATOR] = holder

        for key, name in service_names.items():
            sink.add(
                pm.Service,
                id=service_ids[key],
                directorate_id=directorate_id,
                name=name,
                head_id=service_heads[key].user_id,
            )
        for kind_teams in teams.values():
            for team in kind_teams:
                manager = team.manager_on(self.today - timedelta(days=1)) if team.manager_post else None
                sink.add(
                    pm.Team,
                    id=team.id,
                    service_id=team.service_id,
                    name=team.name,
                    kind=team.kind,
                    manager_id=manager.user_id if manager else None,
                )

        agencies_by_source, schools, gps, community = self._agencies()
        # The demo referrer works at a school and submits contacts online.
        school = schools[0]
        referrer_post = Post(Role.PARTNER_REFERRER, None, "Designated safeguarding lead", False)
        demo[Role.PARTNER_REFERRER] = self._hire(
            referrer_post,
            self.today - timedelta(days=rng.randint(700, 1500)),
            None,
            agency=False,
            username=DEMO_USERNAMES[Role.PARTNER_REFERRER],
            partner_agency_id=school.id,
        )
        for agency in schools[1:4]:
            self._hire(
                Post(Role.PARTNER_REFERRER, None, "Designated safeguarding lead", False),
                self.today - timedelta(days=rng.randint(100, 1500)),
                None,
                agency=False,
                partner_agency_id=agency.id,
            )

        return Organisation(
            authority_name=self.authority_name,
            domain=self.domain,
            directorate_id=directorate_id,
            service_ids=service_ids,
            service_heads=service_heads,
            teams=teams,
            director=director,
            iro_team=iro_team,
            legal_team=legal_team,
            quality_team=quality_team,
            agencies_by_source=agencies_by_source,
            schools=schools,
            gps=gps,
            community_health=community,
            demo=demo,
            all_holders=self.holders,
            epoch=self.epoch,
        )

    # -- partner agencies ---------------------------------------------------------------------

    def _agencies(self):
        rng, sink = self.rng, self.sink
        county = self.authority_name.split()[0]
        PA = pm.PartnerAgency.Kind
        RS = codes.ReferralSource
        agencies_by_source: dict[str, list[Agency]] = {}

        def agency(name, kind, source, titles, professionals):
            agency_id = sink.add(pm.PartnerAgency, name=name, kind=kind, referral_source=source)
            ids = []
            for _ in range(professionals):
                first, last = self._name()
                pname = f"{first} {last}"
                ids.append(
                    sink.add(
                        pm.Professional,
                        agency_id=agency_id,
                        name=pname,
                        job_title=rng.choice(titles),
                        email=re.sub(r"[^a-z.]", "", f"{first}.{last}".lower())
                        + "@"
                        + re.sub(r"[^a-z]", "", name.lower())[:20]
                        + ".example",
                        phone=f"01632 {rng.randint(0, 999999):06d}",  # Ofcom's drama-use range
                    )
                )
            made = Agency(agency_id, name, kind, source, ids)
            agencies_by_source.setdefault(source, []).append(made)
            return made

        n = self.children
        schools = []
        n_schools = max(6, round(n / 350))
        for i in range(n_schools):
            town = TOWNS[i % len(TOWNS)]
            phase = rng.choice(
                [
                    "Primary School",
                    "Primary School",
                    "Academy",
                    "Infant School",
                    "High School",
                    "Church of England Primary School",
                ]
            )
            number = f" {i // len(TOWNS) + 1}" if i >= len(TOWNS) else ""
            schools.append(
                agency(
                    f"{town}{number} {phase}",
                    PA.SCHOOL,
                    RS.SCHOOLS,
                    ["Designated safeguarding lead", "Head teacher", "Class teacher"],
                    2,
                )
            )
        agency(
            f"{county} Education Welfare Service",
            PA.SCHOOL,
            RS.EDUCATION_SERVICES,
            ["Education welfare officer"],
            max(2, round(n / 15000)),
        )
        gps = [
            agency(
                f"{TOWNS[i % len(TOWNS)]} Medical Practice"
                + (f" {i // len(TOWNS) + 1}" if i >= len(TOWNS) else ""),
                PA.HEALTH,
                RS.GP,
                ["GP"],
                2,
            )
            for i in range(max(3, round(n / 2500)))
        ]
        community = agency(
            f"{county} Community Health NHS Trust",
            PA.HEALTH,
            RS.HEALTH_VISITOR,
            ["Health visitor", "Specialist community public health nurse"],
            max(3, round(n / 1500)),
        )
        agency(
            f"{county} School Nursing Service",
            PA.HEALTH,
            RS.SCHOOL_NURSE,
            ["School nurse"],
            max(2, round(n / 6000)),
        )
        agency(
            f"{county} Midwifery Service",
            PA.HEALTH,
            RS.PRIMARY_HEALTH_OTHER,
            ["Community midwife"],
            max(2, round(n / 6000)),
        )
        agency(
            f"{county} General Hospital",
            PA.HEALTH,
            RS.A_AND_E,
            ["Emergency department nurse", "Paediatrician"],
            max(2, round(n / 6000)),
        )
        agency(
            f"{county} CAMHS",
            PA.HEALTH,
            RS.HEALTH_OTHER,
            ["Clinical psychologist", "CAMHS practitioner"],
            max(2, round(n / 8000)),
        )
        agency(
            f"{county} Police",
            PA.POLICE,
            RS.POLICE,
            ["Police constable", "Detective constable", "Sergeant, MASH"],
            max(3, round(n / 2000)),
        )
        agency(f"{county} Homes", PA.HOUSING, RS.HOUSING, ["Housing officer"], max(2, round(n / 10000)))
        agency(
            f"{county} Adult Social Care",
            PA.OTHER,
            RS.LA_SOCIAL_CARE,
            ["Social worker (adults)"],
            max(2, round(n / 10000)),
        )
        agency(
            f"{county} Youth Justice Service",
            PA.OTHER,
            RS.LA_INTERNAL,
            ["Youth justice officer"],
            max(2, round(n / 10000)),
        )
        agency(
            f"{county} Family Hubs",
            PA.OTHER,
            RS.EARLY_HELP,
            ["Family support worker"],
            max(2, round(n / 8000)),
        )
        for other in AUTHORITY_NAMES:
            if other != self.authority_name:
                agency(other, PA.OTHER_LA, RS.LA_EXTERNAL, ["Social worker"], 1)
        agency("Probation Service", PA.OTHER, RS.LEGAL_AGENCY, ["Probation officer"], 1)
        agency("Cafcass", PA.OTHER, RS.LEGAL_AGENCY, ["Family court adviser"], 1)
        agency(f"{county} Women's Refuge", PA.VOLUNTARY, RS.OTHER, ["Refuge worker"], 1)
        agency(f"{TOWNS[3]} Young Carers", PA.VOLUNTARY, RS.OTHER, ["Project worker"], 1)
        return agencies_by_source, schools, gps, community
