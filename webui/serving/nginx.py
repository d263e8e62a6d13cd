"""nginx for the launcher: where the binary is, and its configuration rendered from ``nginx.conf``."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from webui.serving.errors import ServeError
from webui.serving.settings import ServeSettings

TEMPLATE = Path(__file__).with_name("nginx.conf")
DEBIAN_BINARY = "/usr/sbin/nginx"  # Debian's package; /usr/sbin is not on every user's PATH
INSTALL_HINT = "install nginx: apt-get install nginx"
CLIENT_TIMEOUT = 10  # seconds for a client's headers, between body reads, between answer writes
UPSTREAM_TIMEOUT = 60  # seconds for gunicorn's answer: longer than its worker timeout (gunicorn.conf.py)
# How many times nginx passes a request to gunicorn when a worker goes away before answering it (kill -9, a
# timeout, a restart): the first try and two retries. Few, since a request that kills its worker kills one more
# each retry.
UPSTREAM_TRIES = 3
# The URL prefixes whose routes take a whole KB (KB_UPLOAD_MAX_BYTES instead of MAX_CONTENT_LENGTH).
KB_PREFIXES = ("/api/v1/kb/versions", "/staff/kb/")
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def find_binary(given: str | None = None) -> str:
    """The nginx to run: ``given``, else ``nginx`` on PATH, else Debian's; one line when there is none."""
    if given:
        if os.access(given, os.X_OK) and os.path.isfile(given):
            return given
        raise ServeError(f"nginx not found at {given}: {INSTALL_HINT}")
    found = shutil.which("nginx") or (DEBIAN_BINARY if os.access(DEBIAN_BINARY, os.X_OK) else None)
    if found is None:
        raise ServeError(f"nginx not found: {INSTALL_HINT}")
    return found


def render(settings: ServeSettings, *, worker_processes: int = 1) -> str:
    """The configuration text for ``settings`` (run folder, address, body limit)."""
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATE.parent)),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,  # nginx syntax, not HTML
    )
    host = f"[{settings.host}]" if ":" in settings.host else settings.host
    return environment.get_template(TEMPLATE.name).render(
        run_dir=str(settings.run_dir),
        socket=str(settings.socket),
        listen=f"{host}:{settings.port}",
        max_body=settings.max_body,
        kb_upload_max=settings.kb_upload_max,
        kb_prefixes=KB_PREFIXES,
        timeout=CLIENT_TIMEOUT,
        upstream_timeout=UPSTREAM_TIMEOUT,
        upstream_tries=UPSTREAM_TRIES,
        worker_processes=worker_processes,
        # nginx's master drops its workers to "nobody" when it runs as root; they could not reach gunicorn's
        # socket in a private folder, so they keep the user that started everything.
        user=pwd.getpwuid(0).pw_name if os.geteuid() == 0 else None,
    )


def write_config(settings: ServeSettings) -> Path:
    """Render the configuration into the run folder (with the temp folders it names); return its path."""
    for name in TEMP_DIRS:
        os.makedirs(settings.run_dir / name, mode=0o700, exist_ok=True)
    path = settings.run_dir / "nginx.conf"
    path.write_text(render(settings), encoding="utf-8")
    return path


def command(binary: str, conf: Path) -> list[str]:
    """nginx in the foreground with ``conf``; the prefix is the run folder, so nothing outside it is used."""
    return [binary, "-p", str(conf.parent), "-c", str(conf), "-e", "stderr"]


def check(binary: str, conf: Path) -> None:
    """``nginx -t``: a bad configuration stops the start with nginx's own first complaint."""
    done = subprocess.run([*command(binary, conf), "-t", "-q"], capture_output=True, text=True, timeout=30, check=False)
    if done.returncode != 0:
        lines = [line for line in (done.stderr or done.stdout).splitlines() if line.strip()]
        raise ServeError(f"nginx refuses its configuration: {lines[0] if lines else 'exit ' + str(done.returncode)}")
