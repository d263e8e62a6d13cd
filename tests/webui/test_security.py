"""Security on every page: headers (a strict CSP among them), nothing loaded from other sites, nothing inline
that the CSP would block, no open redirect, and forms that only accept what this site's pages sent
(CSRF token of the same, unexpired session)."""

from __future__ import annotations

import os
import re
import time

import itsdangerous
import pytest

import webui

STATIC = os.path.join(os.path.dirname(webui.__file__), "static")
S1 = {"Q1": "ya", "Q2": "tidak", "Q3": "tidak", "Q4": "ya", "Q5": "ya", "Q6": "tidak"}


def every_page(visitor) -> dict:
    """One response of each kind the site serves: pages, results, errors, assets, the API."""
    seen = {}

    def keep(name, response):
        seen[name] = response
        return response

    for lang in ("id", "en"):
        visitor.get(f"/lang/{lang}")
        keep(f"home-{lang}", visitor.get("/"))
        for page in ("basics", "prevention", "terms", "privacy"):
            keep(f"info-{page}-{lang}", visitor.get(f"/info/{page}"))
        keep(f"screening-start-{lang}", visitor.get("/screening"))
        visitor.submit({"emergency": "no"})
        keep(f"screening-who-{lang}", visitor.get("/screening/who"))
        visitor.submit({"for_other": "0"})
        for step, code in enumerate(S1, 1):
            keep(f"screening-{step}-{lang}", visitor.get(f"/screening/{step}"))
            done = visitor.submit({"answer": S1[code], "action": "next"})
        keep(f"screening-result-{lang}", visitor.get(done.location))
        keep(f"pdf-{lang}", visitor.get(f"{done.location}/report.pdf"))
        keep(f"diagnosis-gate-{lang}", visitor.get("/diagnosis"))
        visitor.submit({"emergency": "no"})
        keep(f"diagnosis-{lang}", visitor.get("/diagnosis/symptoms"))
        keep(f"diagnosis-400-{lang}", visitor.submit({"GC03": "bogus"}))
        visitor.get("/diagnosis")
        visitor.submit({"emergency": "no"})
        visitor.get("/diagnosis/symptoms")
        keep(f"diagnosis-result-{lang}", visitor.get(visitor.submit({"GC03": "pasti", "GC06": "pasti"}).location))
        keep(f"404-{lang}", visitor.get("/no/such/page"))
        keep(f"405-{lang}", visitor.get(f"{done.location}/delete"))
        keep(f"csrf-400-{lang}", visitor.post("/diagnosis/symptoms", data={"GC03": "pasti"}))
        keep(f"413-{lang}", visitor.post("/diagnosis/symptoms", data={"GC03": "x" * (70 * 1024)}))
    keep("report.css", visitor.get("/report.css"))
    for name in sorted(os.listdir(STATIC)):
        keep(f"static/{name}", visitor.get(f"/static/{name}"))
    keep("api-kb", visitor.get("/api/v1/kb"))
    keep("api-404", visitor.get("/api/v1/consultations/" + "A" * 24))
    return seen


@pytest.fixture
def pages(visitor):
    yield every_page(visitor)


def test_the_tour_covers_what_it_claims(pages):
    """Guards the tests below: each response is the kind it is named after."""
    statuses = {name: r.status_code for name, r in pages.items()}
    assert {statuses[f"{kind}-id"] for kind in ("404", "405", "csrf-400", "413", "diagnosis-400")} == {
        404,
        405,
        400,
        413,
    }
    assert [statuses[f"{kind}-en"] for kind in ("404", "405", "csrf-400", "413", "diagnosis-400")] == [
        404,
        405,
        400,
        413,
        400,
    ]
    assert all(code == 200 for name, code in statuses.items() if not re.search(r"40\d|413|api-404", name)), statuses
    assert pages["pdf-id"].mimetype == "application/pdf"
    assert len(pages) >= 2 * 20 + 4


def csp(response) -> dict[str, list[str]]:
    policy = response.headers["Content-Security-Policy"]
    directives = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


