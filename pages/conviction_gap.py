"""Conviction gap: how many reported cases reach each stage, where they are lost, and how trials end."""

from dataclasses import replace

import streamlit as st

from tipdash import charts, filters, i18n, maps, queries, returns_queries, returns_view, text, ui
from tipdash.i18n import N_, _

# queries.VERDICT_BINS' labels, for the catalogue: the time-to-verdict chart shows them translated.
VERDICT_BIN_LABELS = (N_("under 6 months"), N_("6–11 months"), N_("1–2 years"), N_("2–3 years"),
                      N_("3 years or more"))

LEVELS = {"province": N_("Province"), "district": N_("District")}
RATE_AXIS = N_("conviction rate (%)")
MARGIN_NOTE = N_("± is the 95% margin of the privacy noise.")

f = ui.current_filters()
ui.page_header(_("Conviction gap"), f)
ui.stop_if_unanswerable(f)


def reported_returns(fill: bool = False) -> None:
    """What agencies' returns report for this area and period, beside the records and never added to them; with
    ``fill``, where there are no records, the funnel drawn from a return."""
    figures = returns_queries.returns_for(f)
    if figures.empty:
        return
    st.markdown(f"**{_(returns_view.TITLE)}**")
    if fill and (fig := ui.chart(returns_view.funnel_from_return, figures, f.period)) is not None:
        ui.plot(fig, key="gap_return_funnel", filename="funnel-from-return")
        st.caption(_(returns_view.FILLED_NOTE))
    st.dataframe(returns_view.summary_table(figures), hide_index=True, key="gap_returns")
    st.caption(returns_view.sources_note(figures))
    st.caption(returns_view.note())


stages = queries.funnel(f)
if text.is_zero(stages["value"].iloc[0]):
    ui.nothing_to_show(f)
    reported_returns(fill=True)
    st.stop()

# Two views of time (issue #12): what happened in each year, or what became of the cases reported in it.
can_period = queries.period_answerable(f)
views = list(text.VIEWS) if can_period else ["cohort"]
filters.page_choice("gap_view", views, views[0], url_key="view")
view = st.segmented_control(_("View"), views, key="gap_view", required=True, format_func=text.VIEWS.get)
filters.remember("gap_view", view, views[0], url_key="view")
if not can_period:
    st.caption(_("“{period}” is released for Pakistan and its provinces without a district or offence filter; "
                 "showing “{cohort}”.").format(period=text.VIEWS["period"], cohort=text.VIEWS["cohort"]))


def period_view() -> None:
    """What happened each year: the steps counted in the year they happened."""
    totals = queries.period_totals(f)
    st.markdown("### " + text.period_lead(totals, f.period))
    st.caption(text.PERIOD_NOTE + " " + _("The years filter selects the years the steps happened in this view."))
    tiles = [c for _ in range(2) for c in st.columns(3)]  # five in a row cut their labels at 1366 px
    for col, key in zip(tiles, [*queries.PERIOD_STAGES, "period_conviction_rate"], strict=False):
        is_rate = key == "period_conviction_rate"
        value = text.percent(totals[key]) if is_rate else text.count(totals[key])
        with col:
            ui.metric(text.short(key), text.with_margin(value, totals[key + "_moe"], " pp" if is_rate else ""),
                      help=text.measure(key).definition + " " + _(MARGIN_NOTE))
    reported_returns()
    by_year = queries.period_by_year(f)
    left, right = st.columns(2, gap="large")
    with left:
        ui.plot(ui.chart(charts.trend_lines, by_year, queries.PERIOD_STAGES, "year", f.period,
                         title=_("FIRs, charge sheets, trials and convictions in each year, {period}").format(
                             period=f.period)),
                key="gap_period_counts", filename="steps-by-year")
    with right:
        ui.plot(ui.chart(charts.rate_over_time, by_year, "period_conviction_rate",
                         _("Conviction rate in each year (convictions ÷ trials concluded), {period}").format(
                             period=f.period)),
                key="gap_period_rate", filename="conviction-rate-by-year")
    st.markdown("**" + _("By province") + "**")
    ui.table(queries.period_by_province(f),
             {"province": ("place", _("Province")), **{m: ("count±", text.short(m)) for m in queries.PERIOD_STAGES},
              "period_conviction_rate": ("percent±", _("Conviction rate"))}, key="gap_period_provinces")


