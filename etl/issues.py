"""Problems found in the input, as data: each names the file, the row, the column, the reason and the action."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass

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

