"""``pakar batch``: JSON Lines in, JSON Lines out, one result per input line, in order.

Large inputs are spread over the machine's cores (Experta is pure Python, so processes, not threads);
each worker builds its engines once, from the KB the command loaded. A bad line gives an error object on its
own output line; the others are still answered. Lines are read by :mod:`rules.jsonbody`, as the JSON API reads
a body: a line it refuses gets the code ``invalid_json`` and the reader's message.
"""

from __future__ import annotations

import argparse
import functools
import json
import multiprocessing
import os
import sys

import kb
from rules import consultation, jsonbody
from rules.cli.common import EXIT_FAILED, EXIT_OK, KB_HELP, CommandError
from rules.errors import JSONError

PARALLEL_FROM = 400  # below this, starting worker processes costs more than it saves
CHUNK = 64

_worker_kb = None


def parse_line(line: str):
    """(request, None) from one input line, or (None, an error result) for a line that is not JSON we read."""
    try:
        return jsonbody.loads(line), None
    except JSONError as exc:
        return None, consultation.error_result(None, "invalid_json", exc.message)


def answer_line(knowledge, line: str, trace: bool = True) -> tuple[str, bool]:
    """(output line, whether it is an error) for one input line. Never raises."""
    raw, error = parse_line(line)
    result = error if error is not None else consultation.consult_safely(knowledge, raw, trace=trace)
    return json.dumps(result, ensure_ascii=False, separators=(",", ":")), "error" in result


def _init_worker(knowledge):
    # Each worker answers with the very KB the parent loaded (same version), not a fresh read of its files.
    global _worker_kb
    _worker_kb = knowledge


def _work(args):
    line, trace = args
    return answer_line(_worker_kb, line, trace)


def run(knowledge, lines, out, *, workers=None, trace=True, progress=None) -> int:
    """Answer every non-blank line of ``lines`` to ``out``; return the number of failed lines."""
    items = [line for line in lines if line.strip()]
    workers = workers or os.cpu_count() or 1
    failed = 0
    bar = progress(total=len(items)) if progress else None
    if workers > 1 and len(items) >= PARALLEL_FROM:
        ctx = multiprocessing.get_context("spawn" if os.name == "nt" else "fork")
        with ctx.Pool(workers, initializer=_init_worker, initargs=(knowledge,)) as pool:
            for result in pool.imap(_work, ((line, trace) for line in items), chunksize=CHUNK):
                failed += _emit(out, result, bar)
    else:
        for line in items:
            failed += _emit(out, answer_line(knowledge, line, trace), bar)
    if bar is not None:
        bar.close()
    return failed


def _emit(out, result: tuple[str, bool], bar) -> int:
    text, failed = result
    out.write(text + "\n")
    if bar is not None:
        bar.update(1)
    return int(failed)


def _read_lines(name: str | None) -> list[str]:
    """The input's lines: the file ``name``, or standard input for None or "-"."""
    try:
        source = open(name, encoding="utf-8") if name and name != "-" else sys.stdin  # noqa: SIM115 - or stdin
    except OSError as exc:
        raise CommandError(f"cannot read {name}: {exc.strerror}") from exc
    try:
        with source:
            return source.readlines()
    except UnicodeDecodeError as exc:
        raise CommandError(f"{name or 'standard input'} is not UTF-8 text") from exc


def command(args) -> int:
    """``pakar batch``: 0 when every line was answered, 1 when a line got an error object."""
    knowledge = kb.load(args.kb)
    lines = _read_lines(args.file)
    progress = None
    if sys.stderr.isatty() and len(lines) >= 1000:
        from tqdm import tqdm

        progress = functools.partial(tqdm, unit="line", file=sys.stderr)
    failed = run(knowledge, lines, sys.stdout, workers=args.workers, trace=not args.no_trace, progress=progress)
    sys.stdout.flush()
    return EXIT_FAILED if failed else EXIT_OK


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"'{text}' is not a whole number of 1 or more")
    return value


def add_parser(commands) -> None:
    """Add ``batch`` to ``pakar``'s subparsers."""
    p = commands.add_parser("batch", help="JSON Lines in, JSON Lines out (stdin when no FILE)")
    p.add_argument("file", nargs="?", help="input file of JSON Lines (default: standard input)")
    p.add_argument("--kb", default=None, help=KB_HELP)
    p.add_argument("--workers", type=_positive, default=None, help="worker processes (default: one per core)")
    p.add_argument("--no-trace", action="store_true", help="leave the trace out of each result")
    p.set_defaults(func=command)


__all__ = ["add_parser", "answer_line", "command", "parse_line", "run"]
