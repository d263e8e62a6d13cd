"""``python -m webui.serving``: migrate, start gunicorn then nginx, pass signals on, write one log.

    python -m webui.serving [--instance DIR] [--host HOST] [--port PORT] [--nginx PATH]

SIGHUP reloads the KB (``flask --app … kb reload`` in a child process, one log line with its outcome) and
restarts nothing: the workers take up the version it activates within ``KB_POLL_SECONDS``, and a refused KB
changes nothing. (A SIGHUP sent to gunicorn's master itself keeps gunicorn's meaning: the same reload from its
``on_reload`` hook, then a graceful restart of the workers.) SIGTERM or SIGINT stops nginx (it finishes the
requests under way) and then gunicorn, and the launcher exits 0. When either server dies, the launcher stops
the other and exits 1 with one line saying which and why; so does a start that cannot happen (no
nginx, a failed migration, a busy port).
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import os
import queue
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

from webui.serving import logs, nginx, reload
from webui.serving.errors import ServeError
from webui.serving.settings import INSTANCE_ENV, ServeSettings, resolve

GUNICORN_CONF = Path(__file__).with_name("gunicorn.conf.py")
# The Python children run from the folder Pakar's packages are in: gunicorn puts its working directory first
# on sys.path, where a folder named like a package (a KB copied to ./kb) would hide the real one.
CODE_ROOT = Path(__file__).resolve().parents[2]
WSGI_APP = "webui.serving.wsgi:create()"
START_SECONDS = 60  # for gunicorn's socket and nginx's port to appear
STOP_SECONDS = 45  # for each server to stop gracefully before it is killed (nginx 15 s, gunicorn 20 s)
TICK_SECONDS = 60  # how often the log file's date is checked when nothing is written
DB_RETRY_SECONDS = 2


class Server:
    """One child process, its output read line by line into the launcher's queue by a thread."""

    def __init__(
        self,
        name: str,
        args: list[str],
        lines: queue.Queue,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.last_line = ""
        self.process = subprocess.Popen(
            [*_ends_with_launcher(), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=cwd,
            # Its own process group: Ctrl+C reaches only the launcher, which stops the servers in order.
            start_new_session=True,
        )
        assert self.process.stdout is not None
        self._reader = threading.Thread(target=self._read, args=(self.process.stdout, lines), daemon=True)
        self._reader.start()

    def _read(self, stream: IO[bytes], lines: queue.Queue) -> None:
        for raw in stream:
            lines.put((self, raw.decode("utf-8", errors="replace")))
        lines.put((self, None))

    def running(self) -> bool:
        return self.process.poll() is None

    def signal(self, signum: int) -> None:
        if self.running():
            with contextlib.suppress(ProcessLookupError):  # it exited just now
                self.process.send_signal(signum)

    def finish_reading(self) -> None:
        self._reader.join(timeout=5)


class Launcher:
    """Both servers for one instance folder, from start to stop."""

    def __init__(self, settings: ServeSettings, nginx_binary: str, *, db_wait: float = 0) -> None:
        self.settings = settings
        self.nginx_binary = nginx_binary
        self.db_wait = db_wait
        self.lines: queue.Queue = queue.Queue()
        self.signals: list[int] = []
        self.gunicorn: Server | None = None
        self.nginx: Server | None = None
        self.stopping = False
        self.reloading: threading.Thread | None = None  # the KB reload running now, if any
        self.reload_process: subprocess.Popen | None = None
        self.reload_again = False  # a SIGHUP came while a reload ran: one more after it
        self.reload_done: queue.Queue = queue.Queue()  # finished reloads' outcomes, for the main loop to log
        self.logger, self.log_file = logs.open_log(settings.log_dir, settings.retention_days)
        self.limiter = logs.Limiter()

    # --- the log: only this thread writes it -----------------------------------------------------------
    def say(self, line: str) -> None:
        logs.write(self.logger, "serve", line)

    def drain(self, timeout: float = 0) -> None:
        """Write queued output lines; wait up to ``timeout`` for the first one."""
        try:
            item = self.lines.get(timeout=timeout) if timeout else self.lines.get_nowait()
        except queue.Empty:
            return
        while True:
            server, line = item
            if line is not None:
                server.last_line = line.strip() or server.last_line
                allowed, dropped = self.limiter.allow(server.name)
                if dropped:
                    limit = f"{self.limiter.lines} in {self.limiter.seconds:g} s"
                    self.say(f"{dropped} lines from {server.name} were not written (over {limit})")
                if allowed:
                    logs.write(self.logger, server.name, line)
            try:
                item = self.lines.get_nowait()
            except queue.Empty:
                return

    # --- start ------------------------------------------------------------------------------------------
    def child_env(self) -> dict[str, str]:
        env = dict(os.environ)
        # nginx is one more proxy in front of the app, after any the deployment configured.
        env["PAKAR_PROXY_COUNT"] = str(self.settings.proxy_count + 1)
        # The launcher migrates once, before any worker starts.
        env["PAKAR_AUTO_MIGRATE"] = "false"
        env[INSTANCE_ENV] = str(self.settings.instance)
        # The children run elsewhere (CODE_ROOT): a KB folder given relative to here must still be found.
        if env.get("PAKAR_KB_PATH") and not os.path.isabs(env["PAKAR_KB_PATH"]):
            env["PAKAR_KB_PATH"] = os.path.abspath(env["PAKAR_KB_PATH"])
        env["PYTHONSAFEPATH"] = "1"  # `python -m` does not put the working directory on sys.path (3.11+)
        return env

    def migrate(self) -> None:
        """``flask db upgrade`` on the instance's database, retried for ``db_wait`` seconds."""
        args = [sys.executable, "-m", "flask", "--app", self.settings.app_spec, "db", "upgrade"]
        deadline = time.monotonic() + self.db_wait
        while True:
            done = subprocess.run(
                args, env=self.child_env(), cwd=CODE_ROOT, capture_output=True, text=True, timeout=300, check=False
            )
            output = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
            for line in output:
                logs.write(self.logger, "migrate", line)
            if done.returncode == 0:
                return
            if time.monotonic() >= deadline:
                last = output[-1].strip() if output else f"exit {done.returncode}"
                raise ServeError(f"the database migration failed (flask db upgrade): {last}")
            self.say(f"the database is not ready yet; retrying in {DB_RETRY_SECONDS}s")
            time.sleep(DB_RETRY_SECONDS)

    def start_gunicorn(self) -> None:
        socket_path = self.settings.socket
        socket_path.unlink(missing_ok=True)  # left by a server that was killed
        args = [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(GUNICORN_CONF),
            "--bind",
            f"unix:{socket_path}",
            "--pid",
            str(self.settings.run_dir / "gunicorn.pid"),
            WSGI_APP,
        ]
        self.gunicorn = Server("gunicorn", args, self.lines, self.child_env(), cwd=CODE_ROOT)
        self.wait_until(lambda: _accepts(socket_path), self.gunicorn, "gunicorn did not open its socket")

    def start_nginx(self) -> None:
        conf = nginx.write_config(self.settings)
        nginx.check(self.nginx_binary, conf)
        self.nginx = Server("nginx", nginx.command(self.nginx_binary, conf), self.lines)
        host, port = self.settings.host, self.settings.port
        self.wait_until(lambda: _accepts((host, port)), self.nginx, f"nginx did not listen on {self.settings.url}")

    def wait_until(self, ready, server: Server, failure: str) -> None:
        deadline = time.monotonic() + START_SECONDS
        while not ready():
            self.drain(0.1)
            self.handle_signals()
            if self.stopping:
                raise ServeError("stopped while starting")
            if not server.running():
                server.finish_reading()
                self.drain()
                raise ServeError(f"{server.name} exited with status {server.process.returncode}: {server.last_line}")
            if time.monotonic() > deadline:
                raise ServeError(f"{failure} within {START_SECONDS}s")

    # --- run --------------------------------------------------------------------------------------------
    def on_signal(self, signum: int, _frame) -> None:
        self.signals.append(signum)  # handled by the main loop: a handler must not write the log

    def handle_signals(self) -> None:
        while self.signals:
            signum = self.signals.pop(0)
            if signum == signal.SIGHUP and not self.stopping:
                if self.reloading is not None:
                    self.reload_again = True
                    self.say("SIGHUP: a KB reload is running; another one follows it")
                else:
                    self.say("SIGHUP: reloading the KB (the workers take it up without a restart)")
                    self.start_reload()
            elif signum in (signal.SIGTERM, signal.SIGINT):
                if self.stopping:
                    self.say(f"{signal.Signals(signum).name} again: killing both servers")
                    for server in (self.nginx, self.gunicorn):
                        if server is not None:
                            server.signal(signal.SIGKILL)
                self.stopping = True

    # --- the KB reload (SIGHUP) -------------------------------------------------------------------------
    def start_reload(self) -> None:
        """Run the KB reload in a thread (it may take a minute on a loaded machine; meanwhile the launcher
        keeps writing the log and handling signals); :meth:`finish_reload` logs its outcome."""

        def keep(process: subprocess.Popen) -> None:
            self.reload_process = process

        def work() -> None:
            done = reload.run(str(self.settings.instance), env=self.child_env(), cwd=CODE_ROOT, started=keep)
            self.reload_done.put(done)

        self.reloading = threading.Thread(target=work, name="kb-reload", daemon=True)
        self.reloading.start()

    def finish_reload(self) -> None:
        """Log a finished reload's one line, and start the one a SIGHUP asked for meanwhile."""
        try:
            done = self.reload_done.get_nowait()
        except queue.Empty:
            return
        if self.reloading is not None:
            self.reloading.join()
        self.reloading = self.reload_process = None
        self.say("KB reload stopped with the server" if self.stopping else done.line)
        if self.reload_again and not self.stopping:
            self.reload_again = False
            self.say("reloading the KB again (SIGHUP during the last reload)")
            self.start_reload()

    def stop_reload(self) -> None:
        """A reload under way when the server stops is ended (its switch is one transaction: all or nothing)."""
        if self.reloading is None:
            return
        if self.reload_process is not None and self.reload_process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                self.reload_process.terminate()
        self.reloading.join(timeout=STOP_SECONDS)
        self.finish_reload()

    def serve(self) -> int:
        """Run until a signal stops the servers (0) or one of them dies (1)."""
        next_tick = time.monotonic() + TICK_SECONDS
        while True:
            self.drain(1.0)
            self.handle_signals()
            self.finish_reload()
            if self.stopping:
                return self.stop(0)
            for server in (self.gunicorn, self.nginx):
                if server is not None and not server.running():
                    server.finish_reading()
                    self.drain()
                    self.say(
                        f"{server.name} stopped unexpectedly (exit {server.process.returncode}): "
                        f"{server.last_line or 'no output'}; stopping"
                    )
                    return self.stop(1)
            if time.monotonic() >= next_tick:
                self.log_file.tick()
                next_tick = time.monotonic() + TICK_SECONDS

    def stop(self, status: int) -> int:
        """nginx first (it finishes the requests under way), then gunicorn; kill what does not stop."""
        self.stopping = True
        self.stop_reload()
        # nginx: SIGQUIT is its graceful stop. gunicorn: SIGTERM is.
        for server, signum in ((self.nginx, signal.SIGQUIT), (self.gunicorn, signal.SIGTERM)):
            if server is None:
                continue
            server.signal(signum)
            deadline = time.monotonic() + STOP_SECONDS
            while server.running() and time.monotonic() < deadline:
                self.drain(0.2)
                self.handle_signals()
            if server.running():
                self.say(f"{server.name} did not stop in {STOP_SECONDS}s; killing it")
                server.signal(signal.SIGKILL)
                server.process.wait()
            server.finish_reading()
            self.drain()
        self.settings.socket.unlink(missing_ok=True)
        self.say("stopped")
        return status

    def run(self) -> int:
        for signum in (signal.SIGHUP, signal.SIGTERM, signal.SIGINT):
            signal.signal(signum, self.on_signal)
        try:
            if not _can_listen(self.settings.host, self.settings.port):
                raise ServeError(f"{self.settings.url} is in use by another program: stop it, or set PORT")
            self.migrate()
            self.start_gunicorn()
            self.start_nginx()
        except ServeError as exc:
            self.say(str(exc))
            self.stop(1)
            return 1
        workers = os.environ.get("WEB_CONCURRENCY") or "2"
        self.say(f"Pakar on {self.settings.url} (nginx -> gunicorn, {workers} workers); Ctrl+C stops it")
        return self.serve()


def _ends_with_launcher() -> list[str]:
    """A prefix that makes a server get SIGTERM if the launcher dies without stopping it (``kill -9``, the OOM
    killer), so no orphan keeps the port: util-linux's setpriv sets the parent-death signal, then runs the
    server in its own place. Without setpriv (not Linux), nothing: the servers would outlive a killed launcher."""
    setpriv = shutil.which("setpriv") or ("/usr/bin/setpriv" if os.access("/usr/bin/setpriv", os.X_OK) else None)
    return [setpriv, "--pdeathsig", "TERM", "--"] if setpriv else []


def _accepts(address) -> bool:
    """Whether a connection to ``address`` (a unix socket path or a (host, port)) is accepted now."""
    family = socket.AF_UNIX if isinstance(address, Path) else socket.AF_INET6 if ":" in address[0] else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.settimeout(1)
        try:
            probe.connect(str(address) if isinstance(address, Path) else address)
        except OSError:
            return False
    return True


def _can_listen(host: str, port: int) -> bool:
    """Whether nginx could listen on (host, port) now (a quick bind; nginx binds again itself)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as nginx does
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def _lock(run_dir: Path):
    """One launcher per instance folder: a second one would take over the first one's socket."""
    os.makedirs(run_dir, mode=0o700, exist_ok=True)
    handle = open(run_dir / "serve.lock", "w")  # noqa: SIM115 (held open for the launcher's life)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise ServeError(f"another server is already running on the instance folder {run_dir.parent}") from None
    return handle


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m webui.serving", description="Pakar's production server: nginx in front of gunicorn."
    )
    parser.add_argument("--instance", metavar="DIR", help="the instance folder (default: Flask's)")
    parser.add_argument("--host", help="the address nginx listens on (default: HOST, else 127.0.0.1)")
    parser.add_argument("--port", help="the port nginx listens on (default: PORT, else 8000)")
    parser.add_argument(
        "--nginx", metavar="PATH", help="the nginx binary (default: nginx on PATH, else /usr/sbin/nginx)"
    )
    parser.add_argument(
        "--db-wait",
        metavar="SECONDS",
        type=float,
        default=float(os.environ.get("PAKAR_DB_WAIT") or 0),
        help="retry the migration this long while the database starts (default: PAKAR_DB_WAIT, else 0)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = resolve(os.environ, instance=args.instance, host=args.host, port=args.port)
        binary = nginx.find_binary(args.nginx)
        lock = _lock(settings.run_dir)
    except ServeError as exc:
        print(f"serve: {exc}", file=sys.stderr)
        return 1
    try:
        return Launcher(settings, binary, db_wait=args.db_wait).run()
    finally:
        lock.close()
