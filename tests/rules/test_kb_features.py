"""Each feature of the KB format, shown on a small KB run through the real Experta engine, with exact CFs:
`all` premises (MIN), `any` premises (MAX, applied once), chaining through findings, evidence against
(negative CF), thresholds, an empty consultation, and deterministic traces across processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from fractions import Fraction
from pathlib import Path

import pytest

import kb as kbase
from rules.engine.engines import build_engine
from testing.kbfiles import FINDING_F

# ``feature_kb(RULES, findings)`` (tests/rules/conftest.py) writes and loads a KB with symptoms A..E and
# hypotheses H1, H2 (testing/kbfiles.py).


def consult(knowledge, **symptoms):
    engine = build_engine(knowledge, "diagnosis")
    state = engine.consult({code: Fraction(value) for code, value in symptoms.items()})
    return engine, state


def cfs(state) -> dict:
    return {row["code"]: row["cf"] for row in state.ranking}


def firings_of(engine, rule_id) -> list:
    return [f for f in engine.trace.to_dict()["firings"] if f["rule"] == rule_id]


# --- (a) `all`: the minimum of the parts; nothing when a part is missing -------------------------------------

ALL_RULES = """\
rules:
  - id: R1
    if: {all: [A, B]}
    then: H1
    cf: 0.5
    source: src
  - id: R2
    if: {all: [C, {any: [D, E]}]}
    then: H2
    cf: 0.5
    source: src
"""


def test_all_premise_takes_the_minimum(feature_kb):
    engine, state = consult(feature_kb(ALL_RULES), A="0.6", B="0.8")
    assert cfs(state) == {"H1": Fraction(3, 10)}
    (firing,) = firings_of(engine, "R1")
    assert (firing["premise_cf"], firing["rule_cf"], firing["cf"], firing["after"]) == ("0.6", "0.5", "0.3", "0.3")
    assert firing["bindings"] == {"A": "0.6", "B": "0.8"}


@pytest.mark.parametrize("given", [{"A": "0.6"}, {"B": "0.8"}, {"A": "0.6", "C": "1"}], ids=str)
def test_all_premise_does_not_fire_when_a_part_is_missing(feature_kb, given):
    engine, state = consult(feature_kb(ALL_RULES), **given)
    assert state.ranking == []
    assert state.acc == {}
    assert firings_of(engine, "R1") == []


def test_all_with_a_nested_any(feature_kb):
    # min(0.8, max(0.4, 0.6)) = 0.6; x 0.5 = 0.3, applied once although D and E both match
    engine, state = consult(feature_kb(ALL_RULES), C="0.8", D="0.4", E="0.6")
    assert cfs(state) == {"H2": Fraction(3, 10)}
    notes = [(f.get("cf"), f.get("note")) for f in firings_of(engine, "R2")]
    assert notes == [("0.3", None), (None, "premise already applied")]
    assert state.acc["H2"].count == 1


# --- (b) `any`: the maximum, applied once --------------------------------------------------------------------

ANY_RULES = """\
rules:
  - id: R1
    if: {any: [A, B, C]}
    then: H1
    cf: 0.5
    source: src
"""


def test_any_premise_takes_the_maximum_once(feature_kb):
    engine, state = consult(feature_kb(ANY_RULES), A="0.6", B="0.8")
    assert cfs(state) == {"H1": Fraction(2, 5)}  # 0.5 x max(0.6, 0.8); not 0.5 x 0.6 combined with 0.5 x 0.8
    assert state.acc["H1"].count == 1
    firings = firings_of(engine, "R1")
    assert len(firings) == 2
    applied, repeated = firings
    assert (applied["premise_cf"], applied["cf"], applied["before"], applied["after"]) == ("0.8", "0.4", "0", "0.4")
    assert repeated["note"] == "premise already applied"
    assert "cf" not in repeated and "after" not in repeated


@pytest.mark.parametrize(
    "given, expected",
    [
        ({"C": "0.2"}, Fraction(1, 10)),
        ({"A": "1", "B": "0.2", "C": "0.4"}, Fraction(1, 2)),
    ],
    ids=str,
)
def test_any_premise_values(feature_kb, given, expected):
    engine, state = consult(feature_kb(ANY_RULES), **given)
    assert cfs(state) == {"H1": expected}
    firings = firings_of(engine, "R1")
    assert sum("cf" in f for f in firings) == 1
    assert [f.get("note") for f in firings if "cf" not in f] == ["premise already applied"] * (len(given) - 1)


# --- (c) chaining through a finding --------------------------------------------------------------------------

# The higher-layer rules come FIRST in the file: the layering, not the file order, makes them wait.
CHAIN_RULES = """\
rules:
  - id: R3
    if: F
    then: H1
    cf: 0.8
    source: src
  - id: R4
    if: {all: [F, C]}
    then: H2
    cf: 1.0
    source: src
  - id: R1
    if: A
    then: F
    cf: 0.5
    source: src
  - id: R2
    if: B
    then: F
    cf: 0.5
    source: src
