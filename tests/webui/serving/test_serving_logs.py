"""The launcher's log: request paths and receipts removed from every line; daily files kept RETENTION_DAYS."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone

import pytest

from webui.serving import logs

TOKEN = "AbCdEfGhIjKlMnOpQrStUv_-"  # a receipt's shape: 24 URL-safe characters


@pytest.mark.parametrize(
    ("line", "scrubbed"),
    [
        pytest.param(
            "2026/12/01 10:48:50 [error] 14819#14819: *2 client intended to send too large body: 200040 bytes, client: "
            f'127.0.0.1, server: _, request: "POST /r/{TOKEN}/delete HTTP/1.1", host: "127.0.0.1:8000"',
            "2026/12/01 10:48:50 [error] 14819#14819: *2 client intended to send too large body: 200040 bytes, client: "
            '(withheld), server: _, request: "(withheld)", host: "127.0.0.1:8000"',
            id="nginx-request",
        ),
        pytest.param(
            f'upstream timed out, client: 2001:db8::7, server: _, request: "GET /r/{TOKEN}/report.pdf HTTP/1.1", '
            f'upstream: "http://unix:/srv/run/gunicorn.sock:/r/{TOKEN}/report.pdf", host: "x", '
            f'referrer: "http://x/r/{TOKEN}"',
            'upstream timed out, client: (withheld), server: _, request: "(withheld)", upstream: "(withheld)", '
            'host: "x", referrer: "(withheld)"',
            id="nginx-upstream-and-referrer",
        ),
        pytest.param(
            'request: "GET /a\\"b HTTP/1.1", host: "x"',
            'request: "(withheld)", host: "x"',
            id="nginx-escaped-quote",
        ),
        pytest.param(
            f"[2026-12-01 10:00:00 +0000] [12] [ERROR] Error handling request /r/{TOKEN}?lang=en",
            "[2026-12-01 10:00:00 +0000] [12] [ERROR] Error handling request (withheld)",
            id="gunicorn-error",
        ),
        pytest.param(
            f"something about /api/v1/consultations/{TOKEN} and /r/{TOKEN}.",
            "something about /api/v1/consultations/(withheld) and /r/(withheld).",
            id="receipt-anywhere",
        ),
        pytest.param(
            "[INFO] Booting worker with pid: 11891",
            "[INFO] Booting worker with pid: 11891",
            id="nothing-to-remove",
        ),
        pytest.param(
            f"/r/{TOKEN}x is not a receipt's shape",
            f"/r/{TOKEN}x is not a receipt's shape",
            id="25-characters",
        ),
    ],
)
def test_scrub(line, scrubbed):
    assert logs.scrub(line) == scrubbed


def _day_file(log_dir, day: str, text: str = "old\n"):
    path = log_dir / f"{logs.LOG_NAME}.{day}"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("days", "kept"),
    [
        (30, ["2026-11-02", "2026-11-30"]),  # 2026-11-02 is 29 days before 2026-12-01: the 30th file
        (2, ["2026-11-30"]),
        (1, []),
        (0, []),
    ],
)
def test_rotated_files_older_than_the_retention_period_are_deleted(tmp_path, days, kept):
    handler = logs.RetentionFileHandler(tmp_path / logs.LOG_NAME, days)
    try:
        for day in ("2026-10-01", "2026-11-01", "2026-11-02", "2026-11-30"):
            _day_file(tmp_path, day)
        (tmp_path / "notes.txt").write_text("not ours", encoding="utf-8")
        (tmp_path / f"{logs.LOG_NAME}.backup").write_text("not a day", encoding="utf-8")
        handler.expire(now=datetime(2026, 12, 1, 23, 59, tzinfo=timezone.utc))
    finally:
        handler.close()
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(
        [logs.LOG_NAME, "notes.txt", f"{logs.LOG_NAME}.backup", *(f"{logs.LOG_NAME}.{day}" for day in kept)]
    )


def test_the_log_rotates_at_midnight_even_when_nothing_is_written(tmp_path):
    logger, handler = logs.open_log(tmp_path, 30, echo=False)
    try:
        logs.write(logger, "serve", f"a line about /r/{TOKEN}\n")
        # As if the launcher had started yesterday (UTC): today's midnight has passed, and the next tick
        # (the launcher's minute timer) starts a new file and keeps yesterday's, named by its day.
        midnight = int(time.time()) // 86400 * 86400
        handler.rolloverAt = midnight
        handler.tick()
        logs.write(logger, "nginx", "today")
    finally:
        handler.close()
        logger.handlers.clear()
    day = time.strftime("%Y-%m-%d", time.gmtime(midnight - 86400))
    old = (tmp_path / f"{logs.LOG_NAME}.{day}").read_text(encoding="utf-8")
    assert old.endswith(" serve: a line about /r/(withheld)\n") and TOKEN not in old
    assert (tmp_path / logs.LOG_NAME).read_text(encoding="utf-8").endswith(" nginx: today\n")


def test_a_line_is_time_source_and_text(tmp_path, capsys):
    logger, handler = logs.open_log(tmp_path, 30, echo=True)
    try:
        logs.write(logger, "gunicorn", "[INFO] Booting worker\r\n")
    finally:
        handler.close()
        logger.handlers.clear()
    written = (tmp_path / logs.LOG_NAME).read_text(encoding="utf-8")
    stamp, rest = written.split(" ", 1)
    assert datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%SZ")
    assert rest == "gunicorn: [INFO] Booting worker\n"
    assert capsys.readouterr().err == written
    assert logging.getLogger("pakar.serve").propagate is False


class _Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_flood_of_lines_is_cut_and_counted_per_source():
    clock = _Clock()
    limiter = logs.Limiter(lines=3, seconds=10, clock=clock)
    first_window = [limiter.allow("nginx") for _ in range(5)]
    assert first_window == [(True, 0)] * 3 + [(False, 0)] * 2
    assert limiter.allow("gunicorn") == (True, 0)  # each source its own count
    clock.now = 10.0
    assert limiter.allow("nginx") == (True, 2)  # the next window reports what the last one dropped
    assert limiter.allow("nginx") == (True, 0)
    clock.now = 25.0
    assert limiter.allow("nginx") == (True, 0)  # nothing was dropped in the second window
