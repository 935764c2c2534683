"""Reading what can be read of a file DuckDB refused: malformed lines and truncated gzip files.

DuckDB reads a good file in one fast pass. When a file fails, it is read again here line by line: every line that
holds a JSON object goes into a clean copy for DuckDB, and every other line gets one message with its file and line
number. A truncated gzip file gives its complete lines and one message saying where it stopped.
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import IO, Final

GZIP_MAGIC: Final = b"\x1f\x8b"
MAX_MESSAGES_PER_FILE: Final = 10
"""Malformed lines listed one by one per file; the rest are counted."""


def is_gzip(path: Path) -> bool:
    """True when the file starts with the gzip magic bytes, whatever its name."""
    with path.open("rb") as stream:
        return stream.read(2) == GZIP_MAGIC


def salvage(path: Path, copy: Path) -> list[str]:
    """Write the readable lines of `path` to `copy` (plain text); return one message per problem found."""
    messages: list[str] = []
    bad = 0
    number = 0
    with _open(path) as source, copy.open("wb") as target:
        try:
            for number, line in enumerate(source, start=1):
                if not line.strip():
                    continue
                problem = _problem(line)
                if problem is None:
                    target.write(line if line.endswith(b"\n") else line + b"\n")
                    continue
                bad += 1
                if bad <= MAX_MESSAGES_PER_FILE:
                    messages.append(f"{path}:{number}: {problem}; line skipped")
        except (EOFError, zlib.error, gzip.BadGzipFile) as error:
            messages.append(f"{path}: truncated after line {number} ({error}); the lines before it were read")
    if bad > MAX_MESSAGES_PER_FILE:
        messages.append(f"{path}: {bad - MAX_MESSAGES_PER_FILE} more malformed lines skipped")
    return messages


def _open(path: Path) -> IO[bytes]:
    if is_gzip(path):
        return gzip.GzipFile(path, "rb")  # type: ignore[return-value]  # a GzipFile is a binary stream
    return path.open("rb")


def _problem(line: bytes) -> str | None:
    try:
        document = json.loads(line)
    except (ValueError, UnicodeDecodeError) as error:
        return f"not valid JSON ({error})"
    if not isinstance(document, dict):
        return "not a JSON object"
    spans = document.get("resourceSpans")
    if spans is not None and not isinstance(spans, list):
        return "resourceSpans is not a list"
    return None
