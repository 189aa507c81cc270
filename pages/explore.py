"""Explore and download: any breakdown of the protected numbers, its SQL, the data dictionary and a citation."""

import datetime as dt
import json

import streamlit as st

from tipdash import queries, text, ui

f = ui.current_filters()
ui.page_header("Explore and download", f, "Choose how to break the numbers down and what to count. Every number "
               "is protected the same way as on the other pages.")

dim_col, measure_col = st.columns(2, gap="large")
# Widgets are seeded through session state (never a default= as well, which Streamlit warns about).
st.session_state.setdefault("ex_dims", ["year", "province"])
with dim_col:
    dims = st.multiselect("Break down by (up to 4)", list(text.DIMENSIONS), key="ex_dims",
                          format_func=text.DIMENSIONS.get, max_selections=4)
grain = queries.explore_grain(dims)
allowed = queries.VICTIM_MEASURES + ["referral_rate"] if grain == "victims" else queries.CASE_MEASURES
default = ["victims"] if grain == "victims" else ["cases", "firs", "convictions", "conviction_rate"]
chosen = st.session_state.get("ex_measures")
if chosen is None or any(m not in allowed for m in chosen):  # switching grain drops measures that no longer apply
    st.session_state["ex_measures"] = [m for m in (chosen or []) if m in allowed] or default
with measure_col:
    measures = st.multiselect("Measures", allowed, key="ex_measures", format_func=text.short)
if grain == "victims":
    st.caption("Victim sex or age band is chosen, so the table counts victims (one row per victim) and only "
               "victim measures apply.")
if not measures:
    st.info("Choose at least one measure.")
    st.stop()

table = queries.explore(f, tuple(dims), tuple(measures))
if table.empty:
    ui.nothing_to_show(f)
    st.stop()

kinds = {m: ("percent" if m in queries.RATES or m == "attrition" else "count") for m in measures}
columns = {d: ("text", text.DIMENSIONS[d]) for d in dims} | {m: (kinds[m], text.short(m)) for m in measures}
shown = table.head(queries.EXPLORE_ROW_LIMIT)
st.dataframe(ui.format_table(shown, columns), hide_index=True, height=420, key="ex_table")
st.caption(f"{len(shown):,} rows · {text.SUPPRESSION_NOTE}"
           + (f" Only the first {queries.EXPLORE_ROW_LIMIT:,} rows are shown and downloaded; add a filter or "
              "remove a breakdown." if len(table) > queries.EXPLORE_ROW_LIMIT else ""))
ui.smuggling_note(f)

export = shown.rename(columns={c: h for c, (_, h) in columns.items()})
counts = [text.short(m) for m in measures if kinds[m] == "count"]
notes = ui.notes_for("Table from the Explore page", f)
ui.download_buttons(export, "tip-dashboard-table", notes, counts, key="ex_download")

with st.expander("The SQL that produced this table"):
    sql, params, _ = queries.explore_sql(f, dims, measures)
    st.code(sql, language="sql")
    st.markdown("Parameter values (bound, never pasted into the SQL):")
    st.code(json.dumps(params, indent=2, ensure_ascii=False), language="json")
    st.caption("Each count comes with a cell key (`…__ckey`) that decides how it is rounded; the dashboard then "
               "suppresses counts under 10 and rounds the rest to a multiple of 5 before anything is shown.")

with st.expander("Data dictionary"):
    st.dataframe(text.data_dictionary(), hide_index=True, key="ex_dictionary")
    st.markdown("**Breakdowns:** " + "; ".join(f"{v}" for v in text.DIMENSIONS.values()) + ".")

s = ui.status()
st.markdown("**Suggested citation**")
st.code(text.citation(s.get("warehouse_version"), dt.date.today().isoformat(), is_demo=s["is_demo"]),
        language=None, wrap_lines=True)
