"""The harness floor: a WSGI app that reads the request and answers 201 with a small JSON body, nothing else.

Served by the same gunicorn and driven by the same load generator as Pakar, it shows what the harness
itself costs per request (HTTP parsing, gunicorn, the client, the kernel's loopback) on this machine, so
that the web figure is not read as Pakar's cost alone.
"""

from __future__ import annotations

BODY = b'{"id": "null", "mode": "null"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(BODY)))]


def app(environ, start_response):
    if environ["REQUEST_METHOD"] == "GET":  # the readiness probe
        start_response("200 OK", HEADERS)
        return [BODY]
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)
    start_response("201 Created", HEADERS)
    return [BODY]
