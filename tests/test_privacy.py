"""The display rule and margins applied to released values (post-processing only)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tipcore import config
from tipdash import privacy


@settings(deadline=None)  # no test fails on wall-clock time (a shared machine, mutmut's trampolines)
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


def test_the_display_rule_at_its_boundary():
    got = privacy.shown(pd.Series([9.4, 9.5, 10.0, 10.5, 11.5, -3.0, 0.0, np.nan, 12345.0]))
    assert str(got.dtype) == "Int64"
    assert got.tolist() == [pd.NA, 10, 10, 10, 12, pd.NA, pd.NA, pd.NA, 12345]  # half to even, as numpy rounds
    assert privacy.shown(pd.Series(["12", "x"])).tolist() == [12, pd.NA]
    assert privacy.SHOW_BELOW == config.SHOW_BELOW and f"<{config.SHOW_BELOW}" == privacy.SUPPRESSED_LABEL


def test_a_count_is_formatted_with_separators_or_as_fewer_than_the_threshold():
    for hidden in (None, pd.NA, np.nan, float("nan"), 1, 9, 9.9, -1, -250):
        assert privacy.format_count(hidden) == "<10", hidden
    assert privacy.format_count(0) == "0"  # an empty selection is a true zero
    assert privacy.format_count(10) == "10" and privacy.format_count(1234567) == "1,234,567"
    assert privacy.format_count(np.int64(25)) == "25"


def test_a_margin_is_formatted_as_plus_or_minus_whole_numbers():
    for missing in (None, pd.NA, np.nan):
        assert privacy.format_margin(missing) == ""
    assert privacy.format_margin(7.4) == "± 7" and privacy.format_margin(1234.6) == "± 1,235"
    assert privacy.format_margin(0) == "± 0"


def test_margins_are_the_95_percent_normal_interval_of_a_sum():
    assert pytest.approx(1.959964, abs=1e-6) == privacy.Z95
    got = privacy.margin(3.0, pd.Series([1, 4, 0]))
    assert got.tolist() == pytest.approx([1.959964 * 3, 1.959964 * 6, 0.0])
    assert privacy.MOE_SUFFIX == "_moe"


def test_a_rate_needs_a_shown_numerator_and_a_base_of_twenty():
    num = pd.Series([5.0, 9.4, 9.6, 10.0, 30.0, 30.0, 30.0, 50.0, np.nan, 10.0])
    den = pd.Series([100.0, 100.0, 100.0, 19.9, 20.0, 60.0, 90.0, 40.0, 100.0, -30.0])
    got = privacy.rate(num, den)
    assert got.tolist()[:4] == [pd.NA, pd.NA, 9.6, pd.NA]
    assert got.tolist()[4:8] == [100.0, 50.0, 33.3, 100.0]  # 150% by noise is clipped to 100
    assert got.isna().tolist()[8:] == [True, True]
    assert privacy.rate(pd.Series([30.0]), pd.Series([60.0]), per=1000).tolist() == [500.0]
    assert privacy.rate(pd.Series([-30.0]), pd.Series([60.0])).isna().all()  # below the display threshold
    assert privacy.RATE_MIN_BASE == 20


def test_the_rate_margin_by_the_delta_method():
    got = privacy.rate_margin(pd.Series([30.0, 30.0, 80.0, 5.0]), pd.Series([60.0, 19.0, 40.0, 100.0]),
                              pd.Series([4.0, 4.0, 4.0, 4.0]), pd.Series([6.0, 6.0, 6.0, 6.0]))
    expected = [round(math.sqrt(4**2 + (0.5 * 6) ** 2) / 60 * 100, 1), None,
                round(math.sqrt(4**2 + (1.0 * 6) ** 2) / 40 * 100, 1),  # the ratio clipped to 1
                round(math.sqrt(4**2 + (0.05 * 6) ** 2) / 100 * 100, 1)]
    assert got.tolist()[0] == expected[0] and got.isna().tolist()[1] and got.tolist()[2:] == expected[2:]
    per_mille = privacy.rate_margin(pd.Series([30.0]), pd.Series([60.0]), pd.Series([4.0]), pd.Series([6.0]),
                                    per=1000)
    assert per_mille.tolist() == [round(math.sqrt(4**2 + 3**2) / 60 * 1000, 1)]
    clipped_low = privacy.rate_margin(pd.Series([-10.0]), pd.Series([50.0]), pd.Series([4.0]), pd.Series([6.0]))
    assert clipped_low.tolist() == [round(4 / 50 * 100, 1)]


def test_values_that_are_not_numbers_are_missing_not_errors():
    text, nums = pd.Series(["n/a", "30"]), pd.Series([40.0, 60.0])
    assert privacy.rate(text, nums).tolist() == [pd.NA, 50.0]
    assert privacy.rate(nums, text).tolist() == [pd.NA, 200.0 / 2]
    moe = pd.Series([4.0, 4.0])
    assert privacy.rate_margin(text, nums, moe, moe).isna().tolist() == [True, False]
    assert privacy.rate_margin(nums, text, moe, moe).isna().tolist() == [True, False]
    assert privacy.rate_margin(nums, nums, text, moe).isna().tolist() == [True, False]
    assert privacy.rate_margin(nums, nums, moe, text).isna().tolist() == [True, False]


def test_small_rates_are_not_rounded_up_and_a_base_of_exactly_twenty_counts():
    assert privacy.rate(pd.Series([10.0]), pd.Series([2000.0])).tolist() == [0.5]
    assert privacy.rate_margin(pd.Series([10.0]), pd.Series([20.0]), pd.Series([4.0]), pd.Series([0.0])).tolist() \
        == [20.0]
    assert privacy.format_count(25.0) == "25" and privacy.format_count(np.float64(1234.0)) == "1,234"


def test_the_rules_align_and_name_series_as_pandas_arithmetic_does():
    """The rules compute on arrays; their Series keep pandas' meaning: values matched by index, the shared name."""
    num = pd.Series([30.0, 40.0], index=[1, 2], name="n")
    den = pd.Series([60.0, 80.0], index=[2, 3], name="n")
    got = privacy.rate(num, den)
    assert str(got.dtype) == "Float64" and got.name == "n" and got.index.tolist() == [1, 2, 3]
    assert got.isna().tolist() == [True, False, True] and got[2] == 66.7  # 40 of 60, matched by index
    assert privacy.rate(num.rename("other"), den).name is None
    moe = pd.Series([4.0, 4.0], index=[1, 2], name="n")
    assert privacy.rate_margin(num, den, moe, moe).index.tolist() == [1, 2, 3]
    shown = privacy.shown(pd.Series([12.4, 3.0], index=[7, 8], name="cases"))
    assert shown.name == "cases" and shown.index.tolist() == [7, 8] and shown.tolist() == [12, pd.NA]
