"""The KB's life in the database: drafts, checks, review, publishing, rollback, retirement, import and export.

One service for the staff pages, the staff API and the CLI (they parse, call this, and show what it returns
or the :class:`~webui.errors.WorkflowError` it raises, whose ``code`` names a message of
:mod:`rules.messages`). Every step is recorded in the audit log (:func:`webui.staff.audit.record`) in the
same transaction as the change it records; publishing switches the active pointer first
(:func:`webui.kbstate.activate`, its own transaction) and records the switch right after.

Versions are keyed by their content hash, so a draft's every save is a new version: the draft saved over
is retired (superseded), and the new one remembers it in the audit log (``version.edit``, ``other_hash`` =
the draft it was saved over). Who edited a draft is everyone who created or saved any draft of that chain:
none of them may approve it.

States: ``draft`` -> (approve) ``approved`` -> (publish) ``published`` (active; stays published when
another version becomes active, and can be made active again: a rollback, by an admin) ; any version that
is not active -> (retire) ``retired``.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from fractions import Fraction
from pathlib import PurePosixPath
from typing import Any

from sqlalchemy import select

import kb
import rules
from kb import diff as kbdiff
from kb.loader import FILE_NAME
from kb.model import KnowledgeBase
from rules.impact import ImpactReport
from webui import kbimpact, kbstate
from webui.errors import KBRejectedError, StateConflictError, StepForbiddenError, VersionNotFoundError
from webui.extensions import db
from webui.models import KBVersion
from webui.staff import audit
from webui.staff.roles import ADMIN, ENGINEER, EXPERT

DRAFT, APPROVED, PUBLISHED, RETIRED = kbstate.STATES

NOTE_MAX = 2000
"""Characters of a version's note."""

# An uploaded zip: how much of it is read at most (a KB is some hundred kilobytes of YAML).
ZIP_MAX_FILES = 64
ZIP_MAX_FILE_BYTES = 2 * 1024 * 1024
ZIP_MAX_TOTAL_BYTES = 8 * 1024 * 1024

Actor = Any
"""Who acts: a staff user (``name``, ``roles``; :class:`webui.staff.accounts.StaffUser`), or a string for the
system or the CLI (``'cli'``), which holds every role."""


@dataclass(frozen=True)
class VersionInfo:
    """A stored version as pages and the API show it (no files)."""

    hash: str
    label: str
    state: str
    note: str
    created_by: str | None
    created_at: datetime
    updated_at: datetime
    approved_by: str | None
    approved_at: datetime | None
    published_at: datetime | None
    check: Mapping[str, Any] | None
    active: bool

    @property
    def short(self) -> str:
        return self.hash[:12]

    def to_json(self) -> dict[str, Any]:
        """The version as the staff API lists it (times in UTC, ISO 8601)."""
        return {
            "version": self.hash,
            "short": self.short,
            "label": self.label,
            "state": self.state,
            "active": self.active,
            "note": self.note,
            "author": self.created_by,
            "created": _iso(self.created_at),
            "updated": _iso(self.updated_at),
            "approved_by": self.approved_by,
            "approved": _iso(self.approved_at),
            "published": _iso(self.published_at),
            "check": dict(self.check) if self.check is not None else None,
        }


@dataclass(frozen=True)
class Saved:
    """What creating or saving a draft gave: the version (``created`` False when a version with this content
    was stored before: nothing new was stored) and the check of its content."""

    version: VersionInfo
    created: bool
    check: rules.KBCheck


@dataclass(frozen=True)
class Published:
    """What publishing did: the version now active, the one it replaced, and whether it was a rollback
    (``switched`` False when it was already active: nothing changed)."""

    version: VersionInfo
    previous: str | None
    rollback: bool
    switched: bool


@dataclass(frozen=True)
class VersionDiff:
    """Two versions compared: item by item and as text (``old`` is the one compared against)."""

    old: VersionInfo
    new: VersionInfo
    items: kbdiff.KBDiff
    files: tuple[kbdiff.FileDiff, ...]


