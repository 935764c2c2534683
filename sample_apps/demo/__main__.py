"""``python -m sample_apps.demo demo``: the same as the ``ff-otel`` console command."""

from __future__ import annotations

import sys

from sample_apps.demo._cli import main

if __name__ == "__main__":
    sys.exit(main())
