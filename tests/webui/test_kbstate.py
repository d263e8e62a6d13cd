"""webui.kbstate: the KB every worker serves is the version the database names as active.

Two apps on one database stand for two workers (each has its own registry, as each process does); with a
poll of 0 s a switch is seen at the next request, so no test waits for time to pass.
"""

from __future__ import annotations

import logging
import os

import pytest
from flask.cli import FlaskGroup
from sqlalchemy import func, select, update

import kb as kbase
from testing.kbfiles import BASE, write_kb
from testing.kbvariants import GC03_CF_08_CLEAN, bundled_files, variant
from testing.visitor import Visitor
from tests.webui.test_screening_views import answer, begin
from webui import create_app, kbstate, knowledge
from webui.errors import KBUnavailableError, StartupError
from webui.extensions import db
from webui.models import ActiveKB, Consultation, KBVersion

# The bundled KB with another label: another version whose screening is the same.
RELABELLED = {"kb.yaml": [('version: "1.0.0"', 'version: "1.0.1"')]}


def served(client) -> str:
    """The short version an app answers from (GET /api/v1/kb)."""
    response = client.get("/api/v1/kb")
    assert response.status_code == 200
    return response.get_json()["kb"]["version"]


def publish(app, files, by="tester"):
    """Store ``files`` as a version and make it active through ``app``; the parsed KB."""
    with app.app_context():
        stored = kbstate.store_version(files, state="approved", by=by)
        kbstate.activate(stored.version, by, "publish")
    return stored


def rows(app):
    """(hash, state, published) of every stored version, and the pointer (hash, serial)."""
    with app.app_context():
        versions = [
            (v.hash, v.state, v.published_at is not None)
            for v in db.session.scalars(select(KBVersion).order_by(KBVersion.id))
        ]
        pointer = db.session.execute(select(ActiveKB.version_hash, ActiveKB.serial)).one_or_none()
        db.session.remove()
    return versions, None if pointer is None else tuple(pointer)


@pytest.fixture
def two(app_factory):
    """Two apps ("workers") on one database, each looking at the pointer at every request."""
    first = app_factory(KB_POLL_SECONDS=0)
    second = app_factory(KB_POLL_SECONDS=0)
    yield first, second


def test_the_first_start_stores_the_disk_kb_as_the_published_active_version(app, bundled_kb):
    assert rows(app) == ([(bundled_kb.version, "published", True)], (bundled_kb.version, 1))
    with app.app_context():
        assert knowledge.current() is kbstate.active()
        assert kbstate.active().version == bundled_kb.version
        stored = db.session.scalar(select(KBVersion))
        assert stored.files == bundled_files()
        assert (stored.label, stored.created_by, stored.note) == ("1.0.0", None, "the KB on disk at first start")
    assert served(app.test_client()) == bundled_kb.short_version


def test_a_second_worker_finds_the_version_and_stores_nothing(two, bundled_kb):
    _first, second = two
    assert rows(second) == ([(bundled_kb.version, "published", True)], (bundled_kb.version, 1))


def test_every_worker_switches_at_its_next_request(two, bundled_kb):
    first, second = two
    clients = [first.test_client(), second.test_client()]
    assert [served(c) for c in clients] == [bundled_kb.short_version] * 2
    new = publish(first, variant(bundled_files(), GC03_CF_08_CLEAN))
    assert [served(c) for c in clients] == [new.short_version] * 2
    assert rows(second)[1] == (new.version, 2)
    # And back (a rollback is the same switch): the earlier version is served again.
    with first.app_context():
        kbstate.activate(bundled_kb.version, "admin", "rollback")
    assert [served(c) for c in clients] == [bundled_kb.short_version] * 2
    assert rows(first)[1] == (bundled_kb.version, 3)


def test_healthz_names_the_active_version_before_any_consultation(two, bundled_kb):
    first, second = two
    probe = second.test_client()
    assert probe.get("/healthz").get_json()["kb"] == bundled_kb.short_version
    new = publish(first, variant(bundled_files(), GC03_CF_08_CLEAN))
    # The probe is the worker's first request since the switch: it follows the pointer, not what it served.
    assert probe.get("/healthz").get_json() == {"status": "ok", "database": "ok", "kb": new.short_version}


