"""The server's KB reload: ``flask --app … kb reload`` in a child process, told as one log line.

The launcher runs it on SIGHUP (the workers need no restart: they follow the database's active-version pointer
within ``KB_POLL_SECONDS``), and gunicorn's ``on_reload`` hook runs it on a SIGHUP sent to gunicorn itself.
A child process, so that neither the launcher nor gunicorn's master ever holds the app, its database
connections or its threads (forked workers must not inherit them).
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from webui.serving.settings import app_spec

TIMEOUT = 120  # seconds for the KB reload (load, verifier, stored cases, database)
MAX_PROBLEMS = 10  # a refusal's log line names this many of its problem lines


@dataclass(frozen=True)
class Outcome:
    """How one reload ended: ``ok`` (the KB on disk is the active version now) and the line to log."""

    ok: bool
    line: str


def command(instance: str | None) -> list[str]:
    """The reload command for the app on ``instance`` (None: Flask's default instance folder)."""
    return [sys.executable, "-m", "flask", "--app", app_spec(instance), "kb", "reload"]


def outcome(returncode: int, output: str) -> Outcome:
    """The one line of a finished reload: its last output line when it succeeded, its first problems when
    it was refused (the command prints file:line problems, never consultation data)."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    if returncode == 0:
        return Outcome(True, f"KB reload: {lines[-1] if lines else 'done'}")
    shown = " | ".join(lines[:MAX_PROBLEMS]) or "no output"
    return Outcome(False, f"KB reload refused (exit {returncode}): {shown}; the workers keep the active version")


def run(
    instance: str | None,
    *,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = TIMEOUT,
    started=None,
) -> Outcome:
    """Run the reload and wait for it (at most ``timeout`` seconds, then it is killed); never raises.
    ``started(process)`` is called with the child as soon as it runs (the launcher keeps it to stop it)."""
    try:
        process = subprocess.Popen(
            command(instance),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=cwd,
        )
    except OSError as exc:
        return Outcome(False, f"KB reload failed to run ({type(exc).__name__}); the workers keep the active version")
    if started is not None:
        started(process)
    try:
        output, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        return Outcome(False, f"KB reload did not finish in {timeout:g}s; the workers keep the active version")
    return outcome(process.returncode, output)
