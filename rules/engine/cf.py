"""Certainty-factor algebra (MYCIN / EMYCIN), exact: every value is a :class:`fractions.Fraction`.

Combination of two CFs for the same conclusion:

* both >= 0:  x + y(1 - x)
* both < 0:   x + y(1 + x)
* mixed:      (x + y) / (1 - min(|x|, |y|))

The operation is commutative and associative, so the order in which rules fire does not change a
result. It is undefined for +1 with -1 (the denominator is 0). **Policy:** certain evidence for and
certain evidence against a conclusion cancel to 0, whatever else is known, and the result is marked as a
conflict; :class:`Accumulator` tracks this so that the outcome is the same in every firing order.
Premises: ``all`` takes the minimum of its parts, ``any`` the maximum.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import Decimal, localcontext
from fractions import Fraction

ZERO = Fraction(0)
APPROX = "≈"
"""The mark :func:`fmt` puts before a rounded value."""
_DECIMAL_TEXT = re.compile(r"-?[0-9]+(?:\.[0-9]+)?")


def combine(x: Fraction, y: Fraction) -> Fraction:
    """Combine two certainty factors for the same conclusion (see the module text; +1 with -1 gives 0)."""
    # Same-sign cases on the integers directly: x + y(1 -/+ x) over one common denominator. Exact, and
    # several times cheaper than the equivalent chain of Fraction operations on the engine's hot path.
    xn, xd, yn, yd = x.numerator, x.denominator, y.numerator, y.denominator
    if xn >= 0 and yn >= 0:
        return Fraction(xn * yd + yn * (xd - xn), xd * yd)
    if xn < 0 and yn < 0:
        return Fraction(xn * yd + yn * (xd + xn), xd * yd)
    smaller = min(abs(x), abs(y))
    if smaller == 1:
        return ZERO
    return (x + y) / (1 - smaller)


@dataclass
class Accumulator:
    """The running CF of one conclusion. ``add`` returns (before, after)."""

    value: Fraction = ZERO
    certain_for: bool = False
    certain_against: bool = False
    count: int = 0

    @property
    def conflict(self) -> bool:
        """True when certain evidence for and against was both seen (the value is then 0)."""
        return self.certain_for and self.certain_against

    def add(self, cf: Fraction) -> tuple[Fraction, Fraction]:
        before = self.value
        if cf.denominator == 1:  # only +1 and -1 are whole numbers among CFs
            self.certain_for |= cf == 1
            self.certain_against |= cf == -1
        self.value = ZERO if self.conflict else combine(self.value, cf)
        self.count += 1
        return before, self.value


def combine_all(values) -> Fraction:
    """Combine any number of CFs (in any order: the result is the same)."""
    acc = Accumulator()
    for value in values:
        acc.add(Fraction(value))
    return acc.value


def terminates(value: Fraction) -> bool:
    """Whether the fraction has a finite decimal expansion (its denominator has only 2s and 5s)."""
    d = value.denominator
    for p in (2, 5):
        while d % p == 0:
            d //= p
    return d == 1


def to_decimal(value: Fraction, places: int = 10) -> Decimal:
    """The exact decimal when it terminates within ``places`` digits, else rounded half-even to ``places``."""
    if terminates(value):
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        exponent = exact.as_tuple().exponent  # an int for a finite decimal
        if isinstance(exponent, int) and -exponent <= places:
            return exact.normalize() if exact != 0 else Decimal(0)
    q = Decimal(1).scaleb(-places)
    with localcontext() as ctx:
        ctx.prec = 60
        rounded = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(q)
    return rounded.normalize()


_FMT_CACHE: dict[tuple[int, int, int], str] = {}
_FMT_CACHE_SIZE = 4096  # distinct texts kept; a KB's scale and rule CFs make a few hundred


def fmt(value: Fraction, places: int = 10) -> str:
    """Print a CF without float noise: ``0.9232``, ``1``, ``-0.25``; ``≈`` marks a rounded value."""
    # A trace prints the same few values (the scale, the rules' CFs, their combinations) over and over, and
    # the text depends on the value alone: remember it by (numerator, denominator, places), which hash
    # cheaply where a Fraction's own hash does modular arithmetic.
    key = (value.numerator, value.denominator, places)
    text = _FMT_CACHE.get(key)
    if text is None:
        text = _fmt(value, places)
        if len(_FMT_CACHE) >= _FMT_CACHE_SIZE:
            _FMT_CACHE.clear()  # bounded; a rare refill costs less than keeping an LRU order on every hit
        _FMT_CACHE[key] = text
    return text


def _fmt(value: Fraction, places: int) -> str:
    dec = to_decimal(value, places)
    text = format(dec, "f")
    exact = terminates(value) and Fraction(dec) == value
    return text if exact else APPROX + text


def as_number(value: Fraction, places: int = 10) -> float:
    """A JSON number for a CF: the shortest float that prints as the (rounded) decimal."""
    return float(to_decimal(value, places))


def parse(text: str) -> Fraction:
    """The value a :func:`fmt` text stands for: an exact decimal exactly, a ``≈``-marked one as the rounded
    decimal it shows (the exact value was not kept). Raises ValueError for anything else.

    Stored traces hold their numbers in this form; this is the one place that reads them back.
    """
    digits = text.removeprefix(APPROX) if isinstance(text, str) else ""
    if not _DECIMAL_TEXT.fullmatch(digits):  # only what fmt writes: not "1/3", "nan" or "1e5"
        raise ValueError(f"not a CF text: {text!r}")
    return Fraction(digits)


def from_number(value: float | int) -> Fraction:
    """The exact value of a JSON number written by :func:`as_number`: the decimal it prints as."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"not a CF number: {value!r}")
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
