"""Percentage agreement and weighted kappa, against published worked examples and against values
worked out here a different way: from an explicit confusion matrix, in fractions, with
agreement weights (1 - disagreement weight) and the textbook form (po - pe) / (1 - pe)."""

from fractions import Fraction
from itertools import product

import pytest

from carepath.assurance.agreement import (
    LINEAR,
    NO_PAIRS,
    ONE_GRADE,
    QUADRATIC,
    agreement,
    percentage_agreement,
    weighted_kappa,
)


def pairs_from_matrix(matrix) -> list[tuple[int, int]]:
    """matrix[i][j] = how many times the auditor gave i and the moderator j."""
    return [(i, j) for i, row in enumerate(matrix) for j, count in enumerate(row) for _ in range(count)]


def kappa_from_matrix(matrix, weights: str) -> Fraction:
    """Weighted kappa in the agreement-weight form (Cohen 1968; vcd's Kappa): with agreement weights
    v = 1 - |i-j|/(k-1) or 1 - (|i-j|/(k-1))^2, po = sum v*p, pe = sum v*row*col, kappa =
    (po - pe) / (1 - pe). Exact fractions, no shared code with the module under test."""
    k = len(matrix)
    n = sum(sum(row) for row in matrix)
    rows = [Fraction(sum(matrix[i]), n) for i in range(k)]
    cols = [Fraction(sum(matrix[i][j] for i in range(k)), n) for j in range(k)]
    power = 1 if weights == LINEAR else 2
    v = {(i, j): 1 - Fraction(abs(i - j), k - 1) ** power for i, j in product(range(k), repeat=2)}
    po = sum(v[i, j] * Fraction(matrix[i][j], n) for i, j in v)
    pe = sum(v[i, j] * rows[i] * cols[j] for i, j in v)
    return (po - pe) / (1 - pe)


# Wikipedia, "Cohen's kappa": two readers of 50 grant proposals, yes/no. With two categories
# weighted kappa (either weights) is Cohen's unweighted kappa.
@pytest.mark.parametrize(
    ("matrix", "po", "kappa"),
    [
        ([[20, 5], [10, 15]], 70.0, 0.4),
        ([[45, 15], [25, 15]], 60.0, 0.1304),
        ([[25, 35], [5, 35]], 60.0, 0.2593),
    ],
)
def test_published_two_category_examples(matrix, po, kappa):
    pairs = pairs_from_matrix(matrix)
    assert percentage_agreement(pairs) == pytest.approx(po)
    for weights in (LINEAR, QUADRATIC):
        assert weighted_kappa(pairs, 2, weights) == pytest.approx(kappa, abs=5e-5)


def test_published_quadratic_weighted_examples():
    # Maple EssayTools QuadraticWeightedKappa, its two worked examples (scores 1 to 10, the scale
    # taken from the data): 0.758620689655172 and 0.438095238095238.
    first = [9, 7, 8, 7, 6, 8, 3, 5, 10]
    second = [8, 8, 6, 6, 7, 6, 1, 4, 8]
    third = [3, 5, 6, 6, 7, 6, 1, 4, 8]
    as_ranks = lambda a, b: [(x - 1, y - 1) for x, y in zip(a, b, strict=True)]  # noqa: E731
    assert weighted_kappa(as_ranks(first, second), 10, QUADRATIC) == pytest.approx(0.758620689655172)
    assert weighted_kappa(as_ranks(first, third), 10, QUADRATIC) == pytest.approx(0.438095238095238)


# Four grades (outstanding, good, requires improvement, inadequate): auditor by row, moderator by
# column. The first is mostly agreement with near misses; the second has the moderator grading
# lower throughout.
FOUR_GRADES = [
    [[3, 2, 0, 0], [1, 8, 3, 0], [0, 2, 5, 1], [0, 0, 1, 2]],
    [[0, 4, 1, 0], [0, 2, 6, 2], [0, 0, 1, 3], [0, 0, 0, 1]],
]


@pytest.mark.parametrize("matrix", FOUR_GRADES)
@pytest.mark.parametrize("weights", [LINEAR, QUADRATIC])
def test_four_grades_match_the_confusion_matrix_worked_independently(matrix, weights):
    pairs = pairs_from_matrix(matrix)
    expected = kappa_from_matrix(matrix, weights)
    assert weighted_kappa(pairs, 4, weights) == pytest.approx(float(expected))
    diagonal = sum(matrix[i][i] for i in range(4))
    assert percentage_agreement(pairs) == pytest.approx(100 * diagonal / len(pairs))


def test_quadratic_weights_forgive_near_misses_more_than_linear():
    pairs = pairs_from_matrix(FOUR_GRADES[0])
    linear, quadratic = weighted_kappa(pairs, 4, LINEAR), weighted_kappa(pairs, 4, QUADRATIC)
    assert quadratic > linear
    # By hand: n = 28, rows 5 12 8 3, columns 4 12 9 3; every disagreement is one grade apart, 10 of
    # them. Chance disagreement, sum of row_i * col_j * |i-j| (linear) = 742 and * (i-j)^2
    # (quadratic) = 1202. kappa = 1 - (10 * 28) / that: 231/371 and 461/601.
    assert linear == pytest.approx(231 / 371) and quadratic == pytest.approx(461 / 601)


def test_kappa_is_negative_when_they_agree_less_than_chance():
    # The auditor grades good whenever the moderator grades requires improvement, and the other
    # way round: never the same grade.
    matrix = [[0, 0, 0, 0], [0, 0, 6, 0], [0, 4, 0, 0], [0, 0, 0, 0]]
    pairs = pairs_from_matrix(matrix)
    for weights in (LINEAR, QUADRATIC):
        kappa = weighted_kappa(pairs, 4, weights)
        assert kappa < 0
        assert kappa == pytest.approx(float(kappa_from_matrix(matrix, weights)))
    assert percentage_agreement(pairs) == 0


def test_full_agreement_is_one():
    pairs = [(0, 0), (1, 1), (2, 2), (1, 1), (3, 3)]
    assert weighted_kappa(pairs, 4, QUADRATIC) == pytest.approx(1.0)
    assert percentage_agreement(pairs) == 100


def test_no_pairs_gives_none_and_says_so():
    assert percentage_agreement([]) is None
    assert weighted_kappa([], 4) is None
    result = agreement([], 4)
    assert (result.pairs, result.percentage, result.kappa, result.kappa_note) == (0, None, None, NO_PAIRS)


def test_every_grade_the_same_gives_no_kappa_and_a_reason_not_a_crash():
    pairs = [(1, 1)] * 6
    assert weighted_kappa(pairs, 4, LINEAR) is None
    result = agreement(pairs, 4)
    assert result.percentage == 100 and result.agreed == 6
    assert result.kappa is None and result.kappa_note == ONE_GRADE


def test_one_rater_constant_the_other_not_is_zero_not_undefined():
    # The auditor always says good; the moderator varies. Chance explains all the agreement.
    pairs = [(1, 0), (1, 1), (1, 2), (1, 1)]
    assert weighted_kappa(pairs, 4, QUADRATIC) == pytest.approx(0.0)
    assert agreement(pairs, 4).kappa_note == ""


def test_unknown_weights_are_refused():
    with pytest.raises(ValueError, match="weights"):
        weighted_kappa([(0, 1)], 4, "cubic")
