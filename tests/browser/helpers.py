"""What the browser tests of each part of carepath check on every page and read from it: the
page's structure (with accessibility, through the tab's check_page), and the GOV.UK components'
text. The names keep their leading underscore: the test modules use them as their own."""


def _short(day) -> str:
    """A date as the tables show it: 7 Dec 2026."""
    return f"{day.day} {day:%b %Y}"


def _long(day) -> str:
    """A date as summaries show it: 7 December 2026."""
    return f"{day.day} {day:%B %Y}"


def _main(tab) -> str:
    return tab.page.locator("main").inner_text()


def _table(tab, caption: str):
    page = tab.page
    return page.locator("table").filter(has=page.locator("caption", has_text=caption))


def _summary_row(tab, key: str) -> str:
    """The value of a summary list's row, by its key."""
    row = tab.page.locator(".govuk-summary-list__row").filter(
        has=tab.page.locator(".govuk-summary-list__key", has_text=key)
    )
    return row.first.locator(".govuk-summary-list__value").inner_text()


def _error_summary(tab) -> str:
    """The error summary's text, after checking that each of its links reaches a field on the page."""
    summary = tab.page.locator(".govuk-error-summary")
    assert summary.count() == 1, "no error summary"
    for link in summary.locator("a").all():
        href = link.get_attribute("href")
        assert href.startswith("#"), href
        assert tab.page.locator(f'[id="{href[1:]}"]').count() == 1, f"{href} reaches no field"
    return summary.inner_text()


def _fill_date(tab, field_id: str, day) -> None:
    page = tab.page
    page.locator(f"#{field_id}-day").fill(str(day.day))
    page.locator(f"#{field_id}-month").fill(str(day.month))
    page.locator(f"#{field_id}-year").fill(str(day.year))


def _no_duplicate_ids(tab) -> None:
    """axe-core no longer checks this under the WCAG tags; a form of repeated rows can break it."""
    duplicates = tab.page.evaluate(
        "() => { const seen = {}; document.querySelectorAll('[id]').forEach(e => "
        "{ seen[e.id] = (seen[e.id] || 0) + 1; }); return Object.keys(seen).filter(k => seen[k] > 1); }"
    )
    assert not duplicates, f"Duplicate ids on {tab.path}: {duplicates}"


def _headings_in_order(tab) -> None:
    """No heading level is skipped on the way down (axe-core's heading-order is a best practice,
    outside the WCAG tags check_page runs)."""
    levels = tab.page.evaluate(
        "() => [...document.querySelectorAll('main h1, main h2, main h3, main h4, main h5, main h6')]"
        ".filter(h => h.offsetParent !== null || h.closest('details')).map(h => Number(h.tagName[1]))"
    )
    for before, after in zip(levels, levels[1:], strict=False):
        assert after <= before + 1, f"Heading levels skip from h{before} to h{after} on {tab.path}: {levels}"


def _check(tab, *, title: str, h1: str | None = None) -> None:
    tab.check_page(title=title, h1=h1)
    _no_duplicate_ids(tab)
    _headings_in_order(tab)


def _check_structure(tab, *, title: str, h1: str | None = None) -> None:
    tab.check_structure(title=title, h1=h1)
    _no_duplicate_ids(tab)
    _headings_in_order(tab)
