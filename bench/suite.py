"""Runs every series of the benchmark and returns the figures as one JSON-ready dict.

Sections: (1) diagnosis and screening on the bundled KB, Pakar vs CLIPS vs plain Python, with an
agreement check of their answers; (2) scaling: synthetic KBs 1x, 10x and 100x the bundled one;
(3) the cost of Experta's logging trap; (4) the targets, judged on the figures; (5) consultations
through the web app under gunicorn, beside the engine alone (:mod:`bench.web`).
Nothing here asserts on time: the targets are reported as PASS/MISS, never raised.
"""

from __future__ import annotations

import gc
import io
import logging
import os
import platform
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from importlib import metadata

import kb as kb_pkg
from bench import clips_kb, impact, plain, production, synthetic, web, workloads
from bench.stats import Series, measure, measure_interleaved, once_ms
from rules.engine.engines import build_engine

SCALES = (1, 10, 100)

TARGET_DIAGNOSIS_VS_CLIPS = 1.25
TARGET_SCREENING_MS = 0.7
TARGET_GROWTH = 1.5


@dataclass(frozen=True)
class Settings:
    """How many timed passes over each workload (``blocks``: how many alternations between engines).

    ``web``: how many requests the web section sends (its mix is 296 requests: the full run sends it
    ten times, the quick run about once); ``name`` is the run's mode as the report shows it.
    """

    diagnosis_rounds: int
    screening_rounds: int
    scaling_rounds: int
    logging_rounds: int
    blocks: int
    web: web.Settings
    production: production.Settings | None = None  # section 6 (None: not run)
    name: str = "full"


WEB_FULL = web.Settings(requests=2960, warmup=296, null_requests=2000, engine_rounds=10, storage_rounds=3)
WEB_QUICK = web.Settings(requests=300, warmup=60, null_requests=300, engine_rounds=1, storage_rounds=1)
PRODUCTION_FULL = production.Settings(requests=1000, warmup=400, engine_items=296, storage_items=300)
PRODUCTION_QUICK = production.Settings(requests=200, warmup=100, engine_items=100, storage_items=60)
FULL = Settings(
    diagnosis_rounds=50,
    screening_rounds=100,
    scaling_rounds=20,
    logging_rounds=20,
    blocks=5,
    web=WEB_FULL,
    production=PRODUCTION_FULL,
)
QUICK = Settings(
    diagnosis_rounds=3,
    screening_rounds=5,
    scaling_rounds=2,
    logging_rounds=2,
    blocks=1,
    web=WEB_QUICK,
    production=PRODUCTION_QUICK,
    name="quick",
)


def _figures(series: Series) -> dict:
    return {"per_s": series.per_second, "median_ms": series.median_ms, "p99_ms": series.p99_ms, "count": series.count}


def _top_pakar(state) -> str | None:
    return state.ranking[0]["code"] if state.ranking else None


def _top(rows) -> str | None:
    return rows[0][0] if rows else None


def _same(value):
    return value


def _agreement(pakar_tops, other_tops, label, mismatches, limit=5) -> int:
    """How many answers agree; the first few disagreements are kept for the report."""
    same = 0
    for i, (want, got) in enumerate(zip(pakar_tops, other_tops, strict=True)):
        if want == got:
            same += 1
        elif len(mismatches) < limit:
            mismatches.append(f"{label} #{i}: Pakar {want}, got {got}")
    return same


