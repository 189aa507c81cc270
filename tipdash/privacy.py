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


def margin(sigma: float, cells: pd.Series | np.ndarray | int) -> pd.Series | float:
    """95% margin of a sum of ``cells`` released values, each with noise of scale ``sigma``."""
    return Z95 * sigma * np.sqrt(cells)


def shown(values: pd.Series) -> pd.Series:
    """Released values as people see them: whole numbers, NA ("<10") below SHOW_BELOW."""
    v = numbers(values).round()
    return v.where(v >= SHOW_BELOW).astype("Int64")


def rate(numerator: pd.Series, denominator: pd.Series, per: float = 100.0) -> pd.Series:
    """numerator / denominator × per from released values; NA when the base is below RATE_MIN_BASE or the
    numerator is shown as "<10" (a share of a number too small to show would read as exact).

    Noise can push a released numerator above its denominator: the rate is clipped to [0, per].
    """
    num = numbers(numerator)
    den = numbers(denominator)
    out = (num.where(num.round() >= SHOW_BELOW) / den.where(den >= RATE_MIN_BASE) * per).clip(0, per)
    return out.round(1)


def rate_margin(numerator: pd.Series, denominator: pd.Series, num_moe: pd.Series, den_moe: pd.Series,
                per: float = 100.0) -> pd.Series:
    """95% margin of ``rate`` by the delta method: (moe_n² + r² moe_d²)^½ / d."""
    num = numbers(numerator)
    den = numbers(denominator).where(lambda d: d >= RATE_MIN_BASE)
    r = (num / den).clip(0, 1)
    nm = numbers(num_moe)
    dm = numbers(den_moe)
    return ((nm**2 + (r * dm) ** 2) ** 0.5 / den * per).round(1)


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
