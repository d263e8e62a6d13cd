"""Which KB this process serves: the version the database names as active, the same in every worker.

The database holds the KB as versions (:class:`webui.models.KBVersion`, each one's whole set of YAML files)
and one pointer to the active one (:class:`webui.models.ActiveKB`, whose ``serial`` grows at every switch).
Each process keeps a :class:`Registry`: it re-reads the pointer at most every ``KB_POLL_SECONDS`` and, when
the pointer moved, loads that version's files. Whatever goes wrong on the way (the database does not answer,
a version does not load), the process keeps serving the version it has and logs one line.

On a database that names no active version yet, :func:`Registry.bootstrap` stores the KB on disk
(``KB_PATH``, or the bundled one) as the first published version and makes it active.

Loading a KB is the costly part, so parsed KBs are shared by every app of the process, keyed by the SHA-256
of their files' texts (test apps, and a switch back to a version seen before, parse nothing again), and
each registry keeps the versions it served or showed in a small LRU keyed by the full content hash.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from flask import current_app
from sqlalchemy import func, inspect, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session

import kb
from kb.loader import display_path
from kb.model import KnowledgeBase
from webui import store
from webui.errors import KBUnavailableError
from webui.extensions import db
from webui.models import ActiveKB, KBVersion

log = logging.getLogger(__name__)

EXT_KEY = "pakar.kbstate"
SERVED_KEY = "pakar.kb"  # app.extensions[SERVED_KEY]: the KB this process serves now (/healthz reads it)
ACTIVE_ROW = 1  # the id of ActiveKB's only row
STATES = ("draft", "approved", "published", "retired")
PARSED_MAX = 16  # parsed KBs kept by the process (all apps together)
HEX = re.compile(r"[0-9a-f]{6,64}")  # a full content hash, or a prefix of one (results store 12 digits)


@dataclass(frozen=True)
class Switch:
    """One change of the active version, as the observers in :data:`on_switch` are told of it."""

    previous: str | None  # the full hash active before (None: there was none)
    current: str  # the full hash active now
    serial: int  # ActiveKB.serial after the switch
    by: str | None  # who switched: a staff user's name; None for the system or the CLI
    reason: str  # "bootstrap" (the KB on disk at first start) or what the caller said ("reload", "publish"...)


on_switch: list[Callable[[Switch], None]] = []
"""Observers of every switch this process makes (called in an app context, after the commit): the audit
log appends its function here (``kbstate.on_switch.append(record_switch)``), so no module needs to edit
this one. An observer that raises is logged; the switch stays done."""


# --- parsed KBs, shared by the process -------------------------------------------------------------------

_parsed: OrderedDict[str, KnowledgeBase] = OrderedDict()
_parsed_lock = threading.Lock()


def files_digest(files: Mapping[str, str]) -> str:
    """SHA-256 of a KB's files (names and texts): the key of a parsed KB."""
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode("utf-8") + b"\0" + files[name].encode("utf-8") + b"\0")
    return digest.hexdigest()


def parse(files: Mapping[str, str]) -> KnowledgeBase:
    """``kb.load_files(files)``, once per process for the same texts. Raises :class:`kb.KBError` (never
    cached: a broken KB is reported in full each time)."""
    key = files_digest(files)
    with _parsed_lock:
        if key in _parsed:
            _parsed.move_to_end(key)
            return _parsed[key]
    knowledge = kb.load_files(files)  # outside the lock: other threads serve meanwhile
    with _parsed_lock:
        _parsed[key] = knowledge
        while len(_parsed) > PARSED_MAX:
            _parsed.popitem(last=False)
    return knowledge


def disk_path(app) -> str:
    """The KB directory on disk this app was configured with (``KB_PATH``), or the bundled one."""
    return str(app.config.get("KB_PATH") or kb.bundled_path())


def read_disk(app, path=None) -> tuple[dict[str, str], KnowledgeBase]:
    """The KB on disk (``path``, else the app's): its files and the parsed KB. Raises :class:`kb.KBError` with
    the problems named as the directory's files (``kb/covid19/rules.yaml:12:5``)."""
    root = path or disk_path(app)
    files = kb.read_files(root)
    try:
        return files, parse(files)
    except kb.KBError:
        # Served KBs are parsed without an origin (a version's traces must not depend on where its files
        # came from); the problems of a broken directory name its files as the engineer knows them.
        kb.load_files(files, display_path(Path(root)))
        raise


