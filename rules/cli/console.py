"""``pakar consult``: an interactive consultation in the terminal, in Indonesian or English.

At any question: ``?`` explains WHY it is asked (which rules use the answer), ``<`` goes back to the
previous question (answers are kept), Enter on a diagnosis question keeps the default "No".
"""
from __future__ import annotations

import textwrap

from rules import consultation, explain

UI = {
    "title": ("Pakar — deteksi dini COVID-19", "Pakar — COVID-19 early detection"),
    "emergency": ("TANDA BAHAYA — segera ke IGD atau hubungi {number} ({name}) bila ada:",
                  "DANGER SIGNS — go to an emergency department or call {number} ({name}) if there is:"),
    "choose": ("Pilih konsultasi: 1) Skrining cepat (6 pertanyaan)  2) Diagnosis rinci (20 gejala)",
               "Choose a consultation: 1) Quick screening (6 questions)  2) Detailed diagnosis (20 symptoms)"),
    "keys": ("Ketik nomor jawaban. '?' = mengapa ditanya, '<' = kembali.",
             "Type the answer's number. '?' = why this is asked, '<' = back."),
    "question": ("Pertanyaan {n}/{total}", "Question {n}/{total}"),
    "symptom": ("Gejala {n}/{total} [{category}]", "Symptom {n}/{total} [{category}]"),
    "default": ("Enter = {label}", "Enter = {label}"),
    "invalid": ("Jawaban tidak dikenal; ketik salah satu nomor di atas.",
                "Answer not recognised; type one of the numbers above."),
    "first": ("Ini pertanyaan pertama.", "This is the first question."),
    "result": ("HASIL", "RESULT"),
    "how": ("BAGAIMANA HASIL INI DIDAPAT", "HOW THIS RESULT WAS REACHED"),
    "hotline": ("Hotline: {name}, {number}", "Hotline: {name}, {number}"),
    "certainty": ("Keyakinan: CF {cf} ({pct}%)", "Certainty: CF {cf} ({pct}%)"),
    "ranking": ("Peringkat: {rows}", "Ranking: {rows}"),
    "nothing": ("Tidak ada hipotesis yang disimpulkan.", "No hypothesis was concluded."),
    "kb": ("Basis pengetahuan {id} {label}, versi {version}", "Knowledge base {id} {label}, version {version}"),
}


class Cancelled(Exception):
    """The person ended the consultation (end of input)."""


class Console:
    def __init__(self, knowledge, lang: str, ask=input, say=print):
        self.kb, self.lang, self._ask, self.say = knowledge, lang, ask, say

    def t(self, key, **values) -> str:
        ind, eng = UI[key]
        return (eng if self.lang == "en" else ind).format(**values)

    def ask(self, prompt: str) -> str:
        try:
            return self._ask(prompt).strip()
        except EOFError as exc:
            raise Cancelled from exc

    def banner(self):
        kb, lang = self.kb, self.lang
        self.say(self.t("title"))
        if kb.emergency:
            em = kb.emergency
            self.say(self.t("emergency", number=em.hotline_number, name=em.hotline_name.get(lang)))
            for sign in em.signs:
                self.say(f"  ! {sign.text.get(lang)}")
        self.say(textwrap.fill(kb.disclaimer.get(lang), 100))
        self.say("")

    def choose_mode(self) -> str:
        while True:
            choice = self.ask(self.t("choose") + "\n> ").lower()
            if choice in ("1", "screening", "skrining"):
                return "screening"
            if choice in ("2", "diagnosis"):
                return "diagnosis"
            self.say(self.t("invalid"))

    def _pick(self, header, text, help_text, options, default=None, why_code=None, start=1):
        """Ask one question; return an option index, or -1 for 'back'. Options are numbered from
        ``start`` (the certainty scale starts at 0, its level "No")."""
        self.say("\n" + textwrap.fill(f"{header}: {text}", 100, subsequent_indent="  "))
        if help_text:
            self.say(textwrap.fill(help_text, 100, initial_indent="  ", subsequent_indent="  "))
        self.say("  " + "  ".join(f"{i}) {label}" for i, label in enumerate(options, start)))
        prompt = f"[{self.t('default', label=options[default])}] > " if default is not None else "> "
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
            self.say(self.t("invalid"))

    def _walk(self, items, asker):
        """Ask items in order with back-navigation; answers are kept when going back."""
        answers, i = {}, 0
        while i < len(items):
            picked = asker(i, items[i], answers.get(items[i].code))
            if picked == -1:
                if i == 0:
                    self.say(self.t("first"))
                else:
                    i -= 1
                continue
            answers[items[i].code] = picked
            i += 1
        return answers

    def screening(self) -> dict:
        kb, lang = self.kb, self.lang
        questions = kb.questions
        self.say(self.t("keys"))

        def asker(i, q, previous):
            labels = [kb.answer_label(a).get(lang) for a in q.answers]
            default = q.answers.index(previous) if previous in q.answers else None
            picked = self._pick(self.t("question", n=i + 1, total=len(questions)), q.text.get(lang),
                                q.help.get(lang) if q.help else None, labels, default, q.code)
            return q.answers[picked] if picked >= 0 else -1
        answers = self._walk(questions, asker)
        return {"mode": "screening", "answers": answers, "lang": lang}

    def diagnosis(self) -> dict:
        kb, lang = self.kb, self.lang
        # Asked group by group, in the KB's order of groups, each group in KB order.
        symptoms = [s for group in kb.groups for s in group.symptoms]
        labels = [level.label.get(lang) for level in kb.scale]
        self.say(self.t("keys"))

        def asker(i, s, previous):
            default = next((n for n, level in enumerate(kb.scale) if level.code == previous), 0)
            category = kb.group_name(s.category).get(lang)
            picked = self._pick(self.t("symptom", n=i + 1, total=len(symptoms), category=category),
                                s.question.get(lang), s.help.get(lang) if s.help else None, labels, default, s.code,
                                start=0)
            return kb.scale[picked].code if picked >= 0 else -1
        answers = self._walk(symptoms, asker)
        return {"mode": "diagnosis", "symptoms": {code: level for code, level in answers.items()}, "lang": lang}

    def show(self, result: dict):
        self.say("\n" + "=" * 60 + f"\n{self.t('result')}")
        if result["mode"] == "screening":
            self.say(f"{result['solution']}: {result['title']}")
            self.say(result["advice"])
            if result.get("hotline"):
                self.say(self.t("hotline", **result["hotline"]))
        else:
            if result["diagnosis"]:
                self.say(f"{result['diagnosis']} {result['name']}")
                self.say(self.t("certainty", cf=result["cf_text"], pct=result["percent_text"]))
                self.say(textwrap.fill(result["info"], 100))
                rows = "; ".join(f"{r['code']} {r['cf_text']}" for r in result["ranking"])
                self.say(self.t("ranking", rows=rows))
            else:
                self.say(self.t("nothing"))
            self.say(result["advice"])
        self.say(f"\n{self.t('how')}")
        for line in result["how"]:
            self.say(textwrap.fill(line, 110, subsequent_indent="    "))
        self.say("\n" + textwrap.fill(result["disclaimer"], 100))
        self.say(self.t("kb", id=self.kb.id, label=self.kb.label, version=result["kb_version"]))

    def run(self, mode: str | None = None) -> dict:
        self.banner()
        mode = mode or self.choose_mode()
        request = self.screening() if mode == "screening" else self.diagnosis()
        result = consultation.consult(self.kb, request, trace=True)
        self.show(result)
        return result



