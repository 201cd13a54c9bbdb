"""Writes for case audits (F17): audit tools and their versions, audit programmes (drawing the
sample and assigning auditors), doing an audit, its actions and the escalation of an inadequate
grade to the head of service.

The rules the inspectors found broken, and where they are kept:
- A grade below good (in any domain, or overall) cannot be saved without at least one action with
  an owner and a due date (audit_complete). Each action is a record on the child's file; the
  timescales engine runs its clock (AUDIT-ACTION) in the owner's work queue.
- An inadequate grade escalates at once to the head of service of the child's team's service
  (AuditEscalation, with the engine's AUDIT-ESCALATION clock in their work queue: that clock, and
  the daily digest that lists it, is how they are told; carepath has no other message channel).
- A published tool version is never edited, so a completed audit keeps the questions and the scale
  it was graded against.
- Auditors are independent of the case: never the child's allocated worker or their team manager.

Programmes and their sample. A programme keeps its random seed. Until auditors are assigned the
sample is worked out from the seed: the cohort's children, as the cohort is now, in an order fixed
by the seed (a hash of the seed and each child's id), and the first `sample_size` of them. The
order of a child never depends on the other children, so a child leaving the cohort before
assignment is replaced by the next one in the seed's order and no one else changes. Once assigned,
each child's CaseAudit keeps them in the programme whatever happens to the cohort.
"""

from __future__ import annotations

import hashlib
import secrets
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from carepath.core import audit as audit_log
from carepath.core.audit import ChangeAction
from carepath.core.permissions import Function, Role
from carepath.core.writes import (
    action_mark_done,
    change,
    create,
    owner_refusal,
    refuse,
    require_function,
    writing,
)
from carepath.people.models import Child, ChildStatus, Service, Team, User
from carepath.people.selectors import child_access_decision

from ..models import (
    AuditAction,
    AuditDomain,
    AuditEscalation,
    AuditProgramme,
    AuditQuestion,
    AuditTool,
    CaseAudit,
    Cohort,
    DomainGrade,
    QuestionAnswer,
)
from ..models.audits import default_scale

DEFAULT_TOOL_FILE = Path(__file__).resolve().parent.parent / "data" / "default_audit_tool.toml"

MANAGE_REFUSAL = "Only the quality assurance lead can change audit tools and programmes."


def _today() -> date:
    return timezone.localdate()


def _text(value) -> str:
    return (value or "").strip()


def _long_date(day: date) -> str:
    return f"{day:%-d %B %Y}"


# ---------------------------------------------------------------------------------------------
# Audit tools
# ---------------------------------------------------------------------------------------------


def _default_tool_data() -> dict:
    with DEFAULT_TOOL_FILE.open("rb") as handle:
        return tomllib.load(handle)


def _unwrap(text: str | None) -> str:
    """Text from the TOML file, wrapped there for reading: lines joined, paragraphs kept."""
    paragraphs = (text or "").strip().split("\n\n")
    return "\n\n".join(" ".join(p.split()) for p in paragraphs if p.strip())


def _default_domains(data: dict) -> list[dict]:
    return [
        {
            "title": _unwrap(d["title"]),
            "guidance": _unwrap(d.get("guidance")),
            "questions": [
                {"text": _unwrap(q["text"]), "guidance": _unwrap(q.get("guidance"))}
                for q in d.get("question", [])
            ],
        }
        for d in data["domain"]
    ]


def default_tool_definition() -> dict:
    """The shipped tool as tool_ensure_default() loads it: key, name, description, grading_scale
    and domains ({"title", "guidance", "questions": [{"text", "guidance"}]}), with the file's
    wrapped lines joined (the synthetic generator can write the same rows)."""
    data = _default_tool_data()
    return {
        "key": data["key"],
        "name": _unwrap(data["name"]),
        "description": _unwrap(data.get("description")),
        "grading_scale": _scale_from(data),
        "domains": _default_domains(data),
    }


def _scale_from(data: dict) -> list[dict]:
    grades = data.get("grade")
    if not grades:
        return default_scale()
    return [
        {
            "code": g["code"],
            "label": g["label"],
            "at_least_good": bool(g.get("at_least_good", False)),
            "escalates": bool(g.get("escalates", False)),
        }
        for g in grades
    ]


def _add_domains(tool: AuditTool, domains: Sequence[Mapping]) -> None:
    for position, d in enumerate(domains, start=1):
        domain = AuditDomain.objects.create(
            tool=tool, position=position, title=_text(d["title"]), guidance=_text(d.get("guidance"))
        )
        for q_position, q in enumerate(d.get("questions", []), start=1):
            AuditQuestion.objects.create(
                domain=domain, position=q_position, text=_text(q["text"]), guidance=_text(q.get("guidance"))
            )


def tool_latest(key: str) -> AuditTool | None:
    """The highest version of the tool, whatever its status."""
    return AuditTool.objects.filter(key=key).order_by("-version_number").first()


def tool_published(key: str) -> AuditTool | None:
    """The version of the tool new programmes use."""
    return (
        AuditTool.objects.filter(key=key, status=AuditTool.Status.PUBLISHED)
        .order_by("-version_number")
        .first()
    )


