"""The oldest versions CI installs (.ci/oldest.txt) are exactly the floors ff-otel declares."""

from __future__ import annotations

from importlib.metadata import requires
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

OLDEST = Path(__file__).resolve().parents[2] / ".ci" / "oldest.txt"


def _pins() -> dict[str, Version]:
    pins: dict[str, Version] = {}
    for line in OLDEST.read_text().splitlines():
        text = line.split("#", 1)[0].strip()
        if text:
            requirement = Requirement(text)
            (specifier,) = requirement.specifier
            assert specifier.operator == "==", line
            pins[canonicalize_name(requirement.name)] = Version(specifier.version)
    return pins


def test_every_declared_floor_is_the_version_the_oldest_cell_installs() -> None:
    floors: dict[str, set[Version]] = {}
    for text in requires("ff-otel") or []:
        requirement = Requirement(text)
        name = canonicalize_name(requirement.name)
        for specifier in requirement.specifier:
            if specifier.operator == ">=":
                floors.setdefault(name, set()).add(Version(specifier.version))
    pins = _pins()

    assert floors, "ff-otel declares no floors"
    for package, versions in sorted(floors.items()):
        assert len(versions) == 1, f"{package} has different floors in different extras: {sorted(versions)}"
        assert pins.get(package) in versions, f"{package}: declared >={min(versions)}, oldest.txt: {pins.get(package)}"
