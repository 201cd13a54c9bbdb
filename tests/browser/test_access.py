"""What people may not see or do, as the browser shows it."""

import pytest

pytestmark = pytest.mark.browser


def test_inspector_can_read_but_not_record(tab, world):
    tab.sign_in(world.inspector)
    tab.goto(f"/children/{world.cp_child.public_id}/")
    tab.check_page(title="Summary – Amelia Whitfield", h1="Summary")
    assert "Status: Child protection" in tab.page.get_by_role("region", name="Child").inner_text()
    main = tab.page.locator("main")
    assert main.get_by_role("link", name="Record a visit").count() == 0
    assert main.get_by_role("link", name="Add a case note").count() == 0
    assert main.get_by_role("link", name="Change").count() == 0
    tab.goto(f"/children/{world.cp_child.public_id}/journey/")
    assert main.locator(".app-timeline__item").count() > 0
    assert main.get_by_role("link", name="Record a visit").count() == 0


def test_partner_referrer_sees_no_child(tab, world):
    tab.sign_in(world.partner_referrer)
    tab.check_page(title="Home", h1="Tell children's services about a child")
    nav = tab.page.get_by_role("navigation", name="Menu")
    assert nav.get_by_role("link").all_inner_texts() == ["Tell us about a child", "Your contacts"]
    assert "Whitfield" not in tab.page.content()
    tab.goto(f"/children/{world.cp_child.public_id}/", status=403)
    tab.check_page(title="You cannot see this page", h1="You cannot see this page")
    assert "Amelia" not in tab.page.content()
    assert tab.page.get_by_role("link", name="Open with break-glass access").count() == 0
    tab.goto("/children/", status=403)


def test_partner_referrer_tells_the_front_door_about_a_child(tab, world):
    from carepath.people.models import Team
    from tests import factories as f

    f.TeamFactory(name="MASH", kind=Team.Kind.FRONT_DOOR, service=world.team.service)
    tab.sign_in(world.partner_referrer)
    tab.follow(tab.page.get_by_role("link", name="Tell us about a child").first)
    tab.check_page(title="Tell us about a child", h1="Tell us about a child you are worried about")
    tab.page.get_by_label("Child's first name").fill("Ruby")
    tab.page.get_by_label("Child's last name").fill("Stone")
    tab.follow(tab.page.get_by_role("button", name="Send to the front door"))
    tab.check_page(title="Error: Tell us about a child", h1="Tell us about a child you are worried about")
    assert tab.page.get_by_label("Child's last name").input_value() == "Stone"
    group = tab.page.get_by_role("group", name="Date of birth", exact=True)
    group.get_by_label("Day").fill("12")
    group.get_by_label("Month").fill("5")
    group.get_by_label("Year").fill("2016")
    tab.page.get_by_label("What are you worried about?").fill("Ruby said she is scared to go home.")
    tab.page.get_by_label("Level 4: specialist (children's social care)").check()
    tab.follow(tab.page.get_by_role("button", name="Send to the front door"))
    tab.check_page(title="Your contacts", h1="Your contacts")
    row = tab.page.locator("tbody tr", has_text="Ruby Stone").inner_text()
    assert "Not decided yet" in row and "CT" in row


def test_the_403_page_for_a_child_out_of_scope(tab, world):
    tab.sign_in(world.social_worker)
    tab.goto(f"/children/{world.child_elsewhere.public_id}/", status=403)
    tab.check_page(title="You cannot see this page", h1="You cannot see this page")
    main = tab.page.locator("main").inner_text()
    assert "This child is not in your caseload, team or service." in main
    # The record's contents are not shown, but a social worker may break the glass with a reason.
    assert "Oscar" not in tab.page.content()
    assert tab.page.get_by_role("link", name="Open with break-glass access").is_visible()
    tab.follow(tab.page.get_by_role("link", name="Go to your home page"))
    assert tab.path == "/"


def test_breaking_the_glass_needs_a_reason_and_is_shown_on_the_record(tab, world):
    tab.sign_in(world.social_worker)
    tab.goto(f"/children/{world.child_elsewhere.public_id}/", status=403)
    tab.follow(tab.page.get_by_role("link", name="Open with break-glass access"))
    tab.check_page(title="Open a record with break-glass access", h1=world.child_elsewhere.case_number)
    tab.follow(tab.page.get_by_role("button", name="Open the record"))
    assert tab.page.title().startswith("Error: ")
    assert "Enter why you need to open this record" in tab.page.locator(".govuk-error-summary").inner_text()
    tab.check_accessibility()
    tab.page.get_by_label("Why do you need to open this record now?").fill(
        "The police have asked for the child's allocated worker tonight."
    )
    tab.follow(tab.page.get_by_role("button", name="Open the record"))
    assert tab.path == f"/children/{world.child_elsewhere.public_id}/"
    banner = tab.page.get_by_role("region", name="Child").inner_text()
    assert "Oscar Reid" in banner and "Opened with break-glass access" in banner
    tab.check_page(title="Summary – Oscar Reid", h1="Summary")


def test_administrator_manages_accounts_but_sees_no_child(tab, world):
    tab.sign_in(world.administrator)
    tab.check_page(title="Home", h1="System administration")
    nav = tab.page.get_by_role("navigation", name="Menu")
    assert nav.get_by_role("link").all_inner_texts() == [
        "Accounts",
        "Break-glass report",
        "Timescale rules",
        "Letter templates",
    ]
    tab.follow(nav.get_by_role("link", name="Accounts"))
    tab.check_page(title="Accounts", h1="Accounts")
    tab.follow(tab.page.get_by_role("link", name="Sam Okafor"))
    tab.check_page(title="Sam Okafor", h1="Sam Okafor")
    assert (
        tab.page.get_by_role("group", name="Which children's records they can see")
        .get_by_label("Children allocated to them")
        .is_checked()
    )
    tab.follow(tab.page.get_by_role("navigation", name="Menu").get_by_role("link", name="Break-glass report"))
    tab.check_page(title="Break-glass report", h1="Break-glass report")
    tab.goto(f"/children/{world.cp_child.public_id}/", status=403)


def test_page_not_found(tab, world):
    tab.sign_in(world.social_worker)
    tab.goto("/children/00000000-0000-0000-0000-000000000000/", status=404)
    tab.check_page(title="Page not found", h1="Page not found")
