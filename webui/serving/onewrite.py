"""A worker's answer leaves in one write: its headers and its first body part together.

gunicorn writes a response's headers and its body with two ``sendall`` calls. A worker killed between them
(``kill -9``, the OOM killer; more likely than it sounds, since the first write wakes nginx, which may take the
CPU from the worker right there) leaves nginx with headers and no body: it has already passed the headers on,
so it cannot retry elsewhere, and the client gets a cut answer. In one write, nginx gets either nothing (and
retries the request on another worker: nginx.conf's ``proxy_next_upstream``) or the whole answer.

:func:`install` wraps gunicorn's ``Response.write`` (run in each worker: gunicorn.conf.py's ``post_fork``):
the first write, which also sends the headers, goes to a buffer through gunicorn's own code (framing,
length checks) and then to the socket at once. Every later write is gunicorn's, unchanged.
"""

from __future__ import annotations

from gunicorn.http import wsgi  # type: ignore[import-untyped]  # gunicorn ships no type hints

_MARK = "_pakar_one_write"


class _Buffer:
    """Stands in for the socket during the first write: collects what gunicorn would send."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.parts.append(bytes(data))


def install() -> None:
    """Make gunicorn's responses send their headers with the first body part (once per process)."""
    response = wsgi.Response
    if getattr(response, _MARK, False):
        return
    write = response.write

    def write_once(self, arg) -> None:
        if self.headers_sent:
            return write(self, arg)
        sock, buffer = self.sock, _Buffer()
        self.sock = buffer
        try:
            write(self, arg)
        finally:
            self.sock = sock
        if buffer.parts:
            sock.sendall(b"".join(buffer.parts))

    response.write = write_once
    setattr(response, _MARK, True)
