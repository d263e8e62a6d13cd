"""The container set-up without Docker: the entry script migrates and serves on SQLite and PostgreSQL until
``/healthz`` answers 200 (and the image's HEALTHCHECK command agrees), and the Dockerfile and compose.yaml
name files that exist and the same entry script.

The script runs here as the image runs it, with this venv's ``flask`` and ``gunicorn`` first on PATH.
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from sqlalchemy import create_engine, inspect

from testing.databases import postgres_server, throwaway_database

ROOT = Path(__file__).resolve().parents[2]
ENTRY = ROOT / "docker" / "entrypoint.sh"
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
IMAGE_ENTRY = "pakar-entrypoint"  # where the Dockerfile puts docker/entrypoint.sh on PATH


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _env(**settings) -> dict:
    """A clean environment: this venv's commands first, no PAKAR_* or DATABASE_URL from outside."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PAKAR_", "DATABASE_URL", "WEB_CONCURRENCY"))}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env.update(settings)
    return env


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments left out."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    pairs = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty database of each backend, as a new deployment has."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/pakar.sqlite3"
    else:
        with throwaway_database(postgres_server()) as url:
            yield url


@pytest.fixture
def serving(database_url, tmp_path):
    """docker/entrypoint.sh (migrate, then gunicorn) on a free loopback port; stopped afterwards."""
    port = _free_port()
    log = tmp_path / "entrypoint.log"
    env = _env(
        DATABASE_URL=database_url,
        PAKAR_SECRET_KEY="entrypoint-test-secret",
        PAKAR_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",
    )
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["sh", str(ENTRY)], env=env, cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    try:
        yield port, process, log
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _wait_for_health(port: int, process, log: Path, seconds: float = 90) -> tuple[int, dict]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"the entry script exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                return response.status, json.load(response)
        except OSError:  # refused, reset, or a read timing out while the worker boots
            time.sleep(0.3)
    pytest.fail(f"no /healthz answer in {seconds}s:\n{log.read_text(errors='replace')}")


@pytest.mark.slow
def test_entrypoint_migrates_then_serves_healthz(serving, database_url):
    import kb

    port, process, log = serving
    status, body = _wait_for_health(port, process, log)
    assert status == 200
    assert body == {"status": "ok", "database": "ok", "kb": kb.load().short_version}
    # The migration ran before the server: the schema is Alembic's, not AUTO_MIGRATE's.
    engine = create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        assert {"alembic_version", "consultation"} <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    # The image's HEALTHCHECK command, pointed at this server, says healthy too.
    (healthcheck,) = [rest for word, rest in _dockerfile_instructions() if word == "HEALTHCHECK"]
    command = json.loads(healthcheck[healthcheck.index("CMD") + 3 :].strip())
    assert command[0] == "python"
    probe = subprocess.run(
        [sys.executable, *[c.replace(":8000/", f":{port}/") for c in command[1:]]],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert probe.returncode == 0, probe.stderr
    os.killpg(process.pid, signal.SIGTERM)
    assert process.wait(timeout=30) == 0, "gunicorn stops cleanly on SIGTERM (docker stop)"
    assert "Traceback" not in log.read_text(errors="replace")


@pytest.mark.parametrize(
    ("missing", "says"),
    [
        pytest.param("DATABASE_URL", "set DATABASE_URL", id="no-database-url"),
        pytest.param("PAKAR_SECRET_KEY", "set PAKAR_SECRET_KEY", id="no-secret-key"),
    ],
)
def test_entrypoint_refuses_to_start_without_a_setting(tmp_path, missing, says):
    settings = {"DATABASE_URL": f"sqlite:///{tmp_path}/x.sqlite3", "PAKAR_SECRET_KEY": "s"}
    del settings[missing]
    done = subprocess.run(
        ["sh", str(ENTRY)], env=_env(**settings), cwd=tmp_path, capture_output=True, text=True, timeout=30, check=False
    )
    assert done.returncode == 2
    assert done.stderr.startswith(f"entrypoint: {says}") and len(done.stderr.splitlines()) == 1


@pytest.mark.slow
def test_entrypoint_runs_another_command_as_given(tmp_path):
    done = subprocess.run(
        ["sh", str(ENTRY), "pakar", "--version"],
        env=_env(),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("pakar ")


def test_dockerfile_copies_files_that_exist_and_enters_through_the_entry_script():
    instructions = _dockerfile_instructions()
    assert [rest for word, rest in instructions if word == "FROM"][-1] == "python:3.11-slim-bookworm"
    for word, rest in instructions:
        if word == "COPY" and not rest.startswith("--from"):
            *sources, _target = rest.split()
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: no such file"
    copies = [rest.split() for word, rest in instructions if word == "COPY"]
    assert ["docker/entrypoint.sh", f"/usr/local/bin/{IMAGE_ENTRY}"] in copies
    assert ("ENTRYPOINT", json.dumps([IMAGE_ENTRY])) in instructions
    assert ("USER", "pakar") in instructions
    assert os.access(ENTRY, os.X_OK)
    (healthcheck,) = [rest for word, rest in instructions if word == "HEALTHCHECK"]
    assert "http://127.0.0.1:8000/healthz" in healthcheck


def test_compose_runs_the_same_entry_script_with_postgresql():
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    db, app = compose["services"]["db"], compose["services"]["app"]
    assert db["image"] == "postgres:15" and "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert app["build"] == "."
    assert app["entrypoint"] == [IMAGE_ENTRY] and app["command"] == ["serve"]
    assert app["depends_on"] == {"db": {"condition": "service_healthy"}}
    assert app["environment"]["DATABASE_URL"].startswith("postgresql://pakar:")
    assert app["environment"]["DATABASE_URL"].endswith("@db:5432/pakar")
    assert "PAKAR_SECRET_KEY" in app["environment"]
    assert app["ports"] == ["127.0.0.1:8000:8000"]


def test_image_gets_the_same_pdf_libraries_as_ci():
    (apt,) = [rest for word, rest in _dockerfile_instructions() if word == "RUN" and "apt-get install" in rest]
    services = (ROOT / ".ci" / "services.sh").read_text(encoding="utf-8")
    for library in ("libpango-1.0-0", "libpangoft2-1.0-0", "libharfbuzz-subset0", "fonts-dejavu-core"):
        assert library in apt and library in services, library
