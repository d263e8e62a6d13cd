"""The KB translated to CLIPS (through clipspy), to compare Pakar with a C rule engine on the same rules.

Diagnosis: one defrule per KB rule, matching ``(symptom (code GCxx) (cf ?c))`` above the rule's threshold.
Its right-hand side adds ``rule CF x ?c`` to the conclusion's ``(hypothesis (code ..) (cf ..) (n ..))`` fact
with the MYCIN combination (a deffunction). No rule matches hypothesis facts: in CLIPS a ``modify`` of a fact
that the rule itself matched re-activates the rule (it loops), so each hypothesis fact's address is kept in
a defglobal instead: asserted on the first contribution, modified on the next ones. ``n`` counts the
symptoms beneath the hypothesis (the engine's first tie-break). Arithmetic is float, so ranking rounds CFs
to 9 places before comparing them (exact ties such as 1 = 1 stay ties).

Screening: one defrule per KB decision with the decision's salience, matching ``(answer (question Qn)
(value ..))`` facts; ``any`` decisions use an ``or`` conditional element. The first one to fire records
itself in a defglobal and halts, as the Pakar engine does.

Per consultation: ``(reset)``, assert the facts, ``(run)``, read the result. The facts are asserted by one
deffunction call rather than by ``Template.assert_fact`` per fact: in clipspy 1.0.6 the Python wrapper
returned by ``assert_fact`` retains the fact, and the retracted facts then pile up inside CLIPS so that
every later call gets slower (measured: +40 us per consultation per 500 consultations). One call per step
is also how CLIPS is best driven from a host language (each crossing costs a few microseconds).

clipspy is a bench-only dependency, imported here only; without it :data:`AVAILABLE` is False.
"""

from __future__ import annotations

from fractions import Fraction

from kb.model import KnowledgeBase

try:
    import clips
except ImportError:  # the bench says how to install it
    clips = None

AVAILABLE = clips is not None
MISSING = "clipspy is not installed, so there is no CLIPS comparison: run `make bench` (it installs the bench extra)"

COMBINE = """
(deffunction combine (?x ?y)
  "MYCIN combination of two CFs; certain for and certain against cancel to 0"
  (if (and (>= ?x 0.0) (>= ?y 0.0)) then (return (+ ?x (* ?y (- 1.0 ?x)))))
  (if (and (< ?x 0.0) (< ?y 0.0)) then (return (+ ?x (* ?y (+ 1.0 ?x)))))
  (bind ?smaller (min (abs ?x) (abs ?y)))
  (if (= ?smaller 1.0) then (return 0.0))
  (/ (+ ?x ?y) (- 1.0 ?smaller)))
"""

DIAGNOSIS_COMMON = """
(deftemplate symptom (slot code (type SYMBOL)) (slot cf (type FLOAT)))
(deftemplate hypothesis (slot code (type SYMBOL)) (slot cf (type FLOAT)) (slot n (type INTEGER)))
(deffunction contribute (?fact ?code ?cf)
  "Add ?cf to hypothesis ?code, whose fact is ?fact or FALSE before its first contribution; return the fact"
  (if (not (fact-addressp ?fact)) then (return (assert (hypothesis (code ?code) (cf ?cf) (n 1)))))
  (modify ?fact (cf (combine (fact-slot-value ?fact cf) ?cf)) (n (+ (fact-slot-value ?fact n) 1))))
(deffunction assert-symptoms ($?pairs)
  "Assert symptom facts from code cf code cf ..."
  (loop-for-count (?i 1 (div (length$ ?pairs) 2))
    (assert (symptom (code (nth$ (- (* 2 ?i) 1) ?pairs)) (cf (nth$ (* 2 ?i) ?pairs))))))
(deffunction ranking ()
  "code cf n for every concluded hypothesis, flat"
  (bind ?out (create$))
  (do-for-all-facts ((?h hypothesis)) TRUE (bind ?out (create$ ?out ?h:code ?h:cf ?h:n)))
  ?out)
"""

SCREENING_COMMON = """
(deftemplate answer (slot question (type SYMBOL)) (slot value (type SYMBOL)))
(defglobal ?*decision* = nil)
(deffunction assert-answers ($?pairs)
  "Assert answer facts from question value question value ..."
  (loop-for-count (?i 1 (div (length$ ?pairs) 2))
    (assert (answer (question (nth$ (- (* 2 ?i) 1) ?pairs)) (value (nth$ (* 2 ?i) ?pairs))))))
(deffunction decision () ?*decision*)
"""


def _float(value: Fraction) -> str:
    return repr(float(value))


def _global(code: str) -> str:
    return f"?*h-{code}*"


