"""The key pages, signed in as different roles: what each person sees, and that each page is
accessible (axe-core, WCAG 2.2 AA), has one h1, a working skip link and a title naming it."""

import pytest

pytestmark = pytest.mark.browser


def child_path(child, page: str = "") -> str:
    return f"/children/{child.public_id}/{page}"


def test_the_accessibility_checks_catch_a_violation_and_a_csp_breach(tab):
    """The checks this suite relies on can fail: axe reports an image with no text alternative,
    and the console listener hears the browser refuse an inline script."""
    tab.goto("/sign-in/")
    tab.page.evaluate(
        "() => { const i = document.createElement('img'); i.src = 'data:,'; "
        "document.querySelector('main').append(i); }"
    )
    with pytest.raises(AssertionError, match="image-alt"):
        tab.check_accessibility()
    tab.page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1';"
        " document.body.append(s); }"
    )
    tab.page.wait_for_timeout(100)
    assert any("Content Security Policy" in text for text, _ in tab.console_errors), tab.console_errors
    tab.console_errors.clear()


def test_sign_in_page(tab, world):
    tab.goto("/sign-in/")
    tab.check_page(title="Sign in", h1="Sign in to carepath")
    tab.page.get_by_label("Username").fill(world.social_worker.username)
    tab.page.get_by_label("Password").fill("not the password")
    tab.follow(tab.page.get_by_role("button", name="Sign in"))
    summary = tab.page.locator(".govuk-error-summary")
    assert "Enter a correct username and password" in summary.inner_text()
    tab.check_accessibility()
    # The username is kept; the password is not.
    assert tab.page.get_by_label("Username").input_value() == world.social_worker.username
    assert tab.page.get_by_label("Password").input_value() == ""


def test_the_header_is_generic_not_the_gov_uk_crown(tab, world):
    tab.goto("/sign-in/")
    header = tab.page.locator("header.govuk-template__header")
    assert header.locator(".govuk-generic-header__homepage-link").inner_text().strip() == "carepath"
    assert tab.page.locator(".govuk-header, .govuk-header__logotype, .govuk-footer__crown").count() == 0
    # A signed-out visitor is offered no navigation.
    assert header.locator("nav").count() == 0


def test_social_worker_sees_their_caseload(tab, world):
    tab.sign_in(world.social_worker)
    assert tab.path == "/"
    tab.check_page(title="My caseload", h1="My caseload")
    table = tab.page.locator("table", has_text="Open children")
    rows = {row.locator("td").first.inner_text(): row.inner_text() for row in table.locator("tbody tr").all()}
    assert set(rows) == {"Amelia Whitfield", "Noah Whitfield", "Leo Carter", "Maya Patel"}
    assert "Child protection" in rows["Amelia Whitfield"]
    assert "Looked after" in rows["Leo Carter"]
    assert "Child in need" in rows["Maya Patel"]
    # Another team's child is not on it.
    assert "Oscar Reid" not in table.inner_text()
    nav = tab.page.get_by_role("navigation", name="Menu")
    current = nav.locator("[aria-current=page]")
    assert current.inner_text().strip() == "My caseload"
    assert nav.get_by_role("button", name="Sign out").is_visible()
    tab.screenshot("caseload")


def test_child_summary_shows_the_status_in_the_banner(tab, world):
    tab.sign_in(world.social_worker)
    tab.follow(tab.page.get_by_role("link", name="Amelia Whitfield"))
    assert tab.path == child_path(world.cp_child)
    tab.check_page(title="Summary – Amelia Whitfield", h1="Summary")
    banner = tab.page.get_by_role("region", name="Child")
    assert "Amelia Whitfield" in banner.inner_text()
    assert "Status: Child protection" in banner.inner_text()
    assert world.cp_child.case_number in banner.inner_text()
    assert "Social worker: Sam Okafor" in banner.inner_text()
    summary = tab.page.locator(".govuk-summary-list")
    assert "Child protection plan" in summary.inner_text()
    assert "Neglect" in summary.inner_text()
    recent = tab.page.locator("h2:has-text('Recent events') + ul li")
    # Newest first, each title followed by its own date.
    assert recent.first.locator(".app-recent-events__title").inner_text() == "Call with the school"
    assert tab.page.get_by_role("link", name="Record a visit").is_visible()
    tab.screenshot("child-summary")

    tab.goto(child_path(world.looked_after_child))
    assert "Status: Looked after" in tab.page.get_by_role("region", name="Child").inner_text()
    assert "Full care order (C2)" in tab.page.locator(".govuk-summary-list").inner_text()
    tab.check_accessibility()


