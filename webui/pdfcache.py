"""Result PDFs made once and served again, and never more than one made at a time on the whole server.

A PDF costs a worker 0.2-0.3 s. Made PDFs are kept as files in the instance folder (``pdfcache/``), shared
by every worker, named by the result's row key and a digest of everything else the PDF depends on (the
caller's ``variant``: language, KB version, address; plus this installation's report code, templates and
catalogue). They hold health data, so none outlives its row: a commit that deleted consultations (the
holder's delete, the retention purge, ``flask purge``) sweeps away the files of rows that are gone, and so
does every new PDF, which also keeps at most ``PDF_CACHE_FILES`` (the least recently used go first).

Making one takes an exclusive lock file in the instance folder (``fcntl.flock``: every worker and thread
of this instance); a request that cannot get it within ``PDF_RENDER_WAIT`` seconds raises :class:`BusyError`
(the view's 503 with ``Retry-After``) instead of keeping every worker waiting in line.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import os
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from blinker import Namespace
from flask import current_app, has_app_context
from sqlalchemy import event, select
from sqlalchemy.orm import Session

import reports
from rules.i18n import TRANSLATIONS_DIR
from webui.errors import WebError
from webui.extensions import db
from webui.models import Consultation

FOLDER = "pdfcache"  # in the instance folder
LOCK_FILE = "pdf-render.lock"  # in the instance folder
SUFFIX = ".pdf"
POLL_SECONDS = 0.05  # how often a waiting request tries the lock again
STALE_TEMP_SECONDS = 600  # a half-written file older than this was left by a killed worker
SWEEP_FLAG = "pakar.pdfcache.sweep"  # in Session.info: this transaction deleted consultations

rendered = Namespace().signal("pdf-rendered")
"""Sent (with the app as sender and ``row_key``) each time a PDF is made, not when one is served again."""


class BusyError(WebError):
    """Another request has been making a PDF for longer than ``PDF_RENDER_WAIT``: try again later."""


def pdf(row_key: str, variant: str, make: Callable[[], bytes]) -> bytes:
    """The PDF of the result stored under ``row_key`` in ``variant``: the kept file, or ``make()`` under
    the server's one PDF lock (then kept). Raises :class:`BusyError` when the lock is not free in time."""
    path = _folder() / f"{row_key}-{_digest(variant)}{SUFFIX}"
    document = _read(path)
    if document is not None:
        return document
    with _render_lock():
        document = _read(path)  # made by another worker while this one waited
        if document is None:
            document = make()
            rendered.send(current_app._get_current_object(), row_key=row_key)  # type: ignore[attr-defined]
            _write(path, document)
    # Also when the row was deleted while its PDF was being made: the new file goes with it here.
    sweep()
    return document


def sweep() -> int:
    """Delete the kept PDFs whose results are gone, and the least recently used beyond ``PDF_CACHE_FILES``;
    return how many files went."""
    folder = _folder()
    now = time.time()
    kept: list[tuple[float, str, Path]] = []
    gone = 0
    for path in folder.iterdir():
        try:
            mtime = path.stat().st_mtime
        except FileNotFoundError:  # swept by another worker just now
            continue
        if path.suffix == SUFFIX:
            kept.append((mtime, path.name.partition("-")[0], path))
        elif now - mtime > STALE_TEMP_SECONDS:
            gone += _unlink(path)
    if not kept:
        return gone
    keys = {key for _mtime, key, _path in kept}
    with db.engine.connect() as connection:
        alive = set(connection.scalars(select(Consultation.key).where(Consultation.key.in_(keys))))
    kept.sort(reverse=True)  # the most recently used first
    limit = int(current_app.config["PDF_CACHE_FILES"])
    living = [path for _mtime, key, path in kept if key in alive]
    for path in [path for _mtime, key, path in kept if key not in alive] + living[limit:]:
        gone += _unlink(path)
    return gone


def _folder() -> Path:
    folder = Path(current_app.instance_path) / FOLDER
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


@functools.cache
def _installation() -> str:
    """A digest of the code, templates and catalogues a PDF is made with: an upgrade makes new PDFs."""
    digest = hashlib.sha256()
    for root in (Path(reports.__file__).parent, TRANSLATIONS_DIR):
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix in {".py", ".html", ".css", ".mo", ".svg", ".woff2", ".ttf"}:
                digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _digest(variant: str) -> str:
    return hashlib.sha256(f"{_installation()}\0{variant}".encode()).hexdigest()[:32]


def _read(path: Path) -> bytes | None:
    try:
        document = path.read_bytes()
    except FileNotFoundError:
        return None
    with contextlib.suppress(FileNotFoundError):  # swept meanwhile: the bytes read are still whole
        os.utime(path)  # used now: the last to be dropped when the cache is full
    return document


def _write(path: Path, document: bytes) -> None:
    """Write whole or not at all: a reader never sees half a PDF."""
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".part-")  # created 0600
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(document)
        os.replace(temp, path)
    except BaseException:
        _unlink(Path(temp))
        raise


def _unlink(path: Path) -> int:
    try:
        path.unlink()
    except FileNotFoundError:
        return 0
    return 1


@contextmanager
def _render_lock() -> Iterator[None]:
    """Hold the instance's PDF lock, waiting at most ``PDF_RENDER_WAIT`` seconds for it."""
    path = os.path.join(current_app.instance_path, LOCK_FILE)
    deadline = time.monotonic() + float(current_app.config["PDF_RENDER_WAIT"])
    with open(path, "a", encoding="ascii") as fh:
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise BusyError("another PDF is being made") from None
                time.sleep(POLL_SECONDS)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


# --- rows deleted: their PDFs go at the commit --------------------------------------------------------


@event.listens_for(Session, "do_orm_execute")
def _note_deleted_consultations(state) -> None:
    if state.is_delete and any(mapper.class_ is Consultation for mapper in state.all_mappers):
        state.session.info[SWEEP_FLAG] = True


@event.listens_for(Session, "after_commit")
def _sweep_after_commit(session) -> None:
    if session.info.pop(SWEEP_FLAG, False) and has_app_context():
        try:
            sweep()
        except Exception:  # the delete itself succeeded; the next PDF made sweeps again
            current_app.logger.warning("PDF cache sweep after a delete failed")


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session) -> None:
    session.info.pop(SWEEP_FLAG, None)
