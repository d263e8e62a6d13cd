"""The web bench: runs end to end through a real gunicorn on a tiny count, reports a sane structure, and
leaves no server behind. Nothing here asserts on time (the machine's speed is not the code's)."""

from __future__ import annotations

import os
import random

import pytest

from bench import server, web
from bench.__main__ import web_lines
from bench.stats import Series, median, percentile

pytestmark = pytest.mark.slow  # a real gunicorn

TINY = web.Settings(requests=20, warmup=8, null_requests=20, engine_rounds=1, storage_rounds=1, workers=2, mix_size=30)


@pytest.fixture(scope="module")
def outcome(bundled_kb):
    return web.run(bundled_kb, TINY)


def test_percentile_is_nearest_rank_on_a_known_table():
    hundred = list(range(1, 101))
    random.Random(7).shuffle(hundred)
    assert [percentile(hundred, p) for p in (0, 1, 50, 99, 99.5, 100)] == [1, 1, 50, 99, 100, 100]
    twenty = [10 * i for i in range(1, 21)]
    assert [percentile(twenty, p) for p in (5, 50, 95, 99)] == [10, 100, 190, 200]
    assert median(twenty) == 105 and median([3, 1, 2]) == 2
    series = Series("s", (3_000_000, 1_000_000, 2_000_000))
    assert (series.median_ms, series.p99_ms) == (2.0, 3.0)
    with pytest.raises(ValueError):
        percentile([], 50)


def test_mix_is_the_engine_bench_workloads_in_a_fixed_order(bundled_kb):
    first, again = web.mix(bundled_kb), web.mix(bundled_kb)
    assert first == again
    assert [r["mode"] for r in first].count("diagnosis") == 200
    assert [r["mode"] for r in first].count("screening") == 96
    assert all(len(r["symptoms"]) == 8 for r in first if r["mode"] == "diagnosis")


def test_web_run_counts_every_request_and_every_stored_row(outcome):
    fig = outcome["figures"]
    web_row, null = fig["web"], fig["null"]
    assert (web_row["count"], web_row["ok"], web_row["statuses"]) == (20, 20, {"201": 20})
    assert (null["count"], null["ok"]) == (20, 20)
    # Every POST (warm-up included) stored exactly one row.
    assert web_row["posted"] == TINY.warmup + TINY.requests == web_row["stored"]
    assert fig["engine"]["count"] == fig["storage"]["count"] == TINY.mix_size
    for row in (web_row, null, fig["engine"], fig["storage"]):
        assert row["p99_ms"] >= row["median_ms"] > 0
        assert row["per_s"] > 0
    assert fig["settings"]["workers"] == 2 and fig["settings"]["worker_class"] == "sync"
    assert fig["ratios"]["median"] > 0 and fig["ratios"]["per_s"] > 0


def test_server_cpu_breakdown_adds_up(outcome):
    b = outcome["figures"]["breakdown"]
    if b["server_ms"] is None:
        pytest.skip("no /proc: the server's CPU time is not measured here")
    assert b["server_ms"] == pytest.approx(b["engine_ms"] + b["storage_ms"] + b["http_ms"] + b["rest_ms"])


def test_no_server_is_left_running(outcome):
    processes = outcome["processes"]
    assert len(processes) >= 2 * (1 + TINY.workers)  # two servers, each a master and its workers
    assert not [pid for pid in processes if server.alive(pid)]


def test_a_server_that_cannot_boot_raises_and_leaves_nothing(tmp_path):
    before = server.children(os.getpid())
    options = server.Options(app="bench.null_app:no_such_app", workers=1)
    with (
        pytest.raises(server.ServerError, match="gunicorn exited"),
        server.running(options, ready_path="/", log_path=tmp_path / "log", chdir=str(web.REPO)),
    ):
        pass  # pragma: no cover - never reached
    assert server.children(os.getpid()) == before


def test_report_prints_the_figures_beside_the_reference(outcome):
    fig = outcome["figures"]
    text = "\n".join(web_lines(fig, fig))
    assert "web / engine" in text and "harness floor" in text
    assert "answered 201: web 20/20" in text
    assert "  1.00 " in text  # now/ref against itself
    assert "-" in "\n".join(web_lines(fig, None))  # no reference: dashes, no crash
    assert "FAILED: boom" in "\n".join(web_lines({"error": "boom"}, None))
