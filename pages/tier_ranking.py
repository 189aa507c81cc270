"""Tier ranking: Pakistan's US TIP tier beside the published figures (each with its own source), estimated against
identified victims, a regional tier map, and a transparent district scorecard with adjustable weights."""

import pandas as pd
import streamlit as st

from tipdash import charts, filters, i18n, maps, published_charts, queries, reference_facts, text, tier_map, ui
from tipdash.i18n import N_, _

BAND_COLOURS = {**charts.BAND_COLOURS, queries.INSUFFICIENT: maps.NA_COLOUR}
INDICATOR_NAMES = {
    "conviction_rate": N_("Conviction rate (convictions ÷ concluded trials)"),
    "fir_rate": N_("Complaints registered as FIRs"),
    "referral_rate": N_("Victims referred to services"),
    "charge_sheet_rate": N_("Charge-sheet rate (charge sheets ÷ FIRs)"),
    "months_to_verdict": N_("Time from FIR to verdict (shorter scores higher)"),
}
OPEN_SOURCE = N_("open source")  # a link's words in the tables of sources


def placements(tiers: pd.DataFrame) -> pd.DataFrame:
    """Tier rows as the tables show them: tier and country in the language of this run."""
    return tiers.assign(tier=tiers["tier"].map(text.tier), **({"country": tiers["country"].map(i18n.place)}
                                                               if "country" in tiers else {}))


f = ui.current_filters()
ui.page_header(_("Tier ranking"), f, _("How the US State Department ranks Pakistan each year, the figures published "
                                       "about its response (each with its own source), and a district scorecard built "
                                       "from this dashboard's own numbers."))

st.subheader(_("Pakistan's tier and the figures published about its response"))
tiers = reference_facts.tier_history("PAK")
figures = reference_facts.published_figures()
left, right = st.columns(2, gap="large")
with left:
    ui.plot(ui.chart(published_charts.tier_timeline, tiers), key="tier_timeline", filename="pakistan-tip-tier")
with right:
    ui.plot(ui.chart(published_charts.published_figures, figures), key="tier_gov", filename="published-figures")
st.caption(_("Hollow markers: a placement inferred rather than stated, or a figure its source calls unverified. "
             "Lines join only consecutive years of one definition (the same indicator counting the same thing): a "
             "gap or a change of definition breaks the line. TIP Report figures (blue) are for the year before each "
             "report; UNODC's (orange) are the official figures Pakistan reports to UNODC for its Global Report on "
             "Trafficking in Persons: {definitions}.").format(definitions=_("; ").join(
                 f"**{_(d)}**" for d in reference_facts.UNODC_DEFINITIONS.values())))

with st.expander(_("Each year's tier, how it is known, and the State Department's narrative"), expanded=False):
    st.dataframe(placements(tiers).sort_values("report_year", ascending=False), hide_index=True,
                 key="tier_sources_table",
                 column_order=["report_year", "tier", "inferred", "source", "narrative_url", "source_url"],
                 column_config={
                     "report_year": st.column_config.NumberColumn(_("TIP report"), format="%d"), "tier": _("Tier"),
                     "inferred": st.column_config.CheckboxColumn(_("Inferred")), "source": _("How it is known"),
                     "narrative_url": st.column_config.LinkColumn(_("State Department narrative"),
                                                                  display_text="state.gov"),
                     "source_url": st.column_config.LinkColumn(_("Source"), display_text=_(OPEN_SOURCE))})
    st.caption(_("A State Department narrative link appears only where the reference data gives the State "
                 "Department's own page; otherwise the source the placement was read from is linked."))

if not figures.empty:
    tip_years = figures.loc[figures["source_family"].eq("US TIP Report"), "year"].dropna().astype(int)
    grid = reference_facts.tip_figures_by_year(figures, range(int(tip_years.min()), int(tip_years.max()) + 1))
    st.dataframe(grid, hide_index=True, key="tier_gov_grid", column_config={
        "year": st.column_config.NumberColumn(_("Year counted"), format="%d"),
        **{k: _(v[0]) for k, v in reference_facts.STAGES.items()}})
    st.caption(_("TIP Report figures by the year they count. “{missing}”: the reference tables hold no figure for "
                 "that year. The report may give one; it was not found in the sources read (never 0). “{unverified}”: "
                 "the figure comes from a source that could not be checked against the report itself (an op-ed, a "
                 "letter to the editor, a software project's notes).").format(
        missing=_(reference_facts.NOT_IN_DATA), unverified=_("unverified")))
    with st.expander(_("Every figure with its source"), expanded=False):
        st.dataframe(
            reference_facts.figure_citations(figures),
            hide_index=True, key="tier_gov_table",
            column_config={
                "year": st.column_config.NumberColumn(_("Year counted"), format="%d"), "stage": _("Stage"),
                "figure": _("Figure"), "status": _("Verification"), "definition": _("What it counts"),
                "source": _("Published by"),
                "report_year": st.column_config.NumberColumn(_("Report / release"), format="%d"),
                "value_as_read": _("As printed"), "source_note": _("Note"),
                "source_url": st.column_config.LinkColumn(_("Link"), display_text=_(OPEN_SOURCE)),
            })

st.subheader(_("Estimated against identified victims"))
estimates = reference_facts.slavery_estimates()
victims = figures[figures["stage"].eq("victims")] if not figures.empty else figures
ui.plot(ui.chart(published_charts.estimated_against_reported, estimates, victims), key="tier_gap",
        filename="estimated-against-identified")
st.caption(_("Walk Free's Global Slavery Index estimates everyone in modern slavery on a given day (forced labour, "
             "forced marriage and more: wider than trafficking); the other bars count the victims the authorities "
             "identified in a year. The gap is an order of magnitude, not an exact share: most victims are never "
             "identified.") + ("" if estimates.empty else " " + _("Earlier editions: {editions}.").format(
                 editions=_("; ").join(f"{r.edition}: {i18n.number(r.value)}"
                                       for r in estimates.iloc[:-1].itertuples()))))

