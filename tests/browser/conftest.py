"""Browser fixtures: the real app under gunicorn on a free local port, Debian's Chromium driven by
Playwright.

The app runs as in production (gunicorn, CSRF on, no TESTING flag) on a throwaway SQLite database. One
Chromium serves the whole session; every test gets fresh contexts (cookies, storage), each watched for
console errors, CSP violations, script errors and requests to other hosts.

Chromium is ``/usr/bin/chromium`` (``PAKAR_CHROMIUM`` overrides it). Without it the tests are skipped,
except in CI (``CI=true``), where they must run: there a missing browser is a failure.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from bench import server
from testing.browser import CHROMIUM_ARGS, PHONE, SHARED_RESULTS, Watch, axe_source, make_result
from testing.environment import unavailable

CHROMIUM = os.environ.get("PAKAR_CHROMIUM", "/usr/bin/chromium")
REPO = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items):
    """Every browser test is ``slow`` (gunicorn and Chromium): ``-m "not slow"`` leaves them out."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def app_config(tmp_path_factory):
    """The app's settings as in production (CSRF on, no TESTING flag), with a SQLite file of its own."""
    folder = tmp_path_factory.mktemp("browser-app")
    yield (
        {"SECRET_KEY": "browser-tests-secret", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/pakar.sqlite3"},
        str(folder / "instance"),
    )


@pytest.fixture(scope="session")
def live_app(app_config):
    """The same app in this process: it creates the schema, and gives the tests its interface texts."""
    from webui import create_app

    config, instance = app_config
    yield create_app(dict(config), instance_path=instance)


@pytest.fixture(scope="session")
def base_url(live_app, app_config, tmp_path_factory):
    """The app under gunicorn (one gthread worker) on 127.0.0.1 at a free port; its URL.

    The same harness as ``make bench`` (:func:`bench.server.running`): a socket of our own handed to
    gunicorn, so the port is never raced for, and a server always stopped. Its log must hold no traceback.
    """
    config, instance = app_config
    log_path = tmp_path_factory.mktemp("gunicorn") / "gunicorn.log"
    options = server.Options(
        app=f"webui:create_app({config!r}, instance_path={instance!r})", workers=1, worker_class="gthread", threads=8
    )
    try:
        with server.running(options, ready_path="/", log_path=log_path, chdir=str(REPO)) as running:
            yield f"http://{running.host}:{running.port}"
    except server.ServerError as exc:
        pytest.fail(str(exc), pytrace=False)
    log_text = log_path.read_text(encoding="utf-8", errors="replace")
    assert "Traceback" not in log_text, "the server logged an error:\n" + log_text


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the session."""
    if not os.path.exists(CHROMIUM):
        unavailable(
            f"no Chromium at {CHROMIUM} (apt-get install chromium)",
            "CI must run the browser tests (.ci/services.sh packages installs Debian's chromium)",
        )
    playwright = sync_playwright().start()
    try:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=list(CHROMIUM_ARGS))
        try:
            yield browser
        finally:
            browser.close()
    finally:
        playwright.stop()


@pytest.fixture
def new_page(browser, base_url):
    """``new_page(**context_options)``: a page in a fresh context (phone-sized unless told otherwise).

    Every context is watched; a page that logged an error or warning, threw, or called another host fails
    the test at teardown. ``page.watch`` is the context's :class:`Watch`.
    """
    opened = []

    def open_page(**options):
        context = browser.new_context(**{**PHONE, **options})
        context.set_default_timeout(10_000)
        watch = Watch(base_url)
        watch.attach(context)
        opened.append((context, watch))
        page = context.new_page()
        page.watch = watch
        return page

    yield open_page
    problems = []
    for context, watch in opened:
        context.close()
        problems.extend(watch.problems)
    assert problems == [], "the pages misbehaved:\n" + "\n".join(problems)


@pytest.fixture
def page(new_page):
    """A phone-sized page (390 x 844, touch) in a fresh, watched context."""
    yield new_page()


@pytest.fixture(scope="session")
def ui(live_app):
    """``ui(lang, msgid, **values)``: an interface text as the app shows it in ``lang`` (its catalogue)."""
    from flask_babel import gettext

    def text(lang: str, msgid: str, **values) -> str:
        with live_app.test_request_context(f"/?lang={lang}"):
            return gettext(msgid, **values)

    yield text


@pytest.fixture(scope="session")
def shared_result(browser, base_url, bundled_kb, ui):
    """``shared_result(name, lang)``: the URL of a stored result made through the forms (once a session).

    For tests that only look at a result; each opens it in its own context by its receipt URL.
    """
    made: dict[tuple[str, str], str] = {}

    def get(name: str, lang: str) -> str:
        assert name in SHARED_RESULTS, name
        if (name, lang) not in made:
            context = browser.new_context(**PHONE)
            context.set_default_timeout(10_000)
            watch = Watch(base_url)
            watch.attach(context)
            try:
                made[name, lang] = make_result(context.new_page(), base_url, bundled_kb, ui, lang, name)
            finally:
                context.close()
            watch.assert_clean()
        return made[name, lang]

    yield get


@pytest.fixture(scope="session")
def axe():
    """axe-core's script (``bash tests/browser/setup.sh`` installs it; CI must have it)."""
    source = axe_source()
    if source is None:
        unavailable(
            "axe-core is not installed: run bash tests/browser/setup.sh (needs npm)",
            "CI must run the browser tests (.ci/run must run bash tests/browser/setup.sh first)",
        )
    yield source
