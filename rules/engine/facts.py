"""The facts a consultation asserts into working memory."""

from __future__ import annotations

from fractions import Fraction

from rules.engine._experta import experta

_PLAIN_VALUES = (str, Fraction)


class PlainFact(experta.Fact):
    """An Experta fact of keyword fields whose values are strings or Fractions.

    Experta's ``Fact.__init__`` passes every value through ``freeze`` (a singledispatch ending in an
    ``isinstance`` check against the ``Hashable`` ABC), and every declaration asks each fact whether it
    holds conditional elements or nested accessors. For a string or a Fraction ``freeze`` returns the value
    itself and both answers are no, so such a fact is filled in directly and answers at once; anything
    else (a pattern's ``P``/``L`` constraint, positional fields) goes through Experta's own code.
    """

    _plain = False

    def __init__(self, *args, **kwargs):
        if args or not all(type(value) in _PLAIN_VALUES for value in kwargs.values()):
            super().__init__(*args, **kwargs)
            return
        dict.update(self, kwargs)  # what Fact.update does for these values: freeze() returns them unchanged
        self._Fact__defaults = {}
        self._plain = all("__" not in key for key in kwargs)

    def has_field_constraints(self):
        return False if self._plain else super().has_field_constraints()

    def has_nested_accessor(self):
        return False if self._plain else super().has_nested_accessor()


class Evidence(PlainFact):
    """Something known with a certainty: a symptom the person reported (``source='user'``) or a finding
    that rules concluded (``source='rules'``). ``cf`` is an exact Fraction; only values above 0 are
    asserted, since a premise at or below 0 never lets a rule fire."""


class Answer(PlainFact):
    """One answer of the quick screening: ``question`` code and ``value`` (an answer code)."""
