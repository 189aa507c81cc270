"""Every label, measure name, definition and number format the dashboard shows, in one place.

Labels, tooltips, the data dictionary and the About page all read from here, so a measure is called the same
thing everywhere and is defined once.

Each English string here is a message of the Urdu catalogue (:mod:`tipdash.i18n`): the constants are read through
the module's ``__getattr__`` so ``text.DEMO_BANNER`` is in the language of the current run, and the functions
translate whole sentences (Urdu word order differs, so a sentence is never assembled from translated pieces).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from tipcore import catalogue, geo, vocab
from tipdash import i18n, privacy
from tipdash.i18n import N_, _

SUPPRESSED = privacy.SUPPRESSED_LABEL  # "<10": the same in every language

# Read as text.NAME (module __getattr__ below): each in the language of the current run.
_TEXTS = {
    "APP_TITLE": N_("Trafficking in persons and bonded labour in Pakistan"),
    "APP_SHORT": N_("TIP dashboard"),
    "NOT_AVAILABLE": N_("not available"),
    "NOT_RECORDED": N_(vocab.NOT_RECORDED_TEXT),  # "not recorded"
    "DEMO_BANNER": N_(
        "**Synthetic demo data.** Every case on this dashboard is invented by a random generator to show how the "
        "dashboard works. None of it describes a real person, district or agency record."),
    "DEMO_NOTE": N_("Synthetic demo data: invented records, not real cases. Do not cite as evidence."),
    "CENSUS_SOURCE": N_("Pakistan Bureau of Statistics, Census 2023"),
    "PER_100K": N_("per 100,000 people"),
    "PRIVACY_GUARANTEE": N_(
        "**What is guaranteed.** No one can learn from this dashboard whether any one person's case is in it, "
        "beyond a small, stated margin: every number shown is computed from a public release protected once with "
        "differential privacy, so no page, filter, download or number of visits can single out a case."),
    "COHORT_NOTE": N_(
        "Stages are counted for the cases reported in the period, whenever the later stage happened: a case "
        "reported in 2021 and convicted in 2023 counts as a 2021 conviction."),
    "PERIOD_NOTE": N_(
        "Counted in the year each step happened, whichever year the case was reported: a case reported in 2021 and "
        "convicted in 2023 is a 2023 conviction. This is how governments and the US TIP Report count."),
    "PERIOD_TILES": N_(
        "FIRs, charge sheets and convictions in the tiles are counted in the year they happened, as the TIP "
        "Report counts them; the funnel follows the cases reported in the period."),
    "STILL_IN_COURT": N_("still in court"),
    "SMUGGLING_LABEL": N_(vocab.SMUGGLING_LABEL),
    "SMUGGLING_EXPLAINED": N_(
        "Smuggling of migrants (Prevention of Smuggling of Migrants Act 2018) is not trafficking: the person "
        "smuggled consents to crossing a border. It is left out of every number unless you include it in the "
        "sidebar, and then it is counted apart."),
    "OUTCOME_SHARES_NOTE": N_(
        "Shares are of the released total of concluded trials; each count carries its own privacy noise, so the "
        "shares need not add up to exactly 100%."),
}
# The two views of time (issue #12): their names in controls, and what each answers.
_VIEWS = {
    "period": N_("What happened each year"),
    "cohort": N_("What became of the cases reported"),
}


def in_court_fact(share, period: str) -> str:
    """'43.0% of the charge-sheeted cases reported in 2023–2025 still await a verdict.' (one wording)."""
    return _("{share} of the charge-sheeted cases reported in {period} still await a verdict.").format(
        share=percent(share), period=period)


def in_court_note(share, period: str) -> str:
    """The fact, and how to read it, where the dashboard offers the other views."""
    return _("{share} of the charge-sheeted cases reported in {period} still await a verdict, so their convictions "
             "are not yet known: this is not a conviction rate. Compare cohorts that are complete, or see "
             "“{view}”.").format(share=percent(share), period=period, view=_(_VIEWS["period"]))


@dataclass(frozen=True)
class Measure:
    key: str
    source_label: str  # English, as a user says it, lower case, used inside sentences and titles
    source_definition: str
    unit: str = "count"  # count | percent | rate | months | percentage points

    @property
    def label(self) -> str:
        return _(self.source_label)

    @property
    def definition(self) -> str:
        return _(self.source_definition)

    @property
    def title(self) -> str:
        label = self.label
        return label[:1].upper() + label[1:]


_MEASURES = [
    Measure("cases", N_("cases reported"),
            N_("Cases of trafficking in persons or bonded labour whose complaint reached an agency in the period "
            "(by month reported). A case reported by several agencies is counted once (merged by FIR number).")),
    Measure("victims", N_("victims"), N_("Victims in the cases reported. A case can have several victims.")),
    Measure("firs", N_("FIRs registered"),
            N_("Cases for which the police registered a First Information Report (FIR), the step that opens a "
            "criminal case.")),
    Measure("investigations", N_("investigations completed"), N_("Cases whose police investigation was completed.")),
    Measure("charge_sheets", N_("charge sheets submitted"),
            N_("Cases whose charge sheet (challan) was submitted to court, the step that starts a prosecution.")),
    Measure("trials", N_("trials concluded"),
            N_("Cases whose trial ended with a verdict: conviction, acquittal, or compromise/victim withdrew.")),
    Measure("convictions", N_("convictions"), N_("Cases in which at least one accused was convicted.")),
    Measure("acquittals", N_("acquittals"), N_("Concluded trials that ended in acquittal.")),
    Measure("compromises", N_("compromise or victim withdrew"),
            N_("Concluded trials that ended because the parties compromised or the victim withdrew.")),
    Measure("victims_referred", N_("victims referred to services"),
            N_("Victims referred to shelter, medical, legal or rehabilitation services.")),
    Measure("period_firs", N_("FIRs registered in the year"),
            N_("First Information Reports registered in the year, whichever year the complaint was reported.")),
    Measure("period_charge_sheets", N_("charge sheets submitted in the year"),
            N_("Charge sheets (challans) submitted to court in the year, whichever year the case was reported.")),
    Measure("period_trials", N_("trials concluded in the year"),
            N_("Trials that ended with a verdict in the year (conviction, acquittal, or compromise/victim withdrew).")),
    Measure("period_convictions", N_("convictions in the year"),
            N_("Cases in which at least one accused was convicted in the year, whichever year the case was reported.")),
    Measure("period_conviction_rate", N_("conviction rate in the year (convictions ÷ trials concluded in the year)"),
            N_("Convictions in the year as a share of the trials concluded in the year, in per cent."), "percent"),
    Measure("share_in_court", N_("share still in court (charge-sheeted cases awaiting a verdict)"),
            N_("Of the cases reported in the period that were charge-sheeted, the share with no verdict yet, in per "
            "cent. Their convictions are not yet known."), "percent"),
    Measure("conviction_rate", N_("conviction rate (convictions ÷ concluded trials)"),
            N_("Convictions as a share of concluded trials, in per cent."), "percent"),
    Measure("fir_rate", N_("share of complaints registered as FIRs (FIRs ÷ cases reported)"),
            N_("FIRs registered as a share of cases reported, in per cent."), "percent"),
    Measure("charge_sheet_rate", N_("charge-sheet rate (charge sheets ÷ FIRs)"),
            N_("Charge sheets submitted as a share of FIRs registered, in per cent."), "percent"),
    Measure("referral_rate", N_("share of victims referred to services (referred ÷ victims)"),
            N_("Victims referred to services as a share of all victims, in per cent. A victim whose referral was "
            "not recorded counts as not referred."), "percent"),
    Measure("attrition", N_("attrition (cases reported without a conviction)"),
            N_("The share of cases reported that did not end in a conviction, in per cent."), "percent"),
    Measure("cases_per_100k", N_("cases reported per 100,000 people a year"),
            N_("Cases reported per 100,000 residents a year, averaged over the years selected (Pakistan Bureau of "
            "Statistics, Census 2023). "
            "Not available for Azad Jammu & Kashmir and Gilgit-Baltistan, for which the census publishes no "
            "district figures."), "rate"),
    Measure("victims_per_100k", N_("victims per 100,000 people a year"),
            N_("Victims per 100,000 residents a year, averaged over the years selected (Pakistan Bureau of Statistics, "
            "Census 2023). "
            "Not available for AJK and Gilgit-Baltistan."), "rate"),
    Measure("change", N_("change vs previous period"),
            N_("Change against the previous period of equal length (for 2022–2023: 2020–2021), in per cent of the "
            "previous value. Computed from released numbers; not shown when the previous value is below 20."),
            "percent"),
    Measure("months_to_verdict", N_("months from FIR to verdict"),
            N_("Whole months from the FIR to the verdict, for concluded trials. The median is the middle case."),
            "months"),
    # Data coverage (pages/coverage.py): what the agencies' files held, not cases.
    Measure("agency_records", N_("agency records received"),
            N_("One agency's record of a case (all its rows), counted in the month the case was reported. A case "
            "that several agencies reported is a record of each.")),
    Measure("rows", N_("rows read"),
            N_("Data rows of an agency's files, by what the build did with them: loaded, merged (a repeat of a row "
            "or record already read) or rejected (no case reference or no usable report date).")),
    Measure("records_missing", N_("records missing the field"),
            N_("An agency's loaded records that leave the field unrecorded: no district matched, no FIR date for a "
            "FIR registered, no offence, or no outcome for a concluded trial.")),
]
MEASURES: dict[str, Measure] = {m.key: m for m in _MEASURES}


# Short names where space is tight (headline tiles); the full label is their tooltip.
SHORT = {
    "cases": N_("Cases reported"),
    "victims": N_("Victims"),
    "firs": N_("FIRs registered"),
    "charge_sheets": N_("Charge sheets"),
    "trials": N_("Trials concluded"),
    "convictions": N_("Convictions"),
    "conviction_rate": N_("Conviction rate"),
    "fir_rate": N_("Registered as FIR"),
    "charge_sheet_rate": N_("Charge-sheet rate"),
    "referral_rate": N_("Referred to services"),
    "attrition": N_("Attrition"),
    "cases_per_100k": N_("Cases per 100,000 a year"),
    "victims_per_100k": N_("Victims per 100,000 a year"),
    "change": N_("Change vs previous period"),
    "months_to_verdict": N_("Months to verdict"),
    "victims_referred": N_("Victims referred"),
    "acquittals": N_("Acquittals"),
    "compromises": N_("Compromise/withdrawn"),
    "investigations": N_("Investigations completed"),
    "period_firs": N_("FIRs registered"),
    "period_charge_sheets": N_("Charge sheets submitted"),
    "period_trials": N_("Trials concluded"),
    "period_convictions": N_("Convictions"),
    "period_conviction_rate": N_("Conviction rate"),
    "share_in_court": N_("Still in court"),
}


def short(key: str) -> str:
    return _(SHORT[key]) if key in SHORT else MEASURES[key].title


def measure(key: str) -> Measure:
    return MEASURES[key]


def label(key: str) -> str:
    return MEASURES[key].label


def title(key: str) -> str:
    return MEASURES[key].title


# Code lists (data/README.md, declared in tipcore.vocab). Keys are the warehouse codes (NOT_RECORDED where the
# warehouse has NULL); values are what people read.
# Their English labels are messages of the catalogue (tipdash.i18n.extract_vocab collects them from tipcore.vocab);
# text.OFFENCES and the others are read through __getattr__, labelled in the language of the current run.
SMUGGLING = vocab.SMUGGLING
AGE_BANDS = {b: b for b in vocab.AGE_BAND_CODES}
CODE_LISTS = {
    "OFFENCES": {**vocab.OFFENCES, vocab.NOT_RECORDED: vocab.not_recorded("Offence")},
    "SEXES": dict(vocab.SEXES),
    "AGE_BANDS_LABELS": dict(vocab.AGE_BANDS),
    "SCOPES": {**vocab.SCOPES, vocab.NOT_RECORDED: vocab.not_recorded("Scope")},
    "STAGES": dict(vocab.STAGES),
    "OUTCOMES": {**vocab.OUTCOMES, vocab.NOT_RECORDED: vocab.not_recorded("Outcome")},
    "LAW_GROUPS": dict(vocab.LAW_GROUPS),
    "AGENCY_TYPES": dict(vocab.AGENCY_TYPES),
    "GOV_INDICATORS": {
        "investigations": N_("Investigations"),
        "prosecutions": N_("Prosecutions"),
        "convictions": N_("Convictions"),
        "victims_identified": N_("Victims identified"),
    },
    "VIEWS": _VIEWS,
    # The release's own words (tipcore.catalogue): the release and its datapackage.json stay English, the dashboard
    # and its downloads show them in the language of the run.
    "TABLE_TITLES": {name: table.title for name, table in catalogue.TABLES.items()},
    "RELEASE_MEASURES": {key: m.description for key, m in catalogue.MEASURES.items()},
    "KEY_DESCRIPTIONS": dict(catalogue.KEY_DESCRIPTIONS),
    "YEAR_MEANINGS": {name: catalogue.year_meaning(table) for name, table in catalogue.TABLES.items()},
    "ATTRIBUTIONS": dict(geo.ATTRIBUTIONS),  # the sources' own attribution lines
}
# A release table's key columns as a header names them in Urdu (English headers are the identifiers themselves); in
# lower case, the dimensions a filter applies to ("This table has no type of agency").
_KEY_LABELS = {
    "year": N_("Year"), "month": N_("Month"), "province": N_("Province"), "district_id": N_("District"),
    "offence": N_("Offence"), "kind": N_("Trafficking or smuggling"), "scope": N_("Scope"),
    "agency_type": N_("Type of agency"), "law_group": N_("Law used"), "sex": N_("Victim sex"),
    "age_band": N_("Victim age"), "verdict_months": N_("Time to verdict"), "agency": N_("Agency"),
    "row_status": N_("What the build did with the row"), "field": N_("Field"), "return_source": N_("Return"),
}


def filter_word(key: str) -> str:
    """A dimension as a sentence names it ("type of agency"), in the language of this run."""
    words = _(_KEY_LABELS[key]) if key in _KEY_LABELS else key
    return words[:1].lower() + words[1:]


# A release table's code columns and the code lists that label them; "kind" is trafficking or smuggling.
_CODE_COLUMNS = {"offence": "OFFENCES", "scope": "SCOPES", "agency_type": "AGENCY_TYPES", "sex": "SEXES",
                 "law_group": "LAW_GROUPS", "age_band": "AGE_BANDS_LABELS"}
_KINDS = {"trafficking": N_("Trafficking in persons"), "smuggling": _TEXTS["SMUGGLING_LABEL"]}


def labelled_codes(df: pd.DataFrame, districts: dict[str, tuple[str, str]]) -> pd.DataFrame:
    """A release table's codes as people read them in Urdu: offences, scopes and the other code lists labelled,
    districts (by id, from ``districts``: id -> (name, province)) and provinces named. In English the codes as
    published, which the downloads keep."""
    if not i18n.is_urdu():
        return df
    out = df.copy()
    for column, codes in _CODE_COLUMNS.items():
        if column in out:
            labels = __getattr__(codes)
            out[column] = [labels.get(code, code) for code in out[column]]
    if "kind" in out:
        out["kind"] = [_(_KINDS[kind]) if kind in _KINDS else kind for kind in out["kind"]]
    if "province" in out:
        out["province"] = [i18n.place(name) for name in out["province"]]
    if "district_id" in out:
        out["district_id"] = [i18n.place(districts[d][0]) if d in districts else d for d in out["district_id"]]
    return out


def key_meaning(key: str, table_name: str) -> str:
    """What a key column of a release table holds ("year": the report year, or the event's year in a period
    table), in the language of this run."""
    if key == "year":
        return _(CODE_LISTS["YEAR_MEANINGS"][table_name])
    return _(catalogue.KEY_DESCRIPTIONS[key]) if key in catalogue.KEY_DESCRIPTIONS else ""


def column_header(column: str) -> str:
    """A release table's column as its table header: the identifier itself in English (as its CSV names it); in
    Urdu its name ("cases_moe": the measure's name and "95% margin")."""
    if not i18n.is_urdu():
        return column
    if column.endswith(privacy.MOE_SUFFIX) and column[:-len(privacy.MOE_SUFFIX)] in MEASURES:
        return _("{measure}: 95% margin").format(measure=title(column[:-len(privacy.MOE_SUFFIX)]))
    if column in MEASURES:
        return title(column)
    return _(_KEY_LABELS[column]) if column in _KEY_LABELS else column

# US TIP Report tiers, as the release spells them.
_TIERS = {name: name for name in (N_("Tier 1"), N_("Tier 2"), N_("Tier 2 Watch List"), N_("Tier 3"),
                                  N_("Special Case"))}


# Scorecard bands (queries.BANDS), as the release's scorecard names them.
_BANDS = {name: name for name in (N_("Band 1"), N_("Band 2"), N_("Band 2 watch list"), N_("Band 3"),
                                  N_("Band unclear (within margin)"), N_("Insufficient data"))}


def band(name) -> str:
    """A district scorecard band ('Band 2 watch list') in the language of this run."""
    return _(name) if name in _BANDS else str(name)


def tier(name) -> str:
    """A TIP Report tier ('Tier 2 Watch List') in the language of this run."""
    return _(name) if name in _TIERS else str(name)


# How the scorecard names the bands a score's margin spans (queries._bands writes them in English).
_BAND_SPANS = ((" to ", N_("{best} to {worst}")), (" or ", N_("{best} or {worst}")))


def band_range(words) -> str:
    """A scorecard row's band, or the bands its margin spans ('Band 1 or Band 2'), in the language of this run."""
    for joiner, message in _BAND_SPANS:
        if isinstance(words, str) and joiner in words:
            best, worst = words.split(joiner)
            return _(message).format(best=band(best), worst=band(worst))
    return band(words)


def district_label(name: str, province: str) -> str:
    """'Multan (Punjab)', with both names in the language of this run."""
    return f"{i18n.place(name)} ({i18n.place(province)})"


def scope_label(scope) -> str:
    """An area of tipdash.scopes as people say it ('Multan Division', 'Multan district', 'Punjab'), in the language
    of this run."""
    if scope.kind == "division":
        return _("{name} Division").format(name=i18n.place(scope.value))
    if scope.kind == "district":
        return _("{name} district").format(name=i18n.place(scope.short))
    if scope.kind == "selection" and scope.names:
        listed = _(", ").join(i18n.place(name) for name in scope.names)
        return _("{names} and {n} more districts").format(names=listed, n=scope.more) if scope.more else listed
    return i18n.place(scope.label)


def scope_short(scope) -> str:
    """The area's name without "district" or "Division" (for tight spaces)."""
    return i18n.place(scope.short)


# Explore page dimensions: key -> label (the SQL behind each lives in queries.py).
# Funnel stages in order: measure key of each.
FUNNEL = ["cases", "firs", "charge_sheets", "trials", "convictions"]

_LIMITATIONS = [
    N_("**Reported cases are not prevalence.** A district with many cases may have agencies that record well, "
     "not more trafficking. Few cases can mean little trafficking or little reporting."),
    N_("**Smuggling of migrants is not trafficking.** It is excluded by default and always counted apart."),
    N_("**Duplicates across agencies are merged by FIR number.** A case two agencies recorded without the same FIR "
     "number is counted twice; a case without an FIR cannot be matched across agencies."),
    N_("**Stages follow the cohort of cases reported.** Recent years look worse on convictions because their trials "
     "have not ended yet."),
    N_("**Population rates use the 2023 census** for every year; the census publishes no district figures for Azad "
     "Jammu & Kashmir and Gilgit-Baltistan, so their rates are not available."),
    N_("**Districts.** Agencies' district names are matched to the 2023 gazetteer; a case whose district is unknown "
     "counts in its province and in Pakistan, not in any district."),
    N_("**Every number carries noise added for privacy.** Each table of the release has its own noise, so parts "
     "may not add up exactly to totals; the ± beside a number is its 95% margin."),
]


# Number and period formats -----------------------------------------------------------------------------------


is_missing = privacy.is_missing


def __getattr__(name: str):
    """text.DEMO_BANNER, text.OFFENCES, ...: the wording and code lists in the language of the current run."""
    if name in _TEXTS:
        return _(_TEXTS[name])
    if name in CODE_LISTS:
        return {code: _(words) for code, words in CODE_LISTS[name].items()}
    if name == "SUPPRESSION_NOTE":
        return _("Every count carries random noise added once for privacy (± shows its 95% margin); counts under "
                 "{below} are shown as “{suppressed}”.").format(below=privacy.SHOW_BELOW,
                                                                suppressed=i18n.isolate(SUPPRESSED))
    if name == "RANK_RANGE_NOTE":  # the example range kept left to right in Urdu ("7–2" otherwise)
        return _("A rank such as “{example}” is the range of places the district could hold given the 95% margins: "
                 "districts whose ranges overlap cannot be told apart.").format(example=i18n.isolate("2–7"))
    if name == "LIMITATIONS":
        return [_(limitation) for limitation in _LIMITATIONS]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _not_available() -> str:
    return _(_TEXTS["NOT_AVAILABLE"])


def is_zero(value) -> bool:
    """A shown count of exactly 0 (one under 10 is shown as "<10", not as 0)."""
    return not is_missing(value) and value == 0


def period(year_from: int, year_to: int) -> str:
    """'2019–2024' (en dash), or '2023' for a single year."""
    return str(year_from) if year_from == year_to else i18n.isolate(f"{year_from}–{year_to}")


def count(value) -> str:
    """A released count: thousands separators, '<10' below the display threshold."""
    return privacy.format_count(value)


def count_words(value) -> str:
    """A released count inside a sentence: 'fewer than 10' below the display threshold."""
    return _("fewer than {n}").format(n=privacy.SHOW_BELOW) if is_missing(value) else count(value)


def funnel_lead(funnel: pd.DataFrame, period: str | None = None, complete: bool = True) -> str:
    """'Of 30 cases reported in 2023–2025, fewer than 10 ended in conviction.' from queries.funnel's stages; for
    cohorts still in court, 'have ended in conviction so far' and no share (it is not a conviction rate)."""
    reported, convicted = funnel["value"].iloc[0], funnel["value"].iloc[-1]
    share = funnel["share_of_reported"].iloc[-1]
    if not complete:
        sentence = _("Of {reported} cases reported in {period}, {convicted} have ended in conviction so far.") \
            if period else _("Of {reported} cases reported, {convicted} have ended in conviction so far.")
    elif is_missing(share):
        sentence = _("Of {reported} cases reported in {period}, {convicted} ended in conviction.") if period \
            else _("Of {reported} cases reported, {convicted} ended in conviction.")
    else:
        sentence = _("Of {reported} cases reported in {period}, {convicted} ended in conviction ({share}).") \
            if period else _("Of {reported} cases reported, {convicted} ended in conviction ({share}).")
    return sentence.format(reported=count_words(reported), convicted=count_words(convicted), period=period,
                           share=percent(share))


def undated_trials(count) -> str:
    """What the time-to-verdict bins leave out."""
    if is_missing(count):
        return _("Trials without an FIR or verdict date are in no bin (fewer than 10 here).")
    return _("{n} concluded trials without an FIR or verdict date are in no bin.").format(n=count_words(count))


def data_as_of(last_month) -> str:
    """The latest month reported, as every page, slide and brief says it: 'December 2025' ('unknown' if none)."""
    if is_missing(last_month):
        return _("unknown")
    return i18n.month_year(pd.Timestamp(last_month))


def smuggling_sentence(count, included: bool) -> str:
    """One wording of whether smuggling of migrants is in the numbers (page, slide and brief)."""
    if included:
        return _("Smuggling of migrants is included in these numbers ({n} cases).").format(n=count_words(count))
    return _("Not included: {n} cases of smuggling of migrants in the same period (not trafficking).").format(
        n=count_words(count))


def stage_loss(stage: str, share_lost, complete: bool = True) -> str:
    """What the funnel says beside a stage (one wording for page, slide and brief): '39% lost'; at conviction,
    '17% not convicted' (acquittals and compromises, not losses); for a cohort still in court, no loss at the
    verdict stages."""
    if stage == "cases":
        return ""
    if not complete and stage in ("trials", "convictions"):
        return _(_TEXTS["STILL_IN_COURT"])
    if is_missing(share_lost):
        return ""
    share = f"{i18n.number(float(share_lost), grouping=False)}%"
    return (_("{share} not convicted") if stage == "convictions" else _("{share} lost")).format(share=share)


def period_lead(row: pd.Series, period: str) -> str:
    """'In 2023–2025, 540 FIRs were registered, ... and 70 trials ended in conviction (35% of trials concluded).'"""
    rate = row.get("period_conviction_rate")
    sentence = _("In {period}, {firs} FIRs were registered, {charge_sheets} charge sheets submitted and {trials} "
                 "trials concluded; {convictions} ended in conviction.") if is_missing(rate) else \
        _("In {period}, {firs} FIRs were registered, {charge_sheets} charge sheets submitted and {trials} trials "
          "concluded; {convictions} ended in conviction ({rate} of the trials concluded).")
    return sentence.format(period=period, firs=count_words(row["period_firs"]),
                           charge_sheets=count_words(row["period_charge_sheets"]),
                           trials=count_words(row["period_trials"]), convictions=count_words(row["period_convictions"]),
                           rate=percent(rate))


def with_margin(shown: str, moe, unit: str = "") -> str:
    """A shown value with its 95% margin: "914 ± 24", "12.5% ± 3.1 pp"; the value alone when it has none (or
    is not shown)."""
    margin = plus_minus(shown, moe, unit)
    return i18n.isolate(f"{shown} {margin}" if margin else shown)


def plus_minus(shown: str, moe, unit: str = "") -> str:
    """'± 24' (or '± 3.1 pp') for a shown value; '' when it has no margin or is not shown as a number. ``unit`` is
    " pp" (percentage points) or empty."""
    if is_missing(moe) or shown in (SUPPRESSED, _not_available()):
        return ""
    return f"± {i18n.number(float(moe), 1 if unit else 0)}{_points_unit() if unit else ''}"


def _points_unit() -> str:
    return " " + _("pp")


def percent(value, missing: str | None = None) -> str:
    if is_missing(value):
        return _not_available() if missing is None else missing
    return f"{i18n.number(float(value), 1, grouping=False)}%"


def rate(value, missing: str | None = None) -> str:
    if is_missing(value):
        return _not_available() if missing is None else missing
    return i18n.number(float(value), 1)


def months(value, missing: str | None = None) -> str:
    if is_missing(value):
        return _not_available() if missing is None else missing
    return _("{n} months").format(n=f"{float(value):.0f}")


def change_percent(value, missing: str | None = None, minus: str = "−") -> str:
    """Signed change in per cent (a real minus sign unless ``minus='-'``, which st.metric needs for its arrow)."""
    if is_missing(value):
        return _not_available() if missing is None else missing
    return f"{float(value):+.1f}%".replace("-", minus)


def change_points(value, missing: str | None = None, minus: str = "−") -> str:
    """Signed change of a rate in percentage points."""
    if is_missing(value):
        return _not_available() if missing is None else missing
    return f"{float(value):+.1f}{_points_unit()}".replace("-", minus)


def headline_change(row: pd.Series, previous: str) -> str:
    """'▲ +12.5% vs 2020–2022' for a row of queries.headline (percentage points for a rate)."""
    if row.get("note"):
        return _("not compared with {previous}: {note}").format(previous=previous, note=row["note"])
    if row["change_unit"] == "pp":
        change = change_points(row["change"], missing="")
    else:
        change = change_percent(row["change"], missing="")
    if not change:
        return _("vs {previous}: not available").format(previous=previous)
    value = float(row["change"])
    arrow = "▲" if value > 0 else "▼" if value < 0 else "■"
    return _("{arrow} {change} vs {previous}").format(arrow=arrow, change=i18n.isolate(change), previous=previous)


def offence(code) -> str:
    offences = __getattr__("OFFENCES")
    if is_missing(code):
        return offences["not_recorded"]
    return offences.get(code, _(_TEXTS["SMUGGLING_LABEL"]) if code == SMUGGLING else str(code))


def data_dictionary() -> pd.DataFrame:
    """One row per measure: name, unit, definition (Explore page and About page)."""
    units = {"count": N_("number"), "percent": N_("per cent"), "rate": _TEXTS["PER_100K"], "months": N_("months")}
    return pd.DataFrame(
        [{_("Measure"): m.title, _("Unit"): _(units[m.unit]) if m.unit in units else m.unit,
          _("Definition"): m.definition} for m in _MEASURES]
    )


def citation(version: str | None, accessed: str, url: str | None = None, is_demo: bool = False) -> str:
    where = f" {url}" if url else ""
    demo = " " + _("[synthetic demo data]") if is_demo else ""
    return _("{title}{demo}. Release {version}. Accessed {accessed}.{where} Counts protected with differential "
             "privacy (OpenDP); each value carries a stated 95% margin.").format(
        title=_(_TEXTS["APP_TITLE"]), demo=demo, version=version or _("unknown"), accessed=accessed, where=where)
