"""``flask --app webui kb reload``: a good KB on disk becomes the active version of every worker; a broken
one is refused with its ``file:line`` problems and changes nothing."""

from __future__ import annotations

import http.client
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from sqlalchemy import select

import kb as kbase
from testing.kbfiles import replace_in, write_kb
from testing.kbvariants import MINI, variant
from testing.serving import clean_env, free_port
from tests.webui.test_kbstate import rows, served
from webui import kbreload, kbstate
from webui.extensions import db
from webui.models import KBVersion

RELABEL = ('version: "1.0.0"', 'version: "1.0.1"')


def reload(app, path=None):
    args = ["kb", "reload"] + (["--path", str(path)] if path else [])
    return app.test_cli_runner().invoke(args=args)


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in line)


@pytest.fixture
def two(app_factory):
    yield app_factory(KB_POLL_SECONDS=0), app_factory(KB_POLL_SECONDS=0)


def test_a_good_kb_is_published_and_every_worker_switches(two, kb_copy, bundled_kb):
    first, second = two
    replace_in(kb_copy / "kb.yaml", *RELABEL)
    new = kbase.load_files(kbase.read_files(kb_copy))
    done = reload(first, kb_copy)
    assert done.exit_code == 0, done.output
    assert done.output == (
        f"{kb_copy}: version {bundled_kb.short_version} -> {new.short_version} (1.0.1);"
        " workers switch at their next request\n"
    )
    assert [served(app.test_client()) for app in two] == [new.short_version] * 2
    assert rows(second) == (
        [(bundled_kb.version, "published", True), (new.version, "published", True)],
        (new.version, 2),
    )
    with second.app_context():
        stored = db.session.scalar(select(KBVersion).where(KBVersion.hash == new.version))
        assert (stored.note, stored.created_by, stored.check["cases"]) == (
            f"reloaded from {kb_copy}",
            None,
            {"passed": 147, "failed": 0},
        )
    again = reload(first, kb_copy)
    assert (again.exit_code, again.output) == (0, f"{kb_copy}: version {new.short_version} (1.0.1) is already active\n")
    assert rows(second)[1] == (new.version, 2)


def test_a_kb_that_does_not_load_is_refused_with_file_and_line_and_changes_nothing(two, kb_copy, bundled_kb):
    first, _second = two
    rules = kb_copy / "rules.yaml"
    replace_in(rules, "then: PC02", "then: PC03")
    line = line_of(rules, "then: PC03")
    before = rows(first)
    refused = reload(first, kb_copy)
    assert refused.exit_code == 1
    assert refused.stdout == ""
    assert refused.stderr.splitlines() == [
        f"kb reload refused: {kb_copy} was not taken up; nothing changed",
        f"{rules}:{line}:5: rules[9].then: unknown hypothesis or finding 'PC03' (did you mean 'PC02'? declare it"
        " under hypotheses or findings)",
        f"the active version stays {bundled_kb.short_version}",
    ]
    assert rows(first) == before
    assert [served(app.test_client()) for app in two] == [bundled_kb.short_version] * 2


def test_a_yaml_syntax_error_is_refused_with_its_line(app, kb_copy):
    replace_in(kb_copy / "scale.yaml", "  - code: tidak", "  - code: [tidak")
    refused = reload(app, kb_copy)
    assert refused.exit_code == 1
    assert re.search(rf"^{re.escape(str(kb_copy / 'scale.yaml'))}:\d+:\d+: .*YAML syntax error", refused.stderr, re.M)


def test_a_kb_whose_stored_case_fails_is_refused(app, kb_copy, bundled_kb):
    replace_in(kb_copy / "cases.yaml", "    expect: S3\n", "    expect: S2\n")
    before = rows(app)
    refused = reload(app, kb_copy)
    assert refused.exit_code == 1
    failure = [line for line in refused.stderr.splitlines() if "case T3-R96 failed" in line]
    assert len(failure) == 1 and failure[0].startswith("cases.yaml:"), refused.stderr
    assert rows(app) == before


def test_a_kb_with_a_verifier_error_is_refused(app, tmp_path):
    """A decision table with a gap (answers no decision rule decides) is an error: refused."""
    gap = variant(MINI, {"screening.yaml": [("{all: {Q1: tidak, Q2: tidak}}", "{all: {Q1: tidak, Q2: ya}}")]})
    path = write_kb(tmp_path / "gap", gap)
    before = rows(app)
    refused = reload(app, path)
    assert refused.exit_code == 1
    assert refused.stderr.splitlines()[1:] == [
        "error: 1 of 4 answer combinations match no decision rule (e.g. Q1=tidak, Q2=tidak) [gap]",
        f"the active version stays {rows(app)[1][0][:12]}",
    ]
    assert rows(app) == before


def test_reload_without_a_path_takes_up_the_configured_kb(app_factory, kb_copy, bundled_kb):
    app = app_factory(KB_PATH=str(kb_copy), KB_POLL_SECONDS=0)
    replace_in(kb_copy / "kb.yaml", *RELABEL)
    done = reload(app)
    assert done.exit_code == 0, done.output
    assert served(app.test_client()) == kbase.load_files(kbase.read_files(kb_copy)).short_version


