"""The layout's rules, read from the source: no import circle in the core, adapters on the public API only."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CORE = ROOT / "ff_otel"
ADAPTERS = sorted((ROOT / "integrations").glob("*/ff_otel_*"))


def module_imports(path: Path) -> set[str]:
    """The modules `path` imports when it is loaded: not inside functions, not in `if TYPE_CHECKING:` blocks."""
    found: set[str] = set()

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            return
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text()))
    return found


def is_private(module: str) -> bool:
    return any(part.startswith("_") and not part.endswith("__") for part in module.split("."))


def core_graph() -> dict[str, set[str]]:
    modules = {f"ff_otel.{path.stem}": path for path in CORE.glob("_*.py")} | {
        "ff_otel.integration": CORE / "integration.py"
    }
    return {name: {m for m in module_imports(path) if m in modules and m != name} for name, path in modules.items()}


def test_the_core_has_no_import_circle() -> None:
    graph = core_graph()
    done: set[str] = set()

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"import circle: {' -> '.join((*path, name))}"
        if name in done:
            return
        for imported in graph[name]:
            visit(imported, (*path, name))
        done.add(name)

    for name in graph:
        visit(name, ())


def test_the_context_module_knows_nothing_of_requests() -> None:
    imported = module_imports(CORE / "_context.py")
    assert not {"ff_otel._request", "ff_otel._request_state", "ff_otel._served_request"} & imported


def test_adapters_import_only_the_public_core() -> None:
    for package in ADAPTERS:
        for path in package.glob("*.py"):
            private = {m for m in module_imports(path) if m.split(".")[0] == "ff_otel" and is_private(m)}
            assert not private, f"{path.relative_to(ROOT)} imports {sorted(private)}"


def test_each_web_adapter_is_at_most_250_lines() -> None:
    for name in ("django", "flask", "asgi"):
        (package,) = (ROOT / "integrations" / name).glob("ff_otel_*")
        lines = sum(len(path.read_text().splitlines()) for path in package.glob("*.py"))
        assert lines <= 250, f"{package.name}: {lines} lines"
