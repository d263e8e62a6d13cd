"""The audit log: who created, edited, checked, approved, published or rolled back what, and when; account
and login events too. Append-only: events are added, never changed or deleted (the ORM refuses both).

:func:`record` adds an event to the caller's transaction, so a change and its audit line are committed
together or not at all. Never put health data (answers, results, receipt tokens) in ``detail``.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import event, func, select

from webui.extensions import db
from webui.models import AuditEvent
from webui.staff.errors import AuditError

# Actions on KB versions that make someone an editor of that version (see webui.staff.auth.can_approve).
# The KB workflow records these names; any other version action (check, approve, publish, ...) does not
# make its actor an editor.
EDIT_ACTIONS = frozenset({"version.create", "version.edit", "version.import"})

PER_PAGE = 50
CSV_COLUMNS = ("id", "at", "actor", "action", "version_hash", "other_hash", "detail")


def _actor_name(actor) -> str:
    """A user's name (a StaffUser or anything with ``name``) or a fixed actor ('cli', 'system')."""
    return str(getattr(actor, "name", actor))


def record(actor, action: str, version_hash: str | None = None, other_hash: str | None = None, **detail) -> AuditEvent:
    """Add an audit event to the current transaction (it is written by the caller's commit).

    ``actor``: a user (its name is stored) or 'cli' / 'system'; ``action``: e.g. ``version.approve``;
    ``version_hash``: the version acted on; ``other_hash``: the other version involved (the one a publish
    replaced, the one a draft was made from); ``detail``: JSON-able facts (no health data)."""
    row = AuditEvent(
        at=datetime.now(timezone.utc),
        actor=_actor_name(actor),
        action=action,
        version_hash=version_hash,
        other_hash=other_hash,
        detail=detail,
    )
    db.session.add(row)
    return row


@event.listens_for(AuditEvent, "before_update")
def _no_update(_mapper, _connection, _target) -> None:
    raise AuditError("audit_append_only")


@event.listens_for(AuditEvent, "before_delete")
def _no_delete(_mapper, _connection, _target) -> None:
    raise AuditError("audit_append_only")


@dataclass(frozen=True)
class Event:
    """One audit event as pages, the CSV and the API show it."""

    id: int
    at: datetime
    actor: str
    action: str
    version_hash: str | None
    other_hash: str | None
    detail: dict

    def as_json(self) -> dict:
        return {
            "id": self.id,
            "at": self.at.isoformat().replace("+00:00", "Z"),
            "actor": self.actor,
            "action": self.action,
            "version": self.version_hash,
            "other": self.other_hash,
            "detail": self.detail,
        }


@dataclass(frozen=True)
class Page:
    """One page of the log, newest first."""

    events: list[Event]
    number: int  # 1-based
    pages: int
    total: int


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _event(row: AuditEvent) -> Event:
    return Event(row.id, _utc(row.at), row.actor, row.action, row.version_hash, row.other_hash, dict(row.detail or {}))


def page(number: int = 1, per_page: int = PER_PAGE) -> Page:
    """Page ``number`` of the log (clamped to the pages there are), newest event first."""
    total = db.session.scalar(select(func.count()).select_from(AuditEvent)) or 0
    pages = max(1, math.ceil(total / per_page))
    number = min(max(1, number), pages)
    rows = db.session.scalars(
        select(AuditEvent).order_by(AuditEvent.id.desc()).offset((number - 1) * per_page).limit(per_page)
    )
    return Page([_event(row) for row in rows], number, pages, total)


def for_version(version_hash: str) -> list[Event]:
    """Every event of one version, oldest first."""
    rows = db.session.scalars(select(AuditEvent).where(AuditEvent.version_hash == version_hash).order_by(AuditEvent.id))
    return [_event(row) for row in rows]


def editors(version_hash: str) -> set[str]:
    """Who edited a version: the actors of its :data:`EDIT_ACTIONS` events, and of the drafts it was saved
    over (a ``version.edit`` event's ``other_hash``: saving a draft makes a new version), all the way back."""
    found: set[str] = set()
    seen: set[str] = set()
    todo = [version_hash]
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        rows = db.session.execute(
            select(AuditEvent.actor, AuditEvent.action, AuditEvent.other_hash).where(
                AuditEvent.version_hash == current, AuditEvent.action.in_(sorted(EDIT_ACTIONS))
            )
        )
        for actor, action, other in rows:
            found.add(actor)
            if action == "version.edit" and other:
                todo.append(other)
    return found


def every_event(batch: int = 500) -> Iterator[Event]:
    """The whole log, oldest first, read in batches (for the CSV export)."""
    last = 0
    while True:
        rows = list(
            db.session.scalars(select(AuditEvent).where(AuditEvent.id > last).order_by(AuditEvent.id).limit(batch))
        )
        if not rows:
            return
        for row in rows:
            yield _event(row)
        last = rows[-1].id


def _cell(value: str) -> str:
    # A spreadsheet runs a cell that starts with = + - @ as a formula (CSV injection): quote it as text.
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def csv_lines(events) -> Iterator[str]:
    """The log as CSV (a header, then one line per event; times in UTC, ISO 8601; detail as JSON)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for item in events:
        writer.writerow(
            [
                item.id,
                item.at.isoformat().replace("+00:00", "Z"),
                _cell(item.actor),
                _cell(item.action),
                item.version_hash or "",
                item.other_hash or "",
                _cell(json.dumps(item.detail, ensure_ascii=False, sort_keys=True, separators=(",", ":"))),
            ]
        )
        yield flush()
