"""The soak's clients: consultation posters with Idempotency-Keys, slow-header clients, and the read-back.

A poster is a careful real client: each consultation has a key of its own; on 502/503/504 or a broken
connection it waits (``Retry-After``, at most a second) and sends the same request with the same key again,
a few times. Every attempt is one :class:`Sample` (when it was sent and answered, the status, the KB version
the answer names). A consultation is *acknowledged* when a 201 came back: its receipt is then recorded.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import socket
import threading
import time
from dataclasses import dataclass, field

from bench.stats import percentile

CONSULTATIONS = "/api/v1/consultations"
TIMEOUT_S = 60.0  # a request that takes longer is a transport error
RETRIES = 5  # attempts per consultation after the first, on 502/503/504 or a broken connection
RETRY_WAIT_MAX_S = 1.0
RETRYABLE = {502, 503, 504}


@dataclass(frozen=True)
class Sample:
    """One HTTP attempt: sent at ``began``, answered at ``ended`` (seconds since the run's start)."""

    began: float
    ended: float
    status: int | None  # None: no HTTP answer (connection refused or reset, timeout)
    version: str | None = None  # kb_version of a 201's body
    detail: str = ""  # for a 5xx or no answer: the start of the body, or the exception


@dataclass
class Ledger:
    """What the clients sent and what came back, shared by every client thread."""

    started: float = field(default_factory=time.monotonic)
    samples: list[Sample] = field(default_factory=list)
    sent: set[str] = field(default_factory=set)  # every Idempotency-Key sent at least once
    acknowledged: dict[str, str] = field(default_factory=dict)  # key -> receipt id of its 201
    answers: dict[str, str] = field(default_factory=dict)  # receipt id -> digest of the 201's body
    lock: threading.Lock = field(default_factory=threading.Lock)

    def now(self) -> float:
        return time.monotonic() - self.started

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)


def digest(body: dict) -> str:
    """A fingerprint of a JSON answer (key order ignored): the stored result must read back exactly so."""
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def latency_ms(samples: list[Sample], p: float) -> float | None:
    """The nearest-rank percentile of the answered samples' latencies, in ms (None when there are none)."""
    answered = [s.ended - s.began for s in samples if s.status is not None]
    return percentile(answered, p) * 1000 if answered else None


class Connection:
    """One keep-alive HTTP/1.1 connection to the server, reopened after any failure."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        """(status, headers, body) or raises OSError/HTTPException (the connection is closed then)."""
        if self.conn is None:
            self.conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT_S)
        try:
            self.conn.request(method, path, body=body, headers=headers or {})
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        if response.getheader("Connection", "").lower() == "close":
            self.close()
        return response.status, response, data

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _retry_after(response) -> float:
    try:
        return min(float(response.getheader("Retry-After", "0.2")), RETRY_WAIT_MAX_S)
    except (TypeError, ValueError):
        return RETRY_WAIT_MAX_S


def poster(ledger: Ledger, host: str, port: int, bodies: list[bytes], name: str, stop: threading.Event) -> None:
    """Post consultations one after another until ``stop`` is set, each with its own key, retried as above."""
    connection = Connection(host, port)
    n = 0
    try:
        while not stop.is_set():
            key = f"{name}-{n}"
            body = bodies[n % len(bodies)]
            n += 1
            headers = {"Content-Type": "application/json", "Accept": "application/json", "Idempotency-Key": key}
            with ledger.lock:
                ledger.sent.add(key)
            for _attempt in range(1 + RETRIES):
                began = ledger.now()
                try:
                    status, response, data = connection.request("POST", CONSULTATIONS, body, headers)
                except (OSError, http.client.HTTPException) as exc:
                    ledger.add(Sample(began, ledger.now(), None, detail=f"{type(exc).__name__}: {exc}"[:200]))
                    time.sleep(0.2)
                    continue
                version = None
                if status == 201:
                    answer = json.loads(data)
                    version = answer["kb_version"]
                    with ledger.lock:
                        ledger.acknowledged[key] = answer["id"]
                        ledger.answers[answer["id"]] = digest(answer)
                # One line: an nginx error page is HTML over several lines.
                detail = " ".join(data[:300].decode("utf-8", errors="replace").split())[:200] if status >= 500 else ""
                ledger.add(Sample(began, ledger.now(), status, version, detail))
                if status not in RETRYABLE:
                    break
                time.sleep(_retry_after(response))
    finally:
        connection.close()


@dataclass
class SlowStats:
    connections: int = 0  # connections opened (the first ones and every reconnection)
    bytes_sent: int = 0


def slow_header_client(host: str, port: int, stats: SlowStats, lock: threading.Lock, stop: threading.Event) -> None:
    """Send a request's headers at 1 byte/s, forever: when the server closes the connection, open another."""
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: soak-slow-headers\r\nX-Padding: " + b"x" * 4096
    while not stop.is_set():
        try:
            sock = socket.create_connection((host, port), timeout=5)
        except OSError:
            stop.wait(1.0)
            continue
        with lock:
            stats.connections += 1
        try:
            for i in range(len(request)):
                if stop.is_set():
                    break
                sock.sendall(request[i : i + 1])
                with lock:
                    stats.bytes_sent += 1
                stop.wait(1.0)
        except OSError:
            pass  # the server gave up on us (its header timeout): reconnect, as the attacker did
        finally:
            sock.close()


def read_back(host: str, port: int, receipts: list[str], threads: int = 4) -> dict[str, tuple[int | None, str]]:
    """GET every receipt; return receipt -> (status, digest of the body; "" unless 200). None: no answer."""
    out: dict[str, tuple[int | None, str]] = {}
    lock = threading.Lock()
    todo = list(receipts)

    def worker() -> None:
        connection = Connection(host, port)
        try:
            while True:
                with lock:
                    if not todo:
                        return
                    receipt = todo.pop()
                status: int | None = None
                fingerprint = ""
                for _attempt in range(3):
                    try:
                        status, _, data = connection.request("GET", f"{CONSULTATIONS}/{receipt}")
                    except (OSError, http.client.HTTPException):
                        status = None
                        continue
                    if status == 200:
                        fingerprint = digest(json.loads(data))
                    break
                with lock:
                    out[receipt] = (status, fingerprint)
        finally:
            connection.close()

    workers = [threading.Thread(target=worker, daemon=True) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return out
