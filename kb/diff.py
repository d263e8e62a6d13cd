"""What changed between two KB versions: item by item, and as text.

:func:`diff` compares two loaded :class:`~kb.model.KnowledgeBase` objects entry by entry (symptoms,
hypotheses, CF rules, questions, decisions, solutions, triage, danger signs, sources, texts in both
languages, stored cases) and gives typed :class:`Change` records; :meth:`Change.line` is the one-line
rendering a person reads ("GC03 CF 1 → 0.8", "rule R12 added", "S1 advice changed").
:func:`text_diff` compares two file sets ``{name: text}`` (what a KB version stores) as unified diffs.

Only content counts: where an entry stands in its file (``loc``), its position number and the layer the
loader computed are left out, so reformatting a file changes nothing here (nor the KB's version hash).
The order of entries is compared where it means something (hypotheses break CF ties by KB order).

Texts are English msgids marked with ``N_`` (extracted into the one catalogue); a caller that speaks
another language passes a ``gettext`` (``lambda m: rules.i18n.tr(lang, m)``): the KB package stays free
of the rules package.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, fields, is_dataclass
from fractions import Fraction
from typing import Any

from kb.languages import LANGUAGES
from kb.model import Condition, KnowledgeBase, Premise, Text


def N_(message: str) -> str:  # noqa: N802 - the conventional name pybabel looks for
    """Mark ``message`` for extraction (the catalogue translates it when a line is rendered)."""
    return message


Gettext = Callable[[str], str]

ADDED, REMOVED, CHANGED = "added", "removed", "changed"

# Each kind of entry: its label in a line ("rule R12 added"), where its entries are, and their key.
KIND_LABELS = {
    "kb": N_("KB"),
    "source": N_("source"),
    "scale": N_("scale level"),
    "group": N_("group"),
    "symptom": N_("symptom"),
    "finding": N_("finding"),
    "hypothesis": N_("hypothesis"),
    "rule": N_("rule"),
    "answer": N_("answer"),
    "question": N_("question"),
    "solution": N_("solution"),
    "decision": N_("decision"),
    "emergency": N_("emergency"),
    "danger_sign": N_("danger sign"),
    "triage": N_("triage"),
    "triage_level": N_("triage level"),
    "criterion": N_("criterion"),
    "definition": N_("case definition"),
    "triage_rule": N_("triage rule"),
    "constant": N_("constant"),
    "case": N_("test case"),
}

# How a field is named in a line; a field not listed is shown by its own name.
FIELD_LABELS = {
    "cf": N_("CF"),
    "threshold": N_("threshold"),
    "premise": N_("premise"),
    "conclusion": N_("conclusion"),
    "source": N_("source"),
    "note": N_("note"),
    "name": N_("name"),
    "question": N_("question"),
    "help": N_("help"),
    "category": N_("group"),
    "assumption": N_("assumption"),
    "info": N_("information"),
    "advice": N_("advice"),
    "label": N_("label"),
    "text": N_("text"),
    "title": N_("title"),
    "answers": N_("answers"),
    "symptom": N_("symptom"),
    "call_hotline": N_("calls the hotline"),
    "hotline": N_("hotline"),
    "condition": N_("condition"),
    "salience": N_("salience"),
    "citation": N_("citation"),
    "short": N_("short citation"),
    "disclaimer": N_("disclaimer"),
    "no_conclusion": N_("no-conclusion advice"),
    "review_date": N_("review date"),
    "reviewers": N_("reviewers"),
    "intro": N_("introduction"),
    "hotline_name": N_("hotline name"),
    "hotline_number": N_("hotline number"),
    "review": N_("review"),
    "rank": N_("urgency rank"),
    "level": N_("level"),
    "bands": N_("bands"),
    "request": N_("request flag"),
    "value": N_("value"),
    "default": N_("default level"),
    "likely": N_("likely from"),
    "unlikely": N_("unlikely up to"),
    "suspect": N_("suspect definition"),
    "probable": N_("probable definition"),
    "case_definition_name": N_("case definitions' name"),
    "mode": N_("mode"),
    "levels": N_("levels"),
    "expect": N_("expected outcome"),
    "expect_cf": N_("expected CFs"),
    "emergency": N_("emergency"),
    "expect_triage": N_("expected triage"),
    "expect_status": N_("expected statuses"),
    "order": N_("order"),
    "id": N_("id"),
}

ADDED_LINE = N_("%(kind)s %(code)s added")
REMOVED_LINE = N_("%(kind)s %(code)s removed")
VALUE_LINE = N_("%(code)s %(field)s %(old)s → %(new)s")
SET_LINE = N_("%(code)s %(field)s set to %(new)s")
UNSET_LINE = N_("%(code)s %(field)s removed")
TEXT_LINE = N_("%(code)s %(field)s changed")
TEXT_SOME_LINE = N_("%(code)s %(field)s changed (%(languages)s)")
ORDER_LINE = N_("order of the %(kind)s entries changed")

# Fields that hold the loader's bookkeeping, not content.
SKIPPED_FIELDS = frozenset({"loc", "index", "stratum", "depth", "symptoms_of_group"})
# A scalar text longer than this is reported as "changed", not quoted old → new.
SHORT_VALUE = 48
# Kinds whose entries' order changes an outcome: hypotheses break CF ties by KB order.
ORDERED_KINDS = frozenset({"hypothesis", "triage_level"})


@dataclass(frozen=True)
class Change:
    """One difference: an entry of ``kind`` (see :data:`KIND_LABELS`) with ``code`` was added or removed
    (``field`` is :data:`ADDED` / :data:`REMOVED`, ``old``/``new`` the entry or None), or one of its fields
    changed from ``old`` to ``new`` (a :class:`~kb.model.Text` for a text in both languages)."""

    kind: str
    code: str
    field: str
    old: Any = None
    new: Any = None

    @property
    def languages(self) -> tuple[str, ...]:
        """For a text field: the languages whose text changed (in :data:`kb.languages.LANGUAGES` order)."""
        if not isinstance(self.old, Text) or not isinstance(self.new, Text):
            return ()
        return tuple(lang for lang in LANGUAGES if self.old.get(lang) != self.new.get(lang))

    def line(self, gettext: Gettext | None = None) -> str:
        """The change in one line, translated by ``gettext`` (English without one)."""
        t = gettext or _same
        kind = t(KIND_LABELS.get(self.kind, self.kind))
        if self.field == ADDED:
            return t(ADDED_LINE) % {"kind": kind, "code": self.code}
        if self.field == REMOVED:
            return t(REMOVED_LINE) % {"kind": kind, "code": self.code}
        if self.field == "order":
            return t(ORDER_LINE) % {"kind": kind}
        values = {"code": self.code or kind, "field": t(FIELD_LABELS.get(self.field, self.field.replace("_", " ")))}
        langs = self.languages
        if langs:
            if len(langs) == len(LANGUAGES):
                return t(TEXT_LINE) % values
            return t(TEXT_SOME_LINE) % {**values, "languages": ", ".join(langs)}
        if self.old is None:
            return t(SET_LINE) % {**values, "new": short(self.new)}
        if self.new is None:
            return t(UNSET_LINE) % values
        old, new = short(self.old), short(self.new)
        if len(old) > SHORT_VALUE or len(new) > SHORT_VALUE:
            return t(TEXT_LINE) % values
        return t(VALUE_LINE) % {**values, "old": old, "new": new}

    def to_json(self, gettext: Gettext | None = None) -> dict[str, Any]:
        """The change as JSON (the staff API): values as plain JSON, and its line."""
        return {
            "kind": self.kind,
            "code": self.code,
            "field": self.field,
            "old": plain(self.old),
            "new": plain(self.new),
            "text": self.line(gettext),
        }


@dataclass(frozen=True)
class KBDiff:
    """Every change from ``old`` to ``new`` (their content hashes), in a stable order: by kind as the KB's
    files list them, then by the newer KB's order of entries (removed ones where they stood)."""

    old_version: str
    new_version: str
    changes: tuple[Change, ...]

    @property
    def same(self) -> bool:
        """No change at all (the two KBs have the same content)."""
        return not self.changes

    def lines(self, gettext: Gettext | None = None) -> list[str]:
        """One line per change."""
        return [c.line(gettext) for c in self.changes]

    def counts(self) -> dict[str, int]:
        """How many changes of each kind (kinds in :data:`KIND_LABELS` order, only those that changed)."""
        out: dict[str, int] = {}
        for change in self.changes:
            out[change.kind] = out.get(change.kind, 0) + 1
        return out

    def to_json(self, gettext: Gettext | None = None) -> dict[str, Any]:
        return {
            "old": self.old_version,
            "new": self.new_version,
            "changes": [c.to_json(gettext) for c in self.changes],
            "counts": self.counts(),
        }


