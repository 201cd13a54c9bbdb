"""Writes to the child's journey. Each service checks the actor's right to record on this child,
applies the DfE integrity rules at entry (integrity.py), writes in one transaction, logs the
change, and refreshes the child's derived status.

A refused write raises ValidationError keyed by field, with messages a social worker can act on,
and stores nothing. Changes to an existing record carry the version the person started from
(`expected_version`, defaulting to the version of the record passed in), so two people cannot
silently overwrite each other.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from carepath.core import audit, codes
from carepath.core.audit import ChangeAction
from carepath.core.concurrency import save_if_unchanged
from carepath.core.events import child_record_changed
from carepath.core.permissions import Function
from carepath.people.models import Child, RelatedPerson, Team, User
from carepath.people.selectors import child_access_decision

from . import integrity
from . import models as m
from .selectors import derive_status


def _require_recording_rights(actor: User, child: Child) -> None:
    decision = child_access_decision(actor, child, Function.RECORD_CASEWORK)
    if not decision.allowed:
        raise PermissionDenied(decision.refusal)


def _not_in_future(value: datetime, field: str) -> None:
    if value > timezone.now():
        raise ValidationError({field: "The date and time cannot be in the future"})


# Undo steps for the records changed in memory during the current write, so that when a later step
# is refused and the transaction rolls back, the objects the caller holds match the database again.
_undo: ContextVar[list[Callable[[], None]] | None] = ContextVar("journey_write_undo", default=None)


@contextmanager
def _recording(actor: User, child: Child) -> Iterator[None]:
    """The rights check, then one transaction that holds the child's row, so two people recording
    on the same child at once cannot both pass an overlap check (a no-op lock on SQLite, whose
    writes are serialised anyway)."""
    _require_recording_rights(actor, child)
    outermost = _undo.get() is None
    token = _undo.set([]) if outermost else None
    try:
        with transaction.atomic():
            list(Child.objects.select_for_update().filter(pk=child.pk).values_list("pk", flat=True))
            yield
            if outermost:
                child_record_changed(child.pk)
    except BaseException:
        if outermost:
            for step in reversed(_undo.get() or []):
                step()
        raise
    finally:
        if token is not None:
            _undo.reset(token)


def _validate(record: models.Model) -> None:
    """Field checks, then the integrity rules, then uniqueness. The rules run before the database
    constraints so that people see the rule's words rather than a constraint's name; where a field
    check and a rule both object to a field, the rule's words win."""
    try:
        record.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        try:
            friendly = integrity.as_validation_error(integrity.violations_for(record)).message_dict
        except (TypeError, AttributeError, ObjectDoesNotExist):
            friendly = {}  # the record is too incomplete for the rules; Django's messages stand
        raise ValidationError({**error.message_dict, **friendly}) from None
    violations = integrity.violations_for(record)
    if violations:
        raise integrity.as_validation_error(violations)
    record.validate_unique()


def _create(*, actor: User, child: Child, record: models.Model) -> models.Model:
    record.recorded_by = actor
    _validate(record)
    record.save(force_insert=True)
    audit.record_creation(actor=actor, child=child, record=record)
    return record


def _change(
    *, actor: User, child: Child, record: models.Model, changes: dict, expected_version: int | None = None
) -> models.Model:
    """Apply `changes` to a stored record if the rules allow and nobody else saved it meanwhile.
    On refusal, here or later in the same write, the record passed in is left as it was."""
    before = {name: getattr(record, name) for name in changes}
    before_version = record.version

    def restore() -> None:
        for name, value in before.items():
            setattr(record, name, value)
        record.version = before_version

    for name, value in changes.items():
        setattr(record, name, value)
    try:
        _validate(record)
        save_if_unchanged(
            record,
            expected_version=record.version if expected_version is None else expected_version,
            fields=list(changes),
        )
    except Exception:
        restore()
        raise
    if (steps := _undo.get()) is not None:
        steps.append(restore)
    diff = {name: (before[name], value) for name, value in changes.items() if before[name] != value}
    if diff:
        audit.record_change(
            actor=actor, child=child, record=record, action=ChangeAction.UPDATED, changes=diff
        )
    return record


def _refuse(field: str, message: str) -> None:
    raise ValidationError({field: message})


def _same_child(child: Child, *records: models.Model) -> None:
    for record in records:
        if record is not None and record.child_id != child.pk:
            raise ValueError(f"{record._meta.verbose_name} {record.pk} is about a different child")