def _diagnosis_impls(kb, info: dict, exact: bool = False, everyday: bool = False):
    """(name, consult, prepare, top) of Pakar, CLIPS (when installed) and plain Python for ``kb``.

    Engines are built here, once, and their one-off build times go into ``info``. ``prepare`` turns a
    consultation into the implementation's input (CLIPS values, floats), outside the timed calls.
    """
    info["build_ms"], engine = once_ms(lambda: build_engine(kb, "diagnosis"))
    impls = [("pakar", engine.consult, _same, _top_pakar)]
    if clips_kb.AVAILABLE:
        info["clips_build_ms"], clips_engine = once_ms(lambda: clips_kb.ClipsDiagnosis(kb))
        impls.append(("clips", clips_engine.consult, clips_engine.prepare, _top))
        if everyday:
            plain_api = clips_kb.ClipsDiagnosisEveryday(kb)
            impls.append(("clips_api", plain_api.consult, plain_api.prepare, _top))
    floor = plain.PlainDiagnosis(kb, exact=False)
    impls.append(("python", floor.consult, floor.prepare, _top))
    if exact:
        exact_floor = plain.PlainDiagnosis(kb, exact=True)
        impls.append(("python_exact", exact_floor.consult, exact_floor.prepare, _top))
    return engine, impls


def _entries(impls, work, label: str, info: dict, mismatches: list, suffix: str = "") -> list:
    """Timing entries for one workload; checks every implementation's top hypothesis against Pakar's."""
    entries, want = [], None
    for name, consult, prepare, top in impls:
        items = [prepare(symptoms) for symptoms in work]
        tops = [top(consult(item)) for item in items]
        if want is None:
            want = tops
        else:
            info[f"{name}{suffix}_agree"] = _agreement(want, tops, f"{label} {name}", mismatches)
        entries.append((name + suffix, consult, items))
    return entries


def diagnosis_section(kb, settings: Settings, log) -> dict:
    """Pakar vs CLIPS vs plain Python (float and exact) on the bundled KB's diagnosis workload."""
    work = workloads.diagnosis(kb)
    checks: dict = {"items": len(work), "mismatches": []}
    engine, impls = _diagnosis_impls(kb, checks, exact=True, everyday=True)
    entries = _entries(impls, work, "diagnosis", checks, checks["mismatches"])
    build = {"pakar": checks.pop("build_ms"), "clips": checks.pop("clips_build_ms", None)}
    log(f"diagnosis: {len(work)} consultations x {settings.diagnosis_rounds} rounds")
    series = measure_interleaved(entries, settings.diagnosis_rounds, settings.blocks)
    return {
        "figures": {name: _figures(s) for name, s in series.items()},
        "checks": checks,
        "build_ms": build,
        "engine": engine,
        "workload": work,
    }


def screening_section(kb, settings: Settings, log) -> dict:
    """Pakar vs CLIPS vs plain Python on all answer combinations of the quick screening."""
    work = workloads.screening(kb)
    engine = build_engine(kb, "screening")
    floor = plain.PlainScreening(kb)
    entries = [("pakar", engine.consult, work), ("python", floor.consult, work)]
    pakar = [engine.consult(a).conclusion for a in work]
    mismatches: list = []
    checks = {
        "items": len(work),
        "python_agree": _agreement(pakar, [floor.consult(a).conclusion for a in work], "screening python", mismatches),
    }
    if clips_kb.AVAILABLE:
        clips_engine = clips_kb.ClipsScreening(kb)
        prepared = [clips_kb.ClipsScreening.prepare(a) for a in work]
        solution = {d.id: d.conclusion for d in kb.decisions}
        checks["clips_agree"] = _agreement(
            pakar, [solution.get(clips_engine.consult(a)) for a in prepared], "screening clips", mismatches
        )
        entries.insert(1, ("clips", clips_engine.consult, prepared))
    checks["mismatches"] = mismatches
    log(f"screening: {len(work)} consultations x {settings.screening_rounds} rounds")
    series = measure_interleaved(entries, settings.screening_rounds, settings.blocks)
    return {"figures": {name: _figures(s) for name, s in series.items()}, "checks": checks}


