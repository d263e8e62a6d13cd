"""The report filters, exactly: numbers for people in Indonesian and English, advice as lists, the QR code."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from decimal import Decimal
from fractions import Fraction

import pytest
import segno
from markupsafe import Markup

import reports
from reports import filters
from reports.filters import bar_width, bullets, cf, percent, qr_svg, when

PERCENTS = [
    # value, language, text
    (84.76, "id", "84,8"),
    (84.76, "en", "84.8"),
    (100, "id", "100"),
    (100.0, "en", "100"),
    (0, "id", "0"),
    (0.0, "en", "0"),
    (94.56, "id", "94,6"),
    (92.0, "id", "92"),
    (84.65, "id", "84,7"),  # half away from zero, as people round (not to even: 84,6)
    (84.65, "en", "84.7"),
    (84.64, "en", "84.6"),
    (99.96, "id", "100"),
    (33.333333, "en", "33.3"),
    (0.04, "id", "0"),
    (-0.04, "id", "0"),  # never "-0"
    (-12.35, "id", "-12,4"),
    (-12.35, "en", "-12.4"),
    # exact values, as the typed results carry them: never through a binary float
    (Fraction(500, 7), "id", "71,4"),  # 0.8 with -0.3: 5/7 = 71.428...%
    (Fraction(500, 7), "en", "71.4"),
    (Fraction(1693, 20), "id", "84,7"),  # exactly 84.65: half away from zero
    (Fraction(8465, 100) - Fraction(1, 10**30), "id", "84,6"),  # just below 84.65 (a float could not tell)
    (Fraction(-1235, 100), "en", "-12.4"),
    (Decimal("84.65"), "en", "84.7"),
    (Fraction(100), "id", "100"),
]


@pytest.mark.parametrize("value, lang, text", PERCENTS)
def test_percent(value, lang, text):
    assert percent(value, lang) == text


CFS = [
    (0.8472, "id", "0,847"),
    (0.8472, "en", "0.847"),
    (1, "id", "1"),
    (1.0, "en", "1"),
    (0, "id", "0"),
    (0.0, "en", "0"),
    (0.9456, "id", "0,946"),
    (0.92, "en", "0.92"),
    (0.0005, "id", "0,001"),  # half away from zero
    (0.0004, "en", "0"),
    (-0.25, "id", "-0,25"),
    (-0.0004, "en", "0"),  # never "-0"
    (Fraction(5, 7), "id", "0,714"),
    (Fraction(5, 7), "en", "0.714"),
    (Fraction(-1, 2), "id", "-0,5"),
    (Fraction(0), "en", "0"),
]


@pytest.mark.parametrize("value, lang, text", CFS)
def test_cf(value, lang, text):
    assert cf(value, lang) == text


@pytest.mark.parametrize(
    "value, text",
    [
        pytest.param(Fraction(2364, 25), "94.56", id="two-decimals"),
        pytest.param(Fraction(92), "92", id="whole"),
        pytest.param(92.0, "92", id="float"),
        pytest.param(Fraction(500, 7), "71.43", id="rounded"),
        pytest.param(Fraction(100), "100", id="full"),
        pytest.param(Fraction(0), "0", id="empty"),
        pytest.param(Fraction(-50), "0", id="negative-cf-draws-nothing"),
        pytest.param(Fraction(1005, 10), "100", id="never-past-the-track"),
    ],
)
def test_bar_width_is_an_svg_length(value, text):
    """A point as the decimal mark in every language (an SVG attribute), held to the track."""
    assert bar_width(value) == text


def test_indonesian_is_the_default_language():
    assert (percent(84.76), cf(0.8472)) == ("84,8", "0,847")


BULLETS = [
    # advice text, HTML
    (None, ""),
    ("", ""),
    ("- Rest\n- Drink water", "<ul><li>Rest</li><li>Drink water</li></ul>"),
    ("Stay home.", "<p>Stay home.</p>"),
    (
        "Do this:\n- Rest\n- Drink water\nThen call.",
        "<p>Do this:</p><ul><li>Rest</li><li>Drink water</li></ul><p>Then call.</p>",
    ),
    ("- One\n\n- Two", "<ul><li>One</li><li>Two</li></ul>"),  # a blank line keeps the list
    ("- One\nBetween\n- Two", "<ul><li>One</li></ul><p>Between</p><ul><li>Two</li></ul>"),
    ("First\n\nSecond", "<p>First</p><p>Second</p>"),
    ("  - Indented  \r\n-   Spaced", "<ul><li>Indented</li><li>Spaced</li></ul>"),
    ("-No space is not an item", "<p>-No space is not an item</p>"),
    (
        '<script>alert(1)</script>\n- <b>5M</b> & "masks"',
        "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p><ul><li>&lt;b&gt;5M&lt;/b&gt; &amp; &#34;masks&#34;</li></ul>",
    ),
]


@pytest.mark.parametrize("text, html", BULLETS)
def test_bullets(text, html):
    out = bullets(text)
    assert isinstance(out, Markup)
    assert str(out) == html


def drawn_modules(svg: str) -> list[list[int]]:
    """The dark modules the SVG draws: segno's path is one-module-high horizontal strokes (``M x y``,
    ``m dx dy``, ``h n``) along each row's middle, in a viewBox of one unit per module."""
    side = int(re.search(r'viewBox="0 0 (\d+) \1"', svg).group(1))
    grid = [[0] * side for _ in range(side)]
    path = re.search(r'<path class="qrline" stroke="#000" d="([^"]+)"', svg).group(1)
    x = y = 0.0
    for command, args in re.findall(r"([MmHh])([^MmHh]*)", path):
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", args)]
        if command == "M":
            x, y = numbers
        elif command == "m":
            x, y = x + numbers[0], y + numbers[1]
        else:
            end = numbers[0] if command == "H" else x + numbers[0]
            for col in range(int(x), int(end)):
                grid[int(y)][col] = 1
            x = end
    return grid


