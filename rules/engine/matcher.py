"""A Rete matcher for Experta that scales with what a consultation touches, not with the KB's size.

Stock Experta's ``ReteMatcher`` has three costs that grow with the number of rules:

1. an alpha node passes each fact to every child, so a fact is tested against every sibling literal
   check (``code == 'GC01'``, ``code == 'GC02'``, ...);
2. after every declaration and every firing it polls every rule's conflict-set node for changes;
3. ``reset()`` walks the whole network.

:class:`IndexedReteMatcher` keeps Experta's network, nodes and checks, and fixes the three:
siblings that test one field for equality with constants are reached through a hash table (as CLIPS
hashes its alpha memories); conflict-set nodes report themselves when they change; and reset clears
only the nodes that held something. Matching semantics are unchanged: every check still runs.
"""

from __future__ import annotations

from collections import defaultdict

from experta.fieldconstraint import L
from experta.matchers.rete import ReteMatcher
from experta.matchers.rete.check import FeatureCheck, TypeCheck
from experta.matchers.rete.mixins import ChildNode
from experta.matchers.rete.nodes import ConflictSetNode, FeatureTesterNode, NotNode, OrdinaryMatchNode

import rules.engine._experta  # noqa: F401  (first: it undoes Experta's import-time logging set-up)

_MISSING = object()


class HashDispatchNode:
    """Stands in for a group of sibling alpha nodes that each test ``key == constant`` (or the fact's
    type): looks the fact's value up and activates only the siblings that can match."""

    def __init__(self, key, children):
        self.key = key  # a field name, or None to dispatch on the fact's type
        self.children = list(children)
        self.table = defaultdict(list)
        for child in self.children:
            check = child.node.matcher
            value = check.fact_type if isinstance(check, TypeCheck) else check.expected.value
            self.table[value].append(child)

    def activate(self, token):
        fact = next(iter(token.data))
        value = type(fact) if self.key is None else fact.get(self.key, _MISSING)
        try:
            targets = self.table.get(value, ())
        except TypeError:  # an unhashable value: fall back to testing every sibling
            targets = self.children
        for child in targets:
            child.callback(token)

    def reset(self):
        for child in self.children:
            child.node.reset()


def _literal_key(node):
    """The dispatch key of an alpha node that tests one plain field against a constant, else _MISSING."""
    if not isinstance(node, FeatureTesterNode):
        return _MISSING
    check = node.matcher
    if isinstance(check, TypeCheck):
        return None
    if (
        isinstance(check, FeatureCheck)
        and isinstance(check.how, L)
        and check.how.__bind__ is None
        and isinstance(check.what, str)
        and "__" not in check.what
    ):
        try:
            hash(check.how.value)
        except TypeError:
            return _MISSING
        return check.what
    return _MISSING


class _Tracked:
    """Mixin for nodes with memory: remember that this node holds something (for a cheap reset)."""

    _touched: dict

    def _mark(self):
        self._touched[self] = None


class TrackedConflictSetNode(_Tracked, ConflictSetNode):
    def _activate(self, token):
        self._mark()
        self._dirty[self] = None
        return super()._activate(token)


class _TrackedTwoInput(_Tracked):
    # The super() calls reach the Experta two-input node this mixin precedes in each concrete class's MRO.
    def _activate_left(self, token):
        self._mark()
        return super()._activate_left(token)  # type: ignore[misc]

    def _activate_right(self, token):
        self._mark()
        return super()._activate_right(token)  # type: ignore[misc]


class TrackedOrdinaryMatchNode(_TrackedTwoInput, OrdinaryMatchNode):
    """Experta's join node, remembering when it holds tokens."""


class TrackedNotNode(_TrackedTwoInput, NotNode):
    """Experta's negation node, remembering when it holds tokens."""


_TRACKED = {
    ConflictSetNode: TrackedConflictSetNode,
    OrdinaryMatchNode: TrackedOrdinaryMatchNode,
    NotNode: TrackedNotNode,
}


class IndexedReteMatcher(ReteMatcher):
    """Experta's Rete network with hashed alpha dispatch, change-driven conflict sets and a lazy reset."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._touched: dict = {}
        self._dirty: dict = {}
        self._instrument()

    def _walk(self):
        seen, stack, out = set(), [self.root_node], []
        while stack:
            node = stack.pop()
            if id(node) in seen:
                continue
            seen.add(id(node))
            out.append(node)
            stack.extend(child.node for child in node.children)
        return out

    def _instrument(self):
        nodes = self._walk()
        for node in nodes:
            tracked = _TRACKED.get(type(node))
            if tracked is not None:
                node.__class__ = tracked
                node._touched = self._touched
                node._dirty = self._dirty
        # Only alpha nodes (no memory) have their children regrouped; beta wiring is left as built.
        for node in nodes:
            if not isinstance(node, FeatureTesterNode) and node is not self.root_node:
                continue
            groups: defaultdict[object, list] = defaultdict(list)
            rest: list = []
            for child in node.children:
                key = _literal_key(child.node)
                (rest if key is _MISSING else groups[key]).append(child)
            if not any(len(group) > 1 for group in groups.values()):
                continue
            new_children = list(rest)
            for key, group in groups.items():
                if len(group) == 1:
                    new_children.extend(group)
                else:
                    dispatch = HashDispatchNode(key, group)
                    new_children.append(ChildNode(dispatch, dispatch.activate))
            node.children = new_children

    def changes(self, adding=None, deleting=None):
        if deleting is not None:
            for fact in deleting:
                self.root_node.remove(fact)
        if adding is not None:
            for fact in adding:
                self.root_node.add(fact)
        added, removed = [], []
        if self._dirty:
            dirty = list(self._dirty)
            self._dirty.clear()
            for csn in dirty:
                c_added, c_removed = csn.get_activations()
                added.extend(c_added)
                removed.extend(c_removed)
        return added, removed

    def reset(self):
        for node in self._touched:
            node._reset()
            if isinstance(node, ConflictSetNode):
                node.added, node.removed = set(), set()
        self._touched.clear()
        self._dirty.clear()
