"""The load generator: N POSTs over ``concurrency`` HTTP/1.1 connections, timed one by one, in its own process.

It runs as ``python -m bench.load`` (a plan as JSON on stdin, the samples as JSON on stdout), so that it
neither shares a GIL nor a heap with the bench, and so that its own CPU time can be read exactly
(``getrusage`` of its process): on a 2-core machine the client takes CPU from the server, and the bench
reports how much. Each client thread keeps one ``http.client`` connection; it is reused while the server
keeps it open (gthread workers) and reopened inside the next request's timing when the server closes it
after each response (sync workers), because that is what such a server costs its clients.
"""

from __future__ import annotations

import http.client
import json
import queue
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TIMEOUT_S = 60.0


def _client(host, port, path, bodies, todo: queue.SimpleQueue, start: threading.Barrier, out: list) -> None:
    """One connection: take request numbers until none is left; record (ns, status) for each."""
    conn = http.client.HTTPConnection(host, port, timeout=TIMEOUT_S)
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    clock = time.perf_counter_ns
    start.wait()
    try:
        while True:
            try:
                n = todo.get_nowait()
            except queue.Empty:
                return
            began = clock()
            try:
                conn.request("POST", path, body=bodies[n % len(bodies)], headers=headers)
                response = conn.getresponse()
                response.read()  # the whole body: the timing covers the answer, and the connection is reusable
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                status = f"{type(exc).__name__}: {exc}"
            out.append((clock() - began, status))
    finally:
        conn.close()


def generate(plan: dict) -> dict:
    """Send ``plan['count']`` POSTs (bodies taken in turn) and return latencies, statuses, wall and CPU time."""
    bodies = [body.encode("utf-8") for body in plan["bodies"]]
    todo: queue.SimpleQueue = queue.SimpleQueue()
    for n in range(plan["count"]):
        todo.put(n)
    concurrency = max(1, min(plan["concurrency"], plan["count"]))
    start = threading.Barrier(concurrency + 1)
    results: list[list] = [[] for _ in range(concurrency)]
    threads = [
        threading.Thread(
            target=_client,
            args=(plan["host"], plan["port"], plan["path"], bodies, todo, start, results[i]),
            daemon=True,
        )
        for i in range(concurrency)
    ]
    for thread in threads:
        thread.start()
    cpu_before = resource.getrusage(resource.RUSAGE_SELF)
    began = time.perf_counter_ns()
    start.wait()
    for thread in threads:
        thread.join()
    wall_ns = time.perf_counter_ns() - began
    cpu_after = resource.getrusage(resource.RUSAGE_SELF)
    samples = [sample for per_client in results for sample in per_client]
    statuses: dict[str, int] = {}
    for _, status in samples:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    return {
        "latencies_ns": [ns for ns, _ in samples],
        "statuses": statuses,
        "wall_s": wall_ns / 1e9,
        "cpu_s": (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime),
        "concurrency": concurrency,
    }


def run(plan: dict, timeout: float | None = None) -> dict:
    """Run :func:`generate` in a fresh ``python -m bench.load`` process and return its result."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        input=json.dumps(plan),
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=timeout,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"load generator failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(done.stdout)


def main() -> int:
    json.dump(generate(json.load(sys.stdin)), sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
