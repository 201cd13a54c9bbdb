"""How easy a letter is to read: the Flesch reading ease score (rules.md 3.14: plain language).

Counted here rather than by textstat: its Flesch function counts syllables with the CMU
pronouncing dictionary, which it downloads through NLTK the first time it is asked, and carepath
runs on council networks without internet access and must never fetch anything while a letter is
being written. (Pyphen's hyphenation points, textstat's old method, undercount badly: "changes",
"hungry" and "Amy" come out as one syllable.) Syllables are counted by the usual vowel-group rule,
within a point or two of textstat's score on ordinary English.
"""

from __future__ import annotations

import re

from .context import LetterData, clean_text

PLAIN_ENGLISH = 60  # Flesch 60-70 is "plain English": most people aged 13 to 15 read it easily.

_WORD = re.compile(r"[A-Za-z]+(?:'[A-Za-z]+)*")
_VOWELS = re.compile(r"[aeiouy]+")
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)")


def syllables(word: str) -> int:
    word = word.lower().replace("'", "")
    count = len(_VOWELS.findall(word))
    if count > 1:
        if word.endswith("e") and not word.endswith(("le", "ee", "ye")):
            count -= 1  # a silent e: "make", "change"
        elif word.endswith("ed") and not word.endswith(("ted", "ded", "eed", "ied")):
            count -= 1  # "asked", "offered"
        elif word.endswith("es") and not word[:-2].endswith(("s", "x", "z", "ch", "sh", "c", "g", "i", "e")):
            count -= 1  # "lives", but not "changes" or "houses"
    return max(1, count)


def flesch_reading_ease(text: str) -> float | None:
    """206.835 - 1.015 x words per sentence - 84.6 x syllables per word; None for no words."""
    text = clean_text(text)
    words = _WORD.findall(text)
    if not words:
        return None
    sentence_count = max(1, len(_SENTENCE_END.findall(text)))
    syllable_count = sum(syllables(w) for w in words)
    score = 206.835 - 1.015 * (len(words) / sentence_count) - 84.6 * (syllable_count / len(words))
    return round(score, 1)


def _sentence(text: str) -> str:
    text = clean_text(text)
    if text and text[-1] not in ".!?":
        text += "."
    return text


def letter_text(data: LetterData) -> str:
    """The words written for this letter (the template's fixed wording is checked once, in the
    tests): what the writer can make plainer."""
    parts = [data.concerns, data.history]
    parts += [c.what for c in data.changes]
    parts += [s.what for s in data.support] + [s.why for s in data.support]
    parts += [data.consequences, data.fgdm_offer]
    return "\n".join(_sentence(p) for p in parts if clean_text(p))


def describe(score: float) -> str:
    """What a score means, in words."""
    if score >= 90:
        return "very easy to read"
    if score >= 80:
        return "easy to read"
    if score >= 70:
        return "fairly easy to read"
    if score >= PLAIN_ENGLISH:
        return "plain English: most people aged 13 to 15 can read it easily"
    if score >= 50:
        return "fairly difficult to read: harder than plain English"
    if score >= 30:
        return "difficult to read: most people need to have studied after school to read it easily"
    return "very difficult to read: written for university graduates"