def tool_ensure_default() -> AuditTool:
    """The shipped case audit tool (data/default_audit_tool.toml), loaded as version 1, published,
    if no tool with its key exists yet. Idempotent: once any version exists it is left alone, and
    the version in use (the published one, or else the latest) is returned."""
    data = default_tool_definition()
    key = data["key"]
    existing = tool_published(key) or tool_latest(key)
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            tool = AuditTool.objects.create(
                key=key,
                name=data["name"],
                version_number=1,
                description=data["description"],
                grading_scale=data["grading_scale"],
                status=AuditTool.Status.PUBLISHED,
                published_at=timezone.now(),
            )
            _add_domains(tool, data["domains"])
    except IntegrityError:
        # Someone else loaded it at the same moment (the key and version are unique together).
        return tool_published(key) or tool_latest(key)
    return tool


def tool_new_version(*, actor: User, tool: AuditTool) -> AuditTool:
    """A new draft version of the tool, copying the latest version's name, description, scale,
    domains and questions. There is at most one draft of a tool at a time."""
    require_function(actor, Function.MANAGE_AUDITS, MANAGE_REFUSAL)
    with transaction.atomic():
        latest = (
            AuditTool.objects.select_for_update().filter(key=tool.key).order_by("-version_number").first()
        )
        draft = AuditTool.objects.filter(key=tool.key, status=AuditTool.Status.DRAFT).first()
        if draft is not None:
            refuse(
                NON_FIELD_ERRORS,
                f"Version {draft.version_number} of this tool is already a draft. Edit or publish it "
                "before starting another.",
            )
        new = create(
            actor=actor,
            children=[],
            record=AuditTool(
                key=latest.key,
                name=latest.name,
                version_number=latest.version_number + 1,
                description=latest.description,
                grading_scale=[dict(g) for g in latest.grading_scale],
                status=AuditTool.Status.DRAFT,
                created_by=actor,
            ),
        )
        _add_domains(
            new,
            [
                {
                    "title": d.title,
                    "guidance": d.guidance,
                    "questions": [{"text": q.text, "guidance": q.guidance} for q in d.questions.all()],
                }
                for d in latest.domains.prefetch_related("questions")
            ],
        )
    return new


def _check_domains(domains: Sequence[Mapping]) -> None:
    """Every domain has a title and at least one question; every question has its text. Errors
    are keyed by the domain's number in the list: domain_<n>_title, domain_<n>_questions."""
    errors: dict[str, str] = {}
    if not domains:
        errors["domains"] = "Add at least one domain"
    for n, d in enumerate(domains, start=1):
        if not _text(d.get("title")):
            errors[f"domain_{n}_title"] = f"Give domain {n} a title"
        questions = d.get("questions") or []
        if not questions:
            errors[f"domain_{n}_questions"] = f"Add at least one question to domain {n}"
        elif any(not _text(q.get("text")) for q in questions):
            errors[f"domain_{n}_questions"] = f"Every question in domain {n} needs its wording"
    if errors:
        raise ValidationError(errors)


def tool_update_draft(
    *,
    actor: User,
    tool: AuditTool,
    name: str,
    description: str,
    domains: Sequence[Mapping],
    expected_version: int,
) -> AuditTool:
    """Change a draft: its name, description, and its domains with their guidance and questions
    (each domain {"title", "guidance", "questions": [{"text", "guidance"}]}, in order). The domains
    and questions are replaced as a whole. A published or retired version is never changed."""
    require_function(actor, Function.MANAGE_AUDITS, MANAGE_REFUSAL)
    if tool.status != AuditTool.Status.DRAFT:
        refuse(
            NON_FIELD_ERRORS,
            "This version has been published, so it cannot be changed: audits keep the version they "
            "used. Create a new version instead.",
        )
    if tool.audits.exists() or tool.programmes.exists():
        refuse(NON_FIELD_ERRORS, "Audits already use this version, so it cannot be changed.")
    errors: dict[str, str] = {}
    if not _text(name):
        errors["name"] = "Enter the tool's name"
    try:
        _check_domains(domains)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        # The version is the lock: someone publishing or editing it meanwhile is an EditConflict.
        change(
            actor=actor,
            children=[],
            record=tool,
            changes={"name": _text(name), "description": _text(description)},
            expected_version=expected_version,
        )
        before = _outline(tool)
        AuditQuestion.objects.filter(domain__tool=tool).delete()
        tool.domains.all().delete()
        _add_domains(tool, domains)
        after = _outline(tool)
        if after != before:
            # The domains and questions are replaced whole; the change log keeps both outlines.
            audit_log.record_change(
                actor=actor,
                child=None,
                record=tool,
                action=ChangeAction.UPDATED,
                changes={"domains": (before, after)},
            )
    return tool


def _outline(tool: AuditTool) -> list:
    """A tool's domains and questions, with their guidance, as the change log keeps them."""
    return [
        {
            "title": d.title,
            "guidance": d.guidance,
            "questions": [{"text": q.text, "guidance": q.guidance} for q in d.questions.all()],
        }
        for d in tool.domains.prefetch_related("questions").order_by("position")
    ]