def child_status_refresh(*, child: Child) -> str:
    """Recompute the stored status from the child's open episodes."""
    status = derive_status(child)
    if status != child.status:
        Child.objects.filter(pk=child.pk).update(status=status)
        child.status = status
    return status


# ---------------------------------------------------------------------------------------------
# Case notes and visits
# ---------------------------------------------------------------------------------------------


def case_note_create(
    *,
    actor: User,
    child: Child,
    happened_at: datetime,
    subject: str,
    text: str,
    kind: str = m.CaseNote.Kind.CASE_NOTE,
) -> m.CaseNote:
    _require_recording_rights(actor, child)
    _not_in_future(happened_at, "happened_at")
    note = m.CaseNote(
        child=child,
        happened_at=happened_at,
        subject=subject,
        text=text,
        kind=kind,
        author=actor,
        recorded_by=actor,
    )
    note.full_clean()
    with transaction.atomic():
        note.save()
        audit.record_creation(actor=actor, child=child, record=note)
        child_record_changed(child.pk)
    return note


def visit_create(
    *,
    actor: User,
    child: Child,
    visited_at: datetime,
    kind: str,
    child_seen: bool,
    child_seen_alone: bool = False,
    bedroom_seen: bool = False,
    notes: str = "",
) -> m.Visit:
    _require_recording_rights(actor, child)
    _not_in_future(visited_at, "visited_at")
    if child_seen_alone and not child_seen:
        raise ValidationError({"child_seen_alone": "A child cannot be seen alone if they were not seen"})
    visit = m.Visit(
        child=child,
        visited_at=visited_at,
        kind=kind,
        visitor=actor,
        child_seen=child_seen,
        child_seen_alone=child_seen_alone,
        bedroom_seen=bedroom_seen,
        notes=notes,
        recorded_by=actor,
    )
    visit.full_clean()
    if violations := integrity.violations_for(visit):
        raise integrity.as_validation_error(violations)
    with transaction.atomic():
        visit.save()
        audit.record_creation(actor=actor, child=child, record=visit)
        child_record_changed(child.pk)
    return visit


# ---------------------------------------------------------------------------------------------
# Front door: contacts and referrals (F28, F31)
# ---------------------------------------------------------------------------------------------


def contact_create(
    *,
    actor: User,
    child: Child,
    received_at: datetime,
    source: str,
    summary: str,
    referrer=None,
    referrer_user: User | None = None,
    referrer_threshold: int | None = None,
) -> m.Contact:
    """A contact arrives at the front door, waiting for a decision."""
    with _recording(actor, child):
        contact = _create(
            actor=actor,
            child=child,
            record=m.Contact(
                child=child,
                received_at=received_at,
                source=source,
                summary=summary,
                referrer=referrer,
                referrer_user=referrer_user,
                referrer_threshold=referrer_threshold,
            ),
        )
        child_status_refresh(child=child)
    return contact


def _referral_create(
    *,
    actor: User,
    child: Child,
    referral_date: date,
    source: str,
    primary_need: str,
    nfa: bool = False,
    contact: m.Contact | None = None,
    decided_at: datetime | None = None,
) -> m.Referral:
    return _create(
        actor=actor,
        child=child,
        record=m.Referral(
            child=child,
            contact=contact,
            referral_date=referral_date,
            source=source,
            primary_need=primary_need,
            nfa=nfa,
            decided_at=decided_at,
        ),
    )


def contact_decide(
    *,
    actor: User,
    contact: m.Contact,
    decision: str,
    threshold_level: int | None,
    decided_at: datetime | None = None,
    outcome_notes: str = "",
    primary_need: str = "",
    referral_date: date | None = None,
    expected_version: int | None = None,
) -> m.Contact:
    """Decide what happens to a contact, with the threshold level applied (F31). A decision to
    refer creates the referral (the CIN episode) in the same transaction, dated the day of the
    decision unless another date is given, from the contact's source."""
    child = contact.child
    decided_at = decided_at or timezone.now()
    if contact.decision:
        _refuse(
            "decision",
            "This contact was already decided on "
            f"{integrity.day(timezone.localtime(contact.decided_at).date())}.",
        )
    if not decision:
        _refuse("decision", "Select a decision.")
    if threshold_level is None:
        _refuse("threshold_level", "Select the threshold level that applies.")
    if decision == m.Contact.Decision.REFERRAL and not primary_need:
        _refuse("primary_need", "Select the child's primary need, for the referral.")
    with _recording(actor, child):
        _change(
            actor=actor,
            child=child,
            record=contact,
            expected_version=expected_version,
            changes={
                "decision": decision,
                "threshold_level": threshold_level,
                "decided_at": decided_at,
                "decided_by": actor,
                "outcome_notes": outcome_notes,
            },
        )
        if decision == m.Contact.Decision.REFERRAL:
            _referral_create(
                actor=actor,
                child=child,
                referral_date=referral_date or timezone.localtime(decided_at).date(),
                source=contact.source,
                primary_need=primary_need,
                contact=contact,
                decided_at=decided_at,
            )
        child_status_refresh(child=child)
    return contact


