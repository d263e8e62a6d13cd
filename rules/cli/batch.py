"""``pakar batch``: JSON Lines in, JSON Lines out, one result per input line, in order.

Large inputs are spread over the machine's cores (Experta is pure Python, so processes, not threads);
each worker builds its engines once, from the KB the command loaded. A bad line gives an error object on its
own output line; the others are still answered. Lines are read by :mod:`rules.jsonbody`, as the JSON API reads
a body: a line it refuses gets the code ``invalid_json`` and the reader's message.
"""
from __future__ import annotations

import json
import multiprocessing
import os

from rules import consultation, jsonbody
from rules.errors import JSONError

PARALLEL_FROM = 400   # below this, starting worker processes costs more than it saves
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


__all__ = ["answer_line", "parse_line", "run"]