def test_a_worker_looks_again_only_after_its_poll_interval(app_factory, bundled_kb):
    switching = app_factory(KB_POLL_SECONDS=0)
    patient = app_factory(KB_POLL_SECONDS=3600)
    client = patient.test_client()
    assert served(client) == bundled_kb.short_version
    new = publish(switching, variant(bundled_files(), RELABELLED))
    assert served(switching.test_client()) == new.short_version
    assert served(client) == bundled_kb.short_version  # not due yet: what it has
    with patient.app_context():
        kbstate.registry().refresh()  # what the poll does when it is due
    assert served(client) == new.short_version


def test_a_request_is_answered_by_one_version_throughout(two, bundled_kb):
    first, second = two
    with second.test_request_context("/"):
        before = knowledge.current()
        publish(first, variant(bundled_files(), RELABELLED))
        assert knowledge.current() is before  # the same request: the same version
    with second.test_request_context("/"):
        assert knowledge.current().version != before.version


def test_a_process_whose_database_is_down_keeps_serving(tmp_path, build_app, bundled_kb, caplog):
    path = tmp_path / "down.sqlite3"
    app = build_app(f"sqlite:///{path}", KB_POLL_SECONDS=0)
    client = app.test_client()
    assert served(client) == bundled_kb.short_version
    path.rename(tmp_path / "away.sqlite3")
    path.mkdir()  # where the database was, nothing SQLite can open
    with app.app_context():
        db.engine.dispose()  # the pool's open connections still reach the moved file
    with caplog.at_level(logging.WARNING, logger="webui.kbstate"):
        assert [served(client) for _ in range(3)] == [bundled_kb.short_version] * 3
    assert [r.getMessage() for r in caplog.records if r.name == "webui.kbstate"] == [
        "KB: the database does not answer (OperationalError); serving the KB in memory"
    ]
    path.rmdir()
    (tmp_path / "away.sqlite3").rename(path)
    with app.app_context():
        db.engine.dispose()
    new = publish(app, variant(bundled_files(), RELABELLED))
    assert served(client) == new.short_version


def test_a_version_that_does_not_load_is_not_taken_up(two, bundled_kb, caplog):
    first, second = two
    broken = {**bundled_files(), "rules.yaml": "rules: [\n"}
    with first.app_context(), db.engine.begin() as conn:
        conn.execute(
            KBVersion.__table__.insert().values(
                hash="f" * 64,
                label="broken",
                files=broken,
                state="published",
                note="",
                created_at=func.now(),
                updated_at=func.now(),
            )
        )
        conn.execute(update(ActiveKB).values(version_hash="f" * 64, serial=ActiveKB.serial + 1))
    client = second.test_client()
    with caplog.at_level(logging.WARNING, logger="webui.kbstate"):
        assert [served(client) for _ in range(2)] == [bundled_kb.short_version] * 2
    assert "KB: the active KB version ffffffffffff does not load; serving the one in memory" in caplog.messages
    with first.app_context(), pytest.raises(KBUnavailableError):  # activate checks that the version loads
        kbstate.activate("f" * 64)


@pytest.mark.parametrize("ref", ["", "xyz", "0" * 12, "0" * 64, "ffffff ", None])
def test_an_unknown_version_is_none(app, ref):
    with app.app_context():
        assert knowledge.version(ref) is None


def test_a_version_is_found_by_its_full_hash_or_its_first_digits(app, bundled_kb):
    new = publish(app, variant(bundled_files(), RELABELLED))
    with app.app_context():
        for ref in (bundled_kb.version, bundled_kb.short_version, bundled_kb.version[:6].upper()):
            assert kbstate.version(ref).version == bundled_kb.version
        assert kbstate.version(new.short_version).version == new.version


def test_activating_an_unknown_version_changes_nothing(app, bundled_kb):
    before = rows(app)
    with app.app_context():
        for ref in ("0" * 64, bundled_kb.short_version):  # unknown; known but not a full hash
            with pytest.raises(KBUnavailableError):
                kbstate.activate(ref)
    assert rows(app) == before


