"""The layering of ``engine/`` and ``api/``, checked on the import statements (AST, not runtime).

Each layer may import only the layers beneath it (the README's Development section draws the map):

    core ← facts ← law ← decide, report ← evaluate ← analysis, fix, interop ← testing ← api

``engine`` never imports ``api``; the reference evaluator never imports the durable backend it is
held against; no module imports another module's private names; the module import graph of
``engine``, of the command line ``api.cli`` and of the HTTP service ``api.service`` (imports inside
functions included) has no cycle.

The command line reaches the HTTP service (everything in ``api`` but ``api.cli`` and the shared
``api.processes``) only from ``api.cli.serve`` (``serve``, ``db``); nothing outside ``api.cli``
imports the command line (so ``api.service`` never does)."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CLI = "api.cli"
SERVICE = "api.service"  # the HTTP service: imports no CLI module, like everything outside api.cli
CLI_SERVICE_GATE = "api.cli.serve"  # the one CLI module that may import the HTTP service
SHARED_API = {"api", "api.processes"}  # used by the CLI and the service alike

#: Which engine layers each engine layer may import (itself included).
_BENEATH: dict[str, set[str]] = {"core": set()}
_BENEATH["facts"] = {"core"}
_BENEATH["law"] = _BENEATH["facts"] | {"facts"}
_BENEATH["decide"] = _BENEATH["law"] | {"law"}
_BENEATH["report"] = _BENEATH["law"] | {"law"}
_BENEATH["evaluate"] = _BENEATH["decide"] | {"decide", "report"}
for _layer in ("analysis", "fix", "interop"):
    _BENEATH[_layer] = _BENEATH["evaluate"] | {"evaluate"}
_BENEATH["testing"] = _BENEATH["fix"] | {"fix"}
LAYERS = {layer: beneath | {layer} for layer, beneath in _BENEATH.items()}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # the imported module, dotted (``from a import b`` counts as a.b when b is a module)
    names: tuple[str, ...]
    line: int


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path = ROOT, known: set[str] | None = None) -> Iterator[Import]:
    """Every import of our own packages in a file, at any depth (functions included)."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            names = tuple(a.name for a in node.names)
            submodules = [n for n in names if known is not None and f"{base}.{n}" in known]
            for n in submodules:
                yield Import(module, f"{base}.{n}", (), node.lineno)
            rest = tuple(n for n in names if n not in submodules)
            if rest or not submodules:
                yield Import(module, base, rest, node.lineno)


def source_files(root: Path = ROOT) -> list[Path]:
    return sorted(p for top in ("engine", "api") for p in (root / top).rglob("*.py"))


