"""Languages: the Indonesian catalogue covers every interface string, the information pages exist in both
languages, and pages come out in the language asked for.

The catalogue tests extract the strings from the sources right now (same mapping as ``babel.cfg``), so a
new ``_()`` in a template that nobody translated fails here with the list of missing msgids.
"""

from __future__ import annotations

import html
import os
import re

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from webui import content, create_app

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PO = os.path.join(ROOT, "rules", "translations", "id", "LC_MESSAGES", "messages.po")
MO = os.path.join(ROOT, "rules", "translations", "id", "LC_MESSAGES", "messages.mo")
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "tr": (2,), "trn": (2, 3), "N_": None}  # as the Makefile's -k flags

PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")


def _catalog():
    with open(PO, "rb") as fh:
        return read_po(fh, locale="id")


def _extracted() -> set[str]:
    """Every msgid (singular) the sources use now, extracted as `make translations` does."""
    with open(os.path.join(ROOT, "babel.cfg"), encoding="utf-8") as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    ids = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        ids.add(message if isinstance(message, str) else message[0])
    return ids


def _strings(value) -> tuple:
    return value if isinstance(value, (tuple, list)) else (value,)


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def placeholder_mismatch(msgid, msgstr) -> str | None:
    """Why a translation's ``%(name)s`` placeholders differ from its msgid's, or None when they agree."""
    wanted = set().union(*(placeholders(s) for s in _strings(msgid)))
    for text in _strings(msgstr):
        got = placeholders(text)
        if got != wanted:
            return f"msgid has {sorted(wanted)}, msgstr {text!r} has {sorted(got)}"
    return None


# --- the catalogue ----------------------------------------------------------------------------------


def test_extraction_finds_the_interface_strings():
    """Guards the tests below: an extraction that found nothing would let every catalogue check pass."""
    ids = _extracted()
    for msgid in (
        "Start quick screening",  # webui template
        "Please choose an answer.",  # webui/forms.py, gettext as _
        "Page not found",  # webui/errorpages.py, _l
        "Receipt: this result is kept at",
    ):  # reports/templates/report
        assert msgid in ids


def test_every_interface_string_is_translated_into_indonesian():
    catalog = _catalog()
    missing = []
    for msgid in sorted(_extracted()):
        message = catalog.get(msgid)
        if message is None:
            missing.append(f"not in messages.po: {msgid!r}")
        elif message.fuzzy:
            missing.append(f"fuzzy: {msgid!r}")
        elif not all(s.strip() for s in _strings(message.string)):
            missing.append(f"untranslated: {msgid!r}")
    assert missing == [], "run `make translations`, then translate in " + PO + ":\n  " + "\n  ".join(missing)


def test_catalogue_header():
    catalog = _catalog()
    assert str(catalog.locale) == "id"
    assert catalog.plural_forms == "nplurals=1; plural=0;"
    assert not catalog.fuzzy
    assert [m.id for m in catalog if m.id and m.fuzzy] == []


@pytest.mark.parametrize(
    "msgid, msgstr, problem",
    [
        ("Question %(step)d of %(total)d", "Pertanyaan %(step)d dari %(total)d", None),
        ("Call %(number)s", "Telepon %(number)s", None),
        ("Home", "Beranda", None),
        (
            "Question %(step)d of %(total)d",
            "Pertanyaan %(step)d",
            "msgid has ['step', 'total'], msgstr 'Pertanyaan %(step)d' has ['step']",
        ),
        ("Call %(number)s", "Telepon %(nomor)s", "msgid has ['number'], msgstr 'Telepon %(nomor)s' has ['nomor']"),
        ("Home", "Beranda %(x)s", "msgid has [], msgstr 'Beranda %(x)s' has ['x']"),
        (("%(n)d answer", "%(n)d answers"), ("%(n)d jawaban",), None),
        (("%(n)d answer", "%(n)d answers"), ("jawaban",), "msgid has ['n'], msgstr 'jawaban' has []"),
    ],
)
def test_placeholder_check(msgid, msgstr, problem):
    assert placeholder_mismatch(msgid, msgstr) == problem


def test_translations_keep_the_placeholders():
    catalog = _catalog()
    wrong = {m.id: why for m in catalog if m.id and (why := placeholder_mismatch(m.id, m.string))}
    assert wrong == {}


def test_babel_format_checks_pass():
    """Babel's own checks (python-format conversion types, plural counts) find nothing."""
    problems = {m.id: [str(e) for e in errors] for m, errors in _catalog().check()}
    assert problems == {}


def _hashable(value):
    """A plural entry's forms as a tuple: read_mo gives lists where read_po gives tuples."""
    return tuple(value) if isinstance(value, (list, tuple)) else value


def test_compiled_catalogue_is_up_to_date():
    """The app reads messages.mo (built by `make install` / `make translations`, not in git)."""
    assert os.path.exists(MO), "compile it: .venv/bin/pybabel compile -d rules/translations"
    with open(MO, "rb") as fh:
        compiled = {_hashable(m.id): _hashable(m.string) for m in read_mo(fh) if m.id}
    source = {_hashable(m.id): _hashable(m.string) for m in _catalog() if m.id}
    assert compiled == source, "messages.mo is stale: .venv/bin/pybabel compile -d rules/translations"