# --- reading --------------------------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)
    return value.isoformat().replace("+00:00", "Z")


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _info(row: KBVersion, active: str | None) -> VersionInfo:
    created = _utc(row.created_at)
    updated = _utc(row.updated_at)
    assert created is not None and updated is not None, "both are set when a version is stored"
    return VersionInfo(
        hash=row.hash,
        label=row.label,
        state=row.state,
        note=row.note or "",
        created_by=row.created_by,
        created_at=created,
        updated_at=updated,
        approved_by=row.approved_by,
        approved_at=_utc(row.approved_at),
        published_at=_utc(row.published_at),
        check=row.check,
        active=row.hash == active,
    )


def versions(state: str | None = None) -> list[VersionInfo]:
    """Every stored version (or those in ``state``), newest first."""
    query = select(KBVersion).order_by(KBVersion.created_at.desc(), KBVersion.id.desc())
    if state is not None:
        query = query.where(KBVersion.state == state)
    active = kbstate.active_hash()
    return [_info(row, active) for row in db.session.scalars(query)]


def _row(ref: str) -> KBVersion:
    """The stored version with full hash ``ref`` or the one version whose hash starts with it."""
    ref = (ref or "").strip().lower()
    if not kbstate.HEX.fullmatch(ref):
        raise VersionNotFoundError("version_not_found", value=ref[:80])
    rows = list(db.session.scalars(select(KBVersion).where(KBVersion.hash.startswith(ref)).limit(2)))
    if len(rows) != 1:
        raise VersionNotFoundError("version_not_found", value=ref)
    return rows[0]


def get(ref: str) -> VersionInfo:
    """One version by its full hash or a prefix of it (at least 6 hex digits); raises VersionNotFoundError."""
    return _info(_row(ref), kbstate.active_hash())


def files(ref: str) -> dict[str, str]:
    """A version's YAML files, ``{name: text}`` in name order."""
    return dict(sorted(_row(ref).files.items()))


def knowledge(ref: str) -> KnowledgeBase:
    """A version's loaded KB (parsed once per process)."""
    row = _row(ref)
    try:
        return kbstate.parse(row.files)
    except kb.KBError as exc:  # stored versions loaded when they were stored; a newer loader may disagree
        raise KBRejectedError("kb_rejected", problems=tuple(str(p) for p in exc.problems)) from exc


# --- who may do what ------------------------------------------------------------------------------------------


def _name(actor: Actor) -> str:
    return str(getattr(actor, "name", actor))


def _roles(actor: Actor) -> tuple[str, ...]:
    roles = getattr(actor, "roles", None)
    return (ADMIN, ENGINEER, EXPERT) if roles is None else tuple(roles)


def editors(ref: str) -> set[str]:
    """Everyone who created or saved this draft or a draft it was saved over (see the module's text)."""
    found: set[str] = set()
    seen: set[str] = set()
    row: KBVersion | None = _row(ref)
    while row is not None and row.hash not in seen:
        seen.add(row.hash)
        if row.created_by:
            found.add(row.created_by)
        found |= audit.editors(row.hash)
        parent = _edited_from(row.hash)
        row = db.session.scalar(select(KBVersion).where(KBVersion.hash == parent)) if parent else None
    return found


def _edited_from(version_hash: str) -> str | None:
    """The draft this version was saved over (its ``version.edit`` event's other hash), if any."""
    events = [e for e in audit.for_version(version_hash) if e.action == "version.edit" and e.other_hash]
    return events[0].other_hash if events else None


def may_approve(actor: Actor, ref: str) -> bool:
    """Whether ``actor`` may approve the version: an expert who did not edit it."""
    return EXPERT in _roles(actor) and _name(actor) not in editors(ref)


# --- drafts ---------------------------------------------------------------------------------------------------


def _note(note: str | None) -> str:
    if note is None:
        return ""
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise KBRejectedError("bad_note", max=NOTE_MAX)
    return note.strip()