def layer_of(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if parts[0] == "engine" and len(parts) > 1 else None


def violations(root: Path = ROOT) -> list[str]:
    """Every broken layering rule under ``root`` (a checkout, or a copy a test breaks on purpose)."""
    files = source_files(root)
    known = {module_name(p, root) for p in files}
    found: list[str] = []
    graph: dict[str, set[str]] = {m: set() for m in known}
    for path in files:
        for imp in imports_of(path, root, known):
            where = f"{path.relative_to(root)}:{imp.line}"
            if imp.target.split(".")[0] not in {"engine", "api"}:
                continue
            if imp.target in known and imp.target != imp.module:
                graph[imp.module].add(imp.target)
            if imp.module.startswith("engine") and imp.target.startswith("api"):
                found.append(f"{where}: engine imports the API ({imp.target})")
            source, target = layer_of(imp.module), layer_of(imp.target)
            if source in LAYERS and target is not None and target not in LAYERS[source]:
                found.append(f"{where}: engine.{source} may not import engine.{target} ({imp.target})")
            if source is None and imp.module.startswith("engine.") and target is not None:
                found.append(f"{where}: {imp.module} sits outside every layer")
            found += _cli_violations(imp, where)
            if imp.module == "engine.decide.reference" and imp.target.startswith("engine.decide.durable"):
                found.append(f"{where}: the reference evaluator imports the durable backend")
            private = [n for n in imp.names if n.startswith("_") and not n.startswith("__")]
            if private and imp.target != imp.module:
                found.append(f"{where}: imports private {', '.join(private)} from {imp.target}")
    covered = {m: {t for t in ts if _cycle_checked(t)} for m, ts in graph.items() if _cycle_checked(m)}
    found += [f"import cycle: {' -> '.join(c)}" for c in _cycles(covered)]
    return found


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _cycle_checked(module: str) -> bool:
    return _in(module, "engine") or _in(module, CLI) or _in(module, SERVICE)


def _cli_violations(imp: Import, where: str) -> list[str]:
    """The command line's rules: the HTTP service only through ``api.cli.serve``; the command line
    imported by nothing outside it."""
    target_is_api = _in(imp.target, "api")
    if _in(imp.module, CLI):
        service = target_is_api and not _in(imp.target, CLI) and imp.target not in SHARED_API
        if service and not _in(imp.module, CLI_SERVICE_GATE):
            return [
                f"{where}: {imp.module} imports the HTTP service ({imp.target}); only {CLI_SERVICE_GATE} may"
            ]
    elif _in(imp.target, CLI):
        return [f"{where}: {imp.module} imports the command line ({imp.target})"]
    return []


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected component with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_the_layering_holds() -> None:
    assert violations() == []


def test_every_engine_module_sits_in_a_layer() -> None:
    outside = [module_name(p) for p in (ROOT / "engine").glob("*.py") if p.name != "__init__.py"]
    assert outside == [], "engine modules belong in a layer package"
    assert {
        p.name for p in (ROOT / "engine").iterdir() if p.is_dir() and (p / "__init__.py").exists()
    } == set(LAYERS)


def _copy(tmp_path: Path) -> Path:
    for path in source_files():
        target = tmp_path / path.relative_to(ROOT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(
    ("file", "line", "expected"),
    [
        (
            "engine/core/fx.py",
            "from engine.evaluate.evaluator import Evaluator",
            "engine.core may not import engine.evaluate",
        ),
        (
            "engine/law/conditions.py",
            "from engine.decide import durable",
            "engine.law may not import engine.decide",
        ),
        ("engine/report/sarif.py", "from api.service.app import create_app", "engine imports the API"),
        (
            "engine/decide/reference.py",
            "from engine.decide.durable import DurableEngine",
            "reference evaluator imports the durable",
        ),
        (
            "engine/evaluate/evaluator.py",
            "from engine.core.jurisdictions import _private",
            "imports private _private",
        ),
        ("engine/core/dated.py", "from engine.core import fx", "import cycle"),
        (
            "api/cli/check.py",
            "from api.service.db import Repository",
            "api.cli.check imports the HTTP service (api.service.db)",
        ),
        ("api/cli/rules.py", "from api.service.settings import Settings", "only api.cli.serve may"),
        ("api/processes.py", "from api.cli.common import err", "imports the command line"),
        ("api/cli/common.py", "from api.cli.check import CheckFormat", "api.cli.check -> api.cli.common"),
        ("api/service/app.py", "from api.cli import app", "api.service.app imports the command line"),
        ("api/service/routes/health.py", "import api.cli", "imports the command line"),
        ("api/service/tables.py", "from api.service import db", "import cycle"),
    ],
)
def test_a_wrong_import_is_caught(tmp_path: Path, file: str, line: str, expected: str) -> None:
    """The test of the test: the same checker, on a copy with one deliberately wrong import."""
    root = _copy(tmp_path)
    if expected == "import cycle":  # the reverse edge of an existing import closes a cycle
        back = {"engine/core/dated.py": ("engine/core/fx.py", "engine.core.dated")}.get(
            file, ("api/service/db.py", "api.service.tables")
        )
        assert back[1] in {i.target for i in imports_of(root / back[0], root, {back[1]})}
    path = root / file
    path.write_text(path.read_text(encoding="utf-8") + f"\n\ndef _wrong():\n    {line}\n", encoding="utf-8")
    assert any(expected in v for v in violations(root)), violations(root)
