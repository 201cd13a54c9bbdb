"""Letters before proceedings, the services: drafting one letter per person with parental
responsibility, editing with optimistic locking, sending only when complete, and the refusals."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError

from carepath.core.concurrency import EditConflict
from carepath.core.models import ChangeEvent
from carepath.legal import models as lm
from carepath.legal.letters.context import DEFAULT_FGDM_OFFER
from carepath.legal.selectors.letters import letter_data
from carepath.legal.services import letters as services
from tests import factories as f
from tests.legal import factories as lf
from tests.legal.test_letters_helpers import (
    NOW,
    TODAY,
    complete_fields,
    family,
    fill,
    letter_to,
    ready_letter,
    solicitor,
)

pytestmark = pytest.mark.django_db
SENT = lm.LetterBeforeProceedings.Status.SENT


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(NOW, tick=False):
        yield


# -- drafting ---------------------------------------------------------------------------------------


def test_one_draft_per_person_with_parental_responsibility():
    fam = family()
    request = lf.gateway_request(fam.case)
    drafts = services.letters_draft_for(actor=fam.worker, pre_proceedings=fam.pp)
    assert {d.recipient for d in drafts} == {fam.mother, fam.father}  # not the grandparent (no PR)
    mother = next(d for d in drafts if d.recipient == fam.mother)
    assert mother.status == lm.LetterBeforeProceedings.Status.DRAFT
    assert mother.fgdm_offer == DEFAULT_FGDM_OFFER  # the s31ZA offer is in every letter from the start
    assert mother.concerns == request.concerns  # a starting point, from what the panel was told
    assert mother.contact_name == fam.worker.get_full_name()
    # Creation is logged against every child of the case.
    assert (
        ChangeEvent.objects.filter(
            record_type="legal.LetterBeforeProceedings", record_id=str(mother.pk)
        ).count()
        == 2
    )


def test_drafting_again_only_writes_to_people_without_a_letter():
    fam = family()
    services.letters_draft_for(actor=fam.worker, pre_proceedings=fam.pp)
    assert services.letters_draft_for(actor=fam.worker, pre_proceedings=fam.pp) == []
    stepfather = lf.parent_of(fam.children[1:], kind="step_parent")
    again = services.letters_draft_for(actor=fam.worker, pre_proceedings=fam.pp)
    assert [d.recipient for d in again] == [stepfather]
    assert lm.LetterBeforeProceedings.objects.filter(pre_proceedings=fam.pp).count() == 3


def test_a_recipient_who_needs_another_language_gets_it_prefilled():
    fam = family()
    fam.father.language = "Polish"
    fam.father.save()
    services.letters_draft_for(actor=fam.worker, pre_proceedings=fam.pp)
    assert letter_to(fam, fam.father).language == "Polish"
    assert letter_to(fam, fam.mother).language == ""


def test_a_letter_names_only_the_children_its_recipient_has_parental_responsibility_for():
    fam = family()
    father = letter_data(letter_to(fam, fam.father))
    first = fam.children[0]
    assert [c.name for c in father.children] == [f"{first.first_name} {first.last_name}"]
    assert father.dated == TODAY and father.recipient_name == str(fam.father)
    assert len(letter_data(letter_to(fam)).children) == 2


def test_drafting_is_refused_when_no_one_has_parental_responsibility():
    worker = f.UserFactory()
    children = lf.family_of(1, worker=worker)
    pp = lf.pre_proceedings(lf.legal_case(children))
    with pytest.raises(ValidationError, match="parental responsibility"):
        services.letters_draft_for(actor=worker, pre_proceedings=pp)


def test_drafting_needs_record_legal_on_every_child_of_the_case():
    fam = family()
    stranger = f.UserFactory(role="social_worker")  # another team, nothing allocated
    with pytest.raises(PermissionDenied):
        services.letters_draft_for(actor=stranger, pre_proceedings=fam.pp)
    director = f.UserFactory(role="director")  # sees every child, but does not record legal work
    with pytest.raises(PermissionDenied):
        services.letters_draft_for(actor=director, pre_proceedings=fam.pp)
    assert not lm.LetterBeforeProceedings.objects.exists()


def test_a_worker_allocated_to_only_some_of_the_children_cannot_write_the_familys_letters():
    first, second = f.UserFactory(), f.UserFactory()
    children = lf.family_of(1, worker=first) + lf.family_of(1, worker=second)
    lf.parent_of(children)
    pp = lf.pre_proceedings(lf.legal_case(children), started_on=TODAY - timedelta(days=7))
    with pytest.raises(PermissionDenied):
        services.letters_draft_for(actor=first, pre_proceedings=pp)
    assert not lm.LetterBeforeProceedings.objects.exists()


# -- editing ----------------------------------------------------------------------------------------


def test_editing_saves_the_fields_and_items_in_order_and_ignores_blank_rows():
    fam = family()
    letter = letter_to(fam)
    blank = {"who": "", "what": "", "by_when": None}
    fields = complete_fields()
    fields["changes"] = [blank, *fields["changes"], {}]
    fields["support"] = [{}, *fields["support"]]
    services.letter_update(actor=fam.worker, letter=letter, expected_version=letter.version, **fields)
    letter.refresh_from_db()
    assert letter.version == 2
    assert letter.meeting_place == "Northshire House, 1 High Street"
    assert [(c.who, c.what) for c in letter.changes.all()] == [
        ("You", "make sure Amy goes to school every day"),
        ("You and Alex", "stop fighting at home"),
    ]
    assert [s.is_assessment for s in letter.support.all()] == [False, True]
    # Saving again with different items replaces them.
    fill(
        letter,
        fam.worker,
        changes=[{"who": "You", "what": "go to every drug test", "by_when": TODAY + timedelta(days=10)}],
    )
    assert [c.what for c in letter.changes.all()] == ["go to every drug test"]
    assert ChangeEvent.objects.filter(record_id=str(letter.pk), changes__contains="drug test").exists()


def test_a_change_needs_who_what_and_a_date_in_the_future():
    fam = family()
    letter = letter_to(fam)
    bad = [
        {"who": "", "what": "go to every drug test", "by_when": TODAY + timedelta(days=10)},
        {"who": "You", "what": "", "by_when": TODAY + timedelta(days=10)},
        {"who": "You", "what": "stop drinking", "by_when": None},
        {"who": "You", "what": "stop drinking", "by_when": TODAY},
    ]
    with pytest.raises(ValidationError) as refused:
        services.letter_update(
            actor=fam.worker, letter=letter, expected_version=letter.version, **complete_fields(changes=bad)
        )
    messages = refused.value.message_dict["changes"]
    assert messages == [
        "Change 1: say who must do it.",
        "Change 2: say what must change.",
        "Change 3: say by when it must be done.",
        "Change 4: the date it must be done by must be after today (3 March 2026).",
    ]
    letter.refresh_from_db()
    assert letter.version == 1 and not letter.changes.exists()


def test_support_needs_what_who_when_and_how_long():
    fam = family()
    letter = letter_to(fam)
    with pytest.raises(ValidationError) as refused:
        services.letter_update(
            actor=fam.worker,
            letter=letter,
            expected_version=letter.version,
            **complete_fields(
                support=[{"what": "Parenting course", "who": "", "starts_on": None, "how_long": ""}]
            ),
        )
    assert refused.value.message_dict["support"] == [
        "Support 1: say who will provide it.",
        "Support 1: say when it starts.",
        "Support 1: say how long it lasts, like 6 weeks.",
    ]


def test_a_stale_edit_is_refused_and_changes_nothing():
    fam = family()
    letter = letter_to(fam)
    stale = lm.LetterBeforeProceedings.objects.get(pk=letter.pk)
    fill(letter, fam.worker)
    with pytest.raises(EditConflict):
        services.letter_update(
            actor=fam.manager,
            letter=stale,
            expected_version=1,
            **complete_fields(concerns="Something else", changes=[], support=[]),
        )
    letter.refresh_from_db()
    assert letter.concerns.startswith("Amy often comes to school hungry")
    assert letter.changes.count() == 2


def test_editing_needs_the_legal_recording_function():
    fam = family()
    letter = letter_to(fam)
    stranger = f.UserFactory(role="social_worker")
    with pytest.raises(PermissionDenied):
        fill(letter, stranger)


# -- sending ----------------------------------------------------------------------------------------


def test_sending_is_refused_while_anything_required_is_missing():
    fam = family()
    letter = letter_to(fam)  # a fresh draft: no changes, support, meeting or consequences
    with pytest.raises(ValidationError) as refused:
        services.letter_send(actor=fam.manager, letter=letter, sent_on=TODAY, expected_version=letter.version)
    text = " ".join(refused.value.messages)
    assert refused.value.messages[0].startswith("The letter cannot be sent yet.")
    assert "does not say what must change" in text
    assert "offers no support or assessments" in text
    assert "does not invite the parent to a meeting" in text
    assert "no active solicitor" in text
    letter.refresh_from_db()
    assert letter.status != SENT and letter.sent_on is None


def test_sending_a_complete_letter_records_who_when_readability_and_the_fgdm_offer():
    fam = family()
    letter = ready_letter(fam)
    services.letter_send(
        actor=fam.manager, letter=letter, sent_on=TODAY - timedelta(days=1), expected_version=letter.version
    )
    letter.refresh_from_db()
    assert letter.status == SENT
    assert letter.sent_on == TODAY - timedelta(days=1)
    assert letter.sent_by == fam.manager
    assert letter.readability is not None and letter.readability > 60
    fam.pp.refresh_from_db()
    assert fam.pp.fgdm_offered_on == TODAY - timedelta(days=1)


def test_an_earlier_fgdm_offer_date_is_kept():
    fam = family()
    fam.pp.fgdm_offered_on = TODAY - timedelta(days=5)
    fam.pp.save()
    letter = ready_letter(fam)
    services.letter_send(actor=fam.manager, letter=letter, sent_on=TODAY, expected_version=letter.version)
    fam.pp.refresh_from_db()
    assert fam.pp.fgdm_offered_on == TODAY - timedelta(days=5)


def test_sending_is_refused_for_a_future_date_or_before_pre_proceedings_started():
    fam = family()
    letter = ready_letter(fam)
    with pytest.raises(ValidationError) as refused:
        services.letter_send(
            actor=fam.manager,
            letter=letter,
            sent_on=TODAY + timedelta(days=1),
            expected_version=letter.version,
        )
    assert "today or in the past" in refused.value.message_dict["sent_on"][0]
    with pytest.raises(ValidationError) as refused:
        services.letter_send(
            actor=fam.manager,
            letter=letter,
            sent_on=fam.pp.started_on - timedelta(days=1),
            expected_version=letter.version,
        )
    assert "before pre-proceedings started" in refused.value.message_dict["sent_on"][0]


def test_only_managers_and_solicitors_send_letters():
    fam = family()
    letter = ready_letter(fam)
    with pytest.raises(PermissionDenied):
        services.letter_send(actor=fam.worker, letter=letter, sent_on=TODAY, expected_version=letter.version)
    other_manager = f.UserFactory(role="team_manager")  # another team: out of scope
    with pytest.raises(PermissionDenied):
        services.letter_send(
            actor=other_manager, letter=letter, sent_on=TODAY, expected_version=letter.version
        )
    letter.refresh_from_db()
    assert letter.status != SENT


def test_sending_a_letter_changed_since_it_was_opened_is_refused():
    fam = family()
    letter = ready_letter(fam)
    opened = letter.version
    fill(letter, fam.worker, concerns="Changed after the manager opened it.")
    with pytest.raises(EditConflict):
        services.letter_send(actor=fam.manager, letter=letter, sent_on=TODAY, expected_version=opened)


def test_a_sent_letter_cannot_be_edited_or_sent_again_but_can_be_redrafted():
    fam = family()
    letter = ready_letter(fam)
    services.letter_send(actor=fam.manager, letter=letter, sent_on=TODAY, expected_version=letter.version)
    letter.refresh_from_db()
    with pytest.raises(ValidationError, match="has been sent"):
        fill(letter, fam.worker, concerns="Trying to change a sent letter")
    with pytest.raises(ValidationError, match="has been sent"):
        services.letter_send(actor=fam.manager, letter=letter, sent_on=TODAY, expected_version=letter.version)
    letter.refresh_from_db()
    assert letter.concerns.startswith("Amy often comes to school hungry")

    copy = services.letter_redraft(actor=fam.worker, letter=letter)
    assert copy.pk != letter.pk and copy.status == lm.LetterBeforeProceedings.Status.DRAFT
    assert copy.recipient == fam.mother and copy.concerns == letter.concerns
    assert copy.changes.count() == 2 and copy.support.count() == 2
    with pytest.raises(ValidationError, match="already a draft"):
        services.letter_redraft(actor=fam.worker, letter=letter)


def test_an_active_solicitor_is_needed_to_send():
    fam = family()
    firm = solicitor()
    letter = fill(letter_to(fam), fam.worker)
    services.local_solicitor_set_active(actor=f.UserFactory(role="director"), solicitor=firm, active=False)
    with pytest.raises(ValidationError, match="no active solicitor"):
        services.letter_send(actor=fam.manager, letter=letter, sent_on=TODAY, expected_version=letter.version)


# -- templates and solicitors ------------------------------------------------------------------------


def test_only_template_managers_change_templates_and_solicitors():
    worker = f.UserFactory(role="social_worker")
    with pytest.raises(PermissionDenied):
        services.local_solicitor_add(actor=worker, firm="A", address="B", phone="C")
    admin = f.UserFactory(role="system_administrator")
    firm = services.local_solicitor_add(actor=admin, firm=" A & B Law ", address="1 Street", phone="0100")
    assert firm.firm == "A & B Law" and firm.active
    with pytest.raises(ValidationError) as refused:
        services.local_solicitor_add(actor=admin, firm="", address="", phone="")
    assert set(refused.value.message_dict) == {"firm", "address", "phone"}


def test_the_newest_active_template_of_each_format_is_used():
    from carepath.legal.selectors.letters import active_template, docx_template_bytes, html_template_text

    assert docx_template_bytes() is None and html_template_text() is None  # the shipped defaults
    older = lm.LetterTemplate.objects.create(format="docx", name="Older", content=b"older")
    newer = lm.LetterTemplate.objects.create(format="docx", name="Newer", content=b"newer")
    lm.LetterTemplate.objects.create(format="html", name="Page", content="<p>é</p>".encode())
    assert active_template("docx") == newer and docx_template_bytes() == b"newer"
    assert html_template_text() == "<p>é</p>"
    services.letter_template_deactivate(actor=f.UserFactory(role="director"), template=newer)
    assert active_template("docx") == older
    with pytest.raises(PermissionDenied):
        services.letter_template_deactivate(actor=f.UserFactory(role="team_manager"), template=older)
