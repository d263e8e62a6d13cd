"""The `pakar` command as a person runs it: exit codes, messages, and never a traceback.

Commands run in-process through ``rules.cli.main`` (standard input replaced, output captured); one test
starts the installed console script and ``python -m rules`` to show that they reach the same ``main``.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import kb
from rules.cli import main
from testing.kbfiles import replace_in as replace

ALL_NO = {"Q1": "tidak", "Q2": "tidak", "Q3": "tidak", "Q4": "tidak", "Q5": "tidak", "Q6": "tidak"}


@dataclass(frozen=True)
class Run:
    """What one `pakar` run gave."""

    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def pakar(capsys, monkeypatch):
    """Run `pakar ARGS...` in this process, with ``stdin`` as its standard input."""

    def run(*args: str, stdin: str = "") -> Run:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse's usage errors and --version end this way
            code = exc.code
        out, err = capsys.readouterr()
        assert "Traceback" not in err, err
        return Run(code, out, err)

    yield run


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


def test_kb_check_is_clean_on_the_bundled_kb(pakar):
    proc = pakar("kb", "check")
    assert proc.returncode == 0
    assert "verification: 0 errors, 0 warnings; cases: 147 passed, 0 failed" in proc.stdout
    assert proc.stdout.rstrip().endswith("clean")
    assert "96 answer combinations: S1 16, S2 79, S3 1" in proc.stdout


def test_kb_check_reports_file_line_and_exits_2_on_a_broken_kb(pakar, kb_copy):
    rules_file = kb_copy / "rules.yaml"
    replace(rules_file, "then: PC02", "then: PC03")
    line = line_of(rules_file, "then: PC03")
    proc = pakar("kb", "check", str(kb_copy))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert (
        f"rules.yaml:{line}:5: rules[9].then: unknown hypothesis or finding 'PC03' (did you mean 'PC02'?" in proc.stderr
    )
    assert proc.stderr.startswith("1 problem in the knowledge base:")


def test_kb_check_reports_yaml_syntax_errors_with_their_line(pakar, kb_copy):
    replace(kb_copy / "scale.yaml", "  - code: tidak", "  - code: [tidak")
    proc = pakar("kb", "check", str(kb_copy))
    assert proc.returncode == 2
    assert "scale.yaml:" in proc.stderr and "YAML syntax error" in proc.stderr


def test_kb_check_fails_when_a_stored_case_fails(pakar, kb_copy):
    replace(kb_copy / "cases.yaml", "    expect: S3\n", "    expect: S2\n")
    proc = pakar("kb", "check", str(kb_copy))
    assert proc.returncode == 1
    assert "case T3-R96 failed: " in proc.stdout
    assert "cases: 146 passed, 1 failed" in proc.stdout
    assert proc.stdout.rstrip().endswith("NOT clean")


def test_kb_check_fails_on_a_warning(pakar, kb_copy):
    # PC02 loses its only GC20 rule: GC20 is then asked but used by no rule.
    text = (kb_copy / "rules.yaml").read_text(encoding="utf-8")
    start = text.index("  - id: R27")
    (kb_copy / "rules.yaml").write_text(text[:start], encoding="utf-8")
    proc = pakar("kb", "check", str(kb_copy))
    assert proc.returncode == 1
    assert "warning: symptom GC20 is asked but no rule uses it [unused-symptom]" in proc.stdout


def test_kb_test_prints_a_table_and_the_pass_count(pakar):
    proc = pakar("kb", "test")
    assert proc.returncode == 0
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["case", "mode", "expect", "got", "result", "detail"]
    assert len(lines) == 1 + 147 + 1
    assert lines[-1] == "147 of 147 case runs passed (115 cases)"
    assert any(line.startswith("T8-2@1 ") and " pass " in line for line in lines)


def test_kb_test_exits_1_and_marks_failures(pakar, kb_copy):
    replace(kb_copy / "cases.yaml", "    expect: S3\n", "    expect: S1\n")
    proc = pakar("kb", "test", "--quiet", str(kb_copy))
    assert proc.returncode == 1
    assert proc.stdout.splitlines() == [
        "T3-R96       screening  S1      S3      FAIL    by D3",
        "146 of 147 case runs passed (115 cases)",
    ]


@pytest.mark.parametrize(
    "args, code, out",
    [
        (["kb", "why", "GC10", "--lang", "en"], 0, "We ask about GC10"),
        (["kb", "why", "Q1"], 0, "Kami menanyakan Q1"),
        (["kb", "why", "GC99"], 2, ""),
        (["kb"], 2, ""),
        (["consult", "--mode", "triage"], 2, ""),
        (["consult", "--lang", "fr"], 2, ""),
        (["kb", "why", "Q1", "--lang", "EN"], 2, ""),
        (["nonsense"], 2, ""),
        (["batch", "--workers", "0"], 2, ""),
        (["batch", "--workers", "many"], 2, ""),
    ],
)
def test_exit_codes(pakar, args, code, out):
    proc = pakar(*args)
    assert proc.returncode == code
    assert out in proc.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        pytest.param(["kb", "why", "GC99"], "pakar: unknown symptom or question 'GC99'", id="unknown code"),
        pytest.param(
            ["batch", "missing.jsonl"],
            "pakar: cannot read missing.jsonl: No such file or directory",
            id="missing input",
        ),
    ],
)
def test_a_command_that_cannot_run_says_why_in_one_line(pakar, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    proc = pakar(*args)
    assert (proc.returncode, proc.stdout, proc.stderr) == (2, "", message + "\n")


def test_the_language_choices_are_the_ones_pakar_speaks(pakar):
    proc = pakar("consult", "--help")
    assert proc.returncode == 0
    assert "--lang {id,en}" in proc.stdout


def batch_lines(*requests):
    return "".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in requests)


def refuse(constant):
    raise AssertionError(f"{constant} in the output")


def test_batch_answers_every_line_in_order_and_exits_1_on_a_bad_line(pakar):
    stdin = batch_lines(
        {"id": 1, "mode": "diagnosis", "symptoms": {"GC03": 1.0, "GC04": 0.6}},
        "{not json",
        {"id": "b", "mode": "screening", "answers": {**ALL_NO, "Q1": "ragu"}},
        {"id": 4, "mode": "diagnosis", "symptoms": {"GC03": 0.3}},
        "",
        {"id": 5, "mode": "screening", "lang": "en", "answers": ALL_NO},
        '{"id": NaN, "mode": "x"}',
        '{"id": 7.5, "mode": "x"}',
    )
    proc = pakar("batch", stdin=stdin)
    assert proc.returncode == 1
    out = [json.loads(line, parse_constant=refuse) for line in proc.stdout.splitlines()]  # no NaN in the output
    assert [o["id"] for o in out] == [1, None, "b", 4, 5, None, 7.5]
    assert out[5]["error"] == {"code": "invalid_json", "message": "NaN bukan angka JSON; kirim angka yang terhingga."}
    assert out[0]["diagnosis"] == "PC01" and out[0]["trace"]["mode"] == "diagnosis"
    assert out[1]["error"]["code"] == "invalid_json"
    assert out[2]["solution"] == "S2"
    assert out[3] == {
        "id": 4,
        "error": {
            "code": "bad_certainty",
            "message": (
                "Keyakinan 0.3 untuk GC03 tidak ada di skala; pilih: 0 (tidak), 0.2 (mungkin_tidak), "
                "0.4 (mungkin_iya), 0.6 (kemungkinan_besar), 0.8 (hampir_pasti), 1 (pasti)."
            ),
        },
    }
    assert out[4]["solution"] == "S3" and out[4]["title"] == kb.load().solution("S3").title.en


@pytest.mark.parametrize(
    "line, message",
    [
        pytest.param(
            '{"mode": "screening", "mode": "diagnosis", "symptoms": {}}',
            "Kunci 'mode' muncul lebih dari sekali dalam satu objek.",
            id="mode twice",
        ),
        pytest.param(
            '{"id": 3, "mode": "diagnosis", "symptoms": {"GC03": 1, "GC03": 0}}',
            "Kunci 'GC03' muncul lebih dari sekali dalam satu objek.",
            id="symptom twice",
        ),
        pytest.param(
            '{"mode": "diagnosis", "symptoms": {"GC03": 1e400}}',
            "Angka 1e400 di luar jangkauan angka JSON yang dapat dipertukarkan.",
            id="beyond a double",
        ),
        pytest.param(
            '{"mode": "diagnosis", "id": ' + "[" * 40 + "]" * 40 + ', "symptoms": {}}',
            "JSON dalam permintaan bersarang terlalu dalam.",
            id="nested 40 deep",
        ),
        pytest.param(
            '{"mode": "diagnosis",}', "Isi permintaan bukan JSON yang sah (baris 1, kolom 22).", id="trailing comma"
        ),
    ],
)
def test_batch_reads_lines_as_strictly_as_the_api_reads_a_body(pakar, line, message):
    """One JSON reader for both: a line the API would refuse as bad_json is an invalid_json line here."""
    proc = pakar("batch", stdin=line + "\n")
    assert proc.returncode == 1
    assert json.loads(proc.stdout) == {"id": None, "error": {"code": "invalid_json", "message": message}}


def test_batch_exits_0_when_every_line_is_answered(pakar, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(batch_lines({"mode": "screening", "answers": ALL_NO}), encoding="utf-8")
    proc = pakar("batch", str(source), "--no-trace")
    assert proc.returncode == 0
    result = json.loads(proc.stdout)
    assert result["solution"] == "S3" and "trace" not in result


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda d: d / "missing.jsonl", "pakar: cannot read"),
        (lambda d: (d / "latin1.jsonl").write_bytes(b'{"mode": "\xe9"}\n') and d / "latin1.jsonl", "is not UTF-8 text"),
    ],
)
def test_batch_input_that_cannot_be_read_is_one_line_and_exit_2(pakar, tmp_path, make, message):
    proc = pakar("batch", str(make(tmp_path)))
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert len(proc.stderr.strip().splitlines()) == 1 and message in proc.stderr


@pytest.mark.slow  # 600 consultations twice, the second time over two worker processes
def test_parallel_batch_output_equals_serial(pakar, tmp_path):
    codes = [s.code for s in kb.load().symptoms]
    requests = []
    for i in range(600):
        if i % 2:
            requests.append(
                {
                    "id": i,
                    "mode": "diagnosis",
                    "symptoms": {codes[(i + k) % 20]: [0.2, 0.4, 0.6, 0.8, 1.0][k % 5] for k in range(i % 9)},
                }
            )
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


SCREENING_S1 = "1\n1\n2\n2\n1\n1\n2\n"  # mode 1, then Q1..Q6: ya, tidak, tidak, ya, ya, tidak


@pytest.mark.parametrize(
    "args, stdin, expect",
    [
        (["consult"], SCREENING_S1, "S1: Jawaban Anda cocok dengan tanda COVID-19 yang paling serius dalam model ini"),
        (
            ["consult", "--mode", "screening", "--lang", "en"],
            "9\nmaybe\n1\n2\n2\n1\n1\n2\n",
            "S1: Your answers match the model's most serious pattern of COVID-19 signs",
        ),
        (["consult", "--mode", "screening"], "1\n<\n3\n2\n2\n2\n2\n2\n", "S3:"),
        (
            ["consult", "--mode", "diagnosis", "--lang", "en"],
            "\n" * 2 + "5\n5\n5\n" + "\n" * 4 + "5\n" + "\n" * 10,
            "PC02 Probable COVID-19",
        ),
    ],
)
def test_consult_in_the_terminal(pakar, args, stdin, expect):
    proc = pakar(*args, stdin=stdin)
    assert proc.returncode == 0, proc.stderr
    assert expect in proc.stdout


def test_consult_shows_emergency_signs_first_and_why_on_request(pakar):
    proc = pakar("consult", "--mode", "screening", "--lang", "en", stdin="?\n1\n2\n2\n2\n2\n2\n")
    assert proc.returncode == 0
    first_question = proc.stdout.index("Question 1/6")
    assert proc.stdout.index("DANGER SIGNS") < first_question
    assert "We ask Q1 because these rules use the answer: D1" in proc.stdout
    assert "Answer not recognised" not in proc.stdout


@pytest.mark.parametrize("lang, message", [("id", "Konsultasi dibatalkan."), ("en", "Consultation cancelled.")])
def test_consult_cancelled_by_end_of_input_exits_1(pakar, lang, message):
    proc = pakar("consult", "--mode", "diagnosis", "--lang", lang, stdin="5\n")
    assert proc.returncode == 1
    assert proc.stderr.strip() == message


@pytest.mark.parametrize(
    "lang, menu",
    [
        ("id", "Pilih konsultasi: 1) Skrining cepat (6 pertanyaan)  2) Diagnosis rinci (20 gejala)"),
        ("en", "Choose a consultation: 1) Quick screening (6 questions)  2) Detailed diagnosis (20 symptoms)"),
    ],
)
def test_consult_menu_counts_the_kbs_questions_and_symptoms(pakar, lang, menu):
    proc = pakar("consult", "--lang", lang, stdin="")
    assert proc.returncode == 1
    assert menu in proc.stdout


# --- the installed command -------------------------------------------------------------------------------


@pytest.mark.slow  # new processes
@pytest.mark.parametrize(
    "command",
    [
        pytest.param([str(Path(sys.executable).with_name("pakar"))], id="console script"),
        pytest.param([sys.executable, "-m", "rules"], id="python -m rules"),
    ],
)
def test_the_installed_command_starts_and_exits_0(command):
    """The one place a subprocess adds something: the entry points really reach rules.cli.main."""
    proc = subprocess.run(
        [*command, "kb", "why", "Q1", "--lang", "en"], capture_output=True, text=True, timeout=120, check=False
    )
    assert (proc.returncode, proc.stderr) == (0, "")
    assert proc.stdout.startswith("We ask Q1 because these rules use the answer: D1 ")
