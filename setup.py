"""Build hook: compile the translation catalogues into the package, so an installed Pakar speaks Indonesian.

The catalogues' sources (``rules/translations/<lang>/LC_MESSAGES/messages.po``) are in git; the compiled
``messages.mo`` files are not (they are build output). ``build_py`` writes a fresh ``.mo`` beside each ``.po``
in the build directory, never in the source tree. Fuzzy entries are left out, as ``pybabel compile`` does.
Everything else about the package is declared in setup.cfg.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

CATALOGUES = "rules/translations"


class BuildPyWithCatalogues(build_py):
    """``build_py`` that also compiles every ``messages.po`` into the built package."""

    def run(self) -> None:
        super().run()
        # babel is a build requirement (pyproject.toml), so it is importable here.
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        sources = sorted(Path(CATALOGUES).glob("*/LC_MESSAGES/*.po"))
        if not sources:
            raise SystemExit(f"setup.py: no catalogues under {CATALOGUES}/ to compile")
        for po in sources:
            target = Path(self.build_lib) / po.with_suffix(".mo")
            target.parent.mkdir(parents=True, exist_ok=True)
            with po.open("rb") as fh:
                catalogue = read_po(fh, locale=po.parts[-3])
            with target.open("wb") as fh:
                write_mo(fh, catalogue, use_fuzzy=False)
            self.announce(f"compiled {po} -> {target}", level=2)


setup(cmdclass={"build_py": BuildPyWithCatalogues})
