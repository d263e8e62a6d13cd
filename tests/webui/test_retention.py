"""Automatic purging (webui.retention), the configured hotline in every result, and the first start of
several workers on a new database."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text, update

from webui import retention, store
from webui.extensions import db
from webui.models import Consultation

DIAGNOSIS = {"mode": "diagnosis", "symptoms": {"GC03": 1.0}}
S1 = {"mode": "screening", "answers": {"Q1": "ya", "Q2": "tidak", "Q3": "tidak", "Q4": "ya", "Q5": "ya", "Q6": "tidak"}}


@pytest.fixture(autouse=True)
def fresh_schedule():
    """Each test starts as a new process would: no purge done yet."""
    retention._last.clear()
    yield
    retention._last.clear()


def _age(app, token, days):
    with app.app_context():
        db.session.execute(
            update(Consultation)
            .where(Consultation.key == store.key_of(token))
            .values(created_at=datetime.now(timezone.utc) - timedelta(days=days))
        )
        db.session.commit()


def _count(app):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Consultation))


@pytest.mark.parametrize("age_days, kept", [(31, False), (29, True)])
def test_a_new_consultation_purges_results_past_retention(app, client, age_days, kept):
    old = client.post("/api/v1/consultations", json=DIAGNOSIS).get_json()["id"]
    _age(app, old, age_days)
    retention._last.clear()  # the first POST already purged; make the next one due again
    new = client.post("/api/v1/consultations", json=DIAGNOSIS).get_json()["id"]
    assert client.get(f"/api/v1/consultations/{old}").status_code == (200 if kept else 404)
    assert client.get(f"/api/v1/consultations/{new}").status_code == 200


@pytest.mark.parametrize(
    "interval, gap, expected",
    [
        (3600, 10, None),  # purged 10 s ago: not due
        (3600, 3600, 1),  # an hour later: due, and the old row goes
        (0, 10**6, None),  # 0 turns automatic purging off
    ],
)
def test_purge_runs_at_most_once_per_interval(app_factory, interval, gap, expected):
    app = app_factory(PURGE_INTERVAL=interval)
    with app.app_context():
        first = retention.purge_if_due(now=1000.0)
        assert first == (0 if interval else None)
        token = store.save(
            DIAGNOSIS, {"mode": "diagnosis", "kb_version": "v", "lang": "id", "diagnosis": "PC01", "trace": {}}
        )
    _age(app, token, 40)
    with app.app_context():
        assert retention.purge_if_due(now=1000.0 + gap) == expected
    assert _count(app) == (0 if expected else 1)


@pytest.mark.parametrize("config, shown", [({}, "1500-567"), ({"HOTLINE_NUMBER": "112"}, "112")])
def test_the_configured_hotline_is_in_the_api_result_and_the_stored_page(app_factory, config, shown):
    app = app_factory(**config)
    client = app.test_client()
    body = client.post("/api/v1/consultations", json=S1).get_json()
    assert body["solution"] == "S1"
    assert body["hotline"]["number"].replace(" ", "").replace("(", "").replace(")", "") == shown
    page = client.get(body["url"].replace("http://localhost", "")).get_data(as_text=True)
    assert f'href="tel:{shown}"' in page


STARTER = """
import os, sys, time
from webui import create_app
url, instance, ready, go = sys.argv[1:]
open(ready, "w").close()
while not os.path.exists(go):     # start together, as forked gunicorn workers do
    time.sleep(0.001)