def scaling_section(base, settings: Settings, log) -> dict:
    """Synthetic KBs 1x/10x/100x the bundled one: load and build once, then two diagnosis workloads.

    The target workload draws eight symptoms from the whole KB (so at 100x a consultation concludes
    about ten hypotheses instead of two); the control moves each bundled-KB consultation into one
    random copy (the same rules fire at every size). 1x is generated too (the bundled KB renamed), so
    that every size is written, loaded and built the same way, each with an engine class of its own.
    """
    out = {}
    base_work = workloads.diagnosis(base)
    with tempfile.TemporaryDirectory(prefix="pakar-bench-") as tmp:
        for factor in SCALES:
            path = synthetic.write(os.path.join(tmp, f"x{factor}"), factor, base)
            load_ms, kb = once_ms(lambda path=path: kb_pkg.load(path))
            work = workloads.diagnosis(kb)
            row = {
                "symptoms": len(kb.symptoms),
                "rules": len(kb.rules),
                "hypotheses": len(kb.hypotheses),
                "load_ms": load_ms,
                "items": len(work),
                "mismatches": [],
            }
            engine, impls = _diagnosis_impls(kb, row)
            entries = _entries(impls, work, f"{factor}x", row, row["mismatches"])
            if factor > 1:  # at 1x the control is the same workload
                entries += _entries(
                    impls,
                    synthetic.one_block(base_work, factor),
                    f"{factor}x one-block",
                    row,
                    row["mismatches"],
                    suffix="_block",
                )
            log(
                f"scaling {factor}x: {len(kb.rules)} rules, {len(work)} consultations x {settings.scaling_rounds}"
                f" rounds{', twice' if factor > 1 else ''}"
            )
            series = measure_interleaved(entries, settings.scaling_rounds, settings.blocks)
            for name, s in series.items():
                row[f"{name}_median_ms"] = s.median_ms
                row[f"{name}_p99_ms"] = s.p99_ms
            out[f"{factor}x"] = row
            # Drop this size before building the next, so that a bigger heap does not slow the next one.
            del kb, engine, impls, entries, series, work
            gc.collect()
    first = out[f"{SCALES[0]}x"]
    for factor in SCALES[1:]:
        row = out[f"{factor}x"]
        for name in ("pakar", "clips", "python"):
            for suffix in ("", "_block"):
                if f"{name}{suffix}_median_ms" in row:
                    row[f"{name}{suffix}_growth"] = row[f"{name}{suffix}_median_ms"] / first[f"{name}_median_ms"]
    return out


class _NullStream(io.TextIOBase):
    """A stream that drops what is written (the handler still formats every record)."""

    def write(self, text):
        return len(text)


class _CountingHandler(logging.StreamHandler):
    def __init__(self):
        super().__init__(_NullStream())
        self.count = 0

    def emit(self, record):
        self.count += 1
        super().emit(record)


@contextmanager
def logging_trap():
    """Root logger at INFO with a handler (what ``logging.basicConfig(level=INFO)`` in an app would do)."""
    root = logging.getLogger()
    level, handler = root.level, _CountingHandler()
    root.setLevel(logging.INFO)
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