"""


def test_finding_is_complete_before_the_layer_above_fires(feature_kb):
    knowledge = feature_kb(CHAIN_RULES, FINDING_F)
    assert {r.id: r.stratum for r in knowledge.rules} == {"R3": 1, "R4": 1, "R1": 0, "R2": 0}
    engine, state = consult(knowledge, A="1", B="1", C="0.4")
    # F = 0.5 + 0.5 x 0.5 = 0.75;  H1 = 0.8 x 0.75 = 0.6;  H2 = 1.0 x min(0.75, 0.4) = 0.4
    assert state.known["F"] == Fraction(3, 4)
    assert state.acc["F"].value == Fraction(3, 4)
    assert cfs(state) == {"H1": Fraction(3, 5), "H2": Fraction(2, 5)}
    trace = engine.trace.to_dict()
    assert [f["rule"] for f in trace["firings"]] == ["R1", "R2", "publish-layer-0", "R3", "R4", "rank"]
    publish = trace["firings"][2]
    assert publish["bindings"] == {"F": "0.75"}
    r3, r4 = trace["firings"][3], trace["firings"][4]
    assert (r3["premise_cf"], r3["cf"]) == ("0.75", "0.6")
    assert (r4["premise_cf"], r4["cf"]) == ("0.4", "0.4")
    assert [(f["code"], f["value"], f["from"]) for f in trace["facts"]] == [
        ("A", "1", "user"),
        ("B", "1", "user"),
        ("C", "0.4", "user"),
        ("F", "0.75", "publish-layer-0"),
    ]
    # the hypotheses count the reported symptoms beneath them, through the finding
    assert {r["code"]: r["evidence"] for r in trace["ranking"]} == {"H1": 2, "H2": 3}


@pytest.mark.parametrize(
    "given, expected",
    [
        ({"A": "1"}, {"H1": Fraction(2, 5)}),  # F = 0.5
        ({"A": "1", "B": "1", "C": "1"}, {"H1": Fraction(3, 5), "H2": Fraction(3, 4)}),  # min(0.75, 1) = 0.75
        ({"A": "0.4", "C": "1"}, {"H1": Fraction(4, 25), "H2": Fraction(1, 5)}),  # F = 0.2; H1 = 0.16
        ({"C": "1"}, {}),  # no F, so nothing
    ],
    ids=str,
)
def test_chaining_values(feature_kb, given, expected):
    _, state = consult(feature_kb(CHAIN_RULES, FINDING_F), **given)
    assert cfs(state) == expected


TWO_LAYER_FINDING = """\
findings:
  - {code: F, name: {id: Temuan F, en: Finding F}, source: src}
  - {code: G, name: {id: Temuan G, en: Finding G}, source: src}
"""

# F is concluded in layer 0 (from A) and in layer 1 (from G, itself concluded from B).
TWO_LAYER_RULES = """\
rules:
  - {id: R1, if: A, then: F, cf: 0.5, source: src}
  - {id: R2, if: B, then: G, cf: 0.5, source: src}
  - {id: R3, if: G, then: F, cf: 1.0, source: src}
  - {id: R4, if: F, then: H1, cf: 1.0, source: src}
