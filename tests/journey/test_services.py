"""What every journey service does besides the integrity rules: checks the right to record,
logs the change, keeps the child's status, refuses stale edits."""

import json
from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from carepath.core import codes
from carepath.core.audit import ChangeAction
from carepath.core.concurrency import EditConflict
from carepath.core.models import ChangeEvent
from carepath.core.permissions import Role
from carepath.journey import models as jm
from carepath.journey import services
from carepath.people.models import Child, ChildStatus
from tests import factories as f
from tests.journey.helpers import Journey, at, stored_counts

pytestmark = pytest.mark.django_db


def status_of(child) -> str:
    return Child.objects.get(pk=child.pk).status


def events_for(record) -> list[ChangeEvent]:
    return list(
        ChangeEvent.objects.filter(record_type=record._meta.label, record_id=str(record.pk)).order_by("seq")
    )


class TestAudit:
    def test_creating_a_record_logs_who_created_it_and_its_values(self, worker, child, referral):
        (event,) = events_for(referral)
        assert (event.action, event.actor, event.child) == (ChangeAction.CREATED, worker, child)
        assert json.loads(event.changes)["referral_date"] == [None, "2025-01-06"]

    def test_changing_a_record_logs_the_old_and_new_values(self, journey, referral):
        journey.close(referral, date(2025, 2, 28))
        created, closed = events_for(referral)
        assert closed.action == ChangeAction.UPDATED
        assert json.loads(closed.changes) == {
            "closure_date": [None, "2025-02-28"],
            "closure_reason": ["", codes.ClosureReason.SERVICES_CEASED],
        }

    def test_a_decision_to_refer_logs_the_decision_and_the_new_referral(self, worker, child):
        contact = services.contact_create(
            actor=worker,
            child=child,
            received_at=at(date(2025, 1, 6), 9),
            source=codes.ReferralSource.POLICE,
            summary="Domestic incident",
        )
        services.contact_decide(
            actor=worker,
            contact=contact,
            decision=jm.Contact.Decision.REFERRAL,
            threshold_level=jm.ThresholdLevel.SPECIALIST,
            decided_at=at(date(2025, 1, 6), 12),
            primary_need=codes.PrimaryNeed.ABUSE_OR_NEGLECT,
        )
        assert [e.action for e in events_for(contact)] == [ChangeAction.CREATED, ChangeAction.UPDATED]
        assert [e.action for e in events_for(contact.referral)] == [ChangeAction.CREATED]

    def test_the_records_remember_who_recorded_them(self, worker, referral):
        assert referral.recorded_by == worker


class TestStatus:
    def test_a_contact_awaiting_a_decision_shows_as_a_contact(self, worker, child):
        services.contact_create(
            actor=worker,
            child=child,
            received_at=at(date(2025, 1, 6)),
            source=codes.ReferralSource.GP,
            summary="Bruise seen at surgery",
        )
        assert status_of(child) == ChildStatus.CONTACT

    def test_a_referral_makes_the_child_a_child_in_need(self, child, referral):
        assert status_of(child) == ChildStatus.CHILD_IN_NEED

    def test_a_child_protection_plan_makes_the_status_child_protection(self, journey, child, referral):
        journey.cp_plan(referral)
        assert status_of(child) == ChildStatus.CHILD_PROTECTION

    def test_ending_the_plan_and_closing_the_case_makes_the_child_closed(self, journey, child, referral):
        plan = journey.cp_plan(referral)
        services.cp_plan_end(actor=journey.actor, plan=plan, end_date=date(2025, 8, 4))
        assert status_of(child) == ChildStatus.CHILD_IN_NEED
        journey.close(referral, date(2025, 8, 4))
        assert status_of(child) == ChildStatus.CLOSED

    def test_being_looked_after_takes_precedence_and_ending_it_falls_back(self, journey, child, referral):
        journey.looked_after(date(2025, 3, 3))
        assert status_of(child) == ChildStatus.LOOKED_AFTER
        services.looked_after_end(
            actor=journey.actor,
            child=child,
            end_date=date(2025, 6, 2),
            reason_ceased=codes.ReasonEpisodeCeased.RETURNED_HOME_PLANNED,
        )
        assert status_of(child) == ChildStatus.CHILD_IN_NEED


class TestRightToRecord:
    @pytest.fixture
    def outsider(self):
        """A social worker in another team, with no allocation to the child."""
        return f.UserFactory()

    @pytest.mark.parametrize(
        "write",
        [
            lambda j, actor: Journey(actor, j.child).referral(),
            lambda j, actor: services.contact_create(
                actor=actor,
                child=j.child,
                received_at=at(date(2025, 1, 6)),
                source=codes.ReferralSource.GP,
                summary="Concern",
            ),
            lambda j, actor: Journey(actor, j.child).looked_after(),
            lambda j, actor: services.early_help_start(
                actor=actor, child=j.child, start_date=date(2025, 1, 6), organisation="Family Hub"
            ),
        ],
        ids=["referral", "contact", "looked_after", "early_help"],
    )
    def test_a_worker_without_the_child_in_their_caseload_is_refused(self, journey, outsider, write):
        before = stored_counts()
        with pytest.raises(PermissionDenied, match="not in your caseload"):
            write(journey, outsider)
        assert stored_counts() == before

    def test_a_worker_cannot_change_a_record_about_a_child_outside_their_caseload(self, referral, outsider):
        with pytest.raises(PermissionDenied):
            services.referral_close(
                actor=outsider,
                referral=referral,
                closure_date=date(2025, 2, 28),
                closure_reason=codes.ClosureReason.SERVICES_CEASED,
            )
        referral.refresh_from_db()
        assert referral.closure_date is None

    def test_a_role_without_recording_rights_is_refused_even_with_the_child_allocated(self, child):
        inspector = f.UserFactory(role=Role.INSPECTOR)
        with pytest.raises(PermissionDenied, match="role does not allow"):
            Journey(inspector, child).referral()

    def test_the_allocated_worker_may_record(self, worker, child):
        assert Journey(worker, child).referral().pk


class TestConcurrentEdits:
    def test_closing_a_referral_someone_else_changed_meanwhile_is_refused(self, journey, referral):
        stale = jm.Referral.objects.get(pk=referral.pk)
        journey.close(referral, date(2025, 2, 28))
        with pytest.raises(EditConflict):
            # Someone reopening the page they loaded before the closure still holds version 1.
            services.referral_close(
                actor=journey.actor,
                referral=stale,
                closure_date=date(2025, 3, 3),
                closure_reason=codes.ClosureReason.TRANSFERRED_LA,
            )
        referral.refresh_from_db()
        assert (referral.closure_date, referral.version) == (date(2025, 2, 28), 2)
        assert (stale.closure_date, stale.closure_reason) == (None, "")
