"""The soak (bench/soak.py), CI-sized, on both backends: the production server (nginx + gunicorn) under load
through every fault keeps every acknowledged result, answers 503 and nothing else during the database outage
and no 5xx outside it, refuses a broken KB without changing anything, and serves one KB version after each
reload. Only counts are asserted, never timings. The invariant checker itself is tested on made-up runs.
"""

from __future__ import annotations

import pytest

from bench import soak
from bench.soak_clients import Sample
from bench.soak_server import CommandOutcome
from testing import pgcluster
from testing.environment import unavailable
from webui.serving import nginx
from webui.serving.errors import ServeError

V1, V2 = "aaaaaaaaaaaa", "bbbbbbbbbbbb"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def report(request, tmp_path_factory):
    """One CI-sized soak per backend (PostgreSQL: a private cluster of its own, never the shared one)."""
    try:
        nginx.find_binary()
    except ServeError as exc:
        unavailable(str(exc), ".ci/services.sh must install nginx")
    if request.param == "postgresql" and (why := pgcluster.missing()) is not None:
        unavailable(why, ".ci/services.sh must install PostgreSQL")
    outcome = soak.run(request.param, soak.PLANS["ci"], parent=tmp_path_factory.mktemp("soak"), say=lambda _: None)
    # On failure the printed report is the first thing to read.
    print("\n".join(soak.render(outcome)))
    yield outcome


@pytest.mark.slow
@pytest.mark.timeout(1200)
class TestSoak:
    def test_no_acknowledged_result_is_lost(self, report):
        assert report.acknowledged > 0
        assert report.lost == 0
        assert report.changed == 0  # each reads back exactly as it was answered
        # One row per acknowledged key: none missing, none stored twice.
        assert report.stored - report.stored_unacknowledged == report.acknowledged

    def test_no_server_error_outside_the_outage_and_only_503_inside(self, report):
        assert report.outage is not None
        outside = [s for s in report.samples if not report.in_outage(s)]
        inside = [s for s in report.samples if report.in_outage(s)]
        assert [s for s in outside if s.status is None or s.status >= 500] == []
        assert [s for s in inside if s.status is None or (s.status >= 500 and s.status != 503)] == []

    def test_consultations_are_stored_during_slow_headers_and_after_the_outage(self, report):
        assert soak.counts(report.in_phase(report.phase("slow-headers")))["2xx"] > 0
        assert report.slow.connections >= report.plan.slow_clients
        assert any(s.status == 201 and s.began > report.outage[1] for s in report.samples)

    def test_a_broken_kb_is_refused_with_its_line_and_changes_nothing(self, report):
        assert report.broken_command.status == 1
        assert any("rules.yaml:27:" in line and "GC99" in line for line in report.broken_command.lines)
        for name in ("broken-kb", "kill-9"):
            assert report.versions(report.phase(name)) == [report.initial_version]

    def test_a_good_kb_is_served_by_every_worker(self, report):
        assert report.good_command.status == 0
        assert report.good_version != report.initial_version
        for name in ("good-kb", "sighup"):
            assert report.versions(report.phase(name)) == [report.good_version]

    def test_workers_come_back_and_the_server_stops_cleanly(self, report):
        assert report.respawned
        assert [soak._reload_kind(line) for line in report.sighup_reloads] == ["refused", "taken"]
        assert report.alive_at_end
        assert report.exit_status == 0

    def test_every_invariant_holds(self, report):
        assert soak.invariants(report) == []
        assert "  invariants: all hold" in soak.render(report)


# --- the invariant checker on made-up runs (no server) ------------------------------------------------------

PHASES = ["steady", "slow-headers", "db-outage", "broken-kb", "kill-9", "good-kb", "sighup"]


