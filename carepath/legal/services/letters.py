"""Writes for letters before proceedings (F14; rules.md 3.14-3.16, 3.21).

One letter to each person with parental responsibility for any child of the legal case. A letter
is drafted, edited (optimistic locking), checked against rules.md 3.15 and sent; once sent it is
never changed: a new letter is written instead.
"""

from __future__ import annotations

from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from carepath.core import audit
from carepath.core.audit import ChangeAction
from carepath.core.concurrency import EditConflict
from carepath.core.permissions import Function
from carepath.people.models import Child, RelatedPerson, User

from ..letters.context import DEFAULT_FGDM_OFFER, long_date
from ..letters.readability import flesch_reading_ease, letter_text
from ..letters.rendering import TemplateProblem, check_template, render_docx, render_pdf
from ..models import (
    GatewayRequest,
    LetterBeforeProceedings,
    LetterChange,
    LetterSupport,
    LetterTemplate,
    LocalSolicitor,
    PreProceedings,
)
from ..selectors.letters import (
    case_children,
    checklist_for,
    docx_template_bytes,
    html_template_text,
    letter_data,
)
from .common import change, create, refuse, require_function, writing

SENT_LETTER_MESSAGE = (
    "This letter has been sent, so it cannot be changed. If something needs to change, write a new letter."
)
MAX_TEMPLATE_BYTES = 5 * 1024 * 1024


def _children(pre_proceedings: PreProceedings) -> list[Child]:
    children = case_children(pre_proceedings)
    if not children:
        refuse("pre_proceedings", "This legal case has no children.")
    return children


def letters_draft_for(*, actor: User, pre_proceedings: PreProceedings) -> list[LetterBeforeProceedings]:
    """A draft letter for each person with parental responsibility for any child of the case who
    has no letter in this pre-proceedings yet. Returns the new drafts (none if everyone has one)."""
    children = _children(pre_proceedings)
    with writing(actor, children, Function.RECORD_LEGAL):
        holders = (
            RelatedPerson.objects.filter(
                relationships__child__in=children, relationships__has_parental_responsibility=True
            )
            .distinct()
            .order_by("last_name", "first_name", "pk")
        )
        if not holders:
            refuse(
                "pre_proceedings",
                "No one is recorded as having parental responsibility for these children. Record the "
                "parents on each child's People page first.",
            )
        already = set(pre_proceedings.letters.values_list("recipient_id", flat=True))
        # What the panel was told is a starting point; the worker rewrites it for the parent.
        request = (
            GatewayRequest.objects.filter(legal_case_id=pre_proceedings.legal_case_id)
            .order_by("-requested_on", "-pk")
            .first()
        )
        worker = next((c.allocated_worker for c in children if c.allocated_worker_id), None)
        drafts = []
        for person in holders:
            if person.pk in already:
                continue
            language = person.language if person.language and person.language.lower() != "english" else ""
            letter = LetterBeforeProceedings(
                pre_proceedings=pre_proceedings,
                recipient=person,
                concerns=request.concerns if request else "",
                history=request.history if request else "",
                fgdm_offer=DEFAULT_FGDM_OFFER,
                contact_name=worker.get_full_name() if worker else "",
                language=language,
            )
            drafts.append(create(actor=actor, children=children, record=letter))
    return drafts


def _fresh(letter: LetterBeforeProceedings, expected_version: int) -> LetterBeforeProceedings:
    """The letter as stored, locked for this transaction; refused if sent or changed meanwhile."""
    fresh = LetterBeforeProceedings.objects.select_for_update().get(pk=letter.pk)
    if fresh.status == LetterBeforeProceedings.Status.SENT:
        raise ValidationError(SENT_LETTER_MESSAGE)
    if fresh.version != expected_version:
        raise EditConflict(fresh)
    return fresh


def _text(value) -> str:
    return (value or "").strip()


def _clean_changes(items: list[dict], today: date) -> list[dict]:
    cleaned, problems = [], []
    for i, item in enumerate(items, start=1):
        who, what, by_when = _text(item.get("who")), _text(item.get("what")), item.get("by_when")
        if not (who or what or by_when):
            continue  # a blank row
        if not who:
            problems.append(f"Change {i}: say who must do it.")
        if not what:
            problems.append(f"Change {i}: say what must change.")
        if by_when is None:
            problems.append(f"Change {i}: say by when it must be done.")
        elif by_when <= today:
            problems.append(
                f"Change {i}: the date it must be done by must be after today ({long_date(today)})."
            )
        cleaned.append({"who": who, "what": what, "by_when": by_when})
    if problems:
        raise ValidationError({"changes": problems})
    return cleaned


