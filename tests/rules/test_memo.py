"""The per-process result memo (rules.memo): a repeated request gets the same result, as a fresh copy."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest

import rules
from rules.memo import ResultMemo, copy_result, memo, request_key

DIAGNOSIS = {"mode": "diagnosis", "lang": "en", "symptoms": {"GC03": 1, "GC06": Decimal("0.8")}}
SCREENING = {
    "mode": "screening",
    "answers": {"Q1": "ya", "Q2": "tidak", "Q3": "ya", "Q4": "tidak", "Q5": "tidak", "Q6": "tidak"},
}


@pytest.fixture
def fresh_memo():
    """The process's memo, empty before and after the test (other tests see no results of this one)."""
    memo.clear()
    yield memo
    memo.clear()


@pytest.mark.parametrize("request_body", [DIAGNOSIS, SCREENING], ids=["diagnosis", "screening"])
def test_a_repeated_request_gets_the_result_the_engine_gives(kb, fresh_memo, request_body):
    first = rules.consult(kb, request_body)
    again = rules.consult(kb, request_body)
    assert (fresh_memo.misses, fresh_memo.hits) == (1, 1)
    fresh_memo.size = 0  # off: the engine answers
    try:
        computed = rules.consult(kb, request_body)
    finally:
        fresh_memo.size = 1024
    assert again == first == computed
    assert json.dumps(again) == json.dumps(computed)  # the same keys in the same order


def test_each_caller_gets_its_own_copy(kb, fresh_memo):
    first = rules.consult(kb, DIAGNOSIS)
    first["advice"] = "changed"
    first["trace"]["firings"].clear()
    second = rules.consult(kb, DIAGNOSIS)
    assert second["advice"] != "changed"
    assert second["trace"]["firings"]
    second["ranking"][0]["code"] = "changed"
    assert rules.consult(kb, DIAGNOSIS)["ranking"][0]["code"] != "changed"


def test_with_and_without_trace_are_kept_apart(kb, fresh_memo):
    assert "trace" in rules.consult(kb, DIAGNOSIS)
    assert rules.consult(kb, DIAGNOSIS, trace=False).get("trace") is None
    assert fresh_memo.misses == 2


def test_a_bad_request_is_refused_every_time_and_not_kept(kb, fresh_memo):
    bad = {"mode": "diagnosis", "symptoms": {"NOPE": 1}}
    for _ in range(2):
        with pytest.raises(rules.InputError):
            rules.consult(kb, bad)
    assert len(fresh_memo) == 0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ({"x": 1}, {"x": "1"}),
        ({"x": Decimal("1")}, {"x": "1"}),
        ({"x": Decimal("0.8")}, {"x": {"\x00exact": "0.8"}}),
        ({"x": Decimal("0.8")}, {"x": Decimal("0.80")}),
        ({"x": Decimal("1"), "y": "1"}, {"x": "1", "y": Decimal("1")}),
        ({"x": 1}, {"x": 1.0}),
        ({"x": 0.0}, {"x": -0.0}),
        ({"x": [1]}, {"x": {"0": 1}}),
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),  # key order is kept: a result may list answers in request order
        ({"x": True}, {"x": 1}),
    ],
)
def test_requests_that_differ_have_different_keys(a, b):
    assert request_key(a) != request_key(b)


def test_exact_numbers_have_keys_and_other_objects_are_not_memoised():
    assert request_key({"x": Fraction(1, 3)}) == request_key({"x": Fraction(2, 6)})
    assert request_key({"x": object()}) is None
    assert request_key({"x": (1, 2)}) is None


def test_the_memo_is_bounded_and_forgets_the_least_recently_used(kb):
    small = ResultMemo(size=2)
    answers = iter(range(100))

    def compute():
        return {"n": next(answers)}

    for body in ({"r": 1}, {"r": 2}, {"r": 1}, {"r": 3}):  # r=2 is now the least recently used
        small.answer(kb, True, body, compute)
    assert len(small) == 2
    assert small.answer(kb, True, {"r": 1}, compute) == {"n": 0}
    assert small.answer(kb, True, {"r": 2}, compute) == {"n": 3}  # forgotten: computed again
    assert (small.hits, small.misses) == (2, 4)


def test_copy_result_shares_nothing_mutable():
    value = {"a": [1, {"b": (2, [3])}], "c": "text"}
    copied = copy_result(value)
    assert copied == value
    assert copied["a"] is not value["a"]
    assert copied["a"][1] is not value["a"][1]
    assert copied["a"][1]["b"][1] is not value["a"][1]["b"][1]