def tool_publish(*, actor: User, tool: AuditTool, expected_version: int | None = None) -> AuditTool:
    """Publish a draft: new programmes use it from now on. The version it replaces is retired;
    audits already done or under way keep the version they were assigned."""
    require_function(actor, Function.MANAGE_AUDITS, MANAGE_REFUSAL)
    if tool.status != AuditTool.Status.DRAFT:
        refuse(NON_FIELD_ERRORS, "Only a draft version can be published.")
    domains = [
        {"title": d.title, "questions": [{"text": q.text} for q in d.questions.all()]}
        for d in tool.domains.prefetch_related("questions")
    ]
    try:
        _check_domains(domains)
    except ValidationError as error:
        raise ValidationError(
            {NON_FIELD_ERRORS: ["Every domain needs a title and at least one question before publishing."]}
        ) from error
    with transaction.atomic():
        for previous in AuditTool.objects.filter(key=tool.key, status=AuditTool.Status.PUBLISHED).exclude(
            pk=tool.pk
        ):
            change(actor=actor, children=[], record=previous, changes={"status": AuditTool.Status.RETIRED})
        change(
            actor=actor,
            children=[],
            record=tool,
            changes={"status": AuditTool.Status.PUBLISHED, "published_at": timezone.now()},
            expected_version=expected_version,
        )
    return tool


# ---------------------------------------------------------------------------------------------
# Cohorts and the sample
# ---------------------------------------------------------------------------------------------

OPEN_CASE_STATUSES = [ChildStatus.CHILD_IN_NEED, ChildStatus.CHILD_PROTECTION, ChildStatus.LOOKED_AFTER]


def cohort_children(
    cohort: str, *, team: Team | None = None, service: Service | None = None, today: date | None = None
) -> QuerySet[Child]:
    """The children in the cohort on `today`, within the team or service when one is given.
    Restricted records are left out: an auditor could not open them through the audit."""
    from carepath.journey.models import LookedAfterEpisode
    from carepath.legal.models import PreProceedings, ProceedingsChild

    today = today or _today()
    children = Child.objects.filter(is_restricted=False, date_of_death__isnull=True)
    if team is not None:
        children = children.filter(allocated_team=team)
    elif service is not None:
        children = children.filter(allocated_team__service=service)

    if cohort == Cohort.OPEN_CASES:
        return children.filter(status__in=OPEN_CASE_STATUSES)
    if cohort == Cohort.CHILD_IN_NEED:
        return children.filter(status=ChildStatus.CHILD_IN_NEED)
    if cohort == Cohort.CHILD_PROTECTION:
        return children.filter(status=ChildStatus.CHILD_PROTECTION)
    if cohort == Cohort.LOOKED_AFTER:
        return children.filter(status=ChildStatus.LOOKED_AFTER)
    if cohort == Cohort.SECTION_20:
        from carepath.core.codes import LegalStatus

        episode = LookedAfterEpisode.objects.filter(
            Q(end_date__isnull=True) | Q(end_date__gt=today),
            child=OuterRef("pk"),
            legal_status=LegalStatus.SECTION_20,
            start_date__lte=today,
        )
        return children.filter(Exists(episode))
    if cohort == Cohort.PRE_PROCEEDINGS:
        # An open pre-proceedings (no step decision yet) of an open legal case the child is in.
        open_pp = PreProceedings.objects.filter(
            legal_case__members__child=OuterRef("pk"),
            legal_case__closed_on__isnull=True,
            step_decision_on__isnull=True,
            started_on__lte=today,
        )
        return children.filter(Exists(open_pp))
    if cohort == Cohort.PROCEEDINGS:
        in_proceedings = ProceedingsChild.objects.filter(
            child=OuterRef("pk"),
            final_order_on__isnull=True,
            proceedings__concluded_on__isnull=True,
            proceedings__decided_on__lte=today,
        )
        return children.filter(Exists(in_proceedings))
    raise ValueError(f"Unknown cohort {cohort!r}")


def _seed_order(seed: int, child_id: int) -> str:
    return hashlib.sha256(f"{seed}:{child_id}".encode()).hexdigest()


def draw_sample(children: Iterable[Child] | QuerySet, *, seed: int, size: int) -> list[Child]:
    """The first `size` children in the order the seed fixes (see the module's docstring). From a
    query only the ids are read to order them (a cohort can be thousands of children)."""
    if isinstance(children, QuerySet):
        ids = sorted(children.values_list("pk", flat=True), key=lambda pk: _seed_order(seed, pk))[:size]
        by_id = {c.pk: c for c in children.filter(pk__in=ids)}
        return [by_id[pk] for pk in ids if pk in by_id]
    return sorted(children, key=lambda c: _seed_order(seed, c.pk))[:size]


def programme_sample(programme: AuditProgramme, *, today: date | None = None) -> list[Child]:
    """The programme's children: those with an audit in it (which keeps them whatever happens to
    the cohort), then, for the places not yet assigned, the cohort's children in the seed's order."""
    audits = CaseAudit.objects.filter(programme=programme)
    # A withdrawn audit gives its place back to the next child in the seed's order; the child it
    # was about is not drawn again in this programme.
    withdrawn = set(audits.filter(status=CaseAudit.Status.WITHDRAWN).values_list("child_id", flat=True))
    audited = list(
        Child.objects.filter(
            pk__in=audits.exclude(status=CaseAudit.Status.WITHDRAWN).values("child_id")
        ).select_related("allocated_worker", "allocated_team__manager", "allocated_team__service")
    )
    audited_ids = {c.pk for c in audited}
    places = programme.sample_size - len(audited)
    if places <= 0:
        return sorted(audited, key=lambda c: _seed_order(programme.random_seed, c.pk))
    cohort = (
        cohort_children(programme.cohort, team=programme.team, service=programme.service, today=today)
        .exclude(pk__in=audited_ids | withdrawn)
        .select_related("allocated_worker", "allocated_team__manager", "allocated_team__service")
    )
    # The children drawn on the day keep their places while they are still in the cohort; a place
    # left by one who has left it goes to the next child in the seed's order.
    drawn = draw_sample(
        cohort.filter(pk__in=programme.sample_child_ids), seed=programme.random_seed, size=places
    )
    chosen = audited + drawn
    if len(drawn) < places:
        rest = cohort.exclude(pk__in=[c.pk for c in drawn])
        chosen += draw_sample(rest, seed=programme.random_seed, size=places - len(drawn))
    return sorted(chosen, key=lambda c: _seed_order(programme.random_seed, c.pk))


