"""Reads for letters before proceedings (F14). Every read takes the acting user; a page about a
letter logs a read of each child of the legal case that the user may see.

Who may see a letter: someone with the legal functions who may open the record of every child the
letter names (the recipient's children in the case). A letter to one father does not name his
partner's other children, so it is not shown to a user who can only see those.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from carepath.core.permissions import Function
from carepath.people.models import Child, Directorate, RelatedPerson, Relationship, User
from carepath.people.selectors import AccessDecision, child_access_decision

from ..letters.checklist import Checklist, letter_checklist
from ..letters.context import ChangeItem, ChildNamed, LetterData, Solicitor, SupportItem
from ..letters.rendering import DOCX, HTML
from ..models import (
    LegalCaseChild,
    LetterBeforeProceedings,
    LetterChange,
    LetterSupport,
    LetterTemplate,
    LocalSolicitor,
    PreProceedings,
)
from .common import log_read

# -- the children of a legal case, and who may see them ---------------------------------------------


def case_children(pre_proceedings: PreProceedings) -> list[Child]:
    members = LegalCaseChild.objects.filter(legal_case_id=pre_proceedings.legal_case_id).select_related(
        "child__allocated_team"
    )
    return [m.child for m in members]


def _named_ids(person_id: int, relationships, all_ids: set[int]) -> set[int]:
    """Of (person, child, has PR) rows, the children a letter to the person is about: those they
    have parental responsibility for; failing that, those they are related to; failing that (the
    relationship was removed after the letter was written), every child of the case."""
    mine = [(child_id, pr) for person, child_id, pr in relationships if person == person_id]
    return {c for c, pr in mine if pr} or {c for c, _ in mine} or set(all_ids)


def children_named_in(letter: LetterBeforeProceedings, children: list[Child]) -> list[Child]:
    """The children of the case the letter is about (see _named_ids)."""
    relationships = Relationship.objects.filter(
        person_id=letter.recipient_id, child__in=children
    ).values_list("person_id", "child_id", "has_parental_responsibility")
    named = _named_ids(letter.recipient_id, list(relationships), {c.pk for c in children})
    return [c for c in children if c.pk in named]


def _decide(actor: User, children: list[Child]) -> list[tuple[Child, AccessDecision]]:
    return [(child, child_access_decision(actor, child)) for child in children]


def _log_reads(actor: User, allowed: list[tuple[Child, AccessDecision]], what: str) -> None:
    for child, decision in allowed:
        log_read(actor, child, decision, what)


def _require_legal(actor: User) -> None:
    if not (actor.is_authenticated and actor.can(Function.VIEW_LEGAL)):
        raise PermissionDenied("Your role does not include the legal pathway.")


def may_use_for_all(actor: User, children: list[Child], function: str) -> bool:
    return actor.can(function) and all(child_access_decision(actor, c, function).allowed for c in children)


# -- the letter as data ---------------------------------------------------------------------------------


def authority_name() -> str:
    return (
        Directorate.objects.order_by("pk").values_list("authority_name", flat=True).first()
        or "The local authority"
    )


def active_solicitors():
    return LocalSolicitor.objects.filter(active=True).order_by("firm", "pk")


def _born(child: Child) -> ChildNamed:
    name = " ".join(part for part in (child.first_name, child.last_name) if part)
    return ChildNamed(name=name, date_of_birth=child.date_of_birth, expected_on=child.expected_date_of_birth)


def letter_data(
    letter: LetterBeforeProceedings,
    *,
    named: list[Child] | None = None,
    solicitors=None,
    authority: str | None = None,
    today=None,
) -> LetterData:
    """The letter as plain data for the checklist and the templates. A draft is dated today; a
    sent letter the day it was sent."""
    pre_proceedings = letter.pre_proceedings
    if named is None:
        named = children_named_in(letter, case_children(pre_proceedings))
    if solicitors is None:
        solicitors = list(active_solicitors())
    recipient = letter.recipient
    return LetterData(
        authority=authority or authority_name(),
        recipient_name=str(recipient),
        recipient_postcode=recipient.postcode,
        recipient_needs_interpreter=recipient.needs_interpreter,
        recipient_language=recipient.language,
        dated=letter.sent_on or today or timezone.localdate(),
        children=tuple(_born(c) for c in named),
        concerns=letter.concerns,
        history=letter.history,
        consequences=letter.consequences,
        changes=tuple(ChangeItem(c.who, c.what, c.by_when) for c in letter.changes.all()),
        support=tuple(
            SupportItem(s.what, s.who, s.starts_on, s.how_long, s.is_assessment, s.why)
            for s in letter.support.all()
        ),
        meeting_at=timezone.localtime(letter.meeting_at) if letter.meeting_at else None,
        meeting_place=letter.meeting_place,
        fgdm_offer=letter.fgdm_offer,
        fgdm_not_offered_reason=pre_proceedings.fgdm_not_offered_reason,
        contact_name=letter.contact_name,
        contact_phone=letter.contact_phone,
        language=letter.language,
        solicitors=tuple(Solicitor(s.firm, s.address, s.phone, s.email) for s in solicitors),
        sent=letter.status == LetterBeforeProceedings.Status.SENT,
    )


def checklist_for(data: LetterData, *, today=None) -> Checklist:
    from carepath.timescales.services import calendar_in_force

    return letter_checklist(data, today=today or timezone.localdate(), calendar=calendar_in_force())


def _letters():
    # The documents as sent are read only when downloaded.
    return (
        LetterBeforeProceedings.objects.defer("sent_docx", "sent_pdf")
        .select_related("recipient", "sent_by", "pre_proceedings__legal_case")
        .prefetch_related(
            Prefetch("changes", queryset=LetterChange.objects.order_by("order", "pk")),
            Prefetch("support", queryset=LetterSupport.objects.order_by("order", "pk")),
        )
    )


# -- pages ----------------------------------------------------------------------------------------------


@dataclass
class LetterPage:
    letter: LetterBeforeProceedings
    children: list[Child]  # every child of the legal case
    named: list[Child]  # the children the letter is about (all visible to the user)
    visible: list[Child]
    hidden: int  # children of the case the user may not see (not named)
    data: LetterData | None = None


def letter_for_reading(
    *, actor: User, letter_id: int, what: str, to_use_for: str | None = None
) -> LetterPage:
    """A letter for the actor to read (page or download), logging a read of each child of the
    case they may see. Refused unless they may see every child the letter names. `to_use_for`
    names a further function the page needs (editing, sending) on every child of the case; it is
    checked before the read is logged, so a refused page leaves no access event."""
    _require_legal(actor)
    letter = _letters().filter(pk=letter_id).first()
    if letter is None:
        raise Http404("No letter with that number.")
    children = case_children(letter.pre_proceedings)
    named = children_named_in(letter, children)
    decided = _decide(actor, children)
    allowed = [(c, d) for c, d in decided if d.allowed]
    allowed_ids = {c.pk for c, _ in allowed}
    if any(c.pk not in allowed_ids for c in named):
        raise PermissionDenied("This letter is about a child whose record you cannot open.")
    if to_use_for is not None and not may_use_for_all(actor, children, to_use_for):
        raise PermissionDenied(
            "Your role or your caseload does not allow you to do this for every child in the case."
        )
    _log_reads(actor, allowed, what)
    page = LetterPage(
        letter=letter,
        children=children,
        named=named,
        visible=[c for c, _ in allowed],
        hidden=len(children) - len(allowed),
    )
    page.data = letter_data(letter, named=named)
    return page


@dataclass
class LettersPage:
    pre_proceedings: PreProceedings
    children: list[Child]
    visible: list[Child]
    hidden: int
    letters: list[LetterBeforeProceedings] = field(default_factory=list)
    hidden_letters: int = 0
    waiting: list[RelatedPerson] = field(default_factory=list)  # PR holders with no letter yet
    can_draft: bool = False


def pre_proceedings_letters(*, actor: User, pre_proceedings_id: int) -> LettersPage:
    """The letters of one pre-proceedings, as far as the actor may see them."""
    _require_legal(actor)
    pre_proceedings = (
        PreProceedings.objects.select_related("legal_case").filter(pk=pre_proceedings_id).first()
    )
    if pre_proceedings is None:
        raise Http404("No pre-proceedings with that number.")
    children = case_children(pre_proceedings)
    allowed = [(c, d) for c, d in _decide(actor, children) if d.allowed]
    if not allowed:
        raise PermissionDenied("You cannot open the record of any child in this case.")
    _log_reads(actor, allowed, "Letters before proceedings")
    visible_ids = {c.pk for c, _ in allowed}
    ids = [c.pk for c in children]
    relationships = list(
        Relationship.objects.filter(child_id__in=ids).values_list(
            "person_id", "child_id", "has_parental_responsibility"
        )
    )
    page = LettersPage(
        pre_proceedings=pre_proceedings,
        children=children,
        visible=[c for c, _ in allowed],
        hidden=len(children) - len(allowed),
    )
    for letter in _letters().filter(pre_proceedings=pre_proceedings).order_by("recipient__last_name", "pk"):
        if _named_ids(letter.recipient_id, relationships, set(ids)) <= visible_ids:
            page.letters.append(letter)
        else:
            page.hidden_letters += 1
    with_letters = {letter.recipient_id for letter in pre_proceedings.letters.all()}
    holders = {p for p, _, pr in relationships if pr and p not in with_letters}
    page.waiting = [
        person
        for person in RelatedPerson.objects.filter(pk__in=holders).order_by("last_name", "first_name")
        if _named_ids(person.pk, relationships, set(ids)) <= visible_ids
    ]
    page.can_draft = may_use_for_all(actor, children, Function.RECORD_LEGAL)
    return page


# -- templates -------------------------------------------------------------------------------------------


def active_template(format: str) -> LetterTemplate | None:
    """The newest active template of a format; None means the shipped default is used."""
    return LetterTemplate.objects.filter(format=format, active=True).order_by("-uploaded_at", "-pk").first()


def docx_template_bytes() -> bytes | None:
    found = active_template(DOCX)
    return bytes(found.content) if found else None


def html_template_text() -> str | None:
    found = active_template(HTML)
    return bytes(found.content).decode("utf-8") if found else None


def letter_templates(*, actor: User):
    if not actor.can(Function.MANAGE_LETTER_TEMPLATES):
        raise PermissionDenied("Your role does not allow you to change letter templates.")
    return {
        "templates": list(
            LetterTemplate.objects.select_related("uploaded_by").order_by("-uploaded_at", "-pk")
        ),
        "in_use": {fmt: active_template(fmt) for fmt in (DOCX, HTML)},
        "solicitors": list(LocalSolicitor.objects.order_by("-active", "firm", "pk")),
    }
