"""Errors of the rules package. Each carries a stable ``code`` and a message a person understands."""

from __future__ import annotations


class PakarError(Exception):
    """Base of every error the engine and its API raise on purpose."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code


class InputError(PakarError):
    """A consultation request that cannot be answered as given (unknown code, value off the scale, ...)."""

    code = "bad_input"


class JSONError(InputError):
    """A request's text that is not the JSON Pakar reads (see :mod:`rules.jsonbody`). ``code`` is the one a
    client branches on; ``reason`` names the message that says why (a code of :data:`rules.messages.JSON_ERRORS`)."""

    code = "bad_json"

    def __init__(self, message: str, *, reason: str):
        super().__init__(message)
        self.reason = reason


class EngineError(PakarError):
    """The engine could not be built or run for a KB."""

    code = "engine_error"


class ImpactTooLongError(PakarError):
    """An impact replay (:func:`rules.impact.replay`) passed its deadline: ``done`` of ``total`` distinct
    requests were replayed. A web request stops there rather than outlive its worker's timeout."""

    code = "impact_too_long"

    def __init__(self, done: int, total: int):
        super().__init__(f"impact replay stopped at its deadline: {done} of {total} requests replayed")
        self.done = done
        self.total = total