def programme_draw(
    *,
    actor: User,
    name: str,
    kind: str,
    theme: str = "",
    tool: AuditTool | None,
    cohort: str,
    team: Team | None = None,
    service: Service | None = None,
    sample_size: int | None,
    due_on: date | None,
    moderation_share: int | None = 20,
    seed: int | None = None,
    today: date | None = None,
) -> AuditProgramme:
    """A monthly or thematic audit programme: a random sample of `sample_size` children from the
    cohort (within the team, or the service), drawn reproducibly from `seed` (a new random seed
    when none is given), to be audited with `tool` by `due_on`. Auditors are assigned next."""
    require_function(actor, Function.MANAGE_AUDITS, MANAGE_REFUSAL)
    today = today or _today()
    errors: dict[str, str] = {}
    if not _text(name):
        errors["name"] = "Enter a name for the programme, for example 'Monthly audit, December 2026'"
    if kind not in AuditProgramme.Kind.values:
        errors["kind"] = "Say whether this is a monthly or a thematic audit"
    elif kind == AuditProgramme.Kind.THEMATIC and not _text(theme):
        errors["theme"] = "Say what the thematic audit is looking at"
    if tool is None:
        errors["tool"] = "Choose the audit tool"
    elif tool.status != AuditTool.Status.PUBLISHED:
        errors["tool"] = (
            f"Version {tool.version_number} of {tool.name} is {tool.get_status_display().lower()}: "
            "choose a published version"
        )
    if cohort not in Cohort.values:
        errors["cohort"] = "Choose which children to sample from"
    if team is not None and service is not None and team.service_id != service.pk:
        errors["team"] = f"{team} is not in {service}. Choose a team in the service, or only one of them"
    if sample_size is None or sample_size < 1:
        errors["sample_size"] = "The sample must be at least 1 child"
    if due_on is None:
        errors["due_on"] = "Enter the date the audits are due"
    elif due_on < today:
        errors["due_on"] = "The date the audits are due must be today or in the future"
    if moderation_share is None or not 0 <= moderation_share <= 100:
        errors["moderation_share"] = "The share sent for moderation must be between 0 and 100 per cent"
    if seed is not None and not 0 <= seed < 2**63:
        errors["seed"] = "The seed must be a whole number of 0 or more"
    if "cohort" not in errors and "sample_size" not in errors and "team" not in errors:
        available = cohort_children(cohort, team=team, service=service, today=today).count()
        if available < sample_size:
            where = f" in {team}" if team else f" in {service}" if service else ""
            errors["sample_size"] = (
                f"There are only {available} children in the cohort '{Cohort(cohort).label.lower()}'"
                f"{where}. Choose a sample of {available} or fewer, or a wider cohort"
                if available
                else f"There are no children in the cohort '{Cohort(cohort).label.lower()}'{where} today"
            )
    if errors:
        raise ValidationError(errors)
    programme = AuditProgramme(
        name=_text(name),
        kind=kind,
        theme=_text(theme),
        tool=tool,
        cohort=cohort,
        team=team,
        service=service if team is None else team.service,
        sample_size=sample_size,
        random_seed=seed if seed is not None else secrets.randbelow(2**31),
        drawn_on=today,
        due_on=due_on,
        moderation_share=moderation_share,
        created_by=actor,
    )
    programme.sample_child_ids = [
        c.pk
        for c in draw_sample(
            cohort_children(cohort, team=team, service=service, today=today),
            seed=programme.random_seed,
            size=sample_size,
        )
    ]
    # A programme is not a child's record: the children are written to when auditors are assigned.
    with transaction.atomic():
        return create(actor=actor, children=[], record=programme)


# ---------------------------------------------------------------------------------------------
# Assigning auditors
# ---------------------------------------------------------------------------------------------


def independence_refusal(auditor: User, child: Child) -> str:
    """Why this person may not audit the child's case, or "" if they may."""
    if auditor is None:
        return "Choose an auditor"
    if child.allocated_worker_id == auditor.pk:
        return (
            f"{auditor} is {child.full_name}'s social worker. An audit must be independent of the "
            "case: choose someone else."
        )
    team = child.allocated_team
    if team is not None and team.manager_id == auditor.pk:
        return (
            f"{auditor} manages {child.full_name}'s social worker ({team}). An audit must be "
            "independent of the case: choose someone else."
        )
    if not auditor.is_active or not auditor.can(Function.CONDUCT_AUDITS):
        return f"{auditor} cannot carry out case audits. Choose a quality assurance auditor or a manager."
    if child.is_restricted:
        return f"{child.full_name}'s record is restricted, so it cannot be audited through a programme."
    return ""


