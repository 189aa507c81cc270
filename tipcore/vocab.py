"""The data contract's vocabularies (data/README.md), declared once for the ETL, the dashboard and the release.

Each vocabulary is a mapping from the code the warehouse stores to the label people read, in the contract's order
(for stages, the order of the conviction pipeline). ``etl.layouts`` checks source layouts against these codes,
``etl.demo`` generates them, ``tipdash.text`` labels them; SQL gets them as bound parameters or rendered from here.

"Not recorded" has one spelling. The warehouse stores a missing value as NULL; where a list, a filter or a
download needs a code for it, the code is ``NOT_RECORDED`` ("not_recorded"); people read ``NOT_RECORDED_LABEL``
("Not recorded"), or ``NOT_RECORDED_TEXT`` inside a sentence. The one older spelling left is the contract's own
victim-sex code ``unknown`` (``SEX_NOT_RECORDED``), which agencies' exports and the warehouse use; it is labelled
like every other "not recorded".
"""

from __future__ import annotations

NOT_RECORDED = "not_recorded"
NOT_RECORDED_LABEL = "Not recorded"
NOT_RECORDED_TEXT = NOT_RECORDED_LABEL.lower()  # "not recorded", inside a sentence or a table cell


def not_recorded(what: str) -> str:
    """'Offence not recorded': the label of a missing value of one field."""
    return f"{what} {NOT_RECORDED_TEXT}"


# Offence types. Smuggling of migrants is not trafficking (PSMA 2018): a separate category, shown apart everywhere.
OFFENCES: dict[str, str] = {
    "sexual_exploitation": "Sexual exploitation",
    "forced_labour": "Forced labour",
    "bonded_labour": "Bonded labour (debt bondage)",
    "domestic_servitude": "Domestic servitude",
    "forced_begging": "Forced begging",
    "organ_removal": "Organ removal",
    "forced_marriage": "Forced or child marriage",
    "other": "Other trafficking",
}
SMUGGLING = "migrant_smuggling"
SMUGGLING_LABEL = "Smuggling of migrants (not trafficking)"
OFFENCE_CODES: tuple[str, ...] = (*OFFENCES, SMUGGLING)  # every contract value, smuggling last

# Stages, in order: a case counts at every stage up to the one it reached (rank 1 to 5).
STAGES: dict[str, str] = {
    "complaint": "Complaint received",
    "fir_registered": "FIR registered",
    "investigation_completed": "Investigation completed",
    "charge_sheet_submitted": "Charge sheet submitted",
    "trial_concluded": "Trial concluded",
}
STAGE_CODES: tuple[str, ...] = tuple(STAGES)
STAGE_RANKS: dict[str, int] = {code: rank for rank, code in enumerate(STAGE_CODES, start=1)}

OUTCOMES: dict[str, str] = {
    "convicted": "Convicted",
    "acquitted": "Acquitted",
    "compromise": "Compromise or victim withdrew",
    "discharged": "Discharged before trial",
    # Police closures before any charge sheet: the FIR cancelled (found false or not a cognisable offence), or the
    # case filed as untraced (the accused not found). Registers record both often; they are outcomes of their own,
    # never a trial's.
    "cancelled": "FIR cancelled",
    "untraced": "Untraced (accused not found)",
    "pending": "Pending",
}
OUTCOME_CODES: tuple[str, ...] = tuple(OUTCOMES)
VERDICTS: tuple[str, ...] = ("convicted", "acquitted", "compromise")  # outcomes of a concluded trial

# CTDC's age bands (Counter Trafficking Data Collaborative, global data set codebook): (first age, last age, code).
AGE_BAND_RANGES: tuple[tuple[int, int, str], ...] = (
    (0, 8, "0-8"), (9, 17, "9-17"), (18, 20, "18-20"), (21, 23, "21-23"), (24, 26, "24-26"), (27, 29, "27-29"),
    (30, 38, "30-38"), (39, 47, "39-47"), (48, 200, "48+"),
)
AGE_BANDS: dict[str, str] = {code: (f"{code} years" if not code.endswith("+") else f"{code[:-1]} years or older")
                             for _lo, _hi, code in AGE_BAND_RANGES}
AGE_BAND_CODES: tuple[str, ...] = tuple(AGE_BANDS)
CHILD_BANDS: tuple[str, ...] = tuple(code for _lo, hi, code in AGE_BAND_RANGES if hi < 18)

SEX_NOT_RECORDED = "unknown"  # the contract's victim_sex code for "not recorded" (see the module docstring)
SEXES: dict[str, str] = {
    "female": "Female", "male": "Male", "transgender": "Transgender", SEX_NOT_RECORDED: not_recorded("Sex"),
}
SEX_CODES: tuple[str, ...] = tuple(SEXES)

SCOPES: dict[str, str] = {"internal": "Internal (within Pakistan)", "transnational": "Transnational"}
SCOPE_CODES: tuple[str, ...] = tuple(SCOPES)

REFERRED_CODES: tuple[str, ...] = ("yes", "no")

# Legal sections cited (law_sections); OTHER is any other cited law or section.
LAW_CODES: dict[str, str] = {
    "PTPA": "Prevention of Trafficking in Persons Act 2018",
    "PPC366A": "Pakistan Penal Code s.366-A, procuration of a minor girl",
    "PPC370": "PPC s.370, buying or disposing of any person as a slave",
    "PPC371A": "PPC s.371-A, selling a person for prostitution",
    "PPC371B": "PPC s.371-B, buying a person for prostitution",
    "PPC374": "PPC s.374, unlawful compulsory labour",
    "BLSA": "Bonded Labour System (Abolition) Act 1992",
    "PSMA": "Prevention of Smuggling of Migrants Act 2018",
    "OTHER": "Any other cited law or section",
}
OTHER_LAW = "OTHER"

# The special law a case was brought under (cases.law_group), in the order it is decided.
LAW_GROUPS: dict[str, str] = {
    "PTPA 2018": "Prevention of Trafficking in Persons Act 2018",
    "BLSA 1992": "Bonded Labour System (Abolition) Act 1992",
    "PSMA 2018": "Prevention of Smuggling of Migrants Act 2018",
    "PPC only": "Pakistan Penal Code only",
    "Other law": "Other law",
    NOT_RECORDED_LABEL: not_recorded("Law"),
}

AGENCY_TYPES: dict[str, str] = {
    "police": "Police", "fia": "Federal Investigation Agency", "labour": "Labour department",
    "social_welfare": "Social welfare department", "child_protection": "Child protection",
    "prosecution": "Prosecution", "ngo": "NGO",
}
AGENCY_TYPE_CODES: tuple[str, ...] = tuple(AGENCY_TYPES)

# The coded fields of the contract and their values: what a source layout's [codes.<field>] may map onto.
CONTRACT_CODES: dict[str, tuple[str, ...]] = {
    "offence": OFFENCE_CODES,
    "scope": SCOPE_CODES,
    "stage": STAGE_CODES,
    "outcome": OUTCOME_CODES,
    "victim_sex": SEX_CODES,
    "victim_referred": REFERRED_CODES,
    "law_sections": tuple(LAW_CODES),
}
