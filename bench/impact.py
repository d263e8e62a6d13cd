"""The impact series: stored consultations replayed under the active KB and a draft (issue 10's goal: 100,000
in at most 60 s on this 2-core machine).

A throwaway web app on SQLite holds ``rows`` stored consultations, made as the web app stores them (the
request, the KB version, the result without its trace), drawn from a seeded population model:

* 5 % stopped at the emergency gate (half screenings, half diagnoses);
* 45 % screenings: Q1 (contact or travel) ya 20 %, ragu 20 %, tidak 60 %; Q2-Q6 each ya 30 %;
* 50 % diagnoses: each of the 20 symptoms reported with probability 0.1 (two on average), its certainty one
  of the five non-zero levels, weighted to the sure end (8, 12, 20, 25, 35 %);
* half in Indonesian, half in English; 90 % answered by the active version, 10 % by an earlier one (their
  results cannot stand for the active version's outcome: those requests are replayed under both).

The draft is the bundled KB with GC03 (fever) at CF 0.8 (``testing.kbvariants``' edit, written out here so
that the bench does not import the tests' helpers). Timed: :func:`webui.kbimpact.run`, from the first row
read to the report, with the configured worker processes (2). ``python -m bench.impact [--rows N]`` runs
this series alone.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import secrets
import tempfile
import time
from datetime import datetime, timedelta, timezone

import kb as kb_pkg
import rules
from rules import impact as rules_impact

ROWS_FULL = 100_000
ROWS_QUICK = 5_000
TARGET_SECONDS = 60.0
SEED = 20261201
EARLIER_VERSION = "000000000000"  # a version no longer stored: its rows are replayed under both KBs
GC03_EDITS = (  # (file, old, new): GC03's score and the two rules that use it
    (
        "symptoms.yaml",
        "    category: general\n    cf: 1.0\n    source: seed001 Tabel 2 (skor 5 dari 5), Tabel 3, Tabel 6",
        "    category: general\n    cf: 0.8\n    source: seed001 Tabel 2 (skor 5 dari 5), Tabel 3, Tabel 6",
    ),
    ("rules.yaml", "    if: GC03\n    then: PC01\n    cf: 1.0\n", "    if: GC03\n    then: PC01\n    cf: 0.8\n"),
    ("rules.yaml", "    if: GC03\n    then: PC02\n    cf: 1.0\n", "    if: GC03\n    then: PC02\n    cf: 0.8\n"),
)


def draft_files() -> dict[str, str]:
    """The bundled KB's files with GC03 at CF 0.8."""
    files = kb_pkg.read_files()
    for name, old, new in GC03_EDITS:
        assert old in files[name], f"the bench's edit no longer fits {name}"
        files[name] = files[name].replace(old, new, 1)
    return files


def population(knowledge, count: int, seed: int = SEED) -> list[tuple[dict, bool]]:
    """``count`` (request, answered by an earlier version) pairs of the module's population model."""
    rng = random.Random(seed)
    levels = [float(level.cf) for level in knowledge.scale if level.cf > 0]
    weights = [8, 12, 20, 25, 35][-len(levels) :]
    symptoms = [s.code for s in knowledge.symptoms]
    out = []
    for _ in range(count):
        draw = rng.random()
        if draw < 0.05:
            request: dict = {"mode": rng.choice(("screening", "diagnosis")), "emergency": True}
        elif draw < 0.5:
            answers = {}
            for q in knowledge.questions:
                if "ragu" in q.answers:
                    answers[q.code] = rng.choices(("ya", "ragu", "tidak"), (20, 20, 60))[0]
                else:
                    answers[q.code] = "ya" if rng.random() < 0.3 else "tidak"
            request = {"mode": "screening", "answers": answers}
        else:
            request = {
                "mode": "diagnosis",
                "symptoms": {code: rng.choices(levels, weights)[0] for code in symptoms if rng.random() < 0.1},
            }
        request["lang"] = rng.choice(("id", "en"))
        out.append((request, rng.random() < 0.1))
    return out


_worker_kb = None


def _init(knowledge) -> None:
    global _worker_kb
    _worker_kb = knowledge


def _answer(request: dict) -> dict:
    return rules.consult(_worker_kb, request, trace=False)


def _results(knowledge, requests: list[dict], processes: int) -> dict[str, dict]:
    """The stored result of each distinct request (canonical JSON with its language: results are texts)."""
    distinct = {rules_impact.canonical(r) + r["lang"]: r for r in requests}
    keys = list(distinct)
    with multiprocessing.get_context("spawn").Pool(processes, initializer=_init, initargs=(knowledge,)) as pool:
        answered = pool.map(_answer, [distinct[k] for k in keys], chunksize=256)
    return dict(zip(keys, answered, strict=True))