def _load(new_files: Mapping[str, str]) -> KnowledgeBase:
    """The files' KB, or KBRejectedError with every ``file:line`` problem (nothing is stored)."""
    try:
        return kbstate.parse(dict(new_files))
    except kb.KBError as exc:
        raise KBRejectedError("kb_rejected", problems=tuple(str(p) for p in exc.problems)) from exc


def _store(new_files: Mapping[str, str], actor: Actor, note: str, *, action: str, base: str | None, **detail) -> Saved:
    """Load and check ``new_files`` and store them as a draft (unless a version with this content exists)."""
    note = _note(note)
    knowledge = _load(new_files)
    check = rules.check_kb(knowledge)
    existing = db.session.scalar(select(KBVersion).where(KBVersion.hash == knowledge.version))
    if existing is not None:
        return Saved(_info(existing, kbstate.active_hash()), False, check)
    now = datetime.now(timezone.utc)
    row = KBVersion(
        hash=knowledge.version,
        label=str(knowledge.label)[:80],
        files=dict(sorted(new_files.items())),
        state=DRAFT,
        note=note,
        created_by=_name(actor),
        created_at=now,
        updated_at=now,
        approved_by=None,
        approved_at=None,
        published_at=None,
        check=check.summary(),
    )
    db.session.add(row)
    audit.record(actor, action, knowledge.version, base, **detail, **_counts(check))
    _commit()
    return Saved(_info(row, kbstate.active_hash()), True, check)


def _counts(check: rules.KBCheck) -> dict[str, Any]:
    """A check in numbers, as the audit log keeps it."""
    return {
        "errors": len(check.errors),
        "warnings": len(check.warnings),
        "passed": check.passed,
        "failed": check.failed,
    }


def _commit() -> None:
    try:
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise


def create_draft(new_files: Mapping[str, str], actor: Actor, note: str = "", *, base: str | None = None) -> Saved:
    """A new draft from a whole KB's files (the editor, the API); ``base``: the version it started from.
    Raises :class:`KBRejectedError` with the problems when the files do not load (nothing is stored)."""
    return _store(new_files, actor, note, action="version.create", base=base, files=len(new_files))


def draft_from(ref: str, changes: Mapping[str, str | None], actor: Actor, note: str = "") -> Saved:
    """A new draft: version ``ref``'s files with ``changes`` (``{name: text}``; None drops a file)."""
    base = _row(ref)
    merged = _merge(base.files, changes)
    return _store(merged, actor, note, action="version.create", base=base.hash, files=len(merged))


def save_draft(ref: str, changes: Mapping[str, str | None], actor: Actor, note: str | None = None) -> Saved:
    """Save edits to draft ``ref``: its files with ``changes``. The result is a new draft (content hash) that
    remembers the one saved over, which is retired; the check runs on every save."""
    row = _row(ref)
    if row.state != DRAFT:
        raise StateConflictError("not_draft", version=row.hash[:12], state=row.state)
    merged = _merge(row.files, changes)
    saved = _store(merged, actor, row.note if note is None else note, action="version.edit", base=row.hash)
    if saved.created:
        row.state, row.updated_at = RETIRED, datetime.now(timezone.utc)
        audit.record(actor, "version.retire", row.hash, saved.version.hash, reason="superseded")
        _commit()
    return saved


def _merge(base: Mapping[str, str], changes: Mapping[str, str | None]) -> dict[str, str]:
    merged = dict(base)
    for name, text in changes.items():
        if text is None:
            merged.pop(name, None)
        else:
            merged[name] = text
    return merged


def import_files(new_files: Mapping[str, str], actor: Actor, note: str = "") -> Saved:
    """A KB given as files (an upload of several YAML files, the API) imported as a draft."""
    return _store(new_files, actor, note, action="version.import", base=None, files=len(new_files))


def import_zip(data: bytes, actor: Actor, note: str = "") -> Saved:
    """A zip of a KB's YAML files (as :func:`export_zip` writes it, or a folder of them zipped) imported as a
    draft. Raises :class:`KBRejectedError` for a zip that is not a KB's (nothing is stored)."""
    return import_files(read_zip(data), actor, note)


