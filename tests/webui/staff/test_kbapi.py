"""The staff API of KB versions, driven as a pipeline script would: bearer tokens, JSON in and out.

The whole path of issue 10 (an engineer posts the KB with GC03's CF changed, sees the check, the diff and the
impact on stored consultations; the author cannot approve, another expert can; the engineer publishes and
consultations answer from the new version; an admin rolls back; the audit log has it all), then each
refusal with its exact status. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from testing.kbvariants import GC03_CF_08, GC03_CF_08_CLEAN, bundled_files, variant
from testing.staff import make_token, make_user

VERSIONS = "/api/v1/kb/versions"
CONSULT = "/api/v1/consultations"

# The diff of GC03_CF_08_CLEAN against the bundled KB, line by line.
GC03_LINES = [
    "GC03 CF 1 → 0.8",
    "R03 CF 1 → 0.8",
    "R10 CF 1 → 0.8",
    "cf-single expected CFs {PC01: 0.8, PC02: 0.8} → {PC01: 0.64, PC02: 0.64}",
    "cf-combo expected CFs {PC01: 0.9136, PC02: 0.76} → {PC01: 0.88768, PC02: 0.688}",
]


class Staff:
    """Tokens of the test's accounts and a client that sends them."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()
        self.tokens: dict[str, str] = {}
        for name, roles in {
            "rina": ("engineer", "expert"),  # writes drafts, and reviews other people's
            "eko": ("engineer",),
            "dewi": ("expert",),
            "adi": ("admin",),
        }.items():
            make_user(app, name, *roles)
            self.tokens[name] = make_token(app, name)

    def _headers(self, who: str | None) -> dict:
        return {"Authorization": f"Bearer {self.tokens[who]}"} if who else {}

    def get(self, who, url, **kw):
        return self.client.get(url, headers=self._headers(who), **kw)

    def post(self, who, url, body=None, **kw):
        return self.client.post(url, json=body, headers=self._headers(who), **kw)


@pytest.fixture
def staff(staff_app):
    yield Staff(staff_app)


def consult(client, symptoms: dict) -> dict:
    response = client.post(CONSULT, json={"mode": "diagnosis", "symptoms": symptoms, "lang": "en"})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def cf_of(result: dict, code: str) -> float:
    return next(row["cf"] for row in result["ranking"] if row["code"] == code)


def test_the_whole_path_through_the_api(staff):
    bundled = staff.get("eko", VERSIONS).get_json()["versions"]
    assert [(v["state"], v["active"]) for v in bundled] == [("published", True)]
    first = bundled[0]["version"]
    before = consult(staff.client, {"GC03": 1})
    assert (before["kb_version"], cf_of(before, "PC01")) == (first[:12], 1)
    consult(staff.client, {"GC01": 1})
    staff.client.post(CONSULT, json={"mode": "screening", "emergency": True})

    # The engineer posts the KB with GC03 at CF 0.8: a draft, checked.
    posted = staff.post("rina", VERSIONS, {"files": variant(bundled_files(), GC03_CF_08_CLEAN), "note": "GC03 0.8"})
    assert posted.status_code == 201
    draft = posted.get_json()
    new = draft["version"]
    assert (draft["state"], draft["active"], draft["author"], draft["note"], draft["new"]) == (
        "draft",
        False,
        "rina",
        "GC03 0.8",
        True,
    )
    assert draft["check"]["errors"] == [] and draft["check"]["cases"] == {"passed": 147, "failed": 0}

    # The diff against the active version, item by item (English asked for) and as text.
    diff = staff.get("dewi", f"{VERSIONS}/{new}/diff?lang=en").get_json()
    assert [c["text"] for c in diff["changes"]] == GC03_LINES
    assert (diff["old"]["version"], diff["new"]["version"]) == (first, new)
    assert [f["name"] for f in diff["files"]] == ["cases.yaml", "rules.yaml", "symptoms.yaml"]
    patch = staff.get("dewi", f"{VERSIONS}/{new}/diff?format=patch")
    assert patch.mimetype == "text/x-diff" and "-    cf: 1.0\n+    cf: 0.8\n" in patch.get_data(as_text=True)

    # The impact on the three stored consultations: the GC03 one changes both CFs.
    report = staff.get("dewi", f"{VERSIONS}/{new}/impact").get_json()
    assert (report["consultations"], report["changed"], report["listed"]) == (3, 1, 1)
    assert report["affected"] == [
        {
            "request": {"mode": "diagnosis", "symptoms": {"GC03": 1}, "lang": "en"},
            "consultations": 1,
            "kinds": ["cf"],
            "changes": ["PC01 CF 1 → 0.8", "PC02 CF 1 → 0.8"],
        }
    ]

    # Its author may not approve it; another expert may.
    refused = staff.post("rina", f"{VERSIONS}/{new}/approve?lang=en")
    assert refused.status_code == 403
    assert refused.get_json()["error"] == {
        "code": "own_draft",
        "message": f"You edited draft {new[:12]}: another expert must approve it.",
    }
    approved = staff.post("dewi", f"{VERSIONS}/{new}/approve")
    assert approved.status_code == 200
    assert (approved.get_json()["state"], approved.get_json()["approved_by"]) == ("approved", "dewi")

    # The engineer publishes: consultations answer from it at once.
    published = staff.post("eko", f"{VERSIONS}/{new}/publish")
    assert published.status_code == 200
    body = published.get_json()
    assert (body["state"], body["active"], body["previous"], body["rollback"], body["switched"]) == (
        "published",
        True,
        first,
        False,
        True,
    )
    after = consult(staff.client, {"GC03": 1})
    assert (after["kb_version"], cf_of(after, "PC01")) == (new[:12], 0.8)
    assert staff.client.get("/api/v1/kb").get_json()["kb"]["version"] == new[:12]

    # Publishing the earlier version again is the rollback: an admin's, not an engineer's.
    refused = staff.post("eko", f"{VERSIONS}/{first}/publish")
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (403, "rollback_admin")
    rolled = staff.post("adi", f"{VERSIONS}/{first}/publish")
    assert rolled.status_code == 200
    assert (rolled.get_json()["rollback"], rolled.get_json()["previous"]) == (True, new)
    again = consult(staff.client, {"GC03": 1})
    assert (again["kb_version"], cf_of(again, "PC01")) == (first[:12], 1)
    states = {v["version"]: (v["state"], v["active"]) for v in staff.get("eko", VERSIONS).get_json()["versions"]}
    assert states == {first: ("published", True), new: ("published", False)}

    # The audit log has every step, with the versions.
    events = staff.get("adi", "/api/v1/audit?per_page=100").get_json()["events"]
    steps = [(e["actor"], e["action"], e["version"], e["other"]) for e in reversed(events) if e["version"]]
    assert [s for s in steps if s[1].startswith("version.")] == [
        ("rina", "version.import", new, None),
        ("dewi", "version.approve", new, None),
        ("eko", "version.publish", new, first),
        ("adi", "version.rollback", first, new),
    ]


