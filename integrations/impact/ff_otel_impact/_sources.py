"""Which files a list of sources names: files, glob patterns and folders (everything below them)."""

from __future__ import annotations

import glob
from collections.abc import Iterable
from pathlib import Path


class SourceError(ValueError):
    """A source that names no readable file."""


def expand_sources(sources: Iterable[str]) -> list[Path]:
    """Every file the sources name, each once, in a stable order. Raises SourceError for a source with none."""
    found: dict[Path, None] = {}
    for source in sources:
        matches = _matches(source)
        if not matches:
            raise SourceError(f"{source}: no such file, folder or matching pattern")
        for path in matches:
            found.setdefault(path, None)
    return list(found)


def _matches(source: str) -> list[Path]:
    path = Path(source).expanduser()
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(child for child in path.rglob("*") if child.is_file() and not child.name.startswith("."))
    if glob.has_magic(source):
        hits = sorted(Path(hit) for hit in glob.glob(str(path), recursive=True))
        return [hit for hit in hits if hit.is_file()]
    return []