def _store(app, knowledge, drawn: list[tuple[dict, bool]], results: dict[str, dict]) -> None:
    """Insert the rows in batches, as webui.store.save would store each (no trace kept for the bench)."""
    from sqlalchemy import insert

    from webui.extensions import db
    from webui.models import Consultation

    now = datetime.now(timezone.utc)
    batch = []
    with app.app_context():
        for i, (request, earlier) in enumerate(drawn):
            result = results[rules_impact.canonical(request) + request["lang"]]
            version = EARLIER_VERSION if earlier else knowledge.short_version
            batch.append(
                {
                    "key": secrets.token_hex(32),
                    "created_at": now - timedelta(seconds=len(drawn) - i),
                    "mode": result["mode"],
                    "kb_version": version,
                    "lang": result["lang"],
                    "for_other": False,
                    "outcome": result.get("solution") or result.get("diagnosis"),
                    "request": request,
                    "result": {**result, "kb_version": version},
                    "trace": {},
                    "submission": None,
                }
            )
            if len(batch) == 5000 or i == len(drawn) - 1:
                db.session.execute(insert(Consultation), batch)
                db.session.commit()
                batch = []


def section(quick: bool = False, log=lambda message: None, rows: int | None = None, processes: int = 2) -> dict:
    """Make the stored consultations, replay them, and return the figures (seconds, rows/s, counts)."""
    from webui import create_app, kbimpact

    count = rows or (ROWS_QUICK if quick else ROWS_FULL)
    base = kb_pkg.load()
    draft = kb_pkg.load_files(draft_files())
    drawn = population(base, count)
    log(f"impact: answering the distinct requests of {count} consultations (setup, not timed)")
    results = _results(base, [r for r, _ in drawn], processes)
    with tempfile.TemporaryDirectory(prefix="pakar-bench-impact-") as folder:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(folder, "bench.sqlite3"),
                "RATELIMIT_ENABLED": False,
                "IMPACT_PROCESSES": processes,
            },
            instance_path=folder,
        )
        _store(app, base, drawn, results)
        log(f"impact: replaying {count} stored consultations under {draft.short_version} (timed)")
        with app.app_context():
            started = time.perf_counter()
            report = kbimpact.run(base, draft)
            seconds = time.perf_counter() - started
    return {
        "rows": report.rows,
        "distinct": report.distinct,
        "reached": report.reached,
        "replayed": report.replayed,
        "reused": report.reused,
        "changed": report.changed_rows,
        "counts": dict(report.counts),
        "processes": processes,
        "seconds": round(seconds, 2),
        "rows_per_s": round(report.rows / seconds),
        "replays_per_s": round(report.replayed / seconds),
        "scaled_100k_s": round(seconds * ROWS_FULL / max(report.rows, 1), 1),
    }


def target(figures: dict | None) -> dict:
    """The goal, judged on this run (a quick run is judged on its time scaled to 100,000 rows)."""
    value = figures["scaled_100k_s"] if figures else None
    return {
        "id": "impact_100k",
        "text": f"impact: 100,000 stored consultations replayed <= {TARGET_SECONDS:g} s",
        "value": value,
        "limit": TARGET_SECONDS,
        "unit": "s",
        "pass": None if value is None else value <= TARGET_SECONDS,
    }


def lines(figures: dict | None) -> list[str]:
    """Section 7 of the bench's table."""
    title = "7. Impact: stored consultations replayed under the active KB and a draft (GC03 CF 1 -> 0.8), SQLite"
    if not figures:
        return ["", title, "   (not run)"]
    counts = ", ".join(f"{kind} {n}" for kind, n in figures["counts"].items() if n) or "none"
    judged = target(figures)
    return [
        "",
        f"{title}, {figures['processes']} worker processes",
        f"   {figures['rows']:,} rows, {figures['distinct']:,} distinct requests"
        f" ({figures.get('reached', 0):,} within the change's reach), {figures['replayed']:,} engine runs"
        f" ({figures['reused']:,} outcomes read from stored results): {figures['seconds']} s,"
        f" {figures['rows_per_s']:,} rows/s, {figures['replays_per_s']:,} runs/s",
        f"   changed: {figures['changed']:,} ({counts})",
        f"   {judged['text']}: {judged['value']} s ({'PASS' if judged['pass'] else 'MISS'})"
        + ("" if figures["rows"] == ROWS_FULL else f", scaled from {figures['rows']:,} rows"),
    ]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.impact", description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=ROWS_FULL)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    figures = section(rows=args.rows, processes=args.processes, log=lambda m: print(m, flush=True))
    print("\n".join(lines(figures)[1:]))


if __name__ == "__main__":
    main()
