"""Formatting shared by the web pages and the reports: numbers for people, advice as lists, a QR code.
Numbers arrive exact (Fractions from the typed results) and are rounded only here.

The same functions are Jinja filters in the web app (:mod:`webui.templating` installs :data:`FILTERS`) and in
the PDF renderer (:func:`reports.render.environment`), so screen, paper and PDF always agree.
"""

from __future__ import annotations

from datetime import datetime, timezone
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from babel.dates import format_date, format_datetime, format_time, get_timezone
from babel.numbers import format_decimal
from markupsafe import Markup, escape

Number = Fraction | Decimal | int | float


def _decimal(value: Number) -> Decimal:
    """``value`` as a Decimal without a detour through binary floats: a Fraction or Decimal stays exact (to
    40 digits for a fraction that never ends), a float is read as the decimal it prints as."""
    if isinstance(value, Fraction):
        with localcontext() as ctx:
            ctx.prec = 40
            return Decimal(value.numerator) / Decimal(value.denominator)
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)


def _rounded(value: Number, places: str) -> Decimal:
    """``value`` rounded half away from zero, as people round (84.65 → 84.7), never ``-0``."""
    dec = _decimal(value).quantize(Decimal(places), rounding=ROUND_HALF_UP)
    return dec if dec else Decimal(0)


def percent(value: Number, lang: str = "id") -> str:
    """A percentage for people: at most one decimal, the language's decimal mark (``84,8`` / ``84.8``)."""
    return format_decimal(_rounded(value, "0.1"), format="#,##0.#", locale=lang)


def cf(value: Number, lang: str = "id") -> str:
    """A certainty factor for people: at most three decimals, the language's decimal mark (``0,848``)."""
    return format_decimal(_rounded(value, "0.001"), format="0.###", locale=lang)


def bar_width(value: Number) -> str:
    """A chart bar's length for an SVG attribute, from a percentage: held to 0..100, at most two decimals,
    always a point as the decimal mark (``94.56``, ``92``) whatever the page's language."""
    dec = min(max(_rounded(value, "0.01"), Decimal(0)), Decimal(100))
    return format(dec.normalize(), "f")


def bullets(text: str | None) -> Markup:
    """Advice written as ``- item`` lines becomes a list (one ``<ul>`` for consecutive items, blank lines
    between them allowed); every other non-blank line becomes a paragraph. All text is HTML-escaped."""
    if not text:
        return Markup("")
    items: list[str] = []
    parts: list[str] = []
    for line in str(text).splitlines():
        line = line.strip()
        if not line:
            continue  # a blank line neither ends a list nor makes an empty paragraph
        if line.startswith("- "):
            items.append(f"<li>{escape(line[2:].strip())}</li>")
            continue
        if items:
            parts.append("<ul>" + "".join(items) + "</ul>")
            items = []
        parts.append(f"<p>{escape(line)}</p>")
    if items:
        parts.append("<ul>" + "".join(items) + "</ul>")
    return Markup("".join(parts))


QR_MODULE_PX = 3  # the QR's size without CSS: 3 px a module (the stylesheets size it for screen and paper)
QR_BORDER = 2  # quiet zone in modules; the receipt box around it is white too


def qr_svg(url: str) -> Markup:
    """An inline SVG QR code of ``url``: a ``viewBox`` in modules (so CSS can size it), presentation
    attributes only (no ``style``, so it passes a strict CSP), no XML declaration, no external reference."""
    import segno

    qr = segno.make(str(url), error="m")
    svg = qr.svg_inline(scale=1, border=QR_BORDER, dark="#000", light="#fff", svgclass="qr", omitsize=True)
    side = qr.symbol_size(scale=QR_MODULE_PX, border=QR_BORDER)[0]
    # segno writes "<svg viewBox=...": give it a default size and make it plain to assistive technology.
    svg = svg.replace("<svg ", f'<svg width="{side}" height="{side}" focusable="false" aria-hidden="true" ', 1)
    return Markup(svg)


def when(moment: datetime, lang: str = "id", zone: str = "Asia/Jakarta") -> str:
    """A stored time (UTC) for people: the date and the time in ``zone``, in the page's language, with the
    zone's Indonesian abbreviation where it has one (``1 Maret 2024 15.30 WIB`` / ``1 March 2024 3:30 PM WIB``).
    A naive time is read as UTC (how the database gives it back)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    tz = get_timezone(zone)
    local = moment.astimezone(tz)
    # Indonesia's zones are named WIB, WITA and WIT in every language; CLDR has those names in Indonesian.
    label = format_datetime(moment, "zzz", tzinfo=tz, locale="id")
    return f"{format_date(local, 'long', locale=lang)} {format_time(local, 'short', locale=lang)} {label}"


FILTERS = {"when": when, "percent": percent, "cf": cf, "bar_width": bar_width, "bullets": bullets, "qr_svg": qr_svg}