"""


def test_a_finding_concluded_in_two_layers_is_published_once_when_complete(feature_kb):
    knowledge = feature_kb(TWO_LAYER_RULES, TWO_LAYER_FINDING)
    assert {r.id: r.stratum for r in knowledge.rules} == {"R1": 0, "R2": 0, "R3": 1, "R4": 2}
    engine, state = consult(knowledge, A="1", B="1")
    # G = 0.5; F = 0.5 (A) then + 0.5 x 0.5 (G) = 0.75; H1 = 0.75, from one F fact
    assert cfs(state) == {"H1": Fraction(3, 4)}
    trace = engine.trace.to_dict()
    assert [f["rule"] for f in trace["firings"]] == [
        "R1",
        "R2",
        "publish-layer-0",
        "R3",
        "publish-layer-1",
        "R4",
        "rank",
    ]
    assert [(f["code"], f["value"]) for f in trace["facts"] if f["from"] != "user"] == [("G", "0.5"), ("F", "0.75")]
    assert trace["ranking"][0]["evidence"] == 2


# --- (d) evidence against -------------------------------------------------------------------------------------

NEGATIVE_RULES = """\
rules:
  - id: R1
    if: A
    then: H1
    cf: 0.8
    source: src
  - id: R2
    if: B
    then: H1
    cf: -0.6
    source: src
  - id: R3
    if: C
    then: H2
    cf: 0.2
    source: src
  - id: R4
    if: D
    then: H2
    cf: 1.0
    source: src
  - id: R5
    if: E
    then: H2
    cf: -1.0
    source: src
"""


def test_negative_cf_lowers_the_hypothesis(feature_kb):
    engine, state = consult(feature_kb(NEGATIVE_RULES), A="1", B="1")
    assert cfs(state) == {"H1": Fraction(1, 2)}  # (0.8 - 0.6) / (1 - 0.6)
    # B speaks against H1, so it is not counted among the symptoms that support H1
    assert state.ranking[0]["evidence"] == 1
    (r2,) = firings_of(engine, "R2")
    assert (r2["cf"], r2["before"], r2["after"]) == ("-0.6", "0.8", "0.5")


@pytest.mark.parametrize(
    "given, expected",
    [
        ({"B": "1"}, [("H1", Fraction(-3, 5))]),
        ({"B": "0.5"}, [("H1", Fraction(-3, 10))]),
        ({"B": "1", "C": "1"}, [("H2", Fraction(1, 5)), ("H1", Fraction(-3, 5))]),
        ({"A": "0.5", "B": "1"}, [("H1", Fraction(-1, 3))]),  # (0.4 - 0.6) / (1 - 0.4)
    ],
    ids=str,
)
def test_evidence_against_ranks_low(feature_kb, given, expected):
    _, state = consult(feature_kb(NEGATIVE_RULES), **given)
    assert [(row["code"], row["cf"]) for row in state.ranking] == expected
    assert [row["rank"] for row in state.ranking] == list(range(1, len(expected) + 1))


def test_certain_for_and_against_is_a_conflict(feature_kb):
    engine, state = consult(feature_kb(NEGATIVE_RULES), C="1", D="1", E="1")
    assert cfs(state) == {"H2": Fraction(0)}
    assert state.ranking[0]["conflict"] is True
    (r5,) = firings_of(engine, "R5")
    assert r5["after"] == "0"
    assert r5["note"] == "conflict: certain evidence for and against"


# --- (e) threshold ------------------------------------------------------------------------------------------------

THRESHOLD_RULES = """\
rules:
  - id: R1
    if: A
    then: H1
    cf: 1.0
    threshold: 0.4
    source: src
  - id: R2
    if: B
    then: H1
    cf: 0.5
    source: src
