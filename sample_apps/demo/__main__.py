"""``python -m sample_apps.demo``, from the root of a checkout."""

from __future__ import annotations

import sys

from sample_apps.demo._cli import main

if __name__ == "__main__":
    sys.exit(main())
