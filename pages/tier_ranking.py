"""Tier ranking: Pakistan's US TIP tier beside the government's own figures, a regional tier map, and a
transparent district scorecard with adjustable weights."""

import streamlit as st

from tipdash import charts, filters, maps, queries, reference_facts, text, ui

BAND_COLOURS = {"Band 1": "#009E73", "Band 2": "#56B4E9", "Band 2 watch list": "#E69F00", "Band 3": "#D55E00",
                queries.INSUFFICIENT: maps.NA_COLOUR}
BAND_ORDER = [name for _, name in queries.BANDS] + [queries.INSUFFICIENT]
INDICATOR_NAMES = {
    "conviction_rate": "Conviction rate (convictions ÷ concluded trials)",
    "fir_rate": "Complaints registered as FIRs",
    "referral_rate": "Victims referred to services",
    "charge_sheet_rate": "Charge-sheet rate (charge sheets ÷ FIRs)",
    "months_to_verdict": "Time from FIR to verdict (shorter scores higher)",
}

f = ui.current_filters()
ui.page_header("Tier ranking", f, "How the US State Department ranks Pakistan each year, what the government "
               "reported, and a district scorecard built from this dashboard's own numbers.")

st.subheader("Pakistan's tier and the figures the government reported")
tiers = reference_facts.tier_history("PAK")
figures = reference_facts.government_figures()
left, right = st.columns(2, gap="large")
with left:
    ui.plot(ui.chart(charts.tier_timeline, tiers), key="tier_timeline", filename="pakistan-tip-tier")
with right:
    ui.plot(ui.chart(charts.government_figures, reference_facts.government_series(figures)), key="tier_gov",
            filename="government-figures")

if not figures.empty:
    first = int(figures["year"].min())
    years = sorted({int(y) for y in tiers["report_year"] if y >= first} | {int(y) for y in figures["year"].dropna()})
    grid = reference_facts.government_by_year(figures, years)
    grid.insert(1, "tier", grid["year"].map(dict(zip(tiers["report_year"], tiers["tier"], strict=True)))
                .fillna(text.NOT_AVAILABLE))
    st.dataframe(grid, hide_index=True, key="tier_gov_grid", column_config={
        "year": st.column_config.NumberColumn("TIP report", format="%d"), "tier": "Tier",
        **{k: v for k, v in text.GOV_INDICATORS.items()}})
    st.caption("Each report gives the figures of the year before. “not available” means the report gives no "
               "figure (never 0); “unverified” marks the government's own claims the report could not confirm. "
               "Where a report gives several figures for one indicator, the chart shows the first listed; all "
               "are below with their sources.")
    with st.expander("Every figure with its source", expanded=False):
        st.dataframe(
            reference_facts.government_citations(figures),
            hide_index=True, key="tier_gov_table",
            column_config={
                "year": st.column_config.NumberColumn("TIP report", format="%d"),
                "indicator": "Indicator", "figure": "Figure", "status": "Verification", "breakdown": "What it counts",
                "value_as_read": "As printed", "source_note": "Source",
                "source_url": st.column_config.LinkColumn("Link", display_text="open source"),
            })

st.subheader("Tiers in South Asia and the Gulf")
report_years = reference_facts.tier_report_years()
if report_years:
    year = filters.page_choice("tier_year", report_years, report_years[-1], url_key="report_year", parse=int)
    year = st.select_slider("TIP report year", options=report_years, key="tier_year")
    filters.remember("tier_year", year, report_years[-1], url_key="report_year")
    countries = ui.boundary_layer("countries")
    if not countries:
        ui.missing_boundaries_notice()
        ui.table(reference_facts.country_tiers(year), {"country": ("text", "Country"), "tier": ("text", "Tier")},
                 key="tier_country_table")
    else:
        ui.plot(ui.chart(maps.country_tier_map, reference_facts.country_tiers(year), countries, year), key="tier_map",
                filename=f"tip-tiers-{year}")
else:
    st.info("The TIP report tiers are not in the warehouse yet.")

st.subheader("District scorecard")
st.markdown(
    f"""Each district gets a score from 0 to 100 from five indicators of the response to trafficking, computed
from this dashboard's protected numbers for {f.period}:

* the **conviction rate**, **complaints registered as FIRs**, **victims referred to services** and the
  **charge-sheet rate** each score their own percentage (70% scores 70);
* **time from FIR to verdict** scores 100 × (1 − median months ÷ {queries.MONTHS_SCALE}), so a verdict within a
  month scores nearly 100 and {queries.MONTHS_SCALE} months or more scores 0.

The score is the weighted average of the indicators a district has (set the weights below). Bands:
**Band 1** ≥ 60, **Band 2** 45–60, **Band 2 watch list** 30–45, **Band 3** < 30. A district with fewer than
{queries.MIN_CASES} cases reported, or fewer than {queries.MIN_INDICATORS} indicators (an indicator is missing when
a count it needs is under 10), is marked **insufficient data** instead of a band. The bands borrow the TIP report's
idea of tiers but are *not* the State Department's method, and they rank recorded responses, not how much
trafficking there is."""
)
weight_cols = st.columns(len(queries.SCORE_INDICATORS))
weights = {}
for col, key in zip(weight_cols, queries.SCORE_INDICATORS, strict=True):
    with col:
        weights[key] = st.slider(INDICATOR_NAMES[key], 0, 5, 1, key=f"sc_w_{key}",
                                 help="Weight of this indicator in the score (0 leaves it out).")

if sum(weights.values()) == 0:
    st.warning("Give at least one indicator a weight above 0 to score the districts.")
    st.stop()

scored = queries.score_districts(queries.scorecard_inputs(f), weights)
if scored.empty:
    ui.nothing_to_show(f)
    st.stop()
map_col, table_col = st.columns([3, 2], gap="medium")
with map_col:
    geo = ui.boundary_layer("districts")
    if not geo:
        ui.missing_boundaries_notice(short=not ui.boundary_layer("countries") and bool(report_years))
    ui.plot(ui.chart(maps.categorical_district_map, scored, "band", BAND_ORDER, BAND_COLOURS,
                     f"District scorecard bands, {f.period}", geo, ui.boundary_layer("provinces"),
                     hover=maps.scorecard_hover(scored)),
            key="sc_map", filename="district-scorecard")
with table_col:
    counts = scored["band"].value_counts().reindex(BAND_ORDER, fill_value=0)
    st.markdown(" · ".join(f"**{band}**: {n}" for band, n in counts.items()) + " districts")
    ranked = scored.sort_values(["score", "cases"], ascending=False, na_position="last")
    ui.table(ranked, {"name": ("text", "District"), "band": ("text", "Band"), "score": ("rate", "Score"),
                      "cases": ("count", "Cases"), "conviction_rate": ("percent", "Conviction rate"),
                      "fir_rate": ("percent", "FIR share"), "referral_rate": ("percent", "Referred"),
                      "charge_sheet_rate": ("percent", "Charge-sheet rate"),
                      "months_to_verdict": ("months", "Median to verdict"), "province": ("text", "Province")},
             height=470, key="sc_table")
