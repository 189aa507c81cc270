"""Conviction gap: how many reported cases reach each stage, where they are lost, and how trials end."""

import streamlit as st

from tipdash import charts, filters, maps, queries, text, ui

f = ui.current_filters()
ui.page_header("Conviction gap", f)
ui.stop_if_unanswerable(f)

stages = queries.funnel(f)
if text.is_zero(stages["value"].iloc[0]):
    ui.nothing_to_show(f)
    st.stop()

st.markdown("### " + text.funnel_lead(stages, f.period))
st.caption(text.COHORT_NOTE)
ui.smuggling_note(f)

left, right = st.columns([3, 2], gap="large")
with left:
    ui.plot(ui.chart(charts.funnel, stages, f.period), key="gap_funnel", filename="conviction-funnel")
with right:
    st.markdown("**Cases at each stage and the share lost**")
    ui.table(stages, {"label": ("text", "Stage"), "value": ("count", "Cases"),
                      "share_lost": ("share", "Lost here"), "share_of_previous": ("share", "Kept"),
                      "share_of_reported": ("share", "Of reported")}, key="gap_stage_table")
    st.caption("Shares are computed from the released counts (each with its privacy noise; ± in the chart's "
               "hover); a stage with fewer than 10 cases shows "
               f"“{text.SUPPRESSED}” and no share.")

st.subheader("Conviction rate and attrition by area")
level = filters.page_choice("gap_level", ["province", "district"], "province", url_key="level")
level = st.segmented_control("Compare", ["province", "district"], key="gap_level", required=True,
                             format_func=str.capitalize)
filters.remember("gap_level", level, "province", url_key="level")
by_area = queries.attrition_by_area(f, level)
area_columns = {"conviction_rate": ("percent", "Conviction rate"), "attrition": ("percent", "Attrition"),
                "cases": ("count", "Cases"), "firs": ("count", "FIRs"), "charge_sheets": ("count", "Charge sheets"),
                "trials": ("count", "Trials"), "convictions": ("count", "Convictions")}
if level == "district":
    rate_key = st.segmented_control("Colour districts by", ["conviction_rate", "attrition"], key="gap_rate",
                                    required=True, default="conviction_rate", format_func=text.short)
    map_col, table_col = st.columns([3, 2], gap="medium")
    with map_col:
        geo = ui.boundary_layer("districts")
        if not geo:
            ui.missing_boundaries_notice()
        title = (f"Conviction rate by district, cases reported in {f.period} (convictions ÷ concluded trials, %)"
                 if rate_key == "conviction_rate" else
                 f"Attrition by district, cases reported in {f.period} (% of cases without conviction)")
        fig = ui.chart(maps.district_map, by_area, rate_key, "percent", title, text.short(rate_key) + " (%)", geo,
                       ui.boundary_layer("provinces"),
                       extra=[("trials", "Trials concluded", "count"), ("convictions", "Convictions", "count"),
                              ("cases", "Cases reported", "count")])
        ui.plot(fig, key="gap_map", filename="conviction-rate-map")
    with table_col:
        ranked = by_area.sort_values(rate_key, ascending=rate_key == "attrition", na_position="last")
        ui.table(ranked, {"name": ("text", "District"), **area_columns, "province": ("text", "Province")},
                 height=520, key="gap_area_table")
else:
    bars_col, table_col = st.columns([2, 3], gap="medium")
    with bars_col:
        ui.plot(ui.chart(charts.ranked_bars, by_area, "conviction_rate", "province",
                                   f"Conviction rate by province, cases reported in {f.period} (%)",
                                   "conviction rate (%)", percent=True), key="gap_province_bars",
                filename="conviction-rate-by-province")
    with table_col:
        ui.table(by_area, {"province": ("text", "Province"), **area_columns}, key="gap_area_table")
st.caption("A rate is not shown when a count it needs is below 10. Attrition is the share of cases reported that "
           "did not end in conviction.")

st.subheader("By offence and by the law used")
off_col, law_col = st.columns(2, gap="large")
with off_col:
    by_offence = queries.stages_by(f, "offence")
    ui.plot(ui.chart(charts.ranked_bars, by_offence, "conviction_rate", "label",
                               f"Conviction rate by offence, {f.period} (%)", "conviction rate (%)", percent=True),
            key="gap_offence", filename="conviction-rate-by-offence")
with law_col:
    by_law = queries.stages_by(f, "law_group")
    ui.plot(ui.chart(charts.ranked_bars, by_law, "conviction_rate", "label",
                               f"Conviction rate by the law cited, {f.period} (%)", "conviction rate (%)",
                               percent=True, colour=charts.CATEGORICAL[2]),
            key="gap_law", filename="conviction-rate-by-law")
with st.expander("Stage counts by offence and by law"):
    stage_cols = {"label": ("text", "Group"), **area_columns}
    ui.table(by_offence, stage_cols, key="gap_offence_table")
    ui.table(by_law, stage_cols, key="gap_law_table")

st.subheader("How trials end and how long they take")
out_col, time_col = st.columns(2, gap="large")
with out_col:
    ui.plot(ui.chart(charts.stacked_outcomes, queries.trial_outcomes(f), f.period), key="gap_outcomes",
            filename="trial-outcomes")
    outcomes = queries.trial_outcomes(f)
    ui.table(outcomes, {"label": ("text", "Outcome"), "value": ("count", "Trials"),
                        "share": ("percent", "Share")}, key="gap_outcome_table")
with time_col:
    times = queries.verdict_time(f)
    ui.plot(ui.chart(charts.count_columns, times, "label", "trials",
                                 f"Time from FIR to verdict, concluded trials of cases reported in {f.period}",
                                 "concluded trials", colour=charts.CATEGORICAL[3]),
            key="gap_time", filename="time-to-verdict")
    median = queries.area_indicators(f, "selection")["months_to_verdict"].iloc[0]
    st.caption(f"Median time from FIR to verdict: {text.months(median)}. Bins with fewer than 10 trials show "
               f"“{text.SUPPRESSED}”.")
