"""The launcher's settings, nginx's rendered configuration (which nginx itself accepts), the one-line refusals
before anything starts, and the workers' app that answers 503 while the real one cannot be built."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest
from gunicorn.config import Config
from gunicorn.http.wsgi import Response

from testing.apps import clear_app
from testing.serving import nginx_or_skip
from webui.serving import launcher, nginx, onewrite, reload, wsgi
from webui.serving.errors import ServeError
from webui.serving.settings import INSTANCE_ENV, app_spec, resolve


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    """No PAKAR_*, DATABASE_URL, HOST or PORT from the machine running the tests."""
    for name in list(os.environ):
        if name.startswith(("PAKAR_", "WEBUI_SERVING_")) or name in ("DATABASE_URL", "HOST", "PORT", "WEB_CONCURRENCY"):
            monkeypatch.delenv(name)
    yield monkeypatch


def test_defaults(tmp_path):
    settings = resolve(os.environ, instance=str(tmp_path))
    assert (settings.host, settings.port, settings.url) == ("127.0.0.1", 8000, "http://127.0.0.1:8000")
    assert (settings.max_body, settings.retention_days, settings.proxy_count) == (64 * 1024, 30, 0)
    assert (settings.run_dir, settings.log_dir) == (tmp_path / "run", tmp_path / "logs")
    assert settings.app_spec == f"webui:create_app(instance_path={str(tmp_path)!r})"


def test_environment_instance_config_and_options(tmp_path, clean_environment):
    (tmp_path / "config.py").write_text("MAX_CONTENT_LENGTH = 1000\nRETENTION_DAYS = 7\n", encoding="utf-8")
    clean_environment.setenv("PORT", "9001")
    clean_environment.setenv("HOST", "::1")
    clean_environment.setenv("PAKAR_RETENTION_DAYS", "14")
    clean_environment.setenv("PAKAR_PROXY_COUNT", "1")
    settings = resolve(os.environ, instance=str(tmp_path))
    assert (settings.host, settings.port, settings.url) == ("::1", 9001, "http://[::1]:9001")
    assert (settings.max_body, settings.retention_days, settings.proxy_count) == (1000, 14, 1)
    assert resolve(os.environ, instance=str(tmp_path), host="127.0.0.2", port="9002").url == "http://127.0.0.2:9002"


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("PORT", "eighty", "PORT must be a whole number (got 'eighty')"),
        ("PORT", "70000", "PORT must be 1..65535 (got 70000)"),
        ("PAKAR_RETENTION_DAYS", "-1", "RETENTION_DAYS must be a whole number (got -1)"),
        ("PAKAR_MAX_CONTENT_LENGTH", "0", "MAX_CONTENT_LENGTH must be 1 or more (got 0)"),
    ],
)
def test_bad_settings_are_one_line_before_anything_starts(tmp_path, clean_environment, capsys, name, value, message):
    clean_environment.setenv(name, value)
    with pytest.raises(ServeError, match=f"^{re.escape(message)}$"):
        resolve(os.environ, instance=str(tmp_path))
    assert launcher.main(["--instance", str(tmp_path)]) == 1
    assert capsys.readouterr().err == f"serve: {message}\n"
    assert not (tmp_path / "run").exists()


def test_no_nginx_is_one_line_naming_the_package(tmp_path, capsys):
    assert launcher.main(["--instance", str(tmp_path), "--nginx", str(tmp_path / "nginx")]) == 1
    assert (
        capsys.readouterr().err
        == f"serve: nginx not found at {tmp_path / 'nginx'}: install nginx: apt-get install nginx\n"
    )


def test_one_launcher_per_instance_folder(tmp_path, capsys):
    lock = launcher._lock(tmp_path / "run")
    try:
        assert launcher.main(["--instance", str(tmp_path), "--nginx", nginx_or_skip()]) == 1
    finally:
        lock.close()
    assert capsys.readouterr().err == f"serve: another server is already running on the instance folder {tmp_path}\n"


def test_rendered_configuration(tmp_path, clean_environment):
    (tmp_path / "config.py").write_text("MAX_CONTENT_LENGTH = 1000\n", encoding="utf-8")
    clean_environment.setenv("PORT", "9001")
    text = nginx.render(resolve(os.environ, instance=str(tmp_path)))
    directives = {line.strip() for line in text.splitlines()}
    for expected in (
        "daemon off;",
        "master_process on;",
        f"pid {tmp_path}/run/nginx.pid;",
        "error_log stderr warn;",
        "access_log off;",
        "client_header_timeout 10s;",
        "client_body_timeout 10s;",
        "send_timeout 10s;",
        "client_max_body_size 1000;",
        "proxy_request_buffering on;",
        "proxy_buffering on;",
        "proxy_next_upstream error timeout non_idempotent;",
        "proxy_next_upstream_tries 3;",
        "proxy_next_upstream_timeout 60s;",
        "listen 127.0.0.1:9001;",
        'proxy_set_header Content-Length "1001";',
        'proxy_set_header X-Forwarded-Prefix "";',
        "error_page 413 = @too_large;",
    ):
        assert expected in directives, expected
    # The one socket three times, never marked down: a request whose worker went away is tried again on it.
    upstream = re.search(r"upstream gunicorn \{(.*?)\}", text, re.S).group(1)
    assert [line.strip() for line in upstream.splitlines() if line.strip()] == [
        f"server unix:{tmp_path}/run/gunicorn.sock max_fails=0;"
    ] * nginx.UPSTREAM_TRIES
    assert ("user root;" in directives) == (os.geteuid() == 0)
    assert re.findall(r"^\s*(?:client_body|proxy|fastcgi|uwsgi|scgi)_temp_path (\S+);", text, re.M) == [
        f"{tmp_path}/run/{name}" for name in nginx.TEMP_DIRS
    ]


@pytest.mark.slow
def test_nginx_accepts_the_rendered_configuration(tmp_path):
    binary = nginx_or_skip()
    conf = nginx.write_config(resolve(os.environ, instance=str(tmp_path)))
    nginx.check(binary, conf)  # raises ServeError with nginx's complaint otherwise
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # nothing written outside the run folder
    assert {*nginx.TEMP_DIRS, "nginx.conf"} <= {p.name for p in (tmp_path / "run").iterdir()}


@pytest.mark.slow
def test_nginx_refusing_its_configuration_is_one_line(tmp_path):
    binary = nginx_or_skip()
    conf = tmp_path / "nginx.conf"
    conf.write_text("daemon off;\nnot_a_directive;\n", encoding="utf-8")
    with pytest.raises(ServeError, match=r'^nginx refuses its configuration: .*unknown directive "not_a_directive"'):
        nginx.check(binary, conf)


@pytest.mark.slow
def test_gunicorn_reads_its_configuration(tmp_path):
    """gunicorn's own check of the file: 2 sync workers, no access log, the timeouts, the reload hook."""
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--config",
            str(launcher.GUNICORN_CONF),
            "--print-config",
            "webui:create_app()",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    printed = dict(re.findall(r"^(\w+)\s+= (.*)$", done.stdout, re.M))
    assert {k: printed[k] for k in ("workers", "worker_class", "timeout", "accesslog", "control_socket_disable")} == {
        "workers": "2",
        "worker_class": "sync",
        "timeout": "30",
        "accesslog": "None",
        "control_socket_disable": "True",
    }
    assert printed["on_reload"] == "<on_reload()>"  # ours, not gunicorn's default
    assert printed["post_fork"] == "<post_fork()>"  # ours: one write per answer (webui.serving.onewrite)