def test_a_kb_that_does_not_load_is_refused_whole(staff):
    files = bundled_files()
    files["rules.yaml"] = files["rules.yaml"].replace(
        "    then: PC01\n    cf: 0.8\n", "    then: PC09\n    cf: 0.8\n", 1
    )
    refused = staff.post("eko", VERSIONS + "?lang=en", {"files": files})
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "kb_rejected"
    assert error["message"] == "The KB does not load (1 problems); nothing was stored."
    (problem,) = error["problems"]
    assert problem.startswith("rules.yaml:18:") and "PC09" in problem
    assert len(staff.get("eko", VERSIONS).get_json()["versions"]) == 1


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"files": {}}, "bad_files"),
        ({"files": ["kb.yaml"]}, "bad_files"),
        ({"files": {"kb.yaml": 1}}, "bad_files"),
        ({"note": "no files"}, "bad_files"),
        ({"files": {"kb.yaml": "kb: {}"}, "note": 5}, "bad_note"),
        ({"files": {"../kb.yaml": "kb: {}"}}, "kb_rejected"),
    ],
)
def test_bad_bodies(staff, body, code):
    refused = staff.post("eko", VERSIONS, body)
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (422, code)


def test_not_json(staff):
    refused = staff.client.post(VERSIONS, data="files", headers={**staff._headers("eko"), "Content-Type": "text/plain"})
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (415, "not_json")
    broken = staff.client.post(
        VERSIONS, data='{"files": ', headers={**staff._headers("eko"), "Content-Type": "application/json"}
    )
    assert (broken.status_code, broken.get_json()["error"]["code"]) == (400, "bad_json")


def test_failing_cases_block_the_approval(staff):
    posted = staff.post("eko", VERSIONS, {"files": variant(bundled_files(), GC03_CF_08)}).get_json()
    assert posted["check"]["cases"] == {"passed": 145, "failed": 2}
    assert [line.split(": case ")[1].split(" failed")[0] for line in posted["check"]["failures"]] == [
        "cf-single",
        "cf-combo",
    ]
    refused = staff.post("dewi", f"{VERSIONS}/{posted['version']}/approve?lang=en")
    assert refused.status_code == 409
    assert refused.get_json()["error"] == {
        "code": "not_clean",
        "message": f"Version {posted['version'][:12]} has 0 verifier errors and 2 failing cases; fix them before it"
        " is approved.",
    }
    assert staff.get("dewi", f"{VERSIONS}/{posted['version']}").get_json()["state"] == "draft"


