"""The public release's catalogue: which tables it holds, over which keys, with which measures.

The ETL builds exactly these tables (``etl/release.py``) and the dashboard answers only from them
(``tipdash/release.py``, ``tipdash/queries.py``). A question no table holds is not answered.

Every table covers the full public domain of its keys (every year of the release, every district of the gazetteer,
every code of the data contract), zeros included, so an absent row tells nothing. Each measure of each table is one
vector released once with OpenDP's discrete Gaussian mechanism; its noise scale follows from its share of the
privacy budget and from how much one case can change it (its sensitivity).

The privacy unit is one case: a case and all its victims. A case falls in exactly one key row of every table
(its report year or month, district, offence, ...), so it changes each case measure of a table by at most 1.

Two views of time (issue #12). The *cohort* tables (basis "report") follow the cases reported in a year: what became
of them, however late. The *period* tables (basis "event") count what happened in a year: FIRs registered, charge
sheets submitted, trials concluded and convictions in that year, whichever year the case was reported; this is what
governments and the US TIP Report count. A case has one FIR, one charge sheet and one verdict at most, so it moves
each period measure by at most 1 in one event year; the event years compose in parallel like the report years, with
a budget of their own (config.PRIVACY_RHO_PERIOD): one case's loss is its report year's plus its event years' largest.
Victim measures count at most ``VICTIM_CLIP`` victims per case (the first ones recorded), so a case with 40
victims moves a victim count by at most ``VICTIM_CLIP``; the excess is not counted, which the methods page says.

The coverage tables (issue #13: which agency's data arrived, how much of it the build could use, which fields it
left empty) count the agencies' rows and records, not cases. One case can fill rows and records in several
agencies' files, so each is bounded: at most ``ROW_CLIP`` rows of a case are counted (whatever their agency and
status), and a case is counted in at most ``AGENCY_CLIP`` agencies' records, once each. Their sensitivities
follow (``Measure.sensitivity``); docs/privacy.md gives the reasoning.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from tipcore import vocab

# Victims counted per case in every victim measure. Demo and reported data: most cases have 1-3 victims; raids
# with more are counted as VICTIM_CLIP (the bias is stated beside every victim figure).
VICTIM_CLIP = 5

# The contract's codes (tipcore.vocab), with "not recorded" as a key value of its own: a release row for it.
OFFENCES = (*vocab.OFFENCE_CODES, vocab.NOT_RECORDED)
SMUGGLING = vocab.SMUGGLING
KINDS = ("trafficking", "smuggling")  # smuggling of migrants is not trafficking: always apart
SCOPES = (*vocab.SCOPE_CODES, vocab.NOT_RECORDED)
AGENCY_TYPES = vocab.AGENCY_TYPE_CODES
SEXES = vocab.SEX_CODES
AGE_BANDS = (*vocab.AGE_BAND_CODES, vocab.NOT_RECORDED)
LAW_GROUPS = tuple(vocab.LAW_GROUPS)
# Whole months from FIR to verdict, for concluded trials: [low, high) bins, the last open.
# Coverage tables: rows of one case counted (all agencies and statuses together; the L1 and so the L2 bound), and
# agencies whose record of one case is counted (one record each). Demo data: a case is in at most 3 agencies' files,
# with 1-3 rows each; raids of many victims in victim-grain registers are the rows beyond ROW_CLIP.
ROW_CLIP = 4
AGENCY_CLIP = 4
ROW_STATUSES = ("loaded", "merged", "rejected")  # what the build did with a row
COVERAGE_FIELDS = ("district", "fir_date", "offence", "outcome")  # contract fields a record can leave unrecorded
VERDICT_BINS = ("0-5", "6-11", "12-23", "24-35", "36+", "not_recorded")
NO_PROVINCE = "Not recorded"  # cases whose district and province could not be matched


@dataclass(frozen=True)
class Measure:
    key: str
    description: str
    # What one case adds: case (1), victim (up to VICTIM_CLIP), row (up to ROW_CLIP rows over all its cells),
    # record (1 in each of up to AGENCY_CLIP agencies' cells), record_field (that, in each field's cell).
    per: str = "case"

    @property
    def sensitivity(self) -> int:
        """How far one case can move this measure's vector in L2 (the case measures: in one cell, so L1 too). A
        case that adds 1 to each of n cells moves the vector by the square root of n, rounded up."""
        cells = {"record": AGENCY_CLIP, "record_field": AGENCY_CLIP * len(COVERAGE_FIELDS)}
        if self.per in cells:
            return _ceil_sqrt(cells[self.per])
        return {"victim": VICTIM_CLIP, "row": ROW_CLIP}.get(self.per, 1)


def _ceil_sqrt(n: int) -> int:
    return math.isqrt(n - 1) + 1


MEASURES = {m.key: m for m in (
    Measure("cases", "cases reported in the period (complaint reached an agency)"),
    Measure("firs", "of those, cases with a First Information Report registered"),
    Measure("investigations", "of those, cases whose investigation was completed"),
    Measure("charge_sheets", "of those, cases with a charge sheet (challan) submitted to court"),
    Measure("trials", "of those, cases whose trial has concluded (convicted, acquitted or compromise)"),
    Measure("convictions", "of those, cases that ended in conviction"),
    Measure("acquittals", "of those, cases that ended in acquittal"),
    Measure("compromises", "of those, trials ended by compromise or the victim's withdrawal"),
    Measure("victims", f"victims in the cases (at most {VICTIM_CLIP} counted per case)", per="victim"),
    Measure("victims_referred", f"victims referred to services (at most {VICTIM_CLIP} per case)", per="victim"),
    Measure("period_firs", "FIRs registered in the year, whichever year the case was reported"),
    Measure("period_charge_sheets", "charge sheets (challans) submitted to court in the year"),
    Measure("period_trials", "trials concluded in the year (convicted, acquitted or compromise)"),
    Measure("period_convictions", "convictions in the year"),
    Measure("agency_records", "the agency's records of cases reported in the month (one agency's record of a case, "
                              f"all its rows; a case counts in at most {AGENCY_CLIP} agencies)", per="record"),
    Measure("rows", f"data rows of the agency's files (at most {ROW_CLIP} rows of one case counted)", per="row"),
    Measure("records_missing", "the agency's loaded records that leave the field unrecorded (a FIR date: of "
                               "records with a FIR registered)", per="record_field"),
)}


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    keys: tuple[str, ...]
    measures: tuple[str, ...]
    share: float  # of the per-year privacy budget of its basis; each basis's shares add up to 1
    level: str  # national | province | district: the coarsest table holding a question answers it
    basis: str = "report"  # report: "year" is the year the case was reported; event: the year the event happened

    @property
    def vectors(self) -> int:
        return len(self.measures)


FUNNEL = ("cases", "firs", "investigations", "charge_sheets", "trials", "convictions", "acquittals", "compromises")

STAGES = ("cases", "firs", "charge_sheets", "trials", "convictions")
PERIOD = ("period_firs", "period_charge_sheets", "period_trials", "period_convictions")
BASES = ("report", "event")
VICTIMS = ("victims", "victims_referred")

# Totals come from tables without breakdowns they do not need: a national yearly count is one released cell, not
# a sum of thirty offence-by-scope cells, each with its own noise. Case counts of provinces and districts, the
# figures maps and rankings rest on, have one-measure tables of their own with a large share (measured in
# docs/privacy.md: with them, district three-year totals rank as the truth does at Spearman 0.96). The national
# funnel's shares are the headline of the conviction gap, so `national_year` has enough to keep them within ±1 point.
# The shares of the case tables below are of what the coverage tables leave (CASES_SHARE): their ratios stay.
_CASE_TABLES = (
    Table("national_year", "Pakistan: cases, stages and victims by year",
          ("year", "kind"), FUNNEL + VICTIMS, 0.10, "national"),
    Table("national_year_offence", "Pakistan: cases, stages and victims by year, offence and scope",
          ("year", "offence", "scope"), FUNNEL + ("victims",), 0.05, "national"),
    Table("province_year_total", "Provinces: cases by year", ("province", "year", "kind"), ("cases",), 0.11,
          "province"),
    Table("province_year", "Provinces: cases, stages and victims by year",
          ("province", "year", "kind"), FUNNEL + VICTIMS, 0.10, "province"),
    Table("province_year_offence", "Provinces: cases and stages by year, offence and scope",
          ("province", "year", "offence", "scope"), STAGES, 0.04, "province"),
    Table("district_year_total", "Districts: cases by year", ("district_id", "year", "kind"), ("cases",), 0.20,
          "district"),
    Table("district_year", "Districts: cases, stages and victims by year",
          ("district_id", "year", "kind"), STAGES + ("victims",), 0.13, "district"),
    Table("district_year_offence", "Districts: cases by year and offence",
          ("district_id", "year", "offence"), ("cases",), 0.05, "district"),
    Table("national_month", "Pakistan: cases and stages by month reported",
          ("month", "kind"), ("cases", "firs", "charge_sheets", "convictions"), 0.04, "national"),
    Table("province_year_agency", "Provinces: cases and stages by type of agency",
          ("province", "year", "agency_type", "kind"), STAGES, 0.05, "province"),
    Table("province_year_law", "Provinces: cases and stages by the law the case was brought under",
          ("province", "year", "law_group", "kind"), STAGES, 0.04, "province"),
    Table("province_year_verdict_time", "Provinces: concluded trials by months from FIR to verdict",
          ("province", "year", "kind", "verdict_months"), ("trials",), 0.03, "province"),
    Table("national_year_victims", "Pakistan: victims by offence, sex and age band",
          ("year", "offence", "sex", "age_band"), ("victims",), 0.03, "national"),
    Table("province_year_victims", "Provinces: victims by sex and age band",
          ("province", "year", "kind", "sex", "age_band"), ("victims",), 0.03, "province"),
)
# Which agency's data arrived and how usable it was (issue #13): counts of the agencies' rows and records, by the
# year (or month) their case was reported. Agency-level, so national; the page sums years, never districts.
_COVERAGE_TABLES = (
    Table("coverage_agency_month", "Agencies: records received, by month reported",
          ("agency", "month"), ("agency_records",), 0.04, "national"),
    Table("coverage_agency_rows", "Agencies: rows read, by year and what the build did with them",
          ("agency", "year", "row_status"), ("rows",), 0.02, "national"),
    Table("coverage_agency_fields", "Agencies: loaded records that leave a field unrecorded, by year",
          ("agency", "year", "field"), ("records_missing",), 0.03, "national"),
)
CASES_SHARE = 1 - sum(t.share for t in _COVERAGE_TABLES)
# Aggregate returns (issue #13): an agency's own unpublished return is protected like any count drawn from records.
# It counts what happened in a period (a return's "convictions" of 2024 are the convictions in 2024), so it is charged
# to event years with the period tables, and takes RETURNS_SHARE of their budget; they keep their ratio in the rest.
# The privacy unit is still one case. A return counts a case at most once per measure, in one area and period, so
# it moves one cell of a measure by 1, or, where the return writes small counts as "<N" (counted as N // 2), by up to
# N - N // 2 (a 5 becomes "<5", counted 2). Several returns may count the same case, so the vector of every return's
# cells moves by at most the root of the sum of their squares (``return_sensitivity``). Only the case measures are
# released: a return's victim count has no bound per case the ETL could enforce (one raid frees forty labourers).
# Returns an agency has published are not here: they are shown as published (etl/release.py).
RETURNS_SHARE = 0.3
RETURN_MEASURES = ("cases", "period_firs", "period_charge_sheets", "period_trials", "period_convictions")
# A return's own measure names (etl.layouts.RETURN_MEASURES) -> the release's.
RETURN_MEASURE_OF = dict(zip(("cases", "firs", "charge_sheets", "trials", "convictions"), RETURN_MEASURES,
                             strict=True))


def return_sensitivity(belows: list[int | None]) -> int:
    """How far one case can move a measure of a returns table in L2 (rounded up to a whole number, as the
    mechanism takes it): each unpublished return, given its "<N" (None: it writes exact counts), moves its own
    cell by 1 or by N - N // 2; a case may be in all of them. At least 1, so an empty table has a plan too."""
    squares = sum((1 if below is None else below - below // 2) ** 2 for below in belows)
    return max(1, _ceil_sqrt(squares)) if squares else 1
TABLES = {t.name: t for t in (
    *(replace(t, share=t.share * CASES_SHARE) for t in _CASE_TABLES),
    *_COVERAGE_TABLES,
    # The period view: what happened in each year.
    Table("national_period", "Pakistan: FIRs, charge sheets, concluded trials and convictions in each year",
          ("year", "kind"), PERIOD, 0.4 * (1 - RETURNS_SHARE), "national", basis="event"),
    Table("province_period", "Provinces: FIRs, charge sheets, concluded trials and convictions in each year",
          ("province", "year", "kind"), PERIOD, 0.6 * (1 - RETURNS_SHARE), "province", basis="event"),
    # A return by district is released by district and, apart, by province: summed from noisy districts, a
    # province's figure would carry the noise of all its districts (about six times the margin in Punjab).
    Table("returns_district_year", "Agencies' unpublished returns: their counts by district and year, protected",
          ("return_source", "district_id", "year"), RETURN_MEASURES, RETURNS_SHARE / 2, "district", basis="event"),
    Table("returns_province_year", "Agencies' unpublished returns: their counts by province and year, protected",
          ("return_source", "province", "year"), RETURN_MEASURES, RETURNS_SHARE / 2, "province", basis="event"),
)}

KEY_DESCRIPTIONS = {
    "year": "year the complaint reached the agency",
    "month": "month the complaint reached the agency (first day of the month)",
    "province": f"province or region; '{NO_PROVINCE}' when neither district nor province could be matched",
    "district_id": "district id of the gazetteer (data/reference/districts.csv); cases with no district matched "
                   "are counted in their province and Pakistan only",
    "offence": "form of exploitation (data contract codes; migrant_smuggling is not trafficking)",
    "kind": "trafficking (every offence but smuggling of migrants) or smuggling",
    "scope": "internal or transnational",
    "agency_type": "type of agency whose record was kept",
    "law_group": "the special law the case was brought under",
    "sex": "victim's sex",
    "age_band": "victim's age band (CTDC bands)",
    "verdict_months": "whole months from FIR to verdict",
    "agency": "the agency's source layout (etl/sources/<agency>.toml; names in coverage/agencies.csv)",
    "row_status": "what the build did with the row: loaded, merged (a repeat of a row or record already read) or "
                  "rejected (the run report, kept by the data officer, says why)",
    "field": "the contract field left unrecorded: district (none matched), fir_date, offence or outcome",
    "return_source": "the agency's unpublished aggregate return (its source layout; names in returns/sources.csv)",
}


def tables_of(basis: str) -> list[Table]:
    return [t for t in TABLES.values() if t.basis == basis]


def year_meaning(table: Table) -> str:
    """What the key "year" of a table means: the report year (cohort) or the event's year (period)."""
    if "return_source" in table.keys:
        return "the year the return's figures count (a monthly return's months summed into their year)"
    return KEY_DESCRIPTIONS["year"] if table.basis == "report" else \
        "year in which the FIR, charge sheet or verdict counted happened"


def budget_check() -> None:
    for basis in BASES:
        total = sum(t.share for t in tables_of(basis))
        if abs(total - 1) > 1e-9:
            raise ValueError(f"release budget shares of the {basis} tables add up to {total}, not 1")


budget_check()
