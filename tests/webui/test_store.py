"""webui.store on SQLite and PostgreSQL: receipt tokens, what is stored, deletion, purging, and that a
failed call leaves the database as it was."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, func, select, text, update

from webui import knowledge, store
from webui.extensions import db
from webui.models import Consultation

UTC = timezone.utc
WIB = timezone(timedelta(hours=7))  # Western Indonesia Time: the country's most common zone

SCREENING = {
    "mode": "screening",
    "answers": {"Q1": "ya", "Q2": "tidak", "Q3": "tidak", "Q4": "ya", "Q5": "ya", "Q6": "tidak"},
}
DIAGNOSIS = {"mode": "diagnosis", "symptoms": {"GC03": "pasti", "GC04": "hampir_pasti"}}


@pytest.fixture
def ctx(app):
    """An app context on one backend, for calling the store directly."""
    with app.app_context():
        yield app


def _save(request=DIAGNOSIS, **kwargs) -> str:
    return store.save(request, knowledge.answer(request), **kwargs)


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Consultation))


def _count_from_another_connection() -> int:
    with db.engine.connect() as conn:
        return conn.scalar(text("SELECT count(*) FROM consultation"))


@pytest.fixture
def statements(ctx):
    """The SQL statements the app sends while the test runs (to prove that some calls send none)."""
    seen = []

    def record(conn, cursor, statement, *args):
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    yield seen
    event.remove(db.engine, "before_cursor_execute", record)


# --- tokens and what is stored ------------------------------------------------------------------------


def test_token_is_24_url_safe_characters_and_only_its_sha256_is_stored(ctx):
    token = _save()
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", token)
    rows = db.session.execute(text("SELECT * FROM consultation")).mappings().all()
    assert len(rows) == 1
    assert rows[0]["key"] == hashlib.sha256(token.encode()).hexdigest()
    # The token appears in no column at all (a database copy must not hand out working links).
    assert all(token not in str(value) for value in rows[0].values())


def test_every_save_gets_its_own_token(ctx):
    tokens = {_save() for _ in range(20)}
    assert len(tokens) == 20
    assert _count() == 20


@pytest.mark.parametrize(
    "request_, for_other, outcome",
    [
        (SCREENING, False, "S1"),
        (DIAGNOSIS, True, "PC01"),
    ],
    ids=["screening", "diagnosis-for-someone-else"],
)
def test_get_returns_what_was_saved(ctx, request_, for_other, outcome):
    result = knowledge.answer(request_)
    token = store.save(request_, result, for_other=for_other)
    db.session.remove()  # read it back from the database, not from the session's memory
    row = store.get(token)
    assert (row.mode, row.outcome, row.lang, row.for_other, row.kb_version) == (
        request_["mode"],
        outcome,
        "id",
        for_other,
        knowledge.current().short_version,
    )
    assert row.request == request_
    assert row.result == {k: v for k, v in result.items() if k != "trace"}
    assert row.trace == result["trace"] and row.trace["firings"]
    assert row.created_at.tzinfo is not None and row.created_at.utcoffset() == timedelta(0)
    assert abs(datetime.now(UTC) - row.created_at) < timedelta(minutes=1)


def test_created_at_reads_as_utc_even_when_the_connection_is_in_another_time_zone(postgres_url, build_app):
    """PostgreSQL returns timestamptz in the session's zone; a server set to Asia/Jakarta must not turn the
    receipt's "… UTC" time seven hours off."""
    app = build_app(postgres_url, SQLALCHEMY_ENGINE_OPTIONS={"connect_args": {"options": "-c timezone=Asia/Jakarta"}})
    with app.app_context():
        assert db.session.scalar(text("SHOW timezone")) == "Asia/Jakarta"
        before = datetime.now(UTC)
        token = _save()
        db.session.remove()
        created = store.get(token).created_at
        assert created.tzinfo == UTC
        assert before - timedelta(seconds=1) <= created <= datetime.now(UTC)


JUNK = {
    "empty": "",
    "short": "short",
    "23-chars": "a" * 23,
    "25-chars": "a" * 25,
    # Letters and digits, but not ASCII ones: str.isalnum() says yes to both.
    "latin-letters": "é" * 24,
    "arabic-digits": "\u0663" * 24,
    "slash": "a" * 23 + "/",
    "percent": "a" * 23 + "%",
    "newline": "a" * 23 + "\n",
    "path": "../../../../etc/passwd'--x",
    "sql": "' OR '1'='1' -- aaaaaaaa",
    "none": None,
    "number": 42,
}


@pytest.mark.parametrize("junk", JUNK.values(), ids=JUNK.keys())
def test_junk_tokens_never_reach_the_database(ctx, statements, junk):
    _save()
    statements.clear()
    assert store.get(junk) is None
    assert store.remove(junk) is False
    assert statements == []
    assert _count() == 1


def test_a_well_formed_unknown_token_is_looked_up_and_not_found(ctx, statements):
    """The counterpart of the junk test: a plausible token does reach the database (so the listener works)."""
    assert store.get("A" * 24) is None
    assert store.remove("A" * 24) is False
    assert len(statements) == 2


