"""Section 5: consultations through the web app under gunicorn, beside the engine alone.

The request mix is the engine bench's own workloads as API requests (every diagnosis of
:func:`workloads.diagnosis`: 8 symptoms, full trace; every screening combination), shuffled once with a
fixed seed. Four figures, all on that mix:

* web: ``POST /api/v1/consultations`` through gunicorn (``workers`` = CPU cores, sync workers: gunicorn's
  default and the README's production command), from :mod:`bench.load` in a process of its own with
  ``concurrency`` connections. Every POST also stores its row (SQLite in a temp dir, migrated first as
  production databases are), so storage is part of the figure. Throughput is requests / wall time.
* engine only: :func:`rules.consult` in this process, one thread, on the same requests already parsed:
  what the web wraps, the reference the web figure is read against.
* storage: ``store.record`` in this process, as the API calls it, on the same database.
* harness floor: :mod:`bench.null_app` under the same gunicorn and load generator: HTTP, gunicorn and the
  client on this machine, with no app behind them.

On a machine with few cores the client competes with the server for the CPU, and queueing and disk
waits stretch latencies; CPU times do neither. So the server's CPU per request (from /proc) is split
into engine + storage + HTTP and gunicorn (the null app's) + the rest (Flask, JSON, the result's URL),
and the load generator's own CPU per request is reported beside it.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import rules
from bench import load, server, workloads
from bench.stats import Series, measure

API = "/api/v1/consultations"
READY = "/api/v1/kb"
MIX_SEED = 20201124
UNLIMITED = "1000000/minute"  # a rate limit no benchmark reaches
CONCURRENCY = 4
WORKER_CLASS = "sync"
THREADS = 2  # per gthread worker, when that class is chosen
REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    """How many requests each web series sends, and how the server runs (workers: None = CPU cores).

    ``mix_size`` keeps only the first requests of the mix (a short test run); None keeps all 296.
    """

    requests: int
    warmup: int
    null_requests: int
    engine_rounds: int
    storage_rounds: int
    concurrency: int = CONCURRENCY
    workers: int | None = None
    worker_class: str = WORKER_CLASS
    threads: int = THREADS
    mix_size: int | None = None


def mix(kb) -> list[dict]:
    """The requests: every diagnosis and every screening of the engine bench, in one seeded order."""
    out = [
        {"mode": "diagnosis", "symptoms": {code: float(cf) for code, cf in symptoms.items()}}
        for symptoms in workloads.diagnosis(kb)
    ]
    out += [{"mode": "screening", "answers": answers} for answers in workloads.screening(kb)]
    random.Random(MIX_SEED).shuffle(out)
    return out


def describe_mix(requests: list[dict]) -> str:
    diagnoses = sum(1 for r in requests if r["mode"] == "diagnosis")
    return (
        f"{diagnoses} diagnoses ({workloads.SYMPTOMS_PER_CONSULTATION} symptoms, full trace) +"
        f" {len(requests) - diagnoses} screenings, shuffled (seed {MIX_SEED})"
    )


def parse(body: str):
    """A body as the API reads it (exact decimals), so the engine-only series gets what the web's engine gets."""
    return json.loads(body, parse_float=Decimal)


def timed(name: str, call, items, rounds: int) -> dict:
    """Figures of ``call(item)`` over ``items`` (after one warm-up pass), with the CPU time per call.

    CPU beside wall time tells computing from waiting (SQLite's commit waits for the disk), and is
    what adds up with the server's CPU time per request.
    """
    for item in items:
        call(item)
    cpu = time.process_time()
    series = measure(name, call, items, rounds, warmup=0)
    cpu_ms = (time.process_time() - cpu) * 1000 / series.count
    return {
        "count": series.count,
        "per_s": series.per_second,
        "median_ms": series.median_ms,
        "p99_ms": series.p99_ms,
        "mean_ms": 1000 / series.per_second,
        "cpu_ms": cpu_ms,
    }


def engine_only(kb, bodies: list[str], rounds: int) -> dict:
    """rules.consult in this process, one consultation at a time (trace included, as the API asks), with the
    result memo off: every call runs the engine (the memo's hits are section 6's repeated mix)."""
    from rules.memo import memo

    requests = [parse(body) for body in bodies]
    size, memo.size = memo.size, 0
    try:
        return timed("engine", lambda request: rules.consult(kb, request), requests, rounds)
    finally:
        memo.size = size


