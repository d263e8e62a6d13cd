"""Rate limits per client address (webui.limits): stored consultations (web and API share one count, only
stored ones count), every other request, exemptions, the 429 in both languages (the API's JSON validated
against the served OpenAPI document; the web's form again, filled in, or a short page with the emergency
number), per-address counts behind a proxy, and the decorator other views use."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest
from babel.dates import format_timedelta
from flask import request
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from webui import limits

CONSULTATIONS = "/api/v1/consultations"
EMERGENCY = {"mode": "screening", "emergency": True}
ALL_NO = {f"Q{n}": "tidak" for n in range(1, 7)}
RATE_LIMITED = "Too many requests from your network in a short time. Please wait %(wait)s and try again."
LOCALE = {"id": "id", "en": "en"}


@pytest.fixture
def limited(app_factory):
    """An app allowing each client 2 stored consultations a minute (other requests: the default limit)."""
    yield app_factory(RATELIMIT_CONSULTATIONS="2/minute")


@pytest.fixture
def few_reads(app_factory):
    """An app allowing each client 5 requests a minute to each page or API read."""
    yield app_factory(RATELIMIT_DEFAULT="5/minute")


def expected_message(response, lang: str, indonesian) -> str:
    """The refusal's text for the wait its own Retry-After announces (the window's end is the server's)."""
    wait = format_timedelta(timedelta(seconds=int(response.headers["Retry-After"])), locale=LOCALE[lang])
    template = indonesian(RATE_LIMITED) if lang == "id" else RATE_LIMITED
    return template % {"wait": wait}


def retry_after(response) -> int:
    seconds = int(response.headers["Retry-After"])
    assert 1 <= seconds <= 60  # within the minute's window
    return seconds


# --- the API ---------------------------------------------------------------------------------------------


def check_against_document(client, response) -> None:
    """The 429 fits what the served OpenAPI document declares for it, body and headers."""
    doc = client.get("/api/v1/openapi.json", environ_base={"REMOTE_ADDR": "192.0.2.200"}).get_json()
    assert doc["paths"]["/api/v1/consultations"]["post"]["responses"]["429"] == {
        "$ref": "#/components/responses/TooManyRequests"
    }
    registry = Registry().with_resource("urn:doc", DRAFT202012.create_resource(doc))

    def validate(pointer: str, value) -> None:
        Draft202012Validator({"$ref": f"urn:doc#{pointer}"}, registry=registry).validate(value)

    declared = doc["components"]["responses"]["TooManyRequests"]
    assert list(declared["content"]) == [response.mimetype]
    validate("/components/responses/TooManyRequests/content/application~1json/schema", response.get_json())
    assert list(declared["headers"]) == ["Retry-After"]
    validate("/components/headers/RetryAfter/schema", response.headers["Retry-After"])
    for example in declared["content"]["application/json"]["examples"].values():
        validate("/components/responses/TooManyRequests/content/application~1json/schema", example["value"])


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_api_stores_up_to_the_limit_then_answers_429_in_the_bodys_language(limited, indonesian, lang):
    client = limited.test_client()
    stored = [client.post(CONSULTATIONS, json={**EMERGENCY, "lang": lang}).status_code for _ in range(2)]
    refused = client.post(CONSULTATIONS, json={**EMERGENCY, "lang": lang})
    assert (stored, refused.status_code) == ([201, 201], 429)
    retry_after(refused)
    assert refused.get_json() == {
        "error": {"code": "rate_limited", "message": expected_message(refused, lang, indonesian)}
    }
    check_against_document(client, refused)


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_refused_post_stores_nothing_and_any_body_is_refused(limited, row_count, indonesian, lang):
    client = limited.test_client()
    for _ in range(2):
        assert client.post(CONSULTATIONS, json=EMERGENCY).status_code == 201
    other = "en" if lang == "id" else "id"
    for body in ("not json", json.dumps({"lang": other, "x": "a" * 70_000})):
        # Over the limit before the body is read: neither bad JSON nor a body over 64 KiB says otherwise
        # (the query's lang decides where the body's cannot be read).
        refused = client.post(f"{CONSULTATIONS}?lang={lang}", data=body, content_type="application/json")
        assert refused.status_code == 429
        assert refused.get_json()["error"]["message"] == expected_message(refused, lang, indonesian)
    assert row_count() == 2


def test_only_stored_consultations_count(limited, row_count):
    client = limited.test_client()
    for _ in range(4):  # refused requests (400) store nothing and use none of the count
        assert client.post(CONSULTATIONS, json={"mode": "screening"}).status_code == 400
    assert [client.post(CONSULTATIONS, json=EMERGENCY).status_code for _ in range(3)] == [201, 201, 429]
    assert row_count() == 2