def _same(message: str) -> str:
    return message


# --- values -----------------------------------------------------------------------------------------------


def number(value: Fraction) -> str:
    """A KB number as the KB writes it: ``1``, ``0.8``, ``-0.25`` (a fraction without a finite decimal form
    as ``p/q``)."""
    if value.denominator == 1:
        return str(value.numerator)
    den = value.denominator
    twos = fives = 0
    while den % 2 == 0:
        den //= 2
        twos += 1
    while den % 5 == 0:
        den //= 5
        fives += 1
    if den != 1:
        return f"{value.numerator}/{value.denominator}"
    places = max(twos, fives)
    digits = abs(value.numerator) * 10**places // value.denominator
    text = str(digits).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{text[:-places]}.{text[-places:]}".rstrip("0").rstrip(".")


def short(value: Any) -> str:
    """A value as one short text for a line: numbers as the KB writes them, premises as rules read."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, Fraction):
        return number(value)
    if isinstance(value, Text):
        return " / ".join(value.get(lang) for lang in LANGUAGES)
    if isinstance(value, (Premise, Condition)):
        return str(value)
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {short(v)}" for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))) + "}"
    if isinstance(value, (tuple, list, frozenset, set)):
        items = sorted(value, key=str) if isinstance(value, (frozenset, set)) else value
        return "[" + ", ".join(short(v) for v in items) + "]"
    return str(value)


def plain(value: Any) -> Any:
    """A value as plain JSON: numbers as their KB text, texts as ``{lang: text}``, entries as objects."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, Fraction):
        return number(value)
    if isinstance(value, Text):
        return {lang: value.get(lang) for lang in LANGUAGES}
    if isinstance(value, (Premise, Condition)):
        return str(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (frozenset, set)):
        return [plain(v) for v in sorted(value, key=str)]
    if isinstance(value, (tuple, list)):
        return [plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in fields(value) if f.name not in SKIPPED_FIELDS}
    return str(value)


