"""KB versions that differ from a base in a few named edits, as file sets ``{name: text}`` (what a stored KB
version holds), for the tests of kb.diff, rules.impact and the KB workflow.

An edit is ``{file: [(old, new), ...]}``: each ``old`` must be in the file (once is enough; the first is
replaced), so a test never passes because its edit silently did nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import kb
from testing.kbfiles import BASE, OPTIONAL

MINI = {**BASE, **OPTIONAL}
"""The mini KB of testing/kbfiles.py with its screening and cases."""

Edits = Mapping[str, Sequence[tuple[str, str]]]


def variant(base: Mapping[str, str], edits: Edits) -> dict[str, str]:
    """``base`` with ``edits`` made (see the module's text)."""
    files = dict(base)
    for name, pairs in edits.items():
        text = files[name]
        for old, new in pairs:
            assert old in text, f"{old!r} is not in {name}"
            text = text.replace(old, new, 1)
        files[name] = text
    return files


def bundled_files() -> dict[str, str]:
    """The bundled KB's files."""
    return kb.read_files()


# The bundled KB with GC03 (fever above 38 °C) at CF 0.8 instead of 1: its Tabel 2 score, the two rules that
# use it (R03 for PC01, R10 for PC02), and the two stored cases whose expected CFs follow from them.
GC03_CF_08: Edits = {
    "symptoms.yaml": [
        (
            "    category: general\n    cf: 1.0\n    source: seed001 Tabel 2 (skor 5 dari 5), Tabel 3, Tabel 6",
            "    category: general\n    cf: 0.8\n    source: seed001 Tabel 2 (skor 5 dari 5), Tabel 3, Tabel 6",
        )
    ],
    "rules.yaml": [
        ("    if: GC03\n    then: PC01\n    cf: 1.0\n", "    if: GC03\n    then: PC01\n    cf: 0.8\n"),
        ("    if: GC03\n    then: PC02\n    cf: 1.0\n", "    if: GC03\n    then: PC02\n    cf: 0.8\n"),
    ],
}

# The same with the two stored cases' expected CFs brought in line (1.0 x 0.8 x 0.8 = 0.64 each; cf-combo's
# PC01 0.64 + 0.48 x 0.36 + 0.4 x 0.1872 = 0.88768 and PC02 0.48 + 0.4 x 0.52 = 0.688): a clean draft.
GC03_CF_08_CLEAN: Edits = {
    **GC03_CF_08,
    "cases.yaml": [
        ("expect_cf: {PC01: 0.8, PC02: 0.8}", "expect_cf: {PC01: 0.64, PC02: 0.64}"),
        ("expect_cf: {PC01: 0.9136, PC02: 0.76}", "expect_cf: {PC01: 0.88768, PC02: 0.688}"),
    ],
}
