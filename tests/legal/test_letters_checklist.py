"""The quality checklist of a letter before proceedings (rules.md 3.15), as a pure function over
plain letter data, and the reading-ease score. No database."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta

import pytest

from carepath.core.calendar import WorkingCalendar
from carepath.legal.letters.checklist import letter_checklist
from carepath.legal.letters.context import ChangeItem, SupportItem, sample_letter
from carepath.legal.letters.readability import describe, flesch_reading_ease, syllables

TODAY = date(2026, 3, 3)  # a Tuesday
CALENDAR = WorkingCalendar()
COMPLETE = sample_letter(TODAY)


def check(data, today=TODAY, calendar=CALENDAR):
    return letter_checklist(data, today=today, calendar=calendar)


def problems(data, key, **kwargs) -> tuple[str, ...]:
    return next(c for c in check(data, **kwargs).checks if c.key == key).problems


def with_(**changes):
    return dataclasses.replace(COMPLETE, **changes)


def test_a_complete_letter_is_ready_to_send():
    result = check(COMPLETE)
    assert result.ready and result.missing == [] and result.warnings == []
    assert [c.key for c in result.checks] == [
        "concerns",
        "history",
        "changes",
        "support",
        "consequences",
        "meeting",
        "legal_advice",
        "fgdm",
        "contact",
        "readability",
    ]


@pytest.mark.parametrize(
    ("changes", "key", "expected"),
    [
        ({"concerns": "  "}, "concerns", "does not say why we are worried"),
        ({"history": ""}, "history", "what help has already been offered"),
        ({"changes": ()}, "changes", "does not say what must change"),
        ({"support": ()}, "support", "offers no support or assessments"),
        ({"consequences": ""}, "consequences", "what will happen if things do not change"),
        ({"meeting_at": None}, "meeting", "does not invite the parent to a meeting"),
        ({"meeting_place": ""}, "meeting", "does not say where the meeting is"),
        ({"solicitors": ()}, "legal_advice", "no active solicitor"),
        ({"fgdm_offer": ""}, "fgdm", "does not offer a family group meeting"),
        ({"contact_name": ""}, "contact", "who to contact"),
        ({"contact_phone": ""}, "contact", "phone number"),
    ],
)
def test_each_missing_element_is_named_and_stops_sending(changes, key, expected):
    result = check(with_(**changes))
    found = next(c for c in result.checks if c.key == key)
    assert any(expected in p for p in found.problems), found.problems
    assert not result.ready
    assert any(expected in m for m in result.missing)


def test_a_change_without_who_what_or_when_is_named_by_number():
    data = with_(
        changes=(
            ChangeItem("You", "go to school", TODAY + timedelta(days=10)),
            ChangeItem("", "", None),
            ChangeItem("You", "stop drinking", TODAY),
        )
    )
    assert problems(data, "changes") == (
        "Change 2 does not say who must do it.",
        "Change 2 does not say what must change.",
        "Change 2 does not say by when it must be done.",
        "Change 3 must be done by 3 March 2026, which is not after 3 March 2026. Give a date in the future.",
    )


def test_an_assessment_without_why_who_when_or_how_long_is_named():
    data = with_(support=(SupportItem("A parenting assessment", "", None, "", is_assessment=True, why=""),))
    assert problems(data, "support") == (
        "Assessment 1 does not say why it is needed.",
        "Assessment 1 does not say who will do it.",
        "Assessment 1 does not say when it starts.",
        "Assessment 1 does not say how long it will take.",
    )
    # Support that is not an assessment needs no reason.
    plain = with_(support=(SupportItem("Family support", "Jo Smith", TODAY, "6 weeks"),))
    assert problems(plain, "support") == ()


def test_a_meeting_in_the_past_or_today_is_refused():
    for moment in (datetime(2026, 3, 2, 10, 0), datetime(2026, 3, 3, 15, 0)):
        found = problems(with_(meeting_at=moment), "meeting")
        assert found and "is not after 3 March 2026" in found[0]


def test_a_meeting_needs_five_working_days_notice():
    # Tuesday 3 March to Monday 9 March is 4 working days; to Tuesday 10 March, 5.
    short = problems(with_(meeting_at=datetime(2026, 3, 9, 10, 0)), "meeting")
    assert short == (
        "The meeting on 9 March 2026 gives only 4 working days' notice. Give at least 5 working days' "
        "notice so the parent can see a solicitor first.",
    )
    assert problems(with_(meeting_at=datetime(2026, 3, 10, 10, 0)), "meeting") == ()


def test_notice_counts_bank_holidays_and_closure_days_out():
    # Good Friday 3 April and Easter Monday 6 April 2026 are bank holidays: from Tuesday 31 March,
    # a meeting on Thursday 9 April has 5 working days' notice only if no closure day falls between.
    today = date(2026, 3, 31)
    data = with_(meeting_at=datetime(2026, 4, 9, 10, 0), changes=(ChangeItem("You", "x", date(2026, 5, 1)),))
    assert problems(data, "meeting", today=today) == ()
    closed = WorkingCalendar([date(2026, 4, 8)])
    assert "only 4 working days" in problems(data, "meeting", today=today, calendar=closed)[0]


def test_no_fgdm_offer_is_needed_when_the_reason_for_not_offering_is_recorded():
    data = with_(fgdm_offer="", fgdm_not_offered_reason="A meeting would put the mother at risk.")
    found = next(c for c in check(data).checks if c.key == "fgdm")
    assert found.ok and "Not offered" in found.note
    assert check(data).ready


def test_an_interpreter_without_a_language_is_a_warning_only():
    data = with_(recipient_needs_interpreter=True, language="")
    result = check(data)
    assert result.ready
    assert any("needs an interpreter" in w for w in result.warnings)
    assert check(with_(recipient_needs_interpreter=True, language="Polish")).warnings == []


def test_hard_words_give_a_readability_warning_with_the_score_and_its_meaning():
    hard = (
        "Notwithstanding the aforementioned considerations, the local authority has determined that the "
        "threshold criteria pursuant to section 31 of the Children Act 1989 are satisfied, necessitating "
        "consideration of the initiation of public law proceedings."
    )
    result = check(with_(concerns=hard, history=hard, consequences=hard))
    warning = next(c for c in result.checks if c.key == "readability")
    assert not warning.required and not warning.ok
    assert result.ready  # a warning, not a refusal
    assert result.readability < 60
    assert f"score {result.readability:g} for reading ease" in warning.problems[0]
    assert "difficult to read" in warning.problems[0]
    plain = next(c for c in check(COMPLETE).checks if c.key == "readability")
    assert plain.ok and ("plain English" in plain.note or "easy to read" in plain.note)


def test_the_score_is_the_flesch_formula():
    # 2 sentences, 9 words, 13 syllables (we are wor-ried; A-my is of-ten hun-gry at school).
    assert flesch_reading_ease("We are worried. Amy is often hungry at school.") == pytest.approx(
        206.835 - 1.015 * (9 / 2) - 84.6 * (13 / 9), abs=0.05
    )
    assert flesch_reading_ease("") is None
    assert [syllables(w) for w in ("make", "asked", "lives", "changes", "family", "responsibility")] == [
        1,
        1,
        1,
        2,
        3,
        6,
    ]
    assert describe(65) == "plain English: most people aged 13 to 15 can read it easily"
    assert describe(20).startswith("very difficult")
