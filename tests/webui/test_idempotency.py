"""One submission, one result: the forms' hidden key and the API's ``Idempotency-Key`` header, on SQLite and
PostgreSQL, repeated one after another and at the same time (threads), and expiring with their rows."""

from __future__ import annotations

import contextlib
import threading
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from webui import store, submissions
from webui.extensions import db
from webui.models import Consultation

CONSULTATIONS = "/api/v1/consultations"
DIAGNOSIS = {"mode": "diagnosis", "symptoms": {"GC03": "pasti", "GC04": "hampir_pasti"}}
KEY = "8e03978e-40d5-43e8-bc93-6894a57f9324"


def _past_the_gate(visitor, url: str):
    """Open ``url`` and answer the emergency gate "no" when there is one (a consultation's first page)."""
    response = visitor.get(url)
    if visitor.dom.find_all("button", name="emergency"):
        response = visitor.submit({"emergency": "no"})
        response = visitor.get(response.headers["Location"])
    return response


def _diagnosis_form(visitor) -> tuple[str, dict]:
    """The diagnosis form's action and the fields a browser would send, with GC03 "pasti" chosen."""
    _past_the_gate(visitor, "/diagnosis")
    form = visitor.form()
    return form.attrs["action"], {**visitor.fields(form), "GC03": "pasti"}


# --- the web forms -----------------------------------------------------------------------------------


def test_the_diagnosis_form_carries_a_fresh_key_each_time_it_is_shown(visitor):
    first = _diagnosis_form(visitor)[1][submissions.FIELD]
    second = _diagnosis_form(visitor)[1][submissions.FIELD]
    assert submissions.FORM_KEY.fullmatch(first)
    assert first != second


def test_three_quick_posts_of_one_diagnosis_form_store_one_result(visitor, row_count):
    action, data = _diagnosis_form(visitor)
    responses = [visitor.post(action, data=data) for _ in range(3)]
    assert [r.status_code for r in responses] == [302, 302, 302]
    assert len({r.headers["Location"] for r in responses}) == 1
    assert responses[0].headers["Location"].startswith("/r/")
    assert row_count() == 1


def test_the_same_answers_shown_again_are_a_new_submission(visitor, row_count):
    """A form shown twice is two submissions, even with the same answers (a second person, a re-check)."""
    locations = set()
    for _ in range(2):
        action, data = _diagnosis_form(visitor)
        locations.add(visitor.post(action, data=data).headers["Location"])
    assert len(locations) == 2
    assert row_count() == 2


def test_a_post_without_a_key_is_still_stored(visitor, row_count):
    """An old page (before keys) or a client without the field: stored as before, nothing refused."""
    action, data = _diagnosis_form(visitor)
    del data[submissions.FIELD]
    assert visitor.post(action, data=data).status_code == 302
    assert row_count() == 1


def _screening_last_step(visitor) -> tuple[str, dict]:
    """Walk the screening (gate "no", for myself, each question's last answer) to its last question; return
    that form's action and fields with an answer chosen."""
    response = _past_the_gate(visitor, "/screening")
    for _ in range(20):
        if response.status_code == 302:
            response = visitor.get(response.headers["Location"])
            continue
        form = visitor.form()
        action, fields = form.attrs["action"], visitor.fields(form)
        radios = form.find_all("input", type="radio")
        if radios and radios[0].attrs["name"] == "for_other":
            response = visitor.post(action, data={**fields, "for_other": "0"})
            continue
        fields["answer"] = radios[-1].attrs["value"]
        if submissions.FIELD in fields:
            return action, fields
        response = visitor.post(action, data={**fields, "action": "next"})
    raise AssertionError(f"the screening stopped at {visitor.response.request.path} ({response.status_code})")


def test_the_screenings_last_step_carries_a_key(visitor):
    _action, fields = _screening_last_step(visitor)
    assert submissions.FORM_KEY.fullmatch(fields[submissions.FIELD])