def test_journey_timeline_people_and_allocations(tab, world):
    tab.sign_in(world.social_worker)
    tab.goto(child_path(world.cp_child))
    nav = tab.page.get_by_role("navigation", name="Child's record")

    tab.follow(nav.get_by_role("link", name="Journey"))
    tab.check_page(title="Journey – Amelia Whitfield", h1="Journey")
    assert nav.locator("[aria-current=page]").inner_text() == "Journey"
    items = tab.page.locator(".app-timeline__item")
    titles = items.locator("h2").all_inner_texts()
    assert titles[0] == "Call with the school"
    assert titles[-1] == "Referral to children's social care"
    # Only the visit written up ten days late shows a recording delay (F21).
    assert tab.page.locator(".app-lag").all_inner_texts() == ["recorded 10 days later"]

    tab.follow(nav.get_by_role("link", name="People"))
    tab.check_page(title="People – Amelia Whitfield", h1="People around Amelia")
    family = tab.page.locator("table", has_text="Family and carers").inner_text()
    assert "Rachel Whitfield" in family and "Tomasz Nowak" in family
    assert "Needs an interpreter (Polish)" in family
    assert tab.page.get_by_role("link", name="Noah Whitfield").is_visible()
    assert (
        "Priya Shah, Designated safeguarding lead, Riverside Primary School"
        in tab.page.locator("main").inner_text()
    )

    tab.follow(nav.get_by_role("link", name="Allocations"))
    tab.check_page(title="Allocations – Amelia Whitfield", h1="Allocation history")
    assert "has had 1 change of social worker" in tab.page.locator("main").inner_text()
    rows = tab.page.locator("table tbody tr").all_inner_texts()
    assert "Sam Okafor" in rows[0] and "Now" in rows[0]
    assert "Jo Baker (agency)" in rows[1] and "Worker left the role" in rows[1]

    tab.follow(nav.get_by_role("link", name="Summary"))
    tab.follow(tab.page.get_by_role("link", name="Change details"))
    tab.check_page(title="Change details – Amelia Whitfield", h1="Change Amelia's details")
    dob = tab.page.get_by_role("group", name="Date of birth", exact=True)
    assert dob.get_by_label("Year").input_value() == str(world.cp_child.date_of_birth.year)
    assert tab.page.get_by_role("group", name="Sex").get_by_label("Female").is_checked()


def test_find_a_child(tab, world):
    tab.sign_in(world.social_worker)
    tab.follow(tab.page.get_by_role("navigation", name="Menu").get_by_role("link", name="Find a child"))
    tab.check_page(title="Find a child", h1="Find a child")
    tab.page.get_by_label("Name or case number").fill("Whitfield")
    tab.follow(tab.page.get_by_role("button", name="Search"))
    results = tab.page.locator("table", has_text="Children you can see")
    assert results.locator("tbody tr").count() == 2
    tab.check_accessibility()


def test_team_manager_sees_the_team(tab, world):
    tab.sign_in(world.team_manager)
    assert tab.path == f"/teams/{world.team.pk}/"
    tab.check_page(title="Northfield Safeguarding Team", h1="Northfield Safeguarding Team")
    caseloads = tab.page.locator("table", has_text="Caseloads")
    sam = caseloads.locator("tr", has_text="Sam Okafor")
    assert sam.locator("td").all_inner_texts()[:4] == ["4", "1", "1", "2"]
    jo = caseloads.locator("tr", has_text="Jo Baker").inner_text()
    assert "Agency" in jo and "ASYE" in jo
    children = tab.page.locator("table", has_text="The team's open children")
    assert children.locator("tbody tr").count() == 4

    tab.follow(sam.get_by_role("link", name="Sam Okafor"))
    tab.check_page(title="Sam Okafor's caseload", h1="Sam Okafor's caseload")
    tab.follow(tab.page.get_by_role("link", name="Back to Northfield Safeguarding Team"))
    assert tab.path == f"/teams/{world.team.pk}/"

    # A manager can see who has opened a child's record.
    tab.follow(children.get_by_role("link", name="Amelia Whitfield"))
    tab.follow(tab.page.get_by_role("link", name="Who has seen this record"))
    tab.check_page(
        title="Who has seen this record – Amelia Whitfield", h1="Who has seen or changed this record"
    )
    reads = tab.page.locator("table", has_text="Reads").locator("tbody tr").all_inner_texts()
    assert "Lee Harris" in reads[0] and "Who has seen or changed this record" in reads[0]
    assert any("Lee Harris" in r and "Summary" in r for r in reads)


