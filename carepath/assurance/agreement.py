"""How far two auditors agree: percentage agreement and weighted Cohen's kappa (F18). Pure
arithmetic on pairs of grades, with no database, so that it can be checked against published
worked examples.

A pair is (first auditor's rank, moderator's rank), where a rank is the grade's position on the
tool's ordinal scale (AuditTool.rank: 0 for the best grade). With k categories and n pairs:

    O[i][j] = the share of pairs graded i by the auditor and j by the moderator
    E[i][j] = row_i * col_j, the share expected by chance from each rater's own spread of grades
    w[i][j] = |i - j| / (k - 1)              linear weights (disagreement by one grade counts a third
                                              as much as by three, on a four-grade scale)
              ((i - j) / (k - 1)) ** 2       quadratic weights (near misses count for much less)

    weighted kappa = 1 - (sum of w * O) / (sum of w * E)

Kappa is 1 when the auditors always agree, 0 when they agree no more than chance would make them,
and negative when they agree less than chance. Scaling the weights does not change it, so pairs
from tools whose scales have different lengths can be counted together on the longer scale.

Kappa cannot be worked out when no disagreement was possible by chance (sum of w * E is 0): both
auditors gave every pair the same one grade. Then it is None, with a reason to show, rather than
a division by zero.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

LINEAR = "linear"
QUADRATIC = "quadratic"

NO_PAIRS = "No moderated grades to compare yet."
ONE_GRADE = (
    "Kappa cannot be worked out: every grade in this group, the auditor's and the moderator's, "
    "was the same one grade, so there was no disagreement for chance to explain."
)


def percentage_agreement(pairs: Iterable[tuple[int, int]]) -> float | None:
    """The percentage of pairs given the same grade by both auditors; None for no pairs."""
    pairs = list(pairs)
    if not pairs:
        return None
    return 100 * sum(1 for a, b in pairs if a == b) / len(pairs)


def weighted_kappa(
    pairs: Iterable[tuple[int, int]], categories: int, weights: str = QUADRATIC
) -> float | None:
    """Weighted Cohen's kappa over pairs of ranks 0..categories-1 (see the module's docstring);
    None when there are no pairs or when kappa is undefined."""
    pairs = list(pairs)
    if not pairs or categories < 2:
        return None
    if weights not in (LINEAR, QUADRATIC):
        raise ValueError(f"weights must be {LINEAR!r} or {QUADRATIC!r}")
    power = 1 if weights == LINEAR else 2
    n = len(pairs)
    rows, cols = [0] * categories, [0] * categories
    for a, b in pairs:
        rows[a] += 1
        cols[b] += 1

    def weight(i: int, j: int) -> float:
        return (abs(i - j) / (categories - 1)) ** power

    observed = sum(weight(a, b) for a, b in pairs) / n
    expected = sum(weight(i, j) * rows[i] * cols[j] for i in range(categories) for j in range(categories)) / (
        n * n
    )
    if expected == 0:
        return None
    return 1 - observed / expected


@dataclass(frozen=True)
class Agreement:
    """What a report shows for one group of pairs."""

    pairs: int
    agreed: int
    percentage: float | None
    kappa: float | None
    # Why there is no kappa, in words (empty when there is one).
    kappa_note: str = ""


def agreement(pairs: Iterable[tuple[int, int]], categories: int, weights: str = QUADRATIC) -> Agreement:
    pairs = list(pairs)
    kappa = weighted_kappa(pairs, categories, weights)
    note = ""
    if not pairs:
        note = NO_PAIRS
    elif kappa is None:
        note = ONE_GRADE
    return Agreement(
        pairs=len(pairs),
        agreed=sum(1 for a, b in pairs if a == b),
        percentage=percentage_agreement(pairs),
        kappa=kappa,
        kappa_note=note,
    )
