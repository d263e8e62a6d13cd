"""Publishing a KB version, and rolling it back, while four clients post consultations to the production server
(nginx + 2 gunicorn workers): no 5xx, and every answer names the version it was computed with and one that
was active around its request (issue 10, "Done means").

The staff path is the one a pipeline takes: accounts and tokens from ``flask --app … users`` in subprocesses on
the server's own instance folder, then the staff API (draft with GC03's CF 0.8, an expert's approval, the
engineer's publish, the admin's rollback to the version before).

Causal windows only, from each request's send and receive times (``time.monotonic``) and each publish call's:
an answer received before the publish was sent names the old version; one sent more than KB_POLL_SECONDS + 1 s
after the publish returned names the new one (with its CF 0.8 in the result and the trace); the same, reversed,
for the rollback. Answers in between may name either. No worker identity is checked: neither /healthz nor any
response header names the worker that answered.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

import pytest

from testing.databases import postgres_server, throwaway_database
from testing.kbvariants import GC03_CF_08_CLEAN, variant
from testing.serving import clean_env, production_server
from testing.staff import PASSWORD
from webui.serving.launcher import CODE_ROOT
from webui.serving.settings import app_spec

pytestmark = pytest.mark.slow

POLL_SECONDS = 1  # PAKAR_KB_POLL_SECONDS for the server: how late a worker may take up a switch
SETTLE_SECONDS = POLL_SECONDS + 1  # after a publish returned: every request sent later names its version
CLIENTS = 4
ANSWERS_PER_PHASE = 100  # settled answers wanted in each phase before the next step
PHASE_SECONDS = 180  # generous bound for a phase: a hung server fails the test instead of hanging it
JSON = {"Content-Type": "application/json"}
CONSULTATIONS = "/api/v1/consultations"
VERSIONS = "/api/v1/kb/versions"
FEVER = json.dumps({"mode": "diagnosis", "symptoms": {"GC03": 1.0}}).encode()
# What one fever (GC03, certain) gives on each KB: PC01's CF, and R03's rule CF as the trace writes it.
OLD_CF, OLD_RULE_CF = 1.0, "1"
NEW_CF, NEW_RULE_CF = 0.8, "0.8"
STAFF = {"engineer": "engineer", "expert": "expert", "admin": "admin"}  # account name: its role


@dataclass(frozen=True)
class Answer:
    """One consultation: when it was sent and received, its status, and what the answer says."""

    sent: float
    received: float
    status: int | None  # None: no HTTP answer at all
    kb_version: str | None = None
    trace_version: str | None = None
    cf: float | None = None
    rule_cf: str | None = None  # R03's rule CF in the trace


@dataclass(frozen=True)
class Step:
    """One publish call: its send and receive times and what it answered."""

    sent: float
    received: float
    status: int
    body: dict


class Load:
    """``CLIENTS`` threads posting a fever diagnosis, each with its own Idempotency-Key, until stopped."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.stop = threading.Event()
        self.answers: list[Answer] = []
        self.threads = [threading.Thread(target=self._post, args=(n,)) for n in range(CLIENTS)]

    def _post(self, client: int) -> None:
        sent_count = 0
        while not self.stop.is_set():
            sent_count += 1
            headers = {**JSON, "Idempotency-Key": f"publish-load-{client}-{sent_count}"}
            connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            sent = time.monotonic()
            try:
                connection.request("POST", CONSULTATIONS, body=FEVER, headers=headers)
                response = connection.getresponse()
                status, raw = response.status, response.read()
            except (OSError, http.client.HTTPException):
                status, raw = None, b""
            finally:
                connection.close()
            received = time.monotonic()
            self.answers.append(_answer(sent, received, status, raw))

    def settled_after(self, moment: float) -> int:
        """How many answers were sent after ``moment``."""
        return sum(1 for answer in list(self.answers) if answer.sent > moment)

    def wait_for(self, moment: float, what: str) -> None:
        deadline = time.monotonic() + PHASE_SECONDS
        while self.settled_after(moment) < ANSWERS_PER_PHASE:
            assert time.monotonic() < deadline, f"{what}: fewer than {ANSWERS_PER_PHASE} answers in {PHASE_SECONDS}s"
            assert all(thread.is_alive() for thread in self.threads), "a client thread died"
            time.sleep(0.1)

    def __enter__(self):
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(timeout=120)


def _answer(sent: float, received: float, status: int | None, raw: bytes) -> Answer:
    if status != 201:
        return Answer(sent, received, status)
    body = json.loads(raw)
    (r03,) = [firing for firing in body["trace"]["firings"] if firing.get("rule") == "R03"]
    return Answer(
        sent, received, status, body["kb_version"], body["trace"]["kb"]["version"], body["cf"], r03["rule_cf"]
    )


