"""The staff pages of KB versions, driven through the Flask client as people use them (CSRF on).

The whole path of issue 10 through the pages: an engineer changes GC03's CF in a draft with the form editor
(the symptom, its two rules, then the two stored cases the check finds failing), sees the check, the diff and
the impact; the author cannot approve; an expert approves; the engineer publishes and a public consultation
answers with the new CF and version; an admin rolls back; the audit log shows every step. Then the per-file
editor, the form editor's errors next to their fields, import, export and diff. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import html as html_lib
import io
import re
import zipfile

import pytest

import kb
from testing.htmlforms import form, forms
from testing.kbvariants import GC03_CF_08_CLEAN, bundled_files, variant
from testing.staff import login, make_user

CONSULT = "/api/v1/consultations"


class Person:
    """A staff member's logged-in client."""

    def __init__(self, app, name: str, *roles: str):
        make_user(app, name, *roles)
        self.client = app.test_client()
        assert login(self.client, name).status_code == 302

    def page(self, url: str, status: int = 200) -> str:
        response = self.client.get(url)
        assert response.status_code == status, (url, response.status_code)
        assert response.headers["Cache-Control"].startswith("no-store")
        return response.get_data(as_text=True)

    def post(self, url: str, fields: dict, status: int = 303, **kw):
        response = self.client.post(url, data=fields, **kw)
        assert response.status_code == status, (url, response.status_code, _flashes(response.get_data(as_text=True)))
        return response

    def step(self, url: str, status: int = 303):
        """A step button (its form is its CSRF token and an optional note)."""
        token = form(self.page("/staff/kb/"), "/staff/logout")["csrf_token"]
        return self.post(url + "?lang=en", {"csrf_token": token}, status)

    def edit_item(self, version: str, path: str, changes: dict, status: int = 303):
        """Open an item's form, change some fields, save; the response."""
        url = f"/staff/kb/{version}/items/{path}"
        fields = form(self.page(url), None)
        for name in changes:
            assert name in fields, (name, sorted(fields))
        return self.post(url + "?lang=en", {**fields, **changes}, status)


def _flashes(html: str) -> list[str]:
    block = html.split('class="flash" role="status">', 1)
    return re.findall(r"<p>(.*?)</p>", block[1].split("</div>", 1)[0]) if len(block) > 1 else []


def _version_of(response) -> str:
    match = re.search(r"/staff/kb/([0-9a-f]{64})", response.headers["Location"])
    assert match, response.headers["Location"]
    return match.group(1)


