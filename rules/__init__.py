"""Pakar's inference: Experta engines built from a KB, and the small API the CLI and web app call.

Usage (each call answers one request)::

    import kb, rules
    knowledge = kb.load()
    result = rules.consult(knowledge, {"mode": "diagnosis", "symptoms": {"GC03": 1.0}})        # JSON-ready dict
    record = rules.consult_record(knowledge, {"mode": "diagnosis", "symptoms": {"GC03": 1.0}})  # typed, exact
    again = rules.read_result(result)               # a stored result (its JSON form) read back as a record
"""

from rules.consultation import consult, consult_record, consult_safely
from rules.errors import EngineError, InputError, PakarError
from rules.explain import why
from rules.kbcheck import KBCheck, check_kb
from rules.results import from_json as read_result

__all__ = [
    "EngineError",
    "InputError",
    "KBCheck",
    "PakarError",
    "check_kb",
    "consult",
    "consult_record",
    "consult_safely",
    "read_result",
    "why",
]