def _now() -> datetime:
    return datetime.now(timezone.utc)


# --- the registry ------------------------------------------------------------------------------------------


class Registry:
    """The KB versions one app serves and shows (one per app, in ``app.extensions[EXT_KEY]``). Thread-safe."""

    def __init__(self, app):
        self.app = app
        self.poll = float(app.config.get("KB_POLL_SECONDS", 0))
        self.keep = max(1, int(app.config.get("KB_CACHE_VERSIONS", 8)))
        self._lock = threading.Lock()  # guards the fields below; never held while loading a KB
        self._refreshing = threading.Lock()  # one thread of the process reads the pointer at a time
        self._current: KnowledgeBase | None = None
        self._serial: int | None = None  # the ActiveKB serial _current came from; None: not from the database
        self._checked = float("-inf")  # time.monotonic() of the last look at the pointer
        self._versions: OrderedDict[str, KnowledgeBase] = OrderedDict()  # LRU by full hash
        self._trouble: str | None = None  # the failure last logged (one line per new failure, not per poll)

    # -- serving ---------------------------------------------------------------------------------------------

    def active(self) -> KnowledgeBase:
        """The active version's KB: re-reads the pointer when ``KB_POLL_SECONDS`` have passed. Raises
        :class:`KBUnavailableError` only when this process has never had a KB to serve."""
        with self._lock:
            current = self._current
            due = time.monotonic() - self._checked >= self.poll
        if current is not None and not due:
            return current
        # One thread looks; the others go on with what there is (or wait for it when there is nothing yet).
        if self._refreshing.acquire(blocking=current is None):
            try:
                self.refresh()
            finally:
                self._refreshing.release()
        with self._lock:
            if self._current is None:
                raise KBUnavailableError(self._trouble or "no knowledge base version can be served")
            return self._current

    def refresh(self) -> None:
        """Look at the pointer now and take up the version it names (bootstrapping an empty database)."""
        with self._lock:
            self._checked = time.monotonic()
        try:
            pointer = self._pointer()
            if pointer is None:
                self.bootstrap()
                pointer = self._pointer()
        except SQLAlchemyError as exc:
            self._trouble_once(f"the database does not answer ({type(exc).__name__}); serving the KB in memory")
            return
        except kb.KBError as exc:
            self._trouble_once(f"no active KB version, and the KB on disk does not load: {len(exc.problems)} problems")
            return
        if pointer is None:  # pragma: no cover - bootstrap made one, or raised
            return
        version_hash, serial = pointer
        with self._lock:
            if self._current is not None and self._current.version == version_hash and self._serial == serial:
                self._trouble = None
                return
        knowledge = self.version(version_hash)
        if knowledge is None:
            self._trouble_once(f"the active KB version {version_hash[:12]} does not load; serving the one in memory")
            return
        self._serve(knowledge, serial)

    def _serve(self, knowledge: KnowledgeBase, serial: int | None) -> None:
        with self._lock:
            before = self._current
            self._current, self._serial, self._trouble = knowledge, serial, None
        # What /healthz and older callers read: the KB this process serves.
        self.app.extensions[SERVED_KEY] = knowledge
        if before is not None and before.version != knowledge.version:
            log.info("KB version %s -> %s (serial %s)", before.short_version, knowledge.short_version, serial)

    def _trouble_once(self, message: str) -> None:
        with self._lock:
            new = message != self._trouble
            self._trouble = message
        if new:
            log.warning("KB: %s", message)

    def _pointer(self) -> tuple[str, int] | None:
        """(version hash, serial) of the active row, or None when there is none yet."""
        with db.engine.connect() as conn:
            row = conn.execute(select(ActiveKB.version_hash, ActiveKB.serial).where(ActiveKB.id == ACTIVE_ROW)).first()
        return None if row is None else (row[0], row[1])

    # -- versions ----------------------------------------------------------------------------------------------

    def version(self, ref: str) -> KnowledgeBase | None:
        """The KB of a stored version, by its full hash or a prefix of it (results store 12 digits); None
        when no stored version has it, when several do, when it does not load or the database fails."""
        ref = (ref or "").lower()
        if not HEX.fullmatch(ref):
            return None
        with self._lock:
            for full, knowledge in self._versions.items():
                if full.startswith(ref):
                    self._versions.move_to_end(full)
                    return knowledge
        try:
            with db.engine.connect() as conn:
                rows = conn.execute(
                    select(KBVersion.hash, KBVersion.files).where(KBVersion.hash.startswith(ref)).limit(2)
                ).all()
        except SQLAlchemyError as exc:
            self._trouble_once(f"the database does not answer ({type(exc).__name__})")
            return None
        if len(rows) != 1:
            return None
        full, files = rows[0]
        try:
            knowledge = parse(files)
        except kb.KBError as exc:
            log.error("KB version %s does not load (%d problems)", full[:12], len(exc.problems))
            return None
        if knowledge.version != full:  # files edited in the database behind the app's back
            log.error("KB version %s: its files hash to %s", full[:12], knowledge.short_version)
            return None
        self._remember(knowledge)
        return knowledge

    def _remember(self, knowledge: KnowledgeBase) -> None:
        with self._lock:
            self._versions[knowledge.version] = knowledge
            self._versions.move_to_end(knowledge.version)
            while len(self._versions) > self.keep:
                self._versions.popitem(last=False)

    # -- changing the active version -------------------------------------------------------------------------

    def activate(self, version_hash: str, by: str | None = None, reason: str = "activate") -> Switch:
        """Make a stored version the active one, for every worker of every server (they take it up within
        ``KB_POLL_SECONDS``); this process at once. The version becomes 'published' (``published_at`` set
        the first time). Raises :class:`KBUnavailableError` when no stored version has that full hash or it does
        not load (nothing changes then)."""
        knowledge = self.version(version_hash) if len(version_hash) == 64 else None
        if knowledge is None:
            raise KBUnavailableError(f"no stored KB version {version_hash[:12]} that loads")
        now = _now()
        with Session(db.engine) as session, session.begin():
            # Lock the pointer first (a no-op write: the row lock on PostgreSQL, the write lock on SQLite), so
            # that `previous` is the version this switch replaces, even when two switches race.
            session.execute(update(ActiveKB).where(ActiveKB.id == ACTIVE_ROW).values(serial=ActiveKB.serial))
            row = session.get(ActiveKB, ACTIVE_ROW)
            previous = None if row is None else row.version_hash
            if row is None:
                row = ActiveKB(id=ACTIVE_ROW, version_hash=version_hash, serial=1, switched_at=now, switched_by=by)
                session.add(row)
            else:
                row.version_hash, row.serial = version_hash, row.serial + 1
                row.switched_at, row.switched_by = now, by
            session.execute(
                update(KBVersion)
                .where(KBVersion.hash == version_hash)
                .values(state="published", published_at=func.coalesce(KBVersion.published_at, now), updated_at=now)
            )
            session.flush()
            serial = row.serial
        with self._lock:
            self._checked = time.monotonic()
        self._serve(knowledge, serial)
        switch = Switch(previous, version_hash, serial, by, reason)
        _tell(switch)
        return switch

    def bootstrap(self) -> None:
        """When the database names no active version: the KB on disk becomes the first one (published,
        active). Under the instance's migration lock, so that workers starting together store it once; a
        server of another instance doing the same at once loses on the unique keys and finds the winner's.
        Raises :class:`kb.KBError` when the KB on disk does not load."""
        with store._migration_lock(self.app):
            if self._pointer() is not None:
                return
            files, knowledge = read_disk(self.app)
            now = _now()
            try:
                with Session(db.engine) as session, session.begin():
                    _store(session, files, knowledge, state="published", by=None, note="the KB on disk at first start")
                    session.add(
                        ActiveKB(
                            id=ACTIVE_ROW, version_hash=knowledge.version, serial=1, switched_at=now, switched_by=None
                        )
                    )
            except IntegrityError:
                return  # another server bootstrapped first
        self._remember(knowledge)
        log.info("KB version %s (%s) stored and active (first start)", knowledge.short_version, knowledge.label)
        _tell(Switch(None, knowledge.version, 1, None, "bootstrap"))

    def start(self) -> None:
        """At app creation: serve the active version (bootstrapping an empty database). Where the tables do
        not exist yet (AUTO_MIGRATE off, before ``flask db upgrade``) or the database does not answer, the KB
        on disk is served until the pointer can be read. Raises :class:`KBUnavailableError` with the problems when
        nothing can be served."""
        try:
            ready = inspect(db.engine).has_table(ActiveKB.__tablename__)
        except SQLAlchemyError as exc:
            self._trouble_once(f"the database does not answer ({type(exc).__name__}); serving the KB on disk")
            ready = False
        if ready:
            try:
                if self._pointer() is None:
                    self.bootstrap()
            except kb.KBError as exc:
                raise KBUnavailableError("the knowledge base does not load:\n" + str(exc)) from exc
            except SQLAlchemyError as exc:  # gone between the two looks: as above, the disk KB until it answers
                self._trouble_once(f"the database does not answer ({type(exc).__name__}); serving the KB on disk")
            self.refresh()
            with self._lock:
                if self._current is not None:
                    return
        try:
            _files, knowledge = read_disk(self.app)
        except kb.KBError as exc:
            raise KBUnavailableError("the knowledge base does not load:\n" + str(exc)) from exc
        with self._lock:
            self._checked = time.monotonic()
        self._serve(knowledge, None)


