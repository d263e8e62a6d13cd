"""The production server for real (``python -m webui.serving``: nginx in front of gunicorn, 2 sync workers):
it serves on SQLite and PostgreSQL, survives slow-header clients, refuses big bodies with the app's 413,
keeps request paths out of its log, stops cleanly on SIGTERM and exits with one line when a server dies.

Counts, never timings: every wait has a generous bound only so that a hung server fails the test.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import signal
import socket
import threading
import time
from contextlib import contextmanager

import pytest
from sqlalchemy import create_engine, make_url, text

from testing.databases import driver_url, postgres_server, throwaway_database
from testing.kbfiles import copy_bundled_kb, replace_in
from testing.serving import alive, production_server

pytestmark = pytest.mark.slow

ALL_NO = {"Q1": "tidak", "Q2": "tidak", "Q3": "tidak", "Q4": "tidak", "Q5": "tidak", "Q6": "tidak"}
JSON = {"Content-Type": "application/json"}
CONSULTATIONS = "/api/v1/consultations"
RECEIPT = re.compile(r"/r/([A-Za-z0-9_-]{24})$")


def _consultation(server, request_id: str = "serving-test") -> dict:
    body = json.dumps({"id": request_id, "mode": "screening", "emergency": False, "answers": ALL_NO}).encode()
    status, _headers, answer = server.request("POST", "/api/v1/consultations", body=body, headers=JSON)
    assert status == 201, answer
    return json.loads(answer)


def _wait_for(predicate, what: str, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, f"{what}: not within {seconds}s"
        time.sleep(0.2)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_settings(request):
    """SQLite in the instance folder by default; PostgreSQL through DATABASE_URL."""
    if request.param == "sqlite":
        yield {}
    else:
        with throwaway_database(postgres_server()) as url:
            yield {"DATABASE_URL": url}


def test_serves_through_nginx_then_stops_cleanly_on_sigterm(tmp_path, database_settings):
    with production_server(tmp_path, **database_settings) as server:
        status, headers, body = server.get("/healthz")
        assert (status, headers["server"], json.loads(body)["status"]) == (200, "nginx", "ok")
        if not database_settings:
            assert (server.instance / "pakar.sqlite3").is_file()
        # nginx passes the host on and the app trusts it (PROXY_COUNT=1): the receipt names this server.
        created = _consultation(server)
        assert created["url"].startswith(f"http://127.0.0.1:{server.port}/r/")
        assert server.get(RECEIPT.search(created["url"]).group(0))[0] == 200
        # A client's own X-Forwarded-* values are not the trusted last ones.
        forged = json.dumps({"mode": "screening", "answers": ALL_NO}).encode()
        status, _, answer = server.request(
            "POST",
            "/api/v1/consultations",
            body=forged,
            headers={
                **JSON,
                "X-Forwarded-Host": "evil.example",
                "X-Forwarded-Prefix": "/evil",
                "X-Forwarded-Proto": "https",
            },
        )
        assert status == 201 and json.loads(answer)["url"].startswith(f"http://127.0.0.1:{server.port}/r/")

        pids = {name: server.pid(name) for name in ("nginx", "gunicorn")}
        assert server.stop(signal.SIGTERM) == 0
        assert [name for name, pid in pids.items() if alive(pid)] == []
        assert not (server.instance / "run" / "gunicorn.sock").exists()
        assert server.text().rstrip().endswith("serve: stopped")
        assert "Traceback" not in server.text()


def _slow_header_client(port: int, stop: threading.Event, reconnect: bool, connections: list) -> None:
    """Send a request's headers one byte a second; with ``reconnect``, start again whenever the server hangs up."""
    request = b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"x" * 100
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                connections.append(1)
                for byte in request:
                    if stop.is_set():
                        return
                    conn.sendall(bytes([byte]))
                    stop.wait(1)
        except OSError:
            pass  # the server closed it (the point of the test): reconnect, or stop
        if not reconnect:
            return


