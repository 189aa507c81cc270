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


# --- the contract's vocabularies in one place (tipcore.vocab) --------------------------------------------------------

def test_etl_and_dashboard_use_the_vocabularies_of_tipcore():
    from etl import anonymise, demo, layouts
    from tipcore import vocab
    from tipdash import text

    assert layouts.CONTRACT_CODES is vocab.CONTRACT_CODES and layouts.AGENCY_TYPES == vocab.AGENCY_TYPE_CODES
    assert (demo.OFFENCES, demo.STAGES, demo.SEXES) == (vocab.OFFENCE_CODES, vocab.STAGE_CODES, vocab.SEX_CODES)
    assert tuple(c for c in vocab.LAW_CODES if c != vocab.OTHER_LAW) == demo.LAWS
    assert (anonymise.AGE_BANDS, anonymise.CHILD_BANDS) == (vocab.AGE_BAND_RANGES, vocab.CHILD_BANDS)
    assert text.OFFENCES == {**vocab.OFFENCES, vocab.NOT_RECORDED: "Offence not recorded"}
    assert text.STAGES == vocab.STAGES and text.OUTCOMES.items() >= vocab.OUTCOMES.items()
    assert list(text.AGE_BANDS) == list(vocab.AGE_BAND_CODES) and text.SEXES == vocab.SEXES


def test_one_spelling_of_not_recorded():
    from tipcore import vocab
    from tipdash import text

    assert (vocab.NOT_RECORDED, vocab.NOT_RECORDED_LABEL, text.NOT_RECORDED) == (
        "not_recorded", "Not recorded", "not recorded")
    labels = [text.OFFENCES[vocab.NOT_RECORDED], text.SCOPES[vocab.NOT_RECORDED], text.OUTCOMES[vocab.NOT_RECORDED],
              text.SEXES[vocab.SEX_NOT_RECORDED], text.LAW_GROUPS[vocab.NOT_RECORDED_LABEL]]
    assert labels == ["Offence not recorded", "Scope not recorded", "Outcome not recorded", "Sex not recorded",
                      "Law not recorded"]


def test_vocabularies_are_ordered_as_the_contract_says():
    from tipcore import vocab

    assert vocab.OFFENCE_CODES[-1] == vocab.SMUGGLING and vocab.SMUGGLING not in vocab.OFFENCES
    assert vocab.STAGE_RANKS == {"complaint": 1, "fir_registered": 2, "investigation_completed": 3,
                                 "charge_sheet_submitted": 4, "trial_concluded": 5}
    assert vocab.CHILD_BANDS == ("0-8", "9-17")
    ages = [age for lo, hi, _code in vocab.AGE_BAND_RANGES for age in range(lo, min(hi, 100) + 1)]
    assert ages == list(range(101)), "age bands must cover 0-100 once each"
    contract = (REPO / "data" / "README.md").read_text(encoding="utf-8")
    for codes in vocab.CONTRACT_CODES.values():
        for code in codes:
            assert f"`{code}`" in contract, f"{code} is not in the data contract (data/README.md)"
    for band in vocab.AGE_BAND_CODES:
        assert f"`{band}`" in contract


def test_copies_outside_tipcore_agree_with_it():
    """Lists still written out elsewhere (the SQL of etl/sql/cases.sql, etl/standardise.py) must say what
    tipcore.vocab says."""
    import re

    from etl import standardise
    from tipcore import vocab

    sql = (REPO / "etl" / "sql" / "cases.sql").read_text(encoding="utf-8")

    def literals(pattern: str) -> tuple[str, ...]:
        match = re.search(pattern, sql, re.DOTALL)
        assert match, pattern
        return tuple(re.findall(r"'([^']*)'", match.group(1)))

    assert literals(r"\[([^\]]*)\]\[k\.stage_rank\]") == vocab.STAGE_CODES
    assert literals(r"outcome IN \(([^)]*)\)") == vocab.VERDICTS
    assert literals(r"age_band IN \(([^)]*)\)") == vocab.CHILD_BANDS
    assert f"'{vocab.SMUGGLING}'" in sql and f"'{vocab.NOT_RECORDED_LABEL}'" in sql
    assert standardise.STAGE_RANKS == vocab.STAGE_RANKS
