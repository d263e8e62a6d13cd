"""Texts the engine's API shows to people, in Indonesian and English."""
from __future__ import annotations

MESSAGES = {
    "not_an_object": ("Permintaan harus berupa objek JSON, misalnya {{\"mode\": \"screening\", ...}}.",
                      "The request must be a JSON object, e.g. {{\"mode\": \"screening\", ...}}."),
    "invalid_json": ("Baris ini bukan JSON yang sah: {detail}.", "This line is not valid JSON: {detail}."),
    "missing_mode": ("Mode tidak ada: tambahkan \"mode\": \"screening\" atau \"diagnosis\".",
                     "The mode is missing: add \"mode\": \"screening\" or \"diagnosis\"."),
    "bad_mode": ("Mode '{value}' tidak dikenal; gunakan \"screening\" atau \"diagnosis\".",
                 "Unknown mode '{value}'; use \"screening\" or \"diagnosis\"."),
    "bad_lang": ("Bahasa '{value}' tidak tersedia; gunakan \"id\" atau \"en\".",
                 "Language '{value}' is not available; use \"id\" or \"en\"."),
    "bad_emergency": ("\"emergency\" harus true atau false, bukan {value}.",
                      "\"emergency\" must be true or false, not {value}."),
    "bad_id": ("\"id\" harus berupa teks atau angka.", "\"id\" must be text or a number."),
    "unexpected_key": ("Kunci '{value}' tidak dikenal untuk mode {mode}; yang boleh: {allowed}.",
                       "Unknown key '{value}' for mode {mode}; allowed: {allowed}."),
    "missing_answers": ("Jawaban skrining tidak ada: kirim \"answers\" berisi {questions}.",
                        "Screening answers are missing: send \"answers\" with {questions}."),
    "missing_answer": ("Pertanyaan {value} belum dijawab.", "Question {value} has no answer."),
    "unknown_question": ("Pertanyaan '{value}' tidak ada. {hint}Pertanyaan: {questions}.",
                         "There is no question '{value}'. {hint}Questions: {questions}."),
    "bad_answer": ("Jawaban '{answer}' tidak berlaku untuk {value}; pilih: {allowed}.",
                   "Answer '{answer}' does not fit {value}; choose: {allowed}."),
    "missing_symptoms": ("Gejala tidak ada: kirim \"symptoms\" berisi kode gejala dan tingkat keyakinan.",
                         "Symptoms are missing: send \"symptoms\" with symptom codes and certainties."),
    "unknown_symptom": ("Gejala '{value}' tidak ada. {hint}Kode gejala: {first} sampai {last}.",
                        "There is no symptom '{value}'. {hint}Symptom codes run from {first} to {last}."),
    "bad_certainty": ("Keyakinan {answer} untuk {value} tidak ada di skala; pilih: {allowed}.",
                      "Certainty {answer} for {value} is not on the scale; choose: {allowed}."),
    "no_decision": ("Basis pengetahuan tidak memberi hasil untuk jawaban ini.",
                    "The knowledge base gives no result for these answers."),
    "internal": ("Terjadi kesalahan di sistem; hasil tidak dapat dihitung.",
                 "Something went wrong inside the system; no result could be computed."),
}


def message(code: str, lang: str = "id", **values) -> str:
    """The message ``code`` in ``lang`` with ``values`` filled in."""
    ind, eng = MESSAGES.get(code, MESSAGES["internal"])
    template = eng if lang == "en" else ind
    return template.format(**{k: "" if v is None else v for k, v in values.items()}).replace("  ", " ")
