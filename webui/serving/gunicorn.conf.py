"""gunicorn's settings for ``python -m webui.serving`` (nginx in front; the launcher passes the socket and pid file).

The launcher's SIGHUP reloads the KB without involving gunicorn. A SIGHUP sent to gunicorn's master directly
keeps gunicorn's own meaning: it reads this file again, its ``on_reload`` hook runs the KB reload, and the
workers restart gracefully (nginx retries a request whose worker went away before answering: nginx.conf).
"""

# ruff: noqa: N999 (gunicorn's own name for its config file)
from __future__ import annotations

import os

# Sync workers are safe here: nginx hands them only whole requests and takes whole answers from them.
workers = int(os.environ.get("WEB_CONCURRENCY") or 2)
worker_class = "sync"
# A request that takes longer than this is killed (the worker respawns); nginx waits longer (nginx.py).
timeout = 30
# SIGTERM and SIGHUP give workers this long to finish what they are answering.
graceful_timeout = 20
# A fresh worker every ~20,000 requests (a guard against slow leaks), staggered so that both never restart at
# once. Not more often: each start re-parses the KB, rebuilds the engines and empties the result memo.
max_requests = 20000
max_requests_jitter = 2000
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


def post_fork(server, worker) -> None:
    """In each new worker: an answer's headers and body leave in one write (see :mod:`webui.serving.onewrite`),
    so a worker killed while answering leaves nginx nothing (it retries elsewhere) or the whole answer."""
    from webui.serving import onewrite

    onewrite.install()


def on_reload(server) -> None:
    """SIGHUP sent to gunicorn itself: reload the KB from disk (``flask --app … kb reload``, see
    :mod:`webui.serving.reload`) and log its one-line outcome; gunicorn then restarts the workers gracefully.

    Whatever happens, the master keeps running and the workers restart. (The launcher's own SIGHUP runs the
    same reload without restarting anything: the workers follow the active version by themselves.)
    """
    from webui.serving import reload
    from webui.serving.settings import INSTANCE_ENV

    done = reload.run(os.environ.get(INSTANCE_ENV))
    (server.log.info if done.ok else server.log.warning)("%s", done.line)