def test_three_quick_posts_of_the_screenings_last_step_store_one_result(visitor, row_count):
    action, fields = _screening_last_step(visitor)
    responses = [visitor.post(action, data={**fields, "action": "next"}) for _ in range(3)]
    # The first post ends the wizard; the others still reach the first receipt (not "start again").
    assert {r.headers["Location"] for r in responses} == {responses[0].headers["Location"]}
    assert responses[0].headers["Location"].startswith("/r/")
    assert row_count() == 1


@pytest.mark.parametrize("url", ["/screening", "/diagnosis"])
def test_three_quick_yes_posts_at_the_emergency_gate_store_one_result(visitor, row_count, url):
    visitor.get(url)
    form = visitor.form()
    action, fields = form.attrs["action"], {**visitor.fields(form), "emergency": "yes"}
    assert submissions.FORM_KEY.fullmatch(fields[submissions.FIELD])
    responses = [visitor.post(action, data=fields) for _ in range(3)]
    assert {r.headers["Location"] for r in responses} == {responses[0].headers["Location"]}
    assert responses[0].headers["Location"].startswith("/r/")
    assert row_count() == 1


# --- the API header ----------------------------------------------------------------------------------


def _post(client, body=DIAGNOSIS, key: str | None = KEY, **kwargs):
    headers = {} if key is None else {submissions.HEADER: key}
    return client.post(CONSULTATIONS, json=body, headers=headers, **kwargs)


@pytest.mark.parametrize(
    "header",
    [
        pytest.param(f'"{KEY}"', id="sf-string"),
        pytest.param(KEY, id="bare"),
        pytest.param("x" * 255, id="255-characters"),
        pytest.param('"a \\"quoted\\" key"', id="escaped-quotes"),
        pytest.param('"unterminated', id="not-an-sf-string-taken-bare"),
    ],
)
def test_a_repeat_with_the_same_key_and_body_answers_the_first_201_again(client, row_count, header):
    first, again = _post(client, key=header), _post(client, key=header)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert row_count() == 1


def test_quoted_and_bare_forms_of_one_key_are_the_same_key(client, row_count):
    assert _post(client, key=f'"{KEY}"').get_json() == _post(client, key=KEY).get_json()
    assert row_count() == 1


def test_without_a_key_every_post_is_stored(client, row_count):
    assert _post(client, key=None).get_json()["id"] != _post(client, key=None).get_json()["id"]
    assert row_count() == 2


def test_different_keys_store_different_results(client, row_count):
    assert _post(client, key="one").get_json()["id"] != _post(client, key="two").get_json()["id"]
    assert row_count() == 2


@pytest.mark.parametrize(
    "lang, message",
    [
        pytest.param(
            "id", "Idempotency-Key ini sudah dipakai untuk permintaan yang berbeda; gunakan kunci baru.", id="id"
        ),
        pytest.param("en", "This Idempotency-Key was already used with a different request; use a new key.", id="en"),
    ],
)
def test_the_same_key_with_another_body_is_refused_with_422(client, row_count, lang, message):
    assert _post(client, {**DIAGNOSIS, "lang": lang}).status_code == 201
    refused = _post(client, {**DIAGNOSIS, "lang": lang, "symptoms": {"GC03": "pasti"}})
    assert refused.status_code == 422
    assert refused.get_json() == {"error": {"code": "idempotency_key_reused", "message": message}}
    assert row_count() == 1


@pytest.mark.parametrize(
    "header",
    [
        pytest.param("", id="empty"),
        pytest.param('""', id="empty-sf-string"),
        pytest.param("x" * 256, id="256-characters"),
        pytest.param("kunci-é", id="not-ascii"),
        pytest.param("a\x7fb", id="control-character"),
    ],
)
@pytest.mark.parametrize(
    "lang, message",
    [
        pytest.param(
            "id",
            "Header Idempotency-Key harus berisi satu kunci dari 1 sampai 255 karakter ASCII yang dapat dicetak.",
            id="id",
        ),
        pytest.param(
            "en", "The Idempotency-Key header must be one key of 1 to 255 printable ASCII characters.", id="en"
        ),
    ],
)
def test_a_bad_key_is_refused_with_400_in_the_requests_language(client, row_count, header, lang, message):
    response = _post(client, {**DIAGNOSIS, "lang": lang}, key=header)
    assert response.status_code == 400
    assert response.get_json() == {"error": {"code": "bad_idempotency_key", "message": message}}
    assert row_count() == 0


