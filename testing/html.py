"""A small, forgiving HTML tree builder for the pages the app serves, with finders for the tests.

The standard library parses HTML but builds no tree, and the tests need nothing more than this (no new
dependency): ``parse_html(page).one("h1").text``.
"""

from __future__ import annotations

from html.parser import HTMLParser

# Elements that never have content (no end tag to wait for).
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class Node:
    """An element of a parsed page: ``tag``, ``attrs``, ``children`` (nodes and text) and a few finders."""

    def __init__(self, tag: str, attrs: dict, parent: Node | None = None):
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def __repr__(self):
        return f"<{self.tag} {self.attrs}>"

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed (as a screen reader would read it)."""
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())

    def iter(self):
        """Every element below this one, in document order."""
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.iter()

    def find_all(self, tag: str | None = None, class_: str | None = None, **attrs) -> list[Node]:
        """Descendants by tag, by one of their classes, and by exact attribute values (``for_`` → ``for``,
        ``aria_invalid`` → ``aria-invalid``)."""
        wanted = {k.rstrip("_").replace("_", "-"): v for k, v in attrs.items()}
        return [
            n
            for n in self.iter()
            if (tag is None or n.tag == tag)
            and (class_ is None or class_ in (n.attrs.get("class") or "").split())
            and all(n.attrs.get(k) == v for k, v in wanted.items())
        ]

    def find(self, *args, **kwargs) -> Node | None:
        """The first of :meth:`find_all`, or None."""
        found = self.find_all(*args, **kwargs)
        return found[0] if found else None

    def one(self, *args, **kwargs) -> Node:
        """The only element :meth:`find_all` finds (an assertion fails when there are none or several)."""
        found = self.find_all(*args, **kwargs)
        assert len(found) == 1, f"expected exactly one {args} {kwargs}, found {len(found)}"
        return found[0]


class _TreeBuilder(HTMLParser):
    """Builds :class:`Node` trees; an end tag closes up to its element (unclosed ones are forgiven)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = self.current = Node("#document", {})

    def handle_starttag(self, tag, attrs):
        node = Node(tag, _attributes(attrs), self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):  # <rect .../> in inline SVG
        self.current.children.append(Node(tag, _attributes(attrs), self.current))

    def handle_endtag(self, tag):
        node: Node | None = self.current
        while node is not None and node is not self.root and node.tag != tag:
            node = node.parent
        if node is not None and node is not self.root and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def _attributes(attrs) -> dict[str, str]:
    # A bare attribute (``checked``, ``hidden``) comes as None: kept as "" so that ``"checked" in attrs``.
    return {k: ("" if v is None else v) for k, v in attrs}


def parse_html(page: str) -> Node:
    """The tree of ``page`` under a ``#document`` node."""
    builder = _TreeBuilder()
    builder.feed(page)
    builder.close()
    return builder.root
