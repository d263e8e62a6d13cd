"""gunicorn's settings for ``python -m webui.serving`` (nginx in front; the launcher passes the socket and pid file).

gunicorn reads this file again at each SIGHUP. Its ``on_reload`` hook runs the KB reload before the new
workers start, so they come up on the version the reload chose; a refused KB changes nothing.
"""

# ruff: noqa: N999 (gunicorn's own name for its config file)
from __future__ import annotations

import os
import subprocess
import sys

# Sync workers are safe here: nginx hands them only whole requests and takes whole answers from them.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
worker_class = "sync"
# A request that takes longer than this is killed (the worker respawns); nginx waits longer (nginx.py).
timeout = 30
# SIGTERM and SIGHUP give workers this long to finish what they are answering.
graceful_timeout = 20
# A fresh worker every ~1000 requests, staggered so that both never restart at once.
max_requests = 1000
max_requests_jitter = 100
# No access log: result URLs are receipts. Errors go to stderr, which the launcher writes to the log.
accesslog = None
errorlog = "-"
loglevel = "info"
# The socket is only for nginx (the run folder is the user's own).
umask = 0o077
proc_name = "pakar"
# No control socket ($XDG_RUNTIME_DIR or ~/.gunicorn/gunicorn.ctl, one per user): two servers would share it.
# The launcher's signals do the same jobs.
control_socket_disable = True

RELOAD_TIMEOUT = 120  # seconds for the KB reload (load, verifier, stored cases, database)


def on_reload(server) -> None:
    """SIGHUP: reload the KB from disk (``flask --app … kb reload``) and log its one-line outcome.

    It runs in a child process: the master stays free of the app, its database connections and its threads,
    which forked workers must not inherit. Whatever happens, the master keeps running and the workers restart.
    """
    from webui.serving.settings import INSTANCE_ENV, app_spec

    try:
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", app_spec(os.environ.get(INSTANCE_ENV)), "kb", "reload"],
            capture_output=True,
            text=True,
            timeout=RELOAD_TIMEOUT,
            check=False,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        server.log.error("KB reload failed to run (%s); the workers keep the active version", type(exc).__name__)
        return
    lines = [line.strip() for line in (done.stdout + "\n" + done.stderr).splitlines() if line.strip()]
    if done.returncode == 0:
        server.log.info("KB reload: %s", lines[-1] if lines else "done")
    else:
        server.log.warning("KB reload refused (exit %s): %s", done.returncode, " | ".join(lines[:10]) or "no output")