def auditor_field(child_id: int) -> str:
    """The name the auditor of one child has in errors (and in the assignment form)."""
    return f"auditor_{child_id}"


def audits_assign(
    *, actor: User, programme: AuditProgramme, assignments: Mapping[int, User]
) -> list[CaseAudit]:
    """Give children of the programme's sample to auditors ({child id: auditor}). A child not yet
    audited gets a CaseAudit (assigned today, due on the programme's date, with the tool version,
    the child's practitioner and their team manager for the audit conversation); an audit not yet
    completed can be given to someone else. Errors are keyed auditor_<child id>."""
    require_function(actor, Function.MANAGE_AUDITS, MANAGE_REFUSAL)
    today = _today()
    if programme.closed_on is not None:
        refuse(NON_FIELD_ERRORS, "This programme is closed.")
    if programme.due_on < today:
        refuse(
            NON_FIELD_ERRORS,
            f"This programme's audits were due on {_long_date(programme.due_on)}, which has passed. "
            "Start a new programme for these children.",
        )
    if not assignments:
        refuse(NON_FIELD_ERRORS, "Choose an auditor for at least one child")
    sample = {c.pk: c for c in programme_sample(programme, today=today)}
    errors: dict[str, str] = {}
    for child_id, auditor in assignments.items():
        child = sample.get(child_id)
        if child is None:
            errors[auditor_field(child_id)] = "This child is not in the programme's sample"
            continue
        why_not = independence_refusal(auditor, child)
        if why_not:
            errors[auditor_field(child_id)] = why_not
    if errors:
        raise ValidationError(errors)
    children = [sample[child_id] for child_id in assignments]
    made: list[CaseAudit] = []
    with writing(actor, children, Function.MANAGE_AUDITS):
        existing = {
            a.child_id: a
            for a in CaseAudit.objects.select_for_update()
            .filter(programme=programme, child__in=children)
            .exclude(status=CaseAudit.Status.WITHDRAWN)
        }
        for child in children:
            auditor = assignments[child.pk]
            audit = existing.get(child.pk)
            if audit is not None:
                if audit.status == CaseAudit.Status.COMPLETED:
                    errors[auditor_field(child.pk)] = (
                        f"{child.full_name}'s audit has been completed, so it cannot be given to someone else"
                    )
                    continue
                if audit.auditor_id != auditor.pk:
                    made.append(
                        change(actor=actor, children=[child], record=audit, changes={"auditor": auditor})
                    )
                continue
            team = child.allocated_team
            made.append(
                create(
                    actor=actor,
                    children=[child],
                    record=CaseAudit(
                        programme=programme,
                        child=child,
                        tool=programme.tool,
                        auditor=auditor,
                        assigned_on=today,
                        due_on=programme.due_on,
                        practitioner=child.allocated_worker,
                        manager=team.manager if team else None,
                    ),
                )
            )
        if errors:
            raise ValidationError(errors)
    return made


def audits_assign_evenly(
    *, actor: User, programme: AuditProgramme, auditors: Sequence[User]
) -> list[CaseAudit]:
    """Share the sample's children not yet given to an auditor among `auditors`, in turn, so that
    each gets as even a share as independence allows: a child goes to the auditor with the fewest
    so far who is independent of their case (the earlier in the list on a tie)."""
    require_function(actor, Function.MANAGE_AUDITS, MANAGE_REFUSAL)
    auditors = list(dict.fromkeys(auditors))
    if not auditors:
        refuse("auditors", "Choose at least one auditor")
    unable = [a for a in auditors if not a.is_active or not a.can(Function.CONDUCT_AUDITS)]
    if unable:
        refuse("auditors", f"{unable[0]} cannot carry out case audits. Choose auditors or managers.")
    assigned = set(
        CaseAudit.objects.filter(programme=programme)
        .exclude(status=CaseAudit.Status.WITHDRAWN)
        .values_list("child_id", flat=True)
    )
    waiting = [c for c in programme_sample(programme) if c.pk not in assigned]
    if not waiting:
        refuse(NON_FIELD_ERRORS, "Every child in the sample already has an auditor.")
    load = dict.fromkeys((a.pk for a in auditors), 0)
    assignments: dict[int, User] = {}
    for child in waiting:
        free = [a for a in auditors if not independence_refusal(a, child)]
        if not free:
            refuse(
                "auditors",
                f"None of the chosen auditors is independent of {child.full_name}'s case (each is "
                "their social worker or team manager). Add another auditor.",
            )
        chosen = min(free, key=lambda a: load[a.pk])
        load[chosen.pk] += 1
        assignments[child.pk] = chosen
    return audits_assign(actor=actor, programme=programme, assignments=assignments)


# ---------------------------------------------------------------------------------------------
# Doing the audit
# ---------------------------------------------------------------------------------------------


def grade_field(domain_id: int) -> str:
    return f"grade_{domain_id}"


def evidence_field(domain_id: int) -> str:
    return f"evidence_{domain_id}"


def answer_field(question_id: int) -> str:
    return f"answer_{question_id}"


def action_field(row: int, name: str) -> str:
    """An action's field in errors and in the audit form: action_<row>_what, _owner, _due_on, _domain."""
    return f"action_{row}_{name}"


BELOW_GOOD_NEEDS_ACTION = (
    "A grade below good needs at least one action: say what must be done, who owns it and by when"
)