def referral_create(
    *,
    actor: User,
    child: Child,
    referral_date: date,
    source: str,
    primary_need: str,
    nfa: bool = False,
    contact: m.Contact | None = None,
    decided_at: datetime | None = None,
) -> m.Referral:
    """A referral to children's social care: the start of a children in need episode."""
    _same_child(child, contact)
    with _recording(actor, child):
        referral = _referral_create(
            actor=actor,
            child=child,
            referral_date=referral_date,
            source=source,
            primary_need=primary_need,
            nfa=nfa,
            contact=contact,
            decided_at=decided_at,
        )
        child_status_refresh(child=child)
    return referral


def referral_close(
    *,
    actor: User,
    referral: m.Referral,
    closure_date: date,
    closure_reason: str,
    expected_version: int | None = None,
) -> m.Referral:
    """Close the children in need episode, with the census reason for closure."""
    child = referral.child
    if referral.closure_date:
        _refuse(
            "closure_date", f"This referral was already closed on {integrity.day(referral.closure_date)}."
        )
    with _recording(actor, child):
        _change(
            actor=actor,
            child=child,
            record=referral,
            expected_version=expected_version,
            changes={"closure_date": closure_date, "closure_reason": closure_reason},
        )
        child_status_refresh(child=child)
    return referral


# ---------------------------------------------------------------------------------------------
# Assessment (F23, F24)
# ---------------------------------------------------------------------------------------------


def assessment_start(
    *, actor: User, referral: m.Referral, start_date: date, child_seen_on: date | None = None
) -> m.Assessment:
    child = referral.child
    with _recording(actor, child):
        return _create(
            actor=actor,
            child=child,
            record=m.Assessment(
                referral=referral,
                child=child,
                start_date=start_date,
                child_seen_on=child_seen_on,
            ),
        )


def assessment_complete(
    *,
    actor: User,
    assessment: m.Assessment,
    completed_on: date,
    outcome: str,
    factors: list[str],
    summary: str = "",
    child_seen_on: date | None = None,
    late_reason: str = "",
    expected_version: int | None = None,
) -> m.Assessment:
    """Record the assessment's outcome and the factors identified (CIN census codes; "21" when
    there are none). Whether it was late is for the timescales engine; a reason given is kept."""
    child = assessment.child
    if assessment.completed_on:
        _refuse(
            "completed_on",
            f"This assessment was already completed on {integrity.day(assessment.completed_on)}.",
        )
    if not outcome:
        _refuse("outcome", "Select the outcome of the assessment.")
    if not factors and outcome != m.Assessment.Outcome.TERMINATED:
        _refuse("factors", "Select the factors identified, or 'No factors identified'.")
    changes = {"completed_on": completed_on, "outcome": outcome, "factors": list(factors), "summary": summary}
    if child_seen_on is not None:
        changes["child_seen_on"] = child_seen_on
    if late_reason:
        changes["late_reason"] = late_reason
    with _recording(actor, child):
        return _change(
            actor=actor, child=child, record=assessment, changes=changes, expected_version=expected_version
        )


def assessment_authorise(
    *,
    actor: User,
    assessment: m.Assessment,
    authorised_on: date,
    late_reason: str = "",
    expected_version: int | None = None,
) -> m.Assessment:
    """A manager signs the assessment off: its end date in the census."""
    child = assessment.child
    if assessment.authorised_on:
        _refuse(
            "authorised_on",
            f"This assessment was already authorised on {integrity.day(assessment.authorised_on)}.",
        )
    if not assessment.completed_on:
        _refuse("authorised_on", "Record the assessment as complete before authorising it.")
    changes = {"authorised_on": authorised_on, "authorised_by": actor}
    if late_reason:
        changes["late_reason"] = late_reason
    with _recording(actor, child):
        return _change(
            actor=actor, child=child, record=assessment, changes=changes, expected_version=expected_version
        )