create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": url}, instance_path=instance)
"""


@pytest.mark.slow  # starts worker processes
def test_workers_starting_together_on_a_new_database_all_start(tmp_path):
    """gunicorn starts its workers at once; each creates the app and finds an empty database."""
    import time

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
    deadline = time.monotonic() + 120
    while not all(r.exists() for r in ready) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.touch()
    results = [(p.wait(timeout=120), p.stderr.read()) for p in procs]
    for p in procs:
        p.stderr.close()
    assert [rc for rc, _ in results] == [0, 0, 0, 0], [err[-500:] for _, err in results]
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    from webui.extensions import migrate

    scripts = Config()
    scripts.set_main_option("script_location", migrate.directory)
    head = ScriptDirectory.from_config(scripts).get_current_head()
    engine = create_engine(url)
    with engine.connect() as conn:
        # Migrated once, to the newest revision.
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [head]
    engine.dispose()


@pytest.mark.slow  # starts a worker process
def test_a_start_on_a_new_database_waits_for_the_migration_lock(tmp_path):
    """While another process holds the instance's migration lock, a new app does not migrate."""
    import fcntl

    from sqlalchemy import create_engine, inspect

    url = "sqlite:///" + str(tmp_path / "new.sqlite3")
    instance = tmp_path / "instance"
    instance.mkdir()
    ready, go = tmp_path / "ready", tmp_path / "go"
    go.touch()
    with open(instance / "migrate.lock", "a", encoding="ascii") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        proc = subprocess.Popen(
            [sys.executable, "-c", STARTER, url, str(instance), str(ready), str(go)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(timeout=5)  # an app that ignored the lock would have started by now
        engine = create_engine(url)
        assert not inspect(engine).has_table("consultation")
        engine.dispose()
        fcntl.flock(lock, fcntl.LOCK_UN)
    assert proc.wait(timeout=120) == 0, proc.stderr.read()[-500:]
    proc.stderr.close()
    engine = create_engine(url)
    assert inspect(engine).has_table("consultation")
    engine.dispose()


# --- expired results are gone at read time -----------------------------------------------------------------

# Just inside and just outside the retention period (seconds are far from the test's own running time).
EXPIRY = [
    pytest.param(30 * 86400 - 60, True, id="a-minute-inside"),
    pytest.param(30 * 86400 + 60, False, id="a-minute-out"),
]


@pytest.mark.parametrize("age_seconds, readable", EXPIRY)
def test_a_result_past_retention_is_unreadable_although_no_purge_ran(app_factory, age_seconds, readable):
    """PURGE_INTERVAL=0: nothing deletes the row, yet past RETENTION_DAYS the page, the PDF, the API's read and
    delete all answer as for a result that does not exist."""
    app = app_factory(PURGE_INTERVAL=0, RETENTION_DAYS=30)
    client = app.test_client()
    token = client.post("/api/v1/consultations", json=DIAGNOSIS).get_json()["id"]
    with app.app_context():
        db.session.execute(
            update(Consultation)
            .where(Consultation.key == store.key_of(token))
            .values(created_at=datetime.now(timezone.utc) - timedelta(seconds=age_seconds))
        )
        db.session.commit()
    page = client.get(f"/r/{token}?lang=en")
    expected = 200 if readable else 404
    assert (page.status_code, client.get(f"/r/{token}/report.pdf").status_code) == (expected, expected)
    if not readable:
        # the result_missing page, which says how long results are kept
        assert "Results are deleted after 30 days" in page.get_data(as_text=True)
    assert client.get(f"/api/v1/consultations/{token}").status_code == expected
    with app.app_context():
        assert (store.get(token) is not None) is readable
    assert client.delete(f"/api/v1/consultations/{token}").status_code == (204 if readable else 404)
    assert _count(app) == (0 if readable else 1)  # the expired row waits for the purge


def test_an_idempotency_key_of_an_expired_result_stores_a_new_one(app_factory):
    app = app_factory(PURGE_INTERVAL=0, RETENTION_DAYS=30)
    client = app.test_client()
    headers = {"Idempotency-Key": "retry-after-a-month"}
    first = client.post("/api/v1/consultations", json=DIAGNOSIS, headers=headers).get_json()["id"]
    _age(app, first, 31)
    again = client.post("/api/v1/consultations", json=DIAGNOSIS, headers=headers)
    assert again.status_code == 201
    assert client.get(f"/api/v1/consultations/{again.get_json()['id']}").status_code == 200
    assert _count(app) == 1  # the expired row made way for the new one
