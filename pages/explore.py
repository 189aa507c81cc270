"""Explore and download: the release's tables as published, with each table's definition, margins and a citation."""

import datetime as dt

import streamlit as st

from tipcore import catalogue
from tipdash import downloads, i18n, queries, text, ui
from tipdash.i18n import N_, _

f = ui.current_filters()
ui.page_header(_("Explore and download"), f, _(
    "The public release is a fixed set of tables, like the data tables of an official statistics release. Choose "
    "one; the sidebar filters narrow it to the rows it holds. Every number carries its 95% margin."))

cat = queries.release_catalogue()
names = cat["table"].tolist()
titles = text.TABLE_TITLES
st.session_state.setdefault("ex_table_name", names[0] if names else None)
name = st.selectbox(_("Table"), names, key="ex_table_name", format_func=lambda n: titles[n])
spec = catalogue.TABLES[name]
row = cat.set_index("table").loc[name]
st.caption(_("Keys: {keys} · one row for every combination, zeros included · per-cell 95% margin: {margin} · file "
             "`{file}` of the release").format(keys=", ".join(spec.keys), margin=row["margin"], file=row["file"]))

table = queries.release_table(name, f)
ignored = sorted(queries.filter_dims(f) - {"year", "kind"} - set(spec.keys)
                 - ({"province"} if "district_id" in spec.keys else set()))
if ignored:
    st.info(_("This table has no {dimensions}: those filters are not applied to it.").format(
        dimensions=", ".join(text.filter_word(d) for d in ignored)), icon=":material/filter_alt_off:")
if table.empty:
    ui.nothing_to_show(f)
    st.stop()

st.dataframe(text.labelled_codes(table, ui.options().districts).rename(columns=text.column_header), hide_index=True,
             height=min(38 + 35 * len(table), 460), key="ex_table")
st.caption(_("{rows} rows. Values are the released noisy counts, as published (they can be negative or small where "
             "the true count is small); the dashboard shows values under 10 as “{suppressed}”. A sum of n cells has "
             "a margin of about √n times one cell's.").format(rows=i18n.number(len(table)),
                                                               suppressed=text.SUPPRESSED))

notes = ui.notes_for(_("Release table {name}: {title}").format(name=name, title=titles[name]), f)
ui.download_buttons(table, name, notes, list(spec.measures), key="ex_download")

# The columns of the downloaded files, defined as their definitions sheet and README define them.
with st.expander(_("What each column means")):
    st.dataframe(downloads.dictionary(table, name, list(spec.measures), notes.is_demo), hide_index=True,
                 key="ex_dictionary")

# The catalogue's columns as queries.release_catalogue names them (English headers are those names).
CATALOGUE_HEADERS = {"table": N_("table"), "title": N_("title"), "level": N_("level"), "keys": N_("keys"),
                     "measures": N_("measures"), "margin": N_("margin"), "file": N_("file")}
with st.expander(_("Every table of the release")):
    st.dataframe(cat.assign(title=cat["table"].map(titles)).rename(columns=lambda c: _(CATALOGUE_HEADERS[c])),
                 hide_index=True, key="ex_catalogue")

s = ui.status()
st.markdown("**" + _("Suggested citation") + "**")
st.container(key="rtl_explore_citation").code(
    text.citation(s.get("release_id"), dt.date.today().isoformat(), is_demo=s["is_demo"]), language=None,
    wrap_lines=True)