# ---------------------------------------------------------------------------------------------
# Strategy discussions and section 47 enquiries
# ---------------------------------------------------------------------------------------------


def _section_47_create(*, actor, child, referral, start_date, strategy_discussion=None) -> m.Section47Enquiry:
    return _create(
        actor=actor,
        child=child,
        record=m.Section47Enquiry(
            referral=referral,
            child=child,
            start_date=start_date,
            strategy_discussion=strategy_discussion,
        ),
    )


def strategy_discussion_record(
    *,
    actor: User,
    referral: m.Referral,
    held_at: datetime,
    attendees: str,
    section_47_initiated: bool,
    rationale: str = "",
) -> m.StrategyDiscussion:
    """A strategy discussion. If it decided to start a section 47 enquiry, the enquiry starts the
    same day, in the same transaction (the ICPC 15 working days count from this discussion)."""
    child = referral.child
    with _recording(actor, child):
        discussion = _create(
            actor=actor,
            child=child,
            record=m.StrategyDiscussion(
                referral=referral,
                child=child,
                held_at=held_at,
                attendees=attendees,
                section_47_initiated=section_47_initiated,
                rationale=rationale,
            ),
        )
        if section_47_initiated:
            _section_47_create(
                actor=actor,
                child=child,
                referral=referral,
                start_date=timezone.localtime(held_at).date(),
                strategy_discussion=discussion,
            )
    return discussion


def section_47_start(
    *,
    actor: User,
    referral: m.Referral,
    start_date: date,
    strategy_discussion: m.StrategyDiscussion | None = None,
) -> m.Section47Enquiry:
    child = referral.child
    with _recording(actor, child):
        return _section_47_create(
            actor=actor,
            child=child,
            referral=referral,
            start_date=start_date,
            strategy_discussion=strategy_discussion,
        )


def section_47_complete(
    *,
    actor: User,
    enquiry: m.Section47Enquiry,
    end_date: date,
    outcome: str,
    expected_version: int | None = None,
) -> m.Section47Enquiry:
    """Record the enquiry's outcome. Any outcome but an initial conference means the census
    'ICPC not required' flag."""
    child = enquiry.child
    if enquiry.end_date:
        _refuse("end_date", f"This enquiry was already completed on {integrity.day(enquiry.end_date)}.")
    if not outcome:
        _refuse("outcome", "Select the outcome of the enquiry.")
    with _recording(actor, child):
        return _change(
            actor=actor,
            child=child,
            record=enquiry,
            expected_version=expected_version,
            changes={
                "end_date": end_date,
                "outcome": outcome,
                "icpc_not_required": outcome != m.Section47Enquiry.Outcome.ICPC,
            },
        )


# ---------------------------------------------------------------------------------------------
# Child protection: conferences, plans, outcomes, actions, core groups (F32)
# ---------------------------------------------------------------------------------------------


def _open_cp_plan(referral: m.Referral) -> m.ChildProtectionPlan | None:
    return m.ChildProtectionPlan.objects.filter(referral=referral, end_date__isnull=True).first()


def conference_record(
    *,
    actor: User,
    referral: m.Referral,
    kind: str,
    held_on: date,
    plan_required: bool,
    section_47: m.Section47Enquiry | None = None,
    chair: User | None = None,
    quorate: bool = True,
    latest_category: str = "",
) -> m.ChildProtectionConference:
    """An initial or review child protection conference. An initial conference that decides on a
    plan is followed by cp_plan_start. A review that decides the plan is no longer needed ends it
    that day; one that keeps it may record the latest category of abuse."""
    child = referral.child
    with _recording(actor, child):
        conference = _create(
            actor=actor,
            child=child,
            record=m.ChildProtectionConference(
                referral=referral,
                child=child,
                kind=kind,
                held_on=held_on,
                plan_required=plan_required,
                section_47=section_47,
                chair=chair,
                quorate=quorate,
            ),
        )
        if kind == m.ChildProtectionConference.Kind.REVIEW:
            plan = _open_cp_plan(referral)
            if plan is not None and not plan_required:
                _change(actor=actor, child=child, record=plan, changes={"end_date": held_on})
            elif plan is not None and latest_category and latest_category != plan.latest_category:
                _change(actor=actor, child=child, record=plan, changes={"latest_category": latest_category})
            child_status_refresh(child=child)
    return conference