def cohort_view() -> None:
    """What became of the cases reported: cohorts, with those still in court marked."""
    progress = queries.cohort_progress(replace(f, year_from=ui.options().year_min))
    in_court = queries.selection_in_court(f)
    st.markdown("### " + text.funnel_lead(stages, f.period, complete=in_court["complete"]))
    st.caption(text.COHORT_NOTE)
    if not in_court["complete"] and not text.is_missing(in_court["share"]):
        st.warning(text.in_court_note(in_court["share"], f.period), icon=":material/hourglass_top:")
        done = queries.complete_years(f)
        if done:
            st.button(_("Show the complete cohorts, {period}").format(period=text.period(*done)),
                      on_click=filters.choose_years, args=done, key="gap_complete_years")
    ui.smuggling_note(f)
    ui.plot(ui.chart(charts.rate_over_time, progress, "conviction_rate",
                     _("Conviction rate of the cases reported each year (convictions ÷ concluded trials)"),
                     complete=progress["complete"]), key="gap_cohort_rate", filename="conviction-rate-by-cohort")
    st.caption(_("Years marked “{marked}”: reported less than {years} years before the latest data, the time within "
                 "which {share} of concluded trials reached their verdict; their rates can still change a lot and are "
                 "not compared with complete years. The share of charge-sheeted cases still awaiting a verdict is in "
                 "each point's hover.").format(marked=text.STILL_IN_COURT, years=queries.years_to_mature(),
                                               share=f"{queries.MATURE_SHARE:.0%}"))

    left, right = st.columns([3, 2], gap="large")
    with left:
        ui.plot(ui.chart(charts.funnel, stages, f.period, complete=in_court["complete"]), key="gap_funnel",
                filename="conviction-funnel")
    with right:
        st.markdown("**" + _("Cases at each stage and the share lost") + "**")
        ui.table(stages.rename(columns={"moe": "value_moe"}), {
            "label": ("text", _("Stage")), "value": ("count±", _("Cases")), "share_lost": ("share", _("Lost here")),
            "share_of_previous": ("share", _("Kept")), "share_of_reported": ("share", _("Of reported"))},
            key="gap_stage_table")
        st.caption(_("Shares are computed from the released counts (each with its privacy noise; ± is the 95% "
                     "margin); a stage with fewer than 10 cases shows “{suppressed}” and no share.").format(
            suppressed=text.SUPPRESSED))
    reported_returns(fill=text.is_missing(stages["value"].iloc[0]))  # records too few to show: a return's funnel

    st.subheader(_("Conviction rate and attrition by area"))
    level = filters.page_choice("gap_level", ["province", "district"], "province", url_key="level")
    level = st.segmented_control(_("Compare"), ["province", "district"], key="gap_level", required=True,
                                 format_func=lambda lvl: _(LEVELS[lvl]))
    filters.remember("gap_level", level, "province", url_key="level")
    by_area = queries.attrition_by_area(f, level)
    area_columns = {"conviction_rate": ("percent±", _("Conviction rate")), "attrition": ("percent", _("Attrition")),
                    "cases": ("count±", _("Cases")), "firs": ("count±", _("FIRs")),
                    "charge_sheets": ("count±", _("Charge sheets")),
                    "trials": ("count±", _("Trials")), "convictions": ("count±", _("Convictions"))}
    if not in_court["complete"]:  # for cases still in court, attrition would count pending trials as failures
        area_columns.pop("attrition")
    if level == "district":
        rates = ["conviction_rate", "attrition"] if in_court["complete"] else ["conviction_rate"]
        rate_key = st.segmented_control(_("Colour districts by"), rates, key="gap_rate", required=True,
                                        default="conviction_rate", format_func=text.short)
        map_col, table_col = st.columns([3, 2], gap="medium")
        with map_col:
            geo = ui.boundary_layer("districts")
            if not geo:
                ui.missing_boundaries_notice()
            title = (_("Conviction rate by district, cases reported in {period} (convictions ÷ concluded trials, %)")
                     if rate_key == "conviction_rate" else
                     _("Attrition by district, cases reported in {period} (% of cases without conviction)")).format(
                period=f.period)
            fig = ui.chart(maps.district_map, by_area, rate_key, "percent", title, text.short(rate_key) + " (%)", geo,
                           ui.boundary_layer("provinces"),
                           extra=[("trials", _("Trials concluded"), "count"),
                                  ("convictions", _("Convictions"), "count"),
                                  ("cases", _("Cases reported"), "count")])
            ui.plot(fig, key="gap_map", filename="conviction-rate-map")
        with table_col:
            ranked = by_area.sort_values(rate_key, ascending=rate_key == "attrition", na_position="last")
            ui.table(ranked, {"name": ("place", _("District")), "conviction_rate": ("percent", _("Conviction rate")),
                              "trials": ("count", _("Trials")), "convictions": ("count", _("Convictions")),
                              "province": ("place", _("Province"))}, height=520, key="gap_area_table")
    else:
        bars_col, table_col = st.columns([2, 3], gap="medium")
        with bars_col:
            ui.plot(ui.chart(charts.ranked_bars, by_area.assign(province=by_area["province"].map(i18n.place)),
                             "conviction_rate", "province",
                             _("Conviction rate by province, cases reported in {period} (%)").format(period=f.period),
                             _(RATE_AXIS), percent=True), key="gap_province_bars",
                    filename="conviction-rate-by-province")
        with table_col:
            ui.table(by_area, {"province": ("place", _("Province")), **{c: area_columns[c] for c in (
                "conviction_rate", "trials", "convictions", "attrition", "cases") if c in area_columns}},
                key="gap_area_table")
    st.caption(_("A rate is not shown when a count it needs is below 10. Attrition is the share of cases reported "
                 "that did not end in conviction.") if in_court["complete"] else
               _("A rate is not shown when a count it needs is below 10. Attrition is the share of cases reported "
                 "that did not end in conviction: it is shown for complete cohorts only, since for cases still in "
                 "court it would count pending trials as failures."))

    st.subheader(_("By offence and by the law used"))
    off_col, law_col = st.columns(2, gap="large")
    with off_col:
        by_offence = queries.stages_by(f, "offence")
        ui.plot(ui.chart(charts.ranked_bars, by_offence, "conviction_rate", "label",
                         _("Conviction rate by offence, {period} (%)").format(period=f.period), _(RATE_AXIS),
                         percent=True),
                key="gap_offence", filename="conviction-rate-by-offence")
    with law_col:
        by_law = queries.stages_by(f, "law_group")
        ui.plot(ui.chart(charts.ranked_bars, by_law, "conviction_rate", "label",
                         _("Conviction rate by the law cited, {period} (%)").format(period=f.period), _(RATE_AXIS),
                         percent=True, colour=charts.CATEGORICAL[2]),
                key="gap_law", filename="conviction-rate-by-law")
    with st.expander(_("Stage counts by offence and by law")):
        stage_cols = {"label": ("text", _("Group")), **area_columns}
        ui.table(by_offence, stage_cols, key="gap_offence_table")
        ui.table(by_law, stage_cols, key="gap_law_table")

    st.subheader(_("How trials end and how long they take"))
    out_col, time_col = st.columns(2, gap="large")
    with out_col:
        ui.plot(ui.chart(charts.stacked_outcomes, queries.trial_outcomes(f), f.period), key="gap_outcomes",
                filename="trial-outcomes")
        outcomes = queries.trial_outcomes(f)
        ui.table(outcomes, {"label": ("text", _("Outcome")), "value": ("count±", _("Trials")),
                            "share": ("percent", _("Share"))}, key="gap_outcome_table")
        st.caption(text.OUTCOME_SHARES_NOTE)
    with time_col:
        times = queries.verdict_time(f)
        ui.plot(ui.chart(charts.count_columns, times.assign(label=times["label"].map(_)), "label", "trials",
                         _("Time from FIR to verdict, concluded trials of cases reported in {period}").format(
                             period=f.period), _("concluded trials"), colour=charts.CATEGORICAL[3]),
                key="gap_time", filename="time-to-verdict")
        median = queries.median_months_to_verdict(f)
        st.caption(_("Median time from FIR to verdict: {months}. Bins with fewer than 10 trials show "
                     "“{suppressed}”.").format(months=text.months(median), suppressed=text.SUPPRESSED)
                   + " " + text.undated_trials(times.attrs.get("undated")))


# One view or the other, never st.stop(): the sidebar's copy link is drawn after the page.
if view == "period":
    period_view()
else:
    cohort_view()
