"""Formatting shared by the web pages and the reports: numbers for people, advice as lists, a QR code."""
from __future__ import annotations

from babel.numbers import format_decimal
from markupsafe import Markup, escape


def percent(value, lang: str = "id") -> str:
    """A percentage for people: one decimal, the language's decimal mark (``84,2`` / ``84.2``)."""
    return format_decimal(round(float(value), 1), format="#,##0.#", locale=lang)


def cf(value, lang: str = "id") -> str:
    """A certainty factor for people: up to three decimals (``0,84``)."""
    return format_decimal(round(float(value), 3), format="0.###", locale=lang)


def bullets(text: str | None) -> Markup:
    """Advice written as ``- item`` lines becomes a list; other lines become paragraphs."""
    if not text:
        return Markup("")
    items, parts = [], []
    for line in str(text).splitlines():
        line = line.strip()
        if line.startswith("- "):
            items.append(f"<li>{escape(line[2:])}</li>")
            continue
        if items:
            parts.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if line:
            parts.append(f"<p>{escape(line)}</p>")
    if items:
        parts.append("<ul>" + "".join(items) + "</ul>")
    return Markup("".join(parts))


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code of ``url`` (no inline style, so it passes a strict CSP)."""
    import segno

    return Markup(segno.make(url, error="m").svg_inline(scale=3, border=2, dark="#000", light="#fff",
                                                          title="QR", svgclass="qr", omitsize=False))


FILTERS = {"percent": percent, "cf": cf, "bullets": bullets, "qr_svg": qr_svg}