def _app(db_path: Path, instance: Path):
    from webui import create_app  # here, so that the rest of the bench does not import Flask

    return create_app(
        {"SECRET_KEY": "bench", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "AUTO_MIGRATE": True},
        instance_path=str(instance),
    )


def storage(kb, bodies: list[str], rounds: int, db_path: Path, instance: Path) -> dict:
    """``store.record`` of each consultation (what the API does after consulting: one row stored, nothing read
    back), on ``db_path``.

    Creating the app also creates the schema, which the server then finds: gunicorn's workers would
    otherwise each try to migrate the same empty database at boot, and all but one would fail.
    """
    from webui import store

    app = _app(db_path, instance)
    stored = [(json.loads(body), rules.consult(kb, parse(body))) for body in bodies]

    def save(item):
        with app.app_context():  # one per request in the app, too: a fresh session and a pooled connection
            store.record(item[0], item[1], for_other=False)

    figures = timed("storage", save, stored, rounds)
    with app.app_context():
        from webui.extensions import db

        db.engine.dispose()  # close this process's connections before the server opens its own
    return figures


def rows(db_path: Path) -> int:
    from webui.models import Consultation

    with sqlite3.connect(db_path) as conn:
        ((count,),) = conn.execute(f"SELECT count(*) FROM {Consultation.__tablename__}")
    conn.close()
    return count


def filesystem(path: Path) -> str | None:
    """The type of the filesystem holding ``path`` (ext4, tmpfs, ...): SQLite's commit cost depends on it."""
    try:
        with open("/proc/mounts", encoding="utf-8") as fh:
            mounts = [line.split()[1:3] for line in fh]
    except OSError:
        return None
    target = str(Path(path).resolve())
    best = max(
        (m for m in mounts if target == m[0] or target.startswith(m[0].rstrip("/") + "/")),
        key=lambda m: len(m[0]),
        default=None,
    )
    return best[1] if best else None


def serve(
    options: server.Options, bodies: list[str], settings: Settings, count: int, warmup: int, log_path: Path, ready: str
) -> dict:
    """One gunicorn run: warm-up (engines built in every worker), then ``count`` timed requests."""
    with server.running(options, ready_path=ready, log_path=log_path, chdir=str(REPO)) as srv:
        plan = {"host": srv.host, "port": srv.port, "path": API, "bodies": bodies, "concurrency": settings.concurrency}
        if warmup:
            load.run({**plan, "count": warmup})
        cpu_before = srv.cpu_seconds()
        result = load.run({**plan, "count": count})
        cpu_after = srv.cpu_seconds()
        processes = [srv.pid, *srv.worker_pids()]
    series = Series("web", tuple(result["latencies_ns"]))
    return {
        "count": series.count,
        "ok": result["statuses"].get("201", 0),
        "statuses": result["statuses"],
        "per_s": series.count / result["wall_s"],
        "median_ms": series.median_ms,
        "p99_ms": series.p99_ms,
        "wall_s": result["wall_s"],
        "server_cpu_ms": None
        if cpu_before is None or cpu_after is None
        else (cpu_after - cpu_before) * 1000 / series.count,
        "client_cpu_ms": result["cpu_s"] * 1000 / series.count,
        "processes": processes,
    }


def ratios(web: dict, engine: dict) -> dict:
    """Web over engine: throughput, median latency, and CPU per consultation (server CPU / engine CPU)."""
    return {
        "per_s": web["per_s"] / engine["per_s"],
        "median": web["median_ms"] / engine["median_ms"],
        "cost": None if web["server_cpu_ms"] is None else web["server_cpu_ms"] / engine["cpu_ms"],
    }


