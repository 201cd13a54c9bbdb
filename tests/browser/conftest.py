"""Browser tests: headless Chromium (Playwright) against Django's live server.

One browser is shared by the whole session; each test gets a fresh browser context (its own
cookies), signs in through the real sign-in form and fails if any page logs a console error,
including a Content Security Policy violation. Accessibility is checked with axe-core, run inside
the page with the page's own strict CSP left in force.
"""

import functools
import json
import os
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone

from carepath.core import codes
from carepath.core.models import AuditChainHead
from carepath.core.permissions import Role
from carepath.journey import models as jm
from carepath.journey.services import child_status_refresh
from carepath.people import models as pm
from tests import factories as f

# Debian's Chromium; another path can be given (Playwright cannot download its own browsers here).
CHROMIUM = Path(os.environ.get("CAREPATH_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
AXE = Path(settings.NODE_MODULES) / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Outside the repository, for a person to look at; never compared by the tests.
SCREENSHOTS = Path(os.environ.get("CAREPATH_SCREENSHOTS", "/tmp/carepath-screenshots"))  # noqa: S108

# Playwright's synchronous API keeps an asyncio event loop running on the main thread for as long
# as the browser is open (the whole session), and Django then refuses ORM calls there, from the
# factories here and from any test that runs after these. Every test is synchronous: the check
# guards against a mistake nothing here can make.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def _unavailable(reason: str):
    """Skip where the browser is missing, but fail in CI, which promises it is there."""
    if os.environ.get("CAREPATH_REQUIRE_BROWSER") == "1":
        pytest.fail(f"{reason} (CAREPATH_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM}")
    if not AXE.exists():
        _unavailable(f"axe-core is not installed at {AXE}: run the setup command")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("The playwright Python package is not installed")
    playwright = sync_playwright().start()
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
    yield chromium
    chromium.close()
    playwright.stop()


# ---------------------------------------------------------------------------------------------
# Driving a page
# ---------------------------------------------------------------------------------------------


@functools.cache
def _axe_source() -> str:
    return AXE.read_text()


def _format_violations(url: str, violations: list[dict]) -> str:
    lines = [f"axe-core found {len(violations)} accessibility violation(s) on {url}:"]
    for v in violations:
        criteria = ", ".join(t for t in v["tags"] if t.startswith("wcag"))
        lines.append(f"\n- [{v['impact']}] {v['id']}: {v['help']} ({criteria})")
        lines.append(f"  {v['helpUrl']}")
        for node in v["nodes"][:5]:
            lines.append(f"  at {' '.join(node['target'])}")
            lines.append(f"     {node['html'][:200]}")
            summary = node.get("failureSummary", "").replace("\n", "\n       ")
            if summary:
                lines.append(f"       {summary}")
        if len(v["nodes"]) > 5:
            lines.append(f"  … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


@dataclass
class Browsing:
    """One person's browser tab, with what the page logged."""

    page: object
    base_url: str
    # (message, URL of the page or resource it is about)
    console_errors: list[tuple[str, str]] = field(default_factory=list)
    # Errors a test expects: the browser's note that a page it asked for was a 403 or a 404.
    expected_errors: list[tuple[str, str]] = field(default_factory=list)

    def goto(self, path: str, *, status: int = 200):
        response = self.page.goto(self.base_url + path)
        assert response is not None
        assert response.status == status, f"{path}: expected HTTP {status}, got {response.status}"
        if status >= 400:
            self.expected_errors.append(
                (f"the server responded with a status of {status}", self.base_url + path)
            )
        return response

    @property
    def path(self) -> str:
        """The path of the page shown, without a #fragment (which a browser keeps across a redirect)."""
        return self.page.url.removeprefix(self.base_url).split("#")[0]

    def follow(self, locator):
        """Click a link or button that loads a new page, and wait until it has loaded."""
        with self.page.expect_navigation():
            locator.click()

    def sign_in(self, user, password: str = f.TEST_PASSWORD):
        self.goto("/sign-in/")
        self.page.get_by_label("Username").fill(user.username)
        self.page.get_by_label("Password").fill(password)
        self.follow(self.page.get_by_role("button", name="Sign in"))
        assert "/sign-in/" not in self.page.url, f"Signing in as {user.username} failed"

    def check_accessibility(self):
        """Run axe-core for WCAG 2.2 A and AA in the page. The script is evaluated through the
        DevTools protocol, which the page's CSP does not govern, so the page keeps its real CSP and
        any violation it causes still reaches the console."""
        page = self.page
        if not page.evaluate("() => typeof window.axe !== 'undefined'"):
            page.evaluate(_axe_source())
        results = page.evaluate(
            "async (tags) => JSON.stringify(await axe.run(document, {runOnly: {type: 'tag', values: tags},"
            " resultTypes: ['violations']}))",
            AXE_TAGS,
        )
        violations = json.loads(results)["violations"]
        assert not violations, _format_violations(page.url, violations)

    def check_structure(self, *, title: str, h1: str | None = None):
        """What every page needs: the language, a title naming the page, one h1, a working skip link."""
        page = self.page
        assert page.locator("html").get_attribute("lang") == "en"
        page_title = page.title()
        assert page_title.startswith(title), f"Title {page_title!r} does not start with {title!r}"
        assert page_title.endswith("– carepath"), f"Title {page_title!r} does not name the service"
        headings = page.locator("h1")
        assert headings.count() == 1, (
            f"Expected one h1, found {headings.count()}: {headings.all_inner_texts()}"
        )
        if h1 is not None:
            assert h1 in headings.inner_text()
        self.check_skip_link()

    def check_skip_link(self):
        page = self.page
        skip = page.locator("a.govuk-skip-link")
        assert skip.count() == 1
        assert skip.inner_text().strip() == "Skip to main content"
        # It is the first thing a keyboard user reaches.
        first = page.evaluate(
            "() => [...document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]')]"
            ".find(e => e.tabIndex >= 0 && !e.disabled && e.type !== 'hidden').className"
        )
        assert "govuk-skip-link" in first, f"The first focusable element is {first!r}, not the skip link"
        skip.focus()
        assert skip.is_visible(), "The skip link is not visible when focused"
        assert skip.get_attribute("href") == "#main-content"
        assert page.locator("main#main-content").count() == 1
        page.keyboard.press("Enter")
        # Following the link is asynchronous under load; wait for it rather than racing it.
        page.wait_for_function("() => location.hash === '#main-content'", timeout=10_000)
        assert page.url.endswith("#main-content")
        if page.evaluate("() => document.body.classList.contains('govuk-frontend-supported')"):
            # GOV.UK Frontend moves focus to the main content, so the next Tab starts there.
            assert page.evaluate("() => document.activeElement.id") == "main-content"

    def check_page(self, *, title: str, h1: str | None = None):
        self.check_structure(title=title, h1=h1)
        self.check_accessibility()

    def screenshot(self, name: str):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def unexpected_console_errors(self) -> list[str]:
        return [
            f"{text} ({url})"
            for text, url in self.console_errors
            if not any(
                fragment in text and url == expected_url for fragment, expected_url in self.expected_errors
            )
        ]


def _open(browser, live_server, **options):
    context = browser.new_context(
        locale="en-GB", timezone_id="Europe/London", viewport={"width": 1280, "height": 900}, **options
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    browsing = Browsing(page=page, base_url=live_server.url)
    page.on(
        "console",
        lambda msg: (
            browsing.console_errors.append((msg.text, msg.location.get("url") or page.url))
            if msg.type == "error"
            else None
        ),
    )
    page.on("pageerror", lambda error: browsing.console_errors.append((f"Uncaught: {error}", page.url)))
    return context, browsing


def _tab(browser, live_server, **options):
    context, browsing = _open(browser, live_server, **options)
    yield browsing
    context.close()
    errors = browsing.unexpected_console_errors()
    assert not errors, "The browser console reported errors:\n" + "\n".join(errors)


@pytest.fixture
def tab(browser, live_server, world):
    """A browser tab with JavaScript on; the test fails if a page logged an unexpected error."""
    yield from _tab(browser, live_server)


@pytest.fixture
def tab_without_js(browser, live_server, world):
    """A browser tab with JavaScript off, as some people browse and as any script can fail."""
    yield from _tab(browser, live_server, java_script_enabled=False)


# ---------------------------------------------------------------------------------------------
# The world: one authority, two teams, staff in several roles, children in several statuses
# ---------------------------------------------------------------------------------------------


@dataclass
class World:
    team: pm.Team
    other_team: pm.Team
    social_worker: pm.User
    team_manager: pm.User
    head_of_service: pm.User
    inspector: pm.User
    partner_referrer: pm.User
    administrator: pm.User
    cp_child: pm.Child
    looked_after_child: pm.Child
    cin_child: pm.Child
    sibling: pm.Child
    child_elsewhere: pm.Child


def _days_ago(n: int) -> date:
    return timezone.localdate() - timedelta(days=n)


def _moment(days_ago: int, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime.combine(_days_ago(days_ago), time(hour, minute)))


def _written_up(days_ago: int) -> dict:
    """Recorded the afternoon of the day it happened: only late recording shows on the timeline."""
    return {"recorded_at": _moment(days_ago, 17, 45)}


def _child_protection(child, worker, chair):
    referral = f.ReferralFactory(
        child=child,
        referral_date=_days_ago(120),
        source=codes.ReferralSource.SCHOOLS,
        primary_need=codes.PrimaryNeed.ABUSE_OR_NEGLECT,
        **_written_up(120),
    )
    jm.Assessment.objects.create(
        referral=referral,
        child=child,
        start_date=_days_ago(118),
        child_seen_on=_days_ago(116),
        completed_on=_days_ago(100),
        authorised_on=_days_ago(99),
        outcome=jm.Assessment.Outcome.SECTION_47,
        **_written_up(118),
    )
    strategy = jm.StrategyDiscussion.objects.create(
        referral=referral,
        child=child,
        held_at=_moment(98),
        attendees="Social care, police, health, school",
        section_47_initiated=True,
        **_written_up(98),
    )
    enquiry = jm.Section47Enquiry.objects.create(
        referral=referral,
        child=child,
        strategy_discussion=strategy,
        start_date=_days_ago(98),
        end_date=_days_ago(90),
        outcome=jm.Section47Enquiry.Outcome.ICPC,
        **_written_up(98),
    )
    conference = jm.ChildProtectionConference.objects.create(
        referral=referral,
        child=child,
        kind=jm.ChildProtectionConference.Kind.INITIAL,
        section_47=enquiry,
        held_on=_days_ago(85),
        chair=chair,
        plan_required=True,
        **_written_up(85),
    )
    jm.ChildProtectionPlan.objects.create(
        referral=referral,
        child=child,
        initial_conference=conference,
        start_date=_days_ago(85),
        initial_category=codes.CPCategory.NEGLECT,
        latest_category=codes.CPCategory.NEGLECT,
        **_written_up(85),
    )
    f.VisitFactory(
        child=child,
        visitor=worker,
        kind=jm.Visit.Kind.CP,
        visited_at=_moment(20, 15, 30),
        child_seen=True,
        child_seen_alone=True,
        bedroom_seen=True,
        **_written_up(20),
    )
    # Written up late on purpose, so the timeline shows the recording delay (F21).
    f.VisitFactory(
        child=child,
        visitor=worker,
        kind=jm.Visit.Kind.CP,
        visited_at=_moment(12, 9, 0),
        child_seen=False,
        **_written_up(2),
    )
    jm.CaseNote.objects.create(
        child=child,
        happened_at=_moment(6, 11, 15),
        subject="Call with the school",
        text="The class teacher says attendance has improved since the plan began.",
        kind=jm.CaseNote.Kind.PHONE_CALL,
        author=worker,
        recorded_by=worker,
        **_written_up(6),
    )
    mother = f.RelatedPersonFactory(first_name="Rachel", last_name=child.last_name)
    father = f.RelatedPersonFactory(
        first_name="Tomasz", last_name="Nowak", needs_interpreter=True, language="Polish"
    )
    pm.Relationship.objects.create(
        child=child,
        person=mother,
        kind=pm.Relationship.Kind.MOTHER,
        has_parental_responsibility=True,
        lives_with_child=True,
    )
    pm.Relationship.objects.create(
        child=child, person=father, kind=pm.Relationship.Kind.FATHER, has_parental_responsibility=True
    )
    school = pm.PartnerAgency.objects.create(
        name="Riverside Primary School",
        kind=pm.PartnerAgency.Kind.SCHOOL,
        referral_source=codes.ReferralSource.SCHOOLS,
    )
    teacher = pm.Professional.objects.create(
        agency=school, name="Priya Shah", job_title="Designated safeguarding lead"
    )
    pm.ProfessionalInvolvement.objects.create(child=child, professional=teacher, started_on=_days_ago(120))


def _looked_after(child, worker):
    f.ReferralFactory(
        child=child,
        referral_date=_days_ago(400),
        primary_need=codes.PrimaryNeed.ABSENT_PARENTING,
        **_written_up(400),
    )
    jm.LookedAfterEpisode.objects.create(
        child=child,
        start_date=_days_ago(300),
        reason_new_episode=codes.ReasonNewEpisode.STARTED,
        legal_status=codes.LegalStatus.FULL_CARE_ORDER,
        category_of_need=codes.PrimaryNeed.ABSENT_PARENTING,
        placement_type=codes.PlacementType.U6,
        placement_provider=codes.PlacementProvider.OWN_LA,
        **_written_up(300),
    )
    f.VisitFactory(
        child=child, visitor=worker, kind=jm.Visit.Kind.CLA, visited_at=_moment(30, 16, 0), **_written_up(30)
    )


def _allocate(child, worker, days_ago: int):
    f.allocate(child, worker, started_on=_days_ago(days_ago))
    pm.Allocation.objects.filter(child=child, worker=worker).update(**_written_up(days_ago))


# The TRUNCATE trigger on the audit tables is set aside for the test session in tests/conftest.py.


@pytest.fixture
def world(transactional_db) -> World:
    # The live server needs a transactional database, which is emptied after each test, so the
    # audit chains' heads (made by a data migration) are made again here.
    for name in ("access", "change"):
        AuditChainHead.objects.get_or_create(name=name)
    service = f.ServiceFactory(name="Safeguarding and Family Support")
    team = f.TeamFactory(service=service, name="Northfield Safeguarding Team")
    other_team = f.TeamFactory(
        service=f.ServiceFactory(name="Children in Care", directorate=service.directorate),
        name="Southbank Children in Care Team",
        kind=pm.Team.Kind.CHILDREN_IN_CARE,
    )
    social_worker = f.UserFactory(
        username="sam.okafor", first_name="Sam", last_name="Okafor", team=team, job_title="Social worker"
    )
    colleague = f.UserFactory(
        username="jo.baker",
        first_name="Jo",
        last_name="Baker",
        team=team,
        employment_type=pm.User.EmploymentType.AGENCY,
        newly_qualified=True,
    )
    team_manager = f.UserFactory(
        username="lee.harris", first_name="Lee", last_name="Harris", team=team, role=Role.TEAM_MANAGER
    )
    team.manager = team_manager
    team.save()
    head_of_service = f.UserFactory(
        username="ann.price",
        first_name="Ann",
        last_name="Price",
        team=None,
        service=service,
        role=Role.HEAD_OF_SERVICE,
    )
    service.head = head_of_service
    service.save()
    inspector = f.UserFactory(
        username="ofsted.inspector", first_name="Iris", last_name="Inspector", team=None, role=Role.INSPECTOR
    )
    agency = pm.PartnerAgency.objects.create(
        name="Northshire Police",
        kind=pm.PartnerAgency.Kind.POLICE,
        referral_source=codes.ReferralSource.POLICE,
    )
    partner_referrer = f.UserFactory(
        username="pc.jones",
        first_name="Pat",
        last_name="Jones",
        team=None,
        role=Role.PARTNER_REFERRER,
        partner_agency=agency,
    )
    administrator = f.UserFactory(
        username="it.admin", first_name="Alex", last_name="Admin", team=None, role=Role.SYSTEM_ADMINISTRATOR
    )
    other_worker = f.UserFactory(username="kim.lee", first_name="Kim", last_name="Lee", team=other_team)

    family = pm.Family.objects.create(name="Whitfield family")
    cp_child = f.ChildFactory(
        first_name="Amelia", last_name="Whitfield", family=family, date_of_birth=_days_ago(365 * 6 + 40)
    )
    sibling = f.ChildFactory(
        first_name="Noah",
        last_name="Whitfield",
        family=family,
        sex=codes.Sex.MALE,
        date_of_birth=_days_ago(365 * 9 + 10),
    )
    looked_after_child = f.ChildFactory(
        first_name="Leo",
        last_name="Carter",
        sex=codes.Sex.MALE,
        date_of_birth=_days_ago(365 * 12),
        ethnicity=codes.Ethnicity.WIRI,
    )
    cin_child = f.ChildFactory(
        first_name="Maya",
        last_name="Patel",
        date_of_birth=_days_ago(365 * 4),
        ethnicity=codes.Ethnicity.AIND,
        first_language="Gujarati",
    )
    child_elsewhere = f.ChildFactory(first_name="Oscar", last_name="Reid", sex=codes.Sex.MALE)

    # Amelia had another worker first, so her allocation history has a change in it.
    pm.Allocation.objects.create(
        child=cp_child,
        worker=colleague,
        team=team,
        started_on=_days_ago(110),
        ended_on=_days_ago(60),
        end_reason=pm.Allocation.EndReason.LEFTRL,
        **_written_up(110),
    )
    _allocate(cp_child, social_worker, 60)
    for child in (sibling, looked_after_child, cin_child):
        _allocate(child, social_worker, 90)
    _allocate(child_elsewhere, other_worker, 30)

    _child_protection(cp_child, social_worker, chair=team_manager)
    f.ReferralFactory(child=sibling, referral_date=_days_ago(120), **_written_up(120))
    _looked_after(looked_after_child, social_worker)
    referral = f.ReferralFactory(
        child=cin_child,
        referral_date=_days_ago(70),
        primary_need=codes.PrimaryNeed.DISABILITY,
        **_written_up(70),
    )
    jm.ChildInNeedPlan.objects.create(
        referral=referral, child=cin_child, start_date=_days_ago(40), **_written_up(40)
    )
    f.ReferralFactory(child=child_elsewhere, referral_date=_days_ago(30), **_written_up(30))
    for child in (cp_child, sibling, looked_after_child, cin_child, child_elsewhere):
        child_status_refresh(child=child)
    return World(
        team=team,
        other_team=other_team,
        social_worker=social_worker,
        team_manager=team_manager,
        head_of_service=head_of_service,
        inspector=inspector,
        partner_referrer=partner_referrer,
        administrator=administrator,
        cp_child=cp_child,
        looked_after_child=looked_after_child,
        cin_child=cin_child,
        sibling=sibling,
        child_elsewhere=child_elsewhere,
    )