def cp_plan_start(
    *,
    actor: User,
    conference: m.ChildProtectionConference,
    initial_category: str,
    latest_category: str = "",
    start_date: date | None = None,
    visit_frequency_working_days: int | None = None,
    end_open_cin_plan: bool = False,
) -> m.ChildProtectionPlan:
    """Start the child protection plan an initial conference decided on, on the conference date.
    A child in need plan cannot run alongside it: pass end_open_cin_plan=True to end the open one
    on the plan's start date in the same transaction, otherwise the start is refused."""
    child = conference.child
    start = start_date or conference.held_on
    with _recording(actor, child):
        if end_open_cin_plan:
            for cin_plan in m.ChildInNeedPlan.objects.filter(
                child=child, end_date__isnull=True, start_date__lte=start
            ):
                _change(actor=actor, child=child, record=cin_plan, changes={"end_date": start})
        plan = _create(
            actor=actor,
            child=child,
            record=m.ChildProtectionPlan(
                referral=conference.referral,
                child=child,
                initial_conference=conference,
                start_date=start,
                initial_category=initial_category,
                latest_category=latest_category or initial_category,
                visit_frequency_working_days=visit_frequency_working_days,
            ),
        )
        child_status_refresh(child=child)
    return plan


def _plan_end(*, actor: User, plan, end_date: date, expected_version: int | None):
    """End a child protection or child in need plan: the integrity rules and status are the same."""
    child = plan.child
    if plan.end_date:
        _refuse("end_date", f"This plan already ended on {integrity.day(plan.end_date)}.")
    with _recording(actor, child):
        _change(
            actor=actor,
            child=child,
            record=plan,
            changes={"end_date": end_date},
            expected_version=expected_version,
        )
        child_status_refresh(child=child)
    return plan


def cp_plan_end(
    *, actor: User, plan: m.ChildProtectionPlan, end_date: date, expected_version: int | None = None
) -> m.ChildProtectionPlan:
    return _plan_end(actor=actor, plan=plan, end_date=end_date, expected_version=expected_version)


def plan_outcome_create(
    *, actor: User, plan: m.ChildProtectionPlan, outcome: str
) -> m.ChildProtectionPlanOutcome:
    """What must be different for the child, in the plan's words (F32)."""
    child = plan.child
    with _recording(actor, child):
        return _create(
            actor=actor, child=child, record=m.ChildProtectionPlanOutcome(plan=plan, outcome=outcome)
        )


def plan_action_create(
    *,
    actor: User,
    action: str,
    owner: str,
    due_on: date | None,
    cp_plan: m.ChildProtectionPlan | None = None,
    cin_plan: m.ChildInNeedPlan | None = None,
    outcome: m.ChildProtectionPlanOutcome | None = None,
) -> m.PlanAction:
    """An action in a child protection or child in need plan: what, who, by when (F32)."""
    plan = cp_plan or cin_plan
    if plan is None or (cp_plan is not None and cin_plan is not None):
        raise ValueError("An action belongs to exactly one plan.")
    child = plan.child
    with _recording(actor, child):
        return _create(
            actor=actor,
            child=child,
            record=m.PlanAction(
                cp_plan=cp_plan,
                cin_plan=cin_plan,
                outcome=outcome,
                action=action,
                owner=owner,
                due_on=due_on,
            ),
        )


def plan_action_complete(
    *, actor: User, plan_action: m.PlanAction, completed_on: date, expected_version: int | None = None
) -> m.PlanAction:
    child = (plan_action.cp_plan or plan_action.cin_plan).child
    with _recording(actor, child):
        return _change(
            actor=actor,
            child=child,
            record=plan_action,
            changes={"completed_on": completed_on},
            expected_version=expected_version,
        )


def core_group_record(
    *, actor: User, plan: m.ChildProtectionPlan, held_on: date, notes: str = ""
) -> m.CoreGroupMeeting:
    child = plan.child
    with _recording(actor, child):
        return _create(
            actor=actor,
            child=child,
            record=m.CoreGroupMeeting(
                plan=plan,
                child=child,
                held_on=held_on,
                notes=notes,
            ),
        )


# ---------------------------------------------------------------------------------------------
# Children in need plans and written agreements (F25)
# ---------------------------------------------------------------------------------------------


def cin_plan_start(*, actor: User, referral: m.Referral, start_date: date) -> m.ChildInNeedPlan:
    child = referral.child
    with _recording(actor, child):
        plan = _create(
            actor=actor,
            child=child,
            record=m.ChildInNeedPlan(
                referral=referral,
                child=child,
                start_date=start_date,
            ),
        )
        child_status_refresh(child=child)
    return plan


