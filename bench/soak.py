"""``make soak``: the production server (``python -m webui.serving``: nginx in front of 2 sync gunicorn workers)
on SQLite and on PostgreSQL, 127.0.0.1 only, through one bounded run of faults under load.

    python -m bench.soak [--backend sqlite|postgresql|both] [--size ci|full]

While consultation clients post with Idempotency-Keys (retrying 502/503/504 and broken connections with the
same key, as a careful client does), the run goes through these phases, one after the other:

1. ``steady``: the load alone.
2. ``slow-headers``: reconnecting clients send request headers at 1 byte/s (the issue's attack).
3. ``db-outage``: PostgreSQL (a private cluster of the soak's own, never the shared one) stopped for 7 s and
   started again; on SQLite, the database's write lock held for 7 s by another connection.
4. ``broken-kb``: a broken KB written to the server's KB_PATH, ``flask --app webui kb reload`` (refused),
   then SIGHUP (the launcher's reload, refused too: one log line; no worker restarts).
5. ``kill-9``: one gunicorn worker killed, the broken KB still on disk; the master respawns it.
6. ``good-kb``: a changed, valid KB written and reloaded by the command: every worker switches.
7. ``sighup``: SIGHUP with that KB on disk: the reload finds it already active; nothing switches.

It prints requests, 2xx, 4xx, 5xx, 503, answers that never came, p50/p99 per phase; acknowledged-but-lost
(a 201 was received but the receipt does not read back), stored-but-unacknowledged (rows whose key never got
a 201), the KB versions the answers named after each reload. It exits 1 when an invariant fails:
no acknowledged result lost; no 5xx and no missing answer outside the database outage window, only 503
inside it; the broken KB refused and nothing changed; after the good reload, one version (the new one)
everywhere; the killed worker respawned; the server still up and stopping cleanly (exit 0) at the end.
Exit 2: the soak cannot run here (no nginx, no PostgreSQL programs), with one line saying what is missing.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import kb as kbase
from bench import soak_server
from bench.soak_clients import RETRIES, Ledger, Sample, SlowStats, latency_ms, poster, read_back, slow_header_client
from bench.soak_server import CommandOutcome, SoakServer, SoakSetupError

WORKERS = 2  # the launcher's default (WEB_CONCURRENCY unset)
# The rate limits, raised: the soak's clients all come from 127.0.0.1 and would otherwise test the 429 alone.
UNLIMITED = "1000000/minute"
WATCH_MAX_S = 90.0  # how much longer a watch waits for answers when the server is slow to give them
BROKEN_EDIT = ("rules.yaml", "    if: GC03", "    if: GC99")  # a rule reading a symptom the KB does not have
GOOD_EDIT = ("kb.yaml", 'version: "1.0.0"', 'version: "1.0.0+soak"')  # new content, same answers and cases


@dataclass(frozen=True)
class Plan:
    """How big one run is."""

    clients: int  # consultation posters, each one connection
    slow_clients: int  # 1 byte/s header senders, reconnecting
    steady_s: float
    slow_s: float  # longer than nginx's header timeout, so the slow clients reconnect
    outage_s: float  # the database is away this long
    recovery_s: float  # after it is back, still inside the outage window (pools reconnect)
    watch_s: float  # after a reload or a kill has settled: how long the answers' versions are watched


PLANS = {
    "ci": Plan(clients=4, slow_clients=4, steady_s=2, slow_s=12, outage_s=7, recovery_s=3, watch_s=4),
    "full": Plan(clients=8, slow_clients=4, steady_s=10, slow_s=40, outage_s=7, recovery_s=5, watch_s=15),
}


@dataclass
class Phase:
    """One part of the run, in seconds since its start; versions are read from answers sent after ``watch_from``."""

    name: str
    began: float
    ended: float = 0.0
    watch_from: float | None = None
    note: str = ""


@dataclass
class Report:
    """Everything one run saw; :func:`invariants` reads it, :func:`render` prints it."""

    backend: str
    plan: Plan
    port: int = 0
    phases: list[Phase] = field(default_factory=list)
    outage: tuple[float, float] | None = None
    samples: list[Sample] = field(default_factory=list)
    sent: int = 0
    acknowledged: int = 0
    lost: int = 0
    changed: int = 0  # acknowledged results that read back, but not as they were answered
    read_back: dict[str, int] = field(default_factory=dict)  # status of each acknowledged receipt's GET -> count
    stored: int = 0
    stored_unacknowledged: int = 0
    initial_version: str = ""
    good_version: str = ""
    broken_command: CommandOutcome | None = None
    good_command: CommandOutcome | None = None
    slow: SlowStats = field(default_factory=SlowStats)
    killed: int | None = None
    respawned: bool = False
    # The launcher's log line of each SIGHUP's KB reload (None: none came): refused, then taken or already active.
    sighup_reloads: list[str | None] = field(default_factory=list)
    alive_at_end: bool = False
    exit_status: int | None = None
    log_bytes: int = 0
    log_lines: int = 0

    def phase(self, name: str) -> Phase:
        return next(p for p in self.phases if p.name == name)

    def in_phase(self, phase: Phase) -> list[Sample]:
        return [s for s in self.samples if phase.began <= s.began < phase.ended]

    def in_outage(self, sample: Sample) -> bool:
        return self.outage is not None and sample.began <= self.outage[1] and sample.ended >= self.outage[0]

    def versions(self, phase: Phase) -> list[str]:
        """The KB versions named by the 201s sent in ``phase`` after its watch started (sorted, distinct)."""
        start = phase.watch_from if phase.watch_from is not None else phase.began
        return sorted({s.version for s in self.in_phase(phase) if s.version and s.began >= start})


def counts(samples: list[Sample]) -> dict[str, int]:
    statuses = [s.status for s in samples]
    return {
        "requests": len(samples),
        "2xx": sum(1 for s in statuses if s is not None and 200 <= s < 300),
        "4xx": sum(1 for s in statuses if s is not None and 400 <= s < 500),
        "5xx": sum(1 for s in statuses if s is not None and s >= 500),
        "503": sum(1 for s in statuses if s == 503),
        "no answer": sum(1 for s in statuses if s is None),
    }


def invariants(report: Report) -> list[str]:
    """The failed invariants, each one line (empty: all hold)."""
    failed = []
    if report.acknowledged == 0:
        failed.append("no consultation was acknowledged at all")
    if report.lost:
        failed.append(f"{report.lost} acknowledged results do not read back")
    if report.changed:
        failed.append(f"{report.changed} acknowledged results read back other than they were answered")
    outside = [s for s in report.samples if not report.in_outage(s)]
    inside = [s for s in report.samples if report.in_outage(s)]
    bad_outside = [s for s in outside if s.status is None or s.status >= 500]
    if bad_outside:
        statuses = sorted({str(s.status) for s in bad_outside})
        failed.append(f"{len(bad_outside)} 5xx or missing answers outside the database outage ({', '.join(statuses)})")
    bad_inside = [s for s in inside if s.status is None or (s.status >= 500 and s.status != 503)]
    if bad_inside:
        statuses = sorted({str(s.status) for s in bad_inside})
        failed.append(f"{len(bad_inside)} answers other than 503 among the outage's failures ({', '.join(statuses)})")
    slow = report.phase("slow-headers")
    if not counts(report.in_phase(slow))["2xx"]:
        failed.append("no consultation was answered while the slow-header clients were connected")
    if report.outage is not None:
        after = [s for s in report.samples if s.began > report.outage[1] and s.status == 201]
        if not after:
            failed.append("no consultation was stored after the database outage")
    broken = report.broken_command
    if broken is None or broken.status != 1 or not any(".yaml:" in line for line in broken.lines):
        failed.append(f"the broken KB's reload was not refused with file:line problems ({_command_line(broken)})")
    for name in ("broken-kb", "kill-9"):
        seen = report.versions(report.phase(name))
        if seen != [report.initial_version]:
            failed.append(f"after {name}, versions {seen or 'none'} instead of only {report.initial_version}")
    if report.good_command is None or report.good_command.status != 0:
        failed.append(f"the good KB's reload failed ({_command_line(report.good_command)})")
    for name in ("good-kb", "sighup"):
        seen = report.versions(report.phase(name))
        if seen != [report.good_version]:
            failed.append(f"after {name}, versions {seen or 'none'} instead of only {report.good_version}")
    if not report.respawned:
        failed.append(f"the killed worker ({report.killed}) was not replaced")
    expected = ["refused", "taken"]
    got = [_reload_kind(line) for line in report.sighup_reloads]
    if got != expected[: len(got)] or len(got) != len(expected):
        failed.append(f"SIGHUP reloads were {got} instead of {expected} ({report.sighup_reloads})")
    if not report.alive_at_end:
        failed.append("the server was not running at the end")
    if report.exit_status != 0:
        failed.append(f"the server's stop exited {report.exit_status}")
    return failed


def _reload_kind(line: str | None) -> str:
    """What the launcher's KB reload line says: "refused", "taken" (switched, or already active) or "none"."""
    if line is None:
        return "none"
    return "refused" if "refused" in line or "failed" in line or "did not finish" in line else "taken"


