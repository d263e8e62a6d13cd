"""The web app's only door to the KB and the engine (through :mod:`kb` and :mod:`rules`, never Experta).

The KB is loaded once per process when the app is created; a KB that does not load stops the start with
its ``file:line`` problems. Views get the KB from :func:`current` and answers from :func:`answer`.
"""

from __future__ import annotations

from flask import current_app

import kb
import rules
from webui.errors import StartupError

EXT_KEY = "pakar.kb"


def init_app(app) -> None:
    try:
        app.extensions[EXT_KEY] = kb.load(app.config.get("KB_PATH"))
    except kb.KBError as exc:
        raise StartupError("the knowledge base does not load:\n" + str(exc)) from exc


def current():
    """The KB this app serves."""
    return current_app.extensions[EXT_KEY]


def answer(request: dict) -> dict:
    """Run one consultation (the ``pakar batch`` contract); raises :class:`rules.InputError` if invalid.

    The result names this site's configured hotline, so the page, the PDF and the API all agree; an
    emergency result keeps the KB's emergency number (PSC 119): a regional line never replaces it.
    """
    result = rules.consult(current(), request)
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
