"""Pakar's benchmark (``make bench`` / ``python -m bench``).

Times the Pakar engine (Experta, trace included) against the same KB in CLIPS (clipspy) and in plain
Python, on deterministic workloads; then on synthetic KBs 10x and 100x the bundled one; then with an
application logging at INFO (Experta's logging trap); then through the web app under gunicorn, beside
the engine alone. Prints the figures beside a committed reference run (bench/reference.json) and judges
the targets PASS/MISS; it never fails on time.

Modules: workloads (seeded consultations), plain (the dict-and-loop floor), clips_kb (the CLIPS
translation; the only module importing clipspy), synthetic (scaled KBs written as YAML), stats (timing),
suite (the series), costs (cProfile breakdown for --profile), web (the web section), server (a gunicorn
child process), load (the load generator, a process of its own), null_app (the harness floor),
__main__ (options and the table).
"""
