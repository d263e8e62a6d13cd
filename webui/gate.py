"""The emergency gate: the first page of both consultations asks one question, "do you (or the person you
are helping) have any of these now?", with the KB's danger signs. Yes ends the consultation at once: the
request ``{"mode": ..., "emergency": true}`` is answered by rules and stored like any result, and the person
lands on its receipt. No goes on to the consultation's questions (their request carries
``"emergency": false``). A KB without danger signs has no gate.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import request, session
from werkzeug.wrappers import Response

from webui import forms, knowledge, results
from webui.i18n import current_lang
from webui.security import render_private


def handle(mode: str, heading: str, state: str, go_on: Callable[[], Response]):
    """The gate of consultation ``mode`` (GET: the question; POST: its answer). ``state`` is the session key
    of the consultation's answers so far: dropped when the gate is shown (a new consultation begins empty)
    and once the emergency result is stored. ``go_on`` starts the questions (the answer No)."""
    kb = knowledge.current()
    if request.method == "GET":
        session.pop(state, None)  # Start begins empty: nothing of an earlier, abandoned consultation
    if kb.emergency is None:
        return go_on()
    if request.method == "GET":
        return render_private("gate.html", kb=kb, heading=heading, action=request.path, error=None)
    danger, error = forms.gate(request.form)
    if error:
        return render_private("gate.html", 400, kb=kb, heading=heading, action=request.path, error=error)
    if danger:
        return results.keep({"mode": mode, "emergency": True, "lang": current_lang()}, False, clear=state)
    return go_on()
