"""``python -m webui.serving`` (``make serve``): see :mod:`webui.serving.launcher`."""

from __future__ import annotations

import sys

from webui.serving.launcher import main

sys.exit(main())
