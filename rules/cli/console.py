"""``pakar consult``: an interactive consultation in the terminal, in Indonesian or English.

At any question: ``?`` explains WHY it is asked (which rules use the answer), ``<`` goes back to the
previous question (answers are kept), Enter on a diagnosis question keeps the default "No".
"""

from __future__ import annotations

import sys
import textwrap

import kb
from rules import consultation, explain
from rules.cli.common import EXIT_FAILED, EXIT_OK, KB_HELP, add_lang_argument
from rules.i18n import tr, trn


class Cancelled(Exception):  # noqa: N818 - the person chose to stop; not an error of ours
    """The person ended the consultation (end of input)."""


class Console:
    """One consultation in the terminal: ``ask`` reads a reply, ``say`` prints (both replaceable in tests)."""

    def __init__(self, knowledge, lang: str, ask=input, say=print):
        self.kb, self.lang, self._ask, self.say = knowledge, lang, ask, say

    def ask(self, prompt: str) -> str:
        try:
            return self._ask(prompt).strip()
        except EOFError as exc:
            raise Cancelled from exc

    def banner(self):
        kb, lang = self.kb, self.lang
        self.say(tr(lang, "Pakar — COVID-19 early detection"))
        if kb.emergency:
            em = kb.emergency
            self.say(
                tr(
                    lang,
                    "DANGER SIGNS — go to an emergency department or call %(number)s (%(name)s) if there is:",
                    number=em.hotline_number,
                    name=em.hotline_name.get(lang),
                )
            )
            for sign in em.signs:
                self.say(f"  ! {sign.text.get(lang)}")
        self.say(textwrap.fill(kb.disclaimer.get(lang), 100))
        self.say("")

    def menu(self) -> str:
        """The choice of consultation, with the KB's counts of questions and symptoms."""
        lang = self.lang
        return tr(
            lang,
            "Choose a consultation: 1) Quick screening (%(questions)s)  2) Detailed diagnosis (%(symptoms)s)",
            questions=trn(lang, "%(num)d question", "%(num)d questions", len(self.kb.questions)),
            symptoms=trn(lang, "%(num)d symptom", "%(num)d symptoms", len(self.kb.symptoms)),
        )

    def choose_mode(self) -> str:
        while True:
            choice = self.ask(self.menu() + "\n> ").lower()
            if choice in ("1", "screening", "skrining"):
                return "screening"
            if choice in ("2", "diagnosis"):
                return "diagnosis"
            self.say(tr(self.lang, "Answer not recognised; type one of the numbers above."))

    def _pick(self, header, text, help_text, options, default=None, why_code=None, start=1):
        """Ask one question; return an option index, or -1 for 'back'. Options are numbered from
        ``start`` (the certainty scale starts at 0, its level "No")."""
        self.say("\n" + textwrap.fill(f"{header}: {text}", 100, subsequent_indent="  "))
        if help_text:
            self.say(textwrap.fill(help_text, 100, initial_indent="  ", subsequent_indent="  "))
        self.say("  " + "  ".join(f"{i}) {label}" for i, label in enumerate(options, start)))
        prompt = f"[Enter = {options[default]}] > " if default is not None else "> "
        while True:
            reply = self.ask(prompt).lower()
            if reply == "" and default is not None:
                return default
            if reply == "?":
                self.say(textwrap.fill(explain.why(self.kb, why_code, self.lang), 100))
                continue
            if reply == "<":
                return -1
            if reply.isdigit() and 0 <= int(reply) - start < len(options):
                return int(reply) - start
            matches = [i for i, label in enumerate(options) if label.lower() == reply]
            if matches:
                return matches[0]
            self.say(tr(self.lang, "Answer not recognised; type one of the numbers above."))

    def _walk(self, items, asker):
        """Ask items in order with back-navigation; answers are kept when going back."""
        answers: dict[str, object] = {}
        i = 0
        while i < len(items):
            picked = asker(i, items[i], answers.get(items[i].code))
            if picked == -1:
                if i == 0:
                    self.say(tr(self.lang, "This is the first question."))
                else:
                    i -= 1
                continue
            answers[items[i].code] = picked
            i += 1
        return answers

    def screening(self) -> dict:
        kb, lang = self.kb, self.lang
        questions = kb.questions
        self.say(tr(self.lang, "Type the answer's number. '?' = why this is asked, '<' = back."))

        def asker(i, q, previous):
            labels = [kb.answer_label(a).get(lang) for a in q.answers]
            default = q.answers.index(previous) if previous in q.answers else None
            picked = self._pick(
                tr(lang, "Question %(n)d/%(total)d", n=i + 1, total=len(questions)),
                q.text.get(lang),
                q.help.get(lang) if q.help else None,
                labels,
                default,
                q.code,
            )
            return q.answers[picked] if picked >= 0 else -1

        answers = self._walk(questions, asker)
        return {"mode": "screening", "answers": answers, "lang": lang}

    def diagnosis(self) -> dict:
        kb, lang = self.kb, self.lang
        # Asked group by group, in the KB's order of groups, each group in KB order.
        symptoms = [s for group in kb.groups for s in group.symptoms]
        labels = [level.label.get(lang) for level in kb.scale]
        self.say(tr(self.lang, "Type the answer's number. '?' = why this is asked, '<' = back."))

        def asker(i, s, previous):
            default = next((n for n, level in enumerate(kb.scale) if level.code == previous), 0)
            group = kb.group_name(s.category).get(lang)
            picked = self._pick(
                tr(lang, "Symptom %(n)d/%(total)d [%(group)s]", n=i + 1, total=len(symptoms), group=group),
                s.question.get(lang),
                s.help.get(lang) if s.help else None,
                labels,
                default,
                s.code,
                start=0,
            )
            return kb.scale[picked].code if picked >= 0 else -1

        answers = self._walk(symptoms, asker)
        return {"mode": "diagnosis", "symptoms": {code: level for code, level in answers.items()}, "lang": lang}

    def show(self, result: dict):
        lang = self.lang
        self.say("\n" + "=" * 60 + "\n" + tr(lang, "RESULT"))
        if result["mode"] == "screening":
            self.say(f"{result['solution']}: {result['title']}")
            self.say(result["advice"])
            if result.get("hotline"):
                self.say(tr(lang, "Hotline: %(name)s, %(number)s", **result["hotline"]))
        else:
            if result["diagnosis"]:
                self.say(f"{result['diagnosis']} {result['name']}")
                self.say(tr(lang, "Certainty: CF %(cf)s (%(pct)s%%)", cf=result["cf_text"], pct=result["percent_text"]))
                self.say(textwrap.fill(result["info"], 100))
                rows = "; ".join(f"{r['code']} {r['cf_text']}" for r in result["ranking"])
                self.say(tr(lang, "Ranking: %(rows)s", rows=rows))
            else:
                self.say(tr(lang, "No hypothesis was concluded."))
            self.say(result["advice"])
        self.say("\n" + tr(lang, "HOW THIS RESULT WAS REACHED"))
        for line in result["how"]:
            self.say(textwrap.fill(line, 110, subsequent_indent="    "))
        self.say("\n" + textwrap.fill(result["disclaimer"], 100))
        self.say(
            tr(
                lang,
                "Knowledge base %(id)s %(label)s, version %(version)s",
                id=self.kb.id,
                label=self.kb.label,
                version=result["kb_version"],
            )
        )

    def run(self, mode: str | None = None) -> dict:
        self.banner()
        mode = mode or self.choose_mode()
        request = self.screening() if mode == "screening" else self.diagnosis()
        result = consultation.consult(self.kb, request, trace=True)
        self.show(result)
        return result


def command(args) -> int:
    """``pakar consult``: 0 once a result is shown, 1 when the person ends the consultation early."""
    knowledge = kb.load(args.kb)
    try:
        Console(knowledge, args.lang).run(args.mode)
    except Cancelled:
        print("\n" + tr(args.lang, "Consultation cancelled."), file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def add_parser(commands) -> None:
    """Add ``consult`` to ``pakar``'s subparsers."""
    p = commands.add_parser("consult", help="an interactive consultation in the terminal")
    p.add_argument("--mode", choices=("screening", "diagnosis"), help="skip the menu")
    add_lang_argument(p)
    p.add_argument("--kb", default=None, help=KB_HELP)
    p.set_defaults(func=command)


__all__ = ["Cancelled", "Console", "add_parser", "command"]
