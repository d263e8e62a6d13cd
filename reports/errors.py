"""Report errors."""

from __future__ import annotations


class ReportError(Exception):
    """A report could not be rendered (for example, the PDF library is missing its system fonts)."""
