"""Data coverage: which agency's data arrived for which months, how much of it the build could use, which fields it
left empty, and which districts no agency reported from. For officials and the data officers who serve them."""

import streamlit as st

from tipcore import catalogue
from tipdash import coverage_charts, coverage_queries, i18n, privacy, text, ui
from tipdash.i18n import _

f = ui.current_filters()
period = text.period(f.year_from, f.year_to)
ui.page_header(_("Data coverage"), None, _(
    "Which department's data is missing: for each agency, the months its records arrived, the rows its files held "
    "and what the build did with them, and the fields it left empty; and the districts from which no agency "
    "reported a case. Years {period} (from the sidebar; the other filters do not apply here). Counts are the "
    "release's protected counts, each with its 95% margin; no record and no rejected value is shown.").format(
    period=period))

agencies = coverage_queries.agencies()
if agencies.empty:
    st.info(_("This release has no coverage tables: it was built before they existed. Rebuild it with "
              "`python -m etl build`."), icon=":material/database:")
    st.stop()
silent = agencies[~agencies["files_received"].astype(bool)]
if not silent.empty:
    st.warning(_("No file arrived from: {agencies}.").format(agencies=", ".join(silent["name"])),
               icon=":material/folder_off:")

st.subheader(_("Months for which each agency's records arrived"))
ui.plot(ui.chart(coverage_charts.arrival_heatmap, coverage_queries.arrivals(f.year_from, f.year_to), period),
        key="cov_arrivals", filename="records-arrived-by-agency-and-month")
st.caption(_("A month is blue when the agency's released count of records for cases reported that month is above "
             "{times} times its 95% margin (noise alone almost never gets there). Pale is “{unclear}”: a small "
             "agency's quiet month and a month it sent nothing look alike, because whether a file held even one "
             "record of a month is itself a fact about a case.").format(
    times=coverage_queries.ARRIVAL_MARGINS, unclear=_(coverage_queries.UNCLEAR)))

st.subheader(_("Rows read, loaded, merged and rejected"))
summary = coverage_charts.summary_in_words(coverage_queries.agency_summary(f.year_from, f.year_to))
ui.table(summary, {
    "name": ("text", _("Agency")),
    "files_received": ("text", _("Any file received")),
    "months_arrived": ("text", _("Months arrived")),
    "latest_month": ("text", _("Latest month with records")),
    "read": ("count±", _("Rows read")),
    "loaded": ("count±", _("Loaded")),
    "merged": ("count±", _("Merged (repeats)")),
    "rejected": ("count±", _("Rejected")),
}, key="cov_rows")
st.caption(_("Rows: at most {clip} rows of one case are counted, so a raid of many victims in a victim-per-row "
             "register counts as that many. Merged: a repeat of a row or record already read. Rejected: no case "
             "reference, or no usable report date; the data officer's run report says which rows and why. Rows with "
             "no usable date are counted in the release's latest year.").format(clip=catalogue.ROW_CLIP))

st.subheader(_("Records that leave a field unrecorded"))
missing = coverage_charts.missing_in_words(coverage_queries.missing_fields(f.year_from, f.year_to))
ui.plot(ui.chart(coverage_charts.missing_share_bars, missing, period), key="cov_missing",
        filename="records-missing-fields-by-agency")
ui.table(missing, {
    "name": ("text", _("Agency")),
    "field_name": ("text", _("Field")),
    "missing": ("count±", _("Records missing it")),
    "records": ("count±", _("Records")),
    "share": ("percent±", _("Share missing")),
}, height=320, key="cov_missing_table")
st.caption(_("District: none matched the gazetteer. FIR date: a FIR was registered but its date is not given. "
             "Outcome: a concluded trial without its outcome. A share is shown when the agency's records are at "
             "least {base}, the missing ones at least {below}, and its margin at most ± {moe} percentage "
             "points.").format(base=privacy.RATE_MIN_BASE, below=privacy.SHOW_BELOW, moe=privacy.RATE_MOE_MAX))

st.subheader(_("Districts from which no agency reported a case"))
districts = coverage_queries.silent_districts(f.year_from, f.year_to)
if districts.empty:
    st.success(_("Every district has cases reported in {period} beyond the noise.").format(period=period),
               icon=":material/check_circle:")
else:
    ui.table(districts.assign(name=districts["name"].map(i18n.place), province=districts["province"].map(i18n.place)),
             {"name": ("text", _("District")), "province": ("text", _("Province")),
              "cases": ("count±", _("Cases released"))}, key="cov_districts")
    st.caption(_("{n} districts whose released count of cases in {period} is within its own 95% margin of zero: no "
                 "agency's records name them, or too few to tell apart from none.").format(n=len(districts),
                                                                                           period=period))
