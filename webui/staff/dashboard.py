"""The dashboard's numbers: counts as seed 001's admin shows them (staff, symptoms, hypotheses, rules,
consultations), the last 30 days' consultations per day, by outcome and by triage level, the drafts waiting
for review and the KB items still awaiting the medical reviewer. Templates format and draw them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import func, select

from kb.model import Text
from webui.extensions import db
from webui.models import Consultation, KBVersion
from webui.staff import accounts

DAYS = 30


@dataclass(frozen=True)
class Counts:
    staff: int  # active accounts
    symptoms: int
    hypotheses: int
    rules: int  # the CF rules (seed 001's "basis pengetahuan"); decisions and triage rules are counted apart
    decisions: int  # the screening's decision rules (seed 004)
    consultations: int  # stored now (within the retention period)


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its code (a day's ISO date, an outcome or a level), its label and its count."""

    code: str
    label: Text | str
    count: int


@dataclass(frozen=True)
class Draft:
    hash: str
    label: str
    created_by: str | None
    updated_at: datetime
    note: str


@dataclass(frozen=True)
class Review:
    """The KB's review date and the items no medical reviewer has confirmed yet."""

    review_date: str
    overdue_days: int  # days since the review date (0: not passed)
    pending: list[tuple[str, str]]  # (kind, code)


@dataclass(frozen=True)
class Board:
    counts: Counts
    since: date  # the first day of the charts (local date)
    per_day: list[Bar]
    by_outcome: list[Bar]
    by_triage: list[Bar]
    drafts: list[Draft]
    review: Review


def _zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("TIMEZONE") or "Asia/Jakarta")


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _local_day(now: datetime):
    """The SQL expression of a consultation's local date (the TIMEZONE setting), per backend."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone(str(_zone()), Consultation.created_at))
    # SQLite keeps UTC text: shift by the zone's offset now (exact for zones without summer time, such as
    # Indonesia's three).
    offset = now.astimezone(_zone()).utcoffset() or timedelta(0)
    return func.date(Consultation.created_at, f"{int(offset.total_seconds() // 60):+d} minutes")


def _counts(kb) -> Counts:
    stored = db.session.scalar(select(func.count()).select_from(Consultation)) or 0
    return Counts(
        staff=accounts.count_active(),
        symptoms=len(kb.symptoms),
        hypotheses=len(kb.hypotheses),
        rules=len(kb.rules),
        decisions=len(kb.decisions),
        consultations=stored,
    )


def _per_day(now: datetime) -> tuple[date, list[Bar]]:
    today = now.astimezone(_zone()).date()
    first = today - timedelta(days=DAYS - 1)
    start = datetime.combine(first, datetime.min.time(), tzinfo=_zone()).astimezone(timezone.utc)
    day = _local_day(now)
    rows = db.session.execute(select(day, func.count()).where(Consultation.created_at >= start).group_by(day)).all()
    counts = {str(value): n for value, n in rows}
    days = [first + timedelta(days=i) for i in range(DAYS)]
    return first, [Bar(d.isoformat(), d.isoformat(), counts.get(d.isoformat(), 0)) for d in days]


def _since(first: date) -> datetime:
    """The first moment (UTC) of the local day ``first``."""
    return datetime.combine(first, datetime.min.time(), tzinfo=_zone()).astimezone(timezone.utc)


def _outcome_label(kb, code: str | None) -> Text | str:
    if code is None:
        return ""
    kinds = ("solution", "hypothesis")
    for kind in kinds:
        item = kb.by_code.get((kind, code))
        if item is not None:
            return getattr(item, "title", None) or item.name
    return code


def _by_outcome(kb, since: datetime) -> list[Bar]:
    rows = db.session.execute(
        select(Consultation.outcome, func.count())
        .where(Consultation.created_at >= since)
        .group_by(Consultation.outcome)
    ).all()
    found = {code: n for code, n in rows}
    # The KB's outcomes in its order (zero bars too), then codes of other versions, then "none".
    order = [s.code for s in kb.solutions] + [h.code for h in kb.hypotheses]
    order += sorted(code for code in found if code is not None and code not in order)
    bars = [Bar(code, _outcome_label(kb, code), found.get(code, 0)) for code in order]
    if found.get(None):
        bars.append(Bar("", "", found[None]))
    return bars


def _by_triage(kb, since: datetime) -> list[Bar]:
    level = Consultation.result[("triage", "level")].as_string()
    rows = db.session.execute(select(level, func.count()).where(Consultation.created_at >= since).group_by(level)).all()
    found = {code: n for code, n in rows}
    levels = kb.triage.levels if kb.triage is not None else ()
    order = [lv.code for lv in levels]
    order += sorted(code for code in found if code is not None and code not in order)
    titles = {lv.code: lv.title for lv in levels}
    bars = [Bar(code, titles.get(code, code), found.get(code, 0)) for code in order]
    if found.get(None):
        bars.append(Bar("", "", found[None]))
    return bars


def _drafts() -> list[Draft]:
    rows = db.session.scalars(select(KBVersion).where(KBVersion.state == "draft").order_by(KBVersion.updated_at))
    return [Draft(r.hash, r.label, r.created_by, _utc(r.updated_at), r.note or "") for r in rows]


def _review(kb, today: date) -> Review:
    pending: list[tuple[str, str]] = []
    if kb.triage is not None:
        triage = kb.triage
        if triage.review == "pending":
            pending.append(("triage", "settings"))
        for kind, items in (
            ("level", triage.levels),
            ("criterion", triage.criteria),
            ("definition", triage.definitions),
            ("triage rule", triage.rules),
            ("constant", triage.constants),
        ):
            pending += [(kind, getattr(item, "code", None) or item.id) for item in items if item.review == "pending"]
    pending += [("symptom", s.code) for s in kb.symptoms if s.assumption is not None]
    due = date.fromisoformat(kb.review_date)
    return Review(kb.review_date, max(0, (today - due).days), pending)


def build(kb, now: datetime | None = None) -> Board:
    """Everything the dashboard shows, for the KB this server serves."""
    now = now or datetime.now(timezone.utc)
    first, per_day = _per_day(now)
    since = _since(first)
    return Board(
        counts=_counts(kb),
        since=first,
        per_day=per_day,
        by_outcome=_by_outcome(kb, since),
        by_triage=_by_triage(kb, since),
        drafts=_drafts(),
        review=_review(kb, now.astimezone(_zone()).date()),
    )