def _flask(server, env: dict[str, str], *args: str, stdin: str = "") -> str:
    """``flask --app …`` on the server's instance folder and database; its output (it must succeed)."""
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", app_spec(str(server.instance)), *args],
        input=stdin,
        env={**env, "PYTHONSAFEPATH": "1"},
        cwd=CODE_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def _staff(server, token: str, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
    headers = {**JSON, "Authorization": f"Bearer {token}"}
    data = json.dumps(body).encode() if body is not None else None
    status, _headers, answer = server.request(method, path, body=data, headers=headers, timeout=120)
    return status, json.loads(answer)


def _publish(server, token: str, version: str) -> Step:
    sent = time.monotonic()
    status, body = _staff(server, token, "POST", f"{VERSIONS}/{version}/publish")
    return Step(sent, time.monotonic(), status, body)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_settings(request):
    """SQLite in the instance folder by default; PostgreSQL through DATABASE_URL."""
    if request.param == "sqlite":
        yield {}
    else:
        with throwaway_database(postgres_server()) as url:
            yield {"DATABASE_URL": url}


def test_publish_and_rollback_under_load_give_no_5xx_and_each_answer_names_a_version_active_around_it(
    tmp_path, database_settings
):
    settings = {
        "PAKAR_RATELIMIT_ENABLED": "false",
        "PAKAR_KB_POLL_SECONDS": str(POLL_SECONDS),
        **database_settings,
    }
    with production_server(tmp_path, **settings) as server:
        # The CLI on the server's instance folder and database, as an operator would run it there.
        env = clean_env(PAKAR_SECRET_KEY="serving-test-secret", **settings)
        tokens = {}
        for name, role in STAFF.items():
            created = _flask(
                server, env, "users", "create", name, "--role", role, "--password-stdin", stdin=PASSWORD + "\n"
            )
            assert created == f"created {name} ({role})\n"
            tokens[name] = _flask(server, env, "users", "token", name).strip()

        # The draft: the active version's files with GC03 at CF 0.8 (and its stored cases brought in line).
        status, listed = _staff(server, tokens["engineer"], "GET", VERSIONS)
        assert status == 200
        (active,) = [version for version in listed["versions"] if version["active"]]
        old, old_short = active["version"], active["short"]
        status, shown = _staff(server, tokens["engineer"], "GET", f"{VERSIONS}/{old}")
        assert status == 200
        # As JSON: the bundled KB is about 90 kB, over a consultation's body limit (nginx must let it through).
        files = variant(shown["files"], GC03_CF_08_CLEAN)
        status, draft = _staff(server, tokens["engineer"], "POST", VERSIONS, {"files": files, "note": "GC03 CF 0.8"})
        assert (status, draft["state"], draft["check"]["errors"], draft["check"]["cases"]["failed"]) == (
            201,
            "draft",
            [],
            0,
        )
        new, new_short = draft["version"], draft["short"]
        status, approved = _staff(server, tokens["expert"], "POST", f"{VERSIONS}/{new}/approve")
        assert (status, approved["state"], approved["approved_by"]) == (200, "approved", "expert")

        with Load(server.port) as load:
            load.wait_for(float("-inf"), "answers before the publish")
            published = _publish(server, tokens["engineer"], new)
            load.wait_for(published.received + SETTLE_SECONDS, "answers after the publish")
            rolled_back = _publish(server, tokens["admin"], old)
            load.wait_for(rolled_back.received + SETTLE_SECONDS, "answers after the rollback")
        answers = list(load.answers)

    assert (published.status, published.body["switched"], published.body["rollback"], published.body["previous"]) == (
        200,
        True,
        False,
        old,
    )
    assert (rolled_back.status, rolled_back.body["switched"], rolled_back.body["rollback"]) == (200, True, True)
    assert rolled_back.body["previous"] == new

    # No 5xx, no connection that went unanswered: every consultation was stored.
    assert {answer.status for answer in answers} == {201}
    # Each answer names the version that computed it: the old one's CF 1 or the new one's CF 0.8, never a mix.
    expected = {old_short: (OLD_CF, OLD_RULE_CF), new_short: (NEW_CF, NEW_RULE_CF)}
    assert len(expected) == 2
    mismatched = [
        answer
        for answer in answers
        if answer.kb_version not in expected
        or answer.trace_version != answer.kb_version
        or (answer.cf, answer.rule_cf) != expected[answer.kb_version]
    ]
    assert mismatched == []

    def versions(window) -> dict[str, int]:
        counts: dict[str, int] = {}
        for answer in answers:
            if window(answer):
                counts[answer.kb_version] = counts.get(answer.kb_version, 0) + 1
        return counts

    # Before the publish was sent: the old version only.
    before = versions(lambda a: a.received < published.sent)
    assert set(before) == {old_short} and before[old_short] >= ANSWERS_PER_PHASE
    # The new version never answered before its publish was sent, nor after the rollback had settled.
    assert versions(lambda a: a.kb_version == new_short and a.received <= published.sent) == {}
    assert versions(lambda a: a.kb_version == new_short and a.sent > rolled_back.received + SETTLE_SECONDS) == {}
    # Settled after the publish, until the rollback was sent: the new version only.
    during = versions(lambda a: a.sent > published.received + SETTLE_SECONDS and a.received < rolled_back.sent)
    assert set(during) == {new_short} and during[new_short] >= ANSWERS_PER_PHASE
    # Settled after the rollback: the old version only.
    after = versions(lambda a: a.sent > rolled_back.received + SETTLE_SECONDS)
    assert set(after) == {old_short} and after[old_short] >= ANSWERS_PER_PHASE
