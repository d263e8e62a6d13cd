"""The one stored table: a consultation, its answers, result, trace and KB version.

The receipt token in the result's URL is never stored: the key is its SHA-256, so a copy of the database
does not hand out working result links. Nothing here identifies a person.

``submission`` makes one submission store one result (a double click, a retried API call): an HMAC of the
form's or the ``Idempotency-Key`` header's key under the app's secret (see :mod:`webui.store`), unique, and
deleted with its row when the retention period ends. Rows stored without a key leave it empty.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from webui.extensions import db


class Consultation(db.Model):  # type: ignore[name-defined]  # db.Model is made at run time by Flask-SQLAlchemy
    __tablename__ = "consultation"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)  # sha256(token), hex
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    mode: Mapped[str] = mapped_column(String(16))  # screening | diagnosis
    kb_version: Mapped[str] = mapped_column(String(64))
    lang: Mapped[str] = mapped_column(String(8))
    for_other: Mapped[bool] = mapped_column(Boolean, default=False)  # checking someone else
    outcome: Mapped[str | None] = mapped_column(String(16))  # S1..S3, PC01, PC02 or None
    request: Mapped[dict] = mapped_column(JSON)
    result: Mapped[dict] = mapped_column(JSON)  # the result, without its trace
    trace: Mapped[dict] = mapped_column(JSON)
    submission: Mapped[str | None] = mapped_column(String(64), unique=True, index=True)  # HMAC, hex
