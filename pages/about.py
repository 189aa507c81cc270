"""About and methods: sources and licences, definitions, the privacy method, limitations, ETL run history."""

import streamlit as st

from tipcore import catalogue
from tipdash import citation, i18n, privacy, queries, reference_facts, text, ui
from tipdash.i18n import N_, _

ui.current_filters()  # not used here, but routes a deep link through dashboard.py (see ui.current_filters)
ui.page_header(_("About and methods"), intro=_(
    "This dashboard counts cases of trafficking in persons and bonded labour in Pakistan recorded by police, the "
    "FIA, labour and social welfare departments, child protection bureaus, prosecutors and NGOs, after removing "
    "every direct identifier and merging cases two agencies both recorded."))

st.subheader(_("Sources and licences"))
STANDING = [
    (N_("Agency case records"), N_("Police, FIA, provincial labour and social welfare departments, child protection, "
     "prosecution and NGOs"), N_("Shared under data-sharing agreements; published only as protected aggregates")),
    (N_("Population"), text.CENSUS_SOURCE, N_("Public information; pbs.gov.pk")),
    (N_("TIP report tiers and reported figures"), N_("US Department of State, Trafficking in Persons Reports"),
     N_("Public domain (US government work); state.gov")),
    (N_("District and province boundaries"), "OpenStreetMap", N_("© OpenStreetMap contributors, ODbL")),
    (N_("Country boundaries"), "Natural Earth", N_("Public domain; made with Natural Earth")),
]
# Static tables wrap their text (a data grid cuts the licence column off, and in Urdu hides its header too).
st.table([{_("What"): _(w), _("Source"): _(src), _("Licence / terms"): _(lic)} for w, src, lic in STANDING],
         hide_index=True)
st.markdown("**" + _("Attribution:") + "** " + " · ".join(text.ATTRIBUTIONS.values()))
# The reference tables' own columns; their descriptions and citations stay as the sources word them.
REF_HEADERS = {"table_name": N_("table"), "file": N_("file"), "description": N_("description"),
               "citation": N_("citation"), "licence": N_("licence"), "rows": N_("rows")}
refs = reference_facts.sources()
if not refs.empty:
    st.markdown("**" + _("Reference tables in this release") + "**")
    st.table(refs.rename(columns=lambda c: _(REF_HEADERS.get(c, c))), hide_index=True)

st.subheader(_("What each measure means"))
st.markdown("\n".join(f"* **{name}** ({unit}): {definition}"
                       for name, unit, definition in text.data_dictionary().itertuples(index=False)))
st.markdown(text.COHORT_NOTE + " " + text.SMUGGLING_EXPLAINED)

st.subheader(_("How privacy is protected"))
s = ui.status()
st.markdown(text.PRIVACY_GUARANTEE)
epsilon = _(", about ε = {epsilon} at δ = {delta}").format(epsilon=i18n.number(float(s["epsilon"]), 2),
                                                           delta=s["delta"]) if s.get("epsilon") else ""
st.markdown(_(
    "**The method.** The dashboard never reads a case record. After each build, the ETL publishes a fixed set of "
    "tables (the release), every combination of their keys included, zeros too, and adds random noise to every "
    "number once, with the discrete Gaussian mechanism of the OpenDP library. The privacy unit is one case with "
    "all its victims; victim counts include at most {clip} victims per case. The privacy-loss budget is ρ = {rho} "
    "(zero-concentrated differential privacy) per report year for the tables that follow the cases reported, and "
    "ρ = {rho_period} per year for the tables of what happened in each year; one case's loss in a release is at "
    "most ρ = {rho_case}{epsilon}. Everything on the pages, slides, briefs and downloads is computed from these "
    "released numbers only, so loading more pages reveals nothing more. Because each table has its own noise, a "
    "total and the sum of its parts can differ slightly; each figure is read from the coarsest table that holds "
    "it.").format(clip=catalogue.VICTIM_CLIP, rho=i18n.number(s.get("rho"), 2),
                  rho_period=i18n.number(s.get("rho_period") or 0, 2),
                  rho_case=i18n.number(s.get("rho_case") or 0, 2), epsilon=epsilon))
st.markdown(_(
    "* A sum of released numbers has a 95% margin that grows with the square root of the number of cells summed "
    "(each cell has its own, independent noise).\n"
    "* A released value below {below} is shown as “{suppressed}”: the noise may have made a 3 into a 7 or a −2, "
    "and a small number printed as if exact would mislead (it is not a secret: the release holds the value).\n"
    "* A rate is shown only when its base is at least {base}, with a margin from the two counts' noise, and only "
    "when that margin is at most {moe} percentage points.").format(
    below=privacy.SHOW_BELOW, suppressed=text.SUPPRESSED, base=privacy.RATE_MIN_BASE, moe=privacy.RATE_MOE_MAX))
# The ledger's columns as the release's manifest names them (English headers are those names).
BUDGET_HEADERS = {"tables": N_("tables"), "year": N_("year"), "rho": N_("rho"), "cumulative_rho": N_("cumulative_rho"),
                  "cumulative_epsilon": N_("cumulative_epsilon"), "frozen": N_("frozen")}
budget = queries.budget_by_year()
if not budget.empty:
    st.markdown(_("**Privacy loss spent per year** (over every release so far)"))
    st.dataframe(budget.assign(tables=budget["tables"].map(_)).rename(columns=lambda c: _(BUDGET_HEADERS.get(c, c))),
                 hide_index=True, key="about_budget")
st.markdown(_(
    "Before anything is stored, names, CNIC numbers, phone numbers, addresses and free-text narratives are dropped "
    "on read; case references become keyed pseudonyms; dates are kept only as months and ages only as bands. The "
    "record-level warehouse stays with the data officer and is never on the web server."))

st.subheader(_("Known limitations"))
st.markdown("\n".join(f"* {item}" for item in text.LIMITATIONS))

st.subheader(_("This release"))
st.markdown(_("Release **{release}**, published {published}; data up to {as_of}.").format(
    release=s.get("release_id"), published=i18n.isolate(str(s.get("finished_at"))),
    as_of=text.data_as_of(s.get("last_month"))))
st.caption(_("Rows read, rejected and merged by each build are in the build's report for the data officer, not here: "
             "they are exact counts of records."))

st.subheader(_("How to cite"))
cite = ui.release_citation()
st.markdown(_("Cite the release the numbers came from, with the day you accessed it. Each table download carries "
              "the same citation (in its zip, its Excel sheet “citation” and its Parquet metadata).")
            + ("" if cite.url else " " + _("No URL is given because {why}.").format(why=citation.NO_URL))
            + " " + _("The software itself is cited by `CITATION.cff` in its repository."))
as_text, as_bibtex, as_ris = st.tabs([_("Text"), "BibTeX", "RIS"])
as_text.container(key="rtl_about_citation").code(cite.text(), language=None, wrap_lines=True)
as_bibtex.code(cite.bibtex(), language="bibtex", wrap_lines=True)
as_ris.code(cite.ris(), language=None, wrap_lines=True)
