"""The `pakar` command as a person runs it: exit codes, messages, and never a traceback."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import kb as kbase

PAKAR = str(Path(sys.executable).with_name("pakar"))
ALL_NO = {"Q1": "tidak", "Q2": "tidak", "Q3": "tidak", "Q4": "tidak", "Q5": "tidak", "Q6": "tidak"}


def pakar(*args, stdin=None, cwd=None):
    proc = subprocess.run([PAKAR, *args], input=stdin, capture_output=True, text=True, timeout=120, cwd=cwd)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@pytest.fixture
def kb_copy(tmp_path):
    """A copy of the bundled KB that a test may break."""
    target = tmp_path / "kb"
    shutil.copytree(kbase.bundled_path(), target)
    yield target


def replace(path: Path, old: str, new: str, count: int = 1):
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_kb_check_is_clean_on_the_bundled_kb():
    proc = pakar("kb", "check")
    assert proc.returncode == 0
    assert "verification: 0 errors, 0 warnings; cases: 147 passed, 0 failed" in proc.stdout
    assert proc.stdout.rstrip().endswith("clean")
    assert "96 answer combinations: S1 16, S2 79, S3 1" in proc.stdout


def test_kb_check_reports_file_line_and_exits_2_on_a_broken_kb(kb_copy):
    rules_file = kb_copy / "rules.yaml"
    replace(rules_file, "then: PC02", "then: PC03")
    line = line_of(rules_file, "then: PC03")
    proc = pakar("kb", "check", str(kb_copy))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert f"rules.yaml:{line}:5: rules[9].then: unknown hypothesis or finding 'PC03' (did you mean 'PC02'?" \
        in proc.stderr
    assert proc.stderr.startswith("1 problem in the knowledge base:")


def test_kb_check_reports_yaml_syntax_errors_with_their_line(kb_copy):
    replace(kb_copy / "scale.yaml", "  - code: tidak", "  - code: [tidak")
    proc = pakar("kb", "check", str(kb_copy))
    assert proc.returncode == 2
    assert "scale.yaml:" in proc.stderr and "YAML syntax error" in proc.stderr


def test_kb_check_fails_when_a_stored_case_fails(kb_copy):
    replace(kb_copy / "cases.yaml", "    expect: S3\n", "    expect: S2\n")
    proc = pakar("kb", "check", str(kb_copy))
    assert proc.returncode == 1
    assert "case T3-R96 failed: " in proc.stdout
    assert "cases: 146 passed, 1 failed" in proc.stdout
    assert proc.stdout.rstrip().endswith("NOT clean")


def test_kb_check_fails_on_a_warning(kb_copy):
    # PC02 loses its only GC20 rule: GC20 is then asked but used by no rule.
    text = (kb_copy / "rules.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: R27")
    (kb_copy / "rules.yaml").write_text(text[:start], encoding="utf-8")
    proc = pakar("kb", "check", str(kb_copy))
    assert proc.returncode == 1
    assert "warning: symptom GC20 is asked but no rule uses it [unused-symptom]" in proc.stdout


def test_kb_test_prints_a_table_and_the_pass_count():
    proc = pakar("kb", "test")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["case", "mode", "expect", "got", "result", "detail"]
    assert len(lines) == 1 + 147 + 1
    assert lines[-1] == "147 of 147 case runs passed (115 cases)"
    assert any(line.startswith("T8-2@1 ") and " pass " in line for line in lines)


def test_kb_test_exits_1_and_marks_failures(kb_copy):
    replace(kb_copy / "cases.yaml", "    expect: S3\n", "    expect: S1\n")
    proc = pakar("kb", "test", "--quiet", str(kb_copy))
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "T3-R96       screening  S1      S3      FAIL    by D3", "146 of 147 case runs passed (115 cases)"]


@pytest.mark.parametrize("args, code, out", [
    (["kb", "why", "GC10", "--lang", "en"], 0, "We ask about GC10"),
    (["kb", "why", "Q1"], 0, "Kami menanyakan Q1"),
    (["kb", "why", "GC99"], 2, ""),
    (["kb"], 2, ""),
    (["consult", "--mode", "triage"], 2, ""),
    (["nonsense"], 2, ""),
    (["batch", "--workers", "0"], 2, ""),
    (["batch", "--workers", "many"], 2, ""),
])
def test_exit_codes(args, code, out):
    proc = pakar(*args)
    assert proc.returncode == code
    assert out in proc.stdout


def batch_lines(*requests):
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in requests)


def test_batch_answers_every_line_in_order_and_exits_1_on_a_bad_line():
    stdin = batch_lines({"id": 1, "mode": "diagnosis", "symptoms": {"GC03": 1.0, "GC04": 0.6}},
                        "{not json",
                        {"id": "b", "mode": "screening", "answers": {**ALL_NO, "Q1": "ragu"}},
                        {"id": 4, "mode": "diagnosis", "symptoms": {"GC03": 0.3}},
                        "",
                        {"id": 5, "mode": "screening", "lang": "en", "answers": ALL_NO},
                        '{"id": NaN, "mode": "x"}',
                        '{"id": 7.5, "mode": "x"}')
    proc = pakar("batch", stdin=stdin)
    assert proc.returncode == 1
    out = [json.loads(line) for line in proc.stdout.splitlines()]
    assert [o["id"] for o in out] == [1, None, "b", 4, 5, None, 7.5]
    assert "NaN" not in proc.stdout
    assert out[0]["diagnosis"] == "PC01" and out[0]["trace"]["mode"] == "diagnosis"
    assert out[1]["error"]["code"] == "invalid_json"
    assert out[2]["solution"] == "S2"
    assert out[3] == {"id": 4, "error": {"code": "bad_certainty", "message": (
        "Keyakinan 0.3 untuk GC03 tidak ada di skala; pilih: 0 (tidak), 0.2 (mungkin_tidak), 0.4 (mungkin_iya), "
        "0.6 (kemungkinan_besar), 0.8 (hampir_pasti), 1 (pasti).")}}
    assert out[4]["solution"] == "S3" and out[4]["title"] == kbase.load().solution("S3").title.en


def test_batch_exits_0_when_every_line_is_answered(tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(batch_lines({"mode": "screening", "answers": ALL_NO}), encoding="utf-8")
    proc = pakar("batch", str(source), "--no-trace")
    assert proc.returncode == 0
    result = json.loads(proc.stdout)
    assert result["solution"] == "S3" and "trace" not in result


@pytest.mark.parametrize("make, message", [
    (lambda d: d / "missing.jsonl", "pakar: cannot read"),
    (lambda d: (d / "latin1.jsonl").write_bytes(b'{"mode": "\xe9"}\n') and d / "latin1.jsonl", "is not UTF-8 text"),
])
def test_batch_input_that_cannot_be_read_is_one_line_and_exit_2(tmp_path, make, message):
    proc = pakar("batch", str(make(tmp_path)))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr


def test_parallel_batch_output_equals_serial(tmp_path):
    kb = kbase.load()
    codes = [s.code for s in kb.symptoms]
    requests = []
    for i in range(600):
        if i % 2:
            requests.append({"id": i, "mode": "diagnosis",
                             "symptoms": {codes[(i + k) % 20]: [0.2, 0.4, 0.6, 0.8, 1.0][k % 5] for k in range(i % 9)}})
        else:
            requests.append({"id": i, "mode": "screening", "answers": {**ALL_NO, "Q4": "ya" if i % 4 else "tidak"}})
    requests[300] = "oops"
    source = tmp_path / "big.jsonl"
    source.write_text(batch_lines(*requests), encoding="utf-8")
    serial = pakar("batch", str(source), "--workers", "1")
    parallel = pakar("batch", str(source), "--workers", "2")
    assert serial.returncode == parallel.returncode == 1
    assert parallel.stdout == serial.stdout
    assert len(parallel.stdout.splitlines()) == 600


SCREENING_S1 = "1\n1\n2\n2\n1\n1\n2\n"      # mode 1, then Q1..Q6: ya, tidak, tidak, ya, ya, tidak


@pytest.mark.parametrize("args, stdin, expect", [
    (["consult"], SCREENING_S1, "S1: Kemungkinan besar Anda tertular COVID-19"),
    (["consult", "--mode", "screening", "--lang", "en"], "9\nmaybe\n1\n2\n2\n1\n1\n2\n",
     "S1: You are likely to have COVID-19"),
    (["consult", "--mode", "screening"], "1\n<\n3\n2\n2\n2\n2\n2\n", "S3:"),
    (["consult", "--mode", "diagnosis", "--lang", "en"], "\n" * 2 + "5\n5\n5\n" + "\n" * 4 + "5\n" + "\n" * 10,
     "PC02 Probable COVID-19"),
])
def test_consult_in_the_terminal(args, stdin, expect):
    proc = pakar(*args, stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    assert expect in proc.stdout


def test_consult_shows_emergency_signs_first_and_why_on_request():
    proc = pakar("consult", "--mode", "screening", "--lang", "en", stdin="?\n1\n2\n2\n2\n2\n2\n")
    assert proc.returncode == 0
    first_question = proc.stdout.index("Question 1/6")
    assert proc.stdout.index("DANGER SIGNS") < first_question
    assert "We ask Q1 because these rules use the answer: D1" in proc.stdout
    assert "Answer not recognised" not in proc.stdout


def test_consult_cancelled_by_end_of_input_exits_1():
    proc = pakar("consult", "--mode", "diagnosis", stdin="5\n")
    assert proc.returncode == 1
    assert proc.stderr.strip() == "Konsultasi dibatalkan."