st.subheader(_("Tiers in South Asia and the Gulf"))
coverage = reference_facts.tier_coverage()
mapped = reference_facts.mapped_report_years()
if mapped:
    year = filters.page_choice("tier_year", mapped, mapped[-1], url_key="report_year", parse=int)
    year = st.select_slider(_("TIP report year"), options=mapped, key="tier_year")
    filters.remember("tier_year", year, mapped[-1], url_key="report_year")
    countries = ui.boundary_layer("countries")
    if not countries:
        ui.missing_boundaries_notice()
        ui.table(placements(reference_facts.country_tiers(year)),
                 {"country": ("text", _("Country")), "tier": ("text", _("Tier"))}, key="tier_country_table")
    else:
        ui.plot(ui.chart(tier_map.tier_map, reference_facts.country_tiers(year), countries, year), key="tier_map",
                filename=f"tip-tiers-{year}")
    partial = coverage[~coverage["mapped"].astype(bool)]
    st.caption(_("Mapped: report years whose data holds every ranked country ({n} countries or more, or all from "
                 "the Heiss & Kelley all-country dataset).").format(n=reference_facts.MAP_MIN_COUNTRIES)
               + ("" if partial.empty else " " + _("Not mapped, because the data holds only some countries: {years}; "
                                                   "their placements are listed below.").format(years=_(", ").join(
                   f"{int(r.report_year)} ({int(r.countries)})" for r in partial.itertuples()))))
    if not partial.empty:
        with st.expander(_("Placements in the years not mapped"), expanded=False):
            listed = int(st.selectbox(_("TIP report"), partial["report_year"].astype(int).tolist()[::-1],
                                      key="tier_partial_year"))
            st.dataframe(placements(reference_facts.country_tiers(listed)), hide_index=True,
                         key="tier_partial_table",
                         column_order=["country", "tier", "inferred", "source", "source_url"],
                         column_config={"country": _("Country"), "tier": _("Tier"),
                                        "inferred": st.column_config.CheckboxColumn(_("Inferred")),
                                        "source": _("How it is known"),
                                        "source_url": st.column_config.LinkColumn(_("Source"),
                                                                                  display_text=_(OPEN_SOURCE))})
else:
    st.info(_("The TIP report tiers are not in the release yet."))

st.subheader(_("District scorecard"))
st.markdown(_(
    """Each district gets a score from 0 to 100 from five indicators of the response to trafficking, computed
from this dashboard's protected numbers for {period}:

* the **conviction rate**, **complaints registered as FIRs**, **victims referred to services** and the
  **charge-sheet rate** each score their own percentage (70% scores 70);
* **time from FIR to verdict** scores 100 × (1 − median months ÷ {months}), so a verdict within a
  month scores nearly 100 and {months} months or more scores 0.

The score is the weighted average of the indicators a district has (set the weights below). Bands:
**Band 1** ≥ 60, **Band 2** 45–60, **Band 2 watch list** 30–45, **Band 3** < 30. A district with fewer than
{cases} cases reported, or fewer than {indicators} indicators (an indicator is missing when
a count it needs is under 10), is marked **insufficient data** instead of a band. Every indicator carries the
privacy noise's 95% margin, and so does the score: a district gets a band only when its whole margin lies inside
that band; otherwise it is **{unclear}** and the table says which bands the margin spans. The bands
borrow the TIP report's idea of tiers but are *not* the State Department's method, and they rank recorded responses,
not how much trafficking there is.""").format(period=f.period, months=queries.MONTHS_SCALE, cases=queries.MIN_CASES,
                                             indicators=queries.MIN_INDICATORS, unclear=text.band(queries.UNSEPARATED)))
weight_cols = st.columns(len(queries.SCORE_INDICATORS))
weights = {}
for col, key in zip(weight_cols, queries.SCORE_INDICATORS, strict=True):
    with col:
        weights[key] = st.slider(_(INDICATOR_NAMES[key]), 0, 5, 1, key=f"sc_w_{key}",
                                 help=_("Weight of this indicator in the score (0 leaves it out)."))

if sum(weights.values()) == 0:
    st.warning(_("Give at least one indicator a weight above 0 to score the districts."))
    st.stop()

scored = queries.score_districts(queries.scorecard_inputs(f), weights)
if scored.empty:
    ui.nothing_to_show(f)
    st.stop()
map_col, table_col = st.columns([3, 2], gap="medium")
with map_col:
    geo = ui.boundary_layer("districts")
    if not geo:
        ui.missing_boundaries_notice(short=not ui.boundary_layer("countries") and bool(mapped))
    ui.plot(ui.chart(maps.categorical_district_map, scored, "band", queries.BAND_ORDER, BAND_COLOURS,
                     _("District scorecard bands, {period}").format(period=f.period), geo,
                     ui.boundary_layer("provinces"),
                     hover=maps.scorecard_hover(scored)),
            key="sc_map", filename="district-scorecard")
with table_col:
    counts = scored["band"].value_counts().reindex(queries.BAND_ORDER, fill_value=0)
    st.markdown(_("{counts} districts").format(counts=" · ".join(f"**{text.band(band)}**: {n}"
                                                                  for band, n in counts.items())))
    ranked = scored.sort_values(["score", "cases"], ascending=False, na_position="last")
    ui.table(ranked.assign(band_range=ranked["band_range"].map(text.band_range)),
             {"name": ("place", _("District")), "band_range": ("text", _("Band")),
              "conviction_rate": ("percent", _("Conviction rate"))},
             height=470, key="sc_table")
