"""What a letter template is given: plain data, never database objects.

A template (the shipped default or one an authority uploads) sees only strings, numbers, lists and
dictionaries built here. It cannot reach a model, a manager or a method that changes anything, and
the same data drives the Word letter, the PDF, the quality checklist and the benchmark (which
builds letters without a database).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

# Characters XML 1.0 does not allow, and the few docxtpl turns into document structure (\a starts
# a new paragraph, \f a new page). A letter's text keeps only line breaks and tabs.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")


def clean_text(value: str | None) -> str:
    if not value:
        return ""
    return _CONTROL.sub("", str(value).replace("\r\n", "\n").replace("\r", "\n")).strip()


def long_date(value: date | None) -> str:
    """GOV.UK style: 3 March 2026."""
    return f"{value.day} {value:%B %Y}" if value else ""


def day_and_date(value: date | None) -> str:
    """Tuesday 10 March 2026."""
    return f"{value:%A} {long_date(value)}" if value else ""


def clock_time(value: datetime | None) -> str:
    """GOV.UK style: 10:30am, 2pm, midday."""
    if value is None:
        return ""
    if value.hour == 12 and value.minute == 0:
        return "midday"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


@dataclass(frozen=True)
class ChangeItem:
    """Something that must change: who must do what, by when."""

    who: str
    what: str
    by_when: date | None


@dataclass(frozen=True)
class SupportItem:
    """Support or an assessment the local authority will provide."""

    what: str
    who: str
    starts_on: date | None
    how_long: str
    is_assessment: bool = False
    why: str = ""


@dataclass(frozen=True)
class Solicitor:
    firm: str
    address: str
    phone: str
    email: str = ""


@dataclass(frozen=True)
class ChildNamed:
    name: str
    date_of_birth: date | None = None
    expected_on: date | None = None


@dataclass(frozen=True)
class LetterData:
    """Everything a letter says, and what the checklist needs to judge it. `meeting_at` is in
    England and Wales time (the selector converts it)."""

    authority: str
    recipient_name: str
    dated: date
    children: tuple[ChildNamed, ...] = ()
    recipient_postcode: str = ""
    recipient_needs_interpreter: bool = False
    recipient_language: str = ""
    concerns: str = ""
    history: str = ""
    consequences: str = ""
    changes: tuple[ChangeItem, ...] = ()
    support: tuple[SupportItem, ...] = ()
    meeting_at: datetime | None = None
    meeting_place: str = ""
    fgdm_offer: str = ""
    fgdm_not_offered_reason: str = ""
    contact_name: str = ""
    contact_phone: str = ""
    language: str = ""
    solicitors: tuple[Solicitor, ...] = field(default_factory=tuple)
    sent: bool = False


def _names(children: tuple[ChildNamed, ...]) -> str:
    names = [c.name for c in children]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _child(child: ChildNamed) -> dict:
    if child.date_of_birth:
        born = f"born {long_date(child.date_of_birth)}"
    elif child.expected_on:
        born = f"due to be born {long_date(child.expected_on)}"
    else:
        born = ""
    return {"name": clean_text(child.name), "born": born}


def _support(item: SupportItem) -> dict:
    return {
        "what": clean_text(item.what),
        "who": clean_text(item.who),
        "starts_on": long_date(item.starts_on),
        "how_long": clean_text(item.how_long),
        "why": clean_text(item.why),
    }


def template_context(data: LetterData) -> dict:
    """The variables every letter template may use (listed, with examples, in VARIABLES)."""
    meeting = None
    if data.meeting_at is not None:
        meeting = {
            "date": day_and_date(data.meeting_at.date()),
            "time": clock_time(data.meeting_at),
            "place": clean_text(data.meeting_place),
        }
    return {
        "authority": clean_text(data.authority),
        "date": long_date(data.dated),
        "recipient": {
            "name": clean_text(data.recipient_name),
            "postcode": clean_text(data.recipient_postcode),
        },
        "children": [_child(c) for c in data.children],
        "children_names": clean_text(_names(data.children)) or "your children",
        "concerns": clean_text(data.concerns),
        "history": clean_text(data.history),
        "changes": [
            {
                "number": i,
                "who": clean_text(c.who),
                "what": clean_text(c.what),
                "by_when": long_date(c.by_when),
            }
            for i, c in enumerate(data.changes, start=1)
        ],
        "support": [_support(s) for s in data.support if not s.is_assessment],
        "assessments": [_support(s) for s in data.support if s.is_assessment],
        "consequences": clean_text(data.consequences),
        "meeting": meeting,
        "fgdm_offer": clean_text(data.fgdm_offer),
        "contact": {"name": clean_text(data.contact_name), "phone": clean_text(data.contact_phone)},
        "language": clean_text(data.language),
        "solicitors": [
            {
                "firm": clean_text(s.firm),
                "address": ", ".join(
                    line.strip() for line in clean_text(s.address).splitlines() if line.strip()
                ),
                "phone": clean_text(s.phone),
                "email": clean_text(s.email),
            }
            for s in data.solicitors
        ],
    }


# The template variables, documented for the people who write an authority's templates (the
# "variables" page lists these). name, what it holds, an example.
VARIABLES: list[tuple[str, str, str]] = [
    ("authority", "The local authority's name.", "Northshire County Council"),
    ("date", "The date of the letter: the day it was sent, or today for a draft.", "3 March 2026"),
    ("recipient.name", "The person the letter is to (one letter per person).", "Sam Taylor"),
    ("recipient.postcode", "Their postcode, where recorded.", "NS1 2AB"),
    ("children_names", "The children the letter is about, as one phrase.", "Amy Taylor and Ben Taylor"),
    ("children", "A list of the children: each has name and born.", "{{ child.name }}, {{ child.born }}"),
    ("concerns", "Why we are worried.", "(text written for this letter)"),
    ("history", "What has happened before and what help has already been offered.", "(text)"),
    (
        "changes",
        "A list of what must change: each has number, who, what and by_when.",
        "{{ item.who }} must {{ item.what }} by {{ item.by_when }}",
    ),
    (
        "support",
        "A list of the support we will give: each has what, who, starts_on and how_long.",
        "{{ item.what }} from {{ item.who }}",
    ),
    (
        "assessments",
        "A list of the assessments we will do: each has what, why, who, starts_on and how_long.",
        "{{ item.what }}: {{ item.why }}",
    ),
    ("consequences", "What will happen if things do not change.", "(text)"),
    (
        "meeting",
        "The meeting the person is invited to: meeting.date, meeting.time, meeting.place. Empty when none is set.",
        "Tuesday 10 March 2026 at 10:30am",
    ),
    ("fgdm_offer", "The offer of a family group meeting (it must be in the letter).", "(text)"),
    ("contact.name", "Who to contact about the letter.", "Jo Smith"),
    ("contact.phone", "Their phone number.", "01632 960 000"),
    ("language", "A language the letter will also be given in; empty for English only.", "Polish"),
    (
        "solicitors",
        "The authority's list of local children-law solicitors: each has firm, address, phone and email.",
        "{{ s.firm }}, {{ s.address }}, {{ s.phone }}",
    ),
]

VARIABLE_NAMES = frozenset(name.split(".")[0] for name, _, _ in VARIABLES)

# Without these a letter would lack something rules.md 3.15 requires, so an uploaded template
# must use every one of them.
REQUIRED_VARIABLES = (
    "concerns",
    "history",
    "changes",
    "support",
    "assessments",
    "consequences",
    "meeting",
    "fgdm_offer",
    "solicitors",
    "contact",
)


def sample_letter(today: date | None = None) -> LetterData:
    """A complete, made-up letter: used to test-render an uploaded template and by the benchmark."""
    from datetime import timedelta

    today = today or date(2026, 3, 3)
    return LetterData(
        authority="Northshire County Council",
        recipient_name="Sam Taylor",
        recipient_postcode="NS1 2AB",
        dated=today,
        children=(
            ChildNamed("Amy Taylor", date_of_birth=date(2019, 5, 3)),
            ChildNamed("Ben Taylor", date_of_birth=date(2022, 1, 14)),
        ),
        concerns=(
            "Amy and Ben often come to school hungry and in dirty clothes.\n"
            "The police came to your home three times in January because of shouting and fighting."
        ),
        history=(
            "Amy and Ben have had a child protection plan since June. A family support worker has "
            "visited every week. Things got better for a while, but not for long."
        ),
        changes=(
            ChangeItem("You", "make sure Amy goes to school every day", today + timedelta(days=42)),
            ChangeItem("You", "go to every drug test the clinic asks for", today + timedelta(days=28)),
            ChangeItem(
                "You and Alex",
                "stop arguing and fighting when the children are at home",
                today + timedelta(days=14),
            ),
        ),
        support=(
            SupportItem(
                "Weekly visits from a family support worker",
                "Jo Smith",
                today + timedelta(days=7),
                "12 weeks",
            ),
            SupportItem(
                "A parenting assessment",
                "An independent social worker",
                today + timedelta(days=14),
                "8 weeks",
                is_assessment=True,
                why="To find out what help you need to care for Amy and Ben safely.",
            ),
        ),
        consequences=(
            "If things do not get better, we may ask the family court to decide where Amy and Ben "
            "should live. They might have to live with someone else."
        ),
        meeting_at=datetime.combine(today + timedelta(days=14), datetime.min.time()).replace(
            hour=10, minute=30
        ),
        meeting_place="Northshire House, 1 High Street, Northtown",
        fgdm_offer=DEFAULT_FGDM_OFFER,
        contact_name="Jo Smith",
        contact_phone="01632 960 000",
        solicitors=(
            Solicitor("Example & Co Solicitors", "2 Market Square\nNorthtown\nNS1 3CD", "01632 960 111"),
            Solicitor("Sample Family Law", "9 Station Road, Southtown, NS9 8EF", "01632 960 222"),
        ),
    )


# The family group decision-making offer every new letter starts with (s31ZA: the offer must be
# in the letter). Plain words; the worker can change them.
DEFAULT_FGDM_OFFER = (
    "We would like to offer you a family group meeting. This is a meeting for you, your family and "
    "your friends to make a plan to keep the children safe. Someone who does not work for the "
    "social work team will help you set it up. You choose who comes. Please tell us the names of "
    "people in your family, or friends, who could help you, or who could look after the children "
    "if they cannot stay with you. Please tell us if you would like a meeting."
)
