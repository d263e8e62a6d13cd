"""The certainty-factor algebra of rules/engine/cf.py, with exact Fractions: combination, its properties,
the +1/-1 conflict policy, and printing without float noise.

(The `hypothesis` package is not installed in the test environment, so the properties are checked on
parametrised tables and on the full 0.1-step grid over [-1, 1]^2 instead.)"""

from __future__ import annotations

import functools
import itertools
from fractions import Fraction

import pytest

from rules.engine.cf import Accumulator, as_number, combine, combine_all, fmt, from_number, parse, to_decimal


def d(text: str) -> Fraction:
    """An exact Fraction from a decimal literal, e.g. d('0.8') == 4/5."""
    return Fraction(text)


GRID = [Fraction(k, 10) for k in range(-10, 11)]


# --- combine: exact values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "x, y, expected",
    [
        # both positive: x + y(1 - x)
        (d("0.8"), d("0.6"), d("0.92")),
        (d("0.64"), d("0.6"), d("0.856")),
        (d("0.5"), d("0.5"), d("0.75")),
        (d("1"), d("0.3"), d("1")),
        (d("1"), d("1"), d("1")),
        # both negative: x + y(1 + x)
        (d("-0.5"), d("-0.5"), d("-0.75")),
        (d("-0.8"), d("-0.6"), d("-0.92")),
        (d("-1"), d("-0.4"), d("-1")),
        # mixed: (x + y) / (1 - min(|x|, |y|))
        (d("0.8"), d("-0.4"), Fraction(2, 3)),
        (d("-0.4"), d("0.8"), Fraction(2, 3)),
        (d("-0.8"), d("0.4"), Fraction(-2, 3)),
        (d("0.8"), d("-0.6"), d("0.5")),
        (d("0.92"), d("-0.4"), Fraction(13, 15)),
        (d("0.5"), d("-0.5"), d("0")),
        (d("1"), d("-0.5"), d("1")),
        (d("-1"), d("0.5"), d("-1")),
        (d("0.3"), d("-0.9"), Fraction(-6, 7)),
        # certain for and certain against: 0 by policy
        (d("1"), d("-1"), d("0")),
        (d("-1"), d("1"), d("0")),
    ],
    ids=lambda v: str(v),
)
def test_combine_exact(x, y, expected):
    assert combine(x, y) == expected
    assert type(combine(x, y)) is Fraction


@pytest.mark.parametrize("x", GRID, ids=str)
def test_zero_is_the_identity(x):
    assert combine(x, Fraction(0)) == x
    assert combine(Fraction(0), x) == x


# --- bounds, symmetry and direction over the whole 0.1 grid ---------------------------------------------------


@pytest.mark.parametrize("x", GRID, ids=lambda v: f"x={v}")
@pytest.mark.parametrize("y", GRID, ids=lambda v: f"y={v}")
def test_grid_bounds_symmetry_direction(x, y):
    result = combine(x, y)
    assert -1 <= result <= 1
    assert result == combine(y, x)
    # evidence for never lowers a CF, evidence against never raises it
    if y >= 0:
        assert result >= x
    else:
        assert result <= x
    acc = Accumulator()
    acc.add(x)
    acc.add(y)
    assert -1 <= acc.value <= 1
    assert acc.conflict == ({x, y} == {Fraction(1), Fraction(-1)})
    assert acc.value == (Fraction(0) if acc.conflict else result)


# --- order independence ---------------------------------------------------------------------------------------

ORDER_CASES = [
    ([d("0.8"), d("0.6"), d("0.4")], d("0.952")),
    ([d("0.8"), d("0.6"), d("-0.4")], Fraction(13, 15)),
    ([d("-0.5"), d("-0.5"), d("-0.5")], d("-0.875")),
    # positives 0.92, negatives -0.79 -> (0.92 - 0.79)/(1 - 0.79) = 13/21
    ([d("0.9"), d("-0.3"), d("0.2"), d("-0.7")], Fraction(13, 21)),
    ([d("0.5"), d("-0.5"), d("0.5"), d("-0.5")], d("0")),
    ([d("1"), d("-0.5"), d("0.3")], d("1")),
    ([d("-1"), d("0.5"), d("0.3"), d("-0.2")], d("-1")),
    ([d("0.64"), d("0.6"), d("0.4")], d("0.9136")),
]


@pytest.mark.parametrize("values, expected", ORDER_CASES, ids=lambda v: str(v))
def test_every_order_gives_the_same_fraction(values, expected):
    results = {combine_all(order) for order in itertools.permutations(values)}
    assert results == {expected}
    # pairwise folding in any order agrees (no +1/-1 pair in these lists)
    folded = {functools.reduce(combine, order, Fraction(0)) for order in itertools.permutations(values)}
    assert folded == {expected}


@pytest.mark.parametrize(
    "values",
    [
        [d("1"), d("-1")],
        [d("1"), d("-1"), d("0.5")],
        [d("1"), d("-1"), d("0.3"), d("-0.7")],
        [d("1"), d("1"), d("-1"), d("-0.2")],
    ],
    ids=lambda v: str(v),
)
def test_certain_for_and_against_conflict_in_every_order(values):
    for order in itertools.permutations(values):
        acc = Accumulator()
        for value in order:
            acc.add(value)
        assert acc.value == 0, order
        assert acc.conflict, order
        assert acc.certain_for and acc.certain_against
        assert combine_all(order) == 0


@pytest.mark.parametrize(
    "values", [[d("1"), d("-0.9")], [d("-1"), d("0.9")], [d("0.9"), d("-0.9")]], ids=lambda v: str(v)
)
def test_no_conflict_without_both_certainties(values):
    acc = Accumulator()
    for value in values:
        acc.add(value)
    assert not acc.conflict