def _require_auditor(actor: User, audit: CaseAudit) -> None:
    require_function(actor, Function.CONDUCT_AUDITS, "Your role does not allow you to carry out case audits.")
    if audit.auditor_id != actor.pk:
        raise PermissionDenied("Only the auditor this audit is assigned to can record it.")


def _require_open(audit: CaseAudit) -> None:
    if audit.status == CaseAudit.Status.COMPLETED:
        refuse(NON_FIELD_ERRORS, "This audit has been completed, so it cannot be changed.")
    if audit.status == CaseAudit.Status.WITHDRAWN:
        refuse(NON_FIELD_ERRORS, "This audit was withdrawn, so it cannot be recorded.")


def _tool_parts(audit: CaseAudit) -> tuple[dict[int, AuditDomain], dict[int, AuditQuestion]]:
    domains = {d.pk: d for d in audit.tool.domains.all()}
    questions = {q.pk: q for q in AuditQuestion.objects.filter(domain__tool=audit.tool)}
    return domains, questions


def _check_parts(audit, domains, questions, grades, answers) -> None:
    """Grades and answers must belong to the audit's own tool version, and grades be on its scale."""
    if set(grades) - set(domains) or set(answers) - set(questions):
        refuse(
            NON_FIELD_ERRORS, "These grades are not for this audit's tool. Reload the audit and try again."
        )
    codes = audit.tool.grade_codes()
    errors = {
        grade_field(domain_id): f"Choose one of the tool's grades for {domains[domain_id].title}"
        for domain_id, (grade, _evidence) in grades.items()
        if grade and grade not in codes
    }
    if errors:
        raise ValidationError(errors)


def _store_grades_and_answers(
    actor: User, audit: CaseAudit, grades: Mapping, answers: Mapping, *, complete: bool
) -> None:
    """Replace the audit's grades and answers with these (a blank one is removed), logging each
    row created, changed or removed against the child, as every other record about them is."""
    for domain_id, (grade, evidence) in grades.items():
        grade, evidence = _text(grade), _text(evidence)
        found = DomainGrade.objects.filter(audit=audit, domain_id=domain_id).first()
        _put(
            actor,
            audit,
            found,
            DomainGrade(audit=audit, domain_id=domain_id),
            {"grade": grade, "evidence": evidence},
        )
    if complete:
        for stale in DomainGrade.objects.filter(audit=audit).exclude(domain_id__in=list(grades)):
            _put(actor, audit, stale, None, {})
    for question_id, text in answers.items():
        found = QuestionAnswer.objects.filter(audit=audit, question_id=question_id).first()
        _put(
            actor, audit, found, QuestionAnswer(audit=audit, question_id=question_id), {"answer": _text(text)}
        )


def _put(actor: User, audit: CaseAudit, found, new, values: dict) -> None:
    """Make the stored row hold `values`: create it, change it, or remove it when they are blank."""
    if not any(values.values()):
        if found is not None:
            gone = {
                name: (getattr(found, name), None)
                for name in ("grade", "evidence", "answer")
                if hasattr(found, name)
            }
            found.delete()
            audit_log.record_change(
                actor=actor, child=audit.child, record=found, action=ChangeAction.DELETED, changes=gone
            )
        return
    if found is None:
        for name, value in values.items():
            setattr(new, name, value)
        new.save()
        audit_log.record_creation(actor=actor, child=audit.child, record=new)
        return
    diff = {
        name: (getattr(found, name), value) for name, value in values.items() if getattr(found, name) != value
    }
    if diff:
        for name, (_old, value) in diff.items():
            setattr(found, name, value)
        found.save(update_fields=list(diff))
        audit_log.record_change(
            actor=actor, child=audit.child, record=found, action=ChangeAction.UPDATED, changes=diff
        )


def _conversation_changes(
    *,
    conversation_on,
    practitioner_took_part,
    manager_took_part,
    childs_views,
    family_views,
    overall_grade,
    summary,
) -> dict:
    return {
        "conversation_on": conversation_on,
        "practitioner_took_part": bool(practitioner_took_part),
        "manager_took_part": bool(manager_took_part),
        "childs_views": _text(childs_views),
        "family_views": _text(family_views),
        "overall_grade": _text(overall_grade),
        "summary": _text(summary),
    }


def audit_save(
    *,
    actor: User,
    audit: CaseAudit,
    grades: Mapping[int, tuple[str, str]] | None = None,
    answers: Mapping[int, str] | None = None,
    overall_grade: str = "",
    summary: str = "",
    conversation_on: date | None = None,
    practitioner_took_part: bool = False,
    manager_took_part: bool = False,
    childs_views: str = "",
    family_views: str = "",
    expected_version: int,
) -> CaseAudit:
    """Save the audit as a draft (in progress): anything may still be missing. Actions are not
    saved until the audit is completed, because an action is work in someone's queue."""
    _require_auditor(actor, audit)
    grades, answers = dict(grades or {}), dict(answers or {})
    with writing(actor, [audit.child], Function.CONDUCT_AUDITS):
        _require_open(audit)
        domains, questions = _tool_parts(audit)
        _check_parts(audit, domains, questions, grades, answers)
        if overall_grade and overall_grade not in audit.tool.grade_codes():
            refuse("overall_grade", "Choose one of the tool's grades for the overall grade")
        if conversation_on is not None and conversation_on > _today():
            refuse("conversation_on", "The date of the audit conversation must be today or in the past")
        change(
            actor=actor,
            children=[audit.child],
            record=audit,
            changes={
                "status": CaseAudit.Status.IN_PROGRESS,
                **_conversation_changes(
                    conversation_on=conversation_on,
                    practitioner_took_part=practitioner_took_part,
                    manager_took_part=manager_took_part,
                    childs_views=childs_views,
                    family_views=family_views,
                    overall_grade=overall_grade,
                    summary=summary,
                ),
            },
            expected_version=expected_version,
        )
        _store_grades_and_answers(actor, audit, grades, answers, complete=False)
    return audit


