"""Reload the KB from disk: the explicit way a KB edited in a checkout reaches every worker.

:func:`reload` loads and checks the KB directory; a KB that does not load, has verifier errors or failing
stored cases is refused and nothing changes. A good one is stored as a published version and made active
(:func:`webui.kbstate.activate`): every worker of every server takes it up within ``KB_POLL_SECONDS``.
``flask --app webui kb reload`` (:mod:`webui.kbcommands`) and the server's SIGHUP run it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

import kb
import rules
from kb.loader import display_path
from webui import kbstate
from webui.errors import KBUnavailableError
from webui.extensions import db

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReloadOutcome:
    """What a reload did. ``ok``: the KB on disk is the active version now (switched, or it already was)."""

    ok: bool
    version: str | None  # the full hash of the KB on disk (None: it does not load)
    previous: str | None  # the full hash active before (None: there was none)
    problems: tuple[str, ...] = ()  # why it was refused: `file:line:col: ...` lines, verifier errors, failures
    check: rules.KBCheck | None = None  # the check of the KB on disk (None: it does not load)
    path: str = ""  # the directory reloaded, as shown to people
    label: str = ""  # the KB's own `version:` text
    switched: bool = False  # False when the KB on disk was already the active version


def reload(app=None, path=None, by: str | None = None) -> ReloadOutcome:
    """Load, check, store and activate the KB at ``path`` (default: the app's ``KB_PATH`` or the bundled
    KB), in ``app``'s context (the current app when None). Never raises for a bad KB or a database that
    does not answer: the outcome says why nothing changed."""
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]  # the app, not its proxy
    root = str(path or kbstate.disk_path(app))
    shown = display_path(Path(root))
    with app.app_context():
        try:
            done = _reload(app, root, shown, by)
        except SQLAlchemyError as exc:
            reason = f"the database does not answer ({type(exc).__name__}): nothing was changed"
            return ReloadOutcome(False, None, None, (reason,), path=shown)
        if done.switched or not done.ok:
            _audit(done, by)
        return done


def _reload(app, root: str, shown: str, by: str | None) -> ReloadOutcome:
    previous = kbstate.active_hash()
    try:
        files, knowledge = kbstate.read_disk(app, root)
    except kb.KBError as exc:
        return ReloadOutcome(False, None, previous, tuple(str(p) for p in exc.problems), path=shown)
    check = rules.check_kb(knowledge)

    def outcome(ok: bool, problems=(), *, switched=False, before=previous) -> ReloadOutcome:
        return ReloadOutcome(
            ok, knowledge.version, before, tuple(problems), check, shown, str(knowledge.label), switched
        )

    if not check.clean:
        return outcome(False, check.errors + check.failures)
    if knowledge.version == previous:
        return outcome(True)
    kbstate.store_version(files, state="published", by=by, note=f"reloaded from {shown}", check=check.summary())
    try:
        switch = kbstate.activate(knowledge.version, by, reason="reload")
    except KBUnavailableError as exc:  # the version went from the database between the two steps
        return outcome(False, [str(exc)])
    return outcome(True, switched=True, before=switch.previous)


def _audit(outcome: ReloadOutcome, by: str | None) -> None:
    """Record the reload in the audit log (``version.reload``: the new version and the one it replaced;
    ``version.reload_refused``: what was refused), when the staff package that keeps it is installed."""
    try:
        from webui.staff import audit
    except ImportError:  # the audit log arrived with issue 10's staff work
        return
    action = "version.reload" if outcome.ok else "version.reload_refused"
    try:
        audit.record(
            by or "cli",
            action,
            version_hash=outcome.version,
            other_hash=outcome.previous,
            path=outcome.path,
            problems=len(outcome.problems),
        )
        db.session.commit()
    except SQLAlchemyError:  # the reload's outcome stands whatever the audit log does; say so
        db.session.rollback()
        log.exception("the reload could not be recorded in the audit log")


__all__ = ["ReloadOutcome", "reload"]