def test_a_draft_cannot_be_published_and_an_engineer_cannot_approve(staff):
    new = staff.post("eko", VERSIONS, {"files": variant(bundled_files(), GC03_CF_08_CLEAN)}).get_json()["version"]
    refused = staff.post("eko", f"{VERSIONS}/{new}/publish")
    assert (refused.status_code, refused.get_json()["error"]["code"]) == (409, "not_approved")
    assert "draft" in refused.get_json()["error"]["message"]
    wrong_role = staff.post("eko", f"{VERSIONS}/{new}/approve")
    assert (wrong_role.status_code, wrong_role.get_json()["error"]["code"]) == (403, "forbidden")
    expert_publishes = staff.post("dewi", f"{VERSIONS}/{new}/publish")
    assert (expert_publishes.status_code, expert_publishes.get_json()["error"]["code"]) == (403, "forbidden")
    staff.post("dewi", f"{VERSIONS}/{new}/approve")
    again = staff.post("dewi", f"{VERSIONS}/{new}/approve")
    assert (again.status_code, again.get_json()["error"]["code"]) == (409, "not_draft")


def test_messages_follow_the_language_asked_for(staff):
    unknown = staff.get("eko", f"{VERSIONS}/abcdef123456")
    assert (unknown.status_code, unknown.get_json()["error"]["code"]) == (404, "version_not_found")
    assert unknown.get_json()["error"]["message"] == (
        "Tidak ada satu versi KB 'abcdef123456'; berikan hash-nya atau 12 digit pertamanya."
    )
    english = staff.get("eko", f"{VERSIONS}/abcdef123456?lang=en").get_json()["error"]["message"]
    assert english == "There is no single KB version 'abcdef123456'; give its hash or the first 12 digits."


def test_anonymous_and_bad_tokens_are_refused(staff):
    assert staff.client.get(VERSIONS).status_code == 401
    assert staff.client.get(VERSIONS, headers={"Authorization": "Bearer nope"}).status_code == 401
    assert staff.client.post(VERSIONS, json={"files": bundled_files()}).status_code == 401


def test_export_and_import_as_zip(staff):
    first = staff.get("eko", VERSIONS).get_json()["versions"][0]["version"]
    response = staff.get("eko", f"{VERSIONS}/{first[:12]}?format=zip")
    assert response.mimetype == "application/zip"
    assert response.headers["Content-Disposition"] == f'attachment; filename="pakar-kb-{first[:12]}.zip"'
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert {n: archive.read(n).decode("utf-8") for n in archive.namelist()} == bundled_files()
    assert staff.get("eko", f"{VERSIONS}/{first}?format=zip").data == response.data  # the same bytes each time

    # The same KB again: nothing new is stored (200, its state kept).
    same = staff.client.post(
        VERSIONS, data=response.data, headers={**staff._headers("eko"), "Content-Type": "application/zip"}
    )
    assert (same.status_code, same.get_json()["state"], same.get_json()["new"]) == (200, "published", False)

    # A changed KB zipped in a folder, as `zip -r kb.zip covid19/` makes it: a new draft.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for name, text in variant(bundled_files(), GC03_CF_08_CLEAN).items():
            out.writestr(f"covid19/{name}", text)
    imported = staff.client.post(
        VERSIONS + "?note=from+git",
        data=buffer.getvalue(),
        headers={**staff._headers("eko"), "Content-Type": "application/zip"},
    )
    assert imported.status_code == 201
    assert (imported.get_json()["state"], imported.get_json()["note"]) == ("draft", "from git")

    bad = staff.client.post(
        VERSIONS, data=b"PK\x03\x04 no", headers={**staff._headers("eko"), "Content-Type": "application/zip"}
    )
    assert (bad.status_code, bad.get_json()["error"]["code"]) == (422, "bad_zip")


def test_a_version_with_its_files(staff):
    first = staff.get("eko", VERSIONS).get_json()["versions"][0]
    shown = staff.get("dewi", f"{VERSIONS}/{first['short']}").get_json()
    assert shown["files"] == bundled_files()
    assert {k: shown[k] for k in first} == first


# --- the OpenAPI document ----------------------------------------------------------------------------------