def logging_section(engine, work, settings: Settings, log) -> dict:
    """The same Pakar diagnosis workload with and without an application logging at INFO."""
    log(f"logging trap: {len(work)} consultations x {settings.logging_rounds} rounds, twice")
    for item in work:  # warm-up
        engine.consult(item)
    normal, trapped, records = [], [], 0
    per_block = max(1, -(-settings.logging_rounds // settings.blocks))
    for _ in range(settings.blocks):
        normal.extend(measure("normal", engine.consult, work, per_block, warmup=0).samples)
        with logging_trap() as handler:
            trapped.extend(measure("trapped", engine.consult, work, per_block, warmup=0).samples)
        records += handler.count
    a, b = Series("normal", tuple(normal)), Series("trapped", tuple(trapped))
    return {
        "normal_median_ms": a.median_ms,
        "trapped_median_ms": b.median_ms,
        "ratio": b.median_ms / a.median_ms,
        "records": records,
    }


def targets(figures: dict) -> list[dict]:
    """The three targets, judged on this run's figures (None when a figure is missing)."""
    diag = figures["diagnosis"]
    out = []
    clips = diag.get("clips")
    out.append(
        {
            "id": "diagnosis_vs_clips",
            "text": f"diagnosis median <= {TARGET_DIAGNOSIS_VS_CLIPS} x CLIPS median",
            "value": diag["pakar"]["median_ms"] / clips["median_ms"] if clips else None,
            "limit": TARGET_DIAGNOSIS_VS_CLIPS,
            "unit": "x",
        }
    )
    everyday = diag.get("clips_api")
    out.append(
        {
            "id": "diagnosis_vs_clips_api",
            "text": "  (same, vs CLIPS driven by clipspy's everyday API)",
            "value": diag["pakar"]["median_ms"] / everyday["median_ms"] if everyday else None,
            "limit": TARGET_DIAGNOSIS_VS_CLIPS,
            "unit": "x",
        }
    )
    out.append(
        {
            "id": "screening_median",
            "text": f"screening median <= {TARGET_SCREENING_MS} ms",
            "value": figures["screening"]["pakar"]["median_ms"],
            "limit": TARGET_SCREENING_MS,
            "unit": "ms",
        }
    )
    growth = figures["scaling"][f"{SCALES[-1]}x"].get("pakar_growth")
    out.append(
        {
            "id": "growth_100x",
            "text": f"growth 100x/1x <= {TARGET_GROWTH}",
            "value": growth,
            "limit": TARGET_GROWTH,
            "unit": "x",
        }
    )
    for t in out:
        t["pass"] = None if t["value"] is None else t["value"] <= t["limit"]
    return out


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "missing"


def run(settings: Settings, log=lambda message: None) -> dict:
    """Run every section; returns {'meta', 'figures', 'checks', 'targets'}."""
    started = time.time()
    base = kb_pkg.load()
    diagnosis = diagnosis_section(base, settings, log)
    screening = screening_section(base, settings, log)
    logging_figures = logging_section(diagnosis.pop("engine"), diagnosis.pop("workload"), settings, log)
    scaling = scaling_section(base, settings, log)
    # Last: its server and load generator start after the in-process series, so they do not overlap.
    web_figures = web.section(base, settings.web, log)
    production_figures = production.section(base, settings.production, log) if settings.production else None
    # Section 7 (bench/impact.py): stored consultations replayed under the active KB and a draft.
    impact_figures = impact.section(settings.name == "quick", log)
    figures = {
        "diagnosis": diagnosis["figures"],
        "screening": screening["figures"],
        "scaling": scaling,
        "logging": logging_figures,
        "build_ms": diagnosis["build_ms"],
        "web": web_figures,
        "production": production_figures,
        "impact": impact_figures,
    }
    meta = {
        "kb": base.id,
        "kb_label": base.label,
        "kb_version": base.short_version,
        "mode": settings.name,
        "settings": asdict(settings),
        "python": platform.python_version(),
        "implementation": sys.implementation.name,
        "experta": _version("experta"),
        "clipspy": clips_kb.version(),
        "cpus": os.cpu_count(),
        "machine": platform.machine(),
        "date": time.strftime("%Y-%m-%d %H:%M", time.localtime(started)),
        "seconds": None,
        "workloads": {
            "diagnosis": f"{workloads.DIAGNOSIS_COUNT} symptom sets x "
            f"{workloads.SYMPTOMS_PER_CONSULTATION} symptoms, seed "
            f"{workloads.DIAGNOSIS_SEED}",
            "screening": f"{screening['checks']['items']} answer combinations",
        },
    }
    result = {
        "meta": meta,
        "figures": figures,
        "checks": {"diagnosis": diagnosis["checks"], "screening": screening["checks"]},
        "targets": targets(figures),
    }
    meta["seconds"] = round(time.time() - started, 1)
    return result
