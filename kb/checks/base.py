"""What every cross-check receives: the merged entries of a KB, and helpers to read them safely."""

from __future__ import annotations

from collections import defaultdict

from kb.entries import Entry
from kb.errors import Problem

MALFORMED = (TypeError, AttributeError, KeyError, ValueError, IndexError)
"""What a check may trip over on an entry of an unexpected shape (see :meth:`Context.guarded`)."""


class Context:
    """The merged sections of one KB, as the checks see them."""

    def __init__(
        self, sections: dict[str, list[Entry]], root: str = "", complete: bool = True, tolerate_malformed: bool = False
    ):
        self.sections = sections
        self.root = root
        # When a file could not be read, its sections are missing: checks do not report them as absent too.
        self.complete = complete
        self.tolerate_malformed = tolerate_malformed

    def entries(self, section: str) -> list[Entry]:
        """The entries of ``section`` across files (empty when no file declares it)."""
        return self.sections.get(section, [])

    def codes(self, section: str, key: str = "code") -> dict[str, Entry]:
        """The entries of ``section`` by their code (``key``), skipping entries without a text code."""
        return {e.get(key): e for e in self.entries(section) if isinstance(e.get(key), str)}

    def concluded_by(self) -> dict[str, list[Entry]]:
        """The rule entries concluding each code (their `then`), in KB order."""
        out: dict[str, list[Entry]] = defaultdict(list)
        for entry in self.entries("rules"):
            if isinstance(entry.get("then"), str):
                out[entry.get("then")].append(entry)
        return out

    def guarded(self, check, *args) -> list[Problem]:
        """Run one check (of the whole KB or of one entry) and return its problems.

        An entry the schema rejected may trip a check that assumes its shape: the schema's problem already
        stands for it, and the other checks go on. On a KB the schema passed, such an error is a gap in the
        checks and is raised. Problems found before the trip are kept."""
        found: list[Problem] = []
        try:
            found.extend(check(*args))
        except MALFORMED:
            if not self.tolerate_malformed:
                raise
        return found

    def each(self, section: str, check, *args) -> list[Problem]:
        """Run ``check(entry, *args)`` on every entry of ``section``, each guarded on its own."""
        return [p for entry in self.entries(section) for p in self.guarded(check, entry, *args)]