def _fits(doc, response, path: str, method: str) -> None:
    """A real answer against what the document declares for its status (the JSON body's schema)."""
    from jsonschema import Draft202012Validator
    from referencing import Registry
    from referencing.jsonschema import DRAFT202012

    registry = Registry().with_resource("urn:doc", DRAFT202012.create_resource(doc))
    spec = doc["paths"][path][method]["responses"][str(response.status_code)]
    pointer = f"/paths/{path.replace('/', '~1')}/{method}/responses/{response.status_code}"
    if "$ref" in spec:
        pointer = spec["$ref"].removeprefix("#")
    schema = f"urn:doc#{pointer}/content/{response.mimetype.replace('/', '~1')}/schema"
    Draft202012Validator({"$ref": schema}, registry=registry).validate(response.get_json())


def test_real_answers_fit_the_openapi_document(staff):
    doc = staff.client.get("/api/v1/openapi.json").get_json()
    one, item = VERSIONS + "/{version}", VERSIONS + "/{version}/"
    first = staff.get("eko", VERSIONS).get_json()["versions"][0]["version"]
    failing = staff.post("eko", VERSIONS, {"files": variant(bundled_files(), GC03_CF_08)})
    new = staff.post("eko", VERSIONS, {"files": variant(bundled_files(), GC03_CF_08_CLEAN)})
    draft = new.get_json()["version"]
    broken = staff.post("eko", VERSIONS, {"files": {**bundled_files(), "rules.yaml": "rules: [\n"}})
    answers = [
        (staff.get("eko", VERSIONS), VERSIONS, "get"),
        (failing, VERSIONS, "post"),
        (new, VERSIONS, "post"),
        (staff.post("eko", VERSIONS, {"files": bundled_files()}), VERSIONS, "post"),  # 200: stored before
        (broken, VERSIONS, "post"),
        (staff.get("eko", f"{VERSIONS}/{draft}"), one, "get"),
        (staff.get("eko", f"{VERSIONS}/abcdef"), one, "get"),
        (staff.get("eko", f"{VERSIONS}/{draft}/diff"), item + "diff", "get"),
        (staff.get("eko", f"{VERSIONS}/{draft}/impact"), item + "impact", "get"),
        (staff.get("eko", f"{VERSIONS}/{draft}/impact?threshold=2"), item + "impact", "get"),
        (staff.post("eko", f"{VERSIONS}/{draft}/check"), item + "check", "post"),
        (staff.post("rina", f"{VERSIONS}/{failing.get_json()['version']}/approve"), item + "approve", "post"),
        (staff.post("eko", f"{VERSIONS}/{draft}/publish"), item + "publish", "post"),
        (staff.post("dewi", f"{VERSIONS}/{draft}/approve"), item + "approve", "post"),
        (staff.post("eko", f"{VERSIONS}/{draft}/publish"), item + "publish", "post"),
        (staff.post("eko", f"{VERSIONS}/{draft}/retire"), item + "retire", "post"),
        (staff.post("eko", f"{VERSIONS}/{failing.get_json()['version']}/retire"), item + "retire", "post"),
        (staff.post("eko", f"{VERSIONS}/{first}/publish"), item + "publish", "post"),
        (staff.post("eko", VERSIONS), VERSIONS, "post"),
    ]
    assert [r.status_code for r, _p, _m in answers] == [
        200, 201, 201, 200, 422, 200, 404, 200, 200, 400, 200, 409, 409, 200, 200, 409, 200, 403, 415,
    ]  # fmt: skip
    for response, path, method in answers:
        _fits(doc, response, path, method)


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        (
            "en",
            "Too many consultations to replay within a request (0 of 1 replayed in 0 s): "
            "run `flask --app webui kb impact {version}` on the server.",
        ),
        (
            "id",
            "Terlalu banyak konsultasi untuk diputar ulang dalam satu permintaan (0 dari 1 diputar ulang dalam 0 "
            "detik): jalankan `flask --app webui kb impact {version}` di server.",
        ),
    ],
)
def test_an_impact_longer_than_the_web_budget_is_refused(staff, lang, text):
    consult(staff.client, {"GC03": 1})  # the one stored consultation the change reaches
    consult(staff.client, {"GC01": 1})  # out of its reach: not replayed, not counted
    draft = staff.post("eko", VERSIONS, {"files": variant(bundled_files(), GC03_CF_08_CLEAN)}).get_json()["version"]
    staff.app.config["IMPACT_WEB_SECONDS"] = 0  # already past when the replay starts
    refused = staff.get("dewi", f"{VERSIONS}/{draft}/impact?lang={lang}")
    assert refused.status_code == 409
    assert refused.get_json() == {"error": {"code": "impact_too_long", "message": text.format(version=draft)}}
    _fits(staff.client.get("/api/v1/openapi.json").get_json(), refused, VERSIONS + "/{version}/impact", "get")
    # Within the budget the same request answers.
    staff.app.config["IMPACT_WEB_SECONDS"] = 20
    assert staff.get("dewi", f"{VERSIONS}/{draft}/impact").get_json()["changed"] == 1