def _clean_support(items: list[dict]) -> list[dict]:
    cleaned, problems = [], []
    for i, item in enumerate(items, start=1):
        what, who, how_long = _text(item.get("what")), _text(item.get("who")), _text(item.get("how_long"))
        starts_on, why = item.get("starts_on"), _text(item.get("why"))
        is_assessment = bool(item.get("is_assessment"))
        if not (what or who or how_long or starts_on or why):
            continue
        if not what:
            problems.append(f"Support {i}: say what the support or assessment is.")
        if not who:
            problems.append(f"Support {i}: say who will provide it.")
        if starts_on is None:
            problems.append(f"Support {i}: say when it starts.")
        if not how_long:
            problems.append(f"Support {i}: say how long it lasts, like 6 weeks.")
        cleaned.append(
            {
                "what": what,
                "who": who,
                "starts_on": starts_on,
                "how_long": how_long,
                "is_assessment": is_assessment,
                "why": why,
            }
        )
    if problems:
        raise ValidationError({"support": problems})
    return cleaned


def _items(letter: LetterBeforeProceedings) -> tuple[list[dict], list[dict]]:
    changes = [
        {"who": c.who, "what": c.what, "by_when": c.by_when} for c in letter.changes.order_by("order", "pk")
    ]
    support = [
        {
            "what": s.what,
            "who": s.who,
            "starts_on": s.starts_on,
            "how_long": s.how_long,
            "is_assessment": s.is_assessment,
            "why": s.why,
        }
        for s in letter.support.order_by("order", "pk")
    ]
    return changes, support


LETTER_FIELDS = (
    "concerns",
    "history",
    "consequences",
    "meeting_at",
    "meeting_place",
    "fgdm_offer",
    "contact_name",
    "contact_phone",
    "language",
    "separate_letter_reason",
)


def letter_update(
    *,
    actor: User,
    letter: LetterBeforeProceedings,
    expected_version: int,
    concerns: str = "",
    history: str = "",
    consequences: str = "",
    meeting_at: datetime | None = None,
    meeting_place: str = "",
    fgdm_offer: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    language: str = "",
    separate_letter_reason: str = "",
    changes: list[dict] | None = None,
    support: list[dict] | None = None,
) -> LetterBeforeProceedings:
    """Save a draft as it should now read: its text, and its change and support items (replacing
    the old ones; blank rows are ignored). A draft may be incomplete: the checklist says what is
    missing before it can be sent."""
    fields = {
        "concerns": concerns,
        "history": history,
        "consequences": consequences,
        "meeting_at": meeting_at,
        "meeting_place": meeting_place,
        "fgdm_offer": fgdm_offer,
        "contact_name": contact_name,
        "contact_phone": contact_phone,
        "language": language,
        "separate_letter_reason": separate_letter_reason,
    }
    children = _children(letter.pre_proceedings)
    today = timezone.localdate()
    with writing(actor, children, Function.RECORD_LEGAL):
        _fresh(letter, expected_version)
        new_changes = _clean_changes(changes or [], today)
        new_support = _clean_support(support or [])
        values = {name: (_text(value) if isinstance(value, str) else value) for name, value in fields.items()}
        old_changes, old_support = _items(letter)
        change(
            actor=actor, children=children, record=letter, changes=values, expected_version=expected_version
        )
        LetterChange.objects.filter(letter=letter).delete()
        LetterSupport.objects.filter(letter=letter).delete()
        LetterChange.objects.bulk_create(
            [LetterChange(letter=letter, order=i, **item) for i, item in enumerate(new_changes)]
        )
        LetterSupport.objects.bulk_create(
            [LetterSupport(letter=letter, order=i, **item) for i, item in enumerate(new_support)]
        )
        diff = {}
        if old_changes != new_changes:
            diff["changes"] = (old_changes, new_changes)
        if old_support != new_support:
            diff["support"] = (old_support, new_support)
        if diff:
            for child in children:
                audit.record_change(
                    actor=actor, child=child, record=letter, action=ChangeAction.UPDATED, changes=diff
                )
    return letter


def letter_send(
    *, actor: User, letter: LetterBeforeProceedings, sent_on: date, expected_version: int
) -> LetterBeforeProceedings:
    """Record that the letter was sent, by whom and on which day. Refused while the checklist
    finds anything required missing (judged on the day it was sent). The family group meeting
    offer is in the letter, so the pre-proceedings records it as offered that day."""
    require_function(
        actor, Function.SEND_LETTER, "Your role does not allow you to send letters before proceedings."
    )
    pre_proceedings = letter.pre_proceedings
    children = _children(pre_proceedings)
    if sent_on is None:
        refuse("sent_on", "Enter the date the letter was sent")
    if sent_on > timezone.localdate():
        refuse("sent_on", "The date the letter was sent must be today or in the past")
    if sent_on < pre_proceedings.started_on:
        refuse(
            "sent_on",
            f"The letter cannot have been sent before pre-proceedings started on {long_date(pre_proceedings.started_on)}",
        )
    with writing(actor, children, Function.SEND_LETTER):
        fresh = _fresh(letter, expected_version)
        data = letter_data(fresh, today=sent_on)
        checklist = checklist_for(data, today=sent_on)
        if not checklist.ready:
            raise ValidationError(
                ["The letter cannot be sent yet. " + checklist.missing[0], *checklist.missing[1:]]
            )
        change(
            actor=actor,
            children=children,
            record=letter,
            changes={
                "status": LetterBeforeProceedings.Status.SENT,
                "sent_on": sent_on,
                "sent_by": actor,
                "readability": flesch_reading_ease(letter_text(data)),
            },
            expected_version=expected_version,
        )
        # Kept as sent (not through change(): a document is not a value for the change log).
        LetterBeforeProceedings.objects.filter(pk=letter.pk).update(
            sent_docx=render_docx(data, docx_template_bytes()),
            sent_pdf=render_pdf(data, html_template_text()),
        )
        if data.fgdm_offer:
            current = PreProceedings.objects.select_for_update().get(pk=pre_proceedings.pk)
            if current.fgdm_offered_on is None:
                change(actor=actor, children=children, record=current, changes={"fgdm_offered_on": sent_on})
                pre_proceedings.fgdm_offered_on = sent_on
                pre_proceedings.version = current.version
    return letter


