"""Sections a KB needs: `kb` always, a `scale` for CF rules, `questions` for decisions, `groups` for symptoms."""

from __future__ import annotations

from kb.checks.base import Context
from kb.errors import Problem

ID = "sections"


def check(kb: Context):
    """Yield a problem for each section that other sections need and no file declares."""
    if not kb.complete:
        return
    if not kb.entries("kb"):
        yield Problem(
            kb.root,
            1,
            1,
            "kb",
            "no file declares the `kb` section",
            "add a kb.yaml with `kb:` (id, title, version, review_date, sources, ...)",
        )
    if kb.entries("rules") and not kb.entries("scale"):
        yield kb.entries("rules")[0].problem(
            (), "CF rules need a certainty `scale`", "add a `scale:` section with the user's answer levels"
        )
    if kb.entries("decisions") and not kb.entries("questions"):
        yield kb.entries("decisions")[0].problem((), "decisions need `questions`", "add a `questions:` section")
    if kb.entries("symptoms") and not kb.entries("groups"):
        yield kb.entries("symptoms")[0].problem(
            (),
            "symptoms need `groups`",
            "add a `groups:` section listing the groups their `category`"
            " names (code and name {id, en}), in the order the form shows them",
        )
