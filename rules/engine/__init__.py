"""The Experta layer: facts, the indexed Rete matcher, the conflict strategy, the engines built from a KB,
the per-thread pool, the trace they record, and the exact certainty-factor algebra they use.

Nothing outside :mod:`rules` imports this package; the web app and the CLI call :mod:`rules` instead.
"""