def test_security_headers_on_every_response(pages):
    for name, response in pages.items():
        headers = response.headers
        policy = csp(response)
        assert policy["default-src"] == ["'none'"], name
        assert policy["frame-ancestors"] == ["'none'"], name
        assert policy["script-src"] == ["'self'"] and policy["style-src"] == ["'self'"], name
        assert policy["base-uri"] == ["'none'"] and policy["form-action"] == ["'self'"], name
        # Nothing that re-opens what the policy closes, in any directive.
        words = {w for values in policy.values() for w in values}
        assert not words & {"'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "'unsafe-hashes'"}, name
        assert headers["X-Content-Type-Options"] == "nosniff", name
        assert headers["Referrer-Policy"] == "no-referrer", name
        assert headers["X-Frame-Options"] == "DENY", name


def test_the_session_cookie_is_not_readable_by_scripts_nor_sent_cross_site(client):
    client.get("/screening")
    cookie = client.get_cookie("session")
    assert cookie is not None and cookie.http_only and cookie.same_site == "Lax"


XMLNS = re.compile(r'\sxmlns(?::\w+)?="[^"]*"')  # namespace names are identifiers, never fetched
URL = re.compile(r"(?:https?:)?//([^/\s\"'<>()]+)", re.IGNORECASE)


def test_nothing_refers_to_another_site(pages):
    """No script, style, font, image or link from elsewhere: a visit tells no one else about the person.
    (The receipt's own absolute URL, http://localhost/r/..., is this site.)"""
    checked = 0
    for name, response in pages.items():
        if response.mimetype not in ("text/html", "text/css", "text/javascript", "image/svg+xml"):
            continue
        text = XMLNS.sub("", response.get_data(as_text=True))
        hosts = {m.group(1).lower() for m in URL.finditer(text) if m.group(0).lower().startswith(("http", "//"))}
        assert hosts <= {"localhost"}, (name, hosts)
        checked += 1
    assert checked >= 2 * 20


def test_no_inline_script_or_style_that_the_policy_would_block(pages):
    for name, response in pages.items():
        if response.mimetype != "text/html":
            continue
        page = response.get_data(as_text=True)
        assert not re.search(r"<style[\s>]", page), name
        assert not re.search(r"\sstyle\s*=", page), name
        assert not re.search(r"\son[a-z]+\s*=", page, re.IGNORECASE), name
        assert not re.search(r"javascript:", page, re.IGNORECASE), name
        for script in re.finditer(r"<script\b([^>]*)>(.*?)</script>", page, re.DOTALL):
            assert "src=" in script.group(1) and not script.group(2).strip(), name


# --- the language switch -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "http://evil.example",
        "//evil.example",
        "///evil.example",
        "\\\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "evil.example",
        "",
        "/\t/evil.example",  # browsers drop tabs inside URLs: //evil.example (so does urlsplit)
        # Control characters: CR/LF cannot go into a Location header (it was a 500).
        "/info/basics\r\nSet-Cookie: a=b",
        "/\n/evil.example",
        "/info\x00basics",
        "/info\x7fbasics",
    ],
)
def test_the_language_switch_is_not_an_open_redirect(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert (response.status_code, response.location) == (302, "/")


@pytest.mark.parametrize(
    "target, location",
    [
        # Browsers read "\" as "/", so this would be //evil.example if sent as it is; sent percent-encoded,
        # it is a path on this site (which then is a 404 page).
        ("/\\evil.example", "/%5Cevil.example"),
        ("/%09/evil.example", "/%09/evil.example"),
    ],
)
def test_the_language_switch_sends_tricky_paths_encoded(client, target, location):
    response = client.get("/lang/en", query_string={"next": target})
    assert (response.status_code, response.location) == (302, location)
    assert client.get(location).status_code == 404


@pytest.mark.parametrize("target", ["/", "/diagnosis", "/screening/2", "/info/basics?x=1", "/r/" + "A" * 24])
def test_the_language_switch_returns_to_pages_of_this_site(client, target):
    response = client.get("/lang/en", query_string={"next": target})
    assert (response.status_code, response.location) == (302, target)
    assert client.get("/").get_data(as_text=True).startswith('<!doctype html>\n<html lang="en">')


def test_an_unknown_language_is_not_found(client):
    assert client.get("/lang/xx?next=/").status_code == 404


# --- CSRF and the session ------------------------------------------------------------------------------------


def _started(visitor, answered: int):
    """A screening with ``answered`` questions answered (past the emergency gate and who it is for)."""
    visitor.get("/screening")
    visitor.submit({"emergency": "no"})
    visitor.get("/screening/who")
    visitor.submit({"for_other": "0"})
    for step, code in enumerate(list(S1)[:answered], 1):
        visitor.get(f"/screening/{step}")
        visitor.submit({"answer": S1[code], "action": "next"})


FORMS = {
    "screening-gate": ("/screening", {"emergency": "no"}),
    "screening-who": ("/screening/who", {"for_other": "0"}),
    "screening-step": ("/screening/1", {"answer": "ya", "action": "next"}),
    "diagnosis-gate": ("/diagnosis", {"emergency": "no"}),
    "diagnosis": ("/diagnosis/symptoms", {"GC03": "pasti"}),
}


@pytest.mark.parametrize("token", [None, "", "forged-token"], ids=["missing", "empty", "forged"])
@pytest.mark.parametrize("form", FORMS, ids=FORMS)
def test_every_form_needs_a_valid_csrf_token(visitor, row_count, indonesian, form, token):
    _started(visitor, 0)
    url, data = FORMS[form]
    if form == "diagnosis":  # the form comes after the diagnosis's own gate
        visitor.get("/diagnosis")
        visitor.submit({"emergency": "no"})
    visitor.get(url)
    sent = {**visitor.fields(visitor.form()), **data}
    if token is None:
        del sent["csrf_token"]
    else:
        sent["csrf_token"] = token
    before = row_count()
    response = visitor.post(url, data=sent)
    assert response.status_code == 400
    if form in ("screening-gate", "screening-who", "diagnosis-gate"):  # nothing to keep: the refusal page
        assert visitor.dom.one("h1").text == indonesian("The form has expired")
    else:  # the same form again, answers kept (see the stale-token tests below)
        assert EXPIRED_FORM_TEXT["id"] in response.get_data(as_text=True)
    assert row_count() == before


def test_a_forged_session_cookie_is_an_empty_session(visitor, row_count, indonesian):
    """A cookie not signed with our key is ignored: no answers, no CSRF token; the form is refused."""
    _started(visitor, 5)
    visitor.get("/screening/6")
    form = visitor.fields(visitor.form())
    visitor.client.set_cookie("session", "eyJzY3JlZW5pbmciOnt9fQ.forged.signature")
    before = row_count()
    response = visitor.post("/screening/6", data={**form, "answer": "ya", "action": "next"})
    assert response.status_code == 400
    assert visitor.dom.one("h1").text == indonesian("The form has expired")
    assert row_count() == before
    assert visitor.get("/screening/3").location == "/screening"


def test_an_expired_session_starts_over(visitor, row_count, indonesian, monkeypatch, app):
    """The signed cookie carries its signing time; one older than PERMANENT_SESSION_LIFETIME is ignored."""
    _started(visitor, 5)
    visitor.get("/screening/6")
    form = visitor.fields(visitor.form())
    lifetime = app.permanent_session_lifetime.total_seconds()
    # The server's clock jumps past the lifetime: the cookie it reads is now too old.
    later = time.time() + lifetime + 60
    monkeypatch.setattr(itsdangerous.timed.TimestampSigner, "get_timestamp", lambda self: int(later))
    before = row_count()
    response = visitor.post("/screening/6", data={**form, "answer": "ya", "action": "next"})
    assert response.status_code == 400
    assert visitor.dom.one("h1").text == indonesian("The form has expired")
    assert row_count() == before
    response = visitor.get("/screening/6")
    assert (response.status_code, response.location) == (302, "/screening")
    visitor.get("/screening")
    assert visitor.dom.one("div", class_="flash").text == indonesian(
        "Your earlier answers have expired. Please start again."
    )


# --- a refused CSRF token keeps the person's answers ------------------------------------------------------

EXPIRED_FORM_TEXT = {"en": "Your answers are kept", "id": "Jawaban Anda tetap tersimpan"}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_diagnosis_with_a_stale_token_comes_back_with_its_answers(client, row_count, lang):
    """A form left open past the token's lifetime is shown again as it was, with a fresh token."""
    import re

    client.get(f"/lang/{lang}")
    form = {f"GC{i:02d}": "tidak" for i in range(1, 21)}
    form.update({"GC03": "pasti", "GC07": "mungkin_iya", "for_other": "1", "csrf_token": "stale"})
    response = client.post("/diagnosis/symptoms", data=form)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert EXPIRED_FORM_TEXT[lang] in page
    assert re.search(r'<option value="pasti" selected>', page.split('id="GC03"')[1].split("</select>")[0])
    assert re.search(r'<option value="mungkin_iya" selected>', page.split('id="GC07"')[1].split("</select>")[0])
    assert 'id="for_other" name="for_other" value="1" checked' in page
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    assert token != "stale"
    assert row_count() == 0
    again = client.post("/diagnosis/symptoms", data={**form, "csrf_token": token})
    assert again.status_code == 302 and again.headers["Location"].startswith("/r/")
    assert row_count() == 1


def test_screening_step_with_a_stale_token_keeps_the_choice(client, csrf_token, row_count):
    client.get("/lang/en")
    client.post("/screening", data={"emergency": "no", "csrf_token": csrf_token})
    client.post("/screening/who", data={"for_other": "0", "csrf_token": csrf_token})
    response = client.post("/screening/1", data={"answer": "ragu", "action": "next", "csrf_token": "stale"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert EXPIRED_FORM_TEXT["en"] in page
    assert 'id="answer-ragu" name="answer" value="ragu" checked' in page
    assert row_count() == 0
