"""Overview: headline numbers with their change, the trend, the worst-affected districts, Pakistan's TIP tier."""

import pandas as pd
import streamlit as st

from tipdash import charts, privacy, published_charts, queries, reference_facts, text, ui

f = ui.current_filters()
ui.page_header("Overview", f)
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
        delta = f"not compared: {row['note']}"
    with col:
        ui.metric(text.short(key), value, delta or None, help=f"{text.measure(key).definition} "
                  f"Change is against {previous} (in per cent; percentage points for the rate). ± is the 95% "
                  "margin of the privacy noise.",
                  delta_color="normal" if key in GOOD_WHEN_UP else "off", delta_description=f"vs {previous}")
view_note = f"Cases and victims: reported in the period. {text.PERIOD_NOTE}" if head.attrs["view"] == "period" \
    else text.COHORT_NOTE
st.caption(f"Change against the previous period of equal length ({previous}); “not shown” when the earlier "
           f"number is under {privacy.RATE_MIN_BASE}. {view_note}")
ui.smuggling_note(f)

left, right = st.columns([3, 2], gap="large")
with left:
    grain = st.segmented_control("Trend by", ["year", "month"], default="year", key="ov_grain", required=True,
                                 format_func=lambda g: "Year" if g == "year" else "Month")
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
    top["label"] = top["name"] + " (" + top["province"] + ")"
    ui.plot(ui.chart(charts.ranked_bars, top, "cases", "label", f"Ten districts with most cases reported, {f.period}",
                               "cases reported", height=440), key="ov_top", filename="top-districts")

st.subheader("Pakistan in the US Trafficking in Persons report")
tiers = reference_facts.tier_history("PAK")
tier_col, chart_col = st.columns([1, 3], gap="large")
with tier_col:
    if tiers.empty:
        st.info("The TIP report tiers are not in the warehouse yet.")
    else:
        latest = tiers.iloc[-1]
        before = tiers.iloc[-2]["tier"] if len(tiers) > 1 else None
        if before is None:
            change = None
        elif before == latest["tier"]:
            change = f"unchanged since {int(tiers.iloc[-2]['report_year'])}"
        else:
            change = f"{before} in {int(tiers.iloc[-2]['report_year'])}"
        ui.metric(f"Tier in the {int(latest['report_year'])} report", str(latest["tier"]),
                  help="US Department of State, Trafficking in Persons Report: Tier 1 meets the minimum standards "
                       "for eliminating trafficking; Tier 2 does not but makes significant efforts; the Watch List "
                       "and Tier 3 mark weaker efforts.")
        if change:
            st.caption(change[:1].upper() + change[1:] + ".")
        # The State Department's own narrative when the data has it; else the row's source, named as what it is.
        if isinstance(latest.get("narrative_url"), str):
            st.markdown(f"[The {int(latest['report_year'])} TIP report on Pakistan (state.gov)]"
                        f"({latest['narrative_url']})")
        if isinstance(latest.get("source_url"), str):
            st.markdown(f"Tier as recorded by: [{latest['source']}]({latest['source_url']})"
                        + ("" if latest.get("verified") else " · unverified"))
with chart_col:
    ui.plot(ui.chart(published_charts.tier_timeline, tiers), key="ov_tiers", filename="pakistan-tip-tier")

s = ui.status()
as_of = text.data_as_of(s["last_month"])
finished = pd.Timestamp(s["finished_at"]).strftime("%d %b %Y %H:%M") if s.get("finished_at") is not None \
    and not pd.isna(s["finished_at"]) else "unknown time"
st.caption(f"**Data as of {as_of}** (latest month reported) · ETL run `{s.get('run_id') or 'unknown'}` finished "
           f"{finished} · release `{s.get('release_id') or 'unknown'}`"
           + (" · synthetic demo data" if s["is_demo"] else ""))
