"""The product package ships without the sandboxes: nothing under ``taimer_procountor`` imports ``sandboxes``."""

from __future__ import annotations

import ast
from pathlib import Path

import taimer_procountor

PACKAGE = Path(taimer_procountor.__file__).resolve().parent


def _imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_the_product_package_never_imports_the_sandboxes() -> None:
    modules = sorted(PACKAGE.rglob("*.py"))
    assert len(modules) > 50  # the scan really walked the package
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(m for m in _imported_modules(path) if m.split(".")[0] == "sandboxes")
        for path in modules
    }
    assert {k: v for k, v in offenders.items() if v} == {}
