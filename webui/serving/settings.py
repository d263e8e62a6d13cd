"""What the launcher needs to know before any server runs: the app's settings, the address and the paths."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from flask import Config, Flask

from webui import config
from webui.serving.errors import ServeError

# The instance folder, for gunicorn's workers and its SIGHUP hook (set by the launcher; not a PAKAR_* name,
# which the app would read as a setting).
INSTANCE_ENV = "WEBUI_SERVING_INSTANCE"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


@dataclass(frozen=True)
class ServeSettings:
    """One run of ``python -m webui.serving``."""

    instance: Path  # Flask's instance folder: the SQLite file, the secret key, run/ and logs/
    host: str
    port: int
    max_body: int  # MAX_CONTENT_LENGTH: nginx refuses bigger bodies, and so would the app
    kb_upload_max: int  # KB_UPLOAD_MAX_BYTES: the limit of the routes that take a whole KB (staff API and pages)
    retention_days: int  # RETENTION_DAYS: how many daily log files are kept
    proxy_count: int  # PROXY_COUNT as configured: the proxies in front of nginx (0 when nginx faces clients)

    @property
    def run_dir(self) -> Path:
        """nginx's pid file, temp folders and rendered config, gunicorn's socket and pid file."""
        return self.instance / "run"

    @property
    def log_dir(self) -> Path:
        return self.instance / "logs"

    @property
    def socket(self) -> Path:
        return self.run_dir / "gunicorn.sock"

    @property
    def app_spec(self) -> str:
        return app_spec(str(self.instance))

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"


def app_spec(instance: str | None) -> str:
    """``flask --app`` for the app on ``instance`` (Flask's CLI parses the literal argument)."""
    return f"webui:create_app(instance_path={instance!r})" if instance else "webui:create_app()"


def app_config(instance: Path) -> Config:
    """The settings ``create_app`` would use, read the same way (defaults, instance/config.py, PAKAR_* and
    DATABASE_URL from the environment), without building the app: the launcher loads no KB, opens no database."""
    cfg = Config(str(instance))
    cfg.from_mapping(config.defaults(str(instance)))
    cfg.from_pyfile("config.py", silent=True)
    cfg.from_prefixed_env("PAKAR")
    config.apply_database_url(cfg, os.environ.get("DATABASE_URL"))
    return cfg


def _whole(value, name: str, low: int, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)) or not str(value).strip().isdigit():
        raise ServeError(f"{name} must be a whole number (got {value!r})")
    number = int(value)
    if number < low or (high is not None and number > high):
        limit = f"{low}..{high}" if high is not None else f"{low} or more"
        raise ServeError(f"{name} must be {limit} (got {number})")
    return number


def resolve(
    environ: Mapping[str, str], *, instance: str | None = None, host: str | None = None, port: str | None = None
) -> ServeSettings:
    """The settings of this run: options first, then ``HOST``/``PORT``, then the defaults."""
    folder = Path(instance).resolve() if instance else Path(Flask("webui").instance_path)
    cfg = app_config(folder)
    return ServeSettings(
        instance=folder,
        host=host or environ.get("HOST") or DEFAULT_HOST,
        port=_whole(port or environ.get("PORT") or DEFAULT_PORT, "PORT", 1, 65535),
        max_body=_whole(cfg.get("MAX_CONTENT_LENGTH"), "MAX_CONTENT_LENGTH", 1),
        kb_upload_max=_whole(cfg.get("KB_UPLOAD_MAX_BYTES"), "KB_UPLOAD_MAX_BYTES", 1),
        retention_days=_whole(cfg.get("RETENTION_DAYS"), "RETENTION_DAYS", 0),
        proxy_count=_whole(cfg.get("PROXY_COUNT") or 0, "PROXY_COUNT", 0),
    )
