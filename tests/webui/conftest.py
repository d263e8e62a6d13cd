"""Web app fixtures: an app per test on a real database, SQLite always and PostgreSQL when one is given.

PostgreSQL comes from ``PAKAR_TEST_POSTGRES_URL`` (a role allowed to create databases; ``.ci/run`` and
``make test`` start a local server and set it). Each test session gets its own throwaway database. In CI
(``CI=true``) a missing PostgreSQL is an error, never a skip.
"""
from __future__ import annotations

import contextlib
import functools
import os
import uuid

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

from webui import create_app
from webui.extensions import db

POSTGRES_ENV = "PAKAR_TEST_POSTGRES_URL"


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def _driver_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _postgres_base() -> str:
    """The server URL from the environment; a skip (a failure in CI) without one."""
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        if _in_ci():
            pytest.fail(f"{POSTGRES_ENV} is not set: CI must run the PostgreSQL tests (see .ci/run)")
        pytest.skip(f"no PostgreSQL: set {POSTGRES_ENV} (make test does when a server is installed)")
    return base


@contextlib.contextmanager
def _throwaway_database(base: str):
    """A new, empty PostgreSQL database on ``base``'s server, dropped afterwards (its sessions ended first)."""
    admin_url = make_url(_driver_url(base))
    name = f"pakar_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
                {"n": name})
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_url():
    """A fresh PostgreSQL database for this test session (dropped at the end)."""
    with _throwaway_database(_postgres_base()) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The database URL of one backend; every test using ``app`` runs once per backend."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "pakar.sqlite3")
    else:
        yield request.getfixturevalue("postgres_url")


@pytest.fixture(scope="session", autouse=True)
def kb_loaded_once_per_content():
    """Loading the KB (YAML, schema, cross-checks) is most of an app's start-up, and every test builds an app.
    The apps of a test session share one load per KB *content*, as the apps of one process would; a KB
    whose files changed is loaded again (the key is a hash of the bytes), and failures are never cached."""
    import hashlib
    from pathlib import Path

    import kb

    real, loaded = kb.load, {}

    def load(path=None):
        root = Path(path) if path is not None else kb.loader.BUNDLED
        if not root.is_dir():
            return real(path)
        digest = hashlib.sha256()
        for file in sorted(root.glob("*.yaml")):
            digest.update(file.name.encode() + b"\0" + file.read_bytes() + b"\0")
        key = (str(root.resolve()), digest.hexdigest())
        if key not in loaded:
            loaded[key] = real(path)
        return loaded[key]

    kb.load = load
    yield loaded
    kb.load = real


def make_app(database_url: str, tmp_path, **overrides):
    """An app configured for tests; the schema is created by the real Alembic migrations."""
    instance = tmp_path / "instance"
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "AUTO_MIGRATE": True,
        **overrides,
    }
    return create_app(config, instance_path=str(instance))


@pytest.fixture
def app(database_url, tmp_path):
    """The app on one backend, CSRF on (as in production); rows are removed after the test."""
    app = make_app(database_url, tmp_path)
    yield app
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            conn.execute(text("DELETE FROM consultation"))
        db.engine.dispose()


@pytest.fixture
def client(app):
    yield app.test_client()


@pytest.fixture
def csrf_token(client):
    """A valid CSRF token for ``client``'s session (read from a real form, as a browser would)."""
    import re

    page = client.get("/screening").get_data(as_text=True)
    match = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert match, "the screening form carries a CSRF token"
    yield match.group(1)


@pytest.fixture
def build_app(tmp_path):
    """Build apps on a given database with extra settings: ``build_app(url, RETENTION_DAYS=7)``.

    Like ``app``, their rows are removed and their engines closed after the test.
    """
    made = []

    def build(database_url, **overrides):
        made.append(make_app(database_url, tmp_path, **overrides))
        return made[-1]

    yield build
    for built in made:
        with built.app_context():
            db.session.remove()
            if inspect(db.engine).has_table("consultation"):   # AUTO_MIGRATE=False apps may have none
                with db.engine.begin() as conn:
                    conn.execute(text("DELETE FROM consultation"))
            db.engine.dispose()


@pytest.fixture
def app_factory(database_url, build_app):
    """``build_app`` on the current backend: ``app_factory(HOTLINE_NUMBER="112")`` runs on both."""
    yield functools.partial(build_app, database_url)


@pytest.fixture
def empty_postgres_url():
    """A PostgreSQL database of its own for one test, with nothing in it (dropped afterwards)."""
    with _throwaway_database(_postgres_base()) as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request, tmp_path):
    """A database with nothing in it yet, on each backend (for the migration tests)."""
    if request.param == "sqlite":
        yield "sqlite:///" + str(tmp_path / "empty.sqlite3")
    else:
        yield request.getfixturevalue("empty_postgres_url")