def _command_line(outcome: CommandOutcome | None) -> str:
    if outcome is None:
        return "not run"
    located = [line for line in outcome.lines if ".yaml:" in line]
    shown = located[:1] if located else list(outcome.lines[-3:])
    return f"exit {outcome.status}: {' | '.join(shown)[:300]}"


# --- the run ------------------------------------------------------------------------------------------


def _edit(kb_dir: Path, edit: tuple[str, str, str]) -> None:
    name, old, new = edit
    path = kb_dir / name
    text = path.read_text(encoding="utf-8")
    if old not in text:
        raise SoakSetupError(f"{path} no longer contains {old!r}: update the soak's KB edits")
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _bodies() -> list[bytes]:
    from bench.web import mix  # the bench's request mix: diagnoses and screenings in a fixed order

    return [json.dumps(request).encode("utf-8") for request in mix(kbase.load())]


@contextmanager
def _database(backend: str, work: Path) -> Iterator[tuple[str, object]]:
    """(DATABASE_URL, a handle for the outage): a SQLite file, or a private PostgreSQL cluster."""
    if backend == "sqlite":
        path = work / "pakar.sqlite3"
        yield f"sqlite:///{path}", path
        return
    from testing import pgcluster

    why = pgcluster.missing()
    if why is not None:
        raise SoakSetupError(why)
    try:
        # In the system's temp folder: the postgres user cannot enter work/ (ours alone, 0700).
        cluster_context = pgcluster.private_cluster()
        cluster = cluster_context.__enter__()
    except pgcluster.ClusterError as exc:
        raise SoakSetupError(f"the private PostgreSQL cluster did not start: {exc}") from exc
    try:
        yield cluster.url, cluster
    except BaseException:
        if not cluster_context.__exit__(*sys.exc_info()):
            raise
    else:
        cluster_context.__exit__(None, None, None)


