"""``pip install`` of the built wheel gives a working Pakar: the CLI, the bundled KB and an Indonesian web app.

The wheel is built from a copy of the working tree (nothing compiled in it: no ``.mo``), with this venv's
setuptools, wheel and babel (``--no-build-isolation``: no download of build tools). It is installed with
``--no-deps`` into a fresh venv that sees nothing of this one except, through a ``.pth`` file, the
distributions that the wheel's own ``Requires-Dist`` pulls in (followed recursively through this venv's
metadata, at the lock's versions): a dependency the wheel forgot to declare is missing there, as it would be
after a real ``pip install``, without 30 s of index look-ups. The default install has neither WeasyPrint
nor psycopg (the ``pdf`` and ``postgres`` extras) and, until it is added as its second step, no Experta:
each of those states is checked as a user would meet it.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import kb

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "constraints.txt"
NOT_SOURCES = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".hypothesis",
    ".pytest_cache",
    "__pycache__",
    "build",
    "dist",
    "instance",
    "node_modules",
    "*.egg-info",
    "*.mo",
)


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=240, check=False, **kwargs)


def _checked(args, **kwargs) -> subprocess.CompletedProcess:
    done = _run(args, **kwargs)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel built from a copy of the working tree."""
    base = tmp_path_factory.mktemp("wheel")
    source = base / "src"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCES)
    _checked(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--wheel-dir",
            base / "dist",
            source,
        ]
    )
    (built,) = (base / "dist").glob("pakar-*.whl")
    yield built


def _requires(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as archive:
        metadata = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        text = archive.read(metadata).decode()
    return [line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("Requires-Dist:")]


def _closure(requirements: list[str]) -> set[str]:
    """The distributions of this venv that ``requirements`` pull in, recursively (extras only when asked)."""
    names: set[str] = set()
    todo = [(Requirement(text), ("",)) for text in requirements]
    while todo:
        requirement, extras = todo.pop()
        if requirement.marker and not any(requirement.marker.evaluate({"extra": e}) for e in extras):
            continue
        dist = importlib.metadata.distribution(requirement.name)
        assert requirement.specifier.contains(dist.version, prereleases=True), (requirement, dist.version)
        name = canonicalize_name(dist.metadata["Name"])
        wanted = ("", *sorted(requirement.extras))
        if (name, wanted) in names:
            continue
        names.add((name, wanted))
        todo.extend((Requirement(text), wanted) for text in dist.requires or [])
    return {name for name, _ in names}


def _link(names: set[str], folder: Path) -> Path:
    """A folder of links to these distributions' top-level files in this venv (packages, modules, metadata)."""
    folder.mkdir()
    for name in sorted(names):
        dist = importlib.metadata.distribution(name)
        for top in sorted({f.parts[0] for f in dist.files or [] if f.parts[0] != ".."}):
            target = Path(dist.locate_file(top))
            if target.exists() and not (folder / top).exists():
                (folder / top).symlink_to(target)
    return folder


def _site_packages(venv: Path) -> Path:
    (site,) = (venv / "lib").glob("python3*/site-packages")
    return site


@pytest.fixture(scope="module")
def venv(tmp_path_factory, wheel) -> Path:
    """A fresh venv (no pip of its own, no system site-packages) with the wheel and its declared dependencies."""
    base = tmp_path_factory.mktemp("venv")
    path = base / "venv"
    _checked([sys.executable, "-m", "venv", "--without-pip", path])
    _checked([*_pip(path), "--no-deps", wheel])
    deps = _link(_closure(_requires(wheel)), base / "dependencies")
    (_site_packages(path) / "pakar-dependencies.pth").write_text(f"{deps}\n", encoding="utf-8")
    yield path


def _pip(venv: Path) -> list:
    # This venv's pip, working on the other interpreter.
    return [
        sys.executable,
        "-m",
        "pip",
        "--python",
        venv / "bin" / "python",
        "install",
        "--quiet",
        "--disable-pip-version-check",
    ]


def _env(venv: Path) -> dict:
    """The environment of a person who activated the fresh venv: nothing of this project's venv or tree."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "PAKAR_", "VIRTUAL_ENV"))}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


@pytest.fixture(scope="module")
def without_experta(venv, tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    """The installed commands before Experta is added (as the wheel alone leaves them)."""
    cwd = tmp_path_factory.mktemp("cwd")
    yield {
        "version": _run([venv / "bin" / "pakar", "--version"], cwd=cwd, env=_env(venv)),
        "check": _run([venv / "bin" / "pakar", "kb", "check"], cwd=cwd, env=_env(venv)),
        "module": _run([venv / "bin" / "python", "-m", "rules", "kb", "check"], cwd=cwd, env=_env(venv)),
        "app": _run(
            [venv / "bin" / "python", "-c", "from webui import create_app; create_app()"], cwd=cwd, env=_env(venv)
        ),
    }


@pytest.fixture(scope="module")
def installed(venv, without_experta) -> Path:
    """The fresh venv after Experta's second step (``--no-deps experta==1.9.4``: Experta alone)."""
    assert importlib.metadata.version("experta") == "1.9.4"
    experta = _link({"experta"}, venv.parent / "experta")
    (_site_packages(venv) / "pakar-experta.pth").write_text(f"{experta}\n", encoding="utf-8")
    yield venv


def test_wheel_carries_the_compiled_catalogue_and_the_data(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in (
        "rules/translations/id/LC_MESSAGES/messages.mo",
        "kb/schema.yaml",
        "kb/covid19/kb.yaml",
        "webui/templates/home.html",
        "webui/static/pakar.css",
        "webui/migrations/env.py",
        "reports/templates/report/standalone.html",
    ):
        assert needed in names, f"{needed} is not in {wheel.name}"
    assert any(n.startswith("webui/migrations/versions/") and n.endswith(".py") for n in names)
    assert not any(n.startswith(("tests/", "testing/", "bench/")) for n in names)
    metadata = next(n for n in names if n.endswith(".dist-info/METADATA"))
    text = zipfile.ZipFile(wheel).read(metadata).decode()
    assert "Version: 0.2.0" in text
    assert "Requires-Dist: weasyprint" in text and 'extra == "pdf"' in text
    assert "Requires-Dist: experta" not in text
    declared = {canonicalize_name(Requirement(r).name) for r in _requires(wheel) if "extra ==" not in r}
    assert {"babel", "click", "werkzeug", "markupsafe", "frozendict", "schema", "flask"} <= declared
    assert not {"weasyprint", "psycopg", "pytest"} & declared


DATA_FOLDERS = (
    "kb/covid19",
    "webui/templates",
    "webui/static",
    "webui/content",
    "webui/migrations",
    "reports/templates",
    "reports/static",
    "rules/translations",
)


def test_wheel_carries_every_data_file_of_the_tree(wheel):
    # Every file git would ship from the data folders (no caches, no compiled catalogue: that one is built).
    names = set(zipfile.ZipFile(wheel).namelist())
    wanted = {
        path.relative_to(ROOT).as_posix()
        for folder in DATA_FOLDERS
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".mo", ".pot")
    }
    assert wanted - names == set()


@pytest.mark.parametrize("command", ["version", "check", "module", "app"])
def test_without_experta_one_line_gives_the_two_step_recipe(without_experta, command):
    done = without_experta[command]
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("pakar: Experta is not installed")
    assert "pip install 'frozendict>=2.3' 'schema>=0.7' && pip install --no-deps experta==1.9.4" in lines[0]


def test_version_names_the_package_and_the_bundled_kb(installed, tmp_path):
    done = _checked([installed / "bin" / "pakar", "--version"], cwd=tmp_path, env=_env(installed))
    knowledge = kb.load()
    assert done.stdout == f"pakar 0.2.0 (KB {knowledge.id} {knowledge.short_version})\n"


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["pakar", "kb", "check"], id="console-script"),
        pytest.param(["python", "-m", "rules", "kb", "check"], id="python-m-rules"),
    ],
)
def test_kb_check_is_clean(installed, tmp_path, command):
    done = _checked([installed / "bin" / command[0], *command[1:]], cwd=tmp_path, env=_env(installed))
    assert done.stdout.splitlines()[-1] == "clean"
    assert str(installed) in done.stdout, "the KB checked is the installed one"


