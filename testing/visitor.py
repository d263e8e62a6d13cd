"""The Flask test client driven like a browser: forms read from the last page and sent as a browser would."""

from __future__ import annotations

from werkzeug.test import TestResponse

from testing.html import Node, parse_html


class Visitor:
    """The test client used like a browser: forms are read from the last page and sent with what a browser
    sends (hidden fields such as the CSRF token, selected options, checked boxes), then the given changes."""

    def __init__(self, client):
        self.client = client
        self._response: TestResponse | None = None

    def _keep(self, response):
        # Buffer the body, then close: static files are streamed from an open file (a ResourceWarning,
        # so an error under filterwarnings=error, if left to the garbage collector).
        response.get_data()
        response.close()
        self._response = response
        return response

    @property
    def response(self) -> TestResponse:
        """The last response (a test that reads one before any request is wrong)."""
        assert self._response is not None, "no page yet: get or post one first"
        return self._response

    def get(self, url, **kwargs):
        return self._keep(self.client.get(url, **kwargs))

    def post(self, url, data=None, **kwargs):
        return self._keep(self.client.post(url, data=data or {}, **kwargs))

    @property
    def text(self) -> str:
        return self.response.get_data(as_text=True)

    @property
    def dom(self) -> Node:
        return parse_html(self.text)

    def form(self, index: int = -1, action: str | None = None) -> Node:
        forms = self.dom.find_all("form", action=action) if action else self.dom.find_all("form")
        assert forms, f"no form on the page {self.response.request.path}"
        return forms[index]

    @staticmethod
    def fields(form: Node) -> dict[str, str]:
        """What a browser would send for ``form`` untouched (no button pressed)."""
        data = {}
        for node in form.iter():
            name = node.attrs.get("name")
            if not name or "disabled" in node.attrs:
                continue
            if node.tag == "input":
                kind = node.attrs.get("type", "text")
                if kind in ("radio", "checkbox"):
                    if "checked" in node.attrs:
                        data[name] = node.attrs.get("value", "on")
                elif kind not in ("submit", "button", "image", "reset"):
                    data[name] = node.attrs.get("value", "")
            elif node.tag == "select":
                options = node.find_all("option")
                chosen = [o for o in options if "selected" in o.attrs] or options[:1]
                if chosen:
                    data[name] = chosen[0].attrs.get("value", chosen[0].text)
            elif node.tag == "textarea":
                data[name] = node.text
        return data

    def submit(self, changes: dict | None = None, *, index: int = -1, action: str | None = None, **kwargs):
        """Send a form of the last page with ``changes`` (a value of None leaves that field out)."""
        form = self.form(index, action)
        data = {**self.fields(form), **(changes or {})}
        data = {k: v for k, v in data.items() if v is not None}
        return self.post(form.attrs.get("action") or self.response.request.path, data=data, **kwargs)