def _store(session: Session, files: Mapping[str, str], knowledge: KnowledgeBase, *, state, by, note) -> KBVersion:
    """The stored version of ``knowledge`` (added when new; an existing one keeps its history)."""
    row = session.scalar(select(KBVersion).where(KBVersion.hash == knowledge.version))
    if row is not None:
        return row
    now = _now()
    row = KBVersion(
        hash=knowledge.version,
        label=str(knowledge.label),
        files=dict(sorted(files.items())),
        state=state,
        note=note,
        created_by=by,
        created_at=now,
        updated_at=now,
        published_at=now if state == "published" else None,
        check=None,
    )
    session.add(row)
    session.flush()
    return row


def store_version(
    files: Mapping[str, str],
    *,
    state: str = "draft",
    by: str | None = None,
    note: str = "",
    check: dict | None = None,
) -> KnowledgeBase:
    """Store a KB given as its files as a version (when no version has its content hash yet) and return it
    parsed. ``check``: the summary of :func:`rules.check_kb` to keep with it. Raises :class:`kb.KBError`
    when the files do not load (nothing is stored)."""
    if state not in STATES:
        raise ValueError(f"unknown KB version state {state!r}")
    knowledge = parse(files)
    with Session(db.engine) as session, session.begin():
        row = _store(session, files, knowledge, state=state, by=by, note=note)
        if check is not None:
            row.check, row.updated_at = check, _now()
    registry()._remember(knowledge)
    return knowledge


