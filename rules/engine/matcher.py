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

It also trims Experta's per-token overhead, which was most of a consultation's CPU: tokens are built
without Experta's per-instance ``isinstance`` assertions (every token here is made by the network from
facts and dicts), a conflict-set node does not copy a token it never changes, and the watchers' debug
lines are formatted only while :func:`rules.engine._experta.watch` is on. Joins, tests and activations
are Experta's own logic, node for node.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from contextlib import suppress

from experta.fact import Fact
from experta.fieldconstraint import L
from experta.matchers.rete import ReteMatcher
from experta.matchers.rete.check import FeatureCheck, TypeCheck
from experta.matchers.rete.mixins import ChildNode
from experta.matchers.rete.nodes import BusNode, ConflictSetNode, FeatureTesterNode, NotNode, OrdinaryMatchNode
from experta.matchers.rete.token import Token, TokenInfo
from experta.watchers import MATCH, MATCHER

from rules.engine import _experta  # first: it undoes Experta's import-time logging set-up

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


_VALID = Token.TagType.VALID
_INVALID = Token.TagType.INVALID


class LeanToken(Token):
    """Experta's Token, built without its per-instance assertions (three ``isinstance`` checks, one against
    the ``Mapping`` ABC, and one per fact): the network makes every token from facts and dicts. A copy
    copies the mutable parts once (Experta's copies them, then copies the data again in ``__new__``)."""

    __slots__ = ()

    def __new__(cls, tag, data, context=None):
        return tuple.__new__(
            cls, (tag, {data} if isinstance(data, Fact) else set(data), {} if context is None else context)
        )

    def copy(self):
        return tuple.__new__(type(self), (self[0], set(self[1]), dict(self[2])))

    def is_valid(self):
        return self[0] is _VALID


class LeanBusNode(BusNode):
    """The root: Experta's, making :class:`LeanToken` tokens (every token below is made from these)."""

    def add(self, fact):
        token = LeanToken(_VALID, fact)
        if _experta.watching:
            MATCHER.debug("<BusNode> added %r", token)
        for child in self.children:
            child.callback(token)

    def remove(self, fact):
        token = LeanToken(_INVALID, fact)
        if _experta.watching:
            MATCHER.debug("<BusNode> added %r", token)
        for child in self.children:
            child.callback(token)


class LeanFeatureTesterNode(FeatureTesterNode):
    """Experta's FeatureTesterNode; its debug line only while watching."""

    def activate(self, token):
        if _experta.watching:
            MATCHER.debug("Node <%s> activated with token %r", self, token)
        return self._activate(token.copy())

    def _activate(self, token):
        data = token.data
        if len(data) != 1:
            raise ValueError("a feature test takes a token of one fact")
        (fact,) = data
        match = self.matcher(fact)
        if match:
            if match is not True and isinstance(match, Mapping):
                context = token.context
                for key, value in match.items():
                    if isinstance(key, tuple):  # negated condition
                        if key[1] in context and context[key[1]] == value:
                            return False
                    else:
                        if context.get(key, value) != value:
                            return False
                        if (False, key) in context and context[(False, key)] == value:
                            return False
                context.update(match)
            for child in self.children:
                child.callback(token)
        return None


class _Tracked:
    """Mixin for nodes with memory: remember that this node holds something (for a cheap reset)."""

    _touched: dict

    def _mark(self):
        self._touched[self] = None


class TrackedConflictSetNode(_Tracked, ConflictSetNode):
    def activate(self, token):
        # Experta's OneInputNode.activate copies the token first; this node only reads it (to_info freezes it).
        if _experta.watching:
            MATCHER.debug("Node <%s> activated with token %r", self, token)
        return self._activate(token)

    def _activate(self, token):
        self._mark()
        self._dirty[self] = None
        return super()._activate(token)


class _TrackedTwoInput(_Tracked):
    # The super() calls reach the Experta two-input node this mixin precedes in each concrete class's MRO.
    def activate_left(self, token):
        if _experta.watching:
            MATCHER.debug("Node <%s> activated left with token %r", self, token)
        return self._activate_left(token.copy())

    def activate_right(self, token):
        if _experta.watching:
            MATCHER.debug("Node <%s> activated right with token %r", self, token)
        return self._activate_right(token.copy())

    def _activate_left(self, token):
        self._mark()
        return super()._activate_left(token)  # type: ignore[misc]

    def _activate_right(self, token):
        self._mark()
        return super()._activate_right(token)  # type: ignore[misc]


class TrackedOrdinaryMatchNode(_TrackedTwoInput, OrdinaryMatchNode):
    """Experta's join node, remembering when it holds tokens; the join is Experta's, making LeanTokens."""

    def _activate_left(self, token):
        self._mark()
        self._join(token, self.left_memory, self.right_memory, True)

    def _activate_right(self, token):
        self._mark()
        self._join(token, self.right_memory, self.left_memory, False)

    def _join(self, token, branch_memory, matching_memory, is_left):
        """Experta's ``OrdinaryMatchNode.__activation``, line for line, minus the always-formatted log calls."""
        if token.is_valid():
            branch_memory.append(TokenInfo(token.data, token.context))
        else:
            with suppress(ValueError):
                branch_memory.remove(TokenInfo(token.data, token.context))
        context = token.context
        for other_data, other_items in matching_memory:
            other_context = dict(other_items)
            left, right = (context, other_context) if is_left else (other_context, context)
            match = self.matcher(left, right)
            if match:
                if _experta.watching:
                    MATCH.info("%s (%s | %s) = True", self.__class__.__name__, left, right)
                newcontext = {k: v for k, v in context.items() if isinstance(k, str)}
                for k, v in other_context.items():
                    if not isinstance(k, tuple):  # negated values are not needed any further
                        newcontext[k] = v
                newtoken = LeanToken(token.tag, token.data | other_data, newcontext)
                for child in self.children:
                    child.callback(newtoken)
            elif _experta.watching:
                MATCH.debug("%s (%s | %s) = False", self.__class__.__name__, left, right)


class TrackedNotNode(_TrackedTwoInput, NotNode):
    """Experta's negation node, remembering when it holds tokens."""


_TRACKED = {
    BusNode: LeanBusNode,
    FeatureTesterNode: LeanFeatureTesterNode,
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
        # Children were wired with bound methods of the classes they had then: bind them again, so that
        # the lean activate methods above are the ones called.
        for node in nodes:
            node.children = [
                ChildNode(child.node, getattr(child.node, child.callback.__name__))
                if getattr(child.callback, "__self__", None) is child.node
                else child
                for child in node.children
            ]
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