def test_a_database_that_does_not_answer_changes_nothing(tmp_path, build_app, kb_copy):
    path = tmp_path / "pakar.sqlite3"
    app = build_app(f"sqlite:///{path}")
    path.rename(tmp_path / "away.sqlite3")
    path.mkdir()
    with app.app_context():
        db.engine.dispose()
    refused = reload(app, kb_copy)
    assert refused.exit_code == 1
    assert "the database does not answer (OperationalError): nothing was changed" in refused.stderr
    path.rmdir()
    (tmp_path / "away.sqlite3").rename(path)


# --- two gunicorn workers -------------------------------------------------------------------------------------


def _get(port: int) -> tuple[int, str]:
    """(the worker's pid, the KB version) of one request on a new connection."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", "/api/v1/kb")
        response = conn.getresponse()
        body = json.loads(response.read())
        assert response.status == 200
        return int(response.getheader("X-Test-Worker") or 0), body["kb"]["version"]
    finally:
        conn.close()


def _round(port: int) -> dict[int, set[str]]:
    """Versions seen per worker pid over 64 requests from 8 clients at once (both sync workers get some)."""
    seen: dict[int, set[str]] = {}
    with ThreadPoolExecutor(8) as pool:
        for pid, version in pool.map(lambda _: _get(port), range(64)):
            seen.setdefault(pid, set()).add(version)
    return seen


# A gunicorn config for the test: each answer names the worker process that gave it.
WORKER_HEADER = """\
def post_fork(server, worker):
    import os

    from gunicorn.http import wsgi

    original = wsgi.Response.default_headers

    def default_headers(self):
        return original(self) + [f"X-Test-Worker: {os.getpid()}\\r\\n"]

    wsgi.Response.default_headers = default_headers
"""


@pytest.mark.slow
def test_two_gunicorn_workers_serve_only_the_new_version_after_a_reload(tmp_path, kb_copy, bundled_kb):
    port = free_port()
    instance = tmp_path / "instance"
    factory = f"webui:create_app(instance_path={str(instance)!r})"
    env = clean_env(
        DATABASE_URL=f"sqlite:///{tmp_path / 'pakar.sqlite3'}",
        PAKAR_SECRET_KEY="test-secret",
        PAKAR_KB_POLL_SECONDS="0",
        PAKAR_RATELIMIT_ENABLED="false",
    )
    config = tmp_path / "gunicorn_test.conf.py"
    config.write_text(WORKER_HEADER, encoding="utf-8")
    log = open(tmp_path / "gunicorn.log", "wb")  # noqa: SIM115  # closed below, after the server
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", str(config), "-w", "2", "-b", f"127.0.0.1:{port}", factory],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=os.getcwd(),
    )
    try:
        for _attempt in range(600):  # the workers start: up to a minute on a loaded machine
            try:
                _get(port)
                break
            except OSError:
                if server.poll() is not None:
                    raise AssertionError((tmp_path / "gunicorn.log").read_text()) from None
                time.sleep(0.1)
        before: dict[int, set[str]] = {}
        for _attempt in range(100):  # until the second worker has loaded the app too
            for pid, versions in _round(port).items():
                before.setdefault(pid, set()).update(versions)
            if len(before) == 2:
                break
        assert len(before) == 2 and all(v == {bundled_kb.short_version} for v in before.values()), before
        replace_in(kb_copy / "kb.yaml", *RELABEL)
        new = kbase.load_files(kbase.read_files(kb_copy))
        done = subprocess.run(
            [sys.executable, "-m", "flask", "--app", factory, "kb", "reload", "--path", str(kb_copy)],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stderr
        assert f"-> {new.short_version} (1.0.1)" in done.stdout
        after: dict[int, set[str]] = {}
        for _attempt in range(100):  # until both workers have answered
            for pid, versions in _round(port).items():
                after.setdefault(pid, set()).update(versions)
            if set(after) == set(before):
                break
        assert set(after) == set(before) and all(v == {new.short_version} for v in after.values()), after
    finally:
        server.terminate()
        server.wait(timeout=60)
        log.close()


def test_the_registry_api_names_what_a_reload_stored(app, kb_copy):
    replace_in(kb_copy / "kb.yaml", *RELABEL)
    outcome = kbreload.reload(app, kb_copy)
    assert outcome.ok and outcome.switched
    with app.app_context():
        assert kbstate.active_hash() == outcome.version
        assert kbstate.version(outcome.version[:12]).label == "1.0.1"


def test_reloads_are_in_the_audit_log(app, kb_copy, bundled_kb):
    from webui.models import AuditEvent

    replace_in(kb_copy / "kb.yaml", *RELABEL)
    new = kbase.load_files(kbase.read_files(kb_copy))
    assert reload(app, kb_copy).exit_code == 0
    replace_in(kb_copy / "rules.yaml", "then: PC02", "then: PC03")
    assert reload(app, kb_copy).exit_code == 1
    with app.app_context():
        events = db.session.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.version_hash, AuditEvent.other_hash).order_by(
                AuditEvent.id
            )
        ).all()
    assert [tuple(e) for e in events] == [
        ("cli", "version.reload", new.version, bundled_kb.version),
        ("cli", "version.reload_refused", None, new.version),
    ]