def diagnosis_constructs(kb: KnowledgeBase) -> list[str]:
    """The CLIPS constructs of the diagnosis KB, one string each (for ``Environment.build``)."""
    symptoms = {s.code for s in kb.symptoms}
    hypotheses = {h.code for h in kb.hypotheses}
    out = [COMBINE.strip(), *_split(DIAGNOSIS_COMMON)]
    out += [f"(defglobal {_global(h.code)} = FALSE)" for h in kb.hypotheses]
    for rule in kb.rules:
        if rule.premise.op != "is" or rule.premise.code not in symptoms or rule.conclusion not in hypotheses:
            # The bench compares engines on the seed's rule shape; compound premises and findings are
            # Pakar features the comparison KBs (bundled and synthetic) do not use.
            raise ValueError(
                f"{rule.id}: the bench's CLIPS translation covers single-symptom premises concluding hypotheses only"
            )
        h = _global(rule.conclusion)
        out.append(
            f"(defrule {rule.id}\n"
            f"  (symptom (code {rule.premise.code}) (cf ?c&:(> ?c {_float(rule.threshold)})))\n"
            f"  =>\n"
            f"  (bind {h} (contribute {h} {rule.conclusion} (* {_float(rule.cf)} ?c))))"
        )
    return out


def _answer_ce(question: str, allowed) -> str:
    return f"(answer (question {question}) (value {'|'.join(sorted(allowed))}))"


def screening_constructs(kb: KnowledgeBase) -> list[str]:
    """The CLIPS constructs of the screening decisions."""
    out = _split(SCREENING_COMMON)
    for d in kb.decisions:
        patterns = [_answer_ce(q, allowed) for q, allowed in d.conditions]
        lhs = "\n  ".join(patterns) if d.mode == "all" else "(or " + "\n      ".join(patterns) + ")"
        out.append(
            f"(defrule {d.id}\n  (declare (salience {d.salience}))\n  {lhs}\n  =>\n"
            f"  (bind ?*decision* {d.id})\n  (halt))"
        )
    return out


def _split(text: str) -> list[str]:
    """Top-level constructs of a CLIPS text (balanced parentheses; no strings contain parentheses)."""
    out, depth, start = [], 0, None
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                out.append(text[start : i + 1])
    return out


def _environment(constructs: list[str]):
    if clips is None:
        raise RuntimeError(MISSING)
    env = clips.Environment()
    for construct in constructs:
        env.build(construct)
    return env


class ClipsDiagnosis:
    """CLIPS diagnosis engine, built once. :meth:`consult` returns [(code, cf, n), ...], best first."""

    def __init__(self, kb: KnowledgeBase):
        self.order = {h.code: i for i, h in enumerate(kb.hypotheses)}
        self.env = _environment(diagnosis_constructs(kb))
        self._assert = self.env.find_function("assert-symptoms")
        self._ranking = self.env.find_function("ranking")

    @staticmethod
    def prepare(symptoms: dict[str, Fraction]) -> tuple:
        """The arguments of one consultation in CLIPS values (done once per workload, outside timing)."""
        args = []
        for code, cf in symptoms.items():
            if cf > 0:  # as Pakar: a zero answer asserts nothing
                args += [clips.Symbol(code), float(cf)]
        return tuple(args)

    def consult(self, args: tuple) -> list[tuple[str, float, int]]:
        env = self.env
        env.reset()
        self._assert(*args)
        env.run()
        flat = self._ranking()
        rows = [(str(flat[i]), flat[i + 1], flat[i + 2]) for i in range(0, len(flat), 3)]
        rows.sort(key=lambda row: (-round(row[1], 9), -row[2], self.order[row[0]]))
        return rows


class ClipsDiagnosisEveryday(ClipsDiagnosis):
    """The same CLIPS rules driven the way most clipspy code does it: one ``assert_string`` per symptom,
    ``run()``, then the hypothesis facts read back through ``env.facts()``. Each crossing into CLIPS costs
    microseconds, and clipspy 1.0.6 keeps the retracted facts alive (see the module text), so this is
    slower than :class:`ClipsDiagnosis` and slows down as a series goes on; it is the figure to expect from
    ordinary use of CLIPS from Python."""

    @staticmethod
    def prepare(symptoms: dict[str, Fraction]) -> tuple:
        return tuple(f"(symptom (code {code}) (cf {float(cf)}))" for code, cf in symptoms.items() if cf > 0)

    def consult(self, args: tuple) -> list[tuple[str, float, int]]:
        env = self.env
        env.reset()
        for fact in args:
            env.assert_string(fact)
        env.run()
        rows = [(str(f["code"]), f["cf"], f["n"]) for f in env.facts() if f.template.name == "hypothesis"]
        rows.sort(key=lambda row: (-round(row[1], 9), -row[2], self.order[row[0]]))
        return rows


class ClipsScreening:
    """CLIPS screening engine, built once. :meth:`consult` returns the winning decision id."""

    def __init__(self, kb: KnowledgeBase):
        self.env = _environment(screening_constructs(kb))
        self._assert = self.env.find_function("assert-answers")
        self._decision = self.env.find_function("decision")

    @staticmethod
    def prepare(answers: dict[str, str]) -> tuple:
        args = []
        for question, value in answers.items():
            args += [clips.Symbol(question), clips.Symbol(value)]
        return tuple(args)

    def consult(self, args: tuple) -> str:
        env = self.env
        env.reset()  # also sets ?*decision* back to nil
        self._assert(*args)
        env.run()
        return str(self._decision())


def version() -> str:
    """clipspy's version, or 'missing'."""
    if clips is None:
        return "missing"
    try:
        from importlib.metadata import version as dist_version

        return dist_version("clipspy")
    except Exception:
        return "?"
