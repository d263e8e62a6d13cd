"""Section 6: stored consultations through the production server (``python -m webui.serving``: nginx in front
of gunicorn's sync workers), on SQLite and on PostgreSQL, at 8 and 32 connections.

Each backend gets a server of its own (a fresh instance folder; PostgreSQL: a throwaway database on
``BENCH_POSTGRES_URL`` or ``PAKAR_TEST_POSTGRES_URL``, dropped afterwards), with rate limits off (one
address sends everything). Two request mixes, each measured:

* repeated: the web section's 296 requests sent over and over, as a site sees the same common answers;
  after the warm-up every worker's result memo (:mod:`rules.memo`) knows them, so the engine mostly does
  not run;
* distinct: every request carries an ``id`` of its own, so no two are the same and every one runs the
  engine (the memo never hits): the honest figure for the engine's share.

Every POST stores its row. The server's CPU per request is the CPU time of the launcher and every process
below it (nginx, gunicorn and its workers, from /proc), split into engine (this process's CPU for the same
consultation, a memo miss or hit as the mix has it), storage (``store.record`` in this process on the same
backend) and the rest (nginx, gunicorn, Flask, JSON both ways).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from bench import load, web
from bench.server import answers_ok, children
from bench.stats import Series

POSTGRES_ENVS = ("BENCH_POSTGRES_URL", "PAKAR_TEST_POSTGRES_URL")
CONCURRENCIES = (8, 32)
READY_PATH = "/healthz"
START_SECONDS = 120
STOP_SECONDS = 60
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """Requests per series (after ``warmup`` of the same mix), and how many consultations the in-process
    engine and storage figures time."""

    requests: int
    warmup: int
    engine_items: int
    storage_items: int
    concurrencies: tuple[int, ...] = CONCURRENCIES
    mix_size: int | None = None


def postgres_url() -> str | None:
    """The PostgreSQL server the bench may make a throwaway database on, or None."""
    for name in POSTGRES_ENVS:
        if os.environ.get(name):
            return os.environ[name]
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (the launcher, nginx and its workers, gunicorn and its workers)."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        out.append(current)
        todo.extend(children(current))
    return out


def _tree_cpu(pid: int) -> float:
    """CPU seconds of the tree: each live process's own, plus what its children that ended had used (a
    gunicorn worker restarted after ``max_requests`` is reaped by its master, whose cutime/cstime then hold
    it; without them the tree's total would drop when a worker is replaced)."""
    total = 0.0
    for each in _descendants(pid):
        try:
            with open(f"/proc/{each}/stat", encoding="ascii") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        total += sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")
    return total


@dataclass
class Launched:
    process: subprocess.Popen
    port: int
    output: Path

    def cpu_seconds(self) -> float:
        return _tree_cpu(self.process.pid)


@contextlib.contextmanager
def launched(instance: Path, database_url: str | None) -> Iterator[Launched]:
    """``python -m webui.serving`` on a free loopback port; stopped with SIGTERM (then killed) afterwards."""
    port = _free_port()
    dropped = ("PAKAR_", "DATABASE_URL", "WEB_CONCURRENCY", "PORT", "HOST", "WEBUI_SERVING_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env.update(
        PATH=f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}",
        PORT=str(port),
        PAKAR_SECRET_KEY="bench",
        PAKAR_RATELIMIT_ENABLED="false",  # one address sends everything
    )
    if database_url:
        env["DATABASE_URL"] = database_url
    instance.mkdir(parents=True, exist_ok=True)
    output = instance.parent / "serve.out"
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "webui.serving", "--instance", str(instance)],
            env=env,
            cwd=REPO,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + START_SECONDS
        while not answers_ok("127.0.0.1", port, READY_PATH):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = output.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
                raise RuntimeError("the production server did not start:\n" + "\n".join(tail))
            time.sleep(0.3)
        yield Launched(process, port, output)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextlib.contextmanager
def throwaway_postgres(server: str) -> Iterator[str]:
    """A fresh database on ``server`` (testing.databases: the tests' own way), dropped afterwards."""
    from testing.databases import throwaway_database

    with throwaway_database(server) as url:
        yield url


def bodies(requests: list[dict], count: int, distinct: str | None) -> list[str]:
    """``count`` bodies taken from ``requests`` in turn; with ``distinct`` (a prefix) each carries its own id."""
    out = []
    for n in range(count):
        request = requests[n % len(requests)]
        out.append(json.dumps({**request, "id": f"{distinct}{n}"} if distinct else request))
    return out


def series(server: Launched, requests: list[dict], settings: Settings, concurrency: int, distinct: bool) -> dict:
    """Warm-up, then ``settings.requests`` timed POSTs at ``concurrency`` connections."""
    plan = {"host": "127.0.0.1", "port": server.port, "path": web.API, "concurrency": concurrency}
    tag = f"c{concurrency}-" if distinct else None
    load.run({**plan, "count": settings.warmup, "bodies": bodies(requests, settings.warmup, tag and tag + "w")})
    timed = bodies(requests, settings.requests, tag and tag + "t")
    cpu_before = server.cpu_seconds()
    result = load.run({**plan, "count": settings.requests, "bodies": timed})
    cpu_after = server.cpu_seconds()
    latencies = Series("production", tuple(result["latencies_ns"]))
    return {
        "count": latencies.count,
        "ok": result["statuses"].get("201", 0),
        "statuses": result["statuses"],
        "per_s": latencies.count / result["wall_s"],
        "median_ms": latencies.median_ms,
        "p99_ms": latencies.p99_ms,
        "server_cpu_ms": (cpu_after - cpu_before) * 1000 / latencies.count,
        "client_cpu_ms": result["cpu_s"] * 1000 / latencies.count,
    }


