"""Pakar knowledge bases: YAML files, their schema, the loader and the verifier.

Public API::

    from kb import load, bundled_path, KBError
    knowledge = load()            # the bundled COVID-19 KB
    knowledge = load("path/to/kb")
"""

from kb.errors import KBError, Problem
from kb.loader import bundled_path, load

__all__ = ["KBError", "Problem", "bundled_path", "load"]
