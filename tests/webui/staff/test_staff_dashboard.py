"""The dashboard's numbers, exactly: counts, the last 30 days per day, by outcome and by triage level, the
drafts waiting for review and the KB items awaiting the medical reviewer."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, update

from testing.staff import clear_staff, login, make_user
from webui import knowledge, store
from webui.extensions import db
from webui.models import Consultation, KBVersion
from webui.staff import accounts, dashboard

WIB = ZoneInfo("Asia/Jakarta")
NO = {f"Q{i}": "tidak" for i in range(1, 7)}
YES = {f"Q{i}": "ya" for i in range(1, 7)}
# (request, local days ago): outcome and triage level as the bundled KB answers them.
STORED = [
    ({"mode": "screening", "answers": NO}, 0),  # S3, self_care
    ({"mode": "screening", "answers": YES}, 0),  # S1, see_doctor_today
    ({"mode": "screening", "emergency": True}, 0),  # no outcome, emergency
    ({"mode": "diagnosis", "symptoms": {"GC01": 1, "GC02": 1, "GC03": 1}}, 1),  # PC01, test_and_isolate
    ({"mode": "diagnosis", "symptoms": {}}, 29),  # no outcome, self_care: the charts' first day
    ({"mode": "screening", "answers": NO}, 30),  # S3: stored, but before the charts' 30 days
]
DRAFT = "d" * 64


@pytest.fixture
def board_app(database_url, build_app):
    """An app keeping results a year (the 30-day-old row stays), an admin, a disabled engineer, the rows of
    :data:`STORED` at 01:00 WIB of their day, and one draft; all removed afterwards."""
    app = build_app(database_url, STAFF_ARGON2_PROFILE="CHEAPEST", RETENTION_DAYS=365, PURGE_INTERVAL=0)
    clear_staff(app)
    make_user(app, "ana", "admin")
    make_user(app, "budi", "engineer")
    today = datetime.now(WIB).date()
    with app.app_context():
        accounts.set_active("budi", False, actor="cli")
        for request, days_ago in STORED:
            token = store.save(request, knowledge.answer(request))
            at = datetime.combine(today - timedelta(days=days_ago), time(1, 0), tzinfo=WIB).astimezone(timezone.utc)
            db.session.execute(
                update(Consultation).where(Consultation.key == store.key_of(token)).values(created_at=at)
            )
        moment = datetime.now(timezone.utc)
        db.session.add(
            KBVersion(
                hash=DRAFT,
                label="1.0.1",
                files={},
                state="draft",
                note="GC03 CF 0.8",
                created_by="budi",
                created_at=moment,
                updated_at=moment,
            )
        )
        db.session.commit()
    yield app
    with app.app_context():
        db.session.execute(delete(KBVersion).where(KBVersion.hash == DRAFT))
        db.session.commit()
    clear_staff(app)


def test_the_numbers(board_app):
    with board_app.test_request_context():
        board = dashboard.build(knowledge.current())
    today = datetime.now(WIB).date()
    assert board.counts == dashboard.Counts(staff=1, symptoms=20, hypotheses=2, rules=27, decisions=3, consultations=6)
    assert board.since == today - timedelta(days=29)
    per_day = {bar.code: bar.count for bar in board.per_day}
    assert len(per_day) == 30
    assert {day: n for day, n in per_day.items() if n} == {
        today.isoformat(): 3,
        (today - timedelta(days=1)).isoformat(): 1,
        (today - timedelta(days=29)).isoformat(): 1,
    }
    assert [(bar.code, bar.count) for bar in board.by_outcome] == [
        ("S1", 1),
        ("S2", 0),
        ("S3", 1),
        ("PC01", 1),
        ("PC02", 0),
        ("", 2),
    ]
    assert [(bar.code, bar.count) for bar in board.by_triage] == [
        ("emergency", 1),
        ("see_doctor_today", 1),
        ("test_and_isolate", 1),
        ("self_care", 2),
    ]
    assert [(d.hash, d.label, d.created_by, d.note) for d in board.drafts] == [(DRAFT, "1.0.1", "budi", "GC03 CF 0.8")]


def test_the_review_date_and_the_items_awaiting_review(board_app):
    with board_app.test_request_context():
        kb = knowledge.current()
        before = dashboard.build(kb, now=datetime(2026, 11, 22, 12, 0, tzinfo=timezone.utc)).review
        after = dashboard.build(kb, now=datetime(2026, 12, 1, 3, 0, tzinfo=timezone.utc)).review
    assert (before.review_date, before.overdue_days, after.overdue_days) == ("2026-11-23", 0, 8)
    kinds = {}
    for kind, code in after.pending:
        kinds.setdefault(kind, []).append(code)
    assert {kind: len(codes) for kind, codes in kinds.items()} == {
        "triage": 1,
        "level": 4,
        "criterion": 29,
        "definition": 10,
        "triage rule": 9,
        "constant": 1,
        "symptom": 1,
    }
    assert kinds["symptom"] == ["GC20"]  # its CF is an assumption awaiting the expert


def test_the_page_shows_the_numbers_with_a_text_alternative_for_each_chart(board_app):
    client = board_app.test_client()
    login(client, "ana")
    page = client.get("/staff/").get_data(as_text=True)
    counts = dict(re.findall(r'<dd data-count="(\w+)">(\d+)</dd>', page))
    assert counts == {
        "staff": "1",
        "symptoms": "20",
        "hypotheses": "2",
        "rules": "27",
        "decisions": "3",
        "consultations": "6",
    }
    # Each chart: an SVG with role=img and a title, and the same numbers in a table.
    assert page.count('<svg role="img"') == 3
    assert '<desc id="per-day-svg-desc">5 seluruhnya; hari tertinggi 3.</desc>' in page
    today = datetime.now(WIB).date().isoformat()
    assert f'<tr><th scope="row">{today}</th><td class="num">3</td></tr>' in page
    outcome = re.search(r'<figure class="chart" aria-labelledby="by-outcome-title">(.*?)</figure>', page, re.S).group(1)
    rows = re.findall(
        r'<tr><th scope="row">([^<]*)</th><td class="num">(\d+)</td><td class="num">([\d.]+)</td>', outcome
    )
    assert [(n, pct) for _label, n, pct in rows] == [
        ("1", "20.0"),
        ("0", "0.0"),
        ("1", "20.0"),
        ("1", "20.0"),
        ("0", "0.0"),
        ("2", "40.0"),
    ]
    assert rows[3][0] == "Suspek COVID-19 (PC01)" and rows[5][0] == "tidak ada"
    triage = re.search(r'aria-labelledby="by-triage-title">(.*?)</figure>', page, re.S).group(1)
    assert "Darurat: hubungi 119 atau segera ke IGD sekarang (emergency)" in triage
    assert f"<code>{DRAFT[:12]}</code>" in page
    overdue = (date.today() - date(2026, 11, 23)).days
    if overdue > 0:
        assert f"sudah lewat {overdue} hari" in page
    assert 'data-kind="symptom">Gejala (faktor kepastian asumsi) (1): <code>GC20</code></li>' in page


def test_an_empty_dashboard_draws_empty_charts(staff_app):
    make_user(staff_app, "ana", "expert")
    client = staff_app.test_client()
    login(client, "ana")
    page = client.get("/staff/?lang=en").get_data(as_text=True)
    assert "0 in all; the highest day 0." in page
    assert "No draft is waiting." in page
