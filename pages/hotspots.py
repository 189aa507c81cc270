"""District hotspots: a map of districts by the chosen measure, the ranking beside it, and a district profile."""

import streamlit as st

from tipdash import charts, filters, i18n, maps, queries, share, text, ui
from tipdash.i18n import N_, _

MEASURES = {  # column -> (value kind, name on the map)
    "cases": ("count", N_("Cases reported")),
    "victims": ("count", N_("Victims")),
    "cases_per_100k": ("rate", N_("Cases per 100,000 a year")),
    "change": ("change", N_("Change in cases (%)")),
}

f = ui.current_filters()
o = ui.options()
ui.page_header(_("District hotspots"), f, _("Where cases are reported. Click a district on the map, or pick it "
                                           "below the map, to open its profile. High numbers can mean more "
                                           "trafficking or better reporting."))

ui.stop_if_unanswerable(f, by=("district_id",))
districts = queries.district_measures(f)
if districts.empty or districts["cases"].fillna(10).sum() == 0:
    ui.nothing_to_show(f)
    st.stop()

measure = filters.page_choice("hot_measure", list(MEASURES), "cases", url_key="measure")
measure = st.segmented_control(_("Colour districts by"), list(MEASURES), key="hot_measure", required=True,
                               format_func=lambda m: _(MEASURES[m][1]))
filters.remember("hot_measure", measure, "cases", url_key="measure")
kind, name = MEASURES[measure][0], _(MEASURES[measure][1])

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
    "cases": _("Cases reported by district, {period}"),
    "victims": _("Victims by district, {period}"),
    "cases_per_100k": _("Cases reported per 100,000 people a year, {period} (population: {source})"),
    "change": _("Change in cases reported, {period} vs {previous} (%)"),
}[measure].format(period=f.period, source=text.CENSUS_SOURCE, previous=f.previous().period)
extra = [("cases", _("Cases reported"), "count"), ("victims", _("Victims"), "count"),
         ("cases_per_100k", _("Cases per 100,000 a year"), "rate"),
         ("change", _("Change vs previous period"), "change")]

map_col, table_col = st.columns([3, 2], gap="medium")
with map_col:
    fig = ui.chart(maps.district_map, districts, measure, kind, title, name, geo, provinces, extra=extra,
                   selected=st.session_state.get("hot_district"))
    ui.plot(fig, key="hot_map", filename="district-hotspots", on_select=_select_from_map,
            selection_mode=("points",))
with table_col:
    st.markdown(_("**Ranking: {measure}, {period}**").format(measure=name.lower(), period=f.period))
    ranked = districts.sort_values([measure, "cases"], ascending=False, na_position="last")
    margin = measure + queries.MOE
    if margin in ranked:  # ranks only where the margins separate districts; "2–5": similar
        ranked = ranked.assign(rank=queries.rank_labels(ranked[measure], ranked[margin]))
    ui.table(ranked, {**({"rank": ("rank", _("Rank"))} if "rank" in ranked else {}),
                      "name": ("place", _("District")),
                      measure: (f"{kind}±" if margin in ranked else kind, name),
                      **({"cases": ("count", _("Cases reported"))} if measure != "cases" else {}),
                      **({"province": ("place", _("Province"))} if len(f.provinces) != 1 else {})},
             height=490, key="hot_ranking")
    if margin in ranked:
        st.caption(text.RANK_RANGE_NOTE
                   + (" " + _("A change is shown for districts with at least {n} cases in {previous}.").format(
                       n=queries.CHANGE_MIN_BASE, previous=f.previous().period) if measure == "change" else ""))
    if measure == "cases_per_100k":
        st.caption(_("Azad Jammu & Kashmir and Gilgit-Baltistan: not available (no 2023 census district "
                     "figures)."))

district = st.selectbox(_("District profile"), ids, index=None, key="hot_district", format_func=o.district_label,
                        placeholder=_("Choose a district, or click one on the map…"))
filters.remember("hot_district", district, None, url_key="district_profile")

if district:
    d_name, d_province = o.districts.get(district, (district, ""))
    fd = f.for_district(district)
    place = text.district_label(d_name, d_province) if d_province else i18n.place(d_name)
    st.subheader(place + _(", ") + f.period)
    share.brief_for_district(district, f, o, key="hot_brief")
    row = districts.set_index("district_id").loc[district]
    c1, c2, c3, c4 = st.columns(4)
    with c1:
        ui.metric(_("Cases reported"), text.count(row["cases"]))
    with c2:
        ui.metric(_("Victims"), text.count(row["victims"]))
    with c3:
        ui.metric(_("Cases per 100,000 a year"), text.rate(row["cases_per_100k"]),
                  help=text.measure("cases_per_100k").definition)
    with c4:
        ui.metric(_("Change vs {previous}").format(previous=f.previous().period), text.change_percent(row["change"]),
                  help=text.measure("change").definition)

    left, right = st.columns(2, gap="large")
    with left:
        ui.plot(ui.chart(charts.trend_lines, queries.trend(fd, "year"), ["cases", "firs", "convictions"], "year",
                         f.period), key="hot_trend", filename=f"{district}-trend")
        mix = queries.offence_mix(fd)
        ui.plot(ui.chart(charts.ranked_bars, mix, "cases", "label",
                         _("Offences, cases reported in {district}, {period}").format(district=i18n.place(d_name),
                                                                                     period=f.period),
                         text.label("cases")), key="hot_mix", filename=f"{district}-offences")
    with right:
        ui.plot(ui.chart(charts.funnel, queries.funnel(fd), f.period), key="hot_funnel", filename=f"{district}-funnel")
        ui.plot(ui.chart(charts.victim_profile, queries.victim_profile(fd),
                         _("Victims by age and sex, {district}, {period}").format(district=i18n.place(d_name),
                                                                                 period=f.period)),
                key="hot_victims",
                filename=f"{district}-victims")

    comparison = queries.district_comparison(f, district, o)
    areas = list(comparison["area"])
    title = (_("{district} compared with {province} and Pakistan, {period} (%)") if d_province else
             _("{district} compared with its province and Pakistan, {period} (%)")).format(
        district=i18n.place(d_name), province=i18n.place(d_province), period=f.period)
    ui.plot(ui.chart(charts.grouped_bars, queries.rates_by_area(comparison), "rate", areas,
                     [i18n.place(a) for a in areas], title, _("Per cent")),
            key="hot_compare", filename=f"{district}-comparison")
    ui.table(comparison, {"area": ("place", _("Area")), "cases": ("count", _("Cases")),
                          "cases_per_100k": ("rate", _("Per 100,000 a year")),
                          "conviction_rate": ("percent", _("Conviction rate")),
                          "fir_rate": ("percent", _("FIR share")),
                          "charge_sheet_rate": ("percent", _("Charge-sheet rate")),
                          "referral_rate": ("percent", _("Referred")),
                          "months_to_verdict": ("months", _("Median to verdict"))}, key="hot_compare_table")
    st.caption(_("Pakistan's rate per 100,000 uses the census population of the four provinces and Islamabad; AJK "
                 "and Gilgit-Baltistan have no census figure.") + " " + text.COHORT_NOTE)