def consult(client, symptoms: dict) -> dict:
    response = client.post(CONSULT, json={"mode": "diagnosis", "symptoms": symptoms, "lang": "en"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def cf_of(result: dict, code: str) -> float:
    return next(row["cf"] for row in result["ranking"] if row["code"] == code)


def _rows(html: str, element_id: str) -> list[list[str]]:
    """The body rows of table ``element_id``, each a list of its cells' texts."""
    body = html.split(f'id="{element_id}"', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    return [
        [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
        for row in re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    ]


def _text(html: str, element_id: str) -> str:
    match = re.search(rf'id="{element_id}"[^>]*>(.*?)</(?:p|ul|table|div)>', html, re.S)
    assert match, element_id
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(1))).strip())


@pytest.fixture
def people(staff_app):
    yield {
        "eko": Person(staff_app, "eko", "engineer"),
        "dewi": Person(staff_app, "dewi", "expert"),
        "adi": Person(staff_app, "adi", "admin"),
    }


def _items(html: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", li)
        for li in re.findall(r"<li>(.*?)</li>", html.split('id="diff-items"', 1)[1].split("</ul>", 1)[0])
    ]


def test_the_whole_path_through_the_pages(staff_app, people):
    eko, dewi, adi = people["eko"], people["dewi"], people["adi"]
    public = staff_app.test_client()
    first = kb.load_files(bundled_files()).version
    assert cf_of(consult(public, {"GC03": 1}), "PC01") == 1
    listing = eko.page("/staff/kb/?lang=en")
    assert re.findall(r'<tr id="version-(\w+)" data-state="(\w+)"( data-active="true")?', listing) == [
        (first[:12], "published", ' data-active="true"')
    ]

    # The engineer edits GC03's CF in the form editor: saving a published version makes a draft of it.
    saved = eko.edit_item(first, "symptoms.yaml/symptoms/2", {"f.cf": "0.8", "note": "GC03 CF 0.8 (Tabel 2)"})
    draft = _version_of(saved)
    assert saved.headers["Location"].endswith(f"/staff/kb/{draft}/items/symptoms.yaml/symptoms/2")
    assert _flashes(eko.page(f"/staff/kb/{draft}/items/symptoms.yaml/symptoms/2?lang=en")) == [
        f"Saved as draft {draft[:12]}. Check: 0 errors, 0 warnings, 147 cases passed, 0 failed."
    ]
    # Its two rules (R03 for PC01 and R10 for PC02): the stored cases that expect the old CFs now fail.
    draft = _version_of(eko.edit_item(draft, "rules.yaml/rules/2", {"f.cf": "0.8"}))
    draft = _version_of(eko.edit_item(draft, "rules.yaml/rules/9", {"f.cf": "0.8"}))
    page = eko.page(f"/staff/kb/{draft}?lang=en")
    assert _text(page, "check-summary").startswith(
        "Verifier: 0 errors, 0 warnings. Stored test cases: 145 passed, 2 failed."
    )
    problems = _text(page, "check-problems")
    assert "cases.yaml:570: case cf-single failed: PC01 CF 0.64, expected 0.8" in problems
    assert f'href="/staff/kb/{draft}/files/cases.yaml"' in page
    # The expert cannot approve it yet (the button is disabled, and the server refuses anyway).
    review = dewi.page(f"/staff/kb/{draft}?lang=en")
    assert [f["disabled"] for f in forms(review) if f["action"] == f"/staff/kb/{draft}/approve"] == [[True]]
    dewi.step(f"/staff/kb/{draft}/approve")
    assert _flashes(dewi.page(f"/staff/kb/{draft}?lang=en")) == [
        f"Version {draft[:12]} has 0 verifier errors and 2 failing cases; fix them before it is approved."
    ]
    # The failing case is shown next to its item in the form editor; the engineer brings both in line.
    case_page = eko.page(f"/staff/kb/{draft}/items/cases.yaml/cases/105?lang=en")
    assert "line 570: case cf-single failed" in case_page
    assert form(case_page, None)["f.expect_cf"] == "{PC01: 0.8, PC02: 0.8}"
    draft = _version_of(eko.edit_item(draft, "cases.yaml/cases/105", {"f.expect_cf": "{PC01: 0.64, PC02: 0.64}"}))
    draft = _version_of(eko.edit_item(draft, "cases.yaml/cases/106", {"f.expect_cf": "{PC01: 0.88768, PC02: 0.688}"}))
    # Only the edited lines changed: the draft is exactly the variant the other tests build by hand.
    assert draft == kb.load_files(variant(bundled_files(), GC03_CF_08_CLEAN)).version

    # The draft's page: clean check, item diff against the active version, impact on the stored consultation.
    page = eko.page(f"/staff/kb/{draft}?lang=en")
    assert _text(page, "check-summary") == (
        "Verifier: 0 errors, 0 warnings. Stored test cases: 147 passed, 0 failed. Clean: it may be approved."
    )
    assert _items(page) == [
        "GC03 CF 1 → 0.8",
        "R03 CF 1 → 0.8",
        "R10 CF 1 → 0.8",
        "cf-single expected CFs {PC01: 0.8, PC02: 0.8} → {PC01: 0.64, PC02: 0.64}",
        "cf-combo expected CFs {PC01: 0.9136, PC02: 0.76} → {PC01: 0.88768, PC02: 0.688}",
    ]
    assert _text(page, "impact-summary") == (
        "Of 1 stored consultations (within the retention period), 1 would get another outcome under this version."
    )
    assert _rows(page, "impact-counts") == [["CF over the threshold", "1"]]
    assert 'id="impact-transitions"' not in page  # no outcome moved from one code to another
    # Outcome codes only, never the answers.
    assert _rows(page, "impact-affected") == [["CF over the threshold", "PC01 CF 1 → 0.8; PC02 CF 1 → 0.8", "1"]]

    # The engineer may not approve (not an expert); the expert may; the expert may not publish.
    eko.step(f"/staff/kb/{draft}/approve", 403)
    dewi.step(f"/staff/kb/{draft}/approve")
    assert re.search(r'<span class="kb-state kb-state-approved">', dewi.page(f"/staff/kb/{draft}"))
    dewi.step(f"/staff/kb/{draft}/publish", 403)
    eko.step(f"/staff/kb/{draft}/publish")
    assert _flashes(eko.page(f"/staff/kb/{draft}?lang=en")) == [
        "This version is now active. Every server answers from it within seconds."
    ]
    after = consult(public, {"GC03": 1})
    assert (after["kb_version"], cf_of(after, "PC01")) == (draft[:12], 0.8)

    # Rolling back is an admin's: the engineer's button is disabled and refused; the admin's works.
    old_page = eko.page(f"/staff/kb/{first}")
    assert [f["disabled"] for f in forms(old_page) if f["action"] == f"/staff/kb/{first}/publish"] == [[True]]
    eko.step(f"/staff/kb/{first}/publish")
    assert "only an admin may make it active again" in _flashes(eko.page(f"/staff/kb/{first}?lang=en"))[0]
    adi.step(f"/staff/kb/{first}/publish")
    again = consult(public, {"GC03": 1})
    assert (again["kb_version"], cf_of(again, "PC01")) == (first[:12], 1)

    # The audit log shows it all, with the versions.
    audit = adi.page("/staff/audit")
    actions = re.findall(r"<td>(\w+)</td><td><code>(version\.\w+)</code></td>", audit)
    assert list(reversed(actions)) == [
        ("eko", "version.create"),
        ("eko", "version.edit"),
        ("eko", "version.retire"),
        ("eko", "version.edit"),
        ("eko", "version.retire"),
        ("dewi", "version.approve_refused"),
        ("eko", "version.edit"),
        ("eko", "version.retire"),
        ("eko", "version.edit"),
        ("eko", "version.retire"),
        ("dewi", "version.approve"),
        ("eko", "version.publish"),
        ("adi", "version.rollback"),
    ]


@pytest.fixture
def eko(staff_app):
    yield Person(staff_app, "eko", "engineer")


def _active(staff_app) -> str:
    return kb.load_files(bundled_files()).version


def test_the_file_editor_refuses_a_file_that_does_not_load_and_shows_its_lines(staff_app, eko):
    first = _active(staff_app)
    url = f"/staff/kb/{first}/files/rules.yaml"
    fields = form(eko.page(url), url)
    assert fields["text"] == bundled_files()["rules.yaml"]
    broken = fields["text"].replace("    then: PC01\n    cf: 0.8\n", "    then: PC09\n    cf: 0.8\n", 1)
    refused = eko.post(url + "?lang=en", {**fields, "text": broken}, 422).get_data(as_text=True)
    assert _flashes(refused) == ["The KB does not load (1 problems); nothing was stored."]
    assert re.findall(r'<li class="kb-problem kb-error">(line \d+): ', refused) == ["line 18"]
    assert "PC09" in _text(refused, "file-problems")
    # The text stays as typed, tied to the problems.
    assert form(refused, url)["text"] == broken
    assert re.search(
        r'<textarea[^>]*aria-describedby="text-error"[^>]*aria-invalid="true"|'
        r'<textarea[^>]*aria-invalid="true"[^>]*aria-describedby="text-error"',
        refused,
    )
    assert len(re.findall(r'<tr id="version-', eko.page("/staff/kb/"))) == 1
    # A good edit makes a draft, on whose editor the same file opens.
    fixed = fields["text"].replace("    then: PC01\n    cf: 0.8\n", "    then: PC01\n    cf: 0.7\n", 1)
    saved = eko.post(url, {**fields, "text": fixed})
    draft = _version_of(saved)
    assert saved.headers["Location"].endswith(f"/staff/kb/{draft}/files/rules.yaml")
    assert kbfiles(staff_app, draft)["rules.yaml"] == fixed


def kbfiles(app, version: str) -> dict[str, str]:
    from webui import kbworkflow

    with app.app_context():
        return kbworkflow.files(version)


def test_the_form_editor_shows_input_and_load_errors_next_to_their_fields(staff_app, eko):
    first = _active(staff_app)
    url = f"/staff/kb/{first}/items/symptoms.yaml/symptoms/2"
    page = eko.page(url + "?lang=en")
    fields = form(page, None)
    assert (fields["f.code"], fields["f.cf"], fields["f.name.en"], fields["f.category"]) == (
        "GC03",
        "1.0",
        "Fever above 38 °C",
        "general",
    )
    assert '<label for="f-cf">CF (cf) <span class="kb-required">(required)</span></label>' in page
    # Not a number: the form again, the error tied to the field; nothing saved.
    bad = eko.post(url + "?lang=en", {**fields, "f.cf": "high"}, 400).get_data(as_text=True)
    assert '<p class="field-error" id="f-cf-error">Write a number, such as 0.8.</p>' in bad
    assert re.search(r'id="f-cf" value="high" [^>]*aria-describedby="f-cf-hint f-cf-error" aria-invalid="true"', bad)
    # A CF outside [-1, 1]: the loader's problem, on the cf line, next to the cf field.
    out = eko.post(url + "?lang=en", {**fields, "f.cf": "1.5"}, 422).get_data(as_text=True)
    assert re.findall(r'<p class="field-error" id="([\w-]+)-error">', out) == ["f-cf"]
    assert re.search(r'id="f-cf-error">line 59: symptoms\[2\]\.cf: 1\.5 is outside the allowed range', out)
    # An emptied required text: the loader's problem lands on that text's fieldset.
    empty = eko.post(url + "?lang=en", {**fields, "f.name.en": ""}, 422).get_data(as_text=True)
    assert re.findall(r'<p class="field-error" id="([\w-]+)-error">', empty) == ["f-name-en"]
    assert len(re.findall(r'<tr id="version-', eko.page("/staff/kb/"))) == 1


@pytest.mark.parametrize(
    ("path", "changes", "diff"),
    [
        # A rule's premise with all/any, a threshold and a negative CF.
        (
            "rules.yaml/rules/0",
            {"f.if": "{all: [GC01, {any: [GC02, GC03]}]}", "f.threshold": "0.2", "f.cf": "-0.4"},
            ["R01 premise GC01 → ALL(GC01, ANY(GC02, GC03))", "R01 CF 0.8 → -0.4", "R01 threshold 0 → 0.2"],
        ),
        # A solution's texts in both languages and a flag.
        (
            "screening.yaml/solutions/0",
            {"f.title.en": "Stay at home"},
            ["S1 title changed (en)"],
        ),
    ],
)
def test_the_form_editor_edits_rules_and_solutions(staff_app, eko, path, changes, diff):
    first = _active(staff_app)
    draft = _version_of(eko.edit_item(first, path, changes))
    assert _items(eko.page(f"/staff/kb/{draft}?lang=en")) == diff


def test_import_export_and_diff(staff_app, eko):
    first = _active(staff_app)
    exported = eko.client.get(f"/staff/kb/{first}/export")
    assert exported.mimetype == "application/zip"
    with zipfile.ZipFile(io.BytesIO(exported.data)) as archive:
        assert {n: archive.read(n).decode() for n in archive.namelist()} == bundled_files()
    token = form(eko.page("/staff/kb/"), "/staff/kb/import")["csrf_token"]
    changed = variant(bundled_files(), GC03_CF_08_CLEAN)
    uploads = [(io.BytesIO(text.encode()), name) for name, text in changed.items()]
    saved = eko.post("/staff/kb/import?lang=en", {"csrf_token": token, "note": "from git", "files": uploads})
    draft = _version_of(saved)
    assert draft == kb.load_files(changed).version
    # The same KB as a zip: stored already.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in changed.items():
            archive.writestr(f"kb/{name}", text)
    again = eko.post(
        "/staff/kb/import?lang=en", {"csrf_token": token, "files": [(io.BytesIO(buffer.getvalue()), "kb.zip")]}
    )
    assert _version_of(again) == draft
    # A KB that does not load: refused whole, each problem with its file and line.
    broken = dict(changed, **{"rules.yaml": changed["rules.yaml"].replace("then: PC01", "then: PC09", 1)})
    uploads = [(io.BytesIO(text.encode()), name) for name, text in broken.items()]
    refused = eko.post("/staff/kb/import?lang=en", {"csrf_token": token, "files": uploads}, 422).get_data(as_text=True)
    assert re.findall(r'<li class="kb-problem kb-error">(rules\.yaml:\d+:\d+): ', refused) == ["rules.yaml:18:5"]
    # Diff of any two: items and text.
    page = eko.page(f"/staff/kb/diff?old={first}&new={draft}&lang=en")
    assert _items(page)[:3] == ["GC03 CF 1 → 0.8", "R03 CF 1 → 0.8", "R10 CF 1 → 0.8"]
    assert '<span class="kb-del">-    cf: 1.0</span>' in page and '<span class="kb-add">+    cf: 0.8</span>' in page
    assert eko.client.get("/staff/kb/diff?old=abc&new=def").status_code == 404
    assert eko.client.get("/staff/kb/0123456789ab").status_code == 404


def test_an_item_is_added_and_removed_through_the_form_editor(staff_app, eko):
    first = _active(staff_app)
    url = f"/staff/kb/{first}/items/symptoms.yaml/symptoms/new"
    fields = form(eko.page(url + "?lang=en"), None)
    assert (fields["f.code"], fields["f.cf"], fields["f.name.id"]) == ("", "", "")
    new = {
        "f.code": "GC21",
        "f.name.id": "Lelah",
        "f.name.en": "Tiredness",
        "f.question.id": "Apakah Anda merasa sangat lelah?",
        "f.question.en": "Do you feel very tired?",
        "f.category": "general",
        "f.cf": "0.4",
        "f.source": "pakar assumption",
    }
    # An undeclared source: refused, the problem beside the source field, nothing stored.
    refused = eko.post(url + "?lang=en", {**fields, **new, "f.source": "nowhere"}, 422).get_data(as_text=True)
    assert re.findall(r'<p class="field-error" id="([\w-]+)-error">', refused) == ["f-source"]
    saved = eko.post(url + "?lang=en", {**fields, **new})
    draft = _version_of(saved)
    assert saved.headers["Location"].endswith(f"/staff/kb/{draft}/items/symptoms.yaml/symptoms/20")
    assert _items(eko.page(f"/staff/kb/{draft}?lang=en")) == ["symptom GC21 added"]
    # Removing it gives back the first version's content (nothing new is stored).
    token = form(eko.page("/staff/kb/"), "/staff/logout")["csrf_token"]
    removed = eko.post(f"/staff/kb/{draft}/items/symptoms.yaml/symptoms/20/remove?lang=en", {"csrf_token": token})
    assert removed.headers["Location"].endswith(f"/staff/kb/{first}/edit")
    # A symptom the rules use cannot be removed: refused with the problems, nothing stored.
    page = eko.post(f"/staff/kb/{first}/items/symptoms.yaml/symptoms/2/remove?lang=en", {"csrf_token": token}, 422)
    assert "rules.yaml:27:5: rules[2].if: unknown symptom or finding 'GC03'" in _text(
        page.get_data(as_text=True), "refused-problems"
    )
    assert len(re.findall(r'<tr id="version-', eko.page("/staff/kb/"))) == 2


def test_a_large_file_is_saved_and_a_draft_checked_again_and_retired(staff_app, eko):
    first = _active(staff_app)
    url = f"/staff/kb/{first}/files/cases.yaml"
    fields = form(eko.page(url), url)
    # Over a consultation's MAX_CONTENT_LENGTH (64 KiB): the KB pages take up to KB_UPLOAD_MAX_BYTES.
    note = " ".join(f"note{i:05d}" for i in range(7000))
    text = fields["text"].replace("  - id: T3-R1\n", f"  - id: T3-R1\n    note: {note}\n", 1)
    assert len(text.encode()) > 64 * 1024
    draft = _version_of(eko.post(url, {**fields, "text": text}))
    assert kbfiles(staff_app, draft)["cases.yaml"] == text
    page = eko.page(f"/staff/kb/{draft}?lang=en")
    assert [f["disabled"] for f in forms(page) if f["action"] == f"/staff/kb/{draft}/retire"] == [[]]
    eko.step(f"/staff/kb/{draft}/check")
    assert _flashes(eko.page(f"/staff/kb/{draft}?lang=en")) == ["Check done."]
    eko.step(f"/staff/kb/{draft}/retire")
    page = eko.page(f"/staff/kb/{draft}?lang=en")
    assert _flashes(page) == ["Retired."]
    assert '<span class="kb-state kb-state-retired">retired</span>' in page
    # A retired version offers neither approval nor publishing, and the active one cannot be retired.
    assert {f["action"] for f in forms(page)} & {f"/staff/kb/{draft}/approve", f"/staff/kb/{draft}/publish"} == set()
    eko.step(f"/staff/kb/{first}/retire")
    assert _flashes(eko.page(f"/staff/kb/{first}?lang=en")) == [
        f"Version {first[:12]} is the active one; publish another version first."
    ]


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "en",
            "Too many consultations to replay within a page (0 of 1 replayed in 0 s): "
            "run flask --app webui kb impact {version} on the server.",
        ),
        (
            "id",
            "Terlalu banyak konsultasi untuk diputar ulang dalam satu halaman (0 dari 1 diputar ulang dalam 0 detik): "
            "jalankan flask --app webui kb impact {version} di server.",
        ),
    ],
)
def test_an_impact_longer_than_the_web_budget_names_the_command(staff_app, eko, lang, text):
    consult(staff_app.test_client(), {"GC03": 1})  # the one stored consultation the change reaches
    token = form(eko.page("/staff/kb/"), "/staff/kb/import")["csrf_token"]
    uploads = [(io.BytesIO(t.encode()), name) for name, t in variant(bundled_files(), GC03_CF_08_CLEAN).items()]
    draft = _version_of(eko.post("/staff/kb/import", {"csrf_token": token, "files": uploads}))
    staff_app.config["IMPACT_WEB_SECONDS"] = 0  # already past when the replay starts
    page = eko.page(f"/staff/kb/{draft}?lang={lang}")
    assert _text(page, "impact-cut") == text.format(version=draft)
    assert f"<code>flask --app webui kb impact {draft}</code>" in page
    assert 'id="impact-summary"' not in page
    # Within the budget the page shows the impact itself.
    staff_app.config["IMPACT_WEB_SECONDS"] = 20
    page = eko.page(f"/staff/kb/{draft}?lang={lang}")
    assert 'id="impact-cut"' not in page and _rows(page, "impact-counts")[0][1] == "1"
