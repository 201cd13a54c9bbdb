"""The quality checklist of a letter before proceedings (F14; rules.md 3.14-3.16, 3.21).

A pure function: given a letter's data, the day to judge it on and the working-day calendar, it
lists each element the letter must contain and says, in words, what is missing. The letter page
shows it; sending is refused while anything required is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .context import LetterData, clean_text, long_date
from .readability import PLAIN_ENGLISH, describe, flesch_reading_ease, letter_text

MEETING_NOTICE_WORKING_DAYS = 5


@dataclass(frozen=True)
class Check:
    key: str
    label: str  # the element the letter must contain, as a social worker would name it
    problems: tuple[str, ...] = ()
    required: bool = True  # False: a warning that does not stop the letter being sent
    note: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Checklist:
    checks: tuple[Check, ...]
    readability: float | None

    @property
    def missing(self) -> list[str]:
        """Everything that stops the letter being sent."""
        return [p for c in self.checks if c.required for p in c.problems]

    @property
    def warnings(self) -> list[str]:
        return [p for c in self.checks if not c.required for p in c.problems]

    @property
    def ready(self) -> bool:
        return not self.missing


def _blank(value) -> bool:
    return not clean_text(value)


def _changes(data: LetterData, today: date) -> list[str]:
    if not data.changes:
        return [
            "The letter does not say what must change. Add at least one thing: who must do what, by when."
        ]
    problems = []
    for i, item in enumerate(data.changes, start=1):
        if _blank(item.who):
            problems.append(f"Change {i} does not say who must do it.")
        if _blank(item.what):
            problems.append(f"Change {i} does not say what must change.")
        if item.by_when is None:
            problems.append(f"Change {i} does not say by when it must be done.")
        elif item.by_when <= today:
            problems.append(
                f"Change {i} must be done by {long_date(item.by_when)}, which is not after "
                f"{long_date(today)}. Give a date in the future."
            )
    return problems


def _support(data: LetterData) -> list[str]:
    if not data.support:
        return ["The letter offers no support or assessments. Say what help the family will get."]
    problems = []
    n_support = n_assessment = 0
    for item in data.support:
        if item.is_assessment:
            n_assessment += 1
            name = f"Assessment {n_assessment}"
            if _blank(item.why):
                problems.append(f"{name} does not say why it is needed.")
        else:
            n_support += 1
            name = f"Support {n_support}"
        if _blank(item.what):
            problems.append(f"{name} does not say what it is.")
        if _blank(item.who):
            problems.append(f"{name} does not say who will do it.")
        if item.starts_on is None:
            problems.append(f"{name} does not say when it starts.")
        if _blank(item.how_long):
            problems.append(f"{name} does not say how long it will take.")
    return problems


def _meeting(data: LetterData, today: date, calendar) -> list[str]:
    if data.meeting_at is None:
        return ["The letter does not invite the parent to a meeting. Give the date, time and place."]
    problems = []
    if _blank(data.meeting_place):
        problems.append("The meeting invitation does not say where the meeting is (or that it is online).")
    day = data.meeting_at.date()
    if day <= today:
        problems.append(
            f"The meeting on {long_date(day)} is not after {long_date(today)}. Choose a later date."
        )
    else:
        notice = calendar.working_days_between(today, day)
        if notice < MEETING_NOTICE_WORKING_DAYS:
            problems.append(
                f"The meeting on {long_date(day)} gives only {notice} working "
                f"day{'' if notice == 1 else 's'}' notice. Give at least {MEETING_NOTICE_WORKING_DAYS} "
                "working days' notice so the parent can see a solicitor first."
            )
    return problems


def _readability(score: float | None) -> Check:
    label = "Plain English (reading ease)"
    if score is None:
        return Check("readability", label, required=False, note="There is no text to score yet.")
    meaning = describe(score)
    if score < PLAIN_ENGLISH:
        return Check(
            "readability",
            label,
            (
                f"The words written for this letter score {score:g} for reading ease (Flesch): "
                f"{meaning}. Aim for {PLAIN_ENGLISH} or more: use short sentences and everyday "
                "words, and explain any word a parent might not know.",
            ),
            required=False,
        )
    return Check(
        "readability", label, required=False, note=f"Scores {score:g} for reading ease (Flesch): {meaning}."
    )


def letter_checklist(data: LetterData, *, today: date, calendar) -> Checklist:
    """Each element rules.md 3.15 requires, judged on `today` (meeting notice counts working days
    from it, with `calendar`, the authority's working-day calendar)."""
    checks = [
        Check(
            "concerns",
            "Why we are worried (the concerns)",
            ("The letter does not say why we are worried about the children.",)
            if _blank(data.concerns)
            else (),
        ),
        Check(
            "history",
            "What has happened before, and the help already offered",
            ("The letter does not say what has happened before and what help has already been offered.",)
            if _blank(data.history)
            else (),
        ),
        Check("changes", "What must change: who must do what, by when", tuple(_changes(data, today))),
        Check("support", "The support and assessments we will provide", tuple(_support(data))),
        Check(
            "consequences",
            "What will happen if things do not change",
            ("The letter does not say what will happen if things do not change.",)
            if _blank(data.consequences)
            else (),
        ),
        Check(
            "meeting", "Invitation to a meeting, with enough notice", tuple(_meeting(data, today, calendar))
        ),
        Check(
            "legal_advice",
            "The right to free legal advice, with our list of local solicitors",
            ()
            if data.solicitors
            else (
                "There is no active solicitor on the authority's list of local solicitors, so the letter "
                "cannot list any. Ask an administrator to add them on the letter templates page.",
            ),
        ),
    ]
    if not _blank(data.fgdm_not_offered_reason) and _blank(data.fgdm_offer):
        # s31ZA: no offer is needed where the authority considers a meeting not in the child's
        # best interests, and that reason is recorded on the pre-proceedings.
        checks.append(
            Check(
                "fgdm",
                "Offer of a family group meeting",
                note="Not offered: the reason a meeting would not be in the children's best interests is recorded.",
            )
        )
    else:
        checks.append(
            Check(
                "fgdm",
                "Offer of a family group meeting",
                (
                    "The letter does not offer a family group meeting. The law says the offer must be in this letter.",
                )
                if _blank(data.fgdm_offer)
                else (),
            )
        )
    contact = []
    if _blank(data.contact_name):
        contact.append("The letter does not say who to contact about it.")
    if _blank(data.contact_phone):
        contact.append("The letter does not give a phone number to call.")
    checks.append(Check("contact", "Who to contact", tuple(contact)))
    if data.recipient_needs_interpreter and _blank(data.language):
        checks.append(
            Check(
                "language",
                "Translation and interpreter",
                (
                    f"{data.recipient_name} needs an interpreter, but the letter does not say which "
                    "language it will also be given in.",
                ),
                required=False,
            )
        )
    score = flesch_reading_ease(letter_text(data))
    checks.append(_readability(score))
    return Checklist(tuple(checks), score)
