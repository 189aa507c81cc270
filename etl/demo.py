"""Synthetic demo data: agency exports shaped like the real ones, for the demo mode, the tests and the benchmarks.

Nothing here is a real case. Every row says so in its "Synthetic Record" column and DEMO_MANIFEST.json says so
again. The generator first simulates one table of cases (the "truth": where, when, what, how far each case got),
then renders each agency's view of its cases in that agency's own layout (etl/sources/<id>.toml): its headers,
code words, date format, encoding, grain and its typing mistakes. The same seed gives byte-identical files.

Shapes come from the published figures in data/reference/ (each constant names its file and figure); the rest is
judgement, kept in the constants below so it can be argued with. Nothing is read from there at run time except the
district gazetteer.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import multiprocessing as mp
import os
import time
import zlib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from tipcore import vocab

S = np.dtypes.StringDType()
SYNTHETIC_HEADER = "Synthetic Record"
SYNTHETIC_VALUE = "SYNTHETIC DEMO DATA"
MANIFEST_NAME = "DEMO_MANIFEST.json"

# --- contract vocabularies (data/README.md) ---------------------------------------------------------------------

# Declared in tipcore.vocab; the demo's mixes below (OFFENCE_MIX, TRANSNATIONAL, SEX_MIX) follow their order.
OFFENCES = vocab.OFFENCE_CODES
STAGES = vocab.STAGE_CODES
SEXES = vocab.SEX_CODES
LAWS = tuple(code for code in vocab.LAW_CODES if code != vocab.OTHER_LAW)  # the contract's named sections
# Laws agencies also cite that are not contract codes; the ETL reports them as unknown sections.
# 365-B kidnapping for marriage, 420 cheating, Emigration Ordinance 1979, PACHTO 2002 (repealed by the PTPA),
# Transplantation of Human Organs and Tissues Act 2010, child marriage restraint acts, Punjab Prohibition of Child
# Labour at Brick Kilns Act 2016, Punjab Destitute and Neglected Children Act 2004.
OTHER_LAWS = ("PPC365B", "PPC420", "EO1979", "PACHTO", "THOTA", "CMRA", "PCLBKA", "PDNCA")
LAW_BITS = {code: 1 << i for i, code in enumerate(LAWS + OTHER_LAWS)}

# --- time --------------------------------------------------------------------------------------------------------

YEARS = np.arange(2015, 2026)
# Export date of every synthetic file: later stages are not known yet.
EXPORT_DAY = np.datetime64("2025-12-31")
# PTPA 2018 (Act XXXIV of 2018, assent 30 May 2018) and PSMA 2018, per the legal-framework notes of the reference
# data (PTPA gazette text): earlier cases cite older laws.
PTPA_DAY = np.datetime64("2018-05-30")
# Reported cases grow after the PTPA (2018) and its rules (Dec 2020); 2020 dips for the COVID lockdowns. Judgement:
# the only series in data/reference (UNODC victims 2019-2022, TIP investigations) are too sparse to fit.
YEAR_WEIGHTS = np.array([0.65, 0.70, 0.75, 0.85, 1.00, 0.85, 1.05, 1.10, 1.20, 1.25, 1.30])
# Fixed creation time written into the .xlsx properties, so workbooks are byte-identical between runs.
WORKBOOK_CREATED = dt.datetime(2026, 1, 1, 0, 0, 0)

# --- who reports -------------------------------------------------------------------------------------------------

# Share of cases first reported by each agency. Police dominate (TIP 2025 report as summarised in
# pakistan_tip_report_stats.csv: 23,629 PPC and 1,607 PTPA investigations against FIA's ~3,000 cases a year in
# pakistan_law_enforcement.csv). Within the police, provinces follow SSDO's 2024 police data on gender-based
# violence (pakistan_provincial.csv: Punjab 26,753 of 32,617 = 82%, KP 10%, Sindh 5%), with Sindh raised to keep
# the haris of lower Sindh visible. Punjab reported 95% of TIP investigations (2018 TIP report) and 98% of
# convictions (2020 report) (pakistan_law_enforcement.csv), so Punjab keeps the large majority overall.
PRIMARY_SHARES = {
    "punjab_police": 0.54, "sindh_police": 0.06, "kp_police": 0.04, "balochistan_police": 0.01,
    "ict_police": 0.01, "fia": 0.14, "punjab_labour": 0.06, "cpwb": 0.04, "ngo_haqdar": 0.10,
}
SOURCES = tuple(PRIMARY_SHARES)
SOURCE_TYPE = {"punjab_police": "police", "sindh_police": "police", "kp_police": "police",
               "balochistan_police": "police", "ict_police": "police", "fia": "fia", "punjab_labour": "labour",
               "cpwb": "child_protection", "ngo_haqdar": "ngo"}

PUNJAB, SINDH, KP, BALOCHISTAN = "Punjab", "Sindh", "Khyber Pakhtunkhwa", "Balochistan"
ICT, AJK, GB = "Islamabad Capital Territory", "Azad Jammu & Kashmir", "Gilgit-Baltistan"
# Province split of each agency's cases. FIA: human trafficking cases registered in 2016 and 2017 by FIA zone
# (pakistan_provincial.csv, Pakistan Today 2017-12-28): Punjab 3,349 + 2,784, ICT 349 + 324, Balochistan 181 + 59,
# KP 140 + 85, Sindh 77 + 82; AJK and GB are not in that source and get a small share (Mirpur's migration route).
SOURCE_PROVINCES = {
    "punjab_police": {PUNJAB: 1.0}, "sindh_police": {SINDH: 1.0}, "kp_police": {KP: 1.0},
    "balochistan_police": {BALOCHISTAN: 1.0}, "ict_police": {ICT: 1.0},
    "fia": {PUNJAB: 6133, ICT: 673, BALOCHISTAN: 240, KP: 225, SINDH: 159, AJK: 120, GB: 20},
    "punjab_labour": {PUNJAB: 1.0}, "cpwb": {PUNJAB: 1.0},
    "ngo_haqdar": {PUNJAB: 0.55, SINDH: 0.30, KP: 0.06, BALOCHISTAN: 0.03, ICT: 0.03, AJK: 0.02, GB: 0.01},
}
# --- what never arrives (issue #13: the coverage page must have gaps to show) ---------------------------------------
# Judgement, not figures: the kinds of gap data officers describe. An agency's report of a case dated in one of its
# gaps is not in its files (and a case no other agency reported is in no file at all). [start, end) by report day.
REPORTING_GAPS = {
    "punjab_police": (("2022-10-01", "2022-12-01"),),   # two monthly returns never compiled
    "sindh_police": (("2021-09-01", "2022-01-01"),),    # no return for the last third of 2021
    "kp_police": (("2015-01-01", "2018-01-01"),),       # shares its register from 2018 on
    "balochistan_police": (("2015-01-01", "2019-07-01"),),
    "fia": (("2020-04-01", "2020-07-01"),),             # circles' registers not compiled in the 2020 lockdown
    "punjab_labour": (("2023-01-01", "2023-04-01"), ("2025-07-01", "2026-01-01")),  # last return: June 2025
    "cpwb": (("2019-01-01", "2019-07-01"),),
    "ngo_haqdar": (("2015-01-01", "2017-01-01"),),      # the network began recording in 2017
}
# Districts no agency's files name: much of rural Balochistan is policed by the Levies, not the police, and the
# remotest valleys of Kohistan and Gilgit-Baltistan send nothing either.
SILENT_DISTRICTS = ("Awaran", "Washuk", "Kohlu", "Dera Bugti", "Sherani", "Musa Khel", "Kharmaung", "Ghanche",
                    "Torghar", "Kolai Pallas Kohistan", "Upper Kohistan")
# Fields an agency leaves empty far more often than typing slips do (MISSING_OPTIONAL): FIA records its circle,
# not the victim's district; vigilance committees note the FIR number but not its date; the NGO loses track of
# court outcomes; a Sindh register form has no offence column filled in before 2019 (here: at random).
FIELD_GAPS = {"fia": {"district": 0.25}, "punjab_labour": {"fir_date": 0.40}, "ngo_haqdar": {"outcome": 0.50},
              "sindh_police": {"offence": 0.15}}
# Agencies whose cases of one offence come from other provinces than their cases overall: the NGO's bonded-labour
# work is mostly with the haris of Sindh.
PROVINCE_OVERRIDES = {("ngo_haqdar", "bonded_labour"): {SINDH: 0.60, PUNJAB: 0.35, KP: 0.03, BALOCHISTAN: 0.02}}
# PBS publishes no 2023 census figures for AJK and Gilgit-Baltistan (data/reference/districts.csv): a small
# placeholder population per district keeps them on the map without inventing a figure that looks real.
NO_CENSUS_POPULATION = 150_000

# Offence mix per agency (order of OFFENCES). Police files are mostly PPC cases; the TIP 2025 summary splits 1,607
# PTPA investigations into 523 sex trafficking, 915 forced labour, 169 unspecified (pakistan_tip_report_stats.csv).
# FIA counts are mostly migrant smuggling (pakistan_law_enforcement.csv caveat). Labour departments see bonded
# labour; the Child Protection Bureau sees begging and child domestic work. The rest is judgement.
OFFENCE_MIX = {
    "punjab_police": (0.30, 0.12, 0.18, 0.10, 0.06, 0.01, 0.10, 0.11, 0.02),
    "sindh_police": (0.22, 0.09, 0.35, 0.07, 0.07, 0.005, 0.09, 0.095, 0.01),
    "kp_police": (0.28, 0.12, 0.08, 0.12, 0.08, 0.01, 0.14, 0.15, 0.02),
    "balochistan_police": (0.28, 0.12, 0.08, 0.12, 0.08, 0.01, 0.14, 0.15, 0.02),
    "ict_police": (0.30, 0.10, 0.05, 0.20, 0.10, 0.02, 0.10, 0.11, 0.02),
    "fia": (0.12, 0.11, 0.01, 0.03, 0.02, 0.02, 0.04, 0.05, 0.60),
    "punjab_labour": (0.0, 0.08, 0.90, 0.02, 0.0, 0.0, 0.0, 0.0, 0.0),
    "cpwb": (0.12, 0.12, 0.04, 0.30, 0.32, 0.0, 0.07, 0.03, 0.0),
    "ngo_haqdar": (0.22, 0.08, 0.30, 0.12, 0.04, 0.01, 0.13, 0.07, 0.03),
}

# --- where -------------------------------------------------------------------------------------------------------

CENTRAL_PUNJAB_KILNS = {"Kasur": 6, "Sheikhupura": 6, "Nankana Sahib": 5, "Okara": 5, "Faisalabad": 4,
                        "Gujranwala": 4, "Sialkot": 3, "Lahore": 2.5, "Sahiwal": 3, "Chiniot": 2,
                        "Toba Tek Singh": 2, "Pakpattan": 2}
# Up to 6.8 million bonded sharecroppers in Sindh against 700,000 in brick kilns (ILO-commissioned PILER survey,
# context_indicators.csv): within Sindh, bonded-labour cases gather in the lower Sindh farm districts.
LOWER_SINDH_HARIS = {"Umerkot": 14, "Mirpur Khas": 14, "Tharparkar": 12, "Sanghar": 12, "Badin": 12,
                     "Tando Allah Yar": 10, "Tando Mohammad Khan": 8, "Matiari": 6, "Hyderabad": 3,
                     "Shaheed Benazirabad": 4, "Sujawal": 4, "Thatta": 4}
# Gujranwala division is the main source of irregular migration to Europe; Mirpur (AJK) to the UK; the Makran and
# Chagai borders are the exit to Iran.
MIGRATION_ROUTES = {"Gujrat": 8, "Mandi Bahauddin": 8, "Gujranwala": 6, "Sialkot": 6, "Hafizabad": 5,
                    "Narowal": 4, "Sheikhupura": 2, "Mirpur": 6, "Kotli": 4, "Bhimber": 4, "Chagai": 6, "Kech": 5,
                    "Gwadar": 4, "Panjgur": 4}
BIG_CITIES = {"Lahore": 2, "Karachi South": 2.5, "Karachi East": 2, "Karachi Central": 1.5, "Keamari": 1.5,
              "Korangi": 1.5, "Malir": 1.5, "Karachi West": 1.5, "Rawalpindi": 1.8, "Islamabad": 2,
              "Faisalabad": 1.5, "Multan": 1.5, "Hyderabad": 1.5, "Peshawar": 1.5, "Quetta": 1.5}
HOTSPOTS = {
    "bonded_labour": {**CENTRAL_PUNJAB_KILNS, **LOWER_SINDH_HARIS, "Peshawar": 2, "Nowshera": 2},
    "migrant_smuggling": MIGRATION_ROUTES,
    "sexual_exploitation": BIG_CITIES,
    "domestic_servitude": {"Lahore": 2.5, "Islamabad": 2.5, "Rawalpindi": 2, "Karachi South": 2,
                           "Karachi East": 2, "Faisalabad": 1.5},
    "forced_begging": {"Lahore": 1.5, "Karachi South": 2, "Multan": 1.5, "Rawalpindi": 1.5, "Rahim Yar Khan": 1.5},
    # 2019 cases of women sold to China as brides came mostly from Christian families of central Punjab.
    "forced_marriage": {"Faisalabad": 2, "Gujranwala": 2, "Lahore": 1.5, "Sheikhupura": 1.5, "Sialkot": 1.5},
    "organ_removal": {"Lahore": 2, "Rawalpindi": 2.5, "Sargodha": 2, "Islamabad": 2},
}
# Police cases from the migration districts are more often transnational.
TRANSNATIONAL_BOOST = {d: 3.0 for d in ("Gujrat", "Mandi Bahauddin", "Gujranwala", "Sialkot", "Hafizabad",
                                        "Narowal")}
# Central Punjab kilns are the bonded-labour sector of Punjab; sharecropping (haris) that of Sindh.
SECTORS = ("kiln", "agri", "other")
SECTOR_MIX = {PUNJAB: (0.80, 0.12, 0.08), SINDH: (0.15, 0.85, 0.0), KP: (0.60, 0.20, 0.20),
              BALOCHISTAN: (0.30, 0.40, 0.30)}
DEFAULT_SECTOR_MIX = (0.70, 0.20, 0.10)

# --- internal or transnational ------------------------------------------------------------------------------------

# P(transnational) per offence (order of OFFENCES) by agency type; smuggling always crosses a border.
TRANSNATIONAL = {
    "police": (0.06, 0.05, 0.0, 0.04, 0.05, 0.05, 0.08, 0.05, 1.0),
    "fia": (0.85, 0.85, 0.0, 0.85, 0.85, 0.85, 0.85, 0.85, 1.0),
    "labour": (0.0,) * 9,
    "child_protection": (0.03, 0.02, 0.0, 0.02, 0.05, 0.0, 0.05, 0.10, 0.0),
    "ngo": (0.15, 0.10, 0.0, 0.10, 0.05, 0.10, 0.20, 0.10, 1.0),
}
# Destinations of outbound cases by offence: Gulf labour and domestic work, Iran-Türkiye-Greece-Italy smuggling,
# China for brides, Saudi Arabia and Iraq for begging at pilgrimage sites.
DESTINATIONS = {
    "sexual_exploitation": {"ARE": 35, "SAU": 15, "OMN": 10, "MYS": 10, "QAT": 5, "BHR": 5, "IRN": 5, "AFG": 5,
                            "TUR": 5, "THA": 5},
    "forced_labour": {"SAU": 35, "ARE": 25, "QAT": 10, "OMN": 8, "MYS": 7, "KWT": 5, "IRN": 5, "AFG": 5},
    "domestic_servitude": {"SAU": 45, "ARE": 30, "OMN": 10, "KWT": 10, "QAT": 5},
    "forced_begging": {"SAU": 60, "IRQ": 25, "ARE": 15},
    "organ_removal": {"ARE": 30, "OMN": 30, "CHN": 20, "IRN": 20},
    "forced_marriage": {"CHN": 65, "AFG": 15, "GBR": 10, "ARE": 10},
    "other": {"ARE": 30, "SAU": 30, "IRN": 20, "AFG": 20},
    "migrant_smuggling": {"IRN": 22, "TUR": 18, "GRC": 16, "ITA": 12, "LBY": 8, "OMN": 6, "ARE": 6, "GBR": 4,
                          "ESP": 4, "AZE": 2, "SAU": 2},
}
# Of transnational trafficking cases, the share where foreign victims were brought into Pakistan, and from where.
INBOUND_SHARE = 0.12
ORIGINS = {"AFG": 50, "BGD": 30, "MMR": 20}
# Foreign victims of internal cases, by province: Afghans in KP and Balochistan, Bengalis and Rohingya in Karachi.
FOREIGN_VICTIMS = {KP: {"AFG": 0.06}, BALOCHISTAN: {"AFG": 0.08}, ICT: {"AFG": 0.03},
                   SINDH: {"AFG": 0.02, "BGD": 0.02, "MMR": 0.012}, PUNJAB: {"AFG": 0.01}}
COUNTRY_NAMES = {"ARE": "United Arab Emirates", "SAU": "Saudi Arabia", "OMN": "Oman", "QAT": "Qatar",
                 "KWT": "Kuwait", "BHR": "Bahrain", "IRN": "Iran", "IRQ": "Iraq", "TUR": "Turkey", "GRC": "Greece",
                 "ITA": "Italy", "ESP": "Spain", "GBR": "United Kingdom", "LBY": "Libya", "MYS": "Malaysia",
                 "THA": "Thailand", "CHN": "China", "AFG": "Afghanistan", "BGD": "Bangladesh", "MMR": "Myanmar",
                 "AZE": "Azerbaijan", "PAK": "Pakistan"}

# --- victims ---------------------------------------------------------------------------------------------------

# Sex of victims by offence (female, male, transgender, unknown). UNODC data for Pakistan 2019
# (pakistan_tip_report_stats.csv): 15,255 adult women, 9,581 adult men, 6,937 boys of 32,022 detected victims.
SEX_MIX = {
    "sexual_exploitation": (0.86, 0.09, 0.04, 0.01), "forced_labour": (0.25, 0.72, 0.0, 0.03),
    "bonded_labour": (0.45, 0.53, 0.0, 0.02), "domestic_servitude": (0.72, 0.26, 0.0, 0.02),
    "forced_begging": (0.42, 0.53, 0.04, 0.01), "organ_removal": (0.25, 0.74, 0.0, 0.01),
    "forced_marriage": (0.97, 0.01, 0.01, 0.01), "other": (0.55, 0.41, 0.01, 0.03),
    "migrant_smuggling": (0.05, 0.93, 0.0, 0.02),
}
# Share of child victims by offence; the Child Protection Bureau sees only children.
CHILD_SHARE = {"sexual_exploitation": 0.30, "forced_labour": 0.20, "bonded_labour": 0.35,
               "domestic_servitude": 0.55, "forced_begging": 0.60, "organ_removal": 0.02, "forced_marriage": 0.55,
               "other": 0.30, "migrant_smuggling": 0.08}
# Victims referred to shelter, medical, legal or rehabilitation services: 4% of identified victims in the 2020 TIP
# report (pakistan_law_enforcement.csv); labour departments, the Bureau and NGOs refer more.
REFERRED = {"police": 0.05, "fia": 0.10, "labour": 0.30, "child_protection": 0.30, "ngo": 0.30}

# --- what happened next ----------------------------------------------------------------------------------------

# Share of complaints that become an FIR, by agency type. FIA: over 10,000 complaints and 2,922 cases actioned in
# 2020 (pakistan_law_enforcement.csv). Police register most but not all complaints.
FIR_RATE = {"police": 0.72, "fia": 0.40, "labour": 0.45, "child_protection": 0.30, "ngo": 0.40}
INVESTIGATED = 0.80          # of FIRs, investigation completed
CHARGE_SHEETED = {"police": 0.65, "fia": 0.75, "labour": 0.60, "child_protection": 0.60, "ngo": 0.60}
CONCLUDED = 0.60             # of charge sheets, trial concluded (before the export date cuts it short)
DISCHARGED = 0.50            # of investigated cases never charge-sheeted, closed by the police or a magistrate
# How those closures end: the FIR cancelled as false or non-cognisable (B and C class), filed as untraced (A class,
# the accused not found), or the accused discharged; shares of the closures, in that order.
CLOSURES = (("cancelled", 0.50), ("untraced", 0.25), ("discharged", 0.25))
# Result of a concluded trial (convicted, acquitted, compromise). Conviction rates are low: 2017 TIP figures were
# 90 investigations for 29 convictions; UNODC 2022 1,936 offences for 105 persons convicted; SSDO 2024 conviction
# rates for related crimes under 2%. Only Punjab and one other province convicted anyone in 2019 (2020 TIP report).
VERDICTS = {
    "punjab_police": (0.25, 0.45, 0.30), "sindh_police": (0.10, 0.50, 0.40), "kp_police": (0.05, 0.55, 0.40),
    "balochistan_police": (0.02, 0.58, 0.40), "ict_police": (0.08, 0.52, 0.40), "fia": (0.40, 0.40, 0.20),
    "punjab_labour": (0.15, 0.40, 0.45), "cpwb": (0.20, 0.45, 0.35), "ngo_haqdar": (0.20, 0.45, 0.35),
}
# Prison terms in months by offence: PTPA up to 7 years (2-10 for women and children), BLSA 2-5 years, PPC 371-A up
# to 25 years, PSMA 3-5 years with plea bargains below (legal-framework notes of the reference data).
SENTENCES = {
    "sexual_exploitation": ((24, 36, 48, 60, 84, 120, 168), (10, 15, 15, 20, 20, 15, 5)),
    "forced_labour": ((6, 12, 18, 24, 36, 60), (10, 20, 15, 25, 20, 10)),
    "bonded_labour": ((24, 30, 36, 48, 60), (30, 15, 25, 15, 15)),
    "domestic_servitude": ((12, 18, 24, 36, 60), (15, 15, 30, 25, 15)),
    "forced_begging": ((12, 24, 36, 60), (25, 35, 25, 15)),
    "organ_removal": ((60, 84, 120), (40, 40, 20)),
    "forced_marriage": ((36, 60, 84, 120), (25, 35, 25, 15)),
    "other": ((12, 24, 36, 60, 84), (15, 25, 30, 20, 10)),
    "migrant_smuggling": ((6, 12, 18, 24, 36, 60), (15, 25, 15, 20, 15, 10)),
}
FINE_ONLY = 0.07             # PTPA allowed a fine instead of prison until the 2022 amendment

# Sections cited, by offence: P(cited). PTPA and PSMA only from 30 May 2018; before, transnational trafficking was
# charged under PACHTO and smuggling under the Emigration Ordinance.
LAW_CHANCES = {
    "sexual_exploitation": {"PTPA": 0.45, "PPC371A": 0.55, "PPC371B": 0.30},
    "forced_labour": {"PTPA": 0.55, "PPC374": 0.50, "PPC370": 0.10},
    "bonded_labour": {"BLSA": 0.85, "PPC374": 0.35, "PTPA": 0.15},
    "domestic_servitude": {"PTPA": 0.35, "PPC374": 0.45, "PPC370": 0.10},
    "forced_begging": {"PTPA": 0.45, "PPC374": 0.30, "PPC370": 0.15},
    "organ_removal": {"PTPA": 0.50, "THOTA": 0.50},
    "forced_marriage": {"PTPA": 0.25, "PPC371A": 0.10, "PPC365B": 0.40},
    "other": {"PTPA": 0.45, "PPC370": 0.25, "PPC371A": 0.10},
    "migrant_smuggling": {"PSMA": 0.85, "PPC420": 0.30, "EO1979": 0.25},
}

# --- mess, at the rates a data officer meets it -------------------------------------------------------------------

ALIAS_RATE = 0.03            # district written with a gazetteer alias
VARIANT_RATE = 0.015         # district written with one of MESSY_DISTRICTS
NEW_DISTRICT_RATE = 0.15     # rows from 2023 in a district split after the census, written with the new name
UPPER_RATE = 0.02
SPACES_RATE = 0.01
IDENTIFIER_IN_DISTRICT = 0.0005
MISSING_DISTRICT = 0.002
MISSING_REF = 0.0005
MISSING_DATE_REPORTED = 0.001
IMPOSSIBLE_DATE = 0.001      # 31 February
YEAR_2099 = 0.0003
TYPED_DATE = 0.02            # an Excel date typed as text
VERDICT_BEFORE_FIR = 0.003
STAGE_BEHIND_DATES = 0.005   # the stage column was not updated when a later date was entered
UNKNOWN_CODE_RATE = 0.004
CODE_IN_CAPITALS = 0.01      # codes match case-insensitively, so these still load
MISSING_OPTIONAL = 0.03
MISSING_SECTIONS = 0.06      # sections are left blank more often than other fields
MISSING_COUNTRY = 0.05
AGE_IN_WORDS = 0.003         # "Minor" typed for an age
EXACT_DUPLICATES = 0.004     # rows exported twice
COPY_SHARE = {"punjab_labour": 0.12, "cpwb": 0.10, "ngo_haqdar": 0.03}  # cases also reported by a second agency

MESSY_DISTRICTS = {
    "Muzaffargarh": ("Muzafargarh", "Muzaffar Garh"), "Dera Ghazi Khan": ("D.G. Khan", "D.G.Khan", "DG Khan District"),
    "Shaheed Benazirabad": ("Nawab Shah", "Nawabshah", "Benazirabad"), "Killa Abdullah": ("Qila Abdullah",),
    "Karachi East": ("Karachi-East", "Karachi (East)"), "Karachi South": ("Karachi-South", "South Karachi"),
    "Karachi Central": ("Karachi-Central",), "Faisalabad": ("Faisalabad District", "Faislabad", "Lyallpur"),
    "Sheikhupura": ("Sheikhupra", "Shiekhupura"), "Rahim Yar Khan": ("RY Khan", "Rahim Yar Khan."),
    "Kasur": ("Qasur", "Kasoor"), "Tando Allah Yar": ("T.A. Yar", "Tando Allahyar"),
    "Mirpur Khas": ("Mirpurkhas", "Mirpur Khaas"), "Umerkot": ("Umarkot", "Umer Kot"), "Tharparkar": ("Thar", "Mithi"),
    "Dera Ismail Khan": ("D.I.Khan", "Dera Ismail Khan District"), "Mandi Bahauddin": ("Mandi Baha-ud-Din", "M.B.Din"),
    "Gujranwala": ("Gujranwala City", "Gujranwalla"), "Sialkot": ("Sialkot District", "Sailkot"),
    "Lahore": ("Lahore City", "LHR", "Lahore Cantt"), "Rawalpindi": ("Pindi", "Rawalpindi District"),
    "Islamabad": ("ICT Islamabad", "Islamabad Capital Territory"), "Toba Tek Singh": ("TT Singh", "Toba Tek Sing"),
    "Abbotabad": ("Abbottabad",), "Jacobabad": ("Jacobabad District",), "Quetta": ("Quetta City",),
    "Peshawar": ("Peshawer",), "Okara": ("Okara District",),
}
NEW_DISTRICTS = {"Gujranwala": "Wazirabad", "Muzaffargarh": "Kot Addu", "Chakwal": "Talagang",
                 "Rawalpindi": "Murree", "Dera Ghazi Khan": "Taunsa"}
KARACHI = ("Karachi Central", "Karachi East", "Karachi South", "Karachi West", "Keamari", "Korangi", "Malir")
URDU_DISTRICTS = {
    "Lahore": "لاہور", "Kasur": "قصور", "Sheikhupura": "شیخوپورہ", "Faisalabad": "فیصل آباد", "Okara": "اوکاڑہ",
    "Gujranwala": "گوجرانوالہ", "Gujrat": "گجرات", "Sialkot": "سیالکوٹ", "Multan": "ملتان", "Rawalpindi": "راولپنڈی",
    "Islamabad": "اسلام آباد", "Peshawar": "پشاور", "Quetta": "کوئٹہ", "Hyderabad": "حیدرآباد", "Umerkot": "عمرکوٹ",
    "Tharparkar": "تھرپارکر", "Mirpur Khas": "میرپور خاص", "Sanghar": "سانگھڑ", "Badin": "بدین",
    "Tando Allah Yar": "ٹنڈو الہ یار", "Sukkur": "سکھر", "Larkana": "لاڑکانہ", "Bahawalpur": "بہاولپور",
    "Sargodha": "سرگودھا", "Mandi Bahauddin": "منڈی بہاؤالدین", "Hafizabad": "حافظ آباد", "Narowal": "نارووال",
    "Sahiwal": "ساہیوال", "Rahim Yar Khan": "رحیم یار خان", "Dera Ghazi Khan": "ڈیرہ غازی خان",
    "Muzaffargarh": "مظفر گڑھ", **dict.fromkeys(KARACHI, "کراچی"),
}

# --- planted personal data (the ETL must remove all of it) ----------------------------------------------------

MALE_NAMES = (
    "Muhammad Aslam", "Ghulam Rasool", "Allah Ditta", "Muhammad Akram", "Nazir Ahmed", "Abdul Ghafoor",
    "Bashir Masih", "Yousaf Masih", "Shaukat Ali", "Rahim Bakhsh", "Khuda Bux", "Dilawar Hussain", "Zahid Iqbal",
    "Tariq Mehmood", "Asif Ali Jatoi", "Sajid Hussain", "Naveed Anjum", "Kashif Javed", "Waqas Ahmed Butt",
    "Ramesh Kumar Kolhi", "Lakhmir Bheel", "Dharmoon Meghwar", "Ali Nawaz Chandio", "Gul Muhammad Khoso",
    "Sher Khan Afridi", "Noor Zaman Khattak", "Abdul Wahid Baloch", "Habibullah Kakar", "Pervaiz Masih",
    "Imtiaz Gill", "Mehboob Alam", "Shahid Mehmood Cheema", "Arshad Mehmood Warraich", "Rana Zulfiqar Ahmed",
    "Nadeem Tarar", "Shafqat Awan", "Muhammad Ishaq Gondal", "Saleem Akhtar Bajwa", "Qadir Bux Mallah",
    "Mumtaz Ali Shar",
)
FEMALE_NAMES = (
    "Nasreen Bibi", "Shazia Parveen", "Rukhsana Bibi", "Kiran Masih", "Sughran Bibi", "Naseem Akhtar",
    "Farzana Kausar", "Samina Bibi", "Rani Kolhi", "Champa Bheel", "Ayesha Noor", "Maryam Bibi", "Zainab Bibi",
    "Saima Naz", "Bushra Shaheen", "Parveen Akhtar", "Sadia Batool", "Hina Kanwal", "Gulnaz Bibi", "Sobia Masih",
    "Laila Baloch", "Gul Bano", "Anila Kumari", "Shehnaz Begum", "Tahira Yasmin", "Fouzia Bibi", "Nargis Bibi",
    "Sumera Khatoon", "Shabana Meghwar", "Razia Bibi",
)
MALE_NAMES_URDU = ("محمد اسلم", "غلام رسول", "اللہ دتہ", "بشیر مسیح", "خدا بخش", "شوکت علی", "نذیر احمد", "رحیم بخش")
FEMALE_NAMES_URDU = ("نسرین بی بی", "شازیہ پروین", "رخسانہ بی بی", "زینب بی بی", "کرن مسیح", "صغراں بی بی")
# Every person named in the exports (victim, father, complainant, accused) is drawn from these.
PLANTED_NAMES = MALE_NAMES + FEMALE_NAMES + MALE_NAMES_URDU + FEMALE_NAMES_URDU
# Patterns of the planted identifiers, for tests that check the ETL removed them.
CNIC_PATTERN = r"\b\d{5}-\d{7}-\d\b|\b\d{13}\b"
PHONE_PATTERN = r"\b03\d{2}-\d{7}\b|\+92 3\d{2} \d{7}|\b923\d{9}\b"
KILNS = ("Al-Madina Bricks", "Bismillah Bhatta", "Awan Brick Kiln", "New Khan Bricks", "Punjab Bhatta Co.",
         "Chaudhry Brothers Kiln", "Al-Noor Bhatta", "Haji Sons Bricks")
LANDLORDS = ("Wadero Qadir Bux Mallah", "Sardar Ali Nawaz Chandio", "Zamindar Gul Muhammad Khoso")
MOHALLAS = ("Islampura", "Christian Colony", "Mohalla Sheikhan", "Ghousia Colony", "Madina Town", "Faisal Colony",
            "Rehmanpura", "Bilal Town")
VILLAGES = ("Goth Allah Bachayo", "Chak No. 114", "Basti Malkani", "Dera Qadirabad", "Goth Haji Sharif",
            "Mauza Kot Sultan", "Village Ratta Kalan")
STATIONS = ("Saddar", "City", "Civil Lines", "Model Town", "Cantt", "Factory Area", "Kotwali", "Satellite Town",
            "Rural", "Industrial Area", "Airport", "Railway Road", "Gulberg", "Green Town", "Sabzi Mandi",
            "Baghbanpura", "Shahdara", "Nishtar Colony", "Kot Lakhpat")
SINDH_STATIONS = ("Hatri", "Tando Jam", "Kunri", "Samaro", "Sachal", "Mithi", "Digri", "Jhuddo", "Shahdadpur",
                  "Preedy", "Artillery Maidan", "Saddar")
CNIC_PROVINCE_DIGIT = {KP: "1", PUNJAB: "3", SINDH: "4", BALOCHISTAN: "5", ICT: "6", GB: "7", AJK: "8"}
FIA_CIRCLES = {"Gujranwala": "Gujranwala", "Lahore": "Lahore", "Sahiwal": "Lahore", "Faisalabad": "Faisalabad",
               "Sargodha": "Faisalabad", "Multan": "Multan", "Bahawalpur": "Multan", "Dera Ghazi Khan": "Multan",
               "Rawalpindi": "Islamabad", "Islamabad": "Islamabad", "Karachi": "Karachi", "Quetta": "Quetta"}
FIA_PROVINCE_CIRCLES = {SINDH: "Hyderabad", KP: "Peshawar", BALOCHISTAN: "Quetta", AJK: "Mirpur", GB: "Islamabad",
                        ICT: "Islamabad", PUNJAB: "Lahore"}
CASE_STORY = {
    "sexual_exploitation": "was lured with a job offer and forced into prostitution",
    "forced_labour": "was made to work without wages and not allowed to leave",
    "bonded_labour": "was kept with family against an advance (peshgi) and not allowed to leave",
    "domestic_servitude": "was kept as a domestic worker, beaten and not paid",
    "forced_begging": "was made to beg at traffic signals by a gang",
    "organ_removal": "had a kidney removed at a private clinic after being promised money",
    "forced_marriage": "was married off against her will for money",
    "other": "was taken away on false promises",
    "migrant_smuggling": "paid an agent to be sent abroad illegally via Iran",
}
CASE_STORY_URDU = {
    "sexual_exploitation": "کو نوکری کا جھانسہ دے کر جسم فروشی پر مجبور کیا گیا۔",
    "forced_labour": "سے بغیر اجرت کام کروایا گیا۔",
    "bonded_labour": "کو پیشگی کے بدلے خاندان سمیت بھٹے پر قید رکھا گیا۔",
    "domestic_servitude": "کو گھریلو ملازم کے طور پر قید رکھا گیا۔",
    "forced_begging": "سے زبردستی بھیک منگوائی گئی۔",
    "organ_removal": "کا گردہ نکال لیا گیا۔",
    "forced_marriage": "کی پیسوں کے عوض زبردستی شادی کروائی گئی۔",
    "other": "کو جھوٹے وعدوں پر لے جایا گیا۔",
    "migrant_smuggling": "کو ایجنٹ نے ایران کے راستے غیر قانونی طور پر بیرون ملک بھیجا۔",
}
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


# --- agency layouts ----------------------------------------------------------------------------------------------

Variants = dict[str, tuple[tuple[str, float], ...]]


def _variants(table: dict[str, str | tuple]) -> Variants:
    """Spellings of each value: "X", or ("X", weight, "Y", weight, ...)."""
    out = {}
    for key, spec in table.items():
        spec = (spec, 1.0) if isinstance(spec, str) else spec
        out[key] = tuple(zip(spec[0::2], spec[1::2], strict=True))
    return out


@dataclass(frozen=True)
class Layout:
    """How one agency writes its export; etl/sources/<source_id>.toml describes the same layout for the ETL."""

    source_id: str
    stem: str                                   # files are <stem>.csv, or <stem>_<year>.xlsx
    fmt: str                                    # csv | xlsx
    grain: str                                  # case | victim
    columns: tuple[tuple[str, str], ...]        # (header, what it holds) in file order
    codes: dict[str, Variants]                  # coded field -> contract value -> spellings
    laws: dict[str, str]                        # law code -> the token this agency writes
    law_sep: str
    ref: Callable[[np.ndarray, np.ndarray], np.ndarray]             # (year, sequence number) -> case reference
    fir: Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]  # (number, year, station) -> FIR text
    sentence: str                               # style, see _sentence_text
    date_format: str                            # how text dates are written (first of the toml's date_formats)
    encoding: str = "utf-8"
    sep: str = ","
    newline: str = "\n"
    countries: Variants = field(default_factory=dict)      # ISO3 -> spellings; default COUNTRY_NAMES
    nationalities: Variants = field(default_factory=dict)
    iso3: bool = False                          # countries and nationalities written as ISO3 codes
    unknown: dict[str, tuple[str, ...]] = field(default_factory=dict)  # codes deliberately not in the toml
    urdu_names: float = 0.0
    urdu_districts: float = 0.0
    karachi_alone: float = 0.0                  # Karachi districts written as the division, "Karachi"
    missing_age: float = 0.10
    stray_delimiters: float = 0.0               # rows with one value too many (a stray delimiter)
    totals_row: bool = False                    # an Excel "TOTAL" row at the end
    time_of_day: bool = False                   # reported date written with a time
    case_fields_merged_until: int = 0           # .xlsx of years up to this one merge case cells over victim rows

    def headers_for(self, what: str) -> list[str]:
        return [h for h, w in self.columns if w == what]


PERSONAL = ("complainant", "victim_name", "father_name", "cnic", "phone", "accused", "accused_phone", "address",
            "narrative", "kiln")
# Columns that describe one victim; in a victim-grain file the others repeat the case.
VICTIM_COLUMNS = ("victim_sex", "victim_age", "victim_nationality", "victim_referred", "victim_name", "father_name",
                  "cnic", "phone", "address")


def _cat(*parts) -> np.ndarray:
    """Element-wise concatenation of string arrays and scalars (pairwise, so long texts are copied fewer times)."""
    parts = [p if isinstance(p, str) else np.asarray(p, dtype=S) for p in parts]
    while len(parts) > 1:
        pairs = zip(parts[0::2], parts[1::2], strict=False)
        joined = [a + b if isinstance(a, str) and isinstance(b, str) else np.strings.add(a, b) for a, b in pairs]
        parts = joined + parts[len(joined) * 2:]
    return np.asarray(parts[0], dtype=S)


def _num(values: np.ndarray, width: int = 0) -> np.ndarray:
    text = np.asarray(values).astype(np.int64).astype(S)
    return np.strings.zfill(text, width) if width else text


POLICE_CODES = {
    "offence": _variants({
        "sexual_exploitation": ("Sexual Exploitation", 7, "Prostitution", 3), "forced_labour": "Forced Labour",
        "bonded_labour": ("Bonded Labour", 6, "Brick Kiln Bonded Labour", 4),
        "domestic_servitude": ("Domestic Servitude", 5, "Child Domestic Labour", 5),
        "forced_begging": ("Forced Begging", 5, "Begging Mafia", 5), "organ_removal": "Organ Trade",
        "forced_marriage": ("Forced Marriage", 6, "Sale of Girl for Marriage", 4),
        "other": "Human Trafficking (Other)", "migrant_smuggling": "Human Smuggling"}),
    "scope": _variants({"internal": "Within Pakistan", "transnational": "Cross Border"}),
    "stage": _variants({
        "complaint": ("Complaint Received", 7, "Under Enquiry", 3),
        "fir_registered": ("FIR Registered", 5, "Under Investigation", 5),
        "investigation_completed": "Investigation Completed",
        "charge_sheet_submitted": ("Challan Submitted", 6, "Under Trial", 4), "trial_concluded": "Decided"}),
    "outcome": _variants({
        "convicted": "Convicted", "acquitted": ("Acquitted", 6, "Accused Acquitted", 4),
        "compromise": ("Compromise", 6, "Raazinama", 4), "discharged": "Discharged", "cancelled": "Cancelled",
        "untraced": "Untraced",
        "pending": ("Pending", 5, "Under Process", 2, "", 3)}),
    "victim_sex": _variants({"female": "Female", "male": "Male",
                             "transgender": ("Khawaja Sira", 5, "Transgender", 5), "unknown": "Not Known"}),
    "victim_referred": _variants({"yes": ("Yes", 8, "Y", 2), "no": ("No", 8, "N", 2)}),
}

PUNJAB_POLICE = Layout(
    source_id="punjab_police", stem="demo_punjab_police", fmt="csv", grain="case",
    columns=(("Complaint No.", "case_ref"), ("District", "district"), ("Date of Complaint", "date_reported"),
             ("Complainant Name", "complainant"), ("Complainant CNIC", "cnic"), ("Complainant Mobile", "phone"),
             ("FIR No./P.S.", "fir_number"), ("FIR Date", "fir_date"), ("Offence Head", "offence"),
             ("Sections of Law", "law_sections"), ("Within Pakistan / Cross Border", "scope"),
             ("Destination Country", "country"), ("Victim Name", "victim_name"),
             ("Father/Husband Name", "father_name"), ("No. of Victims", "victim_count"),
             ("Victim Gender", "victim_sex"), ("Victim Age", "victim_age"),
             ("Victim Nationality", "victim_nationality"), ("Referred to Shelter/Services", "victim_referred"),
             ("Address", "address"), ("Accused Name(s)", "accused"),
             ("Investigation Completed On", "investigation_date"), ("Challan Date", "challan_date"),
             ("Case Status", "stage"), ("Date of Decision", "verdict_date"), ("Result", "outcome"),
             ("Punishment", "sentence"), ("Brief Facts", "narrative"), (SYNTHETIC_HEADER, "synthetic")),
    codes=POLICE_CODES,
    laws={"PTPA": "3 PTPA", "PPC366A": "366-A PPC", "PPC370": "370 PPC", "PPC371A": "371-A PPC",
          "PPC371B": "371-B PPC", "PPC374": "374 PPC", "BLSA": "11 BLSA", "PSMA": "3 PSMA", "PPC365B": "365-B PPC",
          "PPC420": "420 PPC", "THOTA": "THOTA 2010", "CMRA": "CMRA 1929", "PCLBKA": "PCLBKA 2016"},
    law_sep=", ",
    ref=lambda year, seq: _cat("PP/", _num(year), "/", _num(seq, 6)),
    fir=lambda no, year, station: _cat(_num(no), "/", _num(year), " PS ", station),
    sentence="years", date_format="%d/%m/%Y",
    countries=_variants({"ARE": ("UAE", 6, "Dubai", 2, "United Arab Emirates", 2), "SAU": ("Saudi Arabia", 6, "KSA", 4),
                         "GBR": "UK"}),
    nationalities=_variants({"PAK": ("Pakistan", 9, "Pakistani", 1), "AFG": ("Afghanistan", 7, "Afghan", 3)}),
    unknown={"offence": ("Kidnapping", "Abduction of Minor"), "stage": ("Untraced", "Sent to DPP"),
             "outcome": ("P.O.", "Abated")},
)

SINDH_POLICE = Layout(
    source_id="sindh_police", stem="demo_sindh_police", fmt="csv", grain="case", encoding="cp1252", newline="\r\n",
    columns=(("Case ID", "case_ref"), ("Reported On", "date_reported"), ("Distt", "district"),
             ("Crime No. & P.S.", "fir_number"), ("FIR Regd On", "fir_date"), ("Complainant", "complainant"),
             ("Victim", "victim_name"), ("S/O, D/O, W/O", "father_name"), ("CNIC No.", "cnic"),
             ("Cell No.", "phone"), ("Residential Address", "address"), ("Nature of Crime", "offence"),
             ("Sections Applied", "law_sections"), ("Local / Abroad", "scope"), ("Country (if abroad)", "country"),
             ("Victims", "victim_count"), ("Sex", "victim_sex"), ("Age", "victim_age"),
             ("Nationality", "victim_nationality"), ("Shelter Referral", "victim_referred"),
             ("Accused Persons", "accused"), ("I.O. Report Date", "investigation_date"),
             ("Challaned On", "challan_date"), ("Stage", "stage"), ("Judgment Date", "verdict_date"),
             ("Court Result", "outcome"), ("Sentence", "sentence"), ("Gist of FIR", "narrative"),
             (SYNTHETIC_HEADER, "synthetic")),
    codes={
        "offence": _variants({
            "sexual_exploitation": "Human Trafficking (Prostitution)", "forced_labour": "Forced Labour",
            "bonded_labour/kiln": "Bonded Labour (Kiln)", "bonded_labour/agri": "Bonded Labour (Hari)",
            "bonded_labour/other": "Bonded Labour", "domestic_servitude": "Domestic Servitude",
            "forced_begging": "Beggary", "organ_removal": "Organ Trafficking",
            "forced_marriage": "Forced / Child Marriage", "other": "Trafficking - Others",
            "migrant_smuggling": "Human Smuggling"}),
        "scope": _variants({"internal": "Local", "transnational": "Abroad"}),
        "stage": _variants({"complaint": "Enquiry", "fir_registered": "Under Investigation",
                            "investigation_completed": "Investigation Finalised",
                            "charge_sheet_submitted": "Challaned", "trial_concluded": "Disposed"}),
        "outcome": _variants({"convicted": "Convicted", "acquitted": "Acquitted",
                              "compromise": ("Compromised", 6, "Victim Resiled", 4),
                              "discharged": "Discharged", "cancelled": ("B-Class", 6, "C-Class", 4),
                              "untraced": "A-Class",
                              "pending": ("Pending", 7, "", 3)}),
        "victim_sex": _variants({"female": ("F", 7, "Female", 3), "male": ("M", 7, "Male", 3),
                                 "transgender": "TG", "unknown": "Unk"}),
        "victim_referred": _variants({"yes": "Y", "no": "N"}),
    },
    laws={"PTPA": "PTPA", "PPC366A": "366A", "PPC370": "370", "PPC371A": "371A", "PPC371B": "371B", "PPC374": "374",
          "BLSA": "SBLSA", "PSMA": "PSMA", "PPC365B": "365B", "PPC420": "420", "CMRA": "SCMRA"},
    law_sep="/",
    ref=lambda year, seq: _cat("SP-", _num(year % 100, 2), "-", _num(seq, 5)),
    fir=lambda no, year, station: _cat("Cr. No. ", _num(no), "/", _num(year), " P.S. ", station),
    sentence="yrs_ri", date_format="%d-%b-%y",
    # "Türkiye" and the typographic apostrophes in the narratives are the file's Windows-1252 characters.
    countries=_variants({"TUR": "Türkiye", "ARE": "U.A.E", "SAU": "K.S.A", "OMN": ("Oman", 7, "Muscat", 3)}),
    nationalities=_variants({"MMR": ("Myanmar", 5, "Burma", 5), "PAK": ("Pakistan", 19, "Pakistani", 1)}),
    unknown={"offence": ("Habeas Corpus", "Kidnap for Ransom"), "stage": ("Transferred",),
             "outcome": ("A-Class", "Abated")},
    karachi_alone=0.10, missing_age=0.15, stray_delimiters=0.0005,
)


def _provincial_police(source_id: str, prefix: str) -> Layout:
    """KP, Balochistan and ICT police share one crime-record export format; each has its own toml."""
    return Layout(
        source_id=source_id, stem=f"demo_{source_id}", fmt="csv", grain="case", encoding="utf-8-sig", sep=";",
        newline="\r\n",
        columns=(("Ref #", "case_ref"), ("District Name", "district"), ("Date Reported", "date_reported"),
                 ("FIR Number", "fir_number"), ("Date of FIR", "fir_date"), ("Crime Type", "offence"),
                 ("Law/Sections", "law_sections"), ("Transnational (Y/N)", "scope"), ("Country", "country"),
                 ("Victim Name", "victim_name"), ("Father Name", "father_name"), ("CNIC", "cnic"),
                 ("Phone", "phone"), ("Address", "address"), ("Total Victims", "victim_count"),
                 ("Victim Sex", "victim_sex"), ("Victim Age (Yrs)", "victim_age"),
                 ("Victim Nationality", "victim_nationality"), ("Referred to Services", "victim_referred"),
                 ("Accused", "accused"), ("Investigation Finalised", "investigation_date"),
                 ("Challan Submitted", "challan_date"), ("Decision Date", "verdict_date"),
                 ("Current Stage", "stage"), ("Outcome", "outcome"), ("Sentence Awarded", "sentence"),
                 ("Details", "narrative"), (SYNTHETIC_HEADER, "synthetic")),
        codes={
            "offence": _variants({
                "sexual_exploitation": "TIP-SEX", "forced_labour": "TIP-LAB", "bonded_labour": "TIP-BL",
                "domestic_servitude": "TIP-DOM", "forced_begging": "TIP-BEG", "organ_removal": "TIP-ORG",
                "forced_marriage": "TIP-MAR", "other": "TIP-OTH", "migrant_smuggling": "SMUG"}),
            "scope": _variants({"internal": "N", "transnational": "Y"}),
            "stage": _variants({"complaint": "1-COMPLAINT", "fir_registered": "2-FIR",
                                "investigation_completed": "3-INV DONE", "charge_sheet_submitted": "4-CHALLAN",
                                "trial_concluded": "5-DECIDED"}),
            "outcome": _variants({"convicted": "CONVICTION", "acquitted": "ACQUITTAL", "compromise": "COMPROMISE",
                                  "discharged": "DISCHARGE", "pending": "PENDING",
                                  "cancelled": "CANCELLED", "untraced": "UNTRACED"}),
            "victim_sex": _variants({"female": "F", "male": "M", "transgender": "T", "unknown": "U"}),
            "victim_referred": _variants({"yes": "1", "no": "0"}),
        },
        laws={"PTPA": "PTPA 2018 s.3", "PPC366A": "PPC 366-A", "PPC370": "PPC 370", "PPC371A": "PPC 371-A",
              "PPC371B": "PPC 371-B", "PPC374": "PPC 374", "BLSA": "BLSA s.11", "PSMA": "PSMA 2018 s.3",
              "PPC365B": "PPC 365-B", "PPC420": "PPC 420", "THOTA": "THOTA 2010"},
        law_sep=" + ",
        ref=lambda year, seq: _cat(prefix, "-", _num(year), "-", _num(seq, 6)),
        fir=lambda no, year, station: _cat("FIR No. ", _num(no), "/", _num(year), " PS ", station),
        sentence="years_ri", date_format="%d.%m.%Y", iso3=True,
        unknown={"offence": ("KIDNAP",), "stage": ("0-DRAFT",), "outcome": ("PO",), "victim_sex": ("X",)},
        missing_age=0.12,
    )


FIA = Layout(
    source_id="fia", stem="demo_fia", fmt="xlsx", grain="victim",
    columns=(("Enquiry / Case No.", "case_ref"), ("Date of Complaint", "date_reported"),
             ("District (Victim's Domicile)", "district"), ("FIR No.", "fir_number"), ("FIR Date", "fir_date"),
             ("Nature of Case", "offence"), ("Legal Provisions", "law_sections"), ("Scope", "scope"),
             ("Destination / Origin Country", "country"), ("Victim Name", "victim_name"),
             ("Father Name", "father_name"), ("CNIC / Passport No.", "cnic"), ("Mobile No.", "phone"),
             ("Permanent Address", "address"), ("Victim Gender", "victim_sex"), ("Victim Age", "victim_age"),
             ("Victim Nationality", "victim_nationality"), ("Victim Referred (Y/N)", "victim_referred"),
             ("Agent / Accused Name", "accused"), ("Agent Mobile", "accused_phone"),
             ("Investigation Completed", "investigation_date"), ("Charge Sheet Date", "challan_date"),
             ("Case Stage", "stage"), ("Decision Date", "verdict_date"), ("Court Decision", "outcome"),
             ("Punishment", "sentence"), ("Case Summary", "narrative"), (SYNTHETIC_HEADER, "synthetic")),
    codes={
        "offence": _variants({
            "sexual_exploitation": "HT - Sexual Exploitation", "forced_labour": "HT - Forced Labour",
            "bonded_labour": "HT - Bonded Labour", "domestic_servitude": "HT - Domestic Servitude",
            "forced_begging": "HT - Begging", "organ_removal": "HT - Organ Removal",
            "forced_marriage": "HT - Forced Marriage", "other": "HT - Others",
            "migrant_smuggling": ("Human Smuggling", 8, "Illegal Emigration", 2)}),
        "scope": _variants({"internal": "Domestic", "transnational": "Transnational"}),
        "stage": _variants({"complaint": ("Enquiry", 7, "Complaint", 3), "fir_registered": "Case Registered",
                            "investigation_completed": "Investigation Finalized",
                            "charge_sheet_submitted": "Charge Sheet", "trial_concluded": "Decided"}),
        "outcome": _variants({"convicted": "Convicted", "acquitted": "Acquitted", "compromise": "Compromise",
                              "discharged": "Discharged", "pending": ("Pending", 5, "Under Trial", 5),
                              "cancelled": "Cancelled", "untraced": "Untraced"}),
        "victim_sex": _variants({"female": "Female", "male": "Male", "transgender": "Transgender",
                                 "unknown": "Unknown"}),
        "victim_referred": _variants({"yes": "Y", "no": "N"}),
    },
    laws={"PTPA": "PTPA-2018 S.3", "PPC366A": "PPC-366A", "PPC370": "PPC-370", "PPC371A": "PPC-371A",
          "PPC371B": "PPC-371B", "PPC374": "PPC-374", "BLSA": "BLSA-1992", "PSMA": "PSMA-2018 S.3",
          "PPC420": "PPC-420", "EO1979": "EO-1979 S.22", "PACHTO": "PACHTO-2002 S.3", "THOTA": "THOTA-2010"},
    law_sep=" + ",
    ref=lambda year, seq: _cat("AHTC/", _num(year), "/", _num(seq, 5)),
    fir=lambda no, year, circle: _cat("FIR No. ", _num(no), "/", _num(year), " AHTC ", circle),
    sentence="fia", date_format="%d-%b-%Y",
    countries=_variants({"ARE": ("U.A.E.", 7, "United Arab Emirates", 3), "SAU": ("Saudi Arabia", 8, "Saudia", 2)}),
    unknown={"offence": ("Visa Fraud", "Passport Forgery"), "stage": ("Transferred to Police",),
             "outcome": ("Consigned to Record Room",)},
    missing_age=0.04, case_fields_merged_until=2016,
)

PUNJAB_LABOUR = Layout(
    source_id="punjab_labour", stem="demo_punjab_labour", fmt="csv", grain="case",
    columns=(("DVC Case No.", "case_ref"), ("District", "district"), ("Date of Raid", "date_reported"),
             ("Kiln / Landlord Name", "kiln"), ("Owner Name", "accused"), ("Sector", "offence"),
             ("Labourers Released", "victim_count"), ("Labourer Name", "victim_name"),
             ("Father Name", "father_name"), ("CNIC", "cnic"), ("Mobile", "phone"), ("Address", "address"),
             ("Head of Family Gender", "victim_sex"), ("Head of Family Age", "victim_age"),
             ("Rehabilitation Referral", "victim_referred"), ("FIR No. (if lodged)", "fir_number"),
             ("Police Station", "police_station"), ("FIR Date", "fir_date"), ("Law Invoked", "law_sections"),
             ("Prosecution Status", "stage"), ("Challan Date", "challan_date"), ("Decision Date", "verdict_date"),
             ("Court Decision", "outcome"), ("Punishment", "sentence"), ("Remarks", "narrative"),
             (SYNTHETIC_HEADER, "synthetic")),
    codes={
        "offence": _variants({
            "bonded_labour/kiln": "Brick Kiln", "bonded_labour/agri": "Agriculture",
            "bonded_labour/other": ("Carpet Weaving", 5, "Power Loom", 5), "forced_labour": "Forced Labour (Other)",
            "domestic_servitude": "Domestic Work"}),
        "stage": _variants({"complaint": "Released - No FIR", "fir_registered": "FIR Lodged",
                            "investigation_completed": "Investigation Complete",
                            "charge_sheet_submitted": "Challan in Court", "trial_concluded": "Decided"}),
        "outcome": _variants({"convicted": "Convicted", "acquitted": "Acquitted",
                              "compromise": ("Compromise", 5, "Labourer Withdrew", 5), "discharged": "Discharged",
                              "pending": ("", 6, "Pending", 4), "cancelled": "FIR Cancelled", "untraced": "Untraced"}),
        "victim_sex": _variants({"female": "F", "male": "M", "transgender": "T", "unknown": "?"}),
        "victim_referred": _variants({"yes": ("Referred - Labour Welfare", 6, "Referred - Legal Aid", 4),
                                      "no": "Not Referred"}),
    },
    laws={"BLSA": "BLSA 1992 s.11", "PPC374": "PPC 374", "PTPA": "PTPA 2018", "PPC370": "PPC 370",
          "PCLBKA": "Punjab Prohibition of Child Labour at Brick Kilns Act 2016"},
    law_sep="; ",
    ref=lambda year, seq: _cat("DVC-", _num(year), "-", _num(seq, 5)),
    fir=lambda no, year, station: _cat("FIR ", _num(no), "/", _num(year)),
    sentence="years", date_format="%m/%d/%Y",
    unknown={"offence": ("Child Labour", "Other Sector"), "stage": ("Referred to Police",)},
    missing_age=0.25, totals_row=True,
)

CPWB = Layout(
    source_id="cpwb", stem="demo_cpwb", fmt="csv", grain="case", encoding="utf-16", sep="\t", newline="\r\n",
    columns=(("Registration No.", "case_ref"), ("Date of Rescue", "date_reported"), ("District", "district"),
             ("Child Name", "victim_name"), ("Father Name", "father_name"), ("Guardian CNIC", "cnic"),
             ("Guardian Phone", "phone"), ("Home Address", "address"), ("Gender", "victim_sex"),
             ("Age", "victim_age"), ("Nationality", "victim_nationality"), ("No. of Children", "victim_count"),
             ("Category", "offence"), ("Trafficked Abroad", "scope"), ("Country", "country"),
             ("Police FIR", "fir_number"), ("Sections", "law_sections"), ("Legal Status", "stage"),
             ("Decision", "outcome"), ("Referred for Rehabilitation", "victim_referred"),
             ("Rescue Details", "narrative"), (SYNTHETIC_HEADER, "synthetic")),
    codes={
        "offence": _variants({
            "forced_begging": "Begging", "domestic_servitude": "Child Domestic Labour",
            "sexual_exploitation": "Sexual Exploitation", "forced_labour": "Child Labour (Forced)",
            "forced_marriage": "Child Marriage", "other": "Trafficking", "bonded_labour": "Kiln Child (Bonded)"}),
        "scope": _variants({"internal": "No", "transnational": "Yes"}),
        "stage": _variants({"complaint": "No Legal Action", "fir_registered": "FIR Registered",
                            "investigation_completed": "Investigation Completed",
                            "charge_sheet_submitted": "Challan Submitted", "trial_concluded": "Case Decided"}),
        "outcome": _variants({"convicted": "Convicted", "acquitted": "Acquitted",
                              "compromise": "Compromise (Parents)", "discharged": "Discharged",
                              "pending": ("", 5, "Pending", 5), "cancelled": "Cancelled", "untraced": "Untraced"}),
        "victim_sex": _variants({"female": "Girl", "male": "Boy", "transgender": "Khawaja Sira",
                                 "unknown": "Not Known"}),
        "victim_referred": _variants({"yes": "Yes", "no": "No"}),
    },
    laws={"PTPA": "PTPA", "PPC366A": "366-A", "PPC370": "370", "PPC371A": "371-A", "PPC371B": "371-B",
          "PPC374": "374", "BLSA": "BLSA", "CMRA": "CMRA", "PDNCA": "PDNCA 2004"},
    law_sep=",",
    ref=lambda year, seq: _cat("CPWB/", _num(year), "/", _num(seq, 6)),
    fir=lambda no, year, station: _cat(_num(no), "/", _num(year % 100, 2), " PS ", station),
    sentence="years", date_format="%Y-%m-%d %H:%M",
    unknown={"offence": ("Lost Child", "Runaway"), "victim_sex": ("-",)},
    missing_age=0.02, time_of_day=True,
)

NGO = Layout(
    source_id="ngo_haqdar", stem="demo_ngo_haqdar", fmt="csv", grain="victim",
    columns=(("Case ID", "case_ref"), ("Intake Date", "date_reported"), ("District / ضلع", "district"),
             ("Survivor Name", "victim_name"), ("Father/Husband Name", "father_name"), ("CNIC", "cnic"),
             ("Phone", "phone"), ("Address", "address"), ("Sex", "victim_sex"), ("Age", "victim_age"),
             ("Nationality", "victim_nationality"), ("Type of Exploitation", "offence"), ("Cross-border?", "scope"),
             ("Country", "country"), ("Services Referred To", "victim_referred"), ("FIR Details", "fir_number"),
             ("FIR Date", "fir_date"), ("Law", "law_sections"), ("Legal Stage", "stage"),
             ("Verdict Date", "verdict_date"), ("Case Result", "outcome"), ("Sentence", "sentence"),
             ("Case Notes", "narrative"), (SYNTHETIC_HEADER, "synthetic")),
    codes={
        "offence": _variants({
            "sexual_exploitation": "Sex trafficking", "forced_labour": "Forced labour",
            "bonded_labour/kiln": "Bonded labour (brick kiln)", "bonded_labour/agri": "Bonded labour (hari)",
            "bonded_labour/other": "Bonded labour (other)", "domestic_servitude": "Domestic servitude",
            "forced_begging": "Forced begging", "organ_removal": "Organ trafficking",
            "forced_marriage": ("Forced marriage", 7, "Bride trafficking", 3), "other": "Other trafficking",
            "migrant_smuggling": "Migrant smuggling"}),
        "scope": _variants({"internal": "No", "transnational": "Yes"}),
        "stage": _variants({"complaint": "No FIR", "fir_registered": "FIR lodged",
                            "investigation_completed": "Investigation complete",
                            "charge_sheet_submitted": "Challan filed", "trial_concluded": "Trial concluded"}),
        "outcome": _variants({"convicted": "Conviction", "acquitted": "Acquittal",
                              "compromise": ("Compromise", 5, "Survivor withdrew", 5), "discharged": "Discharged",
                              "pending": "Pending", "cancelled": "Cancelled", "untraced": "Untraced"}),
        "victim_sex": _variants({"female": ("female", 9, "خاتون", 1), "male": ("male", 9, "مرد", 1),
                                 "transgender": ("trans", 7, "خواجہ سرا", 3), "unknown": "unknown"}),
        "victim_referred": _variants({
            "yes": ("Shelter", 3, "Legal aid", 3, "Medical", 1, "Psychosocial support", 1, "Shelter + legal aid", 2),
            "no": "None"}),
    },
    laws={"PTPA": "PTPA 2018", "PPC366A": "PPC 366A", "PPC370": "PPC 370", "PPC371A": "PPC 371A",
          "PPC371B": "PPC 371B", "PPC374": "PPC 374", "BLSA": "BLSA 1992", "PSMA": "PSMA 2018",
          "PPC365B": "PPC 365B", "CMRA": "Child Marriage Restraint Act"},
    law_sep="; ",
    ref=lambda year, seq: _cat("HSN-", _num(year % 100, 2), _num(seq, 5)),
    fir=lambda no, year, station: _cat("FIR No. ", _num(no), "/", _num(year), ", PS ", station),
    sentence="ngo", date_format="%d %b %Y",
    unknown={"offence": ("Domestic violence", "Missing person"), "outcome": ("Unknown",)},
    urdu_names=0.25, urdu_districts=0.06, karachi_alone=0.10, missing_age=0.08,
)

LAYOUTS: dict[str, Layout] = {lay.source_id: lay for lay in (
    PUNJAB_POLICE, SINDH_POLICE, _provincial_police("kp_police", "KP"),
    _provincial_police("balochistan_police", "BAL"), _provincial_police("ict_police", "ICT"),
    FIA, PUNJAB_LABOUR, CPWB, NGO,
)}


# --- simulation --------------------------------------------------------------------------------------------------

OUTCOMES = ("convicted", "acquitted", "compromise", "discharged", "pending", "cancelled", "untraced")
COUNTRIES = ("", *COUNTRY_NAMES)          # ISO3 codes; "" = none
STATION_NAMES = tuple(dict.fromkeys(STATIONS + SINDH_STATIONS))
# FIA registers its FIRs at the police station of an Anti-Human Trafficking Circle: "AHTC Lahore".
CIRCLE_NAMES = tuple(dict.fromkeys((*FIA_CIRCLES.values(), *FIA_PROVINCE_CIRCLES.values())))
OFFICE_NAMES = STATION_NAMES + tuple(f"AHTC {c}" for c in CIRCLE_NAMES)
SECTOR_NAMES = ("", *SECTORS)
# Raids: a kiln raid logged by the NGO, or a group of labourers trafficked together that FIA registers, frees many
# people at once, most of them men and boys of a few ages: many victims of one sex and age band in one case. Of
# the NGO's bonded-labour cases and FIA's forced-labour cases, this share are raids of RAID_VICTIMS people.
RAID_SHARE = {"ngo_haqdar": ("bonded_labour", 0.15), "fia": ("forced_labour", 0.15)}
RAID_VICTIMS = (8, 40)
RAID_AGES = (12, 45)
RAID_MALE = 0.9


@dataclass
class Simulation:
    """The truth behind the exports: one row per case, per victim and per agency report of a case.

    Text fields are pandas categoricals (cheap at a million rows); dates are datetimes, NaT when not reached."""

    cases: pd.DataFrame
    victims: pd.DataFrame
    reports: pd.DataFrame
    gazetteer: pd.DataFrame


def _rng(seed: int, stream: str) -> np.random.Generator:
    """An independent random stream per purpose, so changing one part leaves the other parts' draws alone."""
    return np.random.default_rng([seed, zlib.crc32(stream.encode())])


