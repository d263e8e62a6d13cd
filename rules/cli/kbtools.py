"""``pakar kb check|test|why``: the knowledge engineer's tools (English output, for people editing ``kb/``)."""

from __future__ import annotations

import kb
from rules import casetests, explain
from rules.cli.common import EXIT_FAILED, EXIT_OK, KB_HELP, CommandError, add_lang_argument
from rules.kbcheck import check_kb


def check(args) -> int:
    """Validate, verify, and run the stored cases; 0 only when all is clean."""
    knowledge = kb.load(args.dir)
    print(
        f"{knowledge.path}: {knowledge.id} {knowledge.label} (version {knowledge.short_version}),"
        f" {len(knowledge.files)} files"
    )
    print(
        f"  {len(knowledge.symptoms)} symptoms, {len(knowledge.hypotheses)} hypotheses, {len(knowledge.rules)}"
        f" CF rules, {len(knowledge.questions)} questions, {len(knowledge.decisions)} decisions,"
        f" {len(knowledge.cases)} cases"
    )
    result = check_kb(knowledge)
    for observation in result.observations:
        print(f"  {observation}")
    for line in result.failures:
        print(f"  {line}")
    print(
        f"verification: {len(result.errors)} errors, {len(result.warnings)} warnings;"
        f" cases: {result.passed} passed, {result.failed} failed"
    )
    # Stricter than KBCheck.clean (what a reload or an approval needs): the engineer's tool fails on a
    # warning too, so that a probable mistake is looked at before it is sent for review.
    clean = result.clean and not result.warnings
    print("clean" if clean else "NOT clean")
    return EXIT_OK if clean else EXIT_FAILED


def test(args) -> int:
    """Run the stored cases and print a table."""
    knowledge = kb.load(args.dir)
    results = casetests.run_cases(knowledge)
    width = max((len(r.label) for r in results), default=4)
    if not args.quiet:
        print(f"{'case':<{width}}  {'mode':<9}  {'expect':<6}  {'got':<6}  result  detail")
    for r in results:
        if args.quiet and r.passed:
            continue
        print(
            f"{r.label:<{width}}  {r.case.mode:<9}  {r.expected!s:<6}  {r.got!s:<6}  "
            f"{'pass' if r.passed else 'FAIL':<6}  {r.detail}"
        )
    failed = sum(1 for r in results if not r.passed)
    print(f"{len(results) - failed} of {len(results)} case runs passed ({len(knowledge.cases)} cases)")
    return EXIT_OK if not failed else EXIT_FAILED


def why(args) -> int:
    """Why a symptom or question is asked: the rules that use its answer."""
    knowledge = kb.load(args.kb)
    codes = {s.code for s in knowledge.symptoms} | {q.code for q in knowledge.questions}
    if args.code not in codes:
        raise CommandError(f"unknown symptom or question '{args.code}'")
    print(explain.why(knowledge, args.code, args.lang))
    return EXIT_OK


def add_parser(commands) -> None:
    """Add ``kb`` and its subcommands to ``pakar``'s subparsers."""
    tools = commands.add_parser("kb", help="knowledge base tools").add_subparsers(dest="kb_command", required=True)
    p = tools.add_parser("check", help="validate and verify a KB and run its stored cases")
    p.add_argument("dir", nargs="?", default=None, help=KB_HELP)
    p.set_defaults(func=check)
    p = tools.add_parser("test", help="run a KB's stored test cases")
    p.add_argument("dir", nargs="?", default=None, help=KB_HELP)
    p.add_argument("-q", "--quiet", action="store_true", help="print only failures and the count")
    p.set_defaults(func=test)
    p = tools.add_parser("why", help="why a symptom or question is asked (the rules that use it)")
    p.add_argument("code")
    add_lang_argument(p)
    p.add_argument("--kb", default=None, help=KB_HELP)
    p.set_defaults(func=why)


__all__ = ["add_parser", "check", "test", "why"]