def _stored_keys(url: str, acknowledged_keys: list[str], secret: str) -> tuple[int, int]:
    """(rows stored, rows whose submission is none of the acknowledged keys'), read from the database."""
    from flask import Flask
    from sqlalchemy import create_engine, text

    from testing.databases import driver_url
    from webui import store, submissions

    app = Flask("soak")
    app.config["SECRET_KEY"] = secret
    with app.app_context():
        # The stored column is an HMAC of the scoped key (webui.store): computed here the server's way.
        mine = {store.submission_of(submissions.from_header([key]) or "") for key in acknowledged_keys}
    engine = create_engine(driver_url(url))
    try:
        with engine.connect() as conn:
            rows = [row[0] for row in conn.execute(text("SELECT submission FROM consultation"))]
    finally:
        engine.dispose()
    return len(rows), sum(1 for submission in rows if submission not in mine)


class Run:
    """One backend's run: the server, the clients and the phases."""

    def __init__(self, backend: str, plan: Plan, work: Path, say) -> None:
        self.backend, self.plan, self.work, self.say = backend, plan, work, say
        self.report = Report(backend, plan)
        self.ledger = Ledger()
        self.poll_s = 2.0

    def phase(self, name: str) -> Phase:
        if self.report.phases:
            self.report.phases[-1].ended = self.ledger.now()
        phase = Phase(name, self.ledger.now())
        self.report.phases.append(phase)
        self.say(f"  {self.backend}: {name}")
        return phase

    def watch(self, phase: Phase, settle_s: float = 0.0) -> None:
        """Wait ``settle_s``, then watch the answers for ``watch_s`` and until each client has had a few
        answers sent after the watch began (fresh workers may take seconds to answer their first request)."""
        time.sleep(settle_s)
        start = phase.watch_from = self.ledger.now()
        time.sleep(self.plan.watch_s)
        deadline = time.monotonic() + WATCH_MAX_S
        while time.monotonic() < deadline:
            with self.ledger.lock:
                fresh = sum(1 for s in self.ledger.samples[-1000:] if s.began >= start and s.status is not None)
            if fresh >= 3 * self.plan.clients:
                return
            time.sleep(0.2)

    def execute(self) -> Report:
        """Start the server, run the phases under load, read every receipt back, stop the server."""
        report = self.report
        kb_dir = self.work / "served-kb"  # not "kb": the server runs in work/, where it would shadow the package
        shutil.copytree(kbase.bundled_path(), kb_dir)
        secret = "soak-" + self.work.name
        with _database(self.backend, self.work) as (url, database):
            settings = {
                "DATABASE_URL": url,
                "PAKAR_SECRET_KEY": secret,
                "PAKAR_KB_PATH": str(kb_dir),
                "PAKAR_RATELIMIT_CONSULTATIONS": UNLIMITED,
                "PAKAR_RATELIMIT_DEFAULT": UNLIMITED,
            }
            server = soak_server.start(self.work, settings)
            try:
                health = server.wait_ready()
                report.port = server.port
                report.initial_version = str(health.get("kb", ""))
                self.poll_s = float(_setting("KB_POLL_SECONDS", 2))
                self.under_load(server, database, kb_dir)
                report.alive_at_end = server.running()
                receipts = dict(self.ledger.acknowledged)
                answers = read_back(server.host, server.port, list(receipts.values()))
                report.lost = sum(1 for status, _ in answers.values() if status != 200)
                report.changed = sum(
                    1
                    for receipt, (status, fingerprint) in answers.items()
                    if status == 200 and fingerprint != self.ledger.answers[receipt]
                )
                for status, _ in answers.values():
                    report.read_back[str(status)] = report.read_back.get(str(status), 0) + 1
                report.stored, report.stored_unacknowledged = _stored_keys(url, list(receipts), secret)
            finally:
                report.exit_status = server.stop()
            self._log_size(server)
        report.samples = list(self.ledger.samples)
        report.sent = len(self.ledger.sent)
        report.acknowledged = len(self.ledger.acknowledged)
        return report

    def under_load(self, server: SoakServer, database, kb_dir: Path) -> None:
        report, plan, ledger = self.report, self.plan, self.ledger
        bodies = _bodies()
        stop = threading.Event()
        posters = [
            threading.Thread(
                target=poster,
                args=(ledger, server.host, server.port, bodies, f"soak-{self.work.name}-{i}", stop),
                daemon=True,
            )
            for i in range(plan.clients)
        ]
        ledger.started = time.monotonic()  # the report's times count from the load's start
        for thread in posters:
            thread.start()
        try:
            self.phase("steady")
            time.sleep(plan.steady_s)

            self.phase("slow-headers")
            self.slow_headers(server)

            phase = self.phase("db-outage")
            self.outage(database, phase)

            phase = self.phase("broken-kb")
            _edit(kb_dir, BROKEN_EDIT)
            report.broken_command = server.kb_reload()
            phase.note = _command_line(report.broken_command)
            self.sighup(server, phase)
            self.watch(phase, settle_s=self.poll_s + 0.5)

            phase = self.phase("kill-9")
            report.killed = server.kill_worker()
            report.respawned = server.wait_workers(WORKERS, replacing=frozenset({report.killed}))
            phase.note = f"worker {report.killed} killed; {'respawned' if report.respawned else 'NOT respawned'}"
            self.watch(phase)

            phase = self.phase("good-kb")
            shutil.rmtree(kb_dir)
            shutil.copytree(kbase.bundled_path(), kb_dir)
            _edit(kb_dir, GOOD_EDIT)
            report.good_version = kbase.load(kb_dir).short_version
            report.good_command = server.kb_reload()
            phase.note = _command_line(report.good_command)
            self.watch(phase, settle_s=self.poll_s + 0.5)

            phase = self.phase("sighup")
            self.sighup(server, phase)
            self.watch(phase)
            phase.ended = ledger.now()
        finally:
            stop.set()
            for thread in posters:
                thread.join(timeout=120)

    def slow_headers(self, server: SoakServer) -> None:
        stop = threading.Event()
        lock = threading.Lock()
        threads = [
            threading.Thread(
                target=slow_header_client, args=(server.host, server.port, self.report.slow, lock, stop), daemon=True
            )
            for _ in range(self.plan.slow_clients)
        ]
        for thread in threads:
            thread.start()
        time.sleep(self.plan.slow_s)
        stop.set()
        for thread in threads:
            thread.join(timeout=10)

    def outage(self, database, phase: Phase) -> None:
        plan = self.plan
        began = self.ledger.now()
        if self.backend == "sqlite":
            lock = soak_server.SQLiteLock(database)
            lock.hold()
            began = self.ledger.now()
            time.sleep(plan.outage_s)
            lock.let_go()
            phase.note = f"SQLite write lock held {plan.outage_s:g} s"
        else:
            database.stop()
            time.sleep(max(0.0, plan.outage_s - (self.ledger.now() - began)))
            database.start()
            phase.note = f"PostgreSQL stopped {self.ledger.now() - began:.1f} s"
        back = self.ledger.now()
        self.report.outage = (began, back + plan.recovery_s)
        time.sleep(plan.recovery_s + 1.0)

    def sighup(self, server: SoakServer, phase: Phase) -> None:
        sent = self.ledger.now()
        line = server.wait_reload_line(server.sighup())
        self.report.sighup_reloads.append(line)
        done = f"{_reload_kind(line)} after {self.ledger.now() - sent:.1f} s" if line else "no KB reload line"
        phase.note = "; ".join(filter(None, [phase.note, f"SIGHUP: {done}"]))

    def _log_size(self, server: SoakServer) -> None:
        for path in (server.instance / "logs").glob("*"):
            if path.is_file():
                data = path.read_bytes()
                self.report.log_bytes += len(data)
                self.report.log_lines += data.count(b"\n")