def cin_plan_end(
    *, actor: User, plan: m.ChildInNeedPlan, end_date: date, expected_version: int | None = None
) -> m.ChildInNeedPlan:
    return _plan_end(actor=actor, plan=plan, end_date=end_date, expected_version=expected_version)


def written_agreement_record(
    *,
    actor: User,
    child: Child,
    agreed_on: date,
    agreed_with: RelatedPerson,
    terms: str,
    risk_at_the_time: str,
    review_on: date | None = None,
) -> m.WrittenAgreement:
    with _recording(actor, child):
        return _create(
            actor=actor,
            child=child,
            record=m.WrittenAgreement(
                child=child,
                agreed_on=agreed_on,
                agreed_with=agreed_with,
                terms=terms,
                risk_at_the_time=risk_at_the_time,
                review_on=review_on,
            ),
        )


# ---------------------------------------------------------------------------------------------
# Early help, with step-up and step-down (F30)
# ---------------------------------------------------------------------------------------------

STEPPED_UP = "Stepped up to children's social care"


def early_help_start(
    *,
    actor: User,
    child: Child,
    start_date: date,
    organisation: str,
    reason: str = "",
    stepped_down_from: m.Referral | None = None,
) -> m.EarlyHelpEpisode:
    _same_child(child, stepped_down_from)
    with _recording(actor, child):
        episode = _create(
            actor=actor,
            child=child,
            record=m.EarlyHelpEpisode(
                child=child,
                start_date=start_date,
                organisation=organisation,
                reason=reason,
                stepped_down_from=stepped_down_from,
            ),
        )
        child_status_refresh(child=child)
    return episode


def early_help_step_up(
    *,
    actor: User,
    episode: m.EarlyHelpEpisode,
    referral_date: date,
    primary_need: str,
    source: str = codes.ReferralSource.EARLY_HELP,
    expected_version: int | None = None,
) -> m.Referral:
    """Early help refers the child to social care: the episode ends on the referral date and the
    referral (source 5D, early help, unless given) starts, together."""
    child = episode.child
    if episode.end_date:
        _refuse("end_date", f"This early help already ended on {integrity.day(episode.end_date)}.")
    with _recording(actor, child):
        referral = _referral_create(
            actor=actor, child=child, referral_date=referral_date, source=source, primary_need=primary_need
        )
        _change(
            actor=actor,
            child=child,
            record=episode,
            expected_version=expected_version,
            changes={"end_date": referral_date, "end_reason": STEPPED_UP, "stepped_up_to": referral},
        )
        child_status_refresh(child=child)
    return referral


def early_help_step_down(
    *, actor: User, referral: m.Referral, start_date: date, organisation: str, reason: str = ""
) -> m.EarlyHelpEpisode:
    """Early help after a case closed following assessment with a referral to early help (RC9)."""
    return early_help_start(
        actor=actor,
        child=referral.child,
        start_date=start_date,
        organisation=organisation,
        reason=reason,
        stepped_down_from=referral,
    )


def early_help_end(
    *,
    actor: User,
    episode: m.EarlyHelpEpisode,
    end_date: date,
    end_reason: str,
    expected_version: int | None = None,
) -> m.EarlyHelpEpisode:
    child = episode.child
    if episode.end_date:
        _refuse("end_date", f"This early help already ended on {integrity.day(episode.end_date)}.")
    if not end_reason.strip():
        _refuse("end_reason", "Enter why early help ended.")
    with _recording(actor, child):
        _change(
            actor=actor,
            child=child,
            record=episode,
            expected_version=expected_version,
            changes={"end_date": end_date, "end_reason": end_reason},
        )
        child_status_refresh(child=child)
    return episode


# ---------------------------------------------------------------------------------------------
# Children looked after (SSDA903 episodes)
# ---------------------------------------------------------------------------------------------


def _current_episode(child: Child) -> m.LookedAfterEpisode | None:
    return (
        m.LookedAfterEpisode.objects.filter(child=child, end_date__isnull=True)
        .order_by("-start_date")
        .first()
    )


