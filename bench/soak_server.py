"""The production server under the soak (``python -m webui.serving``: nginx in front of 2 sync gunicorn
workers), on 127.0.0.1 and a free port, and the faults the soak does to it: ``kill -9`` of a worker, a KB
written to its ``KB_PATH`` (broken, then good) and reloaded by the command and by SIGHUP, a database outage.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from bench.server import alive, children
from webui.serving.settings import app_spec

READY_S = 120.0  # migrations, two workers loading the KB, on a loaded machine
STOP_S = 90.0
RESPAWN_S = 240.0  # a killed worker's replacement boots (parses the KB, builds the engines) on a loaded machine
RELOAD_S = 150.0  # a SIGHUP's KB reload (the launcher gives it 120 s) until its one log line
COMMAND_S = 180.0


class SoakSetupError(RuntimeError):
    """The soak cannot run here (no nginx, no PostgreSQL, the server does not start): one line saying why."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_env(settings: dict[str, str]) -> dict[str, str]:
    """This environment without any PAKAR_*, DATABASE_URL, PORT, HOST or WEB_CONCURRENCY of the caller's,
    plus ``settings``: the soak's server is configured by the soak alone."""
    dropped = ("PAKAR_", "DATABASE_URL", "WEB_CONCURRENCY", "PORT", "HOST", "WEBUI_SERVING_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(settings)
    return env


@dataclass(frozen=True)
class CommandOutcome:
    """What ``flask --app webui kb reload`` did: its exit status and its output lines."""

    status: int
    lines: tuple[str, ...]


@dataclass
class SoakServer:
    """A running launcher: its process, port, instance folder and environment."""

    process: subprocess.Popen
    port: int
    instance: Path
    output: Path
    env: dict[str, str]

    host = "127.0.0.1"

    def get_json(self, path: str, timeout: float = 10.0) -> tuple[int, dict]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            connection.request("GET", path, headers={"Accept": "application/json"})
            response = connection.getresponse()
            data = response.read()
        finally:
            connection.close()
        try:
            body = json.loads(data)
        except ValueError:
            body = {}
        return response.status, body if isinstance(body, dict) else {}

    def wait_ready(self) -> dict:
        """Until ``/healthz`` answers 200 through nginx; its body. Raises SoakSetupError if the launcher exits."""
        deadline = time.monotonic() + READY_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SoakSetupError(f"the server exited with {self.process.returncode}: {self.last_output()}")
            try:
                status, body = self.get_json("/healthz", timeout=5)
                if status == 200:
                    return body
            except OSError:
                pass  # nginx not listening yet, or gunicorn still booting: ask again
            time.sleep(0.3)
        raise SoakSetupError(f"the server did not answer /healthz within {READY_S:.0f} s: {self.last_output()}")

    def last_output(self, lines: int = 5) -> str:
        try:
            text = self.output.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return " | ".join(text.strip().splitlines()[-lines:])

    def gunicorn_pid(self) -> int:
        return int((self.instance / "run" / "gunicorn.pid").read_text().strip())

    def workers(self) -> list[int]:
        """The gunicorn master's live workers."""
        return [pid for pid in children(self.gunicorn_pid()) if alive(pid)]

    def wait_workers(self, count: int, replacing: frozenset[int] = frozenset(), timeout: float = RESPAWN_S) -> bool:
        """Until ``count`` workers run, none of them in ``replacing``; False when that does not happen in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                now = set(self.workers())
            except (OSError, ValueError):
                now = set()
            if len(now) == count and not now & replacing:
                return True
            time.sleep(0.1)
        return False

    def kill_worker(self) -> int:
        """``kill -9`` one worker (the first by pid); its pid."""
        victim = self.workers()[0]
        os.kill(victim, signal.SIGKILL)
        return victim

    def sighup(self) -> int:
        """SIGHUP to the launcher: it runs the KB reload (no worker restarts; the workers follow the active
        version). Returns where the server's output stood, for :meth:`wait_reload_line`."""
        offset = self.output.stat().st_size if self.output.exists() else 0
        self.process.send_signal(signal.SIGHUP)
        return offset

    def wait_reload_line(self, offset: int, timeout: float = RELOAD_S) -> str | None:
        """The launcher's one line about the KB reload written after ``offset``; None if none came in time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with self.output.open("rb") as fh:
                    fh.seek(offset)
                    text = fh.read().decode("utf-8", errors="replace")
            except OSError:
                text = ""
            for line in text.splitlines():
                if "KB reload" in line and "running" not in line:
                    return line.strip()
            time.sleep(0.2)
        return None

    def kb_reload(self) -> CommandOutcome:
        """``flask --app webui kb reload`` on this server's instance, database and KB_PATH."""
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", app_spec(str(self.instance)), "kb", "reload"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_S,
            check=False,
        )
        lines = tuple(line.strip() for line in (done.stdout + "\n" + done.stderr).splitlines() if line.strip())
        return CommandOutcome(done.returncode, lines)

    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> int | None:
        """SIGTERM and wait: the launcher's exit status (None when it had to be killed)."""
        if self.process.poll() is not None:
            return self.process.returncode
        self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(timeout=STOP_S)
        except subprocess.TimeoutExpired:
            self._kill_all()
            return None

    def _kill_all(self) -> None:
        """The last resort: both servers by their own pid files (never by name), then the launcher."""
        for name in ("nginx", "gunicorn"):
            with contextlib.suppress(OSError, ValueError):
                os.kill(int((self.instance / "run" / f"{name}.pid").read_text().strip()), signal.SIGKILL)
        self.process.kill()
        self.process.wait()


def start(work: Path, settings: dict[str, str]) -> SoakServer:
    """Start the launcher with its instance folder in ``work`` and ``settings`` as its environment."""
    port = free_port()
    instance = work / "instance"
    output = work / "serve.out"
    env = server_env({"PORT": str(port), "HOST": "127.0.0.1", **settings})
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "webui.serving", "--instance", str(instance)],
            env=env,
            cwd=work,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return SoakServer(process, port, instance, output, env)


class SQLiteLock:
    """Hold SQLite's write lock on the database file (``BEGIN EXCLUSIVE``) in a thread, for a while: what a
    long write elsewhere does to the server's writers. :meth:`hold` returns when the lock is taken."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.taken = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            conn = sqlite3.connect(self.path, timeout=60, isolation_level=None)
            try:
                conn.execute("BEGIN EXCLUSIVE")
                self.taken.set()
                self.release.wait()
                conn.execute("COMMIT")
            finally:
                conn.close()
        except BaseException as exc:  # reported by hold()/let_go(), not lost in a thread
            self.error = exc
            self.taken.set()

    def hold(self) -> None:
        self.thread.start()
        self.taken.wait()
        if self.error is not None:
            raise SoakSetupError(f"could not lock {self.path}: {self.error}")

    def let_go(self) -> None:
        self.release.set()
        self.thread.join()
