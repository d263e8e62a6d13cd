"""Impact of a KB version on the stored consultations: ``flask --app webui kb impact VERSION [--against V]``.

:func:`run` reads every stored consultation within ``RETENTION_DAYS`` (request, KB version, result) in
batches and hands them to :func:`rules.impact.replay`, which replays them under both KBs with the real
engine. The command shows a progress bar, then the counts per kind of change and the most common changes.
It never prints answers (health data): the staff API and pages show the changed requests to staff.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from fractions import Fraction
from typing import Any

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from kb.diff import number
from kb.model import KnowledgeBase
from rules import impact as rules_impact
from rules.messages import message
from webui.errors import WorkflowError
from webui.extensions import db
from webui.models import Consultation

BATCH = 2000
"""Rows read from the database at a time."""


def stored(
    old: KnowledgeBase, scope: rules_impact.Reach | None = None, now: datetime | None = None
) -> Iterator[rules_impact.Stored]:
    """Every stored consultation within retention, oldest first, with its stored result where ``old`` itself
    answered it (the only results that stand for ``old``'s outcome) and ``scope`` reaches it (no other
    result is read: a row's result is the largest part of it)."""
    days = int(current_app.config.get("RETENTION_DAYS", 30))
    cutoff = (now or datetime.now(timezone.utc)) - timedelta(days=days)
    short = old.short_version
    query = (
        select(Consultation.key, Consultation.kb_version, Consultation.request)
        .where(Consultation.created_at >= cutoff)
        .order_by(Consultation.created_at, Consultation.key)
    )
    rows = db.session.execute(query.execution_options(yield_per=BATCH)).partitions(BATCH)
    for batch in rows:
        wanted = [
            key for key, version, request in batch if version == short and (scope is None or scope.reaches(request))
        ]
        results: dict[str, Any] = {}
        if wanted:
            found = db.session.execute(
                select(Consultation.key, Consultation.result).where(Consultation.key.in_(wanted))
            )
            results = {key: result for key, result in found}
        for key, version, request in batch:
            yield rules_impact.Stored(key, request, version, results.get(key))


def run(
    old: KnowledgeBase,
    new: KnowledgeBase,
    *,
    threshold: Fraction | None = None,
    processes: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    deadline: float | None = None,
) -> rules_impact.ImpactReport:
    """Replay the stored consultations under ``old`` and ``new`` (settings: ``IMPACT_PROCESSES``,
    ``IMPACT_CF_THRESHOLD``); past ``deadline`` (:func:`time.monotonic`), :class:`rules.errors.ImpactTooLongError`."""
    cfg = current_app.config
    if threshold is None:
        threshold = parse_threshold(cfg.get("IMPACT_CF_THRESHOLD", "0.05"))
    if processes is None:
        processes = int(cfg.get("IMPACT_PROCESSES", 2))
    scope = rules_impact.reach(old, new)
    return rules_impact.replay(
        stored(old, scope),
        old,
        new,
        threshold=threshold,
        processes=processes,
        progress=progress,
        scope=scope,
        deadline=deadline,
    )


def web_budget() -> float:
    """Seconds a web request (staff page or API) may spend on an impact: the ``IMPACT_WEB_SECONDS`` setting."""
    return float(current_app.config.get("IMPACT_WEB_SECONDS", 20))


def parse_threshold(value) -> Fraction:
    """A CF threshold from text or a number: 0 to 1, else :class:`WorkflowError` ``bad_threshold``."""
    try:
        threshold = Fraction(str(value).strip())
    except (ValueError, ZeroDivisionError) as exc:
        raise WorkflowError("bad_threshold") from exc
    if not 0 <= threshold <= 1:
        raise WorkflowError("bad_threshold")
    return threshold


def summary_lines(report: rules_impact.ImpactReport, top: int = 10) -> list[str]:
    """The report in a few lines for a terminal: counts, never requests."""
    lines = [
        f"{report.rows} stored consultation(s), {report.distinct} distinct request(s), {report.reached} within the"
        f" change's reach: {report.changed_rows} would change ({report.replayed} replays, {report.reused} outcomes"
        " from stored results)",
    ]
    counts = ", ".join(f"{kind} {count}" for kind, count in report.counts.items() if count) or "none"
    lines.append(f"by kind (CF changes over {number(report.threshold)}): {counts}")
    for line, count in list(report.transitions.items())[:top]:
        lines.append(f"  {count:>7}  {line}")
    return lines


@click.command("impact")
@click.argument("version")
@click.option("--against", metavar="VERSION", default=None, help="Compare with this version (default: the active one).")
@click.option("--threshold", default=None, help="Report CF changes larger than this (default: IMPACT_CF_THRESHOLD).")
@click.option("--processes", type=click.IntRange(1, 64), default=None, help="Worker processes (default: 2).")
@with_appcontext
def impact_command(version, against, threshold, processes):
    """Replay every stored consultation within retention under VERSION and the active version (or
    --against) and count the outcomes that would change."""
    from webui import kbworkflow  # imported here: the service imports this module for its impact step

    try:
        limit = parse_threshold(threshold) if threshold is not None else None
        new_kb = kbworkflow.knowledge(version)
        old_kb = kbworkflow.knowledge(kbworkflow.against_ref(against))
    except WorkflowError as exc:
        raise click.ClickException(message(exc.code, "en", **exc.values)) from exc
    except SQLAlchemyError as exc:
        raise click.ClickException(f"the database does not answer ({type(exc).__name__})") from exc
    click.echo(f"impact of {new_kb.short_version} ({new_kb.label}) against {old_kb.short_version} ({old_kb.label})")
    bar = click.progressbar(length=1, label="replaying", show_pos=True)
    state = {"done": 0}

    def progress(done: int, total: int) -> None:
        if bar.length != total:
            bar.length = max(total, 1)
        bar.update(done - state["done"])
        state["done"] = done

    try:
        with bar:
            report = run(old_kb, new_kb, threshold=limit, processes=processes, progress=progress)
    except SQLAlchemyError as exc:
        raise click.ClickException(f"the database does not answer ({type(exc).__name__})") from exc
    for line in summary_lines(report):
        click.echo(line)


def init_app(app) -> None:
    """Add ``kb impact`` to the ``flask kb`` group (webui.kbcommands)."""
    from webui.kbcommands import kb_group

    if "impact" not in kb_group.commands:
        kb_group.add_command(impact_command)
