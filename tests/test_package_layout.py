"""The package's shape (issue 12): every module imports, no import cycle, no module over 500 lines, the spiders
import neither SQLAlchemy nor the archive's schema."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import antara_crawler

#: found from the package itself, so the test works wherever the tests folder puts it
PACKAGE = Path(antara_crawler.__file__).resolve().parent
ROOT = PACKAGE.parent
MAX_LINES = 500


def _modules() -> dict[str, Path]:
    """``{dotted name: path}`` of every module of the package (migrations included)."""
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


MODULES = _modules()


def _external_imports(path: Path) -> set[str]:
    """The absolute dotted names ``path`` imports, anywhere in the file (functions too): ``import a.b`` gives ``a.b``,
    ``from a import b`` gives ``a`` and ``a.b`` (the package's own modules, relative ones too, are :func:`_imports`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def _imports(name: str, path: Path) -> set[str]:
    """The package modules ``name`` imports, anywhere in the file (functions too): ``import a.b``, ``from a import
    b`` (``a.b`` when it is a module, else ``a``), relative imports resolved."""
    is_package = path.name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in MODULES else base for alias in node.names]
        else:
            continue
        for target in targets:
            while target and target not in MODULES:  # import a.b.c of a module a.b: the module
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


@pytest.mark.parametrize("name", [n for n in MODULES if ".migrations." not in n and not n.endswith(".migrations")])
def test_every_module_imports(name: str) -> None:
    importlib.import_module(name)


def test_no_import_cycle() -> None:
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    assert graph["antara_crawler.store.archive"] >= {"antara_crawler.store.writer", "antara_crawler.store.reads"}
    assert _cycles(graph) == []


def test_the_cycle_finder_finds_cycles() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_no_module_over_500_lines() -> None:
    long = {
        name: n
        for name, path in MODULES.items()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_spiders_import_neither_sqlalchemy_nor_the_schema() -> None:
    """Spiders decide what to fetch; what they read of the archive goes through store reads (issue 12)."""
    offending = {
        name: sorted(found)
        for name, path in MODULES.items()
        if name.startswith("antara_crawler.spiders")
        and (
            found := {n for n in _external_imports(path) if n.split(".")[0] == "sqlalchemy"}
            | ({"antara_crawler.store.schema"} & _imports(name, path))
        )
    }
    assert offending == {}


def test_the_import_scans_see_sqlalchemy_and_the_schema(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_text(
        "import sqlalchemy.orm\nfrom antara_crawler.store import schema\ndef f():\n    from sqlalchemy import text\n"
    )
    assert {"sqlalchemy.orm", "sqlalchemy", "sqlalchemy.text"} <= _external_imports(path)
    assert "antara_crawler.store.schema" in _imports("antara_crawler.spiders.m", path)
