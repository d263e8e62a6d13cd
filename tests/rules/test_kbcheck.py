"""rules.check_kb: the verifier's errors and warnings and the stored cases' results, as one typed record."""

from __future__ import annotations

import pytest

import kb as kbase
import rules
from testing.kbfiles import BASE, OPTIONAL

MINI = {**BASE, **OPTIONAL}
GAP = ("{all: {Q1: tidak, Q2: tidak}}", "{all: {Q1: tidak, Q2: ya}}")  # no rule for the answers No, No
WRONG_CASE = ("expect: PC01", "expect: PC02")


def _check(screening=None, cases=None):
    files = dict(MINI)
    if screening:
        files["screening.yaml"] = files["screening.yaml"].replace(*screening)
    if cases:
        files["cases.yaml"] = files["cases.yaml"].replace(*cases)
    return rules.check_kb(kbase.load_files(files))


def test_the_bundled_kb_is_clean(bundled_kb):
    check = rules.check_kb(bundled_kb)
    assert (check.version, check.errors, check.warnings, check.passed, check.failed) == (
        bundled_kb.version,
        (),
        (),
        147,
        0,
    )
    assert check.clean
    assert "info: 96 answer combinations: S1 16, S2 79, S3 1 [coverage]" in check.infos
    assert check.summary() == {"errors": [], "warnings": [], "cases": {"passed": 147, "failed": 0}, "failures": []}


@pytest.mark.parametrize(
    "screening, cases, summary",
    [
        pytest.param(None, None, {"errors": [], "warnings": [], "cases": {"passed": 2, "failed": 0}, "failures": []}),
        pytest.param(
            None,
            WRONG_CASE,
            {
                "errors": [],
                "warnings": [],
                "cases": {"passed": 1, "failed": 1},
                "failures": ["cases.yaml:7: case C2 failed: top PC01, expected PC02"],
            },
            id="failing-case",
        ),
        pytest.param(
            GAP,
            None,
            {
                "errors": ["error: 1 of 4 answer combinations match no decision rule (e.g. Q1=tidak, Q2=tidak) [gap]"],
                "warnings": [
                    "screening.yaml:30: warning: decision D2 never wins for any answers (it is always matched by a"
                    " rule of higher salience, or never matched) [never-wins]"
                ],
                "cases": {"passed": 2, "failed": 0},
                "failures": [],
            },
            id="verifier-error",
        ),
    ],
)
def test_summary(screening, cases, summary):
    assert _check(screening, cases).summary() == summary


@pytest.mark.parametrize(
    "screening, cases, clean",
    [(None, None, True), (None, WRONG_CASE, False), (GAP, None, False), (GAP, WRONG_CASE, False)],
)
def test_clean_means_no_error_and_no_failed_case(screening, cases, clean):
    assert _check(screening, cases).clean is clean


def test_a_warning_alone_is_clean(kb_copy):
    """A warning is for the engineer (``pakar kb check`` fails on it); it does not block a reload."""
    text = (kb_copy / "rules.yaml").read_text(encoding="utf-8")
    (kb_copy / "rules.yaml").write_text(text[: text.index("  - id: R27")], encoding="utf-8")
    check = rules.check_kb(kbase.load_files(kbase.read_files(kb_copy)))
    assert check.warnings == ("symptoms.yaml:247: warning: symptom GC20 is asked but no rule uses it [unused-symptom]",)
    assert (check.errors, check.clean) == ((), True)
