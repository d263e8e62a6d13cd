"""webui.kbworkflow, the service under the staff pages and API: drafts and their saves, who may approve, the
states a version goes through, retirement, zips, and the audit line of every step. On SQLite and PostgreSQL.
"""

from __future__ import annotations

import io
import zipfile

import pytest

from testing.kbvariants import GC03_CF_08, GC03_CF_08_CLEAN, bundled_files, variant
from testing.staff import clear_staff, make_user
from webui import kbstate, kbworkflow
from webui.errors import KBRejectedError, StateConflictError, StepForbiddenError, VersionNotFoundError
from webui.staff import audit


@pytest.fixture
def service(database_url, build_app):
    """The app's context on one backend, with an engineer, a second engineer, two experts and an admin."""
    app = build_app(database_url, STAFF_ARGON2_PROFILE="CHEAPEST")
    clear_staff(app)
    users = {
        "eko": make_user(app, "eko", "engineer"),
        "sari": make_user(app, "sari", "engineer", "expert"),
        "dewi": make_user(app, "dewi", "expert"),
        "adi": make_user(app, "adi", "admin"),
    }
    with app.app_context():
        yield users
    clear_staff(app)


def _actions(version_hash: str) -> list[tuple[str, str, str | None]]:
    return [(e.actor, e.action, e.other_hash) for e in audit.for_version(version_hash)]


def test_a_saved_draft_is_a_new_version_and_its_editors_add_up(service):
    eko, sari, dewi = service["eko"], service["sari"], service["dewi"]
    first = kbstate.active_hash()
    made = kbworkflow.draft_from(first, {"symptoms.yaml": variant(bundled_files(), GC03_CF_08)["symptoms.yaml"]}, eko)
    assert made.created and made.version.state == "draft" and made.check.clean
    assert _actions(made.version.hash) == [("eko", "version.create", first)]

    # sari saves the rules and the cases over it: a new draft; the one saved over is retired.
    rest = variant(bundled_files(), GC03_CF_08_CLEAN)
    saved = kbworkflow.save_draft(made.version.hash, {"rules.yaml": rest["rules.yaml"]}, sari)
    assert saved.created and not saved.check.clean  # two stored cases fail until the cases follow
    done = kbworkflow.save_draft(saved.version.hash, {"cases.yaml": rest["cases.yaml"]}, sari, note="cases follow")
    assert done.check.clean and done.version.note == "cases follow"
    assert kbworkflow.files(done.version.hash) == rest
    assert [kbworkflow.get(v.version.hash).state for v in (made, saved, done)] == ["retired", "retired", "draft"]
    assert _actions(saved.version.hash) == [
        ("sari", "version.edit", made.version.hash),
        ("sari", "version.retire", done.version.hash),
    ]

    # Everyone who created or saved a draft of the chain is its editor: neither may approve it.
    assert kbworkflow.editors(done.version.hash) == {"eko", "sari"}
    assert not kbworkflow.may_approve(sari, done.version.hash)
    with pytest.raises(StepForbiddenError) as refused:
        kbworkflow.approve(done.version.hash, sari)
    assert (refused.value.code, refused.value.status) == ("own_draft", 403)
    assert kbworkflow.may_approve(dewi, done.version.hash)
    approved = kbworkflow.approve(done.version.hash, dewi)
    assert (approved.state, approved.approved_by) == ("approved", "dewi")

    # A retired draft cannot be saved over again.
    with pytest.raises(StateConflictError) as stale:
        kbworkflow.save_draft(made.version.hash, {}, eko)
    assert stale.value.code == "not_draft"


def test_a_change_back_to_a_stored_version_stores_nothing(service):
    first = kbstate.active_hash()
    again = kbworkflow.create_draft(bundled_files(), service["eko"])
    assert not again.created
    assert (again.version.hash, again.version.state, again.version.active) == (first, "published", True)
    assert _actions(first) == []


