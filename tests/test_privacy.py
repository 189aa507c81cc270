"""The display rule and margins applied to released values (post-processing only)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from tipdash import privacy


@given(st.lists(st.floats(-50, 5000, allow_nan=False), min_size=1, max_size=50))
def test_shown_values_are_whole_and_never_below_the_threshold(values):
    out = privacy.shown(pd.Series(values))
    kept = out.dropna()
    assert (kept >= privacy.SHOW_BELOW).all()
    hidden = out.isna()
    assert (pd.Series(values)[hidden].round() < privacy.SHOW_BELOW).all()
    assert (kept == pd.Series(values)[~hidden].round()).all()


def test_formatting_of_small_and_missing_counts():
    assert privacy.format_count(pd.NA) == privacy.SUPPRESSED_LABEL
    assert privacy.format_count(3) == privacy.SUPPRESSED_LABEL
    assert privacy.format_count(12345) == "12,345"
    assert privacy.format_margin(7.6) == "± 8" and privacy.format_margin(np.nan) == ""


def test_margin_of_a_sum_grows_with_the_root_of_its_cells():
    one = privacy.margin(10.0, 1)
    assert one == privacy.Z95 * 10.0
    assert privacy.margin(10.0, 16) == 4 * one


def test_the_rate_margin_matches_a_simulation():
    """The delta-method margin of a/b against 20,000 draws of Gaussian noise on both counts."""
    rng = np.random.default_rng(1)
    sigma, a, b = 5.0, 40.0, 200.0
    draws = (a + rng.normal(0, sigma, 20_000)) / (b + rng.normal(0, sigma, 20_000)) * 100
    moe = privacy.rate_margin(pd.Series([a]), pd.Series([b]), pd.Series([privacy.margin(sigma, 1)]),
                              pd.Series([privacy.margin(sigma, 1)])).iloc[0]
    simulated = (np.quantile(draws, 0.975) - np.quantile(draws, 0.025)) / 2
    assert abs(moe - simulated) / simulated < 0.1
