"""The web app's errors."""

from __future__ import annotations


class WebError(Exception):
    """Base class for errors raised by the web app."""


class StartupError(WebError):
    """The app cannot start: the KB does not load or the database cannot be reached."""


class KBUnavailableError(WebError):
    """No knowledge base version can be served (or the one asked for is not stored or does not load)."""


class WorkflowError(WebError):
    """A step of the KB's life (webui.kbworkflow) refused: ``code`` names its message in
    :data:`rules.messages.KB_ERRORS`, ``values`` fill it in; ``status`` is the HTTP status the staff API
    answers with."""

    status = 400

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values


class VersionNotFoundError(WorkflowError):
    """No stored KB version has that hash (or several share that prefix)."""

    status = 404


class StepForbiddenError(WorkflowError):
    """The actor may not take this step (the wrong role, or approving a draft they edited)."""

    status = 403


class StateConflictError(WorkflowError):
    """The version's state does not allow the step (approving a draft with errors, publishing a draft)."""

    status = 409


class KBRejectedError(WorkflowError):
    """The KB given does not load, or is not a KB at all: nothing was stored. ``problems``: its
    ``file:line:col`` problems, one line each."""

    status = 422

    def __init__(self, code: str, problems: tuple[str, ...] = (), **values: object) -> None:
        super().__init__(code, count=len(problems), **values)
        self.problems = tuple(problems)