def _tell(switch: Switch) -> None:
    for observer in list(on_switch):
        try:
            observer(switch)
        except Exception:  # the switch is committed: an observer's failure must not undo or hide it
            log.exception("KB switch observer %r failed", observer)


# --- the app's registry -------------------------------------------------------------------------------------


def init_app(app) -> Registry:
    """Give ``app`` its registry (the KB is taken up by :meth:`Registry.start`)."""
    made = Registry(app)
    app.extensions[EXT_KEY] = made
    return made


def registry() -> Registry:
    """The current app's registry."""
    return current_app.extensions[EXT_KEY]


def active() -> KnowledgeBase:
    """The KB the current app serves now (see :meth:`Registry.active`)."""
    return registry().active()


def version(ref: str) -> KnowledgeBase | None:
    """A stored version's KB by full hash or prefix (see :meth:`Registry.version`)."""
    return registry().version(ref)


def activate(version_hash: str, by: str | None = None, reason: str = "activate") -> Switch:
    """Make a stored version active (see :meth:`Registry.activate`)."""
    return registry().activate(version_hash, by, reason)


def active_hash() -> str | None:
    """The full hash the database names as active now (None: none yet). Raises SQLAlchemyError."""
    pointer = registry()._pointer()
    return None if pointer is None else pointer[0]


__all__ = [
    "Registry",
    "Switch",
    "activate",
    "active",
    "active_hash",
    "files_digest",
    "init_app",
    "on_switch",
    "parse",
    "read_disk",
    "registry",
    "store_version",
    "version",
]
