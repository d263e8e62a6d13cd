"""What every ``pakar`` command shares: the exit statuses, the one-line error, the common arguments.

Exit status: 0 success; 1 the work was done but something failed (a KB check that is not clean, a stored
case that fails, a batch line that could not be answered, a cancelled consultation); 2 the command could not
run (bad usage, a file that cannot be read, a KB that does not load).
"""

from __future__ import annotations

import sys

from kb.languages import DEFAULT_LANGUAGE, LANGUAGES

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2

KB_HELP = "KB directory (default: the bundled KB)"


class CommandError(Exception):
    """A command that cannot run; its message is the one line ``pakar`` prints (status :data:`EXIT_UNUSABLE`)."""


def say_error(text: str) -> None:
    """One line on standard error, prefixed as every ``pakar`` error is."""
    print(f"pakar: {text}", file=sys.stderr)


def add_lang_argument(parser) -> None:
    """``--lang``, with the languages Pakar speaks (kb.languages is the one list)."""
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help=f"language of the texts (default: {DEFAULT_LANGUAGE})",
    )


__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_UNUSABLE", "KB_HELP", "CommandError", "add_lang_argument", "say_error"]