def test_an_expert_without_the_engineer_role_cannot_publish(service):
    draft = kbworkflow.create_draft(variant(bundled_files(), GC03_CF_08_CLEAN), service["eko"]).version.hash
    with pytest.raises(StepForbiddenError) as refused:
        kbworkflow.approve(draft, service["eko"])
    assert refused.value.code == "not_expert"
    kbworkflow.approve(draft, service["dewi"])
    with pytest.raises(StepForbiddenError) as refused:
        kbworkflow.publish(draft, service["dewi"])
    assert refused.value.code == "not_publisher"
    done = kbworkflow.publish(draft, service["eko"])
    assert (done.switched, done.rollback, done.version.active) == (True, False, True)
    assert kbworkflow.publish(draft, service["eko"]).switched is False  # already active: nothing changes


def test_retire(service):
    first = kbstate.active_hash()
    draft = kbworkflow.create_draft(variant(bundled_files(), GC03_CF_08), service["eko"]).version.hash
    with pytest.raises(StateConflictError) as refused:
        kbworkflow.retire(first, service["adi"])
    assert refused.value.code == "active_version"
    retired = kbworkflow.retire(draft, service["eko"], reason="superseded by a colleague's")
    assert retired.state == "retired"
    with pytest.raises(StateConflictError) as refused:
        kbworkflow.publish(draft, service["adi"])
    assert (refused.value.code, refused.value.values["state"]) == ("not_approved", "retired")
    assert _actions(draft)[-1] == ("eko", "version.retire", None)


def test_a_check_is_kept_and_audited(service):
    draft = kbworkflow.create_draft(variant(bundled_files(), GC03_CF_08), service["eko"]).version.hash
    result = kbworkflow.check(draft, service["dewi"])
    assert (result.passed, result.failed) == (145, 2)
    assert kbworkflow.get(draft).check == result.summary()
    event = audit.for_version(draft)[-1]
    assert (event.actor, event.action, event.detail) == (
        "dewi",
        "version.check",
        {"errors": 0, "warnings": 0, "passed": 145, "failed": 2},
    )


@pytest.mark.parametrize("ref", ["", "xyz", "0" * 6, "f" * 64])
def test_unknown_versions(service, ref):
    with pytest.raises(VersionNotFoundError) as missing:
        kbworkflow.get(ref)
    assert (missing.value.code, missing.value.status) == ("version_not_found", 404)


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("files", "reason"),
    [
        ({}, "a KB zip holds 1 to 64 files"),
        (
            {"a/kb.yaml": b"kb: {}", "b/rules.yaml": b"rules: []"},
            "the YAML files must be at the top of the zip or in one folder",
        ),
        ({"a/b/kb.yaml": b"kb: {}"}, "the YAML files must be at the top of the zip or in one folder"),
        ({"../kb.yaml": b"kb: {}"}, "the YAML files must be at the top of the zip or in one folder"),
        ({"kb.txt": b"kb: {}"}, "kb.txt: not a KB file name (<name>.yaml)"),
        ({"kb.yaml": b"\xff\xfe"}, "kb.yaml: not UTF-8 text"),
    ],
)
def test_zips_that_are_not_a_kb(files, reason):
    with pytest.raises(KBRejectedError) as refused:
        kbworkflow.read_zip(_zip(files))
    assert (refused.value.code, refused.value.values["reason"]) == ("bad_zip", reason)


def test_a_zip_is_read_from_its_top_or_one_folder():
    assert kbworkflow.read_zip(_zip({"kb.yaml": b"a", "rules.yaml": b"b"})) == {"kb.yaml": "a", "rules.yaml": "b"}
    assert kbworkflow.read_zip(_zip({"covid19/kb.yaml": b"a", "covid19/": b""})) == {"kb.yaml": "a"}
    with pytest.raises(KBRejectedError):
        kbworkflow.read_zip(b"not a zip")


def test_an_import_that_does_not_load_stores_nothing(service):
    before = len(kbworkflow.versions())
    with pytest.raises(KBRejectedError) as refused:
        kbworkflow.import_zip(_zip({"kb.yaml": b"kb: [\n"}), service["eko"])
    assert refused.value.code == "kb_rejected" and refused.value.problems[0].startswith("kb.yaml:")
    assert len(kbworkflow.versions()) == before
