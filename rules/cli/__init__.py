"""The ``pakar`` command line.

Exit status: 0 success; 1 the work was done but something failed (a KB check that is not clean, a
stored case that fails, a batch line that could not be answered, a cancelled consultation); 2 the
command could not run (bad usage, a file that cannot be read, a KB that does not load).
"""
from __future__ import annotations

import argparse
import functools
import sys

import kb as kbase
from kb.errors import KBError
from kb.verify import verify
from rules import casetests, explain
from rules.cli import batch
from rules.cli.console import Cancelled, Console

EXIT_OK, EXIT_FAILED, EXIT_UNUSABLE = 0, 1, 2


def _load(path):
    try:
        return kbase.load(path)
    except KBError as exc:
        print(str(exc), file=sys.stderr)
        raise SystemExit(EXIT_UNUSABLE) from exc


def cmd_check(args) -> int:
    """Validate, verify, and run the stored cases; 0 only when all is clean."""
    knowledge = _load(args.dir)
    print(f"{knowledge.path}: {knowledge.id} {knowledge.label} (version {knowledge.short_version}),"
          f" {len(knowledge.files)} files")
    print(f"  {len(knowledge.symptoms)} symptoms, {len(knowledge.hypotheses)} hypotheses, {len(knowledge.rules)}"
          f" CF rules, {len(knowledge.questions)} questions, {len(knowledge.decisions)} decisions,"
          f" {len(knowledge.cases)} cases")
    report = verify(knowledge)
    for observation in report.observations:
        print(f"  {observation}")
    results = casetests.run_cases(knowledge)
    failed = [r for r in results if not r.passed]
    for r in failed:
        print(f"  {r.case.loc}: case {r.label} failed: {r.detail}")
    print(f"verification: {report.count('error')} errors, {report.count('warning')} warnings;"
          f" cases: {len(results) - len(failed)} passed, {len(failed)} failed")
    clean = report.clean and not failed
    print("clean" if clean else "NOT clean")
    return EXIT_OK if clean else EXIT_FAILED


def cmd_test(args) -> int:
    """Run the stored cases and print a table."""
    knowledge = _load(args.dir)
    results = casetests.run_cases(knowledge)
    width = max((len(r.label) for r in results), default=4)
    if not args.quiet:
        print(f"{'case':<{width}}  {'mode':<9}  {'expect':<6}  {'got':<6}  result  detail")
    for r in results:
        if args.quiet and r.passed:
            continue
        print(f"{r.label:<{width}}  {r.case.mode:<9}  {str(r.expected):<6}  {str(r.got):<6}  "
              f"{'pass' if r.passed else 'FAIL':<6}  {r.detail}")
    failed = sum(1 for r in results if not r.passed)
    print(f"{len(results) - failed} of {len(results)} case runs passed ({len(knowledge.cases)} cases)")
    return EXIT_OK if not failed else EXIT_FAILED


def cmd_why(args) -> int:
    knowledge = _load(args.kb)
    codes = {s.code for s in knowledge.symptoms} | {q.code for q in knowledge.questions}
    if args.code not in codes:
        print(f"pakar: unknown symptom or question '{args.code}'", file=sys.stderr)
        return EXIT_UNUSABLE
    print(explain.why(knowledge, args.code, args.lang))
    return EXIT_OK


def cmd_consult(args) -> int:
    knowledge = _load(args.kb)
    try:
        Console(knowledge, args.lang).run(args.mode)
    except Cancelled:
        print("\n" + ("Consultation cancelled." if args.lang == "en" else "Konsultasi dibatalkan."), file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def cmd_batch(args) -> int:
    knowledge = _load(args.kb)
    try:
        source = open(args.file, encoding="utf-8") if args.file and args.file != "-" else sys.stdin
    except OSError as exc:
        print(f"pakar: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return EXIT_UNUSABLE
    try:
        with source:
            lines = source.readlines()
    except UnicodeDecodeError:
        print(f"pakar: {args.file or 'standard input'} is not UTF-8 text", file=sys.stderr)
        return EXIT_UNUSABLE
    progress = None
    if sys.stderr.isatty() and len(lines) >= 1000:
        from tqdm import tqdm
        progress = functools.partial(tqdm, unit="line", file=sys.stderr)
    failed = batch.run(knowledge, lines, sys.stdout, workers=args.workers,
                       trace=not args.no_trace, progress=progress)
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


class _Version(argparse.Action):
    """``--version``: the package's version and the bundled KB's id and version (loading the KB only then)."""

    def __call__(self, parser, namespace, values, option_string=None):
        from importlib.metadata import PackageNotFoundError, version

        try:
            package = version("pakar")
        except PackageNotFoundError:  # run from a source tree that was never installed
            package = "(not installed)"
        knowledge = _load(None)
        print(f"pakar {package} (KB {knowledge.id} {knowledge.short_version})")
        parser.exit()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="pakar", description="Pakar: COVID-19 early-detection expert system"
                                " (a screening aid, not a diagnosis).")
    p.add_argument("--version", action=_Version, nargs=0, help="print the package and bundled KB versions")
    sub = p.add_subparsers(dest="command", required=True)
    kb_cmd = sub.add_parser("kb", help="knowledge base tools").add_subparsers(dest="kb_command", required=True)
    check = kb_cmd.add_parser("check", help="validate and verify a KB and run its stored cases")
    check.add_argument("dir", nargs="?", default=None, help="KB directory (default: the bundled KB)")
    check.set_defaults(func=cmd_check)
    test = kb_cmd.add_parser("test", help="run a KB's stored test cases")
    test.add_argument("dir", nargs="?", default=None, help="KB directory (default: the bundled KB)")
    test.add_argument("-q", "--quiet", action="store_true", help="print only failures and the count")
    test.set_defaults(func=cmd_test)
    why = kb_cmd.add_parser("why", help="why a symptom or question is asked (the rules that use it)")
    why.add_argument("code")
    why.add_argument("--lang", choices=("id", "en"), default="id")
    why.add_argument("--kb", default=None, help="KB directory (default: the bundled KB)")
    why.set_defaults(func=cmd_why)
    consult = sub.add_parser("consult", help="an interactive consultation in the terminal")
    consult.add_argument("--mode", choices=("screening", "diagnosis"), help="skip the menu")
    consult.add_argument("--lang", choices=("id", "en"), default="id")
    consult.add_argument("--kb", default=None, help="KB directory (default: the bundled KB)")
    consult.set_defaults(func=cmd_consult)
    run = sub.add_parser("batch", help="JSON Lines in, JSON Lines out (stdin when no FILE)")
    run.add_argument("file", nargs="?", help="input file of JSON Lines (default: standard input)")
    run.add_argument("--kb", default=None, help="KB directory (default: the bundled KB)")
    run.add_argument("--workers", type=_positive, default=None, help="worker processes (default: one per core)")
    run.add_argument("--no-trace", action="store_true", help="leave the trace out of each result")
    run.set_defaults(func=cmd_batch)
    return p


def main(argv=None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