"""


@pytest.mark.parametrize("level", ["0.2", "0.4"])
def test_premise_at_or_below_the_threshold_changes_nothing(feature_kb, level):
    engine, state = consult(feature_kb(THRESHOLD_RULES), A=level)
    assert state.ranking == []
    assert "H1" not in state.acc
    (firing,) = firings_of(engine, "R1")
    assert firing["premise_cf"] == level
    assert "cf" not in firing and "conclusion" not in firing
    assert firing["note"] == "premise CF not above threshold 0.4"


def test_threshold_does_not_touch_other_evidence(feature_kb):
    _engine, state = consult(feature_kb(THRESHOLD_RULES), A="0.4", B="1")
    assert cfs(state) == {"H1": Fraction(1, 2)}
    assert state.acc["H1"].count == 1


def test_premise_above_the_threshold_fires(feature_kb):
    engine, state = consult(feature_kb(THRESHOLD_RULES), A="0.6")
    assert cfs(state) == {"H1": Fraction(3, 5)}
    (firing,) = firings_of(engine, "R1")
    assert (firing["premise_cf"], firing["cf"], firing["after"]) == ("0.6", "0.6", "0.6")
    assert "note" not in firing


# --- (f) nothing reported --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("given", [{}, {"A": "0", "B": "0"}], ids=["empty", "all-zero"])
def test_no_symptoms_no_ranking(feature_kb, given):
    engine, state = consult(feature_kb(CHAIN_RULES, FINDING_F), **given)
    assert state.ranking == []
    assert state.acc == {}
    trace = engine.trace.to_dict()
    assert trace["facts"] == []
    # the layer-0 findings are published (none here) and the hypotheses ranked (none): no CF rule fired
    assert [(f["rule"], f["bindings"]) for f in trace["firings"]] == [("publish-layer-0", {}), ("rank", {})]
    assert trace["ranking"] == [] and trace["tie_breaks"] == []


# --- (g) determinism --------------------------------------------------------------------------------------------------

MIXED_RULES = """\
rules:
  - id: R1
    if: {any: [A, B]}
    then: F
    cf: 0.9
    source: src
  - id: R2
    if: {all: [F, C]}
    then: H1
    cf: 0.7
    source: src
  - id: R3
    if: D
    then: H1
    cf: -0.4
    source: src
  - id: R4
    if: {any: [D, E]}
    then: H2
    cf: 0.6
    source: src
  - id: R5
    if: C
    then: H2
    cf: 0.5
    source: src
"""

GIVEN = {"A": "1", "B": "0.6", "C": "0.8", "D": "0.4", "E": "0.8"}

SCRIPT = """\
import json
from fractions import Fraction
import kb
from rules.engine.engines import build_engine
knowledge = kb.load("kb")
engine = build_engine(knowledge, "diagnosis")
engine.consult({code: Fraction(value) for code, value in %r.items()})
print(json.dumps(engine.trace.to_dict()))
""" % (GIVEN,)  # noqa: UP031 - %-formatting keeps the script's own braces literal


def test_same_consultation_twice_gives_the_same_trace(feature_kb):
    knowledge = feature_kb(MIXED_RULES, FINDING_F)
    engine = build_engine(knowledge, "diagnosis")
    engine.consult({k: Fraction(v) for k, v in GIVEN.items()})
    first = engine.trace.to_dict()
    engine.consult({k: Fraction(v) for k, v in GIVEN.items()})
    second = engine.trace.to_dict()
    other = build_engine(knowledge, "diagnosis")
    other.consult({k: Fraction(v) for k, v in GIVEN.items()})
    assert first == second == other.trace.to_dict()
    # F = 0.9 x max(1, 0.6) = 0.9;  H1: 0.7 x min(0.9, 0.8) = 0.56 with -0.4 x 0.4 = -0.16 -> 0.4/0.84 = 10/21
    # H2: 0.6 x max(0.4, 0.8) = 0.48 with 0.5 x 0.8 = 0.4 -> 0.48 + 0.4 x 0.52 = 0.688
    assert [(r["code"], r["cf"]) for r in first["ranking"]] == [("H2", "0.688"), ("H1", "≈0.4761904762")]


@pytest.mark.slow  # three fresh Python processes
def test_trace_is_identical_in_fresh_processes_with_other_hash_seeds(feature_kb, tmp_path):
    knowledge = feature_kb(MIXED_RULES, FINDING_F)
    engine = build_engine(knowledge, "diagnosis")
    engine.consult({k: Fraction(v) for k, v in GIVEN.items()})
    here = json.dumps(engine.trace.to_dict())
    repo = str(Path(kbase.__file__).resolve().parent.parent)
    outputs = []
    for seed in ("0", "1", "4242"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=repo)
        done = subprocess.run(
            [sys.executable, "-c", SCRIPT], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
        )
        assert done.returncode == 0, done.stderr
        outputs.append(done.stdout.strip())
    assert outputs == [here] * 3