def test_observers_hear_of_every_switch(app_factory, bundled_kb):
    heard = []
    kbstate.on_switch.append(heard.append)
    try:
        app = app_factory(KB_POLL_SECONDS=0)
        new = publish(app, variant(bundled_files(), RELABELLED), by="ana")
    finally:
        kbstate.on_switch.remove(heard.append)
    assert heard == [
        kbstate.Switch(None, bundled_kb.version, 1, None, "bootstrap"),
        kbstate.Switch(bundled_kb.version, new.version, 2, "ana", "publish"),
    ]


def test_a_half_done_screening_finishes_on_the_version_it_started_on(two, bundled_kb):
    first, second = two
    person = Visitor(second.test_client())
    begin(person)
    for step, value in ((1, "ya"), (2, "tidak"), (3, "ya"), (4, "tidak"), (5, "tidak")):
        assert answer(person, step, value).status_code == 302
    new = publish(first, variant(bundled_files(), RELABELLED))
    last = answer(person, 6, "tidak")
    assert last.location.startswith("/r/")
    later = Visitor(second.test_client())
    begin(later)
    for step in range(1, 7):
        answer(later, step, "tidak")
    with second.app_context():
        stored = [row.kb_version for row in db.session.scalars(select(Consultation).order_by(Consultation.created_at))]
    assert stored == [bundled_kb.short_version, new.short_version]


def test_a_screening_whose_version_is_gone_goes_on_with_the_active_one(app, bundled_kb):
    person = Visitor(app.test_client())
    begin(person)
    with person.client.session_transaction() as session:
        session["screening"] = {**session["screening"], "kb": "0" * 64}
    page = person.get("/screening/1")
    assert page.status_code == 200
    assert "Basis pengetahuan diperbarui saat Anda menjawab; sisa pertanyaan memakai versi yang baru." in person.text
    with person.client.session_transaction() as session:
        assert session["screening"]["kb"] == bundled_kb.version


def _diagnosis_form(visitor):
    assert visitor.get("/diagnosis").status_code == 200
    assert visitor.submit({"emergency": "no"}).location == "/diagnosis/symptoms"
    assert visitor.get("/diagnosis/symptoms").status_code == 200


def test_the_diagnosis_form_is_answered_by_the_version_it_was_made_from(two, bundled_kb):
    first, second = two
    person = Visitor(second.test_client())
    _diagnosis_form(person)
    assert person.dom.one("input", name="kb").attrs["value"] == bundled_kb.version
    new = publish(first, variant(bundled_files(), GC03_CF_08_CLEAN))
    response = person.submit({"GC03": "pasti"})
    assert response.status_code == 302 and response.location.startswith("/r/")
    with second.app_context():
        row = db.session.scalar(select(Consultation))
        assert (row.kb_version, row.result["ranking"][0]["cf"]) == (bundled_kb.short_version, 1.0)
    assert new.short_version != bundled_kb.short_version


def test_a_diagnosis_form_of_an_unknown_version_is_read_with_the_active_one(app, bundled_kb):
    person = Visitor(app.test_client())
    _diagnosis_form(person)
    response = person.submit({"kb": "0" * 64, "GC03": "pasti"})
    assert response.status_code == 302 and response.location.startswith("/r/")
    with app.app_context():
        assert db.session.scalar(select(Consultation.kb_version)) == bundled_kb.short_version


def test_a_result_is_shown_against_its_own_version(two, bundled_kb):
    """After a switch, a result of the earlier version is re-run (another language) on its own version,
    not called stale; a result of a version the database does not have is."""
    first, second = two
    person = Visitor(second.test_client())
    _diagnosis_form(person)
    receipt = person.submit({"GC03": "pasti"}).location
    publish(first, variant(bundled_files(), GC03_CF_08_CLEAN))
    person.get("/lang/en")
    page = person.get(receipt)
    assert page.status_code == 200
    assert person.dom.find_all("p", class_="stale") == []
    assert "Fever above 38" in page.get_data(as_text=True)
    with second.app_context():
        db.session.execute(update(Consultation).values(kb_version="0" * 12))
        db.session.commit()
    person.get(receipt)
    assert person.dom.one("p", class_="stale").text.startswith("The knowledge base has been updated")


