"""``flask --app webui kb impact VERSION``: the stored consultations replayed under a version and the active one,
counts only (no answers) on the terminal; bad input is one line and a non-zero exit. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import update

from testing.kbvariants import GC03_CF_08, bundled_files, variant
from webui import kbstate, kbworkflow
from webui.extensions import db
from webui.models import Consultation


@pytest.fixture
def stored(app, client):
    """Four stored consultations (one of them past retention) and a draft with GC03 at CF 0.8."""
    for symptoms in ({"GC03": 1}, {"GC03": 1, "GC04": 1}, {"GC01": 1}):
        assert client.post("/api/v1/consultations", json={"mode": "diagnosis", "symptoms": symptoms}).status_code == 201
    assert (
        client.post("/api/v1/consultations", json={"mode": "diagnosis", "symptoms": {"GC03": 0.6}}).status_code == 201
    )
    with app.app_context():
        old = datetime.now(timezone.utc) - timedelta(days=31)
        last = db.session.scalars(db.select(Consultation.key).order_by(Consultation.created_at.desc())).first()
        db.session.execute(update(Consultation).where(Consultation.key == last).values(created_at=old))
        db.session.commit()
        draft = kbworkflow.create_draft(variant(bundled_files(), GC03_CF_08), "cli").version.hash
        yield draft, kbstate.active_hash()


def test_impact_counts_what_would_change(app, stored):
    draft, active = stored
    result = app.test_cli_runner().invoke(args=["kb", "impact", draft[:12], "--processes", "1"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"impact of {draft[:12]} (1.0.0) against {active[:12]} (1.0.0)"
    # GC03 alone changes both CFs; with GC04 both stay 1; the fourth (GC03 0.6) is past retention. No
    # transition line follows: no advice, diagnosis or triage level changes, only CFs.
    assert lines[-2:] == [
        "3 stored consultation(s), 3 distinct request(s), 2 within the change's reach: 1 would change (2 replays,"
        " 2 outcomes from stored results)",
        "by kind (CF changes over 0.05): cf 1",
    ]
    assert "GC03" not in result.output  # counts only: no answers on the terminal


def test_impact_with_a_threshold_and_against_itself(app, stored):
    draft, _active = stored
    runner = app.test_cli_runner()
    result = runner.invoke(args=["kb", "impact", draft, "--threshold", "0.3", "--processes", "1"])
    assert result.output.splitlines()[-1] == "by kind (CF changes over 0.3): none"
    same = runner.invoke(args=["kb", "impact", draft, "--against", draft, "--processes", "1"])
    assert "0 would change" in same.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["kb", "impact", "abcdef"],
            "Error: There is no single KB version 'abcdef'; give its hash or the first 12 digits.",
        ),
        (["kb", "impact", "zz"], "Error: There is no single KB version 'zz'; give its hash or the first 12 digits."),
        (["kb", "impact", "DRAFT", "--threshold", "2"], 'Error: "threshold" must be a number from 0 to 1.'),
        (["kb", "impact", "DRAFT", "--threshold", "x"], 'Error: "threshold" must be a number from 0 to 1.'),
    ],
)
def test_bad_input_is_one_line(app, stored, args, message):
    args = [stored[0] if a == "DRAFT" else a for a in args]
    result = app.test_cli_runner().invoke(args=args)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [message]
