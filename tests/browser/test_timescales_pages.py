"""The timescales pages in the browser: a worker's own work and a team's work for its manager, each
accessible (axe-core, WCAG 2.2 AA), with the rule one click away and bulk acknowledgement that
keeps the ticked items when the reason is missing."""

import re

import pytest
from django.utils import timezone

from carepath.timescales import selectors
from carepath.timescales import services as ts
from carepath.timescales.models import Acknowledgement, Deadline

pytestmark = pytest.mark.browser


@pytest.fixture
def clocks(world):
    """The browser world's records are stored directly, not through the services, so the clocks are
    worked out here as the nightly recompute would; the test reads back what the engine found."""
    ts.clocks_recompute_all()
    today = timezone.localdate()
    overdue = [
        d
        for d in selectors.work_for(world.social_worker)
        if selectors.bucket_of(d, today) == selectors.Bucket.OVERDUE
    ]
    visit = Deadline.objects.get(child=world.cp_child, rule_id="CP-VISIT", status="open")
    assert visit in overdue, "the world's child protection visit should be overdue"
    return {"overdue": overdue, "visit": visit}


def test_my_work_lists_what_is_overdue_with_the_rule_one_click_away(tab, world, clocks):
    tab.sign_in(world.social_worker)
    nav = tab.page.get_by_role("navigation", name="Menu")
    link = nav.get_by_role("link", name=re.compile(r"^My work"))
    assert link.inner_text().strip() == f"My work ({len(clocks['overdue'])} overdue)"
    tab.follow(link)
    assert tab.path == "/work/"
    tab.check_page(title="My work", h1="My work")
    overdue = tab.page.locator("table").filter(
        has=tab.page.locator("caption", has_text=re.compile("^Overdue"))
    )
    rows = overdue.locator("tbody tr")
    assert rows.count() == len(clocks["overdue"])
    visit_row = rows.filter(has_text="Child protection visit, child seen")
    assert "Amelia Whitfield" in visit_row.inner_text()
    assert "day" in visit_row.inner_text() and "late" in visit_row.inner_text()
    # Another team's child is on no one's list here.
    assert "Oscar Reid" not in tab.page.locator("main").inner_text()
    tab.screenshot("my-work")

    tab.follow(visit_row.get_by_role("link", name=re.compile("^Child protection visit")))
    assert tab.path == "/timescales/rules/CP-VISIT/"
    tab.check_page(title="Rule CP-VISIT", h1="Child protection visit, child seen")
    assert "Local practice" in tab.page.locator(".govuk-summary-list").inner_text()


def test_team_work_and_bulk_acknowledgement(tab, world, clocks):
    tab.sign_in(world.team_manager)
    tab.goto(f"/work/team/{world.team.pk}/")
    tab.check_page(
        title="Northfield Safeguarding Team: overdue and due soon", h1="Northfield Safeguarding Team"
    )
    summary = tab.page.locator("table", has_text="Summary by worker")
    sam = summary.locator("tbody tr", has_text="Sam Okafor")
    assert sam.locator("td").first.inner_text() == str(len(clocks["overdue"]))

    page = tab.page
    visit_box = page.get_by_label(re.compile("^Acknowledge Child protection visit.*Amelia Whitfield"))
    visit_box.check()
    tab.follow(page.get_by_role("button", name="Acknowledge the ticked items"))
    assert page.title().startswith("Error: ")
    summary_box = page.locator(".govuk-error-summary")
    assert "Say why these items stand" in summary_box.inner_text()
    tab.check_accessibility()
    # The ticked item is still ticked.
    assert page.get_by_label(re.compile("^Acknowledge Child protection visit.*Amelia Whitfield")).is_checked()

    page.get_by_label("Why do these items stand?").fill(
        "Amelia was seen at school by the nurse; visit on Monday."
    )
    tab.follow(page.get_by_role("button", name="Acknowledge the ticked items"))
    assert "1 item acknowledged." in page.get_by_role("alert").inner_text()
    ack = Acknowledgement.objects.get()
    assert (ack.deadline_key, ack.acknowledged_by_id) == (clocks["visit"].key, world.team_manager.pk)
    visit_row = page.locator("tbody tr", has_text="Amelia Whitfield").filter(
        has_text="Child protection visit"
    )
    assert "Acknowledged by Lee Harris" in visit_row.inner_text()
    tab.screenshot("team-work")

    tab.follow(page.get_by_role("navigation", name="Group the work").get_by_role("link", name="By rule"))
    tab.check_page(
        title="Northfield Safeguarding Team: overdue and due soon", h1="Northfield Safeguarding Team"
    )
    assert (
        page.locator("table", has_text="Summary by rule").locator("tbody tr", has_text="CP-VISIT").count()
        == 1
    )


def test_another_teams_manager_cannot_see_the_teams_work(tab, world, clocks):
    from carepath.core.permissions import Role
    from tests import factories as f

    manager = f.UserFactory(username="kit.other", team=world.other_team, role=Role.TEAM_MANAGER)
    tab.sign_in(manager)
    tab.goto(f"/work/team/{world.team.pk}/", status=403)
    tab.check_page(title="You cannot see this page", h1="You cannot see this page")
    assert "Amelia" not in tab.page.content()


def test_the_childs_timescales_tab(tab, world, clocks):
    tab.sign_in(world.social_worker)
    tab.goto(f"/children/{world.cp_child.public_id}/")
    nav = tab.page.get_by_role("navigation", name="Child's record")
    tab.follow(nav.get_by_role("link", name="Timescales"))
    tab.check_page(title="Timescales – Amelia Whitfield", h1="Timescales")
    assert nav.locator("[aria-current=page]").inner_text() == "Timescales"
    open_now = tab.page.locator("table", has_text="Open now")
    assert open_now.locator("tbody tr", has_text="Child protection visit").count() == 1
