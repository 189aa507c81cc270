"""District hotspots: a map of districts by the chosen measure, the ranking beside it, and a district profile."""

import streamlit as st

from tipdash import charts, filters, maps, queries, share, text, ui

MEASURES = {  # column -> (value kind, name on the map)
    "cases": ("count", "Cases reported"),
    "victims": ("count", "Victims"),
    "cases_per_100k": ("rate", "Cases per 100,000 a year"),
    "change": ("change", "Change in cases (%)"),
}

f = ui.current_filters()
o = ui.options()
ui.page_header("District hotspots", f, "Where cases are reported. Click a district on the map, or pick it below "
               "the map, to open its profile. High numbers can mean more trafficking or better reporting.")

ui.stop_if_unanswerable(f, by=("district_id",))
districts = queries.district_measures(f)
if districts.empty or districts["cases"].fillna(10).sum() == 0:
    ui.nothing_to_show(f)
    st.stop()

measure = filters.page_choice("hot_measure", list(MEASURES), "cases", url_key="measure")
measure = st.segmented_control("Colour districts by", list(MEASURES), key="hot_measure", required=True,
                               format_func=lambda m: MEASURES[m][1])
filters.remember("hot_measure", measure, "cases", url_key="measure")
kind, name = MEASURES[measure]

ids = districts["district_id"].tolist()
filters.page_choice("hot_district", ids, None, url_key="district_profile")


def _select_from_map() -> None:
    """A click on the map picks the district (its id travels in each point's customdata)."""
    points = st.session_state.get("hot_map", {}).get("selection", {}).get("points", [])
    for point in points:
        district = point.get("customdata") or point.get("location")
        if isinstance(district, list):
            district = district[0]
        if district in ids:
            st.session_state["hot_district"] = district
            return


geo = ui.boundary_layer("districts")
provinces = ui.boundary_layer("provinces")
if not geo:
    ui.missing_boundaries_notice()

title = {
    "cases": f"Cases reported by district, {f.period}",
    "victims": f"Victims by district, {f.period}",
    "cases_per_100k": f"Cases reported per 100,000 people a year, {f.period} (population: {text.CENSUS_SOURCE})",
    "change": f"Change in cases reported, {f.period} vs {f.previous().period} (%)",
}[measure]
extra = [("cases", "Cases reported", "count"), ("victims", "Victims", "count"),
         ("cases_per_100k", "Cases per 100,000 a year", "rate"), ("change", "Change vs previous period", "change")]

map_col, table_col = st.columns([3, 2], gap="medium")
with map_col:
    fig = ui.chart(maps.district_map, districts, measure, kind, title, name, geo, provinces, extra=extra,
                   selected=st.session_state.get("hot_district"))
    ui.plot(fig, key="hot_map", filename="district-hotspots", on_select=_select_from_map,
            selection_mode=("points",))
with table_col:
    st.markdown(f"**Ranking: {name.lower()}, {f.period}**")
    ranked = districts.sort_values([measure, "cases"], ascending=False, na_position="last")
    margin = measure + queries.MOE
    if margin in ranked:  # ranks only where the margins separate districts; "2–5": similar
        ranked = ranked.assign(rank=queries.rank_labels(ranked[measure], ranked[margin]))
    ui.table(ranked, {**({"rank": ("text", "Rank")} if "rank" in ranked else {}), "name": ("text", "District"),
                      measure: (f"{kind}±" if margin in ranked else kind, name),
                      **({"cases": ("count", "Cases reported")} if measure != "cases" else {}),
                      **({"province": ("text", "Province")} if len(f.provinces) != 1 else {})},
             height=490, key="hot_ranking")
    if margin in ranked:
        st.caption("A rank such as “2–7” is the range of places the district could hold given the 95% margins: "
                   "districts whose ranges overlap cannot be told apart."
                   + (f" A change is shown for districts with at least {queries.CHANGE_MIN_BASE} cases in "
                      f"{f.previous().period}." if measure == "change" else ""))
    if measure == "cases_per_100k":
        st.caption("Azad Jammu & Kashmir and Gilgit-Baltistan: not available (no 2023 census district figures).")

district = st.selectbox("District profile", ids, index=None, key="hot_district", format_func=o.district_label,
                        placeholder="Choose a district, or click one on the map…")
filters.remember("hot_district", district, None, url_key="district_profile")

if district:
    d_name, d_province = o.districts.get(district, (district, ""))
    fd = f.for_district(district)
    st.subheader(f"{d_name} ({d_province}), {f.period}")
    share.brief_for_district(district, f, o, key="hot_brief")
    row = districts.set_index("district_id").loc[district]
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        ui.metric("Cases reported", text.count(row["cases"]))
    with c2:
        ui.metric("Victims", text.count(row["victims"]))
    with c3:
        ui.metric("Cases per 100,000 a year", text.rate(row["cases_per_100k"]),
                  help=text.measure("cases_per_100k").definition)
    with c4:
        ui.metric(f"Change vs {f.previous().period}", text.change_percent(row["change"]),
                  help=text.measure("change").definition)

    left, right = st.columns(2, gap="large")
    with left:
        ui.plot(ui.chart(charts.trend_lines, queries.trend(fd, "year"), ["cases", "firs", "convictions"], "year",
                         f.period), key="hot_trend", filename=f"{district}-trend")
        mix = queries.offence_mix(fd)
        ui.plot(ui.chart(charts.ranked_bars, mix, "cases", "label", f"Offences, cases reported in {d_name}, {f.period}",
                                   "cases reported"), key="hot_mix", filename=f"{district}-offences")
    with right:
        ui.plot(ui.chart(charts.funnel, queries.funnel(fd), f.period), key="hot_funnel", filename=f"{district}-funnel")
        ui.plot(ui.chart(charts.victim_profile, queries.victim_profile(fd),
                         f"Victims by age and sex, {d_name}, {f.period}"), key="hot_victims",
                filename=f"{district}-victims")

    comparison = queries.district_comparison(f, district, o)
    areas = list(comparison["area"])
    title = f"{d_name} compared with {d_province or 'its province'} and Pakistan, {f.period} (%)"
    ui.plot(ui.chart(charts.grouped_bars, queries.rates_by_area(comparison), "rate", areas, areas, title, "Per cent"),
            key="hot_compare", filename=f"{district}-comparison")
    ui.table(comparison, {"area": ("text", "Area"), "cases": ("count", "Cases"),
                          "cases_per_100k": ("rate", "Per 100,000 a year"),
                          "conviction_rate": ("percent", "Conviction rate"),
                          "fir_rate": ("percent", "FIR share"),
                          "charge_sheet_rate": ("percent", "Charge-sheet rate"),
                          "referral_rate": ("percent", "Referred"),
                          "months_to_verdict": ("months", "Median to verdict")}, key="hot_compare_table")
    st.caption("Pakistan's rate per 100,000 uses the census population of the four provinces and Islamabad; "
               f"AJK and Gilgit-Baltistan have no census figure. {text.COHORT_NOTE}")