def test_a_bad_key_with_a_bad_body_lang_answers_in_the_query_language(client):
    response = client.post(
        f"{CONSULTATIONS}?lang=en", json={**DIAGNOSIS, "lang": "jv"}, headers={submissions.HEADER: ""}
    )
    assert response.get_json()["error"]["message"].startswith("The Idempotency-Key header")


def test_a_refused_body_with_a_key_stores_nothing_and_the_key_stays_free(client, row_count):
    assert _post(client, {"mode": "diagnosis", "symptoms": {"GC99": "pasti"}}).status_code == 400
    assert _post(client).status_code == 201
    assert row_count() == 1


def test_the_key_is_stored_only_as_an_hmac_under_the_servers_secret(app, client):
    token = _post(client).get_json()["id"]
    with app.app_context():
        row = db.session.scalar(select(Consultation))
        assert row.submission == store.submission_of("api:" + KEY)
        assert KEY not in str([row.submission, row.request, row.result, row.trace])
        assert row.key == store.key_of(token)


def test_a_deleted_result_frees_its_key(client, row_count):
    first = _post(client).get_json()["id"]
    assert client.delete(f"{CONSULTATIONS}/{first}").status_code == 204
    assert _post(client).status_code == 201
    assert row_count() == 1


def test_keys_expire_with_their_rows_at_the_retention_period(app, client, row_count):
    assert _post(client).status_code == 201
    with app.app_context():
        later = datetime.now(timezone.utc) + timedelta(days=app.config["RETENTION_DAYS"] + 1)
        assert store.purge(app.config["RETENTION_DAYS"], now=later) == 1
    assert row_count() == 0
    assert _post(client).status_code == 201  # the key is free again: a new result
    assert row_count() == 1


# --- at the same time ----------------------------------------------------------------------------------


@pytest.fixture
def both_reach_the_insert(app):
    """Hold every INSERT into consultation until two requests are at that point: both have passed the
    "already stored?" check, so the database's unique index alone decides (a real race, not a mock)."""
    barrier = threading.Barrier(2, timeout=20)

    def wait(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("INSERT INTO CONSULTATION"):
            # A third insert (none expected) finds the barrier broken: let it through, the assertions speak.
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", wait)
    yield
    with app.app_context():
        event.remove(db.engine, "before_cursor_execute", wait)


def _at_once(count: int, call) -> list:
    results: list = [None] * count

    def run(i):
        results[i] = call()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def test_two_simultaneous_api_posts_with_one_key_store_one_result(app, row_count, both_reach_the_insert):
    responses = _at_once(2, lambda: _post(app.test_client()))
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].get_json() == responses[1].get_json()
    assert row_count() == 1


def test_two_simultaneous_api_posts_with_one_key_and_different_bodies(app, row_count, both_reach_the_insert):
    bodies = iter([DIAGNOSIS, {"mode": "diagnosis", "symptoms": {"GC03": "pasti"}}])
    lock = threading.Lock()

    def post():
        with lock:
            body = next(bodies)
        return _post(app.test_client(), body)

    responses = _at_once(2, post)
    assert sorted(r.status_code for r in responses) == [201, 422]
    assert row_count() == 1


def test_two_simultaneous_form_posts_with_one_key_store_one_result(app, visitor, row_count, both_reach_the_insert):
    action, data = _diagnosis_form(visitor)
    cookie = visitor.client.get_cookie("session")

    def post():
        client = app.test_client()
        client.set_cookie(cookie.key, cookie.value)
        return client.post(action, data=data)

    responses = _at_once(2, post)
    assert [r.status_code for r in responses] == [302, 302]
    assert responses[0].headers["Location"] == responses[1].headers["Location"]
    assert row_count() == 1
