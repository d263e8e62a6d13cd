"""The production server (``python -m webui.serving``: nginx in front of gunicorn) started for a test.

    with production_server(tmp_path, DATABASE_URL=...) as server:
        server.get("/healthz")        # (status, headers, body) through nginx
        server.send(signal.SIGHUP)    # the launcher runs the KB reload (workers follow the new version)
        server.stop()                 # SIGTERM; returns the launcher's exit status

Tests that start it skip when nginx is not installed (CI fails them instead: .ci/services.sh installs it).
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from testing.environment import unavailable
from webui.serving import nginx
from webui.serving.errors import ServeError

START_SECONDS = 120  # a loaded machine, PostgreSQL migrations, two workers loading the KB
STOP_SECONDS = 90


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def nginx_or_skip() -> str:
    """The nginx binary, or a skip (a failure in CI) naming what to install."""
    try:
        return nginx.find_binary()
    except ServeError as exc:
        unavailable(str(exc), ".ci/services.sh must install nginx")


def clean_env(**settings: str) -> dict[str, str]:
    """This venv's commands first, no PAKAR_*, DATABASE_URL, PORT, HOST or WEB_CONCURRENCY from outside."""
    dropped = ("PAKAR_", "DATABASE_URL", "WEB_CONCURRENCY", "PORT", "HOST", "WEBUI_SERVING_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(dropped)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(settings)
    return env


@dataclass
class ProductionServer:
    """A running launcher: its process, port, instance folder and output file."""

    process: subprocess.Popen
    port: int
    instance: Path
    output: Path
    exit_status: int | None = field(default=None)

    @property
    def log_file(self) -> Path:
        return self.instance / "logs" / "pakar.log"

    def text(self) -> str:
        """What the launcher printed so far (its terminal copy of the log)."""
        return self.output.read_text(encoding="utf-8", errors="replace")

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 30
    ) -> tuple[int, dict[str, str], bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers or {})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def get(self, path: str, **kwargs) -> tuple[int, dict[str, str], bytes]:
        return self.request("GET", path, **kwargs)

    def pid(self, name: str) -> int:
        """The pid of the ``gunicorn`` or ``nginx`` master, from its pid file in the run folder."""
        return int((self.instance / "run" / f"{name}.pid").read_text().strip())

    def workers(self) -> list[int]:
        """The pids of gunicorn's workers now (the children of its master)."""
        master = self.pid("gunicorn")
        found = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    stat = (entry / "stat").read_text(encoding="ascii")
                except OSError:
                    continue  # it exited meanwhile
                if int(stat.rsplit(") ", 1)[1].split()[1]) == master:
                    found.append(int(entry.name))
        return sorted(found)

    def send(self, signum: int) -> None:
        """A signal to the launcher (SIGHUP: it runs the KB reload; SIGTERM: it stops both servers)."""
        self.process.send_signal(signum)

    def wait_ready(self) -> None:
        """Until ``/healthz`` answers 200 through nginx; fails with the output when the launcher exits."""
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the launcher exited with {self.process.returncode}:\n{self.text()}")
            try:
                if self.get("/healthz", timeout=5)[0] == 200:
                    return
            except OSError:
                pass  # nginx not listening yet, or gunicorn still booting: ask again
            time.sleep(0.3)
        raise AssertionError(f"no /healthz answer in {START_SECONDS}s:\n{self.text()}")

    def stop(self, signum: int = signal.SIGTERM) -> int:
        """Send ``signum`` and wait for the launcher; its exit status."""
        if self.process.poll() is None:
            self.process.send_signal(signum)
        self.exit_status = self.process.wait(timeout=STOP_SECONDS)
        return self.exit_status


@contextmanager
def production_server(tmp_path: Path, *args: str, ready: bool = True, **settings: str) -> Iterator[ProductionServer]:
    """The launcher on a free loopback port with its instance folder in ``tmp_path``; stopped (and, if it
    will not stop, killed with both servers) afterwards. ``settings`` are environment variables."""
    nginx_or_skip()
    port = free_port()
    instance = tmp_path / "instance"
    output = tmp_path / "serve.out"
    env = clean_env(PORT=str(port), PAKAR_SECRET_KEY="serving-test-secret", **settings)
    with output.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "webui.serving", "--instance", str(instance), *args],
            env=env,
            cwd=tmp_path,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server = ProductionServer(process, port, instance, output)
    try:
        if ready:
            server.wait_ready()
        yield server
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                _kill_servers(server)
                process.kill()
                process.wait()


def _kill_servers(server: ProductionServer) -> None:
    """The last resort: kill the launcher's two servers by their own pid files (never by name)."""
    for name in ("nginx", "gunicorn"):
        with suppress(OSError, ValueError):
            os.kill(server.pid(name), signal.SIGKILL)


def alive(pid: int) -> bool:
    """Whether a process with ``pid`` exists (and is not a zombie of ours)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as fh:
            return fh.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return True