def test_head_of_service_sees_the_service(tab, world):
    tab.sign_in(world.head_of_service)
    assert tab.path == f"/services/{world.team.service.pk}/"
    tab.check_page(title="Safeguarding and Family Support", h1="Safeguarding and Family Support")
    table = tab.page.locator("table", has_text="Open children and staff by team")
    team_row = table.locator("tbody tr", has_text="Northfield Safeguarding Team")
    assert team_row.locator("td").all_inner_texts()[:5] == ["4", "1", "1", "2", "0"]
    tab.follow(team_row.get_by_role("link"))
    tab.check_page(title="Northfield Safeguarding Team", h1="Northfield Safeguarding Team")


def test_accessibility_statement(tab, world):
    tab.goto("/accessibility/")
    tab.check_page(title="Accessibility statement", h1="Accessibility statement for carepath")


def test_javascript_enhancements_run_under_the_content_security_policy(tab, world):
    """The inline snippet that marks the page as JavaScript-capable carries the CSP nonce, and GOV.UK
    Frontend then starts: on a narrow screen the service navigation collapses behind a Menu button."""
    tab.sign_in(world.social_worker)
    tab.page.set_viewport_size({"width": 375, "height": 800})
    tab.goto("/")
    assert "govuk-frontend-supported" in tab.page.locator("body").get_attribute("class")
    toggle = tab.page.get_by_role("button", name="Menu")
    assert toggle.is_visible()
    links = tab.page.locator("#navigation")
    assert not links.is_visible()
    toggle.click()
    assert links.is_visible()
    assert toggle.get_attribute("aria-expanded") == "true"
    tab.check_accessibility()
    tab.screenshot("caseload-mobile-menu")


@pytest.mark.parametrize("width", [320])
def test_pages_reflow_on_a_narrow_screen(tab, world, width):
    """At 320 CSS pixels (400% zoom) nothing makes the page scroll sideways (WCAG 1.4.10); wide tables
    scroll inside their own box."""
    tab.page.set_viewport_size({"width": width, "height": 800})
    tab.sign_in(world.social_worker)
    for path in [
        "/",
        f"/children/{world.cp_child.public_id}/",
        f"/children/{world.cp_child.public_id}/journey/",
        f"/children/{world.cp_child.public_id}/people/",
        f"/children/{world.cp_child.public_id}/allocations/",
        f"/children/{world.cp_child.public_id}/visits/new/",
    ]:
        tab.goto(path)
        overflow = tab.page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {width}px wide"
    tab.goto(f"/children/{world.cp_child.public_id}/")
    tab.screenshot("child-summary-narrow")


def test_team_manager_decides_a_contact_at_the_front_door(tab, world):
    from django.utils import timezone

    from carepath.core import codes
    from carepath.journey.models import Contact

    Contact.objects.create(
        child=world.cp_child,
        received_at=timezone.now() - timezone.timedelta(hours=2),
        source=codes.ReferralSource.POLICE,
        summary="Police attended a domestic incident at the home.",
    )
    tab.sign_in(world.team_manager)
    tab.follow(tab.page.get_by_role("navigation", name="Menu").get_by_role("link", name="Front door"))
    tab.check_page(title="Front door", h1="Front door: contacts waiting for a decision")
    tab.follow(tab.page.locator("main").get_by_role("link", name="Amelia Whitfield"))
    tab.check_page(title="Decide the contact – Amelia Whitfield", h1="Decide the contact")
    tab.page.get_by_label("No further action").check()
    tab.page.get_by_label("Level 3: targeted early help").check()
    tab.page.get_by_label("Reasons for the decision").fill("Already on a plan; the core group will respond.")
    tab.follow(tab.page.get_by_role("button", name="Save the decision"))
    tab.check_page(title="Front door", h1="Front door: contacts waiting for a decision")
    assert "No contacts are waiting for a decision." in tab.page.locator("main").inner_text()