# --- entries ----------------------------------------------------------------------------------------------


def _values(entry: Any) -> dict[str, Any]:
    """The content fields of an entry (a frozen dataclass), comparable across two loads."""
    out = {}
    for f in fields(entry):
        if f.name in SKIPPED_FIELDS:
            continue
        value = getattr(entry, f.name)
        if f.name == "symptoms" and isinstance(value, tuple) and value and is_dataclass(value[0]):
            value = tuple(s.code for s in value)  # a group's members: compared by code (each symptom on its own)
        out[f.name] = value
    return out


def _decision_values(decision) -> dict[str, Any]:
    """A decision's fields, with its mode and conditions as one readable condition: ``ANY(Q1: ya, Q2: ya)``."""
    values = _values(decision)
    mode, conditions = values.pop("mode"), values.pop("conditions")
    condition = f"{mode.upper()}(" + ", ".join(f"{q}: {'|'.join(sorted(a))}" for q, a in conditions) + ")"
    return {"condition": condition, **values}


def _sections(knowledge: KnowledgeBase) -> list[tuple[str, list[tuple[str, dict[str, Any]]]]]:
    """(kind, [(code, content fields)]) for every kind of entry, in the order lines are listed."""
    kb_fields = {
        name: getattr(knowledge, name)
        for name in ("id", "title", "label", "review_date", "reviewers", "disclaimer", "no_conclusion")
    }
    out: list[tuple[str, list[tuple[str, dict[str, Any]]]]] = [
        ("kb", [("", kb_fields)]),
        ("source", [(s.id, _values(s)) for s in knowledge.sources]),
        ("scale", [(level.code, _values(level)) for level in knowledge.scale]),
        ("group", [(g.code, {"name": g.name}) for g in knowledge.groups]),
        ("symptom", [(s.code, _values(s)) for s in knowledge.symptoms]),
        ("finding", [(f.code, _values(f)) for f in knowledge.findings]),
        ("hypothesis", [(h.code, _values(h)) for h in knowledge.hypotheses]),
        ("rule", [(r.id, _values(r)) for r in knowledge.rules]),
        ("answer", [(a.code, _values(a)) for a in knowledge.answer_options]),
        ("question", [(q.code, _values(q)) for q in knowledge.questions]),
        ("solution", [(s.code, _values(s)) for s in knowledge.solutions]),
        ("decision", [(d.id, _decision_values(d)) for d in knowledge.decisions]),
    ]
    emergency = knowledge.emergency
    if emergency is not None:
        values = _values(emergency)
        signs = values.pop("signs")
        out.append(("emergency", [("", values)]))
        out.append(("danger_sign", [(s.code, _values(s)) for s in signs]))
    else:
        out += [("emergency", []), ("danger_sign", [])]
    triage = knowledge.triage
    if triage is not None:
        settings = {k: v for k, v in _values(triage).items() if k not in ("levels", "criteria", "definitions", "rules")}
        settings.pop("constants", None)
        out += [
            ("triage", [("", settings)]),
            ("triage_level", [(level.code, _values(level)) for level in triage.levels]),
            ("criterion", [(c.code, _values(c)) for c in triage.criteria]),
            ("definition", [(d.code, _values(d)) for d in triage.definitions]),
            ("triage_rule", [(r.id, _values(r)) for r in triage.rules]),
            ("constant", [(c.code, _values(c)) for c in triage.constants]),
        ]
    else:
        out += [(kind, []) for kind in ("triage", "triage_level", "criterion", "definition", "triage_rule", "constant")]
    out.append(("case", [(c.id, _values(c)) for c in knowledge.cases]))
    return out