def looked_after_start(
    *,
    actor: User,
    child: Child,
    start_date: date,
    legal_status: str,
    category_of_need: str,
    placement_type: str,
    placement_provider: str,
    placement_postcode: str = "",
    home_postcode: str = "",
    provider_urn: str = "",
    police_protection_started_at: datetime | None = None,
) -> m.LookedAfterEpisode:
    """The child starts to be looked after: the first episode of a new period of care (RNE S)."""
    with _recording(actor, child):
        episode = _create(
            actor=actor,
            child=child,
            record=m.LookedAfterEpisode(
                child=child,
                start_date=start_date,
                reason_new_episode=codes.ReasonNewEpisode.STARTED,
                legal_status=legal_status,
                category_of_need=category_of_need,
                placement_type=placement_type,
                placement_provider=placement_provider,
                placement_postcode=placement_postcode,
                home_postcode=home_postcode,
                provider_urn=provider_urn,
                police_protection_started_at=police_protection_started_at,
            ),
        )
        child_status_refresh(child=child)
    return episode


def reason_for_new_episode(*, legal_status_changed: bool, new_placement: bool, same_carer: bool) -> str:
    """The SSDA903 RNE code for what changed (rules.md 9.1)."""
    R = codes.ReasonNewEpisode
    if new_placement:
        if legal_status_changed:
            return R.STATUS_PLACEMENT_SAME_CARER if same_carer else R.STATUS_PLACEMENT_CARER
        return R.PLACEMENT_SAME_CARER if same_carer else R.PLACEMENT_AND_CARER
    if legal_status_changed:
        return R.LEGAL_STATUS
    raise ValueError("Nothing changed, so there is no new episode.")


def looked_after_change(
    *,
    actor: User,
    child: Child,
    change_date: date,
    legal_status: str | None = None,
    new_placement: bool = False,
    same_carer: bool = False,
    placement_type: str | None = None,
    placement_provider: str | None = None,
    placement_postcode: str | None = None,
    provider_urn: str | None = None,
    placement_change_reason: str = "",
) -> m.LookedAfterEpisode:
    """A change of legal status and/or placement while the child stays looked after: the current
    episode ends X1 and the next starts the same day, with the RNE derived from what changed. A new
    placement needs the reason the old one ended (recorded on the ending episode, as in the 903)."""
    current = _current_episode(child)
    if current is None:
        _refuse("change_date", "The child is not looked after, so there is no episode to change.")
    legal_status_changed = legal_status is not None and legal_status != current.legal_status
    if not legal_status_changed and not new_placement:
        _refuse("legal_status", "Nothing has changed: record a new legal status, a new placement, or both.")
    if same_carer and not new_placement:
        _refuse("same_carer", "'Same carer' only applies to a new placement.")
    if new_placement and not placement_type:
        _refuse("placement_type", "Select the type of the new placement.")
    if new_placement and not placement_change_reason:
        _refuse("placement_change_reason", "Select why the previous placement ended.")
    next_episode = m.LookedAfterEpisode(
        child=child,
        start_date=change_date,
        reason_new_episode=reason_for_new_episode(
            legal_status_changed=legal_status_changed, new_placement=new_placement, same_carer=same_carer
        ),
        legal_status=legal_status or current.legal_status,
        category_of_need=current.category_of_need,
        home_postcode=current.home_postcode,
        placement_type=placement_type if new_placement else current.placement_type,
        placement_provider=(placement_provider or current.placement_provider)
        if new_placement
        else current.placement_provider,
        placement_postcode=(placement_postcode or "") if new_placement else current.placement_postcode,
        provider_urn=(provider_urn or "") if new_placement else current.provider_urn,
    )
    ending = {"end_date": change_date, "reason_ceased": codes.ReasonEpisodeCeased.NEW_EPISODE}
    if new_placement:
        ending["placement_change_reason"] = placement_change_reason
    with _recording(actor, child):
        _change(actor=actor, child=child, record=current, changes=ending)
        _create(actor=actor, child=child, record=next_episode)
        child_status_refresh(child=child)
    return next_episode


def looked_after_end(
    *, actor: User, child: Child, end_date: date, reason_ceased: str, placement_change_reason: str = ""
) -> m.LookedAfterEpisode:
    """The child stops being looked after: the period of care ends with the 903 reason (REC)."""
    current = _current_episode(child)
    if current is None:
        _refuse("end_date", "The child is not looked after, so there is no episode to end.")
    if reason_ceased == codes.ReasonEpisodeCeased.NEW_EPISODE:
        _refuse(
            "reason_ceased",
            "X1 means a new episode starts the same day: record a change of placement or legal "
            "status instead.",
        )
    changes = {"end_date": end_date, "reason_ceased": reason_ceased}
    if placement_change_reason:
        changes["placement_change_reason"] = placement_change_reason
    with _recording(actor, child):
        _change(actor=actor, child=child, record=current, changes=changes)
        child_status_refresh(child=child)
    return current