def test_accumulator_add_returns_before_and_after():
    acc = Accumulator()
    assert acc.add(d("0.8")) == (Fraction(0), d("0.8"))
    assert acc.add(d("0.6")) == (d("0.8"), d("0.92"))
    assert acc.add(d("-0.4")) == (d("0.92"), Fraction(13, 15))
    assert acc.count == 3
    assert acc.value == Fraction(13, 15)


# --- combine_all on hand-computed consultations ---------------------------------------------------------------


@pytest.mark.parametrize(
    "values, expected",
    [
        ([], Fraction(0)),
        ([d("0.64")], d("0.64")),
        # bundled case cf-combo: PC01 = 0.8*0.8, 1.0*0.6, 1.0*0.4 -> 0.856 -> 0.9136; PC02 = 0.6, 0.4 -> 0.76
        ([d("0.8") * d("0.8"), d("1.0") * d("0.6"), d("1.0") * d("0.4")], d("0.9136")),
        ([d("1.0") * d("0.6"), d("1.0") * d("0.4")], d("0.76")),
        # T8-1 at level 0.6: GC01 0.8*0.6 = 0.48, GC02 0.6*0.6 = 0.36, GC03 1.0*0.6 = 0.6
        #   0.48 + 0.36*0.52 = 0.6672;  0.6672 + 0.6*0.3328 = 0.86688
        ([d("0.8") * d("0.6"), d("0.6") * d("0.6"), d("1.0") * d("0.6")], d("0.86688")),
        # three weak ones: 0.12 + 0.16*0.88 = 0.2608;  0.2608 + 0.16*0.7392 = 0.379072
        ([d("0.12"), d("0.16"), d("0.16")], d("0.379072")),
        # evidence against: 0.8 then -0.6 -> (0.8 - 0.6)/(1 - 0.6) = 0.5
        ([d("0.8"), d("-0.6")], d("0.5")),
    ],
    ids=["none", "one", "cf-combo-PC01", "cf-combo-PC02", "T8-1-at-0.6", "three-at-0.2", "against"],
)
def test_combine_all_hand_computed(values, expected):
    assert combine_all(values) == expected


# --- printing without float noise -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, places, text",
    [
        (Fraction(9232, 10000), 10, "0.9232"),
        (Fraction(1), 10, "1"),
        (Fraction(0), 10, "0"),
        (Fraction(-1), 10, "-1"),
        (Fraction(1, 3), 10, "≈0.3333333333"),
        (Fraction(2, 3), 10, "≈0.6666666667"),
        (Fraction(-2, 3), 10, "≈-0.6666666667"),
        (Fraction(-1, 4), 10, "-0.25"),
        (d("0.9136"), 10, "0.9136"),
        (d("0.379072"), 10, "0.379072"),
        (Fraction(1, 10**10), 10, "0.0000000001"),
        (Fraction(1, 2**11), 10, "≈0.0004882812"),
        (Fraction(13, 15), 10, "≈0.8666666667"),
        (Fraction(1, 3), 2, "≈0.33"),
        (d("0.92"), 2, "0.92"),
        (Fraction(0.1), 10, "≈0.1"),
    ],
    ids=lambda v: str(v),
)
def test_fmt(value, places, text):
    assert fmt(value, places) == text


@pytest.mark.parametrize(
    "value, number",
    [
        (Fraction(9232, 10000), 0.9232),
        (Fraction(1, 3), 0.3333333333),
        (d("0.86688"), 0.86688),
        (Fraction(-1, 4), -0.25),
        (Fraction(1), 1.0),
    ],
)
def test_as_number_is_the_shortest_float_of_the_decimal(value, number):
    assert as_number(value) == number
    assert repr(as_number(value)) == repr(number)


def test_to_decimal_is_exact_when_it_terminates():
    assert str(to_decimal(d("0.86688"))) == "0.86688"
    assert str(to_decimal(Fraction(7, 8))) == "0.875"


# --- reading the texts and numbers back ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "value, read",
    [
        (d("0.9232"), d("0.9232")),
        (Fraction(1), Fraction(1)),
        (Fraction(0), Fraction(0)),
        (Fraction(-1, 4), Fraction(-1, 4)),
        (Fraction(1, 10**10), Fraction(1, 10**10)),
        (Fraction(5, 7), d("0.7142857143")),  # 0.8 with -0.3: rounded and marked; read back as that decimal
        (Fraction(-2, 3), d("-0.6666666667")),
        (Fraction(1, 2**11), d("0.0004882812")),  # terminates, but beyond 10 places
    ],
    ids=str,
)
def test_parse_reads_what_fmt_writes(value, read):
    assert parse(fmt(value)) == read
    assert type(parse(fmt(value))) is Fraction


@pytest.mark.parametrize(
    "text", ["1/3", "nan", "inf", "1e5", "", "≈", "≈≈0.5", " 0.5", "0.5 ", "+0.5", ".5", "٣", None, 0.5]
)
def test_parse_refuses_anything_fmt_never_writes(text):
    with pytest.raises(ValueError, match="not a CF text"):
        parse(text)


@pytest.mark.parametrize(
    "value",
    [d("0.9232"), Fraction(1, 3), d("0.86688"), Fraction(-1, 4), Fraction(1), Fraction(0), Fraction(5, 7) * 100],
    ids=str,
)
def test_from_number_reads_the_decimal_as_number_wrote(value):
    assert from_number(as_number(value)) == to_decimal(value)


@pytest.mark.parametrize("number", [float("nan"), float("inf"), True, "0.5", None])
def test_from_number_refuses_what_is_not_a_finite_number(number):
    with pytest.raises(ValueError, match="not a CF number"):
        from_number(number)