def _entry_changes(kind: str, old: list, new: list) -> Iterable[Change]:
    """The changes of one kind: removed, changed and added entries, in the newer KB's order."""
    old_by, new_by = dict(old), dict(new)
    singleton = kind in ("kb", "emergency", "triage")
    if singleton and old and not new:
        yield Change(kind, "", REMOVED, old[0][1], None)
        return
    if singleton and new and not old:
        yield Change(kind, "", ADDED, None, new[0][1])
        return
    for code, values in old:
        if code not in new_by:
            yield Change(kind, code, REMOVED, values, None)
    for code, values in new:
        before = old_by.get(code)
        if before is None:
            yield Change(kind, code, ADDED, None, values)
            continue
        for name in dict.fromkeys([*before, *values]):
            if before.get(name) != values.get(name):
                yield Change(kind, code, name, before.get(name), values.get(name))
    if kind in ORDERED_KINDS:
        common_old = [code for code, _ in old if code in new_by]
        common_new = [code for code, _ in new if code in old_by]
        if common_old != common_new:
            yield Change(kind, "", "order", tuple(common_old), tuple(common_new))


def diff(old: KnowledgeBase, new: KnowledgeBase) -> KBDiff:
    """Every change from ``old`` to ``new``, item by item."""
    changes: list[Change] = []
    for (kind, before), (_, after) in zip(_sections(old), _sections(new), strict=True):
        changes.extend(_entry_changes(kind, before, after))
    return KBDiff(old.version, new.version, tuple(changes))


# --- text ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FileDiff:
    """One file's change between two file sets: ``status`` added, removed or changed, and the unified diff."""

    name: str
    status: str
    diff: str

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "diff": self.diff}


def text_diff(
    old: Mapping[str, str], new: Mapping[str, str], *, old_label: str = "a", new_label: str = "b", context: int = 3
) -> tuple[FileDiff, ...]:
    """The files that differ between two file sets ``{name: text}`` (in name order), each as a unified diff
    whose headers name the file below ``old_label`` and ``new_label`` (``a/rules.yaml``, ``b/rules.yaml``)."""
    out = []
    for name in sorted(set(old) | set(new)):
        before, after = old.get(name), new.get(name)
        if before == after:
            continue
        status = ADDED if before is None else REMOVED if after is None else CHANGED
        lines = difflib.unified_diff(
            (before or "").splitlines(keepends=True),
            (after or "").splitlines(keepends=True),
            fromfile="/dev/null" if before is None else f"{old_label}/{name}",
            tofile="/dev/null" if after is None else f"{new_label}/{name}",
            n=context,
        )
        out.append(FileDiff(name, status, "".join(_terminated(lines))))
    return tuple(out)


def _terminated(lines: Iterable[str]) -> Iterable[str]:
    """Diff lines, each ending in a newline (a file's last line may have none: git's marker is added)."""
    for line in lines:
        if line.endswith("\n"):
            yield line
        else:
            yield line + "\n\\ No newline at end of file\n"


def unified(old: Mapping[str, str], new: Mapping[str, str], *, old_label: str = "a", new_label: str = "b") -> str:
    """The whole text diff of two file sets as one patch (``git apply`` reads it)."""
    return "".join(f.diff for f in text_diff(old, new, old_label=old_label, new_label=new_label))


__all__ = [
    "ADDED",
    "CHANGED",
    "REMOVED",
    "Change",
    "FileDiff",
    "KBDiff",
    "diff",
    "number",
    "plain",
    "short",
    "text_diff",
    "unified",
]