def read_zip(data: bytes) -> dict[str, str]:
    """The ``*.yaml`` files of a zip, ``{name: text}``: at its top or in one folder; anything else (another
    folder, a name outside the zip, too many or too large files, not UTF-8) rejects the whole zip."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, ValueError) as exc:
        raise KBRejectedError("bad_zip", reason="not a zip file") from exc
    if not entries or len(entries) > ZIP_MAX_FILES:
        raise KBRejectedError("bad_zip", reason=f"a KB zip holds 1 to {ZIP_MAX_FILES} files")
    if sum(i.file_size for i in entries) > ZIP_MAX_TOTAL_BYTES or any(
        i.file_size > ZIP_MAX_FILE_BYTES for i in entries
    ):
        raise KBRejectedError("bad_zip", reason="the files are too large for a KB")
    folders = {PurePosixPath(i.filename).parent for i in entries}
    if len(folders) != 1 or len(PurePosixPath(*folders).parts) > 1 or ".." in PurePosixPath(*folders).parts:
        raise KBRejectedError("bad_zip", reason="the YAML files must be at the top of the zip or in one folder")
    out: dict[str, str] = {}
    for info in entries:
        name = PurePosixPath(info.filename).name
        if not FILE_NAME.fullmatch(name):
            raise KBRejectedError("bad_zip", reason=f"{info.filename}: not a KB file name (<name>.yaml)")
        try:
            with archive.open(info) as fh:
                raw = fh.read(ZIP_MAX_FILE_BYTES + 1)
            out[name] = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise KBRejectedError("bad_zip", reason=f"{name}: not UTF-8 text") from exc
        # A damaged member (BadZipFile, a bad CRC as OSError), an encrypted one (RuntimeError) or an unknown
        # compression method (NotImplementedError): the upload is refused whole, like a KB that does not load.
        except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as exc:
            raise KBRejectedError("bad_zip", reason=f"{name}: cannot be read") from exc
    return out


def export_zip(ref: str) -> bytes:
    """A version's files as a zip in the format of ``kb/`` (the YAML files at its top), byte for byte the
    same for the same version (fixed times), so engineers can keep the KB in git."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in files(ref).items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, text.encode("utf-8"))
    return buffer.getvalue()


# --- check, review, publish ------------------------------------------------------------------------------------


def check(ref: str, actor: Actor) -> rules.KBCheck:
    """Run the verifier and the stored cases on a version; keep the summary with it (audited)."""
    row = _row(ref)
    result = rules.check_kb(knowledge(row.hash))
    row.check, row.updated_at = result.summary(), datetime.now(timezone.utc)
    audit.record(actor, "version.check", row.hash, **_counts(result))
    _commit()
    return result


def approve(ref: str, actor: Actor) -> VersionInfo:
    """An expert approves a draft. :class:`StepForbiddenError`: not an expert, or an editor of this draft;
    :class:`StateConflictError`: not a draft, or one with verifier errors or failing cases (the check runs
    again on its content)."""
    row = _row(ref)
    if EXPERT not in _roles(actor):
        raise StepForbiddenError("not_expert")
    if row.state != DRAFT:
        raise StateConflictError("not_draft", version=row.hash[:12], state=row.state)
    if _name(actor) in editors(row.hash):
        raise StepForbiddenError("own_draft", version=row.hash[:12])
    result = rules.check_kb(knowledge(row.hash))
    now = datetime.now(timezone.utc)
    row.check, row.updated_at = result.summary(), now
    if not result.clean:
        audit.record(actor, "version.approve_refused", row.hash, **_counts(result))
        _commit()
        raise StateConflictError("not_clean", version=row.hash[:12], errors=len(result.errors), failed=result.failed)
    row.state, row.approved_by, row.approved_at = APPROVED, _name(actor), now
    audit.record(actor, "version.approve", row.hash, **_counts(result))
    _commit()
    return _info(row, kbstate.active_hash())


