"""The texts of the small, valid KB the loader tests start from (shared by conftest and test modules)."""

KB_YAML = """\
kb:
  id: mini
  title: {id: Mini, en: Mini}
  version: "0.1"
  review_date: "2030-01-01"
  disclaimer: {id: Hanya uji, en: Only a test}
  no_conclusion: {id: Tidak ada, en: Nothing}
  sources:
    - id: src
      citation: A test source
"""

SCALE_YAML = """\
scale:
  - {code: tidak, cf: 0, label: {id: Tidak, en: "No"}, source: src}
  - {code: mungkin, cf: 0.4, label: {id: Mungkin, en: Maybe}, source: src}
  - {code: besar, cf: 0.8, label: {id: Besar, en: Likely}, source: src}
  - {code: pasti, cf: 1.0, label: {id: Pasti, en: Certain}, source: src}
"""

GROUPS_YAML = """\
groups:
  - {code: respiratory, name: {id: Pernapasan, en: Breathing}}
  - {code: general, name: {id: Umum, en: General}}
  - {code: digestive, name: {id: Pencernaan, en: Digestion}}
"""

SYMPTOMS_YAML = """\
symptoms:
  - code: GC01
    name: {id: Pilek, en: Runny nose}
    question: {id: "Pilek?", en: "Runny nose?"}
    category: respiratory
    cf: 0.8
    source: src
  - code: GC02
    name: {id: Demam, en: Fever}
    question: {id: "Demam?", en: "Fever?"}
    category: general
    cf: 1.0
    source: src
  - code: GC03
    name: {id: Mual, en: Nausea}
    question: {id: "Mual?", en: "Nausea?"}
    category: digestive
    cf: 0.6
    source: src
"""

HYPOTHESES_YAML = """\
hypotheses:
  - code: PC01
    name: {id: Suspek, en: Suspect}
    info: {id: Info suspek, en: Suspect info}
    advice: {id: Saran suspek, en: Suspect advice}
    source: src
  - code: PC02
    name: {id: Probable, en: Probable}
    info: {id: Info probable, en: Probable info}
    advice: {id: Saran probable, en: Probable advice}
    source: src
"""

RULES_YAML = """\
rules:
  - id: R01
    if: GC01
    then: PC01
    cf: 0.8
    source: src
  - id: R02
    if: GC02
    then: PC01
    cf: 1.0
    source: src
  - id: R03
    if: GC03
    then: PC02
    cf: 0.6
    source: src
"""

SCREENING_YAML = """\
answers:
  - {code: ya, label: {id: Ya, en: "Yes"}}
  - {code: tidak, label: {id: Tidak, en: "No"}}
questions:
  - code: Q1
    text: {id: "Demam?", en: "Fever?"}
    answers: [ya, tidak]
    symptom: GC02
    source: src
  - code: Q2
    text: {id: "Pilek?", en: "Runny nose?"}
    answers: [ya, tidak]
    source: src
solutions:
  - code: S1
    title: {id: Periksa, en: See a doctor}
    advice: {id: Ke dokter, en: See a doctor}
    source: src
  - code: S2
    title: {id: Aman, en: Fine}
    advice: {id: Istirahat, en: Rest}
    source: src
decisions:
  - id: D1
    when: {any: {Q1: ya, Q2: ya}}
    then: S1
    salience: 20
    note: {id: Ada jawaban ya, en: Any yes}
    source: src
  - id: D2
    when: {all: {Q1: tidak, Q2: tidak}}
    then: S2
    salience: 10
    note: {id: Semua tidak, en: All no}
    source: src
"""

CASES_YAML = """\
cases:
  - id: C1
    mode: screening
    answers: {Q1: ya, Q2: tidak}
    expect: S1
    source: src
  - id: C2
    mode: diagnosis
    symptoms: {GC01: 0.8}
    expect: PC01
    expect_cf: {PC01: 0.64}
    source: src
"""

BASE = {
    "kb.yaml": KB_YAML,
    "scale.yaml": SCALE_YAML,
    "groups.yaml": GROUPS_YAML,
    "symptoms.yaml": SYMPTOMS_YAML,
    "hypotheses.yaml": HYPOTHESES_YAML,
    "rules.yaml": RULES_YAML,
}
OPTIONAL = {"screening.yaml": SCREENING_YAML, "cases.yaml": CASES_YAML}
