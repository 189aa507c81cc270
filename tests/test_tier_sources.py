"""The published reference facts as the dashboard reads them from the release (tipdash.reference_facts)."""

from __future__ import annotations

import pytest

from tipdash import reference_facts, text


def test_reference_facts_unknown_is_not_available_never_zero(warehouse):
    tiers = reference_facts.tier_history("PAK")
    assert not tiers.empty and tiers["report_year"].is_monotonic_increasing
    figures = reference_facts.government_figures()
    if figures.empty:
        pytest.skip("no government figures in the reference tables")
    years = range(int(figures["year"].min()), int(figures["year"].max()) + 1)
    grid = reference_facts.government_by_year(figures, years)
    cells = grid.drop(columns="year").to_numpy().ravel()
    assert text.NOT_AVAILABLE in cells
    assert "0" not in cells
    assert reference_facts.country_tiers(int(tiers["report_year"].max()))["iso3"].is_unique