def made_up(samples: list[Sample]) -> soak.Report:
    """A run that passes every check, plus ``samples``: one phase per 10 s, the outage at 20-30 s."""
    made = soak.Report("sqlite", soak.PLANS["ci"], port=1, initial_version=V1, good_version=V2)
    made.phases = [soak.Phase(name, 10.0 * i, 10.0 * (i + 1), watch_from=10.0 * i + 5) for i, name in enumerate(PHASES)]
    made.outage = (20.0, 30.0)
    good = [Sample(10.0 * i + 6, 10.0 * i + 6.1, 201, V2 if i >= 5 else V1) for i in range(len(PHASES))]
    made.samples = good + samples
    made.acknowledged = made.stored = len(good)
    made.broken_command = CommandOutcome(1, ("served-kb/rules.yaml:27:5: rules[2].if: unknown symptom 'GC99'",))
    made.good_command = CommandOutcome(0, ("version aaaa -> bbbb",))
    made.respawned, made.alive_at_end, made.exit_status = True, True, 0
    made.sighup_reloads = [
        "serve: KB reload refused (exit 1): rules.yaml:27:5: ...; the workers keep the active version",
        "serve: KB reload: already active",
    ]
    return made


@pytest.mark.parametrize(
    ("samples", "failed"),
    [
        ([], []),
        ([Sample(21, 22, 503)], []),  # a 503 inside the outage is what it should answer
        ([Sample(19.5, 20.5, 503)], []),  # sent before, answered inside: inside
        ([Sample(21, 22, 500, detail="internal")], ["1 answers other than 503 among the outage's failures (500)"]),
        ([Sample(21, 22, None)], ["1 answers other than 503 among the outage's failures (None)"]),
        ([Sample(41, 42, 502)], ["1 5xx or missing answers outside the database outage (502)"]),
        ([Sample(41, 42, 503)], ["1 5xx or missing answers outside the database outage (503)"]),
        ([Sample(1, 2, None)], ["1 5xx or missing answers outside the database outage (None)"]),
        ([Sample(41, 42, 429)], []),  # a 4xx is an answer, not a fault
        (
            [Sample(36, 37, 201, V2)],
            [f"after broken-kb, versions {[V1, V2]} instead of only {V1}"],
        ),
        ([Sample(51, 52, 201, V1)], []),  # before the good KB's watch began: still switching
        (
            [Sample(56, 57, 201, V1)],
            [f"after good-kb, versions {[V1, V2]} instead of only {V2}"],
        ),
    ],
)
def test_invariants_of_made_up_runs(samples, failed):
    assert soak.invariants(made_up(samples)) == failed


@pytest.mark.parametrize(
    ("change", "failed"),
    [
        ({"lost": 2}, "2 acknowledged results do not read back"),
        ({"changed": 1}, "1 acknowledged results read back other than they were answered"),
        ({"broken_command": CommandOutcome(0, ("switched",))}, "the broken KB's reload was not refused"),
        ({"broken_command": CommandOutcome(1, ("database is locked",))}, "the broken KB's reload was not refused"),
        ({"good_command": CommandOutcome(1, ("x.yaml:1:1: bad",))}, "the good KB's reload failed"),
        ({"respawned": False}, "the killed worker (None) was not replaced"),
        ({"sighup_reloads": ["KB reload refused (exit 1): x", None]}, "SIGHUP reloads were ['refused', 'none']"),
        ({"alive_at_end": False}, "the server was not running at the end"),
        ({"exit_status": 1}, "the server's stop exited 1"),
    ],
)
def test_invariants_name_what_failed(change, failed):
    made = made_up([])
    for name, value in change.items():
        setattr(made, name, value)
    found = soak.invariants(made)
    assert len(found) == 1 and found[0].startswith(failed)


def test_render_prints_every_count():
    text = "\n".join(soak.render(made_up([Sample(21, 22, 503)])))
    for words in (
        "requests",
        "2xx",
        "4xx",
        "5xx",
        "503",
        "p50 ms",
        "p99 ms",
        "acknowledged-but-lost 0",
        "acknowledged-but-changed 0",
        "stored-but-unacknowledged 0",
        "inside 1 5xx (1 503)",
        "invariants: all hold",
    ):
        assert words in text
