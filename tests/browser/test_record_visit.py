"""Recording a visit in the browser: the error summary, keeping what was typed, and the visit on
the timeline; with JavaScript and without it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from carepath.journey.models import Visit

pytestmark = pytest.mark.browser


def fill_visit_date(page, when):
    group = page.get_by_role("group", name="When was the visit?")
    for label, value in (
        ("Day", when.day),
        ("Month", when.month),
        ("Year", when.year),
        ("Hour", f"{when.hour:02d}"),
        ("Minute", f"{when.minute:02d}"),
    ):
        group.get_by_label(label, exact=True).fill(str(value))


def test_record_a_visit_with_errors_then_see_it_on_the_timeline(tab, world):
    child = world.cp_child
    tab.sign_in(world.social_worker)
    tab.goto(f"/children/{child.public_id}/")
    tab.follow(tab.page.get_by_role("link", name="Record a visit"))
    tab.check_page(title="Record a visit – Amelia Whitfield", h1="Record a visit")
    page = tab.page

    # Half a date, a type of visit and some notes, but not whether the child was seen.
    page.get_by_role("group", name="When was the visit?").get_by_label("Day", exact=True).fill("12")
    page.get_by_label("Child protection statutory visit").check()
    page.get_by_label("What did you see and hear?").fill("Amelia showed me her drawings.")
    tab.follow(page.get_by_role("button", name="Save visit"))

    assert page.title().startswith("Error: Record a visit")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    # GOV.UK Frontend moves focus to the summary, so a screen reader announces it first.
    expect(summary).to_be_focused()
    links = summary.get_by_role("link")
    assert links.count() == 2
    assert "Select whether the child was seen" in links.all_inner_texts()
    tab.check_structure(title="Error: Record a visit", h1="Record a visit")
    tab.check_accessibility()

    # Each link in the summary takes the user to the field that needs fixing.
    summary.get_by_role("link", name="Select whether the child was seen").click()
    expect(page.get_by_role("group", name="Was the child seen?").get_by_label("Yes")).to_be_focused()
    summary.get_by_role("link").first.click()
    expect(
        page.get_by_role("group", name="When was the visit?").get_by_label("Day", exact=True)
    ).to_be_focused()
    # The message sits with its field, and the field says it is in error.
    date_group = page.get_by_role("group", name="When was the visit?")
    assert date_group.locator(".govuk-error-message").is_visible()
    seen_group = page.get_by_role("group", name="Was the child seen?")
    assert "Select whether the child was seen" in seen_group.locator(".govuk-error-message").inner_text()
    assert page.locator(".govuk-form-group--error").count() == 2

    # What was typed is kept.
    assert date_group.get_by_label("Day", exact=True).input_value() == "12"
    assert page.get_by_label("Child protection statutory visit").is_checked()
    assert page.get_by_label("What did you see and hear?").input_value() == "Amelia showed me her drawings."

    when = timezone.localtime() - timedelta(days=1)
    fill_visit_date(page, when)
    page.get_by_label("Yes").check()
    page.get_by_label("The child was seen alone").check()
    tab.follow(page.get_by_role("button", name="Save visit"))

    assert tab.path == f"/children/{child.public_id}/journey/"
    assert "The visit has been recorded." in page.get_by_role("alert").inner_text()
    newest = page.locator(".app-timeline__item").nth(
        0 if when > timezone.localtime() - timedelta(days=6) else 1
    )
    assert "Child protection statutory visit" in newest.inner_text()
    assert "Child seen alone" in newest.inner_text()
    assert f"{when:%H}:{when:%M}" in newest.inner_text()
    tab.check_page(title="Journey – Amelia Whitfield", h1="Journey")
    visit = Visit.objects.get(
        child=child, visitor=world.social_worker, notes="Amelia showed me her drawings."
    )
    assert visit.child_seen_alone


def test_record_a_visit_without_javascript(tab_without_js, world):
    tab = tab_without_js
    child = world.looked_after_child
    tab.sign_in(world.social_worker)
    assert "govuk-frontend-supported" not in (tab.page.locator("body").get_attribute("class") or "")
    # Without JavaScript the menu is simply shown.
    assert (
        tab.page.get_by_role("navigation", name="Menu").get_by_role("link", name="Find a child").is_visible()
    )
    tab.follow(tab.page.get_by_role("link", name="Leo Carter"))
    tab.follow(tab.page.get_by_role("link", name="Record a visit"))
    page = tab.page

    tab.follow(page.get_by_role("button", name="Save visit"))
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible()
    assert "Select the type of visit" in summary.inner_text()
    summary.get_by_role("link", name="Select the type of visit").click()
    # Without JavaScript the link is a plain link to the first radio of the question.
    assert page.url.endswith("#" + page.get_by_label("Child in need visit").get_attribute("id"))

    when = timezone.localtime() - timedelta(hours=3)
    fill_visit_date(page, when)
    page.get_by_label("Looked-after statutory visit").check()
    page.get_by_label("No").check()
    tab.follow(page.get_by_role("button", name="Save visit"))
    assert tab.path == f"/children/{child.public_id}/journey/"
    assert "The visit has been recorded." in page.get_by_role("alert").inner_text()
    first = page.locator(".app-timeline__item").first.inner_text()
    assert "Looked-after statutory visit" in first and "Child not seen" in first
    assert Visit.objects.filter(child=child, child_seen=False, visitor=world.social_worker).exists()


def test_add_a_case_note(tab, world):
    child = world.cin_child
    tab.sign_in(world.social_worker)
    tab.goto(f"/children/{child.public_id}/")
    tab.follow(tab.page.get_by_role("link", name="Add a case note"))
    tab.check_page(title="Add a case note – Maya Patel", h1="Add a case note")
    page = tab.page
    # The usual kind of note is chosen already.
    assert page.get_by_role("group", name="Type of note").get_by_label("Case note").is_checked()
    when = timezone.localtime() - timedelta(hours=1)
    group = page.get_by_role("group", name="When did this happen?")
    for label, value in (("Day", when.day), ("Month", when.month), ("Year", when.year)):
        group.get_by_label(label, exact=True).fill(str(value))
    group.get_by_label("Hour", exact=True).fill(f"{when.hour:02d}")
    group.get_by_label("Minute", exact=True).fill(f"{when.minute:02d}")
    page.get_by_label("Phone call").check()
    page.get_by_label("Subject").fill("Call with Maya's nursery")
    page.get_by_label("Note", exact=True).fill("Maya has settled well and is using her new walking frame.")
    tab.follow(page.get_by_role("button", name="Save case note"))
    assert tab.path == f"/children/{child.public_id}/journey/"
    first = page.locator(".app-timeline__item").first.inner_text()
    assert "Call with Maya's nursery" in first and "Phone call" in first
