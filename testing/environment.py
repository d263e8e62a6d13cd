"""Whether the tests run in CI, and what a missing service means there: a skip on a developer's machine,
a failure in CI (``CI=true``), where every test must run."""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    """True when ``CI`` is set to a true value (as CI services and ``.ci/run`` do)."""
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


def unavailable(reason: str, in_ci_message: str) -> NoReturn:
    """Skip the test with ``reason``; in CI fail it instead, with ``reason`` and what CI is missing."""
    if in_ci():
        pytest.fail(f"{reason}: {in_ci_message}", pytrace=False)
    pytest.skip(reason)