def test_reads_have_their_own_count(few_reads):
    client = few_reads.test_client()
    statuses = [client.get("/api/v1/kb?lang=en").status_code for _ in range(6)]
    assert statuses == [200] * 5 + [429]
    refused = client.get("/api/v1/kb?lang=en")
    assert refused.get_json()["error"]["code"] == "rate_limited"
    retry_after(refused)
    # The stored consultations' count is another one.
    assert client.post(CONSULTATIONS, json=EMERGENCY).status_code == 201
    # Each page or read has its own count.
    assert client.get("/api/v1/openapi.json").status_code == 200


def test_health_checks_and_static_files_are_never_limited(few_reads):
    client = few_reads.test_client()
    for _ in range(12):
        assert client.get("/healthz").status_code == 200
        for path in ("/static/pakar.css", "/report.css"):
            response = client.get(path)
            assert response.status_code == 200
            response.close()  # a file sent from disk


def test_each_client_address_has_its_own_count_behind_the_proxy(app_factory):
    app = app_factory(RATELIMIT_CONSULTATIONS="1/minute", PROXY_COUNT=1)
    client = app.test_client()

    def post(address: str) -> int:
        return client.post(CONSULTATIONS, json=EMERGENCY, headers={"X-Forwarded-For": address}).status_code

    assert [post("198.51.100.7"), post("198.51.100.7"), post("198.51.100.8"), post("198.51.100.8")] == [
        201,
        429,
        201,
        429,
    ]


def test_limits_can_be_turned_off(app_factory):
    client = app_factory(RATELIMIT_ENABLED=False, RATELIMIT_CONSULTATIONS="1/minute").test_client()
    assert [client.post(CONSULTATIONS, json=EMERGENCY).status_code for _ in range(3)] == [201, 201, 201]


def test_counts_in_the_process_need_no_thread_per_request_and_still_expire(app_factory):
    app = app_factory(RATELIMIT_CONSULTATIONS="1 per 2 seconds")
    storage = app.extensions[limits.EXT_KEY].limiter.storage
    assert type(storage) is limits.ProcessStorage  # memory:// as configured, without limits' timer thread
    client = app.test_client()
    first, refused = (client.post(CONSULTATIONS, json=EMERGENCY) for _ in range(2))
    assert (first.status_code, refused.status_code) == (201, 429)
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= 2
    time.sleep(wait)  # as a client told to wait: then it is let in again
    assert client.post(CONSULTATIONS, json=EMERGENCY).status_code == 201


def test_the_limits_are_settings(app_factory):
    client = app_factory(RATELIMIT_CONSULTATIONS="3/minute").test_client()
    assert [client.post(CONSULTATIONS, json=EMERGENCY).status_code for _ in range(4)] == [201, 201, 201, 429]


# --- the web ---------------------------------------------------------------------------------------------


def walk_screening_to_last_step(visitor, lang: str) -> None:
    visitor.get(f"/lang/{lang}")
    visitor.get("/screening")
    visitor.submit({"emergency": "no"})
    visitor.get("/screening/who")
    visitor.submit({"for_other": "0"})
    visitor.get("/screening/1")
    for step in range(1, 6):
        assert visitor.submit({"answer": "tidak", "action": "next"}).location == f"/screening/{step + 1}"
        visitor.get(f"/screening/{step + 1}")


def flash_text(visitor) -> str:
    return visitor.dom.one("div", class_="flash").text