# --- pages as a browser sees them ---------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    """An element of a parsed page: ``tag``, ``attrs``, ``children`` (nodes and text) and a few finders."""

    def __init__(self, tag: str, attrs: dict, parent: "Node | None" = None):
        self.tag, self.attrs, self.parent, self.children = tag, attrs, parent, []

    def __repr__(self):
        return f"<{self.tag} {self.attrs}>"

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed (as a screen reader would read it)."""
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())

    def iter(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, class_: str | None = None, **attrs) -> list["Node"]:
        """Descendants by tag, by one of their classes, and by exact attribute values (``for_`` → ``for``,
        ``aria_invalid`` → ``aria-invalid``)."""
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [n for n in self.iter()
                if (tag is None or n.tag == tag)
                and (class_ is None or class_ in (n.attrs.get("class") or "").split())
                and all(n.attrs.get(k) == v for k, v in wanted.items())]

    def find(self, *args, **kwargs) -> "Node | None":
        found = self.find_all(*args, **kwargs)
        return found[0] if found else None

    def one(self, *args, **kwargs) -> "Node":
        found = self.find_all(*args, **kwargs)
        assert len(found) == 1, f"expected exactly one {args} {kwargs}, found {len(found)}"
        return found[0]


def parse_html(page: str) -> Node:
    """A small, forgiving HTML tree builder (the standard library has none; tests need no new dependency)."""
    from html.parser import HTMLParser

    root = Node("#document", {})

    class Builder(HTMLParser):
        current = root

        def handle_starttag(self, tag, attrs):
            node = Node(tag, {k: ("" if v is None else v) for k, v in attrs}, self.current)
            self.current.children.append(node)
            if tag not in VOID:
                self.current = node

        def handle_startendtag(self, tag, attrs):     # <rect .../> in inline SVG
            self.current.children.append(Node(tag, {k: ("" if v is None else v) for k, v in attrs}, self.current))

        def handle_endtag(self, tag):
            node = self.current
            while node is not root and node.tag != tag:
                node = node.parent
            if node is not root:
                self.current = node.parent

        def handle_data(self, data):
            self.current.children.append(data)

    builder = Builder(convert_charrefs=True)
    builder.feed(page)
    builder.close()
    return root


class Visitor:
    """The test client used like a browser: forms are read from the last page and sent with what a browser
    sends (hidden fields such as the CSRF token, selected options, checked boxes), then the given changes."""

    def __init__(self, client):
        self.client = client
        self.response = None

    def _keep(self, response):
        # Buffer the body, then close: static files are streamed from an open file (a ResourceWarning,
        # so an error under filterwarnings=error, if left to the garbage collector).
        response.get_data()
        response.close()
        self.response = response
        return response

    def get(self, url, **kwargs):
        return self._keep(self.client.get(url, **kwargs))

    def post(self, url, data=None, **kwargs):
        return self._keep(self.client.post(url, data=data or {}, **kwargs))

    @property
    def text(self) -> str:
        return self.response.get_data(as_text=True)

    @property
    def dom(self) -> Node:
        return parse_html(self.text)

    def form(self, index: int = -1, action: str | None = None) -> Node:
        forms = self.dom.find_all("form", action=action) if action else self.dom.find_all("form")
        assert forms, f"no form on the page {self.response.request.path}"
        return forms[index]

    @staticmethod
    def fields(form: Node) -> dict[str, str]:
        """What a browser would send for ``form`` untouched (no button pressed)."""
        data = {}
        for node in form.iter():
            name = node.attrs.get("name")
            if not name or "disabled" in node.attrs:
                continue
            if node.tag == "input":
                kind = node.attrs.get("type", "text")
                if kind in ("radio", "checkbox"):
                    if "checked" in node.attrs:
                        data[name] = node.attrs.get("value", "on")
                elif kind not in ("submit", "button", "image", "reset"):
                    data[name] = node.attrs.get("value", "")
            elif node.tag == "select":
                options = node.find_all("option")
                chosen = [o for o in options if "selected" in o.attrs] or options[:1]
                if chosen:
                    data[name] = chosen[0].attrs.get("value", chosen[0].text)
            elif node.tag == "textarea":
                data[name] = node.text
        return data

    def submit(self, changes: dict | None = None, *, index: int = -1, action: str | None = None, **kwargs):
        """Send a form of the last page with ``changes`` (a value of None leaves that field out)."""
        form = self.form(index, action)
        data = {**self.fields(form), **(changes or {})}
        data = {k: v for k, v in data.items() if v is not None}
        return self.post(form.attrs.get("action") or self.response.request.path, data=data, **kwargs)


@pytest.fixture
def visitor(client):
    """``client`` driven like a browser (see :class:`Visitor`)."""
    yield Visitor(client)


@pytest.fixture
def visitor_for():
    """A :class:`Visitor` on another app: ``visitor_for(app_factory(HOTLINE_NUMBER="112"))``."""
    yield lambda app: Visitor(app.test_client())


@pytest.fixture
def row_count(app):
    """How many consultations are stored right now: ``row_count()``."""
    from sqlalchemy import func, select

    from webui.models import Consultation

    def count() -> int:
        with app.app_context():
            return db.session.scalar(select(func.count()).select_from(Consultation))

    yield count


@pytest.fixture(scope="session")
def indonesian():
    """The Indonesian catalogue's text for an interface msgid (fails when it is not translated)."""
    from babel.support import Translations

    import webui

    catalogue = Translations.load(os.path.join(os.path.dirname(webui.__file__), "translations"), ["id"])

    def translate(msgid: str, **values) -> str:
        text = catalogue.gettext(msgid)
        assert text != msgid, f"not translated into Indonesian: {msgid!r}"
        return text % values if values else text

    yield translate