def letter_redraft(*, actor: User, letter: LetterBeforeProceedings) -> LetterBeforeProceedings:
    """A new draft to the same person, copied from a sent letter (which stays as it was sent)."""
    children = _children(letter.pre_proceedings)
    with writing(actor, children, Function.RECORD_LEGAL):
        if letter.status != LetterBeforeProceedings.Status.SENT:
            refuse("letter", "This letter has not been sent yet: change it instead of writing a new one.")
        if LetterBeforeProceedings.objects.filter(
            pre_proceedings_id=letter.pre_proceedings_id,
            recipient_id=letter.recipient_id,
            status=LetterBeforeProceedings.Status.DRAFT,
        ).exists():
            refuse("letter", f"There is already a draft letter to {letter.recipient}: change that one.")
        copy = LetterBeforeProceedings(
            pre_proceedings_id=letter.pre_proceedings_id,
            recipient_id=letter.recipient_id,
            **{name: getattr(letter, name) for name in LETTER_FIELDS},
        )
        create(actor=actor, children=children, record=copy)
        changes, support = _items(letter)
        LetterChange.objects.bulk_create(
            [LetterChange(letter=copy, order=i, **c) for i, c in enumerate(changes)]
        )
        LetterSupport.objects.bulk_create(
            [LetterSupport(letter=copy, order=i, **s) for i, s in enumerate(support)]
        )
    return copy


# -- the authority's templates and list of local solicitors --------------------------------------------


def _require_templates(actor: User) -> None:
    require_function(
        actor, Function.MANAGE_LETTER_TEMPLATES, "Your role does not allow you to change letter templates."
    )


def letter_template_upload(
    *, actor: User, format: str, name: str, content: bytes
) -> tuple[LetterTemplate, list[str]]:
    """Test-render the template with a sample letter, then keep it: from now on it is used for
    every letter in its format. Refused, with what is wrong, if it does not render. Returns the
    template and any warnings (names it uses that carepath does not provide)."""
    _require_templates(actor)
    if format not in LetterTemplate.Format.values:
        refuse("format", "Choose Word (.docx) or HTML")
    if not _text(name):
        refuse("name", "Enter a name for the template")
    if not content:
        refuse("file", "Choose a template file to upload")
    if len(content) > MAX_TEMPLATE_BYTES:
        refuse("file", "The file must be smaller than 5 MB")
    try:
        warnings = check_template(format, content)
    except TemplateProblem as problem:
        refuse("file", str(problem))
    with transaction.atomic():
        template = LetterTemplate.objects.create(
            format=format, name=_text(name)[:200], content=content, uploaded_by=actor
        )
    return template, warnings


def letter_template_deactivate(*, actor: User, template: LetterTemplate) -> LetterTemplate:
    """Stop using a template: the next newest active one, or the shipped default, is used."""
    _require_templates(actor)
    LetterTemplate.objects.filter(pk=template.pk).update(active=False)
    template.active = False
    return template


def local_solicitor_add(
    *,
    actor: User,
    firm: str,
    address: str,
    phone: str,
    email: str = "",
    children_panel_accredited: bool = True,
) -> LocalSolicitor:
    _require_templates(actor)
    solicitor = LocalSolicitor(
        firm=_text(firm),
        address=_text(address),
        phone=_text(phone),
        email=_text(email),
        children_panel_accredited=children_panel_accredited,
    )
    errors = {}
    if not solicitor.firm:
        errors["firm"] = "Enter the firm's name"
    if not solicitor.address:
        errors["address"] = "Enter the firm's address"
    if not solicitor.phone:
        errors["phone"] = "Enter the firm's phone number"
    if errors:
        raise ValidationError(errors)
    solicitor.full_clean()
    solicitor.save()
    return solicitor


def local_solicitor_set_active(*, actor: User, solicitor: LocalSolicitor, active: bool) -> LocalSolicitor:
    """Take a firm off the list given in letters (or put it back)."""
    _require_templates(actor)
    LocalSolicitor.objects.filter(pk=solicitor.pk).update(active=active)
    solicitor.active = active
    return solicitor
