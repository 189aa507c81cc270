"""How released values are shown: the display rule, margins and rates. Post-processing only.

The protection itself happened once, in the ETL: every count in the public release carries noise from OpenDP's
discrete Gaussian mechanism (``etl/release.py``, ``docs/privacy.md``). Anything computed from released values
(sums, rates, changes, ranks) reveals nothing more about any one case, however many pages a visitor loads.

What this module adds is presentation:

* a sum of released cells has a 95% margin of 1.96 × sigma × sqrt(cells) (independent noise in each cell);
* a released value below ``SHOW_BELOW`` is shown as "<10": the noise may have made a 3 into a 7 or a −2, and a
  small number printed as if exact would mislead (it is not a secret: the release holds the value);
* a rate is shown only when its base is at least ``RATE_MIN_BASE``, with a margin from the two counts' noise, and
  only when that margin is at most ``RATE_MOE_MAX`` percentage points.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from tipcore import config

SHOW_BELOW = config.SHOW_BELOW
SUPPRESSED_LABEL = f"<{SHOW_BELOW}"
Z95 = 1.959964
RATE_MIN_BASE = 20  # a rate, share or change needs a released base of at least this many
RATE_MOE_MAX = 25  # percentage points: a rate or share less certain than this is not shown
MOE_SUFFIX = "_moe"


def numbers(values) -> pd.Series:
    """Values as nullable floats: NA (not NaN) for what is missing or not a number, in every rule below."""
    return pd.to_numeric(values, errors="coerce").astype("Float64")


def _numeric(values) -> pd.Series:
    """``values`` as a numeric Series: a Series of numbers as it is (NaN or NA is its missing value, both read as
    NaN by :func:`floats`), anything else as :func:`numbers`. The rules compute on its float64 array: pandas'
    nullable arithmetic, and converting to it, cost far more per call."""
    return values if isinstance(values, pd.Series) and values.dtype.kind in "iuf" else numbers(values)


def floats(values) -> np.ndarray:
    """Values as a float64 array, NaN for what is missing or not a number (what the rules compute on)."""
    return _numeric(values).to_numpy(dtype=float, na_value=np.nan)


def nullable(values: np.ndarray) -> pd.arrays.FloatingArray:
    """A rule's float64 result as nullable floats: NA where it is NaN (no value)."""
    return pd.arrays.FloatingArray(values, np.isnan(values))


def margin(sigma: float, cells: pd.Series | np.ndarray | int) -> pd.Series | float:
    """95% margin of a sum of ``cells`` released values, each with noise of scale ``sigma``."""
    return Z95 * sigma * np.sqrt(cells)


def shown(values: pd.Series) -> pd.Series:
    """Released values as people see them: whole numbers, NA ("<10") below SHOW_BELOW."""
    series = _numeric(values)
    whole = np.round(series.to_numpy(dtype=float, na_value=np.nan))
    kept = whole >= SHOW_BELOW
    return pd.Series(pd.arrays.IntegerArray(np.where(kept, whole, 0).astype(np.int64), ~kept), index=series.index,
                     name=series.name)


def rates(numerator: np.ndarray, denominator: np.ndarray, per: float = 100.0) -> np.ndarray:
    """:func:`rate` on float64 arrays (NaN: no value)."""
    num = np.where(np.round(numerator) >= SHOW_BELOW, numerator, np.nan)
    den = np.where(denominator >= RATE_MIN_BASE, denominator, np.nan)
    return np.round(np.clip(num / den * per, 0, per), 1)


def rate(numerator: pd.Series, denominator: pd.Series, per: float = 100.0) -> pd.Series:
    """numerator / denominator × per from released values; NA when the base is below RATE_MIN_BASE or the
    numerator is shown as "<10" (a share of a number too small to show would read as exact).

    Noise can push a released numerator above its denominator: the rate is clipped to [0, per].
    """
    return applied(rates, numerator, denominator, per=per)


def rate_margins(numerator: np.ndarray, denominator: np.ndarray, num_moe: np.ndarray, den_moe: np.ndarray,
                 per: float = 100.0) -> np.ndarray:
    """:func:`rate_margin` on float64 arrays (NaN: no value)."""
    den = np.where(denominator >= RATE_MIN_BASE, denominator, np.nan)
    r = np.clip(numerator / den, 0, 1)
    return np.round((num_moe**2 + (r * den_moe) ** 2) ** 0.5 / den * per, 1)


def rate_margin(numerator: pd.Series, denominator: pd.Series, num_moe: pd.Series, den_moe: pd.Series,
                per: float = 100.0) -> pd.Series:
    """95% margin of ``rate`` by the delta method: (moe_n² + r² moe_d²)^½ / d."""
    return applied(rate_margins, numerator, denominator, num_moe, den_moe, per=per)


def applied(rule: Callable[..., np.ndarray], *values, **options) -> pd.Series:
    """``rule`` (on float64 arrays) applied to Series as pandas' arithmetic would: on one index (the union of
    theirs), named as they are when they share a name, its result as nullable floats (NA where it gives NaN)."""
    series = [_numeric(v) for v in values]
    if not all(s.index.equals(series[0].index) for s in series[1:]):
        index = series[0].index
        for s in series[1:]:
            index = index.union(s.index)
        series = [s.reindex(index) for s in series]
    names = {s.name for s in series}
    return pd.Series(nullable(rule(*(floats(s) for s in series), **options)), index=series[0].index,
                     name=names.pop() if len(names) == 1 else None)


def is_missing(value) -> bool:
    """No value: None, pandas' NA or NaN (the one test of it, used everywhere)."""
    return value is None or value is pd.NA or (isinstance(value, float) and value != value)


def format_count(value) -> str:
    """A released count as shown to people: thousands separators, "<10" below the display threshold."""
    if is_missing(value):
        return SUPPRESSED_LABEL
    if 0 < int(value) < SHOW_BELOW or int(value) < 0:  # an empty selection is a true 0
        return SUPPRESSED_LABEL
    return f"{int(value):,}"


def format_margin(moe) -> str:
    """"± 12" (or "" when there is no margin)."""
    if is_missing(moe):
        return ""
    return f"± {float(moe):,.0f}"
