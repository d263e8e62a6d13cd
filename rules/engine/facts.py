"""The facts a consultation asserts into working memory."""

from __future__ import annotations

from rules.engine._experta import experta


class Evidence(experta.Fact):
    """Something known with a certainty: a symptom the person reported (``source='user'``) or a finding
    that rules concluded (``source='rules'``). ``cf`` is an exact Fraction; only values above 0 are
    asserted, since a premise at or below 0 never lets a rule fire."""


class Answer(experta.Fact):
    """One answer of the quick screening: ``question`` code and ``value`` (an answer code)."""