def looked_after_review_record(
    *, actor: User, child: Child, held_on: date, participation: str, chaired_by: User | None = None
) -> m.LookedAfterReview:
    with _recording(actor, child):
        return _create(
            actor=actor,
            child=child,
            record=m.LookedAfterReview(
                child=child,
                held_on=held_on,
                participation=participation,
                chaired_by=chaired_by,
            ),
        )


def missing_episode_record(
    *,
    actor: User,
    child: Child,
    kind: str,
    started_on: date,
    ended_on: date | None = None,
    return_interview_offered: bool | None = None,
    return_interview_accepted: bool | None = None,
) -> m.MissingEpisode:
    with _recording(actor, child):
        return _create(
            actor=actor,
            child=child,
            record=m.MissingEpisode(
                child=child,
                kind=kind,
                started_on=started_on,
                ended_on=ended_on,
                return_interview_offered=return_interview_offered,
                return_interview_accepted=return_interview_accepted,
            ),
        )


# ---------------------------------------------------------------------------------------------
# Contacts from partner agencies
# ---------------------------------------------------------------------------------------------


def _next_case_number() -> str:
    """The next number in the authority's C-series (C1000000 onwards)."""
    numbers = Child.objects.filter(case_number__regex=r"^C[0-9]+$").values_list("case_number", flat=True)
    highest = max((int(n[1:]) for n in numbers.order_by("-case_number")[:50]), default=999_999)
    return f"C{max(highest, 999_999) + 1}"


def contact_submit(
    *,
    actor: User,
    first_name: str,
    last_name: str,
    sex: str,
    date_of_birth: date | None,
    expected_date_of_birth: date | None,
    postcode: str,
    summary: str,
    referrer_threshold: int | None,
) -> m.Contact:
    """A partner-agency referrer tells the front door about a child they are worried about.

    The child is matched to an existing record only on an exact name and date of birth, and
    only when exactly one record matches; otherwise a new record is opened for the front door team
    to check and link. The referrer never sees which happened: they see only their own contacts.
    """
    if not actor.can(Function.SUBMIT_CONTACT):
        raise PermissionDenied("Your role does not allow you to submit contacts.")
    if date_of_birth is None and expected_date_of_birth is None:
        _refuse(
            "date_of_birth",
            "Enter the child's date of birth, or the expected date of birth for an unborn child",
        )
    front_door = Team.objects.filter(kind=Team.Kind.FRONT_DOOR).order_by("pk").first()
    if front_door is None:
        raise ValidationError(
            "The authority has no front door team set up, so contacts cannot be received yet."
        )
    agency = actor.partner_agency
    source = agency.referral_source if agency else codes.ReferralSource.OTHER
    with transaction.atomic():
        candidates = Child.objects.filter(
            first_name__iexact=first_name.strip(), last_name__iexact=last_name.strip()
        )
        candidates = (
            candidates.filter(date_of_birth=date_of_birth)
            if date_of_birth
            else candidates.filter(expected_date_of_birth=expected_date_of_birth, date_of_birth__isnull=True)
        )
        matches = list(candidates[:2])
        if len(matches) == 1:
            child = matches[0]
        else:
            child = Child(
                case_number=_next_case_number(),
                first_name=first_name.strip(),
                last_name=last_name.strip(),
                sex=codes.Sex.UNKNOWN if date_of_birth is None else sex,
                date_of_birth=date_of_birth,
                expected_date_of_birth=expected_date_of_birth if date_of_birth is None else None,
                postcode=postcode.strip().upper(),
                allocated_team=front_door,
                recorded_by=actor,
            )
            problems = integrity.violations_for(child)
            if problems:
                raise integrity.as_validation_error(problems)
            child.full_clean(
                exclude=["allocated_worker", "allocated_team", "family", "recorded_by", "case_number"]
            )
            for attempt in range(5):
                # Two contacts at the same moment can pick the same next number; the second retries.
                try:
                    with transaction.atomic():
                        child.save(force_insert=True)
                    break
                except IntegrityError:
                    if attempt == 4:
                        raise
                    child.case_number = _next_case_number()
            audit.record_creation(actor=actor, child=child, record=child)
        contact = _create(
            actor=actor,
            child=child,
            record=m.Contact(
                child=child,
                received_at=timezone.now(),
                source=source,
                summary=summary,
                referrer_user=actor,
                referrer_threshold=referrer_threshold,
            ),
        )
        child_status_refresh(child=child)
        child_record_changed(child.pk)
    return contact
