"""``python -m rules`` is the ``pakar`` command."""

import sys

from rules.cli import main

sys.exit(main())