@dataclass(frozen=True)
class ActionToSet:
    what: str
    owner: User | None
    due_on: date | None
    domain_id: int | None = None
    row: int | None = None  # the row the form shows it in, for error keys


def _actions_from(actions: Iterable) -> list[ActionToSet]:
    made = []
    for n, a in enumerate(actions, start=1):
        if isinstance(a, ActionToSet):
            made.append(a if a.row is not None else ActionToSet(a.what, a.owner, a.due_on, a.domain_id, n))
            continue
        made.append(
            ActionToSet(
                what=_text(a.get("what")),
                owner=a.get("owner"),
                due_on=a.get("due_on"),
                domain_id=a.get("domain_id"),
                row=a.get("row") or n,
            )
        )
    return made


def _check_actions(
    audit: CaseAudit, actions: list[ActionToSet], domains: dict, today: date
) -> dict[str, str]:
    errors: dict[str, str] = {}
    for a in actions:
        if not a.what:
            errors[action_field(a.row, "what")] = f"Action {a.row}: say what must be done"
        why_not = owner_refusal(a.owner, audit.child)
        if why_not:
            errors[action_field(a.row, "owner")] = f"Action {a.row}: {why_not[0].lower()}{why_not[1:]}"
        if a.due_on is None:
            errors[action_field(a.row, "due_on")] = f"Action {a.row}: enter the date it is due"
        elif a.due_on < today:
            errors[action_field(a.row, "due_on")] = f"Action {a.row}: the due date must be today or later"
        if a.domain_id is not None and a.domain_id not in domains:
            errors[action_field(a.row, "domain")] = f"Action {a.row}: choose one of this audit's domains"
    return errors


def escalation_recipient(child: Child) -> User | None:
    """Who an inadequate audit of the child goes to: the head of service of the child's team's
    service; where the service has no head in post (or the child no team), the director of
    children's services. None when there is neither."""
    team = child.allocated_team
    head = team.service.head if team is not None else None
    if head is not None and head.is_active and head.can(Function.RESPOND_TO_AUDITS):
        return head
    return User.objects.filter(role=Role.DIRECTOR, is_active=True).order_by("pk").first()


def audit_complete(
    *,
    actor: User,
    audit: CaseAudit,
    grades: Mapping[int, tuple[str, str]],
    answers: Mapping[int, str] | None = None,
    overall_grade: str,
    summary: str,
    conversation_on: date | None,
    practitioner_took_part: bool,
    manager_took_part: bool,
    childs_views: str,
    family_views: str = "",
    actions: Sequence[Mapping | ActionToSet] = (),
    expected_version: int,
    today: date | None = None,
) -> CaseAudit:
    """Complete the audit. Every domain of the tool is graded with evidence; the overall grade and
    a summary are given; the date of the conversation with the practitioner and manager; the
    child's views (or why they could not be gathered). Any grade below good needs at least one
    action, each with what, an owner who can open the child's record and a due date from today.

    On completion the actions go on the child's record (each its own AUDIT-ACTION clock for its
    owner), an inadequate grade escalates to the head of service (escalation_recipient) with the
    AUDIT-ESCALATION clock in their work queue, and the calibration check runs. Errors are keyed
    grade_<domain id>, evidence_<domain id>, overall_grade, summary, conversation_on,
    childs_views, actions, action_<row>_what / _owner / _due_on / _domain."""
    _require_auditor(actor, audit)
    today = today or _today()
    grades, answers = dict(grades or {}), dict(answers or {})
    to_set = _actions_from(actions)
    with transaction.atomic():
        with writing(actor, [audit.child], Function.CONDUCT_AUDITS):
            _require_open(audit)
            domains, questions = _tool_parts(audit)
            _check_parts(audit, domains, questions, grades, answers)
            tool = audit.tool
            errors: dict[str, str] = {}
            for domain_id, domain in domains.items():
                grade, evidence = grades.get(domain_id, ("", ""))
                if not _text(grade):
                    errors[grade_field(domain_id)] = f"Choose a grade for {domain.title}"
                if not _text(evidence):
                    errors[evidence_field(domain_id)] = f"Give the evidence for the grade in {domain.title}"
            if not _text(overall_grade):
                errors["overall_grade"] = "Choose the overall grade"
            elif overall_grade not in tool.grade_codes():
                errors["overall_grade"] = "Choose one of the tool's grades for the overall grade"
            if not _text(summary):
                errors["summary"] = "Summarise what the audit found"
            if conversation_on is None:
                errors["conversation_on"] = (
                    "Enter the date of the audit conversation with the practitioner and their manager"
                )
            elif conversation_on > today:
                errors["conversation_on"] = "The date of the audit conversation must be today or in the past"
            if not _text(childs_views):
                errors["childs_views"] = (
                    "Record the child's views, or say why they could not be gathered (for example, "
                    "the child is a baby, or declined to talk)"
                )
            graded = [g for g, _e in grades.values() if _text(g)] + ([overall_grade] if overall_grade else [])
            below_good = [g for g in graded if g in tool.grade_codes() and not tool.is_at_least_good(g)]
            if below_good and not to_set:
                errors["actions"] = BELOW_GOOD_NEEDS_ACTION
            errors.update(_check_actions(audit, to_set, domains, today))
            if errors:
                raise ValidationError(errors)
            escalates = any(tool.escalates(g) for g in graded)
            escalate_to = escalation_recipient(audit.child) if escalates else None
            if escalates and escalate_to is None:
                refuse(
                    NON_FIELD_ERRORS,
                    "This audit must be escalated, but the child's service has no head of service and "
                    "there is no director in carepath. Ask an administrator to name the head of service.",
                )

            change(
                actor=actor,
                children=[audit.child],
                record=audit,
                changes={
                    "status": CaseAudit.Status.COMPLETED,
                    "completed_on": today,
                    **_conversation_changes(
                        conversation_on=conversation_on,
                        practitioner_took_part=practitioner_took_part,
                        manager_took_part=manager_took_part,
                        childs_views=childs_views,
                        family_views=family_views,
                        overall_grade=overall_grade,
                        summary=summary,
                    ),
                },
                expected_version=expected_version,
            )
            _store_grades_and_answers(actor, audit, grades, answers, complete=True)
            for a in to_set:
                create(
                    actor=actor,
                    children=[audit.child],
                    record=AuditAction(
                        audit=audit,
                        child=audit.child,
                        domain_id=a.domain_id,
                        action=a.what,
                        owner=a.owner,
                        set_on=today,
                        due_on=a.due_on,
                    ),
                )
            if escalate_to is not None:
                create(
                    actor=actor,
                    children=[audit.child],
                    record=AuditEscalation(
                        audit=audit, child=audit.child, escalated_to=escalate_to, escalated_on=today
                    ),
                )
        # After the clocks are refreshed (leaving `writing`), in the same transaction.
        from carepath.assurance.services.calibration import flag_if_optimistic

        flag_if_optimistic(audit=audit, today=today)
    return audit