def test_remove_deletes_that_row_only(ctx):
    keep, gone = _save(), _save()
    assert store.remove(gone) is True
    db.session.remove()
    assert store.get(gone) is None
    assert store.get(keep) is not None
    assert store.remove(gone) is False  # a second delete finds nothing
    assert _count() == 1


# --- one submission, one row ------------------------------------------------------------------------------


def test_a_submission_saved_twice_is_one_row_with_one_token(ctx):
    first, second = _save(once="web:k"), _save(once="web:k")
    assert first == second
    assert re.fullmatch(r"[A-Za-z0-9_-]{24}", first)
    assert _count() == 1
    assert store.find("web:k") == (first, store.get(first))


def test_a_submissions_key_and_token_are_only_stored_as_hmacs(ctx):
    token = _save(once="api:my-key")
    row = db.session.execute(text("SELECT * FROM consultation")).mappings().one()
    assert row["submission"] == store.submission_of("api:my-key") != hashlib.sha256(b"api:my-key").hexdigest()
    assert all(value not in str(row.values()) for value in (token, "my-key"))


@pytest.mark.parametrize(
    "once_a, once_b",
    [
        pytest.param("web:k", "api:k", id="scopes-apart"),
        pytest.param("api:k", "api:K", id="case-matters"),
        pytest.param("api:k", None, id="no-key"),
    ],
)
def test_different_keys_are_different_submissions(ctx, once_a, once_b):
    assert _save(once=once_a) != _save(once=once_b)
    assert _count() == 2


def test_the_servers_secret_is_part_of_the_key(app_factory):
    """Another secret: another stored value and token, so a database copy cannot be searched by key."""
    values = []
    for secret in ("one secret", "another secret"):
        with app_factory(SECRET_KEY=secret).app_context():
            values.append((store.submission_of("api:k"), store.token_of("api:k")))
    assert values[0][0] != values[1][0] and values[0][1] != values[1][1]


def test_find_of_an_unknown_submission_is_none(ctx):
    assert store.find("web:nothing") is None


# --- purge ----------------------------------------------------------------------------------------------

NOW = datetime(2026, 3, 31, 12, 0, tzinfo=UTC)
AGES = {
    "fresh": timedelta(0),
    "29d23h59m59s": timedelta(days=30, seconds=-1),
    "exactly-30d": timedelta(days=30),
    "30d+1s": timedelta(days=30, seconds=1),
    "45d": timedelta(days=45),
}


@pytest.mark.parametrize(
    "days, deleted",
    [
        (30, {"30d+1s", "45d"}),
        (0, {"29d23h59m59s", "exactly-30d", "30d+1s", "45d"}),
        (44, {"45d"}),
        (45, set()),  # exactly N days old is not older than N days
    ],
)
@pytest.mark.parametrize("now", [NOW, NOW.astimezone(WIB)], ids=["now-utc", "now-wib"])
def test_purge_deletes_exactly_the_rows_older_than_n_days(ctx, days, deleted, now):
    tokens = {}
    for name, age in AGES.items():
        tokens[name] = _save()
        db.session.execute(
            update(Consultation).where(Consultation.key == store.key_of(tokens[name])).values(created_at=NOW - age)
        )
    db.session.commit()

    assert store.purge(days, now=now) == len(deleted)
    db.session.remove()
    # Rows still in the table (store.get hides those past the retention period of the real clock).
    keys = set(db.session.scalars(select(Consultation.key)))
    assert {name for name, token in tokens.items() if store.key_of(token) not in keys} == deleted


def test_purge_refuses_a_naive_now(ctx):
    """Without a zone, "now" could mean UTC or the server's local time: refuse rather than guess."""
    _save()
    with pytest.raises(ValueError, match="timezone-aware"):
        store.purge(0, now=datetime(2030, 1, 1))
    assert _count() == 1


# --- all or nothing ---------------------------------------------------------------------------------------


class CommitFailedError(Exception):
    """The commit this test makes the database refuse."""


@pytest.mark.parametrize("operation", ["save", "remove", "purge"])
def test_a_failed_commit_changes_nothing_and_the_session_stays_usable(ctx, monkeypatch, operation):
    first, second = _save(), _save()

    def fail():
        raise CommitFailedError("the database went away during commit")

    monkeypatch.setattr(db.session, "commit", fail)
    with pytest.raises(CommitFailedError):
        {
            "save": _save,
            "remove": lambda: store.remove(first),
            "purge": lambda: store.purge(0, now=datetime.now(UTC) + timedelta(days=1)),
        }[operation]()
    monkeypatch.undo()

    # The same session sees the rows again (it rolled back), and so does anyone else.
    assert _count() == 2
    assert _count_from_another_connection() == 2
    assert store.get(first) is not None and store.get(second) is not None
    third = _save()  # and it still works
    assert store.get(third) is not None and _count() == 3


def test_a_request_the_database_cannot_store_is_refused_whole(ctx):
    """A value JSON cannot hold fails while writing: nothing is stored, and the next save works."""
    _save()
    with pytest.raises(Exception, match="not JSON serializable"):
        store.save({"mode": "diagnosis", "symptoms": {"GC03": object()}}, knowledge.answer(DIAGNOSIS))
    assert _count() == 1
    assert _count_from_another_connection() == 1
    _save()
    assert _count() == 2
