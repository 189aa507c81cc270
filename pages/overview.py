"""Overview: headline numbers with their change, the trend, the worst-affected districts, Pakistan's TIP tier."""

import pandas as pd
import streamlit as st

from tipdash import charts, i18n, privacy, published_charts, queries, reference_facts, text, ui
from tipdash.i18n import _

f = ui.current_filters()
ui.page_header(_("Overview"), f)
ui.stop_if_unanswerable(f)

head = queries.headline(f).set_index("measure")
if text.is_zero(head.loc["cases", "value"]):
    ui.nothing_to_show(f)
    st.stop()

previous = f.previous().period
GOOD_WHEN_UP = {"firs", "charge_sheets", "convictions", "conviction_rate",  # more cases is neither good nor bad
                *(queries.PERIOD_OF[k] for k in ("firs", "charge_sheets", "convictions", "conviction_rate"))}
# Two rows of three: six tiles in one row cut their labels at 1366 px.
tiles = [c for _ in range(2) for c in st.columns(3)]
for col, (key, row) in zip(tiles, head.iterrows(), strict=True):
    if row["change_unit"] == "pp":
        value = text.with_margin(text.percent(row["value"]), row["moe"], " pp")
        delta = text.change_points(row["change"], missing="", minus="-")
    else:
        value = text.with_margin(text.count(row["value"]), row["moe"])
        delta = text.change_percent(row["change"], missing="", minus="-")
    if row["note"]:
        delta = _("not compared: {note}").format(note=row["note"])
    with col:
        ui.metric(text.short(key), value, delta or None, help=text.measure(key).definition + " " + _(
                  "Change is against {previous} (in per cent; percentage points for the rate). ± is the 95% "
                  "margin of the privacy noise.").format(previous=previous),
                  delta_color="normal" if key in GOOD_WHEN_UP else "off",
                  delta_description=_("vs {previous}").format(previous=previous))
view_note = _("Cases and victims: reported in the period.") + " " + text.PERIOD_NOTE \
    if head.attrs["view"] == "period" else text.COHORT_NOTE
st.caption(_("Change against the previous period of equal length ({previous}); “not shown” when the earlier "
             "number is under {base}.").format(previous=previous, base=privacy.RATE_MIN_BASE) + " " + view_note)
ui.smuggling_note(f)

left, right = st.columns([3, 2], gap="large")
with left:
    grain = st.segmented_control(_("Trend by"), ["year", "month"], default="year", key="ov_grain", required=True,
                                 format_func=lambda g: _("Year") if g == "year" else _("Month"))
    # By year, the steps are counted in the year they happened where the release holds it; by month (cohort only),
    # the later stages would fall towards zero at the end, so the monthly view shows cases and FIRs.
    if grain == "month":
        lines = ["cases", "firs"]
    elif queries.period_answerable(f):
        lines = ["cases", "period_firs", "period_charge_sheets", "period_convictions"]
    else:
        lines = ["cases", "firs", "charge_sheets"]
    trend = queries.trend(f, grain=grain, measures=tuple(lines))
    ui.plot(ui.chart(charts.trend_lines, trend, lines, grain, f.period), key="ov_trend",
            filename="cases-over-time")
with right:
    top = queries.top_districts(f, 10)
    top["label"] = [text.district_label(name, province) for name, province in zip(top["name"], top["province"],
                                                                                    strict=True)]
    ui.plot(ui.chart(charts.ranked_bars, top, "cases", "label",
                     _("Ten districts with most cases reported, {period}").format(period=f.period),
                     text.label("cases"), height=440), key="ov_top", filename="top-districts")

st.subheader(_("Pakistan in the US Trafficking in Persons report"))
tiers = reference_facts.tier_history("PAK")
tier_col, chart_col = st.columns([1, 3], gap="large")
with tier_col:
    if tiers.empty:
        st.info(_("The TIP report tiers are not in the warehouse yet."))
    else:
        latest = tiers.iloc[-1]
        before = tiers.iloc[-2]["tier"] if len(tiers) > 1 else None
        if before is None:
            change = None
        elif before == latest["tier"]:
            change = _("unchanged since {year}").format(year=int(tiers.iloc[-2]["report_year"]))
        else:
            change = _("{tier} in {year}").format(tier=text.tier(before), year=int(tiers.iloc[-2]["report_year"]))
        ui.metric(_("Tier in the {year} report").format(year=int(latest["report_year"])), text.tier(latest["tier"]),
                  help=_("US Department of State, Trafficking in Persons Report: Tier 1 meets the minimum standards "
                         "for eliminating trafficking; Tier 2 does not but makes significant efforts; the Watch List "
                         "and Tier 3 mark weaker efforts."))
        if change:
            st.caption(change[:1].upper() + change[1:] + ".")
        # The State Department's own narrative when the data has it; else the row's source, named as what it is.
        if isinstance(latest.get("narrative_url"), str):
            st.markdown("[" + _("The {year} TIP report on Pakistan (state.gov)").format(
                year=int(latest["report_year"])) + f"]({latest['narrative_url']})")
        if isinstance(latest.get("source_url"), str):
            st.markdown(_("Tier as recorded by:") + f" [{latest['source']}]({latest['source_url']})"
                        + ("" if latest.get("verified") else " · " + _("unverified")))
with chart_col:
    ui.plot(ui.chart(published_charts.tier_timeline, tiers), key="ov_tiers", filename="pakistan-tip-tier")

s = ui.status()
as_of = text.data_as_of(s["last_month"])
finished = i18n.date_time(pd.Timestamp(s["finished_at"])) if s.get("finished_at") is not None \
    and not pd.isna(s["finished_at"]) else _("unknown time")
st.caption(_("**Data as of {as_of}** (latest month reported) · ETL run `{run}` finished {finished} · release "
             "`{release}`").format(as_of=as_of, run=s.get("run_id") or _("unknown"), finished=finished,
                                   release=s.get("release_id") or _("unknown"))
           + (" · " + _("synthetic demo data") if s["is_demo"] else ""))
