"""About and methods: sources and licences, definitions, the privacy method, limitations, ETL run history."""

import re

import streamlit as st

from tipdash import privacy, queries, text, ui

ui.current_filters()  # not used here, but routes a deep link through dashboard.py (see ui.current_filters)
ui.page_header("About and methods", intro=(
    "This dashboard counts cases of trafficking in persons and bonded labour in Pakistan recorded by police, the "
    "FIA, labour and social welfare departments, child protection bureaus, prosecutors and NGOs, after removing "
    "every direct identifier and merging cases two agencies both recorded."))

st.subheader("Sources and licences")
STANDING = [
    ("Agency case records", "Police, FIA, provincial labour and social welfare departments, child protection, "
     "prosecution and NGOs", "Shared under data-sharing agreements; published only as protected aggregates"),
    ("Population", text.CENSUS_SOURCE, "Public information; pbs.gov.pk"),
    ("TIP report tiers and reported figures", "US Department of State, Trafficking in Persons Reports",
     "Public domain (US government work); state.gov"),
    ("District and province boundaries", "OpenStreetMap", "© OpenStreetMap contributors, ODbL"),
    ("Country boundaries", "Natural Earth", "Public domain; made with Natural Earth"),
]
st.dataframe([{"What": w, "Source": s, "Licence / terms": lic} for w, s, lic in STANDING], hide_index=True,
             key="about_standing_sources")
st.markdown("**Attribution:** " + " · ".join(ui.attributions()))
refs = queries.sources()
if not refs.empty:
    st.markdown("**Reference tables in this warehouse**")
    config = {c: st.column_config.LinkColumn(c) for c in refs.columns if "url" in c.lower()}
    st.dataframe(refs, hide_index=True, column_config=config, key="about_ref_sources")

st.subheader("What each measure means")
st.markdown("\n".join(f"* **{r.Measure}** ({r.Unit}): {r.Definition}" for r in text.data_dictionary().itertuples()))
st.markdown(text.COHORT_NOTE + " " + text.SMUGGLING_EXPLAINED)

st.subheader("How privacy is protected")
doc = re.sub(r"``([^`]+)``", r"`\1`", privacy.__doc__ or "")
doc = re.sub(r":func:`([^`]+)`", r"`\1`", doc)
doc = doc.replace("`SUPPRESS_BELOW - 1`", str(privacy.SUPPRESS_BELOW - 1)).replace("`ROUNDING_BASE`",
                                                                                     str(privacy.ROUNDING_BASE))
st.markdown(doc)
st.markdown(
    "Before loading, names, CNIC numbers, phone numbers, addresses and free-text narratives are dropped on read; "
    "case references become keyed pseudonyms; dates are kept only as months and ages only as bands. A "
    "k-anonymity check on district, month, sex, age band, nationality and offence is recorded for every run below.")

st.subheader("Known limitations")
st.markdown("\n".join(f"* {item}" for item in text.LIMITATIONS))

st.subheader("ETL run history")
runs = queries.etl_runs()
if runs.empty:
    st.info("No ETL runs are recorded in this warehouse.")
else:
    st.dataframe(runs, hide_index=True, key="about_runs", column_config={
        "run_id": "Run", "started_at": st.column_config.DatetimeColumn("Started", format="YYYY-MM-DD HH:mm"),
        "finished_at": st.column_config.DatetimeColumn("Finished", format="YYYY-MM-DD HH:mm"),
        "is_demo": st.column_config.CheckboxColumn("Demo data"), "warehouse_version": "Warehouse version",
        "rows_read": st.column_config.NumberColumn("Rows read", format="localized"),
        "rows_loaded": st.column_config.NumberColumn("Rows loaded", format="localized"),
        "rows_rejected": st.column_config.NumberColumn("Rows rejected", format="localized"),
        "rows_merged": st.column_config.NumberColumn("Duplicates merged", format="localized"),
        "cases_loaded": st.column_config.NumberColumn("Cases loaded", format="localized"),
        "victims_loaded": st.column_config.NumberColumn("Victims loaded", format="localized"),
        "k_anonymity_min": "Smallest group (k)", "k_threshold": "k required", "files_read": "Files read",
    })
    st.caption("Rows rejected and unmatched districts are listed in each run's report for the data officer "
               "(not published, because it may quote raw values).")