def _flask(tmp_path, monkeypatch, kb_path, database):
    """The ``flask`` command as an operator types it, in this process, for an app configured by the
    environment (PAKAR_KB_PATH, DATABASE_URL) with its instance folder in ``tmp_path``."""
    from click.testing import CliRunner

    monkeypatch.setenv("PAKAR_KB_PATH", str(kb_path))
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("PAKAR_SECRET_KEY", "test-secret")
    monkeypatch.setenv("PAKAR_AUTO_MIGRATE", "false")
    instance = str(tmp_path / "instance")
    cli = FlaskGroup(create_app=lambda: create_app(instance_path=instance))

    def run(*args):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return run, instance


def test_db_upgrade_and_purge_work_with_a_broken_kb(tmp_path, monkeypatch, kb_copy):
    rules = kb_copy / "rules.yaml"
    rules.write_text(rules.read_text(encoding="utf-8").replace("cf: 0.8", "cf: 1.8", 1), encoding="utf-8")
    database = "sqlite:///" + str(tmp_path / "pakar.sqlite3")
    run, instance = _flask(tmp_path, monkeypatch, kb_copy, database)
    upgraded = run("db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    purged = run("purge")
    assert (purged.exit_code, purged.output) == (0, "deleted 0 result(s) older than 30 day(s)\n")
    with pytest.raises(StartupError) as refused:  # the server: nothing can be served
        create_app(instance_path=instance)
    assert "rules.yaml:" in str(refused.value) and "1.8 is outside the allowed range" in str(refused.value)
    # Fixed on disk: the server starts and stores it as the first version.
    rules.write_text(rules.read_text(encoding="utf-8").replace("cf: 1.8", "cf: 0.8", 1), encoding="utf-8")
    app = create_app(instance_path=instance)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(KBVersion)) == 1
        db.engine.dispose()


def test_the_server_starts_on_the_stored_version_when_the_disk_kb_breaks(tmp_path, monkeypatch, kb_copy):
    """A broken edit on disk changes nothing for a server that starts (or a worker that respawns) later."""
    database = "sqlite:///" + str(tmp_path / "pakar.sqlite3")
    monkeypatch.setenv("PAKAR_KB_PATH", str(kb_copy))
    monkeypatch.setenv("DATABASE_URL", database)
    monkeypatch.setenv("PAKAR_SECRET_KEY", "test-secret")
    first = create_app(instance_path=str(tmp_path / "instance"))
    with first.app_context():
        version = kbstate.active().version
        db.engine.dispose()
    (kb_copy / "rules.yaml").write_text("rules: [\n", encoding="utf-8")
    again = create_app(instance_path=str(tmp_path / "instance"))
    with again.app_context():
        assert kbstate.active().version == version
        db.engine.dispose()
    assert os.path.exists(tmp_path / "instance" / "migrate.lock")


def test_a_test_app_with_a_kb_path_serves_that_kb(app_factory, tmp_path):
    """Two apps of one test on one database, the second with its own KB: it serves its own."""
    first = app_factory()
    mini = kbase.load_files(BASE)
    other = app_factory(KB_PATH=str(write_kb(tmp_path / "mini", BASE)))
    assert served(other.test_client()) == mini.short_version
    assert rows(first)[1] == (mini.version, 2)


@pytest.mark.slow  # starts worker processes
def test_workers_starting_together_store_the_first_version_once(tmp_path, bundled_kb):
    """Four processes start at once on a new database (as gunicorn's workers do): one version, one switch."""
    import subprocess
    import sys
    import time

    from sqlalchemy import create_engine

    from tests.webui.test_retention import STARTER

    url = "sqlite:///" + str(tmp_path / "new.sqlite3")
    go = tmp_path / "go"
    ready = [tmp_path / f"ready{i}" for i in range(4)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", STARTER, url, str(tmp_path / "instance"), str(r), str(go)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in ready
    ]
    for _attempt in range(1200):  # until all four wait at the start line
        if all(r.exists() for r in ready):
            break
        time.sleep(0.1)
    go.touch()
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for p in procs:
        p.stderr.close()
    assert [rc for rc, _ in results] == [0, 0, 0, 0], [err[-500:] for _, err in results]
    engine = create_engine(url)
    with engine.connect() as conn:
        assert conn.execute(select(KBVersion.hash, KBVersion.state)).all() == [(bundled_kb.version, "published")]
        assert conn.execute(select(ActiveKB.version_hash, ActiveKB.serial)).all() == [(bundled_kb.version, 1)]
    engine.dispose()
