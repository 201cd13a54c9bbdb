"""Writes for section 20 accommodation (F08): the consent of each person with parental
responsibility (rules.md 4.3), a manager's authorisation, its withdrawal, and managers' reviews of
every section 20 case. An incomplete consent record can be saved (the register flags what it
lacks); what cannot be true is refused."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from carepath.core.permissions import Function
from carepath.people.models import Child, RelatedPerson, Relationship, User
from carepath.people.selectors import child_access_decision

from ..models import Section20Consent, Section20Review, Section20ReviewCase
from ..selectors.common import visible_child_ids
from ..selectors.section20 import accommodated_child_ids, current_run, open_runs
from .common import change, create, refuse, require_function, writing

# The parts of a consent record a social worker fills in (rules.md 4.3), other than who and when.
CONSENT_DETAILS = (
    "child_named",
    "voluntary_explained",
    "right_to_object_explained",
    "right_to_remove_explained",
    "told_orally",
    "told_in_writing",
    "told_before_accommodation",
    "capacity",
    "capacity_assessed_by",
    "circumstances",
    "legal_advice_offered",
    "solicitor_involved",
    "needs_translation",
    "translated_version_signed",
    "alternatives_considered",
    "signed_by_person",
    "signed_by_social_worker",
)


def _check_given_at(given_at: datetime) -> None:
    if given_at > timezone.now():
        refuse("given_at", "The date and time consent was given must be in the past")


def _name(person: RelatedPerson) -> str:
    return f"{person.first_name} {person.last_name}"


def section_20_consent_record(
    *,
    actor: User,
    child: Child,
    person: RelatedPerson,
    given_at: datetime,
    child_named: bool = False,
    voluntary_explained: bool = False,
    right_to_object_explained: bool = False,
    right_to_remove_explained: bool = False,
    told_orally: bool = False,
    told_in_writing: bool = False,
    told_before_accommodation: bool = False,
    capacity: str = "",
    capacity_assessed_by: str = "",
    circumstances: str = "",
    legal_advice_offered: bool = False,
    solicitor_involved: bool = False,
    needs_translation: bool = False,
    translated_version_signed: bool = False,
    alternatives_considered: str = "",
    signed_by_person: bool = False,
    signed_by_social_worker: bool = False,
) -> Section20Consent:
    """Record the consent of one person with parental responsibility to the child's current
    section 20 accommodation (against the first episode of the run)."""
    with writing(actor, [child], Function.RECORD_LEGAL):
        run = current_run(child)
        if run is None:
            refuse(
                "person",
                f"{child.full_name} is not accommodated under section 20 now. Record the looked-after "
                "episode with legal status V2 first.",
            )
        _check_given_at(given_at)
        if not Relationship.objects.filter(
            child=child, person=person, has_parental_responsibility=True
        ).exists():
            refuse(
                "person",
                f"{_name(person)} does not have parental responsibility for {child.full_name}. "
                "Only a person with parental responsibility can consent under section 20.",
            )
        if Section20Consent.objects.filter(episode_id=run.first_episode_id, person=person).exists():
            refuse(
                "person",
                f"A consent from {_name(person)} is already recorded for this accommodation: change that "
                "record instead.",
            )
        consent = Section20Consent(
            child=child,
            episode_id=run.first_episode_id,
            person=person,
            given_at=given_at,
            child_named=child_named,
            voluntary_explained=voluntary_explained,
            right_to_object_explained=right_to_object_explained,
            right_to_remove_explained=right_to_remove_explained,
            told_orally=told_orally,
            told_in_writing=told_in_writing,
            told_before_accommodation=told_before_accommodation,
            capacity=capacity,
            capacity_assessed_by=capacity_assessed_by,
            circumstances=circumstances,
            legal_advice_offered=legal_advice_offered,
            solicitor_involved=solicitor_involved,
            needs_translation=needs_translation,
            translated_version_signed=translated_version_signed,
            alternatives_considered=alternatives_considered,
            signed_by_person=signed_by_person,
            signed_by_social_worker=signed_by_social_worker,
        )
        create(actor=actor, children=[child], record=consent)
    return consent


def section_20_consent_update(
    *,
    actor: User,
    consent: Section20Consent,
    expected_version: int,
    given_at: datetime,
    child_named: bool,
    voluntary_explained: bool,
    right_to_object_explained: bool,
    right_to_remove_explained: bool,
    told_orally: bool,
    told_in_writing: bool,
    told_before_accommodation: bool,
    capacity: str,
    capacity_assessed_by: str,
    circumstances: str,
    legal_advice_offered: bool,
    solicitor_involved: bool,
    needs_translation: bool,
    translated_version_signed: bool,
    alternatives_considered: str,
    signed_by_person: bool,
    signed_by_social_worker: bool,
) -> Section20Consent:
    """Change a consent record. A manager authorised the record as it was, so a change to an
    authorised record takes the authorisation away until a manager looks again."""
    changes = {
        "given_at": given_at,
        "child_named": child_named,
        "voluntary_explained": voluntary_explained,
        "right_to_object_explained": right_to_object_explained,
        "right_to_remove_explained": right_to_remove_explained,
        "told_orally": told_orally,
        "told_in_writing": told_in_writing,
        "told_before_accommodation": told_before_accommodation,
        "capacity": capacity,
        "capacity_assessed_by": capacity_assessed_by,
        "circumstances": circumstances,
        "legal_advice_offered": legal_advice_offered,
        "solicitor_involved": solicitor_involved,
        "needs_translation": needs_translation,
        "translated_version_signed": translated_version_signed,
        "alternatives_considered": alternatives_considered,
        "signed_by_person": signed_by_person,
        "signed_by_social_worker": signed_by_social_worker,
    }
    with writing(actor, [consent.child], Function.RECORD_LEGAL):
        _check_given_at(given_at)
        if consent.withdrawn_at is not None and given_at > consent.withdrawn_at:
            refuse("given_at", "Consent cannot have been given after it was withdrawn")
        changed = any(getattr(consent, name) != value for name, value in changes.items())
        if changed and consent.authorised_by_id is not None:
            changes.update(authorised_by=None, authorised_on=None)
        change(
            actor=actor,
            children=[consent.child],
            record=consent,
            changes=changes,
            expected_version=expected_version,
        )
    return consent


def section_20_consent_authorise(
    *, actor: User, consent: Section20Consent, expected_version: int
) -> Section20Consent:
    """A manager authorises the consent record (rules.md 4.3 item 8)."""
    with writing(actor, [consent.child], Function.REVIEW_LEGAL_CASES):
        if consent.authorised_by_id is not None:
            refuse(
                "__all__",
                f"This consent was already authorised by {consent.authorised_by} on "
                f"{consent.authorised_on:%d %B %Y}.",
            )
        if consent.withdrawn_at is not None:
            refuse("__all__", "This consent has been withdrawn, so it cannot be authorised.")
        if consent.capacity in (Section20Consent.Capacity.LACKS, Section20Consent.Capacity.DOUBT):
            refuse(
                "__all__",
                "The person lacks capacity, or their capacity is in doubt, so the consent cannot be relied "
                "on. Seek legal advice about a court order instead.",
            )
        change(
            actor=actor,
            children=[consent.child],
            record=consent,
            changes={"authorised_by": actor, "authorised_on": timezone.localdate()},
            expected_version=expected_version,
        )
    return consent


def section_20_consent_withdraw(
    *, actor: User, consent: Section20Consent, withdrawn_at: datetime, expected_version: int
) -> Section20Consent:
    """The person objected or asked for the child back (s20(7)-(8)): the child must go home, or
    legal action be taken at once. The register flags it while the child stays accommodated."""
    with writing(actor, [consent.child], Function.RECORD_LEGAL):
        if consent.withdrawn_at is not None:
            refuse("withdrawn_at", "This consent is already recorded as withdrawn.")
        if withdrawn_at > timezone.now():
            refuse("withdrawn_at", "The date and time consent was withdrawn must be in the past")
        if withdrawn_at < consent.given_at:
            refuse("withdrawn_at", "Consent cannot be withdrawn before it was given")
        change(
            actor=actor,
            children=[consent.child],
            record=consent,
            changes={"withdrawn_at": withdrawn_at},
            expected_version=expected_version,
        )
    return consent


# ---------------------------------------------------------------------------------------------
# Reviews of every section 20 case (the letter: senior managers were doing this by hand)
# ---------------------------------------------------------------------------------------------


def section_20_review_start(*, actor: User, title: str, due_on: date) -> Section20Review:
    """Start a review of every child accommodated under section 20 today whom the actor may
    review: one case each, against the first episode of the child's section 20 run. Later
    accommodations are not added: the review is of the cases open on the day it started."""
    require_function(actor, Function.REVIEW_LEGAL_CASES)
    today = timezone.localdate()
    title = title.strip()
    if not title:
        refuse("title", "Enter a title for the review, like 'Section 20 review, spring 2026'")
    if due_on < today:
        refuse("due_on", "The date the review is due must be today or in the future")
    candidates = visible_child_ids(actor, accommodated_child_ids(today))
    children = [
        child
        for child in Child.objects.filter(pk__in=candidates).select_related("allocated_team")
        # Break-glass opens a record for reading only, so a review needs the actor's own scope.
        if child_access_decision(actor, child, Function.REVIEW_LEGAL_CASES).allowed
    ]
    if not children:
        refuse("title", "There are no children accommodated under section 20 whom you can review.")
    with transaction.atomic():
        runs = open_runs([c.pk for c in children])
        review = Section20Review.objects.create(
            title=title, started_on=today, due_on=due_on, started_by=actor
        )
        for child in children:
            case = Section20ReviewCase(review=review, child=child, episode_id=runs[child.pk].first_episode_id)
            create(actor=actor, children=[child], record=case)
    return review


def section_20_review_case_record(
    *, actor: User, case: Section20ReviewCase, finding: str, notes: str, expected_version: int
) -> Section20ReviewCase:
    """The reviewer's finding on one case. Anything but 'remains appropriate' needs notes saying
    what must happen."""
    with writing(actor, [case.child], Function.REVIEW_LEGAL_CASES):
        if finding not in Section20ReviewCase.Finding.values:
            refuse("finding", "Select the finding for this case")
        notes = notes.strip()
        if finding != Section20ReviewCase.Finding.APPROPRIATE and not notes:
            refuse("notes", "Enter what must happen next, and by whom")
        change(
            actor=actor,
            children=[case.child],
            record=case,
            changes={
                "finding": finding,
                "notes": notes,
                "reviewer": actor,
                "reviewed_on": timezone.localdate(),
            },
            expected_version=expected_version,
        )
    return case
