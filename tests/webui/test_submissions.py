"""A consultation form keeps its submission key while it is shown again after its own post (a 503 while the
database was away, a refused answer), so a post that was stored although its answer never arrived is not
stored a second time when the person sends the form again; a form shown afresh gets a fresh key."""

from __future__ import annotations

import sqlite3
from contextlib import contextmanager

import pytest
from sqlalchemy import text

from testing.visitor import Visitor
from webui.extensions import db

SYMPTOMS = {"GC03": "pasti", "GC10": "hampir_pasti"}


@contextmanager
def write_lock(path):
    """Another process's write transaction on the SQLite file, held until the block ends."""
    other = sqlite3.connect(str(path), isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        yield
        other.execute("ROLLBACK")
    finally:
        other.close()


@pytest.fixture
def sqlite_app(build_app, tmp_path):
    """The app on a SQLite file of its own, with a short busy timeout: a write lock is a 503 at once."""
    path = tmp_path / "db" / "pakar.sqlite3"
    path.parent.mkdir()
    yield build_app("sqlite:///" + str(path), SQLITE_BUSY_TIMEOUT=0.1), path


def _count(app) -> int:
    with app.app_context():
        db.session.remove()
        return db.session.scalar(text("SELECT count(*) FROM consultation"))


def _key(visitor: Visitor) -> str:
    (field,) = visitor.form().find_all("input", name="submission")
    return field.attrs["value"]


def _at_diagnosis_symptoms(app, visitor: Visitor | None = None) -> Visitor:
    if visitor is None:
        visitor = Visitor(app.test_client())
        visitor.get("/lang/en")
    visitor.get("/diagnosis")
    visitor.submit({"emergency": "no"})
    visitor.get("/diagnosis/symptoms")
    return visitor


def _at_last_screening_question(app) -> Visitor:
    visitor = Visitor(app.test_client())
    visitor.get("/lang/en")
    visitor.get("/screening")
    visitor.submit({"emergency": "no"})
    visitor.get("/screening/who")
    visitor.submit({"for_other": "0"})
    for step in range(1, 6):
        visitor.get(f"/screening/{step}")
        visitor.submit({"answer": "tidak", "action": "next"})
    visitor.get("/screening/6")
    return visitor


@pytest.mark.parametrize(
    ("reach", "answers"),
    [(_at_diagnosis_symptoms, SYMPTOMS), (_at_last_screening_question, {"answer": "tidak", "action": "next"})],
    ids=["diagnosis", "screening"],
)
def test_a_form_shown_again_after_a_503_keeps_its_key_so_a_lost_answer_is_not_stored_twice(sqlite_app, reach, answers):
    app, path = sqlite_app
    visitor = reach(app)
    first_key = _key(visitor)
    with write_lock(path):
        assert visitor.submit(answers).status_code == 503
    assert _key(visitor) == first_key
    posted = {**visitor.fields(visitor.form()), "submission": first_key}
    action = visitor.form().attrs.get("action") or visitor.response.request.path
    # The same submission stored by a post whose answer never reached the person (a connection cut after the
    # commit, nginx's retry of it): one row, one receipt.
    stored = visitor.client.post(action, data=posted)
    assert stored.status_code == 302 and stored.location.startswith("/r/") and _count(app) == 1
    # The person sends the form shown again: that first receipt, no second row.
    again = visitor.submit()
    assert (again.status_code, again.location, _count(app)) == (302, stored.location, 1)


def test_a_refused_answer_keeps_the_key_and_a_form_shown_afresh_gets_a_new_one(sqlite_app):
    app, _path = sqlite_app
    visitor = _at_diagnosis_symptoms(app)
    first_key = _key(visitor)
    _at_diagnosis_symptoms(app, visitor)
    second_key = _key(visitor)
    assert second_key != first_key  # shown afresh: a new submission
    refused = visitor.submit({"GC03": "not-an-answer"})
    assert refused.status_code == 400 and _key(visitor) == second_key
    assert _count(app) == 0


@pytest.mark.parametrize("posted", ["", "short", "a" * 23 + "!", "a" * 25], ids=["empty", "short", "bad-char", "long"])
def test_a_key_that_is_not_ours_is_not_kept(sqlite_app, posted):
    app, _path = sqlite_app
    visitor = _at_diagnosis_symptoms(app)
    assert visitor.submit({"GC03": "not-an-answer", "submission": posted}).status_code == 400
    assert _key(visitor) != posted and len(_key(visitor)) == 24
