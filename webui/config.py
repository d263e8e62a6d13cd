"""Configuration defaults, and the two settings that need more than a value (database URL, secret key)."""

from __future__ import annotations

import os
import secrets

from kb.languages import DEFAULT_LANGUAGE
from rules.i18n import TRANSLATIONS_DIR

SECRET_FILE = "secret_key"


def defaults(instance_path: str) -> dict:
    """Every setting Pakar reads, with its default. Override in ``instance/config.py`` or ``PAKAR_<NAME>``."""
    return {
        # None: read or create instance/secret_key (so `make run` works and sessions survive a restart).
        "SECRET_KEY": None,
        "SQLALCHEMY_DATABASE_URI": "sqlite:///" + os.path.join(instance_path, "pakar.sqlite3"),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Create the tables on start when the database is empty (SQLite on first `make run`). Production
        # databases are migrated with `flask --app webui db upgrade` instead.
        "AUTO_MIGRATE": True,
        "KB_PATH": None,  # None: the KB bundled with Pakar (kb/covid19)
        "RETENTION_DAYS": 30,  # results older than this are deleted (see webui.retention)
        "TIMEZONE": "Asia/Jakarta",  # times on result pages and reports (WIB); any IANA zone name
        "PURGE_INTERVAL": 3600,  # seconds between a process's automatic purges; 0 turns them off
        # S1's hotline, a deployment's own region's line; None: the KB's national default (Halo Kemenkes
        # 1500-567). The emergency level's number (PSC 119) is never replaced.
        "HOTLINE_NAME": None,
        "HOTLINE_NUMBER": None,
        "BABEL_DEFAULT_LOCALE": DEFAULT_LANGUAGE,
        "BABEL_TRANSLATION_DIRECTORIES": str(TRANSLATIONS_DIR),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": False,  # set True behind HTTPS (PAKAR_SESSION_COOKIE_SECURE=true)
        "PERMANENT_SESSION_LIFETIME": 3600,
        "WTF_CSRF_TIME_LIMIT": 3600 * 4,
        "MAX_CONTENT_LENGTH": 64 * 1024,  # a consultation is a few hundred bytes
        "HSTS": False,  # send Strict-Transport-Security (only behind HTTPS)
        "PROXY_COUNT": 0,  # trusted reverse proxies in front (X-Forwarded-* headers)
    }


def apply_database_url(cfg, url: str | None) -> None:
    """Use ``DATABASE_URL`` (Heroku-style ``postgres://`` included) with the psycopg 3 driver."""
    if not url:
        return
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix) :]
            break
    cfg["SQLALCHEMY_DATABASE_URI"] = url


def ensure_secret_key(app) -> None:
    """Keep a configured key; otherwise read (or create once) a random one in the instance folder."""
    key = app.config.get("SECRET_KEY")
    if key:
        if not isinstance(key, (str, bytes)):
            # PAKAR_SECRET_KEY=12345 arrives as the number 12345 (env values are parsed as JSON when they
            # can be); the session signer needs text, or every page with a form is a 500.
            app.config["SECRET_KEY"] = str(key)
        return
    path = os.path.join(app.instance_path, SECRET_FILE)
    try:
        with open(path, encoding="ascii") as fh:
            key = fh.read().strip()
    except FileNotFoundError:
        key = ""
    if not key:
        key = secrets.token_hex(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(key)
    app.config["SECRET_KEY"] = key