def audit_withdraw(
    *, actor: User, audit: CaseAudit, reason: str, expected_version: int | None = None
) -> CaseAudit:
    """Take an audit out of the programme, saying why (the child moved away, the case closed). A
    completed audit cannot be withdrawn."""
    require_function(actor, Function.MANAGE_AUDITS, MANAGE_REFUSAL)
    if not _text(reason):
        refuse("reason", "Say why the audit is withdrawn")
    with writing(actor, [audit.child], Function.MANAGE_AUDITS):
        _require_open(audit)
        return change(
            actor=actor,
            children=[audit.child],
            record=audit,
            changes={
                "status": CaseAudit.Status.WITHDRAWN,
                "withdrawn_on": _today(),
                "withdrawn_reason": _text(reason),
            },
            expected_version=expected_version,
        )


# ---------------------------------------------------------------------------------------------
# Actions and escalations
# ---------------------------------------------------------------------------------------------


def may_mark_action_done(actor: User, action: AuditAction) -> bool:
    """The action's owner, or a manager who manages work over the child."""
    if not (actor.is_authenticated and actor.is_active):
        return False
    if actor.pk == action.owner_id:
        return True
    return (
        actor.can(Function.MANAGE_WORK)
        and child_access_decision(actor, action.child, Function.MANAGE_WORK).allowed
    )


def audit_action_done(
    *,
    actor: User,
    action: AuditAction,
    done_note: str,
    done_on: date | None = None,
    expected_version: int | None = None,
) -> AuditAction:
    """Mark an audit action done, saying what was done: by its owner, or by a manager with the
    child in their team or service."""
    if not may_mark_action_done(actor, action):
        raise PermissionDenied("Only the action's owner or their manager can mark it done.")
    function = Function.VIEW_CHILD_RECORD if actor.pk == action.owner_id else Function.MANAGE_WORK
    if not _text(done_note):
        refuse("done_note", "Say what was done")
    return action_mark_done(
        actor=actor,
        action=action,
        function=function,
        done_on=done_on or _today(),
        done_note=done_note,
        expected_version=expected_version,
        set_by="the audit set it",
    )


def escalation_respond(
    *, actor: User, escalation: AuditEscalation, response: str, expected_version: int
) -> AuditEscalation:
    """The head of service's response to an inadequate audit: what they have done about it. Only
    the person it was escalated to may respond; the response ends the AUDIT-ESCALATION clock."""
    require_function(actor, Function.RESPOND_TO_AUDITS, "Your role does not allow you to respond to audits.")
    if escalation.escalated_to_id != actor.pk:
        raise PermissionDenied("Only the person this audit was escalated to can respond to it.")
    if not _text(response):
        refuse("response", "Say what you have done, or will do, about the audit's findings")
    with writing(actor, [escalation.child], Function.RESPOND_TO_AUDITS):
        if escalation.responded_on is not None:
            refuse(NON_FIELD_ERRORS, "A response to this escalation has already been recorded.")
        return change(
            actor=actor,
            children=[escalation.child],
            record=escalation,
            changes={"response": _text(response), "responded_by": actor, "responded_on": _today()},
            expected_version=expected_version,
        )