@pytest.mark.parametrize(
    ("status", "output", "ok", "line"),
    [
        (
            0,
            "kb/covid19: version 40b0faab1581 (1.0.0) is now active\n",
            True,
            "KB reload: kb/covid19: version 40b0faab1581 (1.0.0) is now active",
        ),
        (0, "", True, "KB reload: done"),
        (
            1,
            "refused:\n  rules.yaml:27:9: unknown symptom GC99\n\n",
            False,
            "KB reload refused (exit 1): refused: | rules.yaml:27:9: unknown symptom GC99; the workers keep the "
            "active version",
        ),
        (2, "", False, "KB reload refused (exit 2): no output; the workers keep the active version"),
    ],
)
def test_a_reloads_outcome_is_one_line(status, output, ok, line):
    assert reload.outcome(status, output) == reload.Outcome(ok, line)


def test_a_refused_reload_names_ten_problem_lines_at_most():
    output = "".join(f"kb.yaml:{n}:1: problem {n}\n" for n in range(1, 30))
    line = reload.outcome(1, output).line
    assert line.count("kb.yaml:") == reload.MAX_PROBLEMS and "problem 10 |" not in line and "problem 10;" in line


def test_the_reload_command_names_the_instance_folder(tmp_path):
    assert reload.command(str(tmp_path))[1:] == ["-m", "flask", "--app", app_spec(str(tmp_path)), "kb", "reload"]


