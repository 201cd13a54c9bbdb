"""The care proceedings list and page: families tracked together, week counting, the time allowed
with extensions, the final hearing forecast, the PD12A checklist and the forms."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils.html import escape

from carepath.core import codes
from carepath.core.models import AccessEvent
from carepath.legal import models as lm
from carepath.legal.selectors import proceedings as selectors
from carepath.legal.services import proceedings as services
from carepath.timescales.models import Deadline
from tests import factories as f
from tests.legal import factories as lf

pytestmark = pytest.mark.django_db

TODAY = date.today()
LIST = "/legal/proceedings/"
Kind = lm.ApplicationDocument.Kind


@pytest.fixture
def worker():
    return f.UserFactory()


def in_court(worker, *, n=2, issued_days_ago=None, decided_days_ago=100):
    children = lf.family_of(n, worker=worker)
    issued_on = TODAY - timedelta(days=issued_days_ago) if issued_days_ago is not None else None
    record = lf.proceedings(
        lf.legal_case(children), decided_on=TODAY - timedelta(days=decided_days_ago), issued_on=issued_on
    )
    return record, children


def page(client, user, url):
    client.force_login(user)
    response = client.get(url)
    return response, response.content.decode()


# --- Week counting and the forecast -------------------------------------------------------------


def test_week_1_is_the_week_beginning_with_the_issue_day():
    issued = date(2026, 3, 2)
    assert selectors.week_number(issued, issued) == 1
    assert selectors.week_number(issued, issued + timedelta(days=6)) == 1
    assert selectors.week_number(issued, issued + timedelta(days=7)) == 2
    # 26 weeks beginning with the issue day end on day 182, the last day of week 26.
    assert selectors.week_number(issued, issued + timedelta(days=181)) == 26
    assert selectors.week_number(issued, issued + timedelta(days=182)) == 27


def test_forecast_compares_the_final_hearing_with_the_time_allowed():
    issued = date(2026, 3, 2)
    final = lm.Hearing(kind=lm.Hearing.Kind.FINAL, held_on=issued + timedelta(days=181))
    assert selectors.forecast(issued_on=issued, final_hearing=final, weeks_allowed=26, cp26_due=None) == (
        selectors.Forecast.WITHIN
    )
    final.held_on = issued + timedelta(days=182)
    assert selectors.forecast(issued_on=issued, final_hearing=final, weeks_allowed=26, cp26_due=None) == (
        selectors.Forecast.AFTER
    )
    # An extension of 4 weeks brings it within the time allowed.
    assert selectors.forecast(issued_on=issued, final_hearing=final, weeks_allowed=30, cp26_due=None) == (
        selectors.Forecast.WITHIN
    )
    # The engine's CP26 due date wins where there is one.
    assert selectors.forecast(
        issued_on=issued, final_hearing=final, weeks_allowed=30, cp26_due=issued + timedelta(days=100)
    ) == (selectors.Forecast.AFTER)
    assert selectors.forecast(issued_on=issued, final_hearing=None, weeks_allowed=26, cp26_due=None) == (
        selectors.Forecast.NOT_LISTED
    )


# --- The list -----------------------------------------------------------------------------------


def test_list_groups_the_family_and_counts_the_weeks_and_extensions(client, worker):
    record, children = in_court(worker, issued_days_ago=7 * 10 + 3)  # in week 11
    lm.Extension.objects.create(proceedings=record, granted_on=TODAY, weeks=4, reason="Expert report late.")
    lm.Hearing.objects.create(
        proceedings=record, kind=lm.Hearing.Kind.IRH, held_on=TODAY + timedelta(days=14)
    )
    lm.Hearing.objects.create(
        proceedings=record, kind=lm.Hearing.Kind.FINAL, held_on=record.issued_on + timedelta(weeks=29)
    )
    response, html = page(client, worker, LIST)
    assert response.status_code == 200
    row = html[html.index(escape(children[0].full_name)) :]
    assert escape(children[1].full_name) in row[:400]  # the siblings in one row
    assert "Week 11 of 30" in html
    assert "Issues resolution hearing" in html
    assert selectors.Forecast.WITHIN in html


def test_list_forecasts_a_final_hearing_after_the_time_allowed_and_a_missing_one(client, worker):
    late, late_children = in_court(worker, issued_days_ago=30)
    lm.Hearing.objects.create(
        proceedings=late, kind=lm.Hearing.Kind.FINAL, held_on=late.issued_on + timedelta(weeks=27)
    )
    _unlisted, _children = in_court(worker, issued_days_ago=20)
    _response, html = page(client, worker, LIST)
    assert selectors.Forecast.AFTER in html
    assert selectors.Forecast.NOT_LISTED in html


def test_list_shows_applications_being_prepared_with_checklist_progress(client, worker):
    record, children = in_court(worker)
    for kind in (Kind.CHRONOLOGY, Kind.GENOGRAM, Kind.STATEMENT):
        lm.ApplicationDocument.objects.create(
            proceedings=record, kind=kind, ready_on=TODAY, confirmed_by=worker
        )
    _response, html = page(client, worker, LIST)
    assert "Preparing to issue (1)" in html
    assert "3 of 7 ready" in html


def test_list_scoping_and_concluded_proceedings(client, worker):
    _mine, my_children = in_court(worker, issued_days_ago=10)
    _theirs, their_children = in_court(f.UserFactory(), issued_days_ago=10)
    done, done_children = in_court(worker, issued_days_ago=200)
    done.concluded_on = TODAY
    done.save()
    _response, html = page(client, worker, LIST)
    assert escape(my_children[0].full_name) in html
    assert escape(their_children[0].full_name) not in html
    assert escape(done_children[0].full_name) not in html
    response, _html = page(client, f.UserFactory(role="partner_referrer"), LIST)
    assert response.status_code == 403


# --- One proceedings ------------------------------------------------------------------------------


def test_page_shows_the_checklist_before_issue_and_logs_reads(client, worker):
    record, children = in_court(worker)
    lm.ApplicationDocument.objects.create(
        proceedings=record, kind=Kind.GENOGRAM, ready_on=TODAY, confirmed_by=worker
    )
    response, html = page(client, worker, reverse("legal:proceedings", args=[record.pk]))
    assert response.status_code == 200
    for _kind, label in Kind.choices:
        assert label in html
    assert "1 of 7 ready" in html
    assert reverse("legal:proceedings-document", args=[record.pk, Kind.CHRONOLOGY]) in html
    assert reverse("legal:proceedings-issue", args=[record.pk]) in html
    reads = AccessEvent.objects.filter(actor=worker, what=f"Care proceedings {record.legal_case.reference}")
    assert set(reads.values_list("child_id", flat=True)) == {c.pk for c in children}


def test_page_timeline_lists_every_week_with_the_hearings(client, worker):
    record, _children = in_court(worker, issued_days_ago=15)
    lm.Hearing.objects.create(
        proceedings=record, kind=lm.Hearing.Kind.CMH, held_on=record.issued_on + timedelta(days=12)
    )
    response, html = page(client, worker, reverse("legal:proceedings", args=[record.pk]))
    assert response.status_code == 200
    timeline = html[html.index("week by week") :]
    assert "Last week allowed" in timeline and "This week" in timeline
    assert timeline.count('<th scope="row" class="govuk-table__header">') == 26
    assert "Case management hearing" in timeline


def test_page_is_refused_to_someone_who_sees_none_of_the_children(client, worker):
    record, _children = in_court(worker, issued_days_ago=10)
    stranger = f.UserFactory()
    response, _html = page(client, stranger, reverse("legal:proceedings", args=[record.pk]))
    assert response.status_code == 403
    assert not AccessEvent.objects.filter(actor=stranger).exists()


# --- The forms ----------------------------------------------------------------------------------


def date_parts(name: str, day: date) -> dict:
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


def test_document_form_confirms_a_document(client, worker):
    record, _children = in_court(worker)
    client.force_login(worker)
    response = client.post(
        reverse("legal:proceedings-document", args=[record.pk, Kind.CARE_PLAN]), date_parts("ready_on", TODAY)
    )
    assert response.status_code == 302
    document = record.documents.get()
    assert document.kind == Kind.CARE_PLAN and document.confirmed_by == worker
    assert client.get(reverse("legal:proceedings-document", args=[record.pk, "nonsense"])).status_code == 404


def test_issue_form_refused_for_missing_documents_keeps_what_was_typed(client, worker):
    record, _children = in_court(worker)
    client.force_login(worker)
    typed = {
        "version": record.version,
        "application": "care",
        **date_parts("issued_on", TODAY),
        "court": "Family Court at Northshire",
        "case_number": "NS26C04242",
        "short_notice": "no",
        "parents_legal_representation": codes.YesNoUnknown.YES,
    }
    response = client.post(reverse("legal:proceedings-issue", args=[record.pk]), typed)
    html = response.content.decode()
    assert response.status_code == 200
    assert "cannot be issued until every document is ready" in html
    assert "NS26C04242" in html
    record.refresh_from_db()
    assert record.issued_on is None


def test_extension_form_refuses_more_than_8_weeks(client, worker):
    record, _children = in_court(worker, issued_days_ago=100)
    client.force_login(worker)
    response = client.post(
        reverse("legal:proceedings-extension", args=[record.pk]),
        {**date_parts("granted_on", TODAY), "weeks": 12, "reason": "Assessment of the grandmother."},
    )
    html = response.content.decode()
    assert "between 1 and 8 weeks" in html and "Assessment of the grandmother." in html
    assert not record.extensions.exists()


def test_final_order_forms_conclude_the_proceedings(client, worker):
    record, _children = in_court(worker, issued_days_ago=150)
    client.force_login(worker)
    for row in record.children.all():
        response = client.post(
            reverse("legal:proceedings-order", args=[record.pk, row.pk]),
            {
                "version": row.version,
                "final_order": codes.FinalOrder.CARE_ORDER,
                **date_parts("final_order_on", TODAY),
            },
        )
        assert response.status_code == 302
    record.refresh_from_db()
    assert record.concluded_on == TODAY
    _response, html = page(client, worker, LIST)
    assert record.legal_case.reference not in html


def test_child_forms_are_refused_for_a_child_the_user_cannot_see(client, worker):
    record, _children = in_court(worker, issued_days_ago=20)
    other = lf.family_of(1)  # another family's child
    other_record = lf.proceedings(lf.legal_case(other), issued_on=TODAY - timedelta(days=5))
    client.force_login(worker)
    row = other_record.children.get()
    response = client.get(reverse("legal:proceedings-plans", args=[other_record.pk, row.pk]))
    assert response.status_code == 403
    # A row of another proceedings cannot be reached through this one.
    response = client.get(reverse("legal:proceedings-plans", args=[record.pk, row.pk]))
    assert response.status_code == 404


def test_hearing_form_conflict_is_reported(client, worker):
    record, _children = in_court(worker, issued_days_ago=20)
    hearing = lm.Hearing.objects.create(
        proceedings=record, kind=lm.Hearing.Kind.CMH, held_on=TODAY - timedelta(days=5)
    )
    client.force_login(worker)
    url = reverse("legal:proceedings-hearing", args=[hearing.pk])
    lm.Hearing.objects.filter(pk=hearing.pk).update(version=2, notes="Moved by someone else")
    response = client.post(
        url, {"version": 1, **date_parts("held_on", TODAY - timedelta(days=5)), "effective": "yes"}
    )
    assert "Someone else changed this" in response.content.decode()
    hearing.refresh_from_db()
    assert hearing.effective is None


def test_list_shows_the_engines_cp26_date(client, worker):
    """End to end with the timescales engine: issuing starts the 26-week clock."""
    record, _children = in_court(worker, n=1)
    for kind in Kind.values:
        lm.ApplicationDocument.objects.create(
            proceedings=record, kind=kind, ready_on=TODAY, confirmed_by=worker
        )
    services.proceedings_issue(
        actor=worker,
        proceedings=record,
        expected_version=record.version,
        issued_on=TODAY - timedelta(days=10),
        court="Family Court at Northshire",
        case_number="NS26C07777",
    )
    clock = Deadline.objects.filter(context_type="proceedings", context_id=record.pk, rule_id="CP26").first()
    if clock is None:
        pytest.skip("the timescales engine has no CP26 clock yet")
    _response, html = page(client, worker, LIST)
    assert clock.due_on.strftime("%-d %b %Y") in html
