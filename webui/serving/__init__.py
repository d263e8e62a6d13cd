"""The production server: ``make serve`` = ``python -m webui.serving``.

nginx in front (a buffering reverse proxy on ``127.0.0.1:${PORT:-8000}``) reads each request whole, with short
header and body timeouts, before gunicorn's sync workers see it: a client that sends its headers one byte a
second ties up an nginx connection (cheap, and cut after 10 s), never a worker. gunicorn listens on a unix
socket in the instance folder's ``run/`` directory. The launcher (:mod:`webui.serving.launcher`) migrates the
database, starts both servers, handles signals (SIGHUP: reload the KB, which every worker takes up without a
restart; SIGTERM/SIGINT: stop both) and writes both servers' output to ``instance/logs/pakar.log`` (daily files, kept
``RETENTION_DAYS``), with request paths removed, since result URLs are receipts.
"""