def engine_costs(kb, requests: list[dict], items: int) -> dict:
    """CPU ms of ``rules.consult`` as the API calls it: a memo miss (distinct requests) and a memo hit."""
    import rules
    from rules.memo import memo

    parsed = [web.parse(body) for body in bodies(requests, items, None)]
    memo.clear()
    began = time.process_time()
    for n, request in enumerate(parsed):
        rules.consult(kb, {**request, "id": f"miss{n}"})
    miss = (time.process_time() - began) * 1000 / len(parsed)
    for request in parsed:
        rules.consult(kb, request)
    began = time.process_time()
    for request in parsed:
        rules.consult(kb, request)
    hit = (time.process_time() - began) * 1000 / len(parsed)
    memo.clear()
    return {"miss_ms": miss, "hit_ms": hit}


def storage_cost(kb, requests: list[dict], items: int, database_url: str, instance: Path) -> dict:
    """CPU and wall ms of ``store.record`` (what the API stores, nothing read back) on ``database_url``."""
    import rules
    from webui import create_app, store
    from webui.extensions import db

    app = create_app(
        {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": database_url, "AUTO_MIGRATE": True},
        instance_path=str(instance),
    )
    stored = [(json.loads(body), rules.consult(kb, web.parse(body))) for body in bodies(requests, items, None)]
    with app.app_context():
        for request, result in stored[:20]:  # warm: the first statement compiles, the pool connects
            store.record(request, result)
        cpu, wall = time.process_time(), time.perf_counter()
        for request, result in stored:
            store.record(request, result)
        cpu_ms = (time.process_time() - cpu) * 1000 / len(stored)
        wall_ms = (time.perf_counter() - wall) * 1000 / len(stored)
        db.session.remove()
        db.engine.dispose()  # close this process's connections before the server opens its own
    return {"cpu_ms": cpu_ms, "wall_ms": wall_ms}


def backend(kb, name: str, database_url: str | None, requests: list[dict], settings: Settings, log) -> dict:
    """Every series of one backend: storage alone, then the server at each concurrency, repeated and distinct."""
    with tempfile.TemporaryDirectory(prefix=f"pakar-bench-{name}-") as tmp:
        instance = Path(tmp) / "instance"
        instance.mkdir()
        url = database_url or f"sqlite:///{instance / 'pakar.sqlite3'}"
        log(f"production {name}: storage alone, {settings.storage_items} rows")
        storage = storage_cost(kb, requests, settings.storage_items, url, Path(tmp) / "bench-instance")
        out: dict = {"storage": storage, "series": {}}
        with launched(instance, database_url) as server:
            for concurrency in settings.concurrencies:
                for mix_name, distinct in (("repeated", False), ("distinct", True)):
                    log(f"production {name}: {mix_name} mix, {concurrency} connections, {settings.requests} requests")
                    out["series"][f"{mix_name}@{concurrency}"] = series(
                        server, requests, settings, concurrency, distinct
                    )
        return out


def _shown(url: str) -> str:
    """A database URL without its password, for the report."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    return f"{parts.scheme}://{host}{':' + str(parts.port) if parts.port else ''}"


def section(kb, settings: Settings, log=lambda message: None) -> dict:
    """The section's figures; a backend that cannot run becomes {'error': ...} (PostgreSQL without a URL:
    {'skipped': ...})."""
    started = time.time()
    requests = web.mix(kb)[: settings.mix_size]
    engine = engine_costs(kb, requests, settings.engine_items)
    figures: dict = {"engine": engine, "backends": {}}
    pg = postgres_url()
    for name in ("sqlite", "postgresql"):
        if name == "postgresql" and not pg:
            figures["backends"][name] = {"skipped": f"set {' or '.join(POSTGRES_ENVS)} to run it"}
            continue
        try:
            if name == "postgresql":
                assert pg is not None
                with throwaway_postgres(pg) as url:
                    figures["backends"][name] = backend(kb, name, url, requests, settings, log)
                    figures["backends"][name]["database"] = _shown(pg)
            else:
                figures["backends"][name] = backend(kb, name, None, requests, settings, log)
        except Exception as exc:  # a bench reports a backend that failed and goes on with the other
            figures["backends"][name] = {"error": f"{type(exc).__name__}: {exc}"}
    for data in figures["backends"].values():
        for key, row in data.get("series", {}).items():
            cost = engine["miss_ms" if key.startswith("distinct") else "hit_ms"]
            row["split"] = {
                "engine_ms": cost,
                "storage_ms": data["storage"]["cpu_ms"],
                "rest_ms": row["server_cpu_ms"] - cost - data["storage"]["cpu_ms"],
            }
    figures["settings"] = {
        "requests": settings.requests,
        "warmup": settings.warmup,
        "concurrencies": list(settings.concurrencies),
        "mix": web.describe_mix(requests),
        "server": "python -m webui.serving (nginx + gunicorn, 2 sync workers)",
        "cpus": os.cpu_count(),
    }
    figures["date"] = time.strftime("%Y-%m-%d %H:%M", time.localtime(started))
    figures["seconds"] = round(time.time() - started, 1)
    return figures


GOAL = {"per_s": 700, "p99_ms": {8: 25, 32: 100}, "storage_ms": 0.5}