def publish(ref: str, actor: Actor) -> Published:
    """Make a version active for every worker: an approved one (engineer or admin), or an earlier published
    one again (a rollback: admin only, no new approval). StateConflictError for a draft or a retired version."""
    row = _row(ref)
    roles = _roles(actor)
    if not (ENGINEER in roles or ADMIN in roles):
        raise StepForbiddenError("not_publisher")
    previous = kbstate.active_hash()
    if row.hash == previous:
        return Published(_info(row, previous), previous, False, False)
    if row.state == PUBLISHED:
        if ADMIN not in roles:
            raise StepForbiddenError("rollback_admin", version=row.hash[:12])
        rollback = True
    elif row.state == APPROVED:
        rollback = False
    else:
        raise StateConflictError("not_approved", version=row.hash[:12], state=row.state)
    version_hash = row.hash
    db.session.rollback()  # end this session's read transaction: activate() writes in its own
    switch = kbstate.activate(version_hash, _name(actor), reason="rollback" if rollback else "publish")
    audit.record(actor, "version.rollback" if rollback else "version.publish", version_hash, switch.previous)
    _commit()
    row = _row(version_hash)
    return Published(_info(row, version_hash), switch.previous, rollback, True)


def retire(ref: str, actor: Actor, reason: str = "") -> VersionInfo:
    """Withdraw a version that is not active (engineer or admin): it can no longer be approved or
    published; its files stay, for the results it answered and the audit log."""
    row = _row(ref)
    roles = _roles(actor)
    if not (ENGINEER in roles or ADMIN in roles):
        raise StepForbiddenError("not_publisher")
    if row.hash == kbstate.active_hash():
        raise StateConflictError("active_version", version=row.hash[:12])
    if row.state == RETIRED:
        return _info(row, kbstate.active_hash())
    row.state, row.updated_at = RETIRED, datetime.now(timezone.utc)
    audit.record(actor, "version.retire", row.hash, reason=_note(reason)[:200])
    _commit()
    return _info(row, kbstate.active_hash())


# --- comparing ------------------------------------------------------------------------------------------------


def against_ref(against: str | None) -> str:
    """The version to compare with: ``against``, or the active one."""
    if against:
        return against
    active = kbstate.active_hash()
    if active is None:
        raise VersionNotFoundError("version_not_found", value="active")
    return active


def compare(ref: str, against: str | None = None) -> VersionDiff:
    """Version ``ref`` against ``against`` (default: the active version): item by item and as text."""
    new_row, old_row = _row(ref), _row(against_ref(against))
    old_kb, new_kb = knowledge(old_row.hash), knowledge(new_row.hash)
    active = kbstate.active_hash()
    return VersionDiff(
        old=_info(old_row, active),
        new=_info(new_row, active),
        items=kbdiff.diff(old_kb, new_kb),
        files=kbdiff.text_diff(old_row.files, new_row.files, old_label=old_row.hash[:12], new_label=new_row.hash[:12]),
    )


def impact(
    ref: str,
    against: str | None = None,
    *,
    threshold: Fraction | None = None,
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    budget_s: float | None = None,
) -> ImpactReport:
    """Replay every stored consultation within retention under version ``ref`` and ``against`` (default: the
    active version); see :mod:`rules.impact` and :mod:`webui.kbimpact`. ``budget_s``: seconds it may take,
    counted from now (None: no limit); past them, :class:`rules.errors.ImpactTooLongError`."""
    deadline = None if budget_s is None else time.monotonic() + budget_s
    new_kb, old_kb = knowledge(ref), knowledge(against_ref(against))
    return kbimpact.run(old_kb, new_kb, threshold=threshold, processes=processes, progress=progress, deadline=deadline)


__all__ = [
    "APPROVED",
    "DRAFT",
    "PUBLISHED",
    "RETIRED",
    "Published",
    "Saved",
    "VersionDiff",
    "VersionInfo",
    "approve",
    "check",
    "compare",
    "create_draft",
    "draft_from",
    "editors",
    "export_zip",
    "files",
    "get",
    "impact",
    "import_files",
    "import_zip",
    "knowledge",
    "may_approve",
    "publish",
    "read_zip",
    "retire",
    "save_draft",
    "versions",
]
