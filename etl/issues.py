"""Problems found in the input, as data: each names the file, the row, the column, the reason and the action."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

import pandas as pd

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ACTIONS = ("file skipped", "row rejected", "value cleared", "duplicate merged", "warning")

# Values quoted in a message are checked against these first: a CNIC or phone number typed into the wrong
# column must not travel into the warehouse through an error message.
IDENTIFIER = re.compile(r"\d{5}-?\d{7}-?\d|(?:\+?92|0)[\s-]?3\d{2}[\s-]?\d{7}|\d{7,}")


@dataclass(frozen=True)
class Issue:
    file: str
    row: int | None
    column: str | None
    reason: str
    action: str
    value: str | None = None  # for the data officer's report only, never the warehouse

    def as_dict(self) -> dict:
        return asdict(self)



def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells cannot run as spreadsheet formulas: those starting with = + - @ (or a tab or CR)
    get a leading apostrophe, which spreadsheets show as text."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]):
            out[col] = [("'" + v) if isinstance(v, str) and v.startswith(FORMULA_START) else v for v in out[col]]
    return out
