"""Static files: every page links them by fingerprinted URLs (``?v=`` + the file's hash), which are cached
for a year as immutable; a URL without the current fingerprint is revalidated (``no-cache``); a changed file
gets a new URL."""

from __future__ import annotations

import hashlib
import os
import re
from urllib.parse import parse_qs, urlsplit

import pytest

import reports
import webui
from webui.security import IMMUTABLE, REVALIDATE

STATIC = os.path.join(os.path.dirname(webui.__file__), "static")
FILES = {f"/static/{name}": os.path.join(STATIC, name) for name in sorted(os.listdir(STATIC))}
FILES["/report.css"] = os.path.join(reports.STATIC_DIR, "report.css")
LINK = re.compile(r'(?:href|src)="(/(?:static/[^"]*|report\.css[^"]*))"')


def _hash(path: str) -> str:
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read()).hexdigest()[:12]


def _tour(visitor) -> dict[str, str]:
    """The HTML of each kind of page, in both languages."""
    pages = {}
    for lang in ("id", "en"):
        visitor.get(f"/lang/{lang}")
        for url in ("/", "/info/terms", "/screening", "/diagnosis", "/no/such/page", "/staff/login"):
            pages[f"{url} {lang}"] = visitor.get(url).get_data(as_text=True)
        visitor.get("/diagnosis")
        if visitor.dom.find_all("button", name="emergency"):  # the emergency gate first
            visitor.get(visitor.submit({"emergency": "no"}).location)
        pages[f"diagnosis form {lang}"] = visitor.text
        result = visitor.submit({"GC03": "pasti"}).location
        pages[f"result {lang}"] = visitor.get(result).get_data(as_text=True)
        visitor.get("/screening")
        if visitor.dom.find_all("button", name="emergency"):
            visitor.get(visitor.submit({"emergency": "no"}).location)
        visitor.submit({"for_other": "0"})
        pages[f"/screening/1 {lang}"] = visitor.get("/screening/1").get_data(as_text=True)
    return pages


def test_every_pages_static_links_carry_the_files_current_fingerprint(visitor):
    seen = set()
    for name, html in _tour(visitor).items():
        links = LINK.findall(html.replace("&amp;", "&"))
        assert len(links) >= 4, name  # two stylesheets, the icon, the script
        for link in links:
            url = urlsplit(link)
            assert parse_qs(url.query) == {"v": [_hash(FILES[url.path])]}, (name, link)
            seen.add(url.path)
    assert seen == set(FILES)  # every file in webui/static is linked from some page, and report.css


@pytest.mark.parametrize("url", sorted(FILES))
def test_a_fingerprinted_file_is_cached_for_a_year_as_immutable(client, url):
    response = client.get(f"{url}?v={_hash(FILES[url])}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE == "public, max-age=31536000, immutable"
    response.close()


@pytest.mark.parametrize("url", sorted(FILES))
@pytest.mark.parametrize(
    "query",
    [
        pytest.param("", id="bare"),
        pytest.param("?v=000000000000", id="old-fingerprint"),
        pytest.param("?v=", id="empty"),
    ],
)
def test_a_file_without_its_current_fingerprint_is_revalidated(client, url, query):
    response = client.get(url + query)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == REVALIDATE == "no-cache"
    response.close()


def test_a_page_is_not_made_cacheable_by_a_v_parameter(client):
    assert "immutable" not in client.get("/?v=1").headers.get("Cache-Control", "")


def test_a_changed_file_gets_a_new_url(app_factory, tmp_path):
    """The hash is taken once per process: a new process (here, a new app) serving the changed file
    links it by a new URL, and the old URL is no longer sent as immutable."""
    folder = tmp_path / "static"
    folder.mkdir()
    style = folder / "pakar.css"

    def url_and_header(content: str) -> tuple[str, str]:
        style.write_text(content, encoding="utf-8")
        app = app_factory()
        app.static_folder = str(folder)
        client = app.test_client()
        link = LINK.search(client.get("/").get_data(as_text=True)).group(1)
        response = client.get(link)
        response.close()
        return link, response.headers["Cache-Control"]

    old_link, old_header = url_and_header("body { color: black; }")
    new_link, new_header = url_and_header("body { color: navy; }")
    assert old_link != new_link
    assert urlsplit(old_link).path == urlsplit(new_link).path == "/static/pakar.css"
    assert old_header == new_header == IMMUTABLE
    # The old URL, asked of the process serving the new file, is not the file it names: revalidate.
    app = app_factory()
    app.static_folder = str(folder)
    response = app.test_client().get(old_link)
    assert response.headers["Cache-Control"] == REVALIDATE
    response.close()
