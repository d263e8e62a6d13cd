"""Experta calls logging.basicConfig() at import; Pakar takes that handler back out and keeps Experta quiet."""

from __future__ import annotations

import subprocess
import sys

import pytest

PROBE = """
import logging
before = list(logging.getLogger().handlers)
import {module}
after = list(logging.getLogger().handlers)
print(before == after, logging.getLogger("experta").getEffectiveLevel())
"""


@pytest.mark.parametrize(
    "module",
    [
        "rules",
        "rules.engine.engines",
        "rules.engine.matcher",
        "rules.engine.strategy",
        "rules.engine.facts",
        "rules.cli",
    ],
)
@pytest.mark.slow  # a new Python process per module
def test_importing_pakar_leaves_the_root_logger_alone(module):
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(module=module)], capture_output=True, text=True, check=True, timeout=60
    ).stdout.split()
    assert out == ["True", "30"]


def test_a_root_logger_at_info_gets_no_records_from_a_consultation(kb, caplog):
    import logging

    import rules

    with caplog.at_level(logging.DEBUG):
        rules.consult(kb, {"mode": "diagnosis", "symptoms": {"GC03": 1, "GC06": 0.8}})
    assert [r for r in caplog.records if r.name.startswith("experta")] == []
