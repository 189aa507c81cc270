"""Small-cell protection: the one place where published counts are made safe.

Every count that leaves the query layer goes through :func:`protect`:

* a count from 1 to ``SUPPRESS_BELOW - 1`` is suppressed (shown as "<10");
* every other non-zero count is randomly rounded to a multiple of ``ROUNDING_BASE``. The rounding is unbiased and
  keyed: the direction comes from the cell key, the sum of the secret per-record keys (``ckey``, 0-255) of the
  records in the cell. The same cell therefore always shows the same number, however it is reached, and repeating
  a query gives an attacker nothing new.

Why rounding as well as suppression: filters can overlap (2019-2020 minus 2019), so a suppressed cell could be
recovered as the difference of two published counts. With every published count a multiple of 5 that may lie up
to 4 away from the truth, a difference of two published counts fits at least five true values, and a
total minus its published parts cannot pin down a suppressed part. This is the approach of Statistics NZ's random
rounding and the ABS cell-key method, simplified.

Rates are computed only from published (protected) counts, and only when neither is suppressed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from tipcore import config

SUPPRESS_BELOW = config.SUPPRESS_BELOW
ROUNDING_BASE = 5
KEY_SUFFIX = "__ckey"
SUPPRESSED_LABEL = f"<{SUPPRESS_BELOW}"


def count_sql(name: str, where: str | None = None, key: str = "ckey") -> str:
    """SQL select items for a protected count of rows (optionally those matching ``where``)."""
    return sum_sql(name, "1", key=key, where=where)


def sum_sql(name: str, value: str, key: str, where: str | None = None) -> str:
    """SQL select items for a protected sum of ``value`` (a count held per row, such as victims per case).

    ``key`` is the per-row cell-key contribution of the things counted (for victims: ``victim_ckey``).
    """
    cond = f" FILTER (WHERE {where})" if where else ""
    return (
        f"coalesce(sum({value}){cond}, 0)::BIGINT AS {name}, "
        f"(coalesce(sum({key}){cond}, 0) % 256)::INTEGER AS {name}{KEY_SUFFIX}"
    )


def protected_value(n: int, cell_key: int) -> int | None:
    """The published value of a true count ``n`` whose cell key is ``cell_key``; None when suppressed."""
    if n <= 0:
        return 0
    if n < SUPPRESS_BELOW:
        return None
    low = n - n % ROUNDING_BASE
    if low == n:
        return n
    # Round up with probability (n mod base) / base, drawn from the cell key: unbiased on average.
    round_up = (cell_key + 0.5) / 256 < (n % ROUNDING_BASE) / ROUNDING_BASE
    return max(low + ROUNDING_BASE if round_up else low, SUPPRESS_BELOW)


def protect(df: pd.DataFrame) -> pd.DataFrame:
    """Replace every count column that has a cell-key sibling by its protected value.

    Suppressed cells become ``pd.NA`` (nullable Int64). The cell-key columns are dropped, so nothing downstream can
    see a true count or a key. The same rule as :func:`protected_value`, over whole columns at once (this runs
    after every query, so a Python loop per cell would cost more than the SQL on a warm warehouse).
    """
    published = {}
    for key_col in [c for c in df.columns if c.endswith(KEY_SUFFIX)]:
        col = key_col[: -len(KEY_SUFFIX)]
        n = df[col].fillna(0).to_numpy(dtype=np.int64)
        key = df[key_col].fillna(0).to_numpy(dtype=np.int64)
        rest = n % ROUNDING_BASE
        low = n - rest
        round_up = (key + 0.5) / 256 < rest / ROUNDING_BASE
        values = np.where(n <= 0, 0, np.maximum(np.where(round_up, low + ROUNDING_BASE, low), SUPPRESS_BELOW))
        published[col] = pd.arrays.IntegerArray(values, (n > 0) & (n < SUPPRESS_BELOW))  # mask = suppressed
    return pd.DataFrame({c: published.get(c, df[c]) for c in df.columns if not c.endswith(KEY_SUFFIX)},
                        index=df.index)


def rate(numerator: pd.Series, denominator: pd.Series, per: float = 100.0) -> pd.Series:
    """numerator / denominator × per, from protected counts; NA where either is suppressed or the base is 0."""
    num = numerator.astype("Float64")
    den = denominator.astype("Float64")
    out = num / den.where(den > 0) * per
    return out.round(1)


def format_count(value) -> str:
    """A protected count as shown to people: thousands separators, "<10" for a suppressed cell."""
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return SUPPRESSED_LABEL
    return f"{int(value):,}"
