"""One submission, one result: the idempotency keys of the web forms and of the API.

A consultation form carries a random key in a hidden field, made when the form is first rendered and kept
when the same form is shown again after its post (a 503 while the database was away, a refused answer, an
expired CSRF token): the post may have been stored even though its answer never arrived, and sending the
form again must then give that first receipt, not a second row. The API takes
the ``Idempotency-Key`` header of draft-ietf-httpapi-idempotency-key-header (the IETF HTTPAPI working
group's "The Idempotency-Key HTTP Header Field", section 2). :mod:`webui.store` keeps an HMAC of the key
with the row, so a key lives exactly as long as its result (the retention period). Keys are scoped before
they are stored (``web:`` / ``api:``), so a client of the API cannot reach a form's submission.
"""

from __future__ import annotations

import re
import secrets

from flask import redirect, request, url_for
from werkzeug.datastructures import MultiDict

from webui import store

FIELD = "submission"  # the hidden form field
FORMS = ("screening", "diagnosis")  # the blueprints whose posts end in a stored result

# A form key is ours: the same shape as a receipt token (random, URL-safe), anything else is ignored.
FORM_KEY = re.compile(r"[A-Za-z0-9_-]{24}")
HEADER = "Idempotency-Key"
MAX_KEY = 255
# RFC 8941 section 3.3.3: an sf-string is DQUOTE, printable ASCII with \" and \\ escaped, DQUOTE.
SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
PRINTABLE = re.compile(r"[\x20-\x7e]+")


class BadKeyError(ValueError):
    """An ``Idempotency-Key`` header we cannot use (the API answers 400 ``bad_idempotency_key``)."""


def new_key() -> str:
    """A fresh form key (144 random bits)."""
    return secrets.token_urlsafe(store.TOKEN_BYTES)


def form_key() -> str:
    """The key of the form being rendered (templates call it as ``submission_key()``): the key this request
    posted when a consultation form is shown again in answer to its own post, else a fresh one."""
    if request.method == "POST" and request.blueprint in FORMS:
        posted = request.form.get(FIELD)
        if isinstance(posted, str) and FORM_KEY.fullmatch(posted):
            return posted
    return new_key()


def from_form(form: MultiDict) -> str | None:
    """The scoped key a form post carries, or None (an old page, a forged post: stored without one)."""
    key = form.get(FIELD)
    if not isinstance(key, str) or FORM_KEY.fullmatch(key) is None:
        return None
    return "web:" + key


def from_header(values: list[str]) -> str | None:
    """The scoped key of the ``Idempotency-Key`` header's values, None when there is none.

    The draft makes the value an RFC 8941 sf-string (``"8e03978e-..."``); a bare value is taken as it is,
    since many clients send one. Either way the key is 1 to 255 printable ASCII characters. (A WSGI server
    joins repeated headers into one value with ", ", so two headers arrive as one longer bare key.)
    """
    if not values:
        return None
    value = values[-1].strip(" \t")
    quoted = SF_STRING.fullmatch(value)
    if quoted:
        value = re.sub(r"\\(.)", r"\1", quoted.group(1))
    if not 1 <= len(value) <= MAX_KEY or PRINTABLE.fullmatch(value) is None:
        raise BadKeyError("not 1 to 255 printable ASCII characters")
    return "api:" + value


def repeat_goes_to_first_receipt():
    """Before a consultation form's post is handled: a post of a submission already stored (a second
    click, a reload of the post) goes to the first post's receipt; nothing is run or stored again.

    Registered app-wide after the CSRF check (see :mod:`webui.results`). One form is one submission: its
    key is made when the form is first shown and kept while the same form is shown again (:func:`form_key`).
    """
    if request.method != "POST" or request.blueprint not in FORMS:
        return None
    once = from_form(request.form)
    found = store.find(once) if once else None
    if found is None:
        return None
    return redirect(url_for("results.show", token=found[0]))
