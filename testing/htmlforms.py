"""Read a page's form as a browser would submit it (inputs, text areas, the selected options), so a test
posts back what the page showed with only the fields it changes."""

from __future__ import annotations

from html.parser import HTMLParser


class _Forms(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action"), "fields": {}, "disabled": []}
            self.forms.append(self._form)
        if self._form is None:
            return
        fields = self._form["fields"]
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("checkbox", "radio", "file", "submit"):
            fields[name] = a.get("value") or ""
        elif tag == "input" and name and a.get("type") in ("checkbox", "radio") and "checked" in a:
            fields[name] = a.get("value", "on")
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = name
            fields.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            fields[self._select] = a.get("value", "")
        elif tag == "button" and "disabled" in a:
            self._form["disabled"].append(True)

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None and self._form is not None:
            text = "".join(self._text)
            # A browser drops one newline right after <textarea>.
            self._form["fields"][self._textarea] = text.removeprefix("\r").removeprefix("\n")
            self._textarea = None
        elif tag == "select":
            self._select = None
        elif tag == "form":
            self._form = None


def forms(html: str) -> list[dict]:
    """Every form of ``html``: ``{"action", "fields": {name: value}, "disabled": [...]}``, in page order."""
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def form(html: str, action: str | None = None) -> dict[str, str]:
    """The fields of the form posting to ``action`` (the first form without an action attribute when None)."""
    for found in forms(html):
        if found["action"] == action:
            return dict(found["fields"])
    raise AssertionError(f"no form with action {action!r}")