def test_slow_header_clients_do_not_stop_the_others(tmp_path):
    with production_server(tmp_path) as server:
        stop = threading.Event()
        connections: list = []
        clients = [
            threading.Thread(target=_slow_header_client, args=(server.port, stop, reconnect, connections))
            for reconnect in (False, False, True, True, True, True)  # two slow ones, four that come back
        ]
        for client in clients:
            client.start()
        try:
            _wait_for(lambda: len(connections) >= 6, "six slow clients connected", 30)
            answered = 0
            for _probe in range(8):
                with contextlib.suppress(OSError):
                    answered += server.get("/healthz", timeout=20)[0] == 200
                stop.wait(1)  # spread the probes over the slow clients' lives
            # Long enough for nginx to cut the slow ones (10 s) and the four to come back.
            _wait_for(lambda: len(connections) >= 10, "the reconnecting clients came back", 60)
            answered += server.get("/healthz", timeout=20)[0] == 200
        finally:
            stop.set()
            for client in clients:
                client.join(timeout=30)
        assert answered == 9
        assert server.stop(signal.SIGINT) == 0  # Ctrl+C: the same clean stop


BIG = 200 * 1024  # over MAX_CONTENT_LENGTH (64 KiB): nginx refuses it before reading it
JUST_OVER = 64 * 1024 + 1


def _chunks(size: int):
    for start in range(0, size, 8192):
        yield b"a" * min(8192, size - start)


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory):
    with production_server(tmp_path_factory.mktemp("serving")) as server:
        yield server


@pytest.mark.parametrize("size", [BIG, JUST_OVER], ids=["far-over", "just-over"])
@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_a_body_over_the_limit_gets_the_apps_own_413(shared_server, size, chunked):
    body = _chunks(size) if chunked else b"a" * size
    headers = {**JSON, "Accept-Language": "en"}
    if chunked:
        headers["Transfer-Encoding"] = "chunked"

    connection = http.client.HTTPConnection("127.0.0.1", shared_server.port, timeout=30)
    try:
        connection.request("POST", "/api/v1/consultations", body=body, headers=headers, encode_chunked=chunked)
        response = connection.getresponse()
        status, content_type, answer = response.status, response.getheader("Content-Type"), response.read()
    finally:
        connection.close()
    assert (status, content_type) == (413, "application/json")
    assert json.loads(answer)["error"]["code"] == "too_large"


KB_SIZED = 200 * 1024  # a whole KB as the staff API takes it (the bundled one is about 90 KB)


@pytest.mark.parametrize(
    ("path", "size", "expected"),
    [
        # Past nginx and the app's body limit to the token check: nginx does not refuse a KB-sized body there.
        ("/api/v1/kb/versions", KB_SIZED, 401),
        # Everywhere else the consultation limit holds.
        ("/api/v1/consultations", KB_SIZED, 413),
    ],
    ids=["kb-sized-to-staff-api", "kb-sized-elsewhere"],
)
def test_the_routes_that_take_a_whole_kb_have_their_own_limit(shared_server, path, size, expected):
    status, headers, body = shared_server.request(
        "POST", path, body=b"a" * size, headers={**JSON, "Accept-Language": "en"}
    )
    assert status == expected
    assert headers["content-type"] == "application/json" and b"nginx" not in body


