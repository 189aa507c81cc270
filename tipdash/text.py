"""Every label, measure name, definition and number format the dashboard shows, in one place.

Labels, tooltips, the data dictionary and the About page all read from here, so a measure is called the same
thing everywhere and is defined once.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tipcore import vocab
from tipdash import privacy

APP_TITLE = "Trafficking in persons and bonded labour in Pakistan"
APP_SHORT = "TIP dashboard"

SUPPRESSED = privacy.SUPPRESSED_LABEL  # "<10"
NOT_AVAILABLE = "not available"
NOT_RECORDED = vocab.NOT_RECORDED_TEXT  # "not recorded"

DEMO_BANNER = (
    "**Synthetic demo data.** Every case on this dashboard is invented by a random generator to show how the "
    "dashboard works. None of it describes a real person, district or agency record."
)
DEMO_NOTE = "Synthetic demo data: invented records, not real cases. Do not cite as evidence."

CENSUS_SOURCE = "Pakistan Bureau of Statistics, Census 2023"
PER_100K = "per 100,000 people"
SUPPRESSION_NOTE = (
    f"Every count carries random noise added once for privacy (± shows its 95% margin); counts under "
    f"{privacy.SHOW_BELOW} are shown as “{SUPPRESSED}”."
)
PRIVACY_GUARANTEE = (
    "**What is guaranteed.** No one can learn from this dashboard whether any one person's case is in it, beyond "
    "a small, stated margin: every number shown is computed from a public release protected once with "
    "differential privacy, so no page, filter, download or number of visits can single out a case."
)
COHORT_NOTE = (
    "Stages are counted for the cases reported in the period, whenever the later stage happened: a case reported "
    "in 2021 and convicted in 2023 counts as a 2021 conviction."
)
PERIOD_NOTE = (
    "Counted in the year each step happened, whichever year the case was reported: a case reported in 2021 and "
    "convicted in 2023 is a 2023 conviction. This is how governments and the US TIP Report count."
)
PERIOD_TILES = ("FIRs, charge sheets and convictions in the tiles are counted in the year they happened, as the TIP "
                "Report counts them; the funnel follows the cases reported in the period.")
# The two views of time (issue #12): their names in controls, and what each answers.
VIEWS = {
    "period": "What happened each year",
    "cohort": "What became of the cases reported",
}
STILL_IN_COURT = "still in court"


def in_court_fact(share, period: str) -> str:
    """'43.0% of the charge-sheeted cases reported in 2023–2025 still await a verdict.' (one wording)."""
    return f"{percent(share)} of the charge-sheeted cases reported in {period} still await a verdict."


def in_court_note(share, period: str) -> str:
    """The fact, and how to read it, where the dashboard offers the other views."""
    return (in_court_fact(share, period)[:-1] + ", so their convictions are not yet known: this is not a conviction "
            f"rate. Compare cohorts that are complete, or see “{VIEWS['period']}”.")


@dataclass(frozen=True)
class Measure:
    key: str
    label: str  # as a user says it, lower case, used inside sentences and titles
    definition: str
    unit: str = "count"  # count | percent | rate | months | percentage points

    @property
    def title(self) -> str:
        return self.label[:1].upper() + self.label[1:]


_MEASURES = [
    Measure("cases", "cases reported",
            "Cases of trafficking in persons or bonded labour whose complaint reached an agency in the period "
            "(by month reported). A case reported by several agencies is counted once (merged by FIR number)."),
    Measure("victims", "victims", "Victims in the cases reported. A case can have several victims."),
    Measure("firs", "FIRs registered",
            "Cases for which the police registered a First Information Report (FIR), the step that opens a "
            "criminal case."),
    Measure("investigations", "investigations completed", "Cases whose police investigation was completed."),
    Measure("charge_sheets", "charge sheets submitted",
            "Cases whose charge sheet (challan) was submitted to court, the step that starts a prosecution."),
    Measure("trials", "trials concluded",
            "Cases whose trial ended with a verdict: conviction, acquittal, or compromise/victim withdrew."),
    Measure("convictions", "convictions", "Cases in which at least one accused was convicted."),
    Measure("acquittals", "acquittals", "Concluded trials that ended in acquittal."),
    Measure("compromises", "compromise or victim withdrew",
            "Concluded trials that ended because the parties compromised or the victim withdrew."),
    Measure("victims_referred", "victims referred to services",
            "Victims referred to shelter, medical, legal or rehabilitation services."),
    Measure("period_firs", "FIRs registered in the year",
            "First Information Reports registered in the year, whichever year the complaint was reported."),
    Measure("period_charge_sheets", "charge sheets submitted in the year",
            "Charge sheets (challans) submitted to court in the year, whichever year the case was reported."),
    Measure("period_trials", "trials concluded in the year",
            "Trials that ended with a verdict in the year (conviction, acquittal, or compromise/victim withdrew)."),
    Measure("period_convictions", "convictions in the year",
            "Cases in which at least one accused was convicted in the year, whichever year the case was reported."),
    Measure("period_conviction_rate", "conviction rate in the year (convictions ÷ trials concluded in the year)",
            "Convictions in the year as a share of the trials concluded in the year, in per cent.", "percent"),
    Measure("share_in_court", "share still in court (charge-sheeted cases awaiting a verdict)",
            "Of the cases reported in the period that were charge-sheeted, the share with no verdict yet, in per "
            "cent. Their convictions are not yet known.", "percent"),
    Measure("conviction_rate", "conviction rate (convictions ÷ concluded trials)",
            "Convictions as a share of concluded trials, in per cent.", "percent"),
    Measure("fir_rate", "share of complaints registered as FIRs (FIRs ÷ cases reported)",
            "FIRs registered as a share of cases reported, in per cent.", "percent"),
    Measure("charge_sheet_rate", "charge-sheet rate (charge sheets ÷ FIRs)",
            "Charge sheets submitted as a share of FIRs registered, in per cent.", "percent"),
    Measure("referral_rate", "share of victims referred to services (referred ÷ victims)",
            "Victims referred to services as a share of all victims, in per cent. A victim whose referral was "
            "not recorded counts as not referred.", "percent"),
    Measure("attrition", "attrition (cases reported without a conviction)",
            "The share of cases reported that did not end in a conviction, in per cent.", "percent"),
    Measure("cases_per_100k", f"cases reported {PER_100K} a year",
            f"Cases reported per 100,000 residents a year, averaged over the years selected ({CENSUS_SOURCE}). "
            "Not available for Azad Jammu & Kashmir and Gilgit-Baltistan, for which the census publishes no "
            "district figures.", "rate"),
    Measure("victims_per_100k", f"victims {PER_100K} a year",
            f"Victims per 100,000 residents a year, averaged over the years selected ({CENSUS_SOURCE}). "
            "Not available for AJK and Gilgit-Baltistan.", "rate"),
    Measure("change", "change vs previous period",
            "Change against the previous period of equal length (for 2022–2023: 2020–2021), in per cent of the "
            "previous value. Computed from released numbers; not shown when the previous value is below 20.",
            "percent"),
    Measure("months_to_verdict", "months from FIR to verdict",
            "Whole months from the FIR to the verdict, for concluded trials. The median is the middle case.",
            "months"),
    # Data coverage (pages/coverage.py): what the agencies' files held, not cases.
    Measure("agency_records", "agency records received",
            "One agency's record of a case (all its rows), counted in the month the case was reported. A case "
            "that several agencies reported is a record of each."),
    Measure("rows", "rows read",
            "Data rows of an agency's files, by what the build did with them: loaded, merged (a repeat of a row "
            "or record already read) or rejected (no case reference or no usable report date)."),
    Measure("records_missing", "records missing the field",
            "An agency's loaded records that leave the field unrecorded: no district matched, no FIR date for a "
            "FIR registered, no offence, or no outcome for a concluded trial."),
]
MEASURES: dict[str, Measure] = {m.key: m for m in _MEASURES}


# Short names where space is tight (headline tiles); the full label is their tooltip.
SHORT = {
    "cases": "Cases reported", "victims": "Victims", "firs": "FIRs registered", "charge_sheets": "Charge sheets",
    "trials": "Trials concluded", "convictions": "Convictions", "conviction_rate": "Conviction rate",
    "fir_rate": "Registered as FIR", "charge_sheet_rate": "Charge-sheet rate", "referral_rate": "Referred to services",
    "attrition": "Attrition", "cases_per_100k": "Cases per 100,000 a year", "victims_per_100k":
    "Victims per 100,000 a year", "change": "Change vs previous period", "months_to_verdict": "Months to verdict",
    "victims_referred": "Victims referred", "acquittals": "Acquittals", "compromises": "Compromise/withdrawn",
    "investigations": "Investigations completed", "period_firs": "FIRs registered", "period_charge_sheets":
    "Charge sheets submitted", "period_trials": "Trials concluded", "period_convictions": "Convictions",
    "period_conviction_rate": "Conviction rate", "share_in_court": "Still in court",
}


def short(key: str) -> str:
    return SHORT.get(key, MEASURES[key].title)


def measure(key: str) -> Measure:
    return MEASURES[key]


def label(key: str) -> str:
    return MEASURES[key].label


def title(key: str) -> str:
    return MEASURES[key].title


# Code lists (data/README.md, declared in tipcore.vocab). Keys are the warehouse codes (NOT_RECORDED where the
# warehouse has NULL); values are what people read.
OFFENCES = {**vocab.OFFENCES, vocab.NOT_RECORDED: vocab.not_recorded("Offence")}
SMUGGLING = vocab.SMUGGLING
SMUGGLING_LABEL = vocab.SMUGGLING_LABEL
SMUGGLING_EXPLAINED = (
    "Smuggling of migrants (Prevention of Smuggling of Migrants Act 2018) is not trafficking: the person "
    "smuggled consents to crossing a border. It is left out of every number unless you include it in the sidebar, "
    "and then it is counted apart."
)
SEXES = dict(vocab.SEXES)
AGE_BANDS = {b: b for b in vocab.AGE_BAND_CODES}
AGE_BANDS_LABELS = dict(vocab.AGE_BANDS)
SCOPES = {**vocab.SCOPES, vocab.NOT_RECORDED: vocab.not_recorded("Scope")}
STAGES = dict(vocab.STAGES)
OUTCOMES = {**vocab.OUTCOMES, vocab.NOT_RECORDED: vocab.not_recorded("Outcome")}
LAW_GROUPS = dict(vocab.LAW_GROUPS)
AGENCY_TYPES = dict(vocab.AGENCY_TYPES)
GOV_INDICATORS = {
    "investigations": "Investigations",
    "prosecutions": "Prosecutions",
    "convictions": "Convictions",
    "victims_identified": "Victims identified",
}

# Explore page dimensions: key -> label (the SQL behind each lives in queries.py).
# Funnel stages in order: measure key of each.
FUNNEL = ["cases", "firs", "charge_sheets", "trials", "convictions"]

LIMITATIONS = [
    ("**Reported cases are not prevalence.** A district with many cases may have agencies that record well, "
     "not more trafficking. Few cases can mean little trafficking or little reporting."),
    "**Smuggling of migrants is not trafficking.** It is excluded by default and always counted apart.",
    ("**Duplicates across agencies are merged by FIR number.** A case two agencies recorded without the same FIR "
     "number is counted twice; a case without an FIR cannot be matched across agencies."),
    ("**Stages follow the cohort of cases reported.** Recent years look worse on convictions because their trials "
     "have not ended yet."),
    ("**Population rates use the 2023 census** for every year; the census publishes no district figures for Azad "
     "Jammu & Kashmir and Gilgit-Baltistan, so their rates are not available."),
    ("**Districts.** Agencies' district names are matched to the 2023 gazetteer; a case whose district is unknown "
     "counts in its province and in Pakistan, not in any district."),
    ("**Every number carries noise added for privacy.** Each table of the release has its own noise, so parts "
     "may not add up exactly to totals; the ± beside a number is its 95% margin."),
]


# Number and period formats -----------------------------------------------------------------------------------


is_missing = privacy.is_missing


def is_zero(value) -> bool:
    """A shown count of exactly 0 (one under 10 is shown as "<10", not as 0)."""
    return not is_missing(value) and value == 0


def period(year_from: int, year_to: int) -> str:
    """'2019–2024' (en dash), or '2023' for a single year."""
    return str(year_from) if year_from == year_to else f"{year_from}–{year_to}"


def count(value) -> str:
    """A released count: thousands separators, '<10' below the display threshold."""
    return privacy.format_count(value)


def count_words(value) -> str:
    """A released count inside a sentence: 'fewer than 10' below the display threshold."""
    return f"fewer than {privacy.SHOW_BELOW}" if is_missing(value) else count(value)


def funnel_lead(funnel: pd.DataFrame, period: str | None = None, complete: bool = True) -> str:
    """'Of 30 cases reported in 2023–2025, fewer than 10 ended in conviction.' from queries.funnel's stages; for
    cohorts still in court, 'have ended in conviction so far' and no share (it is not a conviction rate)."""
    reported, convicted = funnel["value"].iloc[0], funnel["value"].iloc[-1]
    share = funnel["share_of_reported"].iloc[-1]
    when = f" in {period}" if period else ""
    if not complete:
        return f"Of {count_words(reported)} cases reported{when}, {count_words(convicted)} have ended in conviction " \
               "so far."
    return (f"Of {count_words(reported)} cases reported{when}, {count_words(convicted)} ended in conviction"
            + ("." if is_missing(share) else f" ({percent(share)})."))


OUTCOME_SHARES_NOTE = ("Shares are of the released total of concluded trials; each count carries its own privacy "
                       "noise, so the shares need not add up to exactly 100%.")


def undated_trials(count) -> str:
    """What the time-to-verdict bins leave out."""
    if is_missing(count):
        return "Trials without an FIR or verdict date are in no bin (fewer than 10 here)."
    return f"{count_words(count)} concluded trials without an FIR or verdict date are in no bin."


def data_as_of(last_month) -> str:
    """The latest month reported, as every page, slide and brief says it: 'December 2025' ('unknown' if none)."""
    return "unknown" if is_missing(last_month) else pd.Timestamp(last_month).strftime("%B %Y")


def smuggling_sentence(count, included: bool) -> str:
    """One wording of whether smuggling of migrants is in the numbers (page, slide and brief)."""
    if included:
        return f"Smuggling of migrants is included in these numbers ({count_words(count)} cases)."
    return f"Not included: {count_words(count)} cases of smuggling of migrants in the same period (not trafficking)."


def stage_loss(stage: str, share_lost, complete: bool = True) -> str:
    """What the funnel says beside a stage (one wording for page, slide and brief): '39% lost'; at conviction,
    '17% not convicted' (acquittals and compromises, not losses); for a cohort still in court, no loss at the
    verdict stages."""
    if stage == "cases":
        return ""
    if not complete and stage in ("trials", "convictions"):
        return STILL_IN_COURT
    if is_missing(share_lost):
        return ""
    return f"{float(share_lost):.0f}% " + ("not convicted" if stage == "convictions" else "lost")


def period_lead(row: pd.Series, period: str) -> str:
    """'In 2023–2025, 540 FIRs were registered, ... and 70 trials ended in conviction (35% of trials concluded).'"""
    rate = row.get("period_conviction_rate")
    return (f"In {period}, {count_words(row['period_firs'])} FIRs were registered, "
            f"{count_words(row['period_charge_sheets'])} charge sheets submitted and "
            f"{count_words(row['period_trials'])} trials concluded; {count_words(row['period_convictions'])} ended "
            "in conviction" + ("." if is_missing(rate) else f" ({percent(rate)} of the trials concluded)."))


def with_margin(shown: str, moe, unit: str = "") -> str:
    """A shown value with its 95% margin: "914 ± 24", "12.5% ± 3.1 pp"; the value alone when it has none (or
    is not shown)."""
    margin = plus_minus(shown, moe, unit)
    return f"{shown} {margin}" if margin else shown


def plus_minus(shown: str, moe, unit: str = "") -> str:
    """'± 24' (or '± 3.1 pp') for a shown value; '' when it has no margin or is not shown as a number."""
    if is_missing(moe) or shown in (SUPPRESSED, NOT_AVAILABLE):
        return ""
    return f"± {float(moe):,.{1 if unit else 0}f}{unit}"


def percent(value, missing: str = NOT_AVAILABLE) -> str:
    return missing if is_missing(value) else f"{float(value):.1f}%"


def rate(value, missing: str = NOT_AVAILABLE) -> str:
    return missing if is_missing(value) else f"{float(value):,.1f}"


def months(value, missing: str = NOT_AVAILABLE) -> str:
    return missing if is_missing(value) else f"{float(value):.0f} months"


def change_percent(value, missing: str = NOT_AVAILABLE, minus: str = "−") -> str:
    """Signed change in per cent (a real minus sign unless ``minus='-'``, which st.metric needs for its arrow)."""
    if is_missing(value):
        return missing
    return f"{float(value):+.1f}%".replace("-", minus)


def change_points(value, missing: str = NOT_AVAILABLE, minus: str = "−") -> str:
    """Signed change of a rate in percentage points."""
    if is_missing(value):
        return missing
    return f"{float(value):+.1f} pp".replace("-", minus)


def headline_change(row: pd.Series, previous: str) -> str:
    """'▲ +12.5% vs 2020–2022' for a row of queries.headline (percentage points for a rate)."""
    if row.get("note"):
        return f"not compared with {previous}: {row['note']}"
    if row["change_unit"] == "pp":
        change = change_points(row["change"], missing="")
    else:
        change = change_percent(row["change"], missing="")
    if not change:
        return f"vs {previous}: not available"
    value = float(row["change"])
    arrow = "▲" if value > 0 else "▼" if value < 0 else "■"
    return f"{arrow} {change} vs {previous}"


def offence(code) -> str:
    if is_missing(code):
        return OFFENCES["not_recorded"]
    return OFFENCES.get(code, SMUGGLING_LABEL if code == SMUGGLING else str(code))


def data_dictionary() -> pd.DataFrame:
    """One row per measure: name, unit, definition (Explore page and About page)."""
    units = {"count": "number", "percent": "per cent", "rate": PER_100K, "months": "months"}
    return pd.DataFrame(
        [{"Measure": m.title, "Unit": units.get(m.unit, m.unit), "Definition": m.definition} for m in _MEASURES]
    )


def citation(version: str | None, accessed: str, url: str | None = None, is_demo: bool = False) -> str:
    where = f" {url}" if url else ""
    demo = " [synthetic demo data]" if is_demo else ""
    return (
        f"{APP_TITLE}{demo}. Release {version or 'unknown'}. Accessed {accessed}.{where} "
        "Counts protected with differential privacy (OpenDP); each value carries a stated 95% margin."
    )
