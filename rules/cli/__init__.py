"""The ``pakar`` command line: ``pakar kb check|test|why``, ``pakar consult``, ``pakar batch``.

Each command lives in its own module with its arguments (:mod:`rules.cli.kbtools`, :mod:`rules.cli.console`,
:mod:`rules.cli.batch`); this module puts them together and runs one. Exit statuses are in
:mod:`rules.cli.common`: 0 success, 1 the work was done but something failed, 2 the command could not run. A
command that cannot run says why in one line on standard error, never with a traceback.
"""

from __future__ import annotations

import argparse
import sys

import kb
from kb.errors import KBError
from rules.cli import batch, console, kbtools
from rules.cli.common import EXIT_FAILED, EXIT_OK, EXIT_UNUSABLE, CommandError, say_error

INTERRUPTED = 130  # the shell's status for a command ended by Ctrl+C (128 + SIGINT)


class _Version(argparse.Action):
    """``--version``: the package's version and the bundled KB's id and version (loading the KB only then)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            package = version("pakar")
        except PackageNotFoundError:  # run from a source tree that was never installed
            package = "(not installed)"
        knowledge = kb.load()
        print(f"pakar {package} (KB {knowledge.id} {knowledge.short_version})")
        parser.exit()


def parser() -> argparse.ArgumentParser:
    """``pakar``'s argument parser, every command included."""
    p = argparse.ArgumentParser(
        prog="pakar", description="Pakar: COVID-19 early-detection expert system (a screening aid, not a diagnosis)."
    )
    p.add_argument("--version", action=_Version, nargs=0, help="print the package and bundled KB versions")
    commands = p.add_subparsers(dest="command", required=True)
    for module in (kbtools, console, batch):
        module.add_parser(commands)
    return p


def main(argv=None) -> int:
    """Run ``pakar`` with ``argv`` (the command line when None); return its exit status."""
    try:
        args = parser().parse_args(argv)  # --version loads the KB here
        return args.func(args)
    except KBError as exc:
        print(str(exc), file=sys.stderr)  # its file:line problems, one per line
        return EXIT_UNUSABLE
    except CommandError as exc:
        say_error(str(exc))
        return EXIT_UNUSABLE
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return INTERRUPTED
    except BrokenPipeError:
        return EXIT_FAILED


__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_UNUSABLE", "main", "parser"]

if __name__ == "__main__":
    sys.exit(main())
