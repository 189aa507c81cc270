"""Explore and download: the release's tables as published, with each table's definition, margins and a citation."""

import datetime as dt

import streamlit as st

from tipcore import catalogue
from tipdash import queries, text, ui

f = ui.current_filters()
ui.page_header("Explore and download", f, "The public release is a fixed set of tables, like the data tables of "
               "an official statistics release. Choose one; the sidebar filters narrow it to the rows it holds. "
               "Every number carries its 95% margin.")

cat = queries.release_catalogue()
names = cat["table"].tolist()
st.session_state.setdefault("ex_table_name", names[0] if names else None)
name = st.selectbox("Table", names, key="ex_table_name",
                    format_func=lambda n: catalogue.TABLES[n].title)
spec = catalogue.TABLES[name]
row = cat.set_index("table").loc[name]
st.caption(f"Keys: {', '.join(spec.keys)} · one row for every combination, zeros included · "
           f"per-cell 95% margin: {row['margin']} · file `{row['file']}` of the release")

table = queries.release_table(name, f)
ignored = sorted(queries.filter_dims(f) - {"year", "kind"} - set(spec.keys)
                 - ({"province"} if "district_id" in spec.keys else set()))
if ignored:
    st.info("This table has no " + ", ".join(queries.DIM_WORDS.get(d, d) for d in ignored)
            + ": those filters are not applied to it.", icon=":material/filter_alt_off:")
if table.empty:
    ui.nothing_to_show(f)
    st.stop()

st.dataframe(table, hide_index=True, height=min(38 + 35 * len(table), 460), key="ex_table")
st.caption(f"{len(table):,} rows. Values are the released noisy counts, as published (they can be negative or "
           f"small where the true count is small); the dashboard shows values under 10 as “{text.SUPPRESSED}”. "
           "A sum of n cells has a margin of about √n times one cell's.")

notes = ui.notes_for(f"Release table {name}: {spec.title}", f)
ui.download_buttons(table, name, notes, list(spec.measures),
                    key="ex_download")

with st.expander("What each column means"):
    st.dataframe(
        [{"column": k, "meaning": catalogue.KEY_DESCRIPTIONS.get(k, "")} for k in spec.keys]
        + [{"column": m, "meaning": catalogue.MEASURES[m].description} for m in spec.measures]
        + [{"column": m + queries.MOE, "meaning": f"95% margin of {m} in one cell"} for m in spec.measures],
        hide_index=True, key="ex_dictionary")

with st.expander("Every table of the release"):
    st.dataframe(cat, hide_index=True, key="ex_catalogue")

s = ui.status()
st.markdown("**Suggested citation**")
st.code(text.citation(s.get("release_id"), dt.date.today().isoformat(), is_demo=s["is_demo"]),
        language=None, wrap_lines=True)
