"""privacy.protect over whole columns equals the per-cell rule, and nothing of a true count or a key survives it."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as hst

from tipdash import privacy

counts = hst.one_of(hst.none(), hst.integers(min_value=-3, max_value=200_000))
keys = hst.integers(min_value=0, max_value=255)


@settings(max_examples=300, deadline=None)
@given(hst.lists(hst.tuples(counts, keys, hst.integers(0, 60), keys), max_size=40))
def test_protect_equals_the_per_cell_rule(rows):
    df = pd.DataFrame({
        "label": [f"r{i}" for i in range(len(rows))],
        "cases": pd.array([r[0] for r in rows], dtype="Int64"),
        "cases__ckey": [r[1] for r in rows],
        "victims": pd.array([r[2] for r in rows], dtype="Int64"),
        "victims__ckey": [r[3] for r in rows],
    }, index=[10 + 2 * i for i in range(len(rows))])
    out = privacy.protect(df)
    assert list(out.columns) == ["label", "cases", "victims"] and out.index.equals(df.index)
    for col, n_at, key_at in (("cases", 0, 1), ("victims", 2, 3)):
        assert str(out[col].dtype) == "Int64"
        expected = [privacy.protected_value(r[n_at] or 0, r[key_at]) for r in rows]
        assert [None if pd.isna(v) else int(v) for v in out[col]] == expected


def test_suppressed_cells_are_missing_and_the_rest_multiples_of_the_base():
    df = pd.DataFrame({"cases": [0, 1, 9, 10, 11, 14, 1234], "cases__ckey": [0, 255, 3, 17, 200, 128, 64]})
    out = privacy.protect(df)["cases"]
    assert out.isna().tolist() == [False, True, True, False, False, False, False]
    assert out.iloc[0] == 0 and all(v % privacy.ROUNDING_BASE == 0 and v >= 10 for v in out.dropna().iloc[1:])
