"""Concurrent consultations: one engine per thread, results identical to running them one by one."""

from __future__ import annotations

import itertools
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import kb
import rules
from rules.engine.pool import engine_for
from testing.kbfiles import replace_in

LEVELS = [0.2, 0.4, 0.6, 0.8, 1.0]


def workload(knowledge, n=120):
    """A deterministic mix of diagnoses and screenings."""
    codes = [s.code for s in knowledge.symptoms]
    answers = list(itertools.product(("ya", "ragu", "tidak"), *[("ya", "tidak")] * 5))
    out = []
    for i in range(n):
        if i % 3 == 0:
            combo = answers[(i * 7) % len(answers)]
            out.append(
                {
                    "id": i,
                    "mode": "screening",
                    "answers": dict(zip(["Q1", "Q2", "Q3", "Q4", "Q5", "Q6"], combo, strict=True)),
                }
            )
        else:
            picked = {codes[(i * k + 3) % len(codes)]: LEVELS[(i + k) % 5] for k in range(1, 1 + i % 8)}
            out.append({"id": i, "mode": "diagnosis", "symptoms": picked})
    return out


def test_threads_give_the_same_results_as_one_by_one(bundled_kb):
    requests = workload(bundled_kb)
    serial = [json.dumps(rules.consult(bundled_kb, r), sort_keys=True) for r in requests]
    with ThreadPoolExecutor(max_workers=8) as pool:
        parallel = list(pool.map(lambda r: json.dumps(rules.consult(bundled_kb, r), sort_keys=True), requests * 3))
    assert parallel == serial * 3


def test_each_thread_has_its_own_engine_reused_across_consultations(bundled_kb):
    seen = {}
    barrier = threading.Barrier(4)

    def work(name):
        barrier.wait()
        first = engine_for(bundled_kb, "diagnosis")
        rules.consult(bundled_kb, {"mode": "diagnosis", "symptoms": {"GC03": 1}})
        seen[name] = (first, engine_for(bundled_kb, "diagnosis"))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(first is again for first, again in seen.values())
    assert len({id(first) for first, _ in seen.values()}) == 4


def test_a_new_kb_version_gets_new_engines_and_drops_the_old_ones(bundled_kb, kb_copy):
    replace_in(kb_copy / "rules.yaml", "cf: 0.8", "cf: 0.7")
    changed = kb.load(kb_copy)
    assert changed.version != bundled_kb.version
    old = engine_for(bundled_kb, "diagnosis")
    new = engine_for(changed, "diagnosis")
    assert new is not old and new.kb is changed
    # R01 (GC01 -> PC01) now has CF 0.7: the new version answers with it
    assert rules.consult(changed, {"mode": "diagnosis", "symptoms": {"GC01": 1}})["ranking"][0]["cf"] == 0.7
    assert rules.consult(bundled_kb, {"mode": "diagnosis", "symptoms": {"GC01": 1}})["ranking"][0]["cf"] == 0.8
    assert engine_for(bundled_kb, "diagnosis") is not old  # rebuilt: the thread keeps engines of one version only