def gazetteer() -> pd.DataFrame:
    """The 156 districts with the population weight used to place cases."""
    from tipcore import config

    gaz = pd.read_csv(config.reference_dir() / "districts.csv", dtype={"aliases": str}, keep_default_na=False,
                      na_values={"population_2023": [""]})
    gaz["weight"] = gaz["population_2023"].fillna(NO_CENSUS_POPULATION).astype(float)
    return gaz[["district_id", "name", "division", "province", "population_2023", "weight", "aliases"]]


def _coded_column(codes: np.ndarray, categories) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=list(categories))


def _categorical(rng: np.random.Generator, group: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """One draw per row from the distribution probs[group[row]]."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    return (rng.random(group.size)[:, None] > cum[group]).sum(axis=1).clip(0, probs.shape[1] - 1)


def _weighted(rng: np.random.Generator, table: dict[str, float], size: int) -> np.ndarray:
    """Country codes (indexes into COUNTRIES) drawn by weight."""
    codes = np.array([COUNTRIES.index(k) for k in table])
    weights = np.array(list(table.values()), dtype=float)
    return codes[rng.choice(codes.size, size, p=weights / weights.sum())]


def _rank_within(keys: np.ndarray) -> np.ndarray:
    """0, 1, 2, ... within each run of equal values of a sorted array."""
    starts = np.r_[0, np.flatnonzero(keys[1:] != keys[:-1]) + 1]
    return np.arange(keys.size) - np.repeat(starts, np.diff(np.r_[starts, keys.size]))


def _district_weights(gaz: pd.DataFrame, source: str, offence: str) -> np.ndarray:
    """Where an agency's cases of one offence happen: population times hotspot, split by the agency's provinces."""
    hot = HOTSPOTS.get(offence, {})
    if SOURCE_TYPE[source] == "fia":
        hot = {**MIGRATION_ROUTES, **hot}
    w = gaz["weight"].to_numpy() * gaz["name"].map(hot).fillna(1.0).to_numpy()
    w = np.where(gaz["name"].isin(SILENT_DISTRICTS).to_numpy(), 0.0, w)
    out = np.zeros(len(gaz))
    shares = PROVINCE_OVERRIDES.get((source, offence), SOURCE_PROVINCES[source])
    total = sum(shares.values())
    for province, share in shares.items():
        in_province = (gaz["province"] == province).to_numpy()
        out[in_province] = share / total * w[in_province] / w[in_province].sum()
    return out / out.sum()


def _report_days(rng: np.random.Generator, n: int) -> np.ndarray:
    year = rng.choice(YEARS, n, p=YEAR_WEIGHTS / YEAR_WEIGHTS.sum())
    start = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]")
    length = ((year + 1 - 1970).astype("datetime64[Y]").astype("datetime64[D]") - start).astype(int)
    return start + (rng.random(n) * length).astype(int)


def _delay(rng: np.random.Generator, n: int, base: float, shape: float, scale: float) -> np.ndarray:
    return (base + rng.gamma(shape, scale, n)).astype(int).astype("timedelta64[D]")


def _progress(rng: np.random.Generator, source: np.ndarray, offence: np.ndarray,
              reported: np.ndarray) -> dict[str, np.ndarray]:
    """Stage dates, stage, outcome and sentence of each case, cut off at the export date."""
    n = source.size
    kinds = [SOURCE_TYPE[s] for s in SOURCES]
    kind = np.array(kinds)[source]
    has_fir = rng.random(n) < np.array([FIR_RATE[k] for k in kinds])[source]
    investigated = has_fir & (rng.random(n) < INVESTIGATED)
    charged = investigated & (rng.random(n) < np.array([CHARGE_SHEETED[k] for k in kinds])[source])
    concluded = charged & (rng.random(n) < CONCLUDED)
    closing = rng.random(n)
    closed = investigated & ~charged & (closing < DISCHARGED)
    # Police often register the FIR the day the complaint comes in; FIA runs an enquiry first.
    same_day = (kind == "police") & (rng.random(n) < 0.5)
    fir_wait = np.where(kind == "fia", _delay(rng, n, 7, 1.5, 45), _delay(rng, n, 1, 1.0, 20))
    fir = reported + np.where(same_day, np.timedelta64(0, "D"), fir_wait)
    investigation = fir + _delay(rng, n, 14, 2.0, 45)
    challan = investigation + _delay(rng, n, 7, 2.0, 30)
    verdict = challan + (90 + rng.lognormal(np.log(620), 0.65, n)).astype(int).astype("timedelta64[D]")
    dates = {}
    reached = np.ones(n, bool)
    for name, day, happens in (("fir_date", fir, has_fir), ("investigation_date", investigation, investigated),
                               ("challan_date", challan, charged), ("verdict_date", verdict, concluded)):
        reached &= happens & (day <= EXPORT_DAY)
        dates[name] = np.where(reached, day, np.datetime64("NaT"))
    stage = sum((~np.isnat(dates[name])).astype(int) for name in dates)
    verdict_kind = _categorical(rng, source, np.array([VERDICTS[s] for s in SOURCES]))
    outcome = np.where(stage == 4, verdict_kind, OUTCOMES.index("pending"))
    # The closure's kind from where the same draw fell below DISCHARGED, so no other draw of the generator moves.
    bounds = DISCHARGED * np.cumsum([share for _kind, share in CLOSURES])
    closure_codes = np.array([OUTCOMES.index(kind) for kind, _share in CLOSURES])
    closure = closure_codes[np.searchsorted(bounds, closing, side="right").clip(0, len(CLOSURES) - 1)]
    outcome = np.where(closed & (stage == 2), closure, outcome)
    convicted = outcome == OUTCOMES.index("convicted")
    months = np.zeros(n, int)
    for i, off in enumerate(OFFENCES):
        rows = convicted & (offence == i)
        terms, weights = SENTENCES[off]
        months[rows] = rng.choice(terms, rows.sum(), p=np.array(weights) / sum(weights))
    fine_only = convicted & (rng.random(n) < FINE_ONLY)
    return {**dates, "stage": stage, "outcome": outcome, "sentence_months": np.where(fine_only, 0, months),
            "fine_only": fine_only}


def _laws(rng: np.random.Generator, offence: np.ndarray, reported: np.ndarray, transnational: np.ndarray,
          child_girl: np.ndarray, source: np.ndarray) -> np.ndarray:
    """Bit mask of the sections each case cites (LAW_BITS)."""
    n = offence.size
    mask = np.zeros(n, np.int64)
    for i, off in enumerate(OFFENCES):
        rows = offence == i
        for code, chance in LAW_CHANCES[off].items():
            mask[rows & (rng.random(n) < chance)] |= LAW_BITS[code]
    before = reported < PTPA_DAY
    trafficking = offence != OFFENCES.index("migrant_smuggling")
    # Before the PTPA, transnational trafficking went under PACHTO and smuggling under the Emigration Ordinance.
    had_new_law = (mask & (LAW_BITS["PTPA"] | LAW_BITS["PSMA"])) > 0
    mask[before] &= ~(LAW_BITS["PTPA"] | LAW_BITS["PSMA"])
    mask[before & had_new_law & transnational & trafficking] |= LAW_BITS["PACHTO"]
    mask[before & had_new_law & ~trafficking] |= LAW_BITS["EO1979"]
    procured_minor = child_girl & np.isin(offence, [OFFENCES.index("sexual_exploitation"),
                                                    OFFENCES.index("forced_marriage")])
    mask[procured_minor & (rng.random(n) < 0.5)] |= LAW_BITS["PPC366A"]
    mask[child_girl & (offence == OFFENCES.index("forced_marriage")) & (rng.random(n) < 0.3)] |= LAW_BITS["CMRA"]
    mask[(source == SOURCES.index("fia")) & trafficking & (rng.random(n) < 0.08)] |= LAW_BITS["PPC420"]
    mask[(source == SOURCES.index("cpwb")) & (rng.random(n) < 0.3)] |= LAW_BITS["PDNCA"]
    kiln_child = (offence == OFFENCES.index("bonded_labour")) & ~before & (rng.random(n) < 0.2)
    in_punjab_kilns = np.isin(source, [SOURCES.index("punjab_labour"), SOURCES.index("punjab_police")])
    mask[kiln_child & in_punjab_kilns] |= LAW_BITS["PCLBKA"]
    return mask


def _raids(rng: np.random.Generator, source: np.ndarray, offence: np.ndarray) -> np.ndarray:
    """Which cases are raids (RAID_SHARE); drawn from a stream of their own, so the other draws stay as they were."""
    raid = np.zeros(source.size, bool)
    u = rng.random(source.size)
    for src, (off, share) in RAID_SHARE.items():
        raid |= (source == SOURCES.index(src)) & (offence == OFFENCES.index(off)) & (u < share)
    return raid


def _victim_counts(rng: np.random.Generator, source: np.ndarray, offence: np.ndarray, raid: np.ndarray,
                   raid_size: np.ndarray) -> np.ndarray:
    """Mostly one victim; families at kilns and in sharecropping; small groups in smuggling cases; raids."""
    n = source.size
    ngo, fia = source == SOURCES.index("ngo_haqdar"), source == SOURCES.index("fia")
    bonded = offence == OFFENCES.index("bonded_labour")
    smuggled = fia & (offence == OFFENCES.index("migrant_smuggling"))
    counts = 2 + rng.poisson(1.0, n)
    single = rng.random(n) < 0.86
    family = 2 + np.floor(rng.lognormal(np.log(4), 0.8, n)).astype(int)
    small_family = 2 + np.floor(rng.lognormal(np.log(3), 0.6, n)).astype(int)
    counts = np.where(bonded, np.where(ngo, small_family.clip(max=25), family.clip(max=150)), counts)
    single = np.where(bonded, rng.random(n) < np.where(ngo, 0.4, 0.3), single)
    # FIA smuggling complaints come mostly from one migrant against an agent, sometimes from a group.
    counts = np.where(smuggled, 2 + rng.poisson(2.0, n), counts)
    single = np.where(smuggled, rng.random(n) < 0.82, single)
    single = np.where(source == SOURCES.index("cpwb"), rng.random(n) < 0.9, single)
    return np.where(raid, raid_size, np.where(single, 1, counts.clip(max=60)))


def _victims(rng: np.random.Generator, count: np.ndarray, offence: np.ndarray, source: np.ndarray,
             nationality: np.ndarray, raid: np.ndarray, raid_rng: np.random.Generator) -> dict[str, np.ndarray]:
    """One entry per victim; victim 0 of a bonded-labour family is usually its head, an adult man. The people
    freed in a raid are mostly men and boys of RAID_AGES, so many share a sex and an age band, some an age."""
    case = np.repeat(np.arange(count.size), count)
    victim_no = _rank_within(case)
    offence, source = offence[case], source[case]
    sex = _categorical(rng, offence, np.array([SEX_MIX[o] for o in OFFENCES]))
    head = (offence == OFFENCES.index("bonded_labour")) & (victim_no == 0)
    sex = np.where(head & (rng.random(case.size) < 0.75), SEXES.index("male"), sex)
    child = rng.random(case.size) < np.array([CHILD_SHARE[o] for o in OFFENCES])[offence]
    child = (child & ~head) | (source == SOURCES.index("cpwb"))
    married_young = offence == OFFENCES.index("forced_marriage")
    child_age = np.where(married_young, 12 + rng.integers(0, 6, case.size), 5 + rng.integers(0, 13, case.size))
    adult_age = (18 + rng.gamma(2.0, 7.5, case.size)).astype(int).clip(max=75)
    referred = rng.random(case.size) < np.array([REFERRED[SOURCE_TYPE[s]] for s in SOURCES])[source]
    in_raid = raid[case]
    male = raid_rng.random(case.size) < RAID_MALE
    sex = np.where(in_raid, np.where(male, SEXES.index("male"), SEXES.index("female")), sex)
    age = np.where(in_raid, raid_rng.integers(RAID_AGES[0], RAID_AGES[1] + 1, case.size),
                   np.where(child, child_age, adult_age))
    return {"case": case, "victim_no": victim_no, "sex": sex, "age": age,
            "nationality": nationality[case], "referred": referred}


def _fir_numbers(rng: np.random.Generator, office: np.ndarray, fir: np.ndarray) -> np.ndarray:
    """FIR numbers as police stations give them: from 1 every year at every station (``office``), so 45/2023 is
    an FIR at many stations of a district and of other districts. Number, year, station and district together
    point at one case, which two agencies citing it share."""
    has = ~np.isnat(fir)
    key = np.where(has, office * 1000 + fir.astype("datetime64[Y]").astype(int), -1)
    order = np.lexsort((fir, key))
    numbers = np.empty(key.size, int)
    numbers[order] = 1 + _rank_within(key[order]) * 3 + rng.integers(0, 3, key.size)
    return np.where(has, numbers, 0)


def _reports(rng: np.random.Generator, source: np.ndarray, offence: np.ndarray, reported: np.ndarray,
             fir: np.ndarray, child: np.ndarray) -> pd.DataFrame:
    """Each case's report by its own agency, plus copies of some police and FIA cases reported again by the labour
    department, the Bureau or the NGO, which cite the police FIR number."""
    n = source.size
    police = [SOURCES.index(s) for s in SOURCES if SOURCE_TYPE[s] in ("police", "fia")]
    by_police = np.isin(source, police) & ~np.isnat(fir)
    punjab_police = (source == SOURCES.index("punjab_police")) & by_police
    child_cases = np.isin(offence, [OFFENCES.index(o) for o in ("forced_begging", "domestic_servitude",
                                                                "sexual_exploitation", "forced_labour")])
    eligible = {"punjab_labour": punjab_police & (offence == OFFENCES.index("bonded_labour")),
                "cpwb": punjab_police & child & child_cases, "ngo_haqdar": by_police}
    cases, sources, days = [np.arange(n)], [source], [reported]
    for target, rows in eligible.items():
        picked = np.flatnonzero(rows & (rng.random(n) < COPY_SHARE[target]))
        cases.append(picked)
        sources.append(np.full(picked.size, SOURCES.index(target)))
        days.append(np.minimum(fir[picked] + rng.integers(0, 60, picked.size).astype("timedelta64[D]"), EXPORT_DAY))
    case, source, day = np.concatenate(cases), np.concatenate(sources), np.concatenate(days)
    sent = ~_in_gap(source, day)
    case, source, day = case[sent], source[sent], day[sent]
    order = np.lexsort((case, day, source))
    case, source, day = case[order], source[order], day[order]
    year = day.astype("datetime64[Y]").astype(int) + 1970
    return pd.DataFrame({"case": case, "source": _coded_column(source, SOURCES), "reported": day,
                         "seq": 1 + _rank_within(source * 10_000 + year)})


def _in_gap(source: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Reports that fall in their agency's REPORTING_GAPS."""
    out = np.zeros(source.size, bool)
    for name, windows in REPORTING_GAPS.items():
        for start, end in windows:
            out |= (source == SOURCES.index(name)) & (day >= np.datetime64(start)) & (day < np.datetime64(end))
    return out


def simulate(cases: int, seed: int) -> Simulation:
    """The truth behind `cases` synthetic cases (deterministic for a seed)."""
    if cases < 1:
        raise ValueError("the demo needs at least one case")
    gaz = gazetteer()
    rng = _rng(seed, "cases")
    source = rng.choice(len(SOURCES), cases, p=np.array(list(PRIMARY_SHARES.values())))
    offence = _categorical(rng, source, np.array([OFFENCE_MIX[s] for s in SOURCES]))
    district = np.zeros(cases, int)
    for s, name in enumerate(SOURCES):
        for o, off in enumerate(OFFENCES):
            rows = np.flatnonzero((source == s) & (offence == o))
            if rows.size:
                district[rows] = rng.choice(len(gaz), rows.size, p=_district_weights(gaz, name, off))
    provinces = tuple(dict.fromkeys(gaz["province"]))
    province = np.array([provinces.index(p) for p in gaz["province"]])[district]
    reported = _report_days(rng, cases)

    chance = np.array([TRANSNATIONAL[SOURCE_TYPE[s]] for s in SOURCES])[source, offence]
    boost = gaz["name"].map(TRANSNATIONAL_BOOST).fillna(1.0).to_numpy()[district]
    boost = np.where(source == SOURCES.index("fia"), 1.0, boost)
    chance = np.maximum(chance, np.minimum(chance * boost, 0.9))
    transnational = rng.random(cases) < chance
    inbound = transnational & (offence != OFFENCES.index("migrant_smuggling")) & (rng.random(cases) < INBOUND_SHARE)
    country = np.zeros(cases, int)
    for off, table in DESTINATIONS.items():
        rows = transnational & (offence == OFFENCES.index(off))
        country[rows] = _weighted(rng, table, rows.sum())
    country[inbound] = _weighted(rng, ORIGINS, inbound.sum())
    nationality = np.full(cases, COUNTRIES.index("PAK"))
    u = rng.random(cases)
    for prov, table in FOREIGN_VICTIMS.items():
        edge = 0.0
        for iso, share in table.items():
            here = (province == provinces.index(prov)) & ~transnational & (u >= edge) & (u < edge + share)
            nationality[here] = COUNTRIES.index(iso)
            edge += share
    nationality[(offence == OFFENCES.index("migrant_smuggling")) & (u < 0.06)] = COUNTRIES.index("AFG")
    nationality[inbound] = country[inbound]

    sector_mix = np.array([SECTOR_MIX.get(p, DEFAULT_SECTOR_MIX) for p in gaz["province"]])[district]
    sector = 1 + _categorical(rng, np.arange(cases), sector_mix)
    sector = np.where(offence == OFFENCES.index("bonded_labour"), sector, 0)
    raid_rng = _rng(seed, "raids")
    raid = _raids(raid_rng, source, offence)
    victim_count = _victim_counts(rng, source, offence, raid,
                                  raid_rng.integers(RAID_VICTIMS[0], RAID_VICTIMS[1] + 1, cases))
    progress = _progress(rng, source, offence, reported)
    victims = _victims(_rng(seed, "victims"), victim_count, offence, source, nationality, raid, raid_rng)
    first = np.r_[0, np.cumsum(victim_count)[:-1]]
    victim_sex, victim_age = victims["sex"][first], victims["age"][first]
    child_girl = (victim_age < 18) & (victim_sex == SEXES.index("female"))
    station = np.where(province == provinces.index(SINDH),
                       rng.choice([STATION_NAMES.index(s) for s in SINDH_STATIONS], cases),
                       rng.choice([STATION_NAMES.index(s) for s in STATIONS], cases))
    # FIA's cases are registered at the circle that covers the district (victim's domicile).
    circle = np.array([len(STATION_NAMES) + CIRCLE_NAMES.index(FIA_CIRCLES.get(d) or FIA_PROVINCE_CIRCLES[p])
                       for d, p in zip(gaz["division"], gaz["province"], strict=True)])[district]
    station = np.where(source == SOURCES.index("fia"), circle, station)
    # The office that numbers the FIR: a police station of the district, or an FIA circle (several districts).
    office = np.where(station < len(STATION_NAMES), district * len(OFFICE_NAMES) + station,
                      len(gaz) * len(OFFICE_NAMES) + station)
    frame = pd.DataFrame({
        "source": _coded_column(source, SOURCES), "district": district,
        "district_name": _coded_column(district, gaz["name"]), "province": _coded_column(province, provinces),
        "offence": _coded_column(offence, OFFENCES), "sector": _coded_column(sector, SECTOR_NAMES),
        "reported": reported, "scope": _coded_column(transnational.astype(int), ("internal", "transnational")),
        "country": _coded_column(country, COUNTRIES), "nationality": _coded_column(nationality, COUNTRIES),
        "victim_count": victim_count,
        **{k: progress[k] for k in ("fir_date", "investigation_date", "challan_date", "verdict_date")},
        "stage": _coded_column(progress["stage"], STAGES), "outcome": _coded_column(progress["outcome"], OUTCOMES),
        "sentence_months": progress["sentence_months"], "fine_only": progress["fine_only"],
        "victim_sex": _coded_column(victim_sex, SEXES), "victim_age": victim_age,
        "victim_referred": victims["referred"][first],
        "law_mask": _laws(rng, offence, reported, transnational, child_girl, source),
        "fir_no": _fir_numbers(rng, office, progress["fir_date"]),
        "station": _coded_column(station, OFFICE_NAMES),
    })
    victim_frame = pd.DataFrame({**victims, "sex": _coded_column(victims["sex"], SEXES),
                                 "nationality": _coded_column(victims["nationality"], COUNTRIES)})
    reports = _reports(_rng(seed, "reports"), source, offence, reported, progress["fir_date"], victim_age < 18)
    return Simulation(cases=frame, victims=victim_frame, reports=reports, gazetteer=gaz)


# --- rendering: one agency's view of its cases -------------------------------------------------------------------

def _strftime(day: dt.date, fmt: str) -> str:
    """Locale-independent strftime for the few codes agencies use (month names always English)."""
    month = MONTHS[day.month - 1]
    for code, text in (("%Y", f"{day.year:04d}"), ("%y", f"{day.year % 100:02d}"), ("%m", f"{day.month:02d}"),
                       ("%d", f"{day.day:02d}"), ("%b", month[:3]), ("%B", month)):
        fmt = fmt.replace(code, text)
    return fmt


def _date_part(fmt: str) -> str:
    return fmt.split(" %H")[0]


def _date_text(days: np.ndarray, fmt: str) -> np.ndarray:
    """Dates as text in fmt ('' where missing), formatting each distinct day once."""
    out = np.full(days.size, "", dtype=S)
    ok = ~np.isnat(days)
    unique, inverse = np.unique(days[ok], return_inverse=True)
    table = np.array([_strftime(d, _date_part(fmt)) for d in unique.astype(dt.date)], dtype=S)
    out[ok] = table[inverse]
    return out


def _impossible_date(fmt: str, year: int) -> str:
    """31 February of a year, written in the agency's format."""
    fake = {"%Y": f"{year:04d}", "%y": f"{year % 100:02d}", "%m": "02", "%d": "31", "%b": "Feb", "%B": "February"}
    text = _date_part(fmt)
    for code, value in fake.items():
        text = text.replace(code, value)
    return text


def _lookup(column: pd.Series, table: dict | None = None, default: str = "") -> np.ndarray:
    """A categorical column as text, each category mapped through table (when given) once."""
    categories = list(column.cat.categories)
    texts = [table.get(c, default) for c in categories] if table is not None else categories
    return np.asarray(texts, dtype=S)[column.cat.codes.to_numpy()]


def _pick(rng: np.random.Generator, values: np.ndarray, table: Variants) -> np.ndarray:
    """Each value's spelling, drawn by weight; values without an entry are written as they are."""
    out = np.asarray(values, dtype=S).copy()
    for key, spellings in table.items():
        rows = np.flatnonzero(out == key)
        if rows.size:
            texts = np.array([t for t, _ in spellings], dtype=S)
            weights = np.array([w for _, w in spellings], dtype=float)
            out[rows] = texts[rng.choice(texts.size, rows.size, p=weights / weights.sum())]
    return out


def _some(rng: np.random.Generator, n: int, rate: float) -> np.ndarray:
    return rng.random(n) < rate


def _coded(rng: np.random.Generator, layout: Layout, fld: str, values: np.ndarray) -> np.ndarray:
    """A coded field in the agency's words, with a few unknown codes, capitals and gaps."""
    out = _pick(rng, values, layout.codes.get(fld, {}))
    unknown = layout.unknown.get(fld)
    if unknown:
        rows = np.flatnonzero(_some(rng, out.size, UNKNOWN_CODE_RATE))
        out[rows] = np.array(unknown, dtype=S)[rng.integers(0, len(unknown), rows.size)]
    shout = _some(rng, out.size, CODE_IN_CAPITALS)
    out[shout] = np.strings.upper(out[shout])
    out[_some(rng, out.size, MISSING_OPTIONAL)] = ""
    return out


def _spelling_table(gaz: pd.DataFrame, spellings: dict[str, tuple[str, ...]]) -> tuple[np.ndarray, np.ndarray,
                                                                                        np.ndarray]:
    """Flattened per-district spelling lists: (offsets, counts, flat texts)."""
    lists = [tuple(spellings.get(name, ())) for name in gaz["name"]]
    counts = np.array([len(v) for v in lists])
    offsets = np.r_[0, np.cumsum(counts)[:-1]]
    flat = np.array([t for v in lists for t in v] or [""], dtype=S)
    return offsets, counts, flat


def _respell(rng: np.random.Generator, out: np.ndarray, district: np.ndarray, gaz: pd.DataFrame,
             spellings: dict[str, tuple[str, ...]], rate: float, where: np.ndarray | None = None) -> None:
    offsets, counts, flat = _spelling_table(gaz, spellings)
    n = counts[district]
    rows = (n > 0) & _some(rng, district.size, rate)
    if where is not None:
        rows &= where
    k = (rng.random(district.size) * np.maximum(n, 1)).astype(int)
    out[rows] = flat[(offsets[district] + k)[rows]]


def _district_text(rng: np.random.Generator, layout: Layout, rows: pd.DataFrame, gaz: pd.DataFrame,
                   phones: np.ndarray, names: np.ndarray) -> np.ndarray:
    district = rows["district"].to_numpy()
    out = gaz["name"].to_numpy().astype(S)[district]
    # Gazetteer aliases include Urdu script: only the agencies that write Urdu use those.
    aliases = {name: tuple(a for a in str(al).split("|") if a and (a.isascii() or layout.urdu_districts))
               for name, al in zip(gaz["name"], gaz["aliases"], strict=True)}
    _respell(rng, out, district, gaz, aliases, ALIAS_RATE)
    recent = rows["reported"].to_numpy() >= np.datetime64("2023-01-01")
    _respell(rng, out, district, gaz, {k: (v,) for k, v in NEW_DISTRICTS.items()}, NEW_DISTRICT_RATE, recent)
    _respell(rng, out, district, gaz, MESSY_DISTRICTS, VARIANT_RATE)
    _respell(rng, out, district, gaz, dict.fromkeys(KARACHI, ("Karachi",)), layout.karachi_alone)
    _respell(rng, out, district, gaz, {k: (v,) for k, v in URDU_DISTRICTS.items()}, layout.urdu_districts)
    upper = _some(rng, out.size, UPPER_RATE)
    out[upper] = np.strings.upper(out[upper])
    spaced = _some(rng, out.size, SPACES_RATE)
    out[spaced] = _cat(" ", np.strings.replace(out[spaced], " ", "  "), " ")
    wrong = np.flatnonzero(_some(rng, out.size, IDENTIFIER_IN_DISTRICT))
    out[wrong] = np.where(rng.random(wrong.size) < 0.5, phones[wrong], names[wrong])
    out[_some(rng, out.size, MISSING_DISTRICT)] = ""
    return out


def _names(rng: np.random.Generator, sex: np.ndarray, urdu_share: float) -> np.ndarray:
    n = sex.size
    urdu = _some(rng, n, urdu_share)
    pools = {(False, False): MALE_NAMES, (False, True): FEMALE_NAMES, (True, False): MALE_NAMES_URDU,
             (True, True): FEMALE_NAMES_URDU}
    out = np.empty(n, dtype=S)
    female = sex == "female"
    for (in_urdu, is_female), pool in pools.items():
        rows = (urdu == in_urdu) & (female == is_female)
        out[rows] = np.array(pool, dtype=S)[rng.integers(0, len(pool), rows.sum())]
    return out


def _cnic(rng: np.random.Generator, region: np.ndarray, male: np.ndarray) -> np.ndarray:
    """CNICs: province digit, 4-digit area, 7 digits, check digit odd for men and even for women (NADRA practice);
    a fifth are typed without dashes."""
    n = region.size
    area = _cat(region, _num(rng.integers(1000, 10000, n)))
    last = rng.integers(0, 5, n) * 2 + male.astype(int)
    dashed = _cat(area, "-", _num(rng.integers(0, 10_000_000, n), 7), "-", _num(last))
    return np.where(_some(rng, n, 0.2), np.strings.replace(dashed, "-", ""), dashed)


def _phones(rng: np.random.Generator, n: int) -> np.ndarray:
    """Mobile numbers as typed: 03XX-XXXXXXX, +92 3XX XXXXXXX or 923XXXXXXXXX."""
    operator, subscriber = _num(rng.integers(0, 50, n), 2), _num(rng.integers(0, 10_000_000, n), 7)
    style = rng.choice(3, n, p=[0.6, 0.25, 0.15])
    return np.where(style == 0, _cat("03", operator, "-", subscriber),
                    np.where(style == 1, _cat("+92 3", operator, " ", subscriber), _cat("923", operator, subscriber)))


def _addresses(rng: np.random.Generator, district: np.ndarray, urdu_share: float) -> np.ndarray:
    n = district.size
    house, street = _num(rng.integers(1, 900, n)), _num(rng.integers(1, 40, n))
    mohalla = np.array(MOHALLAS, dtype=S)[rng.integers(0, len(MOHALLAS), n)]
    village = np.array(VILLAGES, dtype=S)[rng.integers(0, len(VILLAGES), n)]
    town = _cat("House No. ", house, ", Street ", street, ", ", mohalla, ", ", district)
    rural = _cat(village, ", P.O. ", village, ", District ", district)
    out = np.where(_some(rng, n, 0.55), town, rural)
    urdu = _some(rng, n, urdu_share)
    out[urdu] = _cat("مکان نمبر ", house[urdu], "، گلی نمبر ", street[urdu], "، محلہ ", mohalla[urdu])
    return out


def _personal(rng: np.random.Generator, layout: Layout, rows: pd.DataFrame, gaz: pd.DataFrame) -> dict:
    """The personal columns of the export: names, CNICs, phones, addresses and a narrative that repeats them."""
    n = len(rows)
    sex = _lookup(rows["sex"])
    male = np.full(n, "male", dtype=S)
    district = gaz["name"].to_numpy().astype(S)[rows["district"].to_numpy()]
    adult = rows["age"].to_numpy() >= 18
    out = {
        "victim_name": _names(rng, sex, layout.urdu_names),
        "father_name": _names(rng, male, layout.urdu_names),
        "complainant": _names(rng, male, layout.urdu_names),
        "accused": _names(rng, male, 0.0),
        "cnic": _cnic(rng, _lookup(rows["province"], CNIC_PROVINCE_DIGIT, "3"), sex != "female"),
        "phone": _phones(rng, n),
        "accused_phone": _phones(rng, n),
        "address": _addresses(rng, district, layout.urdu_names),
        "kiln": np.where((rows["sector"] == "agri").to_numpy(),
                         np.array(LANDLORDS, dtype=S)[rng.integers(0, len(LANDLORDS), n)],
                         np.array(KILNS, dtype=S)[rng.integers(0, len(KILNS), n)]),
    }
    # Children seldom have a CNIC of their own; case-grain files record the complainant's or guardian's.
    if layout.grain == "victim":
        out["cnic"][~adult & _some(rng, n, 0.7)] = ""
    cnic_said = np.where(out["cnic"] == "", "none", out["cnic"])
    others = rng.integers(0, 4, n)
    out["accused"] = np.where(others > 1, _cat(out["accused"], " & ", _num(others), " others"), out["accused"])
    story = _lookup(rows["offence"], CASE_STORY)
    apostrophe = "’" if layout.encoding == "cp1252" else "'"
    english = _cat("Complainant ", out["complainant"], " s/o ", out["father_name"], " (CNIC ", cnic_said,
                   ", cell ", out["phone"], ") stated that ", out["victim_name"], " ", story, ". The complainant",
                   apostrophe, "s statement was recorded; accused ", out["accused"], " is at large.")
    urdu = _cat(out["victim_name"], " ولد ", out["father_name"], "، شناختی کارڈ ", cnic_said, "، فون ",
                out["phone"], "، ", _lookup(rows["offence"], CASE_STORY_URDU))
    out["narrative"] = np.where(_some(rng, n, layout.urdu_names), urdu, english)
    return out


def _law_text(rng: np.random.Generator, layout: Layout, mask: np.ndarray) -> np.ndarray:
    """Cited sections in the agency's tokens, each distinct combination rendered once."""
    unique, inverse = np.unique(mask, return_inverse=True)
    texts = []
    for m in unique:
        tokens = [layout.laws[c] for c in LAWS + OTHER_LAWS if m & LAW_BITS[c] and c in layout.laws]
        texts.append(layout.law_sep.join(tokens))
    out = np.array(texts, dtype=S)[inverse]
    out[_some(rng, mask.size, MISSING_SECTIONS)] = ""
    return out


def _sentence_text(rng: np.random.Generator, style: str, months: np.ndarray, fine_only: np.ndarray,
                   convicted: np.ndarray) -> np.ndarray:
    """Prison terms as agencies type them: "7 years", "18 months", "5 yrs RI", "3 Years R.I.", fines."""
    n = months.size
    years, rest = _num(months // 12), _num(months % 12)
    whole = months % 12 == 0
    fine = _num(rng.choice([50, 100, 200, 500], n) * 1000)
    unit_y = {"years": " years", "yrs_ri": " yrs RI", "years_ri": " Years R.I.", "fia": " years RI & fine Rs.",
              "ngo": " yrs"}[style]
    unit_m = {"years": " months", "yrs_ri": " months RI", "years_ri": " Months R.I.", "fia": " months SI",
              "ngo": " months"}[style]
    in_years = _cat(years, unit_y, fine) if style == "fia" else _cat(years, unit_y)
    if style == "ngo":
        in_months = _cat(years, " years ", rest, " months")
        in_months = np.where(months < 12, _cat(_num(months), unit_m), in_months)
    else:
        in_months = _cat(_num(months), unit_m)
    out = np.where(whole, in_years, in_months)
    fined = {"years": _cat("Fine Rs. ", fine), "fia": _cat("Fine only Rs.", fine)}.get(style, "Fine only")
    out = np.where(fine_only, fined, out)
    one_year = months // 12 == 1
    out[one_year] = np.strings.replace(np.strings.replace(out[one_year], "1 years", "1 year"), "1 Years", "1 Year")
    out = np.where(convicted, out, "")
    out[_some(rng, n, MISSING_OPTIONAL)] = ""
    return out


def _places(rng: np.random.Generator, layout: Layout, column: pd.Series, table: Variants) -> np.ndarray:
    """Countries as the agency writes them: ISO3 codes, or names with its own spellings of some."""
    iso = _lookup(column)
    if layout.iso3:
        return iso
    return np.where(np.isin(iso, list(table)), _pick(rng, iso, table), _lookup(column, COUNTRY_NAMES))


def _fir_text(rng: np.random.Generator, layout: Layout, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """The FIR as the agency writes it, and its police station (for layouts with a column of its own)."""
    no = rows["fir_no"].to_numpy()
    year = rows["fir_date"].to_numpy().astype("datetime64[Y]").astype(int) + 1970
    station = _lookup(rows["station"])
    if layout.source_id == "fia":
        station = np.strings.replace(station, "AHTC ", "")  # its own format names the circle after "AHTC"
    else:
        # Another agency citing the police FIR sometimes spells the station its own way.
        station = np.where(_some(rng, no.size, 0.1), np.strings.replace(station, "Saddar", "Sadar"), station)
    out = np.where(no > 0, layout.fir(np.where(no > 0, no, 0), np.where(no > 0, year, 2000), station), "")
    # A few FIR numbers are written without the year, so they cannot be matched across agencies.
    no_year = _some(rng, no.size, 0.005) & (no > 0)
    out[no_year] = _cat("FIR ", _num(no[no_year]))
    out[_some(rng, no.size, MISSING_OPTIONAL)] = ""
    return out, np.where(no > 0, station, "")


def _export_rows(sim: Simulation, layout: Layout) -> pd.DataFrame:
    """The agency's reports joined to the truth; for a victim-grain layout, one row per victim."""
    reports = sim.reports[sim.reports["source"] == layout.source_id]
    rows = reports.drop(columns="source").join(sim.cases.drop(columns="reported"), on="case")
    first = np.r_[0, np.cumsum(sim.cases["victim_count"].to_numpy())[:-1]]
    if layout.grain == "victim":
        count = rows["victim_count"].to_numpy()
        rows = rows.loc[rows.index.repeat(count)]
        within = np.arange(len(rows)) - np.repeat(np.r_[0, np.cumsum(count)[:-1]], count)
        victim = first[rows["case"].to_numpy()] + within
    else:
        victim = first[rows["case"].to_numpy()]
    picked = sim.victims.iloc[victim]
    rows = rows.assign(sex=picked["sex"].array, age=picked["age"].to_numpy(),
                       victim_nationality=picked["nationality"].array, referred=picked["referred"].to_numpy())
    return rows.reset_index(drop=True)


def _messy_dates(rng: np.random.Generator, rows: pd.DataFrame) -> dict[str, np.ndarray]:
    """Stage dates as the agency holds them: a few verdicts typed before the FIR."""
    days = {f: rows[f].to_numpy().astype("datetime64[D]")
            for f in ("fir_date", "investigation_date", "challan_date", "verdict_date")}
    days["date_reported"] = rows["reported"].to_numpy().astype("datetime64[D]")
    swapped = ~np.isnat(days["verdict_date"]) & _some(rng, len(rows), VERDICT_BEFORE_FIR)
    days["verdict_date"] = np.where(swapped, days["fir_date"] - rng.integers(30, 400, len(rows)).astype(
        "timedelta64[D]"), days["verdict_date"])
    return days


def _date_column(rng: np.random.Generator, layout: Layout, days: np.ndarray, required: bool):
    """A date column: text for CSV; Excel serial numbers (and some text) for .xlsx. Includes the mess."""
    n = days.size
    gap = _some(rng, n, MISSING_DATE_REPORTED if required else MISSING_OPTIONAL)
    days = np.where(gap, np.datetime64("NaT"), days)
    far = _some(rng, n, YEAR_2099) & ~np.isnat(days)
    day_of_year = days - days.astype("datetime64[Y]").astype("datetime64[D]")
    days = np.where(far, np.datetime64("2099-01-01") + day_of_year, days)
    impossible = _some(rng, n, IMPOSSIBLE_DATE) & ~np.isnat(days)
    year = days.astype("datetime64[Y]").astype(int) + 1970
    if layout.fmt == "xlsx":
        serial = (days - np.datetime64("1899-12-30")).astype(float)
        out = np.where(np.isnat(days), None, serial).astype(object)
        typed = _some(rng, n, TYPED_DATE) & ~np.isnat(days)
        out[typed] = _date_text(days[typed], layout.date_format).astype(object)
        out[impossible] = [_impossible_date(layout.date_format, y) for y in year[impossible]]
        return out
    text = _date_text(days, layout.date_format)
    if layout.time_of_day and required:
        clock = _cat(_num(rng.integers(0, 24, n), 2), ":", _num(rng.integers(0, 60, n), 2))
        text = np.where(text == "", text, _cat(text, " ", clock))
    text[impossible] = np.array([_impossible_date(layout.date_format, y) for y in year[impossible]], dtype=S)
    return text


@dataclass
class Export:
    """One agency's export before it is written: its columns in file order, and each row's case and report year."""

    layout: Layout
    columns: dict[str, np.ndarray]   # header -> str objects ("" = empty); .xlsx dates are Excel serials (float)
    case: np.ndarray
    year: np.ndarray

    def __len__(self) -> int:
        return self.case.size

    def take(self, index: np.ndarray) -> Export:
        return Export(self.layout, {h: v[index] for h, v in self.columns.items()}, self.case[index],
                      self.year[index])


def render(sim: Simulation, layout: Layout, seed: int) -> Export:
    """One agency's export, in its own headers, codes and spellings, with its mess."""
    rng = _rng(seed, f"render:{layout.source_id}")
    rows = _export_rows(sim, layout)
    n = len(rows)
    gaz = sim.gazetteer
    personal = _personal(rng, layout, rows, gaz)
    days = _messy_dates(rng, rows)
    stage = _lookup(rows["stage"])
    behind = _some(rng, n, STAGE_BEHIND_DATES) & np.isin(stage, STAGES[2:])
    stage[behind] = "fir_registered"
    offence = _lookup(rows["offence"])
    sector_key = _cat(offence, "/", _lookup(rows["sector"]))
    offence = np.where(np.isin(sector_key, list(layout.codes["offence"])), sector_key, offence)
    transnational = (rows["scope"] == "transnational").to_numpy()
    country = _places(rng, layout, rows["country"], layout.countries)
    country[~transnational | _some(rng, n, MISSING_COUNTRY)] = ""
    age = _num(rows["age"].to_numpy())
    age[_some(rng, n, layout.missing_age)] = ""
    age[_some(rng, n, AGE_IN_WORDS)] = "Minor"
    count = _num(rows["victim_count"].to_numpy())
    count[_some(rng, n, MISSING_OPTIONAL)] = ""
    ref = layout.ref(rows["reported"].to_numpy().astype("datetime64[Y]").astype(int) + 1970, rows["seq"].to_numpy())
    ref[_some(rng, n, MISSING_REF)] = ""
    district = _district_text(rng, layout, rows, gaz, personal["phone"], personal["complainant"])
    fir_text, fir_station = _fir_text(rng, layout, rows)
    fields = {
        "case_ref": ref,
        "district": district,
        "fir_number": fir_text,
        "police_station": fir_station,
        "offence": _coded(rng, layout, "offence", offence),
        "law_sections": _law_text(rng, layout, rows["law_mask"].to_numpy()),
        "scope": _coded(rng, layout, "scope", _lookup(rows["scope"])),
        "country": country,
        "stage": _coded(rng, layout, "stage", stage),
        "outcome": _coded(rng, layout, "outcome", _lookup(rows["outcome"])),
        "sentence": _sentence_text(rng, layout.sentence, rows["sentence_months"].to_numpy(),
                                   rows["fine_only"].to_numpy(), (rows["outcome"] == "convicted").to_numpy()),
        "victim_count": count,
        "victim_sex": _coded(rng, layout, "victim_sex", _lookup(rows["sex"])),
        "victim_age": age,
        "victim_nationality": _places(rng, layout, rows["victim_nationality"], layout.nationalities),
        "victim_referred": _coded(rng, layout, "victim_referred", np.where(rows["referred"], "yes", "no")),
        "synthetic": np.full(n, SYNTHETIC_VALUE, dtype=S),
    }
    for name, values in days.items():
        fields[name] = _date_column(rng, layout, values, required=name == "date_reported")
    for name, rate in FIELD_GAPS.get(layout.source_id, {}).items():
        blank = _some(rng, n, rate)
        fields[name][blank] = None if fields[name].dtype == object else ""
    columns = {h: (personal[what] if what in PERSONAL else fields[what]).astype(object) for h, what in layout.columns}
    if layout.grain == "victim":
        # The case columns repeat on every victim row of a case, as copied down in the register.
        first = np.arange(n) - _rank_within(rows["case"].to_numpy())
        columns = {h: v if what in VICTIM_COLUMNS else v[first] for (h, what), v in zip(layout.columns,
                                                                                        columns.values(), strict=True)}
    export = Export(layout, columns, rows["case"].to_numpy(), rows["reported"].dt.year.to_numpy())
    # A few rows exported twice, next to each other as a double paste leaves them.
    extra = np.flatnonzero(_some(rng, n, EXACT_DUPLICATES))
    return export.take(np.sort(np.r_[np.arange(n), extra], kind="stable"))


# --- writing -----------------------------------------------------------------------------------------------------

DATE_FIELDS = ("date_reported", "fir_date", "investigation_date", "challan_date", "verdict_date")
# xlsxwriter needs ~0.2 ms a row, the largest cost of a big demo: from this many workbook rows on, the yearly
# workbooks are written by worker processes while the main process writes the CSV files.
PARALLEL_WORKBOOK_ROWS = 50_000


def _write_csv(path: Path, export: Export, rng: np.random.Generator) -> int:
    layout = export.layout
    columns = [values.tolist() for values in export.columns.values()]
    rows = list(zip(*columns, strict=True))
    # A stray delimiter leaves a row with one value more than the header.
    for i in np.flatnonzero(_some(rng, len(rows), layout.stray_delimiters)):
        rows[i] = (*rows[i], "see register")
    if layout.totals_row:
        total = dict.fromkeys(export.columns, "") | {next(iter(export.columns)): "TOTAL"}
        for h in layout.headers_for("victim_count"):
            total[h] = str(pd.to_numeric(pd.Series(export.columns[h]), errors="coerce").sum().astype(int))
        rows.append(tuple(total.values()))
    with path.open("w", encoding=layout.encoding, newline="") as out:
        writer = csv.writer(out, delimiter=layout.sep, lineterminator=layout.newline)
        writer.writerow(export.columns)
        writer.writerows(rows)
    return len(rows)


def _write_xlsx(path: Path, export: Export, year: int) -> int:
    """The FIA workbook: title rows, the 'Cases' sheet from row 4, and a 'Summary' sheet of formulas."""
    import xlsxwriter

    layout = export.layout
    book = xlsxwriter.Workbook(str(path), {"strings_to_formulas": False, "strings_to_urls": False,
                                           "strings_to_numbers": False})
    book.set_properties({"title": f"FIA AHTC case register {year}", "author": "etl.demo",
                         "comments": f"{SYNTHETIC_VALUE}: not real cases", "created": WORKBOOK_CREATED})
    bold = book.add_format({"bold": True})
    day = book.add_format({"num_format": "dd-mmm-yyyy"})
    sheet = book.add_worksheet("Cases")
    sheet.write_string(0, 0, "FEDERAL INVESTIGATION AGENCY - ANTI HUMAN TRAFFICKING CIRCLES", bold)
    sheet.write_string(1, 0, f"Victim-wise case register, {year} ({SYNTHETIC_VALUE}, not real cases)")
    first = 4  # data from spreadsheet row 5, under the header on row 4 (header_row = 4 in fia.toml)
    dates = {h for h, what in layout.columns if what in DATE_FIELDS}
    for c, (header, values) in enumerate(export.columns.items()):
        sheet.write_string(first - 1, c, header, bold)
        for r, value in enumerate(values.tolist(), start=first):
            if isinstance(value, float):  # an Excel date
                sheet.write_number(r, c, value, day)
            elif value:
                sheet.write_string(r, c, value)
        if header in dates:
            sheet.set_column(c, c, 12)
    if year <= layout.case_fields_merged_until:
        _merge_case_cells(sheet, export, first)
    _summary_sheet(book, export, first + len(export), bold)
    book.close()
    return len(export)


def _write_workbook_job(path: Path, source_id: str, columns: dict, case: np.ndarray, year: int) -> int:
    """_write_xlsx in a worker process (a Layout holds lambdas, which do not pickle: it is looked up by id)."""
    export = Export(LAYOUTS[source_id], columns, case, np.full(case.size, year))
    return _write_xlsx(path, export, year)


def _start_workbooks(jobs: list[tuple[Path, Export, int]]) -> Callable[[], list[int]]:
    """Start writing the workbooks; return a function that waits for them and returns their row counts."""
    # One core stays with the main process, which has the CSV files to write meanwhile.
    workers = min(len(jobs), (os.cpu_count() or 1) - 1)
    if sum(len(e) for _, e, _ in jobs) < PARALLEL_WORKBOOK_ROWS or workers < 1 or \
            "fork" not in mp.get_all_start_methods():
        counts = [_write_xlsx(*job) for job in jobs]
        return lambda: counts
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("fork"))
    futures = [pool.submit(_write_workbook_job, path, e.layout.source_id, e.columns, e.case, year)
               for path, e, year in jobs]

    def finish() -> list[int]:
        with pool:
            return [f.result() for f in futures]
    return finish


def _merge_case_cells(sheet, export: Export, first: int) -> None:
    """Older registers merge the case cells (reference, FIR) over the victim rows of one case."""
    case = export.case
    starts = np.r_[0, np.flatnonzero(case[1:] != case[:-1]) + 1]
    ends = np.r_[starts[1:], case.size] - 1
    layout = export.layout
    for header in layout.headers_for("case_ref") + layout.headers_for("fir_number"):
        c = list(export.columns).index(header)
        values = export.columns[header]
        for start, end in zip(starts[ends > starts], ends[ends > starts], strict=True):
            sheet.merge_range(first + start, c, first + end, c, str(values[start]))


def _summary_sheet(book, export: Export, last: int, bold) -> None:
    from xlsxwriter.utility import xl_col_to_name

    headers = list(export.columns)

    def span(what: str) -> str:
        col = xl_col_to_name(headers.index(export.layout.headers_for(what)[0]))
        return f"Cases!{col}5:{col}{max(last, 5)}"

    sheet = book.add_worksheet("Summary")
    sheet.write_string(0, 0, f"Summary ({SYNTHETIC_VALUE})", bold)
    rows = [("Victim rows", f"=COUNTA({span('case_ref')})")]
    for value in ("Enquiry", "Case Registered", "Charge Sheet", "Decided"):
        rows.append((f"Stage: {value}", f'=COUNTIF({span("stage")},"{value}")'))
    for value in ("Convicted", "Acquitted", "Compromise"):
        rows.append((f"Decision: {value}", f'=COUNTIF({span("outcome")},"{value}")'))
    convicted = 2 + [label for label, _ in rows].index("Decision: Convicted")
    rows.append(("Conviction rate (of victim rows)", f"=IF(B2=0,0,B{convicted}/B2)"))
    for r, (label, formula) in enumerate(rows, start=1):
        sheet.write_string(r, 0, label)
        sheet.write_formula(r, 1, formula)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _remove_previous(raw_dir: Path) -> None:
    """Delete the files of an earlier demo run (only those its manifest lists)."""
    manifest = raw_dir / MANIFEST_NAME
    if manifest.exists():
        for entry in json.loads(manifest.read_text(encoding="utf-8")).get("files", []):
            (raw_dir / Path(entry["name"]).name).unlink(missing_ok=True)
        manifest.unlink()


# Aggregate returns (issue #13): counts by area and period that agencies share instead of records. Synthetic, like
# every demo file, and drawn independently of the simulated cases: a return counts in its own way (a labour
# department's raids, a police office's monthly crime return) and is never added to case counts.
# (file name, layout id) of each; their layouts are etl/sources/labour_return_punjab.toml and dpo_kohlu_monthly.toml.
LABOUR_RETURN = "demo_labour_return_punjab.csv"
DPO_RETURN = "demo_dpo_kohlu_monthly.csv"
RETURN_YEARS = range(2019, 2026)
BELOW = 5  # the police office's return writes counts from 1 to BELOW - 1 as "<5"


def _return_cell(n: int) -> str:
    return f"<{BELOW}" if 0 < n < BELOW else str(n)


def labour_return(seed: int) -> pd.DataFrame:
    """The Punjab Labour Department's annual return by district (its own, not published): bonded-labour cases its
    vigilance committees took up, FIRs lodged, convictions and labourers released, with a TOTAL row as offices
    write them (the ETL leaves it out: totals are the sums of the districts). Exact counts, no "<5": a return
    shared with the data officer, not published, needs none (the release protects it)."""
    rng = _rng(seed, "return:labour")
    gaz = gazetteer()
    districts = gaz.loc[gaz["province"] == PUNJAB, "name"].tolist()
    rows = []
    for year in RETURN_YEARS:
        trend = YEAR_WEIGHTS[year - YEARS[0]]
        for name in districts:
            cases = int(rng.poisson(3.0 * trend * CENTRAL_PUNJAB_KILNS.get(name, 1)))
            firs = int(rng.binomial(cases, 0.45))
            convictions = int(rng.binomial(firs, 0.12))
            released = cases + int(rng.poisson(2.5 * cases))
            rows.append((name, year, cases, firs, convictions, released))
    frame = pd.DataFrame(rows, columns=["District", "Year", "Bonded Labour Cases", "FIRs Lodged", "Convictions",
                                        "Labourers Released"])
    totals = frame.groupby("Year", as_index=False).sum(numeric_only=True).assign(District="TOTAL")
    frame = pd.concat([frame, totals[frame.columns]], ignore_index=True)
    frame["Synthetic Record"] = SYNTHETIC_VALUE
    return frame


def dpo_return(seed: int) -> pd.DataFrame:
    """District Police Office Kohlu's monthly crime return, trafficking heads (published on its notice board):
    a district no agency's case records name, so the dashboard shows this return in their place."""
    rng = _rng(seed, "return:dpo")
    rows = []
    for year in RETURN_YEARS:
        for month in range(1, 13):
            cases = int(rng.poisson(5.0))
            firs = int(rng.binomial(cases, 0.8))
            challans = int(rng.binomial(firs, 0.6))
            decided = int(rng.binomial(challans, 0.5))
            convicted = int(rng.binomial(decided, 0.3))
            victims = cases + int(rng.poisson(0.6 * cases))
            referred = int(rng.binomial(victims, 0.3))
            rows.append((dt.date(year, month, 1).strftime("%b-%Y"), cases, firs, challans, decided, convicted,
                         victims, referred))
    frame = pd.DataFrame(rows, columns=["Month", "Cases Reported", "FIRs Registered", "Challans Submitted",
                                        "Cases Decided", "Convicted", "Victims Recovered", "Victims Referred"])
    counts = frame.columns[1:]
    frame[counts] = frame[counts].map(_return_cell)
    frame["Synthetic Record"] = SYNTHETIC_VALUE
    return frame


def write_returns(raw_dir: Path, seed: int) -> list[tuple[Path, int]]:
    """Write the demo's aggregate returns; (path, data rows) of each."""
    out = []
    for name, frame in ((LABOUR_RETURN, labour_return(seed)), (DPO_RETURN, dpo_return(seed))):
        path = raw_dir / name
        frame.to_csv(path, index=False, lineterminator="\n")
        out.append((path, len(frame)))
    return out


def write_demo(raw_dir: Path, cases: int = 50_000, seed: int = 2026,
               progress: Callable[[str, float], None] | None = None) -> dict:
    """Write synthetic agency exports into raw_dir; return the manifest dict (also written as
    raw_dir/DEMO_MANIFEST.json)."""
    report = progress or (lambda _step, _fraction: None)
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    _remove_previous(raw_dir)
    report(f"Simulating {cases:,} synthetic cases", 0.0)
    sim = simulate(cases, seed)
    files: dict[str, list[tuple[Path, int]]] = {}
    # Workbooks first, so that worker processes write them while the CSV files are rendered and written here.
    jobs = []
    for layout in (lay for lay in LAYOUTS.values() if lay.fmt == "xlsx"):
        report(f"Rendering {layout.stem}", 0.1)
        export = render(sim, layout, seed)
        jobs += [(raw_dir / f"{layout.stem}_{year}.xlsx", export.take(export.year == year), int(year))
                 for year in YEARS]
    finish_workbooks = _start_workbooks(jobs)
    try:
        csv_layouts = [lay for lay in LAYOUTS.values() if lay.fmt == "csv"]
        for i, layout in enumerate(csv_layouts):
            report(f"Writing {layout.stem}", 0.15 + 0.75 * i / len(csv_layouts))
            path = raw_dir / f"{layout.stem}.csv"
            files[layout.source_id] = [(path, _write_csv(path, render(sim, layout, seed),
                                                         _rng(seed, f"write:{layout.source_id}")))]
        report("Writing the workbooks", 0.9)
    finally:
        workbook_rows = finish_workbooks()
    for (path, export, _), rows in zip(jobs, workbook_rows, strict=True):
        files.setdefault(export.layout.source_id, []).append((path, rows))
    returns = write_returns(raw_dir, seed)
    manifest = {
        "synthetic": True, "generator": "etl.demo", "seed": seed, "cases": cases,
        "files": [{"name": path.name, "rows": rows, "sha256": _sha256(path)}
                  for path, rows in [*(f for source_id in LAYOUTS for f in files[source_id]), *returns]],
        "note": ("SYNTHETIC DEMO DATA: generated by etl.demo, not real cases. Names, CNICs, phone numbers and "
                 "addresses are invented and planted on purpose to test that the ETL removes personal data."),
    }
    (raw_dir / MANIFEST_NAME).write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n",
                                         encoding="utf-8")
    report("Demo data written", 1.0)
    return manifest


def cli(argv: list[str] | None = None) -> int:
    """`python -m etl demo [--cases N] [--seed S] [--out DIR]`."""
    from tipcore import config

    parser = argparse.ArgumentParser(prog="python -m etl demo",
                                     description="Write synthetic agency exports (clearly marked as demo data).")
    parser.add_argument("--cases", type=int, default=config.DEMO_CASES, help="number of cases (default %(default)s)")
    parser.add_argument("--seed", type=int, default=config.DEMO_SEED, help="random seed (default %(default)s)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default data/raw/, or TIP_RAW_DIR)")
    args = parser.parse_args(argv)
    if args.cases < 1 or args.seed < 0:
        parser.error("--cases must be at least 1 and --seed at least 0")
    out = args.out or config.raw_dir()
    started = time.perf_counter()
    manifest = write_demo(out, cases=args.cases, seed=args.seed)
    rows = sum(f["rows"] for f in manifest["files"])
    print(f"Wrote {len(manifest['files'])} files ({rows:,} rows) for {args.cases:,} synthetic cases "
          f"(seed {args.seed}) to {out} in {time.perf_counter() - started:.1f} s.")
    print("These are SYNTHETIC DEMO DATA, not real cases.")
    return 0