@pytest.mark.parametrize(
    "url",
    [
        "https://pakar.example.go.id/r/Y6HO0Ip2UsFA1N3qCz0BCCM0",
        "http://127.0.0.1:5077/r/abc?lang=en&x=<1>",
    ],
)
def test_qr_svg_draws_the_url_qr_code(url):
    svg = qr_svg(url)
    assert isinstance(svg, Markup)
    assert svg.startswith("<svg ") and svg.endswith("</svg>")
    assert "style=" not in svg  # the CSP forbids inline styles
    assert "<?xml" not in svg and "xmlns" not in svg and "href" not in svg
    assert url not in svg and "<1>" not in svg  # only the drawing, never the text
    assert 'class="qr"' in svg and 'aria-hidden="true"' in svg
    expected = segno.make(url, error="m")
    size = expected.symbol_size(scale=1, border=0)[0]
    side = size + 2 * filters.QR_BORDER
    assert f'viewBox="0 0 {side} {side}"' in svg
    assert f'width="{side * filters.QR_MODULE_PX}" height="{side * filters.QR_MODULE_PX}"' in svg
    assert svg.count("<path") == 2  # the white background and the dark modules
    grid = drawn_modules(svg)
    border = filters.QR_BORDER
    drawn = [row[border : border + size] for row in grid[border : border + size]]
    assert drawn == [list(row) for row in expected.matrix]
    assert not any(
        grid[r][c]
        for r in range(side)
        for c in range(side)
        if not (border <= r < border + size and border <= c < border + size)
    )


def test_qr_svg_differs_by_url():
    assert drawn_modules(qr_svg("https://pakar.example/r/a")) != drawn_modules(qr_svg("https://pakar.example/r/b"))


def test_the_report_environment_uses_these_filters():
    env = reports.environment()
    assert {name: env.filters[name] for name in reports.FILTERS} == {
        "percent": percent,
        "cf": cf,
        "bar_width": bar_width,
        "bullets": bullets,
        "qr_svg": qr_svg,
        "when": when,
    }


WHEN = [
    # stored time (UTC, or naive = UTC), language, zone, text
    pytest.param(
        datetime(2024, 3, 1, 8, 30, tzinfo=timezone.utc), "id", "Asia/Jakarta", "1 Maret 2024 15.30 WIB", id="id-wib"
    ),
    pytest.param(
        datetime(2024, 3, 1, 8, 30), "en", "Asia/Jakarta", "March 1, 2024 3:30\u202fPM WIB", id="en-naive-wib"
    ),
    # past midnight in Jakarta: the local date, not UTC's
    pytest.param(datetime(2024, 3, 1, 20, 5), "id", "Asia/Jakarta", "2 Maret 2024 03.05 WIB", id="id-next-day"),
    pytest.param(datetime(2024, 3, 1, 8, 30), "id", "Asia/Makassar", "1 Maret 2024 16.30 WITA", id="id-wita"),
    pytest.param(datetime(2024, 3, 1, 8, 30), "en", "Asia/Jayapura", "March 1, 2024 5:30\u202fPM WIT", id="en-wit"),
]


@pytest.mark.parametrize("moment, lang, zone, text", WHEN)
def test_when_is_local_time_in_the_page_language(moment, lang, zone, text):
    assert when(moment, lang, zone) == text
