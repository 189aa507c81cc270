"""One-way packages (issue #10, part 6): the dashboard never imports the ETL, the ETL never imports the dashboard,
and the shared package imports neither.

Every module is parsed with ``ast`` (nothing is imported), so an import hidden inside a function, a ``try`` or an
``importlib.import_module("...")`` call counts as much as one at the top of the file.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.conftest import REPO

# package (or entry point) -> the packages it must not import
FORBIDDEN = {
    "tipdash": {"etl"},
    "pages": {"etl"},
    "dashboard.py": {"etl"},
    "etl": {"tipdash"},
    "tipcore": {"etl", "tipdash"},
}


def modules(where: str) -> list[Path]:
    path = REPO / where
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


def imported(source: str, filename: str = "<module>") -> set[str]:
    """Top-level package of every absolute import in ``source``, wherever in the module it is."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source, filename)):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant) \
                and isinstance(node.args[0].value, str):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name in ("import_module", "__import__"):
                found.add(node.args[0].value.split(".")[0])
    return found


@pytest.mark.parametrize("package", list(FORBIDDEN))
def test_packages_import_one_way(package):
    files = modules(package)
    assert files, f"no modules found for {package}"
    wrong = [f"{path.relative_to(REPO)} imports {name}"
             for path in files for name in sorted(imported(path.read_text(encoding="utf-8"), str(path))
                                                  & FORBIDDEN[package])]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("source", [
    "import etl",
    "import etl.pipeline as p",
    "from etl import pipeline",
    "from etl.pipeline import build_warehouse",
    "def f():\n    from etl.pipeline import build_warehouse\n",
    "try:\n    import etl.demo\nexcept ImportError:\n    pass\n",
    "import importlib\nimportlib.import_module('etl.pipeline')",
    "__import__('etl')",
])
def test_every_kind_of_import_is_seen(source):
    assert "etl" in imported(source)


@pytest.mark.parametrize("source", ["from . import etl", "import etlx", "x = 'etl'", "from tipcore import etl_names"])
def test_things_that_are_not_an_import_of_etl_are_not_counted(source):
    assert "etl" not in imported(source)
