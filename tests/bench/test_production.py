"""The production-server bench (section 6): runs end to end through ``python -m webui.serving`` on tiny
counts, on SQLite and (when a server is given) PostgreSQL, and reports a sane structure. No timing asserts."""

from __future__ import annotations

import pytest

from bench import production
from bench.__main__ import production_lines
from testing.serving import nginx_or_skip

pytestmark = pytest.mark.slow  # real nginx, gunicorn and databases

TINY = production.Settings(requests=10, warmup=4, engine_items=4, storage_items=4, concurrencies=(2,), mix_size=12)


@pytest.fixture(scope="module")
def figures(bundled_kb):
    nginx_or_skip()
    yield production.section(bundled_kb, TINY)


def test_every_series_stores_every_request(figures):
    sqlite = figures["backends"]["sqlite"]
    assert set(sqlite["series"]) == {"repeated@2", "distinct@2"}
    for row in sqlite["series"].values():
        assert (row["count"], row["ok"], row["statuses"]) == (10, 10, {"201": 10})
        assert row["p99_ms"] >= row["median_ms"] > 0
        assert row["split"]["engine_ms"] + row["split"]["storage_ms"] + row["split"]["rest_ms"] == pytest.approx(
            row["server_cpu_ms"]
        )
    assert sqlite["storage"]["cpu_ms"] > 0


def test_postgresql_runs_when_a_server_is_given_and_says_so_when_not(figures, monkeypatch):
    pg = figures["backends"]["postgresql"]
    if production.postgres_url() is None:
        assert "BENCH_POSTGRES_URL" in pg["skipped"]
    else:
        assert "error" not in pg, pg.get("error")
        assert {row["ok"] for row in pg["series"].values()} == {10}
        assert "pakar" not in pg["database"].split("@")[0]  # no credentials in the report


def test_a_memo_hit_costs_less_than_running_the_engine(figures):
    assert 0 < figures["engine"]["hit_ms"] < figures["engine"]["miss_ms"]


def test_distinct_bodies_never_repeat_and_repeated_ones_do():
    requests = [{"mode": "screening", "answers": {"Q1": "ya"}}, {"mode": "screening", "answers": {"Q1": "tidak"}}]
    assert len(set(production.bodies(requests, 6, "t"))) == 6
    assert len(set(production.bodies(requests, 6, None))) == 2


def test_the_report_shows_each_backend_and_the_goal(figures):
    text = "\n".join(production_lines(figures, None))
    assert "sqlite" in text and "repeated@2" in text and "distinct@2" in text
    assert "goal: >= 700 cons/s" in text
    assert production_lines(None, None)[-1] == "   (not run)"
