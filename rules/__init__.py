"""Pakar's inference: Experta engines built from a KB, and the small API the CLI and web app call.

    import kb, rules
    knowledge = kb.load()
    result = rules.consult(knowledge, {"mode": "diagnosis", "symptoms": {"GC03": 1.0}})        # JSON-ready dict
    record = rules.consult_record(knowledge, {"mode": "diagnosis", "symptoms": {"GC03": 1.0}})  # typed, exact
"""
from rules.consultation import consult, consult_record, consult_safely
from rules.errors import EngineError, InputError, PakarError
from rules.explain import why

__all__ = ["EngineError", "InputError", "PakarError", "consult", "consult_record", "consult_safely", "why"]
