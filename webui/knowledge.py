"""The web app's only door to the KB and the engine (through :mod:`kb` and :mod:`rules`, never Experta).

The KB served is the version the database names as active (:mod:`webui.kbstate`): every worker answers from
the same one, and takes up a published or reloaded version within ``KB_POLL_SECONDS``. Views get the KB
from :func:`current` (one version for the whole request) and answers from :func:`answer`; a consultation
that started on an earlier version finishes on it (``answer(request, version=...)``).

The app starts only when some version can be served; the ``flask`` commands that do not serve (``db
upgrade``, ``purge``...) start whatever the KB on disk is, so that a broken KB never blocks them.
"""

from __future__ import annotations

import logging

from flask import current_app, g, has_request_context

import rules
from webui import kbstate, store
from webui.errors import KBUnavailableError, StartupError

EXT_KEY = kbstate.SERVED_KEY  # the KB this process serves now (kept by webui.kbstate; /healthz reads it)
log = logging.getLogger(__name__)


def init_app(app) -> None:
    """Take up the active KB version (storing the KB on disk as the first one on an empty database). A KB
    that cannot be served stops the start with its ``file:line`` problems, except under a ``flask`` command
    (``flask db upgrade`` must work to fix exactly that)."""
    registry = kbstate.init_app(app)
    try:
        with app.app_context():
            registry.start()
    except KBUnavailableError as exc:
        if store.serving():
            raise StartupError(str(exc)) from exc
        log.warning("no KB can be served yet; the command runs without one")


def current():
    """The KB this app serves: the active version, the same one for the whole of a request."""
    if not has_request_context():
        return kbstate.active()
    if "pakar_kb" not in g:
        g.pakar_kb = kbstate.active()
    return g.pakar_kb


def version(ref: str | None):
    """A stored version's KB by its full hash or the 12 digits results store; None when it is unknown."""
    return kbstate.version(ref) if ref else None


def answer(request: dict, version: str | None = None) -> dict:
    """Run one consultation (the ``pakar batch`` contract); raises :class:`rules.InputError` if invalid.

    ``version``: the KB version (hash) the consultation started on; None or a version no longer stored
    means the active one (the caller tells the person). The result names this site's configured hotline, so
    the page, the PDF and the API all agree; an emergency result keeps the KB's emergency number (PSC 119):
    a regional line never replaces it.
    """
    knowledge = (kbstate.version(version) if version else None) or current()
    result = rules.consult(knowledge, request)
    if result.get("hotline") and not result.get("emergency"):
        result["hotline"] = hotline(result["hotline"])
    return result


def read_result(data: dict, trace: dict | None = None):
    """A result in its JSON form (stored, or just answered) as the typed record the templates show: exact
    numbers, why the first possibility ranks first, and the CF steps of ``trace``."""
    return rules.read_result(data, trace)


InputError = rules.InputError


def hotline(solution_hotline: dict | None) -> dict | None:
    """The screening result's hotline, with the configured number or name when one is set (HOTLINE_NAME,
    HOTLINE_NUMBER: a deployment's own region's line; the KB's default is national)."""
    if solution_hotline is None:
        return None
    cfg = current_app.config
    return {
        "name": cfg.get("HOTLINE_NAME") or solution_hotline["name"],
        "number": cfg.get("HOTLINE_NUMBER") or solution_hotline["number"],
    }


def symptom_groups(knowledge, lang: str) -> list[tuple[str, list]]:
    """The symptoms as (group code, symptoms) in the KB's order of groups, each group's in KB order."""
    return [(group.code, list(group.symptoms)) for group in knowledge.groups]


def describe(knowledge, lang: str) -> dict:
    """Everything a client needs to render both forms, in one language (``GET /api/v1/kb``)."""
    text = lambda t: t.get(lang) if t is not None else None  # noqa: E731
    emergency = knowledge.emergency
    return {
        "kb": {
            "id": knowledge.id,
            "version": knowledge.short_version,
            "title": text(knowledge.title),
            "label": knowledge.label,
            "review_date": knowledge.review_date,
        },
        "lang": lang,
        "disclaimer": text(knowledge.disclaimer),
        "emergency": None
        if emergency is None
        else {
            "title": text(emergency.title),
            "intro": text(emergency.intro),
            "question": text(emergency.question),
            "hotline": {"name": text(emergency.hotline_name), "number": emergency.hotline_number},
            "signs": [{"code": s.code, "text": text(s.text)} for s in emergency.signs],
        },
        "screening": {
            "answers": [{"code": a.code, "label": text(a.label)} for a in knowledge.answer_options],
            "questions": [
                {"code": q.code, "text": text(q.text), "help": text(q.help), "answers": list(q.answers)}
                for q in knowledge.questions
            ],
        },
        "diagnosis": {
            "scale": [{"code": lv.code, "cf": float(lv.cf), "label": text(lv.label)} for lv in knowledge.scale],
            "categories": [c for c, _ in symptom_groups(knowledge, lang)],
            "symptoms": [
                {
                    "code": s.code,
                    "name": text(s.name),
                    "question": text(s.question),
                    "help": text(s.help),
                    "category": s.category,
                }
                for s in knowledge.symptoms
            ],
            "hypotheses": [{"code": h.code, "name": text(h.name)} for h in knowledge.hypotheses],
        },
    }
