"""Pakar knowledge bases: YAML files, their schema, the loader and the verifier.

Public API::

    from kb import load, load_files, read_files, bundled_path, KBError
    knowledge = load()            # the bundled COVID-19 KB
    knowledge = load("path/to/kb")
    files = read_files("path/to/kb")                 # {"<name>.yaml": text}: what a stored KB version holds
    knowledge = load_files(files)                    # the same loader on the texts (problems name <name>.yaml)
"""

from kb.errors import KBError, Problem
from kb.loader import bundled_path, load, load_files, read_files

__all__ = ["KBError", "Problem", "bundled_path", "load", "load_files", "read_files"]
