"""ff-otel's options from `OTEL_PYTHON_FF_OTEL_<OPTION>` environment variables: the core's reading of them.

Each variable is named after one option (`semconv` -> `OTEL_PYTHON_FF_OTEL_SEMCONV`); how its text is read
follows the option's declared type.
"""

from __future__ import annotations

from ff_otel.integration import PREFIX, ImportedCallable, options_from_environ, variable_name

__all__ = ["PREFIX", "ImportedCallable", "options_from_environ", "variable_name"]