def _setting(name: str, default):
    from webui.config import defaults

    return defaults("").get(name, default)


# --- output -------------------------------------------------------------------------------------------


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:.1f}"


def render(report: Report) -> list[str]:
    """The report as printed lines (counts first; timings only as p50/p99)."""
    plan = report.plan
    total = report.phases[-1].ended if report.phases else 0.0
    lines = [
        f"soak on {report.backend}: python -m webui.serving (nginx -> gunicorn, {WORKERS} sync workers) on"
        f" 127.0.0.1:{report.port}; {plan.clients} clients, {plan.slow_clients} slow-header clients; {total:.0f} s",
        f"  {'phase':<13}{'from s':>7}{'to s':>7}{'requests':>9}{'2xx':>7}{'4xx':>5}{'5xx':>5}{'503':>5}"
        f"{'no answer':>10}{'p50 ms':>8}{'p99 ms':>8}{'max ms':>8}  KB versions seen (after settling)",
    ]
    for phase in report.phases:
        samples = report.in_phase(phase)
        c = counts(samples)
        versions = ", ".join(report.versions(phase)) or "-"
        lines.append(
            f"  {phase.name:<13}{phase.began:>7.1f}{phase.ended:>7.1f}{c['requests']:>9}{c['2xx']:>7}{c['4xx']:>5}"
            f"{c['5xx']:>5}{c['503']:>5}{c['no answer']:>10}{_ms(latency_ms(samples, 50)):>8}"
            f"{_ms(latency_ms(samples, 99)):>8}{_ms(latency_ms(samples, 100)):>8}  {versions}"
        )
        if phase.note:
            lines.append(f"  {'':<13}{phase.note}")
    c = counts(report.samples)
    lines.append(
        f"  {'all':<27}{c['requests']:>9}{c['2xx']:>7}{c['4xx']:>5}{c['5xx']:>5}{c['503']:>5}{c['no answer']:>10}"
        f"{_ms(latency_ms(report.samples, 50)):>8}{_ms(latency_ms(report.samples, 99)):>8}"
        f"{_ms(latency_ms(report.samples, 100)):>8}"
    )
    if report.outage is not None:
        inside = [s for s in report.samples if report.in_outage(s)]
        outside = [s for s in report.samples if not report.in_outage(s)]
        ci, co = counts(inside), counts(outside)
        lines.append(
            f"  outage window {report.outage[0]:.1f}-{report.outage[1]:.1f} s: inside {ci['5xx']} 5xx"
            f" ({ci['503']} 503), {ci['no answer']} no answer; outside {co['5xx']} 5xx, {co['no answer']} no answer"
        )
    lines += [
        f"  consultations: {report.sent} sent, {report.acknowledged} acknowledged"
        f" ({report.sent - report.acknowledged} not: refused with a 4xx, or given up after {RETRIES + 1} attempts),"
        f" acknowledged-but-lost {report.lost}, acknowledged-but-changed {report.changed},"
        f" stored-but-unacknowledged {report.stored_unacknowledged}"
        f" ({report.stored} rows); read back: {', '.join(f'{n} x {k}' for k, n in sorted(report.read_back.items()))}",
        f"  KB versions: {report.initial_version} at start; broken KB refused -> still {report.initial_version};"
        f" good KB -> {report.good_version}",
        f"  slow-header clients: {report.slow.connections} connections,"
        f" {report.slow.bytes_sent} bytes sent at 1 byte/s",
        f"  server log: {report.log_lines} lines, {report.log_bytes} bytes; stop exit status {report.exit_status}",
    ]
    failures = [s for s in report.samples if s.status is None or s.status >= 500]
    kinds: dict[tuple, int] = {}
    for sample in failures:
        # Named by the phase it was answered in: a request cut short by a kill began before the kill.
        where = next((p.name for p in report.phases if p.began <= sample.ended < p.ended), report.phases[-1].name)
        key = (where, sample.status, sample.detail[:120])
        kinds[key] = kinds.get(key, 0) + 1
    for (where, status, detail), n in sorted(kinds.items(), key=lambda item: -item[1]):
        lines.append(f"  {n} x {status or 'no answer'} answered in {where}: {detail}")
    failed = invariants(report)
    lines.append("  invariants: all hold" if not failed else "  INVARIANTS FAILED:")
    lines += [f"    - {line}" for line in failed]
    return lines


def run(backend: str, plan: Plan, parent: Path | None = None, say=print, keep: bool = False) -> Report:
    """One backend's soak in a new folder under ``parent`` (removed afterwards unless ``keep``)."""
    work = Path(tempfile.mkdtemp(prefix=f"pakar-soak-{backend}-", dir=parent))
    try:
        return Run(backend, plan, work, say).execute()
    finally:
        if keep:
            say(f"  {backend}: the run's folder (server log in instance/logs) is kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--size", choices=sorted(PLANS), default="full")
    parser.add_argument("--keep", action="store_true", help="keep each run's folder (the server's log) afterwards")
    args = parser.parse_args(argv)
    backends = ["sqlite", "postgresql"] if args.backend == "both" else [args.backend]
    status = 0
    for backend in backends:
        try:
            report = run(
                backend, PLANS[args.size], say=lambda line: print(line, file=sys.stderr, flush=True), keep=args.keep
            )
        except SoakSetupError as exc:
            print(f"soak on {backend}: cannot run: {exc}", flush=True)
            return 2
        print("\n".join(render(report)), flush=True)
        if invariants(report):
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