APP = r"""
import json, sys
import webui
from webui import create_app

folder = sys.argv[1]
app = create_app({"TESTING": True, "SECRET_KEY": "wheel-test", "WTF_CSRF_ENABLED": False,
                  "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/pakar.sqlite3"}, instance_path=f"{folder}/instance")
client = app.test_client()
home = client.get("/")
made = client.post("/api/v1/consultations", json={"mode": "diagnosis", "symptoms": {"GC03": 0.8}})
url = made.get_json()["url"]
pdf = client.get(url + "/report.pdf")
print(json.dumps({"package": webui.__file__, "home": [home.status_code, home.get_data(as_text=True)],
                  "health": client.get("/healthz").status_code, "made": made.status_code,
                  "pdf": [pdf.status_code, pdf.headers.get("Location")], "result": url}))
"""


def test_installed_app_serves_indonesian_on_sqlite_without_the_extras(installed, tmp_path):
    done = _checked([installed / "bin" / "python", "-c", APP, tmp_path], cwd=tmp_path, env=_env(installed))
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["package"].startswith(str(installed)), "the app under test is the installed one"
    status, page = seen["home"]
    assert status == 200
    assert '<html lang="id"' in page
    assert "Periksa gejala COVID-19" in page  # the catalogue compiled into the wheel
    assert "Check for COVID-19 symptoms" not in page
    assert seen["health"] == 200 and seen["made"] == 201
    # No WeasyPrint (the `pdf` extra): the PDF link goes back to the result page, which offers Print.
    status, location = seen["pdf"]
    assert status == 302 and seen["result"].endswith(location) and location.startswith("/r/")


def test_default_install_has_no_optional_extras(installed):
    done = _run([installed / "bin" / "python", "-c", "import weasyprint"], env=_env(installed))
    assert done.returncode == 1 and "ModuleNotFoundError" in done.stderr
    done = _run([installed / "bin" / "python", "-c", "import psycopg"], env=_env(installed))
    assert done.returncode == 1 and "ModuleNotFoundError" in done.stderr
