"""District matcher: each level, names that cover several districts, identifiers, province hints, real spellings."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.districts import (
    FUZZY_THRESHOLD,
    PROVINCES,
    DistrictMatcher,
    matches_frame,
    method_counts,
)
from tipcore.config import reference_dir

SPELLINGS = Path(__file__).parent / "data" / "district_spellings.csv"


@pytest.fixture(scope="module")
def gazetteer() -> pd.DataFrame:
    return pd.read_csv(reference_dir() / "districts.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def matcher(gazetteer) -> DistrictMatcher:
    return DistrictMatcher(gazetteer)


def test_gazetteer_has_the_2023_district_set(gazetteer):
    assert len(gazetteer) == 156
    assert gazetteer["district_id"].is_unique
    assert set(gazetteer["province"]) == set(PROVINCES)
    ajk_gb = gazetteer["province"].isin(["Azad Jammu & Kashmir", "Gilgit-Baltistan"])
    assert (gazetteer.loc[ajk_gb, "population_2023"] == "").all()  # no census figures, and never 0
    assert (gazetteer.loc[~ajk_gb, "population_source"].str.contains("Census 2023")).all()


def test_every_name_and_alias_matches_its_own_district(gazetteer, matcher):
    """Aliases never collide: each spelling in the gazetteer leads back to its row."""
    for row in gazetteer.itertuples():
        for spelling in [row.name, *filter(None, row.aliases.split("|"))]:
            assert matcher.match(spelling).district_id == row.district_id, spelling


@pytest.mark.parametrize(("raw", "district_id", "method"), [
    ("Lahore", "lahore", "exact"),
    ("  Dera Ghazi Khan ", "dera-ghazi-khan", "exact"),
    ("D.G. Khan", "dera-ghazi-khan", "alias"),
    ("Nawab Shah", "shaheed-benazirabad", "alias"),
    ("Kemari", "keamari", "alias"),
    ("LAHORE DISTRICT", "lahore", "normalised"),
    ("Karachi (East)", "karachi-east", "normalised"),
    ("District East Karachi", "karachi-east", "normalised"),
    ("d g khan", "dera-ghazi-khan", "normalised"),
    ("Qila Saif Ullah", "killa-saifullah", "normalised"),
    ("Hyderabad, Sindh", "hyderabad", "normalised"),
    ("ضلع لاہور", "lahore", "normalised"),
    ("Faislabad", "faisalabad", "fuzzy"),
    ("Sargodah", "sargodha", "fuzzy"),
    ("Muzzafargarh", "muzaffargarh", "fuzzy"),
])
def test_levels(matcher, raw, district_id, method):
    match = matcher.match(raw)
    assert (match.district_id, match.method) == (district_id, method)
    assert match.province in PROVINCES


def test_fuzzy_reports_score_and_runner_up(matcher):
    match = matcher.match("Peshawer")
    assert match.method == "fuzzy" and match.score >= FUZZY_THRESHOLD
    assert "runner-up" in match.note


@pytest.mark.parametrize(("raw", "province"), [
    ("Karachi", "Sindh"), ("Karachi City", "Sindh"), ("کراچی", "Sindh"), ("Karachi Division", "Sindh"),
    ("Hyderabad Division", "Sindh"), ("Lahore Division", "Punjab"), ("Hazara", "Khyber Pakhtunkhwa"),
    ("Kohistan", "Khyber Pakhtunkhwa"), ("Dir", "Khyber Pakhtunkhwa"), ("Chitral", "Khyber Pakhtunkhwa"),
    ("Waziristan", "Khyber Pakhtunkhwa"), ("Punjab", "Punjab"), ("KPK", "Khyber Pakhtunkhwa"),
    ("Azad Kashmir", "Azad Jammu & Kashmir"),
])
def test_names_covering_several_districts_get_their_province_only(matcher, raw, province):
    match = matcher.match(raw)
    assert (match.district_id, match.province, match.method) == (None, province, "province")


@pytest.mark.parametrize(("raw", "district_id"), [("Lahore", "lahore"), ("Hyderabad", "hyderabad"),
                                                  ("Quetta", "quetta"), ("Malakand", "malakand")])
def test_division_named_like_its_district_means_the_district(matcher, raw, district_id):
    assert matcher.match(raw).district_id == district_id


@pytest.mark.parametrize(("raw", "district_id"), [
    ("Wazirabad", "gujranwala"), ("Talagang", "chakwal"), ("Murree", "rawalpindi"), ("Kot Addu", "muzaffargarh"),
    ("Taunsa", "dera-ghazi-khan"), ("Central Dir", "lower-dir"), ("Lower South Waziristan", "south-waziristan"),
    ("Hub", "lasbela"), ("Karezat", "pishin"), ("Tangir", "diamir"), ("Gupis-Yasin", "ghizer"),
])
def test_post_census_districts_fold_into_their_parent(matcher, raw, district_id):
    assert matcher.match(raw).district_id == district_id


@pytest.mark.parametrize("raw", ["لاہور", "کراچی شرقی", "فیصل آباد", "ملتان", "راولپنڈی", "پشاور", "کوئٹہ",
                                 "حیدرآباد", "اسلام آباد", "گوجرانوالہ", "سیالکوٹ", "بہاولپور"])
def test_urdu_names(matcher, raw):
    assert matcher.match(raw).method in ("alias", "normalised")


@pytest.mark.parametrize("raw", [None, "", "   ", "\t"])
def test_empty(matcher, raw):
    match = matcher.match(raw)
    assert (match.district_id, match.method, match.note) == (None, "unmatched", "empty")


@pytest.mark.parametrize("raw", ["0300-1234567", "+92 300 1234567", "35202-1234567-1", "3520212345671",
                                 "FIR 123/2021", "42", "۰۳۰۰۱۲۳۴۵۶۷"])
def test_identifiers_are_never_places(matcher, raw):
    match = matcher.match(raw)
    assert (match.district_id, match.province, match.method) == (None, None, "unmatched")
    assert match.note == "looks like an identifier, not a place"


@pytest.mark.parametrize("raw", ["Dubai", "Saudi Arabia", "Unknown", "N/A", "Pakistan", "Other", "Not known"])
def test_non_places_stay_unmatched(matcher, raw):
    assert matcher.match(raw).method == "unmatched"


def test_province_hint_never_overrides_an_exact_match(matcher):
    assert matcher.match("Mirpur", province_hint="Sindh").district_id == "mirpur"  # AJK, not Mirpur Khas


def test_province_hint_breaks_ties():
    gazetteer = pd.DataFrame({
        "district_id": ["rampura", "rampur", "newtown-east", "newtown-west"],
        "name": ["Rampura", "Rampur", "Newtown East", "Newtown West"],
        "division": ["A", "B", "A", "B"],
        "province": ["Punjab", "Sindh", "Punjab", "Sindh"],
        "aliases": ["", "", "", ""],
    })
    matcher = DistrictMatcher(gazetteer)
    # A stem shared across provinces: no guess without a hint, the hinted province with one ("KP"-style spelling).
    assert matcher.match("Newtown").method == "unmatched"
    assert matcher.match("Newtown", province_hint="sindh").province == "Sindh"
    # A misspelling close to districts in two provinces (no margin): the hint decides.
    assert matcher.match("Rampurr").district_id is None
    hinted = matcher.match("Rampurr", province_hint="Punjab")
    assert (hinted.district_id, hinted.method) == ("rampura", "fuzzy")


def test_real_world_spellings(matcher):
    cases = pd.read_csv(SPELLINGS, dtype=str, keep_default_na=False)
    assert len(cases) >= 80
    results = matcher.match_many(cases["raw"])
    right = [(m.district_id or "", m.province or "") == (c.expected_district_id, c.expected_province)
             for m, c in zip(results, cases.itertuples(), strict=True)]
    wrong = [c.raw for ok, c in zip(right, cases.itertuples(), strict=True) if not ok]
    assert sum(right) / len(right) >= 0.95, wrong
    # Never forced onto a wrong district: a miss is unmatched, not someone else's district.
    for match, case in zip(results, cases.itertuples(), strict=True):
        if match.district_id:
            assert match.district_id == case.expected_district_id, case.raw


def test_review_list_and_counts(matcher):
    matches = matcher.match_many(["Lahore", "Lahore", "D.G. Khan", "Faislabad", "Karachi", "0300-1234567"])
    counts = method_counts(matches)
    assert counts == {"exact": 2, "alias": 1, "normalised": 0, "fuzzy": 1, "province": 1, "unmatched": 1}
    frame = matches_frame(matches)
    assert list(frame["raw"]) == ["Lahore", "D.G. Khan", "Faislabad", "Karachi", "0300-1234567"]
    assert frame.loc[frame["method"] == "fuzzy", "score"].iloc[0] >= FUZZY_THRESHOLD


def test_from_csv_uses_the_reference_folder():
    assert DistrictMatcher.from_csv().match("Lahore").district_id == "lahore"


_digits = st.text(alphabet="0123456789", min_size=1, max_size=20)
_cnic = st.from_regex(r"\d{5}-\d{7}-\d", fullmatch=True)
_phone = st.from_regex(r"(\+92|0)3\d{2}[- ]?\d{7}", fullmatch=True)
_mixed = st.from_regex(r"[A-Za-z]{0,3}[ /#-]?\d{4,12}[ /-]?[A-Za-z]{0,3}", fullmatch=True)


@given(st.one_of(_digits, _cnic, _phone, _mixed))
def test_identifier_like_strings_never_match(raw):
    match = _MATCHER.match(raw)
    assert match.district_id is None and match.province is None and match.method == "unmatched"


_MATCHER = DistrictMatcher.from_csv()
