"""Result PDFs (webui.pdfcache): made once per result, language and KB version and served again from the
instance folder; gone with their row (the holder's delete on the web and the API, the retention purge);
at most PDF_CACHE_FILES kept; one made at a time on the server (a request that cannot get the lock in time
gets 503 with Retry-After); and the PDF limit per client. Renders are counted with the ``rendered``
signal, never timed."""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from webui import pdfcache, store

CONSULTATIONS = "/api/v1/consultations"
S1 = {f"Q{n}": answer for n, answer in enumerate(["ya", "tidak", "tidak", "ya", "ya", "tidak"], 1)}
BUSY = "Many PDFs are being made right now. Please try again in a moment, or use “Print result” instead."


@pytest.fixture
def renders():
    """The row keys of the PDFs made during the test, in order (the ``rendered`` signal)."""
    made: list[str] = []

    def count(sender, row_key):
        made.append(row_key)

    with pdfcache.rendered.connected_to(count):
        yield made


def stored(client, body=None) -> str:
    """A consultation stored through the API: its receipt token."""
    response = client.post(CONSULTATIONS, json=body or {"mode": "screening", "answers": S1})
    assert response.status_code == 201
    return response.get_json()["id"]


def cached_files(app) -> list[str]:
    folder = Path(app.instance_path) / pdfcache.FOLDER
    return sorted(path.name for path in folder.glob("*.pdf")) if folder.exists() else []


def files_of(app, token: str) -> list[str]:
    return [name for name in cached_files(app) if name.startswith(store.key_of(token) + "-")]


@contextmanager
def render_lock_held(app) -> Iterator[None]:
    """Hold the server's PDF lock as another worker busy with a render would."""
    with open(Path(app.instance_path) / pdfcache.LOCK_FILE, "a", encoding="ascii") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --- made once, served again -------------------------------------------------------------------------------


@pytest.mark.slow  # WeasyPrint
def test_a_second_download_is_served_from_the_cache(app, client, renders):
    token = stored(client)
    first = client.get(f"/r/{token}/report.pdf")
    again = client.get(f"/r/{token}/report.pdf")
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.data.startswith(b"%PDF-")
    assert again.data == first.data
    assert again.headers["Content-Type"] == "application/pdf"
    assert again.headers["Cache-Control"] == "no-store"
    assert renders == [store.key_of(token)]
    assert len(files_of(app, token)) == 1


@pytest.mark.slow  # WeasyPrint
def test_each_language_is_its_own_pdf(app, client, renders):
    token = stored(client)
    client.get("/lang/en")
    english = client.get(f"/r/{token}/report.pdf").data
    client.get("/lang/id")
    indonesian = client.get(f"/r/{token}/report.pdf").data
    client.get("/lang/en")
    assert client.get(f"/r/{token}/report.pdf").data == english
    assert english != indonesian
    assert renders == [store.key_of(token)] * 2
    assert len(files_of(app, token)) == 2


# --- gone with the row -----------------------------------------------------------------------------------


def delete_on_the_web(app, client, token):
    from testing.visitor import Visitor

    visitor = Visitor(client)
    visitor.get(f"/r/{token}")
    assert visitor.submit(action=f"/r/{token}/delete").status_code == 302


def delete_through_the_api(app, client, token):
    assert client.delete(f"{CONSULTATIONS}/{token}").status_code == 204


def purge_for_retention(app, client, token):
    with app.app_context():
        later = datetime.now(timezone.utc) + timedelta(days=app.config["RETENTION_DAYS"] + 1)
        assert store.purge(app.config["RETENTION_DAYS"], now=later) == 2


@pytest.mark.slow  # WeasyPrint
@pytest.mark.parametrize("delete", [delete_on_the_web, delete_through_the_api, purge_for_retention])
def test_a_deleted_results_pdf_is_gone(app, client, renders, delete):
    token, other = stored(client), stored(client)
    for receipt in (token, other):
        assert client.get(f"/r/{receipt}/report.pdf").status_code == 200
    assert len(files_of(app, token)) == 1
    delete(app, client, token)
    assert files_of(app, token) == []
    assert client.get(f"/r/{token}/report.pdf").status_code == 404
    kept = [] if delete is purge_for_retention else files_of(app, other)
    assert cached_files(app) == kept


@pytest.mark.slow  # WeasyPrint
def test_at_most_pdf_cache_files_are_kept_the_least_recently_used_go(app_factory, renders):
    app = app_factory(PDF_CACHE_FILES=2)
    client = app.test_client()
    first, second, third = stored(client), stored(client), stored(client)
    for token in (first, second, first, third):  # first is used again after second: second goes
        assert client.get(f"/r/{token}/report.pdf").status_code == 200
    assert cached_files(app) == sorted(files_of(app, first) + files_of(app, third))
    assert len(renders) == 3


# --- one render at a time ----------------------------------------------------------------------------------


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_busy_server_answers_503_with_retry_after(app_factory, renders, indonesian, lang):
    app = app_factory(PDF_RENDER_WAIT=0, PDF_RETRY_AFTER=7)
    client = app.test_client()
    token = stored(client)
    client.get(f"/lang/{lang}")
    with render_lock_held(app):
        response = client.get(f"/r/{token}/report.pdf")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "7"
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    assert (indonesian(BUSY) if lang == "id" else BUSY) in page
    assert f'href="/r/{token}"' in page  # back to the result, which can be printed
    assert renders == []
    assert cached_files(app) == []


def test_pdfs_have_their_own_limit_per_client(app_factory):
    app = app_factory(PDF_RENDER_WAIT=0, RATELIMIT_PDF="2/minute")
    client = app.test_client()
    token = stored(client)
    with render_lock_held(app):
        statuses = [client.get(f"/r/{token}/report.pdf").status_code for _ in range(3)]
    assert statuses == [503, 503, 429]
    assert client.get(f"/r/{token}").status_code == 200  # the page itself is not refused