def test_a_form_over_the_limit_gets_the_apps_413_page(shared_server):
    status, headers, body = shared_server.request(
        "POST",
        "/diagnosis/symptoms",
        body=b"a=" + b"b" * BIG,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 413
    assert headers["content-type"].startswith("text/html")
    assert b'<html lang="id">' in body and b"nginx" not in body


def test_the_log_holds_no_receipt_and_no_request_content(shared_server):
    created = _consultation(shared_server, request_id="serving-log-secret-7f3a")
    token = RECEIPT.search(created["url"]).group(1)
    assert shared_server.get(f"/r/{token}")[0] == 200
    assert shared_server.get(f"/r/{token}/report.pdf")[0] in (200, 404)
    # nginx logs a refused body with the request line: this one names the receipt.
    status, _, _ = shared_server.request("POST", f"/r/{token}/delete", body=b"a" * BIG, headers=JSON)
    assert status == 413
    # The log is written line by line as nginx reports; wait until its line is there.
    _wait_for(
        lambda: shared_server.log_file.read_text(encoding="utf-8").count("client intended to send too large body") >= 1,
        "nginx's line about the refused body",
        30,
    )
    for written in (shared_server.log_file.read_text(encoding="utf-8"), shared_server.text()):
        assert token not in written
        assert "serving-log-secret-7f3a" not in written
        assert 'client: (withheld), server: _, request: "(withheld)"' in written


def test_a_dead_gunicorn_stops_nginx_and_the_launcher_with_one_line(tmp_path):
    with production_server(tmp_path) as server:
        nginx_pid = server.pid("nginx")
        os.kill(server.pid("gunicorn"), signal.SIGKILL)
        assert server.process.wait(timeout=90) == 1
        assert not alive(nginx_pid)
        assert re.search(r"serve: gunicorn stopped unexpectedly \(exit -9\)", server.text())


def test_a_killed_launcher_leaves_no_server_behind(tmp_path):
    with production_server(tmp_path) as server:
        pids = {name: server.pid(name) for name in ("nginx", "gunicorn")}
        server.process.kill()
        server.process.wait(timeout=30)
        _wait_for(lambda: not any(alive(pid) for pid in pids.values()), "nginx and gunicorn gone", 90)
        with pytest.raises(OSError):
            server.get("/healthz", timeout=5)


def test_a_busy_port_is_one_line_and_exit_1(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with production_server(tmp_path, "--port", str(port), ready=False) as server:
            assert server.process.wait(timeout=120) == 1
            line = f"serve: http://127.0.0.1:{port} is in use by another program: stop it, or set PORT\n"
            assert line in server.text()
            assert "Traceback" not in server.text()


def test_sighup_refuses_a_broken_kb_then_takes_a_good_one_in_every_worker_without_a_restart(tmp_path):
    kb_dir = copy_bundled_kb(tmp_path / "kb")
    kb_yaml = kb_dir / "kb.yaml"
    good = kb_yaml.read_text(encoding="utf-8")
    with production_server(tmp_path, PAKAR_KB_PATH=str(kb_dir)) as server:
        before = json.loads(server.get("/healthz")[2])["kb"]
        workers = server.workers()

        # A KB that does not load: refused with its file:line problem, one line; nothing restarts or changes.
        replace_in(kb_yaml, "kb:", "kb: [unclosed", 1)
        server.send(signal.SIGHUP)
        _wait_for(lambda: "KB reload refused" in server.text(), "the reload's refusal in the log")
        (refused,) = [line for line in server.text().splitlines() if "KB reload refused" in line]
        assert re.search(r"serve: KB reload refused \(exit 1\): .*kb\.yaml:\d+", refused)
        answers = [server.get("/healthz") for _ in range(8)]
        assert [(status, json.loads(body)["kb"]) for status, _, body in answers] == [(200, before)] * 8
        assert _consultation(server)["url"]

        # A good change: every worker switches to it (within KB_POLL_SECONDS of the reload), the same workers.
        kb_yaml.write_text(good.replace('version: "1.0.0"', 'version: "1.0.1"', 1), encoding="utf-8")
        server.send(signal.SIGHUP)
        _wait_for(lambda: "serve: KB reload: " in server.text(), "the reload's outcome in the log")
        # (Versions as consultations name them: /healthz tells the version a worker last served.)
        _wait_for(lambda: _consultation(server)["kb_version"] != before, "the new version served")
        seen = {_consultation(server)["kb_version"] for _ in range(16)}
        assert len(seen) == 1 and seen != {before}
        assert server.workers() == workers and "Booting worker" not in server.text().split("SIGHUP", 1)[1]
        assert server.process.poll() is None
        assert server.stop() == 0


class _Stream:
    """Clients posting consultations, each with an Idempotency-Key of its own, until stopped; every answer's
    status is counted (None: no HTTP answer), and each 201's receipt is kept."""

    def __init__(self, server, clients: int = 4) -> None:
        self.server = server
        self.stop = threading.Event()
        self.statuses: list[int | None] = []
        self.receipts: list[str] = []
        self.threads = [threading.Thread(target=self._post, args=(n,)) for n in range(clients)]

    def _post(self, client: int) -> None:
        body = json.dumps({"mode": "screening", "emergency": False, "answers": ALL_NO}).encode()
        sent = 0
        while not self.stop.is_set():
            sent += 1
            headers = {**JSON, "Idempotency-Key": f"stream-{client}-{sent}"}
            try:
                status, _headers, answer = self.server.request("POST", CONSULTATIONS, body=body, headers=headers)
            except (OSError, http.client.HTTPException):
                status, answer = None, b""
            self.statuses.append(status)
            if status == 201:
                self.receipts.append(RECEIPT.search(json.loads(answer)["url"]).group(0))

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)

    def answered(self) -> int:
        return len(self.statuses)


def test_kill_9_of_workers_under_a_stream_of_posts_gives_no_5xx_and_no_lost_receipt(tmp_path):
    with production_server(tmp_path, PAKAR_RATELIMIT_ENABLED="false") as server:
        with _Stream(server) as stream:
            for _kill in range(4):
                _wait_for(lambda: len(server.workers()) == 2, "two workers")
                answered = stream.answered()
                _wait_for(lambda: stream.answered() >= answered + 20, "answers before the kill", 60)  # noqa: B023
                os.kill(server.workers()[0], signal.SIGKILL)
            _wait_for(lambda: len(server.workers()) == 2, "the last worker respawned")
            answered = stream.answered()
            _wait_for(lambda: stream.answered() >= answered + 20, "answers after the last kill", 60)
        assert server.text().count("was sent SIGKILL") == 4
        # Every post answered 201 (nginx passed the ones a dying worker held to another one), each receipt reads.
        assert {status for status in stream.statuses} == {201}
        assert [server.get(receipt)[0] for receipt in stream.receipts] == [200] * len(stream.receipts)
        assert server.stop() == 0


def _new_workers(server, old: frozenset[int]) -> int:
    """How many workers run, 0 while any of ``old`` still does (or while gunicorn rewrites its pid file: it
    removes and writes it again at a reload)."""
    try:
        now = set(server.workers())
    except (FileNotFoundError, ValueError):  # no pid file, or not written yet
        return 0
    return 0 if now & old else len(now)


def test_sighup_to_gunicorn_itself_reloads_and_restarts_the_workers_without_a_5xx(tmp_path):
    with production_server(tmp_path, PAKAR_RATELIMIT_ENABLED="false") as server:
        before = frozenset(server.workers())
        with _Stream(server) as stream:
            answered = stream.answered()
            _wait_for(lambda: stream.answered() >= answered + 20, "answers before the SIGHUP", 60)
            os.kill(server.pid("gunicorn"), signal.SIGHUP)
            _wait_for(lambda: "KB reload: " in server.text(), "the hook's reload in the log", 180)
            _wait_for(lambda: _new_workers(server, before) == 2, "new workers", 240)
            answered = stream.answered()
            _wait_for(lambda: stream.answered() >= answered + 20, "answers from the new workers", 60)
        assert {status for status in stream.statuses} == {201}
        assert [server.get(receipt)[0] for receipt in stream.receipts] == [200] * len(stream.receipts)
        assert server.process.poll() is None
        assert server.stop() == 0


@contextmanager
def _database_refusing_connections(url: str):
    """The test's PostgreSQL database refuses connections and drops the ones it has (an outage of this one
    database; the shared server keeps running), until the block ends."""
    name = make_url(url).database
    admin = create_engine(driver_url(postgres_server()), isolation_level="AUTOCOMMIT")

    def allow(flag: bool) -> None:
        with admin.connect() as conn:
            conn.execute(text(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS {str(flag).lower()}'))
            if not flag:
                conn.execute(
                    text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"), {"n": name}
                )

    allow(False)
    try:
        yield
    finally:
        allow(True)
        admin.dispose()


def test_a_worker_starting_while_the_database_is_down_answers_503_then_recovers(tmp_path):
    with (
        throwaway_database(postgres_server()) as url,
        production_server(tmp_path, DATABASE_URL=url, WEB_CONCURRENCY="1") as server,
    ):
        master = server.pid("gunicorn")
        with _database_refusing_connections(url):
            (worker,) = server.workers()
            os.kill(worker, signal.SIGKILL)
            _wait_for(lambda: server.workers() not in ([], [worker]), "a new worker")
            statuses = [server.get("/healthz")[0] for _ in range(5)]
            # Nothing was refused or reset: the new worker is up and says the service is unavailable.
            assert statuses == [503] * 5
            assert server.process.poll() is None and server.pid("gunicorn") == master
        _wait_for(lambda: server.get("/healthz")[0] == 200, "the worker recovered", 60)
        assert _consultation(server)["url"]
        assert server.stop() == 0
