"""Moderation (F18): a sample of completed audits is graded again, blind, by a second auditor who
is independent of the case, so that the authority can see how far its auditors agree and where
they grade more generously than a fresh pair of eyes.

Independent means the moderator is none of: the auditor; the child's allocated social worker, or
the practitioner in the audit conversation; the team manager of either, or the manager in the
audit conversation. Blind means that until the moderator has saved their grades, no page they can
open shows the first auditor's grades, evidence, summary or overall grade (`is_blind_to`).

The QA lead (MANAGE_AUDITS) draws the sample and assigns moderators; the moderator
(CONDUCT_AUDITS) grades. An open moderation lets the moderator read the child's record, as an
allocation does (people.selectors._audit_sample).
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from datetime import date

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.utils import timezone

from carepath.core.permissions import Function, Role, role_has_function
from carepath.core.writes import change, create, refuse, require_function, writing
from carepath.people.models import User

from ..models import AuditProgramme, CaseAudit, ModeratedGrade, Moderation

# When the QA lead gives no date, a moderation is due as an audit is (AUDIT-DUE in the rules
# table): a moderation is a second audit of the same case.
MODERATION_DUE_RULE = "AUDIT-DUE"


def _today() -> date:
    return timezone.localdate()


def may_moderate(user: User) -> bool:
    return bool(user and user.is_active and user.can(Function.CONDUCT_AUDITS))


def moderator_choices():
    """People who can moderate: everyone whose role conducts audits, still working here."""
    roles = [role for role in Role.values if role_has_function(role, Function.CONDUCT_AUDITS)]
    return (
        User.objects.filter(is_active=True, role__in=roles)
        .select_related("team")
        .order_by("last_name", "first_name", "pk")
    )


def _managers_of(user: User | None) -> set[int]:
    if user is None or user.team_id is None or user.team.manager_id is None:
        return set()
    return {user.team.manager_id}


def conflicts_of_interest(moderator: User, audit: CaseAudit) -> list[str]:
    """Why `moderator` is not independent of the audit, in words (empty when they are)."""
    reasons = []
    worker = audit.child.allocated_worker
    practitioner = audit.practitioner
    if moderator.pk == audit.auditor_id:
        reasons.append("they carried out the audit")
    if worker is not None and moderator.pk == worker.pk:
        reasons.append("they are the child's allocated social worker")
    if (
        practitioner is not None
        and moderator.pk == practitioner.pk
        and (worker is None or worker.pk != practitioner.pk)
    ):
        reasons.append("they were the practitioner in the audit conversation")
    managers = _managers_of(worker) | _managers_of(practitioner)
    if moderator.pk in managers:
        reasons.append("they manage the child's social worker")
    elif audit.manager_id is not None and moderator.pk == audit.manager_id:
        reasons.append("they were the manager in the audit conversation")
    # Someone the audit has already told its grade cannot grade it blind.
    if hasattr(audit, "escalation") and audit.escalation.escalated_to_id == moderator.pk:
        reasons.append("the audit was escalated to them, so they know its grade")
    if audit.actions.filter(owner=moderator).exists():
        reasons.append("they own one of the audit's actions, so they know its grade")
    return reasons


def _audits_with_people(queryset):
    return queryset.select_related(
        "child__allocated_worker__team", "practitioner__team", "auditor", "manager", "tool"
    )


def _check_moderator(moderator: User | None, audit: CaseAudit, field: str = "moderator") -> None:
    if moderator is None or not may_moderate(moderator):
        refuse(field, "Choose someone who conducts audits and is still working here")
    reasons = conflicts_of_interest(moderator, audit)
    if reasons:
        refuse(
            field,
            f"{moderator} is not independent of this audit: {' and '.join(reasons)}. Choose someone else.",
        )


def _check_due(due_on: date | None, today: date) -> date:
    if due_on is None:
        from carepath.timescales.services import due_date_for  # timescales builds on nothing here

        return due_date_for(MODERATION_DUE_RULE, today)
    if due_on < today:
        refuse("due_on", "The date the moderation is due must be today or in the future")
    return due_on


def _open_to_moderation(audit: CaseAudit) -> None:
    if audit.status != CaseAudit.Status.COMPLETED:
        refuse(NON_FIELD_ERRORS, "Only a completed audit can be moderated")
    if Moderation.objects.filter(audit=audit).exists():
        refuse(NON_FIELD_ERRORS, "This audit already has a moderator")


def sample_size(candidates: int, share: int) -> int:
    """`share` per cent of the candidates, rounded to the nearest whole audit, and at least one
    when there are any."""
    if candidates == 0:
        return 0
    return min(candidates, max(1, int(candidates * share / 100 + 0.5)))


def moderation_sample(
    *,
    actor: User,
    programme: AuditProgramme,
    moderators: Iterable[User] | None = None,
    share: int | None = None,
    seed: int | None = None,
    due_on: date | None = None,
    today: date | None = None,
) -> list[Moderation]:
    """Draw `share` per cent (the programme's moderation share unless given) of the programme's
    completed audits that have no moderator yet, at random, and give each to an independent
    moderator from `moderators` (everyone who conducts audits, if not given), spreading the work
    evenly. The draw is reproducible: the same seed (the programme's own, unless given) and the
    same audits waiting give the same sample. Refused, with nothing saved, if any audit drawn has
    nobody independent to moderate it."""
    require_function(actor, Function.MANAGE_AUDITS, "Only the QA lead can draw a moderation sample.")
    today = today or _today()
    share = programme.moderation_share if share is None else share
    if share is None or not 1 <= share <= 100:
        refuse("share", "The share to moderate must be a percentage from 1 to 100")
    due_on = _check_due(due_on, today)
    pool = [m for m in (moderator_choices() if moderators is None else moderators) if may_moderate(m)]
    if not pool:
        refuse("moderators", "Choose at least one person who conducts audits to moderate")
    candidates = list(
        _audits_with_people(
            CaseAudit.objects.filter(
                programme=programme, status=CaseAudit.Status.COMPLETED, moderation__isnull=True
            )
        ).order_by("pk")
    )
    if not candidates:
        refuse(NON_FIELD_ERRORS, "No completed audit in this programme is waiting for moderation")
    generator = random.Random(programme.random_seed if seed is None else seed)
    chosen = sorted(generator.sample(candidates, sample_size(len(candidates), share)), key=lambda a: a.pk)
    # Fewest moderations in this draw first, then the order given: the work is shared evenly.
    load = {m.pk: 0 for m in pool}
    pairs = []
    for audit in chosen:
        independent = [m for m in pool if not conflicts_of_interest(m, audit)]
        if not independent:
            refuse(
                "moderators",
                f"Nobody you chose is independent of the audit of {audit.child.full_name} "
                f"({audit.child.case_number}): the auditor, the child's social worker and their team "
                "manager cannot moderate it. Add another moderator.",
            )
        moderator = min(independent, key=lambda m: load[m.pk])
        load[moderator.pk] += 1
        pairs.append((audit, moderator))
    made = []
    with writing(actor, [audit.child for audit, _m in pairs], Function.MANAGE_AUDITS):
        for audit, moderator in pairs:
            if Moderation.objects.filter(audit=audit).exists():
                refuse(NON_FIELD_ERRORS, "Someone else has just drawn a moderation sample. Try again.")
            made.append(
                create(
                    actor=actor,
                    children=[audit.child],
                    record=Moderation(
                        audit=audit, moderator=moderator, assigned_on=today, assigned_by=actor, due_on=due_on
                    ),
                )
            )
    return made


def moderation_assign(
    *, actor: User, audit: CaseAudit, moderator: User, due_on: date | None = None, today: date | None = None
) -> Moderation:
    """Send one completed audit for moderation by an independent moderator."""
    require_function(actor, Function.MANAGE_AUDITS, "Only the QA lead can assign moderators.")
    today = today or _today()
    audit = _audits_with_people(CaseAudit.objects.filter(pk=audit.pk)).get()
    _open_to_moderation(audit)
    _check_moderator(moderator, audit)
    due_on = _check_due(due_on, today)
    with writing(actor, [audit.child], Function.MANAGE_AUDITS) as children:
        _open_to_moderation(audit)
        return create(
            actor=actor,
            children=children,
            record=Moderation(
                audit=audit, moderator=moderator, assigned_on=today, assigned_by=actor, due_on=due_on
            ),
        )


def grade_field(domain_id: int) -> str:
    """The form field (and error key) for a domain's grade."""
    return f"grade_{domain_id}"


def moderation_complete(
    *,
    actor: User,
    moderation: Moderation,
    grades: Mapping[int, tuple[str, str]],
    overall_grade: str,
    summary: str,
    expected_version: int | None = None,
    today: date | None = None,
) -> Moderation:
    """The moderator's own grades: every domain of the audit's tool, on the tool's scale, with an
    optional comment each, an overall grade and a summary. Only the moderator assigned may save
    them, once; after that both sets of grades can be compared."""
    require_function(actor, Function.CONDUCT_AUDITS, "Your role does not include moderating audits.")
    if actor.pk != moderation.moderator_id:
        raise PermissionDenied("Only the moderator assigned to this audit can grade it.")
    if moderation.status == Moderation.Status.COMPLETED:
        refuse(NON_FIELD_ERRORS, f"You completed this moderation on {moderation.completed_on:%-d %B %Y}.")
    audit = moderation.audit
    tool = audit.tool
    codes = tool.grade_codes()
    domains = list(tool.domains.order_by("position"))
    errors: dict[str, str] = {}
    grades = {int(k): v for k, v in grades.items()}
    unknown = set(grades) - {d.pk for d in domains}
    if unknown:
        errors[NON_FIELD_ERRORS] = "Grade only the domains of the audit tool this audit used"
    for domain in domains:
        grade = (grades.get(domain.pk) or ("", ""))[0]
        if grade not in codes:
            errors[grade_field(domain.pk)] = f"Choose a grade for {domain.title}"
    if overall_grade not in codes:
        errors["overall_grade"] = "Choose your overall grade"
    if not (summary or "").strip():
        errors["summary"] = "Enter your summary: why you graded the case as you did"
    if errors:
        raise ValidationError(errors)
    today = today or _today()
    with writing(actor, [audit.child], Function.CONDUCT_AUDITS) as children:
        change(
            actor=actor,
            children=children,
            record=moderation,
            changes={
                "status": Moderation.Status.COMPLETED,
                "overall_grade": overall_grade,
                "summary": summary.strip(),
                "completed_on": today,
            },
            expected_version=expected_version,
        )
        for domain in domains:
            grade, comment = grades[domain.pk]
            create(
                actor=actor,
                children=children,
                record=ModeratedGrade(
                    moderation=moderation, domain=domain, grade=grade, comment=(comment or "").strip()
                ),
            )
    return moderation


def is_blind_to(user: User, audit: CaseAudit) -> bool:
    """True while `user` is moderating the audit and has not saved their grades: every page and
    API answer they can open must then leave out the first auditor's grades, evidence, answers,
    actions, summary and overall grade."""
    return Moderation.objects.filter(
        audit=audit, moderator_id=user.pk, status=Moderation.Status.ASSIGNED
    ).exists()
