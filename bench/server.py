"""A gunicorn server as a child process: started on a socket of our own, waited for, measured, stopped.

The listening socket is bound here (port 0: the kernel picks a free port) and handed to gunicorn as
``fd://N``, so there is no window in which another program could take the port between choosing and
binding it. The server's CPU time is read from ``/proc`` (Linux; None elsewhere), which counts what the
workers spent whatever the load generator did meanwhile. :func:`running` always stops the server and
waits for it, also when the body raises: a bench must not leave servers behind.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

READY_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


class ServerError(RuntimeError):
    """The server did not start (its log's last lines are in the message)."""


@dataclass(frozen=True)
class Options:
    """How gunicorn runs: ``worker_class`` 'sync' (gunicorn's default) or 'gthread' (with ``threads``)."""

    app: str
    workers: int
    worker_class: str = "sync"
    threads: int = 1
    env: dict = field(default_factory=dict)


def _control_socket_flags() -> list[str]:
    """``--no-control-socket`` where gunicorn has one (27+): else every server shares ~/.gunicorn/gunicorn.ctl."""
    try:
        from gunicorn.config import KNOWN_SETTINGS
    except ImportError:
        return []
    return ["--no-control-socket"] if any("--no-control-socket" in (s.cli or ()) for s in KNOWN_SETTINGS) else []


def command(options: Options, fd: int, chdir: str) -> list[str]:
    """The gunicorn command line (``python -m gunicorn`` of this interpreter, so the same venv)."""
    cmd = [
        sys.executable,
        "-m",
        "gunicorn",
        "--bind",
        f"fd://{fd}",
        "--workers",
        str(options.workers),
        "--worker-class",
        options.worker_class,
        "--chdir",
        chdir,
        *_control_socket_flags(),
    ]
    if options.worker_class == "gthread":
        cmd += ["--threads", str(options.threads)]
    return [*cmd, options.app]


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of one process, from /proc/<pid>/stat (None when unreadable)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            stat = fh.read()
    except OSError:
        return None
    # The command name (field 2) may contain spaces: split after its closing parenthesis.
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def children(pid: int) -> list[int]:
    """PIDs whose parent is ``pid`` (gunicorn's workers), found by scanning /proc."""
    out = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return out
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii") as fh:
                stat = fh.read()
        except OSError:
            continue
        if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
            out.append(int(entry))
    return sorted(out)


def alive(pid: int) -> bool:
    """Whether a process exists (a zombie counts as gone: it runs nothing)."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            stat = fh.read()
    except FileNotFoundError:
        return False
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return True
    return stat[stat.rindex(")") + 2 :].split()[0] != "Z"


@dataclass
class Server:
    """A started server: its address, its master process, and where it logs."""

    host: str
    port: int
    process: subprocess.Popen
    log_path: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def worker_pids(self) -> list[int]:
        return children(self.pid)

    def cpu_seconds(self) -> float | None:
        """CPU time of the master and its workers so far (workers are long-lived, so deltas are meaningful)."""
        total = 0.0
        for pid in [self.pid, *self.worker_pids()]:
            seconds = _cpu_seconds(pid)
            if seconds is None:
                return None
            total += seconds
        return total

    def log_tail(self, lines: int = 20) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])


def wait_ready(server: Server, path: str, timeout: float = READY_TIMEOUT_S, workers: int = 1) -> None:
    """Poll ``GET path`` until it answers 200 and every worker has booted; raise ServerError if it dies first."""
    deadline = time.monotonic() + timeout
    while True:
        if server.process.poll() is not None:
            raise ServerError(f"gunicorn exited with status {server.process.returncode}:\n{server.log_tail()}")
        if _answers(server, path) and len(server.worker_pids()) >= workers:
            return
        if time.monotonic() > deadline:
            raise ServerError(f"gunicorn did not answer GET {path} within {timeout:.0f} s:\n{server.log_tail()}")
        time.sleep(0.05)


def _answers(server: Server, path: str) -> bool:
    return answers_ok(server.host, server.port, path)


def answers_ok(host: str, port: int, path: str) -> bool:
    """Whether ``GET path`` on ``host:port`` answers 200 now (False while nothing listens)."""
    conn = http.client.HTTPConnection(host, port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status == 200
    except OSError:
        return False
    finally:
        conn.close()


def stop(server: Server) -> None:
    """SIGTERM (gunicorn's graceful stop: workers finish their request), then SIGKILL if it hangs."""
    process = server.process
    workers = server.worker_pids()
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    # A killed master leaves its workers to notice on their own; do not return before they are gone.
    deadline = time.monotonic() + STOP_TIMEOUT_S
    while any(alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in workers:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def running(options: Options, *, ready_path: str, log_path: Path, chdir: str, host: str = "127.0.0.1"):
    """Start gunicorn with ``options``, wait until it answers ``ready_path``, yield the :class:`Server`, stop it."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, 0))
        listener.listen(128)
        port = listener.getsockname()[1]
        env = {**os.environ, **options.env}
        with open(log_path, "ab") as log:
            process = subprocess.Popen(
                command(options, listener.fileno(), chdir),
                cwd=chdir,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                pass_fds=(listener.fileno(),),
            )
    finally:
        # gunicorn has its own copy; keeping ours open would only hold the port after the server stops.
        listener.close()
    server = Server(host, port, process, Path(log_path))
    try:
        wait_ready(server, ready_path, workers=options.workers)
        yield server
    finally:
        stop(server)