def breakdown(web: dict, engine: dict, stored: dict, null: dict) -> dict:
    """A web consultation's server CPU ms by layer: CPU times add up where wall times (queueing, disk) do not.

    Engine and storage are measured in this process, HTTP + gunicorn is the null app's server CPU per
    request, and the rest (Flask's routing and hooks, JSON both ways, the result's URL) is what remains of
    the server's CPU per request. All None without /proc.
    """
    server_cpu, http = web["server_cpu_ms"], null["server_cpu_ms"]
    rest = None if server_cpu is None or http is None else server_cpu - engine["cpu_ms"] - stored["cpu_ms"] - http
    return {
        "engine_ms": engine["cpu_ms"],
        "storage_ms": stored["cpu_ms"],
        "http_ms": http,
        "rest_ms": rest,
        "server_ms": server_cpu,
    }


def run(kb, settings: Settings, log=lambda message: None) -> dict:
    """Every web series; returns {'figures': JSON-ready dict, 'processes': the server PIDs that ran}."""
    requests = mix(kb)[: settings.mix_size]
    bodies = [json.dumps(request) for request in requests]
    workers = settings.workers or os.cpu_count() or 1
    load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else None  # other work on the machine
    log(f"web: engine only, {len(bodies)} requests x {settings.engine_rounds} rounds")
    engine = engine_only(kb, bodies, settings.engine_rounds)
    with tempfile.TemporaryDirectory(prefix="pakar-bench-web-") as tmp:
        tmp_path = Path(tmp)
        db_path, instance = tmp_path / "bench.sqlite3", tmp_path / "instance"
        log(f"web: storage, {len(bodies)} consultations x {settings.storage_rounds} rounds")
        stored = storage(kb, bodies, settings.storage_rounds, db_path, instance)
        options = server.Options(
            app=f"webui:create_app(instance_path={str(instance)!r})",
            workers=workers,
            worker_class=settings.worker_class,
            threads=settings.threads,
            env={
                "PAKAR_SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
                "PAKAR_SECRET_KEY": "bench",
                # Every request comes from 127.0.0.1: limits far above the load, so the limiter's cost is measured
                # but it never refuses (webui.limits).
                "PAKAR_RATELIMIT_CONSULTATIONS": UNLIMITED,
                "PAKAR_RATELIMIT_DEFAULT": UNLIMITED,
            },
        )
        log(
            f"web: gunicorn {workers} {settings.worker_class} workers, {settings.warmup} warm-up +"
            f" {settings.requests} requests, {settings.concurrency} connections"
        )
        rows_before = rows(db_path)
        web = serve(options, bodies, settings, settings.requests, settings.warmup, tmp_path / "gunicorn.log", READY)
        web["stored"] = rows(db_path) - rows_before
        web["posted"] = settings.warmup + settings.requests
        log(f"web: harness floor (null app), {settings.null_requests} requests")
        null_options = server.Options(
            app="bench.null_app:app", workers=workers, worker_class=settings.worker_class, threads=settings.threads
        )
        null = serve(
            null_options,
            bodies,
            settings,
            settings.null_requests,
            min(settings.warmup, 50),
            tmp_path / "gunicorn-null.log",
            "/",
        )
        database = f"SQLite on {filesystem(db_path) or 'an unknown filesystem'}"
    processes = web.pop("processes") + null.pop("processes")
    figures = {
        "settings": {
            "workers": workers,
            "worker_class": settings.worker_class,
            "threads": settings.threads if settings.worker_class == "gthread" else 1,
            "concurrency": settings.concurrency,
            "requests": settings.requests,
            "warmup": settings.warmup,
            "mix": describe_mix(requests),
            "database": database,
            "load_average": load_average,
        },
        "web": web,
        "null": null,
        "engine": engine,
        "storage": stored,
        "ratios": ratios(web, engine),
        "breakdown": breakdown(web, engine, stored, null),
    }
    return {"figures": figures, "processes": processes}


def section(kb, settings: Settings, log=lambda message: None) -> dict:
    """The figures alone (what the suite records); a failing server becomes {'error': ...}, not a crash."""
    started = time.time()
    try:
        figures = run(kb, settings, log)["figures"]
    except (server.ServerError, RuntimeError, OSError) as exc:
        return {"error": str(exc)}
    # Its own date: a reference may keep older figures of the other sections beside newer web ones.
    figures["date"] = time.strftime("%Y-%m-%d %H:%M", time.localtime(started))
    figures["seconds"] = round(time.time() - started, 1)
    return figures
