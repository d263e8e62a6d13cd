"""Every message the engine's API, ``pakar batch`` and the JSON API show to people, keyed by a stable code.

A client branches on the code; a person reads the message. The texts are English msgids with ``%(name)s``
placeholders, translated in the one catalogue (``rules/translations``) through :mod:`rules.i18n`, so the
untranslated-string test covers them as it covers the web pages.
"""

from __future__ import annotations

from babel.lists import format_list

from kb.languages import LANGUAGES
from rules.i18n import N_, language, tr

REQUEST_ERRORS = {
    # The codes the engine refuses a consultation request with (rules.requests raises InputError with them).
    "not_an_object": N_('The request must be a JSON object, e.g. {"mode": "screening", ...}.'),
    "missing_mode": N_('The mode is missing: add "mode": "screening" or "diagnosis".'),
    "bad_mode": N_('Unknown mode \'%(value)s\'; use "screening" or "diagnosis".'),
    "bad_lang": N_("Language '%(value)s' is not available; use %(languages)s."),
    "bad_emergency": N_('"emergency" must be true or false, not %(value)s.'),
    "bad_id": N_('"id" must be text or a number.'),
    "unexpected_key": N_("Unknown key '%(value)s' for mode %(mode)s; allowed: %(allowed)s."),
    "missing_answers": N_('Screening answers are missing: send "answers" with %(questions)s.'),
    "missing_answer": N_("Question %(value)s has no answer."),
    "unknown_question": N_("There is no question '%(value)s'. %(hint)sQuestions: %(questions)s."),
    "bad_answer": N_("Answer '%(answer)s' does not fit %(value)s; choose: %(allowed)s."),
    "missing_symptoms": N_('Symptoms are missing: send "symptoms" with symptom codes and certainties.'),
    "unknown_symptom": N_("There is no symptom '%(value)s'. %(hint)sSymptom codes run from %(first)s to %(last)s."),
    "bad_certainty": N_("Certainty %(answer)s for %(value)s is not on the scale; choose: %(allowed)s."),
}

JSON_ERRORS = {
    # Why the strict JSON reader (rules.jsonbody) refused a request's text, before any request check.
    "bad_json": N_("The request body is not valid JSON (line %(line)s, column %(column)s)."),
    "bad_json_encoding": N_("The request body must be JSON in UTF-8."),
    "bad_json_depth": N_("The request's JSON is nested too deeply."),
    "bad_json_constant": N_("%(value)s is not a JSON number; send a finite number."),
    "bad_json_range": N_("The number %(value)s is outside the range of interoperable JSON numbers."),
    "bad_json_duplicate": N_("The key '%(value)s' appears more than once in one object."),
}

HTTP_ERRORS = {
    # The JSON API's own: how the request reached us, and stored results.
    "not_json": N_("Send the request as application/json."),
    "too_large": N_("The request body is over %(limit)s bytes; a consultation is far smaller."),
    "not_found": N_("There is no stored result with that id (it may have been deleted)."),
    "unknown_path": N_("There is no such API address; see /api/v1/openapi.json."),
    "method_not_allowed": N_("Method %(method)s is not allowed here; allowed: %(allowed)s."),
    "bad_idempotency_key": N_("The Idempotency-Key header must be one key of 1 to 255 printable ASCII characters."),
    "idempotency_key_reused": N_("This Idempotency-Key was already used with a different request; use a new key."),
    # The staff API's query parameters (webui.staff.api): a page or a count, a name the operation does not take.
    "bad_number": N_("\"%(name)s\" must be a whole number of at least %(least)s, not '%(value)s'."),
    "unknown_parameter": N_("Unknown query parameter '%(value)s'; this address takes: %(allowed)s."),
    # webui.limits: too many requests from one address (the web pages show the same words).
    "rate_limited": N_("Too many requests from your network in a short time. Please wait %(wait)s and try again."),
}

SERVICE_ERRORS = {
    # Not the request's fault.
    "no_decision": N_("The knowledge base gives no result for these answers."),
    "internal": N_("Something went wrong on our side; nothing was stored. Please try again."),
    # webui.errorpages: 503 with Retry-After while the database is stopped, unreachable or locked.
    "unavailable": N_(
        "The service cannot reach its database right now; please try again in a few seconds "
        "(with the same Idempotency-Key a retry is never stored twice)."
    ),
}

MESSAGES = {**REQUEST_ERRORS, **JSON_ERRORS, **HTTP_ERRORS, **SERVICE_ERRORS}
"""Every code, one message each."""


def languages(lang: str) -> str:
    """The languages a request may ask for, quoted and joined as ``lang`` joins alternatives
    (``"id" atau "en"``)."""
    return format_list([f'"{code}"' for code in LANGUAGES], style="or", locale=language(lang))


def message(code: str, lang: str = "id", **values) -> str:
    """The message ``code`` in ``lang`` with ``values`` filled in (an unknown code gives ``internal``'s).

    ``%(languages)s`` is always available; a value of None reads as nothing (an empty did-you-mean hint).
    """
    msgid = MESSAGES.get(code, MESSAGES["internal"])
    filled = {"languages": languages(lang), **{k: "" if v is None else v for k, v in values.items()}}
    # tr() fills placeholders only when given values; every msgid here is written as a %-template.
    return tr(lang, msgid, **filled).replace("  ", " ")


__all__ = ["HTTP_ERRORS", "JSON_ERRORS", "MESSAGES", "REQUEST_ERRORS", "SERVICE_ERRORS", "languages", "message"]

KB_ERRORS = {
    # The KB's life in the database (webui.kbworkflow, the staff API): why a step was refused.
    "version_not_found": N_("There is no single KB version '%(value)s'; give its hash or the first 12 digits."),
    "kb_rejected": N_("The KB does not load (%(count)s problems); nothing was stored."),
    "bad_files": N_('Send "files" as an object of "<name>.yaml": "<YAML text>" pairs (a whole KB).'),
    "bad_note": N_('"note" must be text of at most %(max)s characters.'),
    "bad_zip": N_("The upload is not a zip of KB files: %(reason)s."),
    "bad_threshold": N_('"threshold" must be a number from 0 to 1.'),
    "not_expert": N_("Only a medical expert may approve a draft."),
    "own_draft": N_("You edited draft %(version)s: another expert must approve it."),
    "not_draft": N_("Version %(version)s is %(state)s, not a draft."),
    "not_clean": N_(
        "Version %(version)s has %(errors)s verifier errors and %(failed)s failing cases; fix them before it is "
        "approved."
    ),
    "not_publisher": N_("Only a knowledge engineer or an admin may publish or retire a version."),
    "not_approved": N_("Version %(version)s is %(state)s: only an approved version can be published."),
    "rollback_admin": N_(
        "Version %(version)s was published before: only an admin may make it active again (a rollback)."
    ),
    "active_version": N_("Version %(version)s is the active one; publish another version first."),
    "impact_too_long": N_(
        "Too many consultations to replay within a request (%(done)s of %(total)s replayed in %(seconds)s s): "
        "run `flask --app webui kb impact %(version)s` on the server."
    ),
}
MESSAGES.update(KB_ERRORS)