# --- pages in each language -------------------------------------------------------------------------


@pytest.fixture
def web(tmp_path):
    """A client on a SQLite app: these pages never touch the stored consultations."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_DATABASE_URI": "sqlite:///" + str(tmp_path / "pakar.sqlite3"),
        },
        instance_path=str(tmp_path / "instance"),
    )
    return app.test_client()


TITLES = {
    ("basics", "id"): "Mengenal COVID-19",
    ("basics", "en"): "About COVID-19",
    ("prevention", "id"): "Mencegah COVID-19 (5M)",
    ("prevention", "en"): "Preventing COVID-19 (5M)",
    ("terms", "id"): "Suspek, probable, dan konfirmasi",
    ("terms", "en"): "Suspect, probable and confirmed",
    ("privacy", "id"): "Privasi",
    ("privacy", "en"): "Privacy",
}
SOURCES_LINE = {"id": "**Sumber:**", "en": "**Sources:**"}


def test_every_page_has_a_title_in_the_table():
    assert sorted(TITLES) == sorted((page, lang) for page in content.PAGES for lang in ("id", "en"))


@pytest.mark.parametrize("page, lang", sorted(TITLES))
def test_content_file(page, lang):
    with open(content.path_of(page, lang), encoding="utf-8") as fh:
        text = fh.read()
    first, _, body = text.partition("\n")
    assert first == "# " + TITLES[page, lang]
    assert "TODO" not in text
    assert body.strip()
    assert body.rstrip().splitlines()[-1].startswith(SOURCES_LINE[lang])


@pytest.mark.parametrize("page, lang", sorted(TITLES))
def test_content_page_renders(web, page, lang):
    response = web.get(f"/info/{page}?lang={lang}")
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in body
    assert f"<h1>{html.escape(TITLES[page, lang], quote=False)}</h1>" in body
    assert "<h2>" in body


@pytest.mark.parametrize("page, lang", sorted(TITLES))
def test_content_links_lead_somewhere(web, page, lang):
    body = web.get(f"/info/{page}?lang={lang}").get_data(as_text=True)
    article = body[body.index('<article class="info">') : body.index("</article>")]
    links = re.findall(r'href="([^"]*)"', article)
    for link in links:
        assert link.startswith("/") and not link.startswith("//"), f"{page}.md links off the site: {link}"
        assert web.get(link).status_code == 200, link


@pytest.mark.parametrize("path", ["/info/faq", "/info/Basics", "/info/basics.md", "/info/"])
def test_unknown_page_is_404(web, path):
    assert web.get(path).status_code == 404


def test_page_missing_in_english_falls_back_to_indonesian(web, tmp_path, monkeypatch):
    (tmp_path / "content" / "id").mkdir(parents=True)
    (tmp_path / "content" / "id" / "basics.md").write_text("# Judul saja\n\nIsi.\n", encoding="utf-8")
    monkeypatch.setattr(content, "ROOT", str(tmp_path / "content"))
    english = web.get("/info/basics?lang=en")
    assert english.status_code == 200
    assert "<h1>Judul saja</h1>" in english.get_data(as_text=True)
    assert web.get("/info/prevention?lang=en").status_code == 404


# --- the home page in each language ----------------------------------------------------------------

HOME = {
    "id": [
        "Periksa gejala COVID-19",
        "Mulai skrining cepat",
        "Mulai diagnosis rinci",
        "Skrining cepat",
        "Alat bantu skrining COVID-19",
        "Pencegahan (5M)",
        "Langsung ke isi",
        "Pakar adalah alat bantu skrining, bukan diagnosis.",
    ],
    "en": [
        "Check for COVID-19 symptoms",
        "Start quick screening",
        "Start detailed diagnosis",
        "Quick screening",
        "COVID-19 screening aid",
        "Prevention (5M)",
        "Skip to content",
        "Pakar is a screening aid, not a diagnosis.",
    ],
}


@pytest.mark.parametrize(
    "path, lang",
    [
        ("/", "id"),  # Indonesian is the default
        ("/?lang=id", "id"),
        ("/?lang=en", "en"),
        ("/?lang=fr", "id"),  # a language Pakar does not have: the default
    ],
)
def test_home_page_language(web, path, lang):
    response = web.get(path)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert f'<html lang="{lang}">' in body
    other = "en" if lang == "id" else "id"
    assert [s for s in HOME[lang] if s not in body] == []
    assert [s for s in HOME[other] if s in body] == []


def test_language_choice_is_kept_for_the_session(web):
    switched = web.get("/lang/en?next=/info/basics")
    assert (switched.status_code, switched.headers["Location"]) == (302, "/info/basics")
    assert "<h1>About COVID-19</h1>" in web.get("/info/basics").get_data(as_text=True)
    assert '<html lang="en">' in web.get("/").get_data(as_text=True)
    web.get("/lang/id")
    assert '<html lang="id">' in web.get("/").get_data(as_text=True)