class _Request:
    """What gunicorn's Response reads of its request: an HTTP/1.0 POST, as nginx sends it."""

    version = (1, 0)
    method = "POST"
    headers: tuple = ()

    def should_close(self) -> bool:
        return True


class _Wire:
    """The socket's side of a response: each sendall call gunicorn makes."""

    def __init__(self) -> None:
        self.writes: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.writes.append(bytes(data))


@pytest.mark.parametrize(
    ("parts", "length", "writes"),
    [
        ([b"whole"], "5", [b"whole"]),
        ([b"ab", b"cd"], "4", [b"ab", b"cd"]),  # only the first part goes with the headers
        ([b""], "0", [b""]),
        ([b"abcdef"], "3", [b"abc"]),  # gunicorn's own rule: never more than Content-Length
    ],
)
def test_a_responses_headers_leave_with_its_first_body_part(parts, length, writes):
    onewrite.install()
    onewrite.install()  # once per process, however often the hook runs
    wire = _Wire()
    response = Response(_Request(), wire, Config())
    response.start_response("201 CREATED", [("Content-Type", "application/json"), ("Content-Length", length)])
    for part in parts:
        response.write(part)
    response.close()
    head, _, first = wire.writes[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 201 CREATED\r\n") and f"Content-Length: {length}".encode() in head
    assert [first, *wire.writes[1:]] == writes


def test_the_flask_app_spec_names_the_instance_folder():
    assert app_spec("/srv/pakar's") == 'webui:create_app(instance_path="/srv/pakar\'s")'
    assert app_spec(None) == "webui:create_app()"


class _Failing:
    """A build that fails ``failures`` times, then returns a tiny WSGI app."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def __call__(self):
        self.calls += 1
        if self.calls <= self.failures:
            raise RuntimeError("the KB does not load\nsecond line")

        def app(environ, start_response):
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"real"]

        return app


def _call(app) -> tuple[str, dict, bytes]:
    seen = {}

    def start_response(status, headers):
        seen["status"], seen["headers"] = status, dict(headers)

    body = b"".join(app({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, start_response))
    return seen["status"], seen["headers"], body


def test_a_worker_whose_app_cannot_be_built_answers_503_and_retries(monkeypatch):
    build = _Failing(failures=2)
    app = wsgi.Starting(build)
    status, headers, body = _call(app)
    assert (status, headers["Retry-After"], headers["Cache-Control"]) == ("503 Service Unavailable", "5", "no-store")
    assert body == wsgi.UNAVAILABLE and "Pakar sedang tidak tersedia" in body.decode()
    _call(app)
    assert build.calls == 1  # not before RETRY_SECONDS
    monkeypatch.setattr(wsgi, "RETRY_SECONDS", 0)
    app._next_try = 0.0
    assert _call(app)[0] == "503 Service Unavailable" and build.calls == 2
    assert _call(app) == ("200 OK", {"Content-Type": "text/plain"}, b"real") and build.calls == 3
    assert _call(app)[2] == b"real" and build.calls == 3  # built once


def test_the_workers_app_is_built_on_the_launchers_instance_folder(tmp_path, clean_environment):
    clean_environment.setenv(INSTANCE_ENV, str(tmp_path))
    clean_environment.setenv("PAKAR_SECRET_KEY", "s")
    app = wsgi.create()
    flask_app = app.ready()
    try:
        assert flask_app is not None and flask_app.instance_path == str(tmp_path)
    finally:
        clear_app(flask_app)