def use_up_the_count(client) -> None:
    """Store the 2 consultations the client may (through the API: the web forms share the count)."""
    assert [client.post(CONSULTATIONS, json=EMERGENCY).status_code for _ in range(3)] == [201, 201, 429]


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_screenings_last_step_is_shown_again_with_the_message(limited, visitor_for, row_count, indonesian, lang):
    visitor = visitor_for(limited)
    walk_screening_to_last_step(visitor, lang)
    use_up_the_count(visitor.client)  # e.g. another tab, or another phone behind the same address
    refused = visitor.submit({"answer": "ya", "action": "next"})
    assert refused.status_code == 429
    retry_after(refused)
    assert refused.headers["Cache-Control"] == "no-store"
    assert flash_text(visitor) == expected_message(refused, lang, indonesian)
    # The question again, with the answer just chosen: nothing of the consultation is lost.
    form = visitor.form()
    assert form.attrs["action"] == "/screening/6"
    assert visitor.fields(form)["answer"] == "ya"
    assert row_count() == 2


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_diagnosis_form_is_shown_again_filled_in(limited, visitor_for, row_count, indonesian, lang):
    visitor = visitor_for(limited)
    visitor.get(f"/lang/{lang}")
    visitor.get("/diagnosis")
    visitor.submit({"emergency": "no"})
    visitor.get("/diagnosis/symptoms")
    use_up_the_count(visitor.client)
    refused = visitor.submit({"GC01": "pasti", "GC06": "kemungkinan_besar"})
    assert refused.status_code == 429
    retry_after(refused)
    assert flash_text(visitor) == expected_message(refused, lang, indonesian)
    fields = visitor.fields(visitor.form(action="/diagnosis/symptoms"))
    assert (fields["GC01"], fields["GC06"], fields["GC02"]) == ("pasti", "kemungkinan_besar", "tidak")
    assert row_count() == 2


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_refused_gate_keeps_the_emergency_number_in_view(limited, visitor_for, bundled_kb, indonesian, lang):
    visitor = visitor_for(limited)
    visitor.get(f"/lang/{lang}")
    for _ in range(2):
        visitor.get("/screening")
        assert visitor.submit({"emergency": "yes"}).location.startswith("/r/")
    visitor.get("/screening")
    response = visitor.submit({"emergency": "yes"})
    assert response.status_code == 429
    retry_after(response)
    assert visitor.dom.one("h1").text == (indonesian("Too many requests") if lang == "id" else "Too many requests")
    assert visitor.dom.one("p", role="alert").text == expected_message(response, lang, indonesian)
    number = bundled_kb.emergency.hotline_number
    assert visitor.dom.one("p", class_="emergency-strip").find("a").attrs["href"] == f"tel:{number}"


def test_web_and_api_share_the_count_of_stored_consultations(limited, visitor_for):
    visitor = visitor_for(limited)
    for _ in range(2):
        assert visitor.client.post(CONSULTATIONS, json=EMERGENCY).status_code == 201
    visitor.get("/diagnosis")
    assert visitor.submit({"emergency": "yes"}).status_code == 429


def test_wizard_steps_that_store_nothing_do_not_count(app_factory, visitor_for):
    visitor = visitor_for(app_factory(RATELIMIT_CONSULTATIONS="1/minute"))
    walk_screening_to_last_step(visitor, "id")
    for _ in range(3):  # back and forth within the consultation
        visitor.submit({"answer": "tidak", "action": "back"})
        visitor.get("/screening/6")
    assert visitor.submit({"answer": "ya", "action": "next"}).location.startswith("/r/")


def test_a_refused_page_read_is_a_short_page(few_reads, visitor_for, indonesian):
    visitor = visitor_for(few_reads)
    for _ in range(5):
        assert visitor.get("/").status_code == 200
    refused = visitor.get("/")
    assert refused.status_code == 429
    assert visitor.dom.one("p", role="alert").text == expected_message(refused, "id", indonesian)


# --- the decorator other views use (e.g. the staff login) --------------------------------------------------


def test_a_view_decorated_after_the_app_was_made_is_limited_by_its_own_key(limited):
    @limited.get("/try-login")
    @limits.limit("2/minute", key=lambda: request.args["name"])
    def try_login():
        return "ok"

    client = limited.test_client()
    tries = [client.get(f"/try-login?name={name}").status_code for name in ["ana"] * 3 + ["budi"]]
    assert tries == [200, 200, 429, 200]


# --- through the production server (nginx in front of gunicorn) ---------------------------------------------


@pytest.mark.slow  # nginx and gunicorn
@pytest.mark.parametrize(
    "proxy_count, statuses",
    [
        # nginx faces the clients: an X-Forwarded-For they send is not trusted, the address is nginx's peer.
        ("0", [201, 429, 429, 429]),
        # A trusted proxy in front (it sets X-Forwarded-For): each client it names has its own count.
        ("1", [201, 429, 201, 429]),
    ],
    ids=["nginx in front", "a proxy in front of nginx"],
)
def test_the_production_server_counts_per_client_address(tmp_path, proxy_count, statuses):
    from testing.serving import production_server

    settings = {"PAKAR_PROXY_COUNT": proxy_count, "PAKAR_RATELIMIT_CONSULTATIONS": "1/minute"}
    # One worker: memory:// counts per process, so with two the second post could land on a fresh count.
    with production_server(tmp_path, WEB_CONCURRENCY="1", **settings) as server:
        answers = [
            server.request(
                "POST",
                f"{CONSULTATIONS}?lang=en",
                body=b'{"mode": "screening", "emergency": true}',
                headers={"Content-Type": "application/json", "X-Forwarded-For": address},
            )
            for address in ("198.51.100.7", "198.51.100.7", "198.51.100.8", "198.51.100.8")
        ]
    assert [status for status, _headers, _body in answers] == statuses
    _status, headers, body = answers[1]
    assert 1 <= int(headers["retry-after"]) <= 60
    assert json.loads(body)["error"]["code"] == "rate_limited"
