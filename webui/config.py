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
        # hide_parameters: SQLAlchemy's error texts leave out the statement's values (answers, results, keys).
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # SQLite only (webui.store): seconds a write waits for another process's write lock before the request
        # is answered 503 (WAL, synchronous=NORMAL and foreign keys are set on every connection too).
        "SQLITE_BUSY_TIMEOUT": 5.0,
        "RETRY_AFTER_UNAVAILABLE": 5,  # the Retry-After (seconds) of a 503 while the database is unavailable
        "LOG_REPEAT_SECONDS": 10,  # the same log line is written at most once per this many seconds (webui.faults)
        # Create the tables on start when the database is empty (SQLite on first `make run`), and bring a
        # database an earlier Pakar made up to date when the app starts to serve. Production databases are
        # migrated with `flask --app webui db upgrade` (make serve and the Docker image run it first).
        "AUTO_MIGRATE": True,
        "KB_PATH": None,  # None: the KB bundled with Pakar (kb/covid19)
        # Seconds between a process's looks at the active KB version in the database (webui.kbstate). 0: every
        # request that needs the KB reads the one-row pointer (a primary-key read), so each answer names a
        # version that was active during its request (issue 10). A few seconds saves that read per request, at
        # the price of answers from the version just replaced for that long after a publish.
        "KB_POLL_SECONDS": 0,
        "KB_CACHE_VERSIONS": 8,  # KB versions a process keeps parsed (to show results of earlier versions)
        # Impact of a KB version (webui.kbimpact, rules.impact): worker processes replaying the stored
        # consultations, and the smallest change of a hypothesis's CF that counts as a change on its own.
        "IMPACT_PROCESSES": 2,
        "IMPACT_CF_THRESHOLD": "0.05",
        # Seconds the staff page and API may spend replaying for an impact: below gunicorn's 30 s worker
        # timeout (a killed worker's GET is retried by nginx on the next one). `flask kb impact` has no limit.
        "IMPACT_WEB_SECONDS": 20,
        # A whole KB sent to the staff API or uploaded (JSON or zip); consultations keep MAX_CONTENT_LENGTH.
        "KB_UPLOAD_MAX_BYTES": 4 * 1024 * 1024,
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
        # The address people reach Pakar by (https://pakar.example.id): every receipt link is built on it, never
        # on the Host header (webui.publicurl). None: links follow the request (development).
        "PUBLIC_URL": None,
        # Flask's own: when a list (["pakar.example.id"]), a request for any other host is refused with 400.
        "TRUSTED_HOSTS": None,
        # Rate limits per client address (webui.limits, Flask-Limiter; limit strings "N/minute;M/day").
        # Many people can share one address (a mobile carrier's NAT, a clinic's Wi-Fi): keep them generous.
        "RATELIMIT_ENABLED": True,  # False turns every limit off (a benchmark from one address)
        # Where the counts live. memory:// is per process: N gunicorn workers allow up to N x each limit.
        # A shared store makes them exact for the whole server: redis://host:6379, memcached://host:11211.
        "RATELIMIT_STORAGE_URI": "memory://",
        "RATELIMIT_KEY_PREFIX": "pakar",  # a shared store may serve other apps too
        "RATELIMIT_SWALLOW_ERRORS": True,  # a shared store that is down must not take the site down
        "RATELIMIT_CONSULTATIONS": "20/minute;200/day",  # stored consultations (web and API share them)
        "RATELIMIT_PDF": "10/minute",  # result PDFs (a render costs a worker 0.2-0.3 s)
        "RATELIMIT_DEFAULT": "300/minute",  # every other page and API read (not /healthz, not static files)
        # PDFs (webui.pdfcache): rendered once per result, language and KB version, kept in the instance
        # folder while the result exists, one render at a time across the server's workers.
        "PDF_CACHE_FILES": 200,  # at most this many cached PDFs (the oldest go first)
        "PDF_RENDER_WAIT": 3.0,  # seconds a request waits for another worker's render before 503
        "PDF_RETRY_AFTER": 5,  # the 503's Retry-After, in seconds
        # Staff accounts (webui.staff): a staff session ends after this many minutes without a staff page
        # (sliding: each staff page restarts the clock); the public's pages never need a login.
        "STAFF_IDLE_MINUTES": 30,
        "STAFF_LOGIN_MAX_FAILURES": 5,  # wrong passwords in a row that lock an account ...
        "STAFF_LOCKOUT_MINUTES": 15,  # ... for this long (even the right password is refused meanwhile)
        "STAFF_PASSWORD_MIN_LENGTH": 12,  # NIST SP 800-63B asks for at least 8; staff change medical advice
        # Argon2id parameters, a profile of argon2.profiles (webui.staff.passwords); CHEAPEST is for tests only.
        "STAFF_ARGON2_PROFILE": "RFC_9106_LOW_MEMORY",
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
