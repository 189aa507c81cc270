"""About and methods: sources and licences, definitions, the privacy method, limitations, ETL run history."""

import streamlit as st

from tipcore import catalogue
from tipdash import citation, privacy, queries, reference_facts, text, ui

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
refs = reference_facts.sources()
if not refs.empty:
    st.markdown("**Reference tables in this warehouse**")
    config = {c: st.column_config.LinkColumn(c) for c in refs.columns if "url" in c.lower()}
    st.dataframe(refs, hide_index=True, column_config=config, key="about_ref_sources")

st.subheader("What each measure means")
st.markdown("\n".join(f"* **{r.Measure}** ({r.Unit}): {r.Definition}" for r in text.data_dictionary().itertuples()))
st.markdown(text.COHORT_NOTE + " " + text.SMUGGLING_EXPLAINED)

st.subheader("How privacy is protected")
s = ui.status()
st.markdown(text.PRIVACY_GUARANTEE)
st.markdown(
    f"**The method.** The dashboard never reads a case record. After each build, the ETL publishes a fixed set of "
    f"tables (the release), every combination of their keys included, zeros too, and adds random noise to every "
    f"number once, with the discrete Gaussian mechanism of the OpenDP library. The privacy unit is one case with "
    f"all its victims; victim counts include at most {catalogue.VICTIM_CLIP} victims per case. The privacy-loss "
    f"budget is ρ = {s.get('rho'):.2f} (zero-concentrated differential privacy) per report year for the tables "
    f"that follow the cases reported, and ρ = {s.get('rho_period') or 0:.2f} per year for the tables of what "
    f"happened in each year; one case's loss in a release is at most ρ = {s.get('rho_case') or 0:.2f}"
    + (f", about ε = {float(s['epsilon']):.2f} at δ = {s['delta']}" if s.get("epsilon") else "") + ". "
    "Everything on the pages, slides, briefs and downloads is computed from these released numbers only, so "
    "loading more pages reveals nothing more. Because each table has its own noise, a total and the sum of its "
    "parts can differ slightly; each figure is read from the coarsest table that holds it.")
st.markdown(privacy.__doc__.split("What this module adds is presentation:")[1].replace("``", "`"))
budget = queries.budget_by_year()
if not budget.empty:
    st.markdown("**Privacy loss spent per year** (over every release so far)")
    st.dataframe(budget, hide_index=True, key="about_budget")
st.markdown(
    "Before anything is stored, names, CNIC numbers, phone numbers, addresses and free-text narratives are dropped "
    "on read; case references become keyed pseudonyms; dates are kept only as months and ages only as bands. The "
    "record-level warehouse stays with the data officer and is never on the web server.")

st.subheader("Known limitations")
st.markdown("\n".join(f"* {item}" for item in text.LIMITATIONS))

st.subheader("This release")
st.markdown(f"Release **{s.get('release_id')}**, published {s.get('finished_at')}; data up to "
            f"{text.data_as_of(s.get('last_month'))}.")
st.caption("Rows read, rejected and merged by each build are in the build's report for the data officer, not here: "
           "they are exact counts of records.")

st.subheader("How to cite")
cite = ui.release_citation()
st.markdown("Cite the release the numbers came from, with the day you accessed it. Each table download carries "
            "the same citation (in its zip, its Excel sheet “citation” and its Parquet metadata). "
            + ("" if cite.url else f"No URL is given because {citation.NO_URL}. ")
            + "The software itself is cited by `CITATION.cff` in its repository.")
as_text, as_bibtex, as_ris = st.tabs(["Text", "BibTeX", "RIS"])
as_text.code(cite.text(), language=None, wrap_lines=True)
as_bibtex.code(cite.bibtex(), language="bibtex", wrap_lines=True)
as_ris.code(cite.ris(), language=None, wrap_lines=True)
