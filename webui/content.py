"""Information pages written as Markdown files (``webui/content/<lang>/<page>.md``) an admin can edit.

A file starts with a ``# Title`` line; the rest is Markdown. An edited file shows on the next request.
"""

from __future__ import annotations

import os
from functools import lru_cache

import markdown

ROOT = os.path.join(os.path.dirname(__file__), "content")
PAGES = ("basics", "prevention", "terms", "privacy")


def path_of(page: str, lang: str) -> str:
    return os.path.join(ROOT, lang, page + ".md")


def load(page: str, lang: str) -> dict | None:
    """``{"title", "html"}`` of a page in a language (Indonesian when that language lacks it), or None."""
    if page not in PAGES:
        return None
    for candidate in (lang, "id"):
        path = path_of(page, candidate)
        try:
            mtime = os.stat(path).st_mtime_ns
        except FileNotFoundError:
            continue
        return _render(path, mtime)
    return None


@lru_cache(maxsize=32)
def _render(path: str, mtime: int) -> dict:
    with open(path, encoding="utf-8") as fh:
        text = fh.read()
    first, _, body = text.partition("\n")
    title = first.lstrip("#").strip()
    return {"title": title, "html": markdown.markdown(body, extensions=["sane_lists"], output_format="html")}
