"""District matcher: each level, names that cover several districts, identifiers, province hints, real spellings."""

from __future__ import annotations

import itertools
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from etl.districts import (
    FUZZY_MARGIN,
    FUZZY_THRESHOLD,
    PROVINCES,
    DistrictMatch,
    DistrictMatcher,
    _accepted,
    looks_like_identifier,
    matches_frame,
    method_counts,
    name_tokens,
)
from tipcore.config import reference_dir

SPELLINGS = Path(__file__).parent / "data" / "district_spellings.csv"


@pytest.fixture(scope="module")
def gazetteer() -> pd.DataFrame:
    return pd.read_csv(reference_dir() / "districts.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def tehsils() -> pd.DataFrame:
    return pd.read_csv(reference_dir() / "tehsils.csv", dtype=str, keep_default_na=False)


@pytest.fixture
def matcher(gazetteer, tehsils) -> DistrictMatcher:
    """A fresh matcher per test (18 ms): a shared one would answer from what an earlier test matched (it memoises),
    so a test would pass on another test's work, and mutation testing would credit the wrong test."""
    return DistrictMatcher(gazetteer, tehsils)


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
    matches = matcher.match_many(["Lahore", "Lahore", "D.G. Khan", "Jampur", "Faislabad", "Karachi", "0300-1234567"])
    counts = method_counts(matches)
    assert counts == {"exact": 2, "alias": 1, "normalised": 0, "tehsil": 1, "fuzzy": 1, "province": 1, "unmatched": 1}
    frame = matches_frame(matches)
    assert list(frame["raw"]) == ["Lahore", "D.G. Khan", "Jampur", "Faislabad", "Karachi", "0300-1234567"]
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


# --- every level's full answer: the raw value kept, the province, the score and the note the data officer reads ---

KP, AJK = "Khyber Pakhtunkhwa", "Azad Jammu & Kashmir"
FUZZY_NOTE = "no match (best {}; needs 84 and a margin of 8 over the runner-up)"


@pytest.mark.parametrize(("raw", "hint", "expected"), [
    (None, None, ("", None, None, "unmatched", None, "empty")),
    ("  ", None, ("  ", None, None, "unmatched", None, "empty")),
    ("0300-1234567", None, ("0300-1234567", None, None, "unmatched", None, "looks like an identifier, not a place")),
    ("  Lahore ", None, ("  Lahore ", "lahore", "Punjab", "exact", None, "gazetteer name")),
    ("Kemari", None, ("Kemari", "keamari", "Sindh", "alias", None, "alias of Keamari")),
    ("District", None, ("District", None, None, "unmatched", None,
                        "no place name left after removing words such as 'district' or 'city'")),
    ("LAHORE DISTRICT", None, ("LAHORE DISTRICT", "lahore", "Punjab", "normalised", None, "spelling of Lahore")),
    ("Karachi Division", None, ("Karachi Division", None, "Sindh", "province", None,
                                "a division covers several districts: assigned to Sindh only")),
    ("Mirpur Division", "Sindh", ("Mirpur Division", None, AJK, "province", None,
                                  f"a division covers several districts: assigned to {AJK} only")),
    ("Karachi", None, ("Karachi", None, "Sindh", "province", None, "names several districts: assigned to Sindh only")),
    ("Dir", None, ("Dir", None, KP, "province", None, f"names several districts: assigned to {KP} only")),
    ("Tharparkar (Mithi)", None, ("Tharparkar (Mithi)", "tharparkar", "Sindh", "normalised", None,
                                  "spelling of Tharparkar")),
    ("Kech/Turbat", None, ("Kech/Turbat", "kech", "Balochistan", "normalised", None, "spelling of Kech")),
    ("Lahore Pakistan", None, ("Lahore Pakistan", "lahore", "Punjab", "normalised", None, "spelling of Lahore")),
    ("Lahore, Punjab, Pakistan", None, ("Lahore, Punjab, Pakistan", "lahore", "Punjab", "normalised", None,
                                        "spelling of Lahore")),
    ("Peshawar, Khyber Pakhtunkhwa", None, ("Peshawar, Khyber Pakhtunkhwa", "peshawar", KP, "normalised", None,
                                            "spelling of Peshawar")),
    ("Peshawar Khyber Pakhtunkhwa", None, ("Peshawar Khyber Pakhtunkhwa", "peshawar", KP, "normalised", None,
                                           "spelling of Peshawar")),
    ("Dera Ghazi Khan Pakistan", None, ("Dera Ghazi Khan Pakistan", "dera-ghazi-khan", "Punjab", "normalised", None,
                                        "spelling of Dera Ghazi Khan")),
    ("Sindh Pakistan", None, ("Sindh Pakistan", None, "Sindh", "province", None,
                              "names several districts: assigned to Sindh only")),
    ("Xyzw", None, ("Xyzw", None, None, "unmatched", None, "no match (too short to compare fuzzily)")),
    ("Lahor", None, ("Lahor", "lahore", "Punjab", "fuzzy", 88.9, "fuzzy 89 vs runner-up Karachi South 67")),
    ("Peshawer", None, ("Peshawer", "peshawar", KP, "fuzzy", 85.7, "fuzzy 86 vs runner-up Lower Kohistan 53")),
    # A confident match stays whatever the agency's province.
    ("Faislabad", "Sindh", ("Faislabad", "faisalabad", "Punjab", "fuzzy", 94.7,
                            "fuzzy 95 vs runner-up Islamabad 78")),
    ("Dubai", None, ("Dubai", None, None, "unmatched", 66.7, FUZZY_NOTE.format("Duki 67"))),
    ("Pakistan", None, ("Pakistan", None, None, "unmatched", 80.0, FUZZY_NOTE.format("kohistan 80"))),
    ("Karachee", None, ("Karachee", None, "Sindh", "province", 100.0,
                        "fuzzy 100 vs runner-up Kachhi (Bolan) 80: a name that covers several districts")),
    # Each fold of the spelling skeleton: q/k, ph/f, ee/i, oo/u, y/i, a moved h, doubled letters; several words.
    ("Qohat", None, ("Qohat", "kohat", KP, "fuzzy", 100.0, "fuzzy 100 vs runner-up Kotli 67")),
    ("Phaisalabad", None, ("Phaisalabad", "faisalabad", "Punjab", "fuzzy", 100.0,
                           "fuzzy 100 vs runner-up Korangi 78")),
    ("Seealkot", None, ("Seealkot", "sialkot", "Punjab", "fuzzy", 100.0,
                        "fuzzy 100 vs runner-up Kambar Shahdadkot 67")),
    ("Mooltan", None, ("Mooltan", "multan", "Punjab", "fuzzy", 100.0, "fuzzy 100 vs runner-up Lasbela 60")),
    ("Myanwali", None, ("Myanwali", "mianwali", "Punjab", "fuzzy", 100.0,
                        "fuzzy 100 vs runner-up North Waziristan 67")),
    ("Jehlum", None, ("Jehlum", "jhelum", "Punjab", "fuzzy", 100.0, "fuzzy 100 vs runner-up Jhelum Valley 67")),
    ("Swatt", None, ("Swatt", "swat", KP, "fuzzy", 100.0, "fuzzy 100 vs runner-up Swabi 67")),
    ("Dera Gazi Khan", None, ("Dera Gazi Khan", "dera-ghazi-khan", "Punjab", "fuzzy", 100.0,
                              "fuzzy 100 vs runner-up Dera Ismail Khan 75")),
])
def test_full_answer_of_each_level(matcher, raw, hint, expected):
    assert matcher.match(raw, province_hint=hint) == DistrictMatch(*expected)


@pytest.fixture
def toy() -> DistrictMatcher:
    """A small gazetteer with the ambiguities the real one has few of: one stem in two provinces (Rampur), a stem
    with two districts in one province and one in another (Kotli), a division across two provinces (Gamma), a
    two-word stem (Kot Mir), a stem of one district only (Mozagarh), a division one letter from a district in
    another province (Marwand, Marwant), a province with one district (Zorbaghan) or none (Balochistan), empty
    cells."""
    rows = [  # district_id, name, division, province, aliases
        ("rampur-city", "Rampur City", "Alpha", "Punjab", None), ("rampur", "Rampur", "Beta", "Sindh", ""),
        ("kotli-city", "Kotli City", "Alpha", "Punjab", ""), ("kotli-town", "Kotli Town", "Alpha", "Punjab", ""),
        ("kotli-cantt", "Kotli Cantt", "Beta", "Sindh", ""),
        ("zafarwal", "Zafarwal", "Gamma", "Punjab", "Zafarwal Tehsil|"), ("zandpur", "Zandpur", "Gamma", "Sindh", ""),
        ("newtown-east", "Newtown East", "Alpha", "Punjab", ""), ("newtown-west", "Newtown West", None, "Sindh", None),
        ("kot-mir-north", "Kot Mir North", "Alpha", "Punjab", ""),
        ("kot-mir-south", "Kot Mir South", "Alpha", "Punjab", ""),
        ("upper-mozagarh", "Upper Mozagarh", "Beta", "Sindh", ""), ("marwant", "Marwant", "Alpha", "Punjab", ""),
        ("sar", "Sar", "Marwand", "Sindh", ""), ("bir", "Bir", "Marwand", "Sindh", ""),
        ("balochistana", "Balochistana", "Alpha", "Punjab", ""),  # one letter from a province with no districts here
        ("zorbaghan", "Zorbaghan", "Delta", KP, ""), ("zorbagun", "Zorbagun", "Alpha", "Punjab", ""),
    ]
    return DistrictMatcher(pd.DataFrame(rows, columns=["district_id", "name", "division", "province", "aliases"]))


@pytest.mark.parametrize(("raw", "hint", "expected"), [
    ("rampur district", None, (None, None, "unmatched", "could be any of Rampur, Rampur City, in more than one "
                                                       "province (Punjab, Sindh)")),
    ("rampur district", "Punjab", ("rampur-city", "Punjab", "normalised",
                                   "spelling of Rampur City (chosen by the agency's province)")),
    ("rampur district, Punjab", None, ("rampur-city", "Punjab", "normalised",
                                       "spelling of Rampur City (chosen by the agency's province)")),
    ("Rampur (Rampur City)", "Sindh", ("rampur", "Sindh", "normalised", "spelling of Rampur")),  # in parts
    ("kotli", None, (None, None, "unmatched", "could be any of Kotli Cantt, Kotli City, Kotli Town, in more than one "
                                              "province (Punjab, Sindh)")),
    ("kotli", "Punjab", (None, "Punjab", "province", "could be any of Kotli Cantt, Kotli City, Kotli Town: assigned "
                                                     "to Punjab only (the agency's province)")),
    ("Kot Mir", None, (None, "Punjab", "province", "names several districts: assigned to Punjab only")),
    ("Rampur/Zandpur", "Punjab", ("rampur-city", "Punjab", "normalised",
                                  "spelling of Rampur City (chosen by the agency's province)")),
    # Too close to Marwant (Punjab) and to the Marwand division (Sindh) to choose, until the agency is in Sindh.
    ("Marwanx", None, (None, None, "unmatched", FUZZY_NOTE.format("Marwant 86"))),
    ("Marwanx", "Sindh", (None, "Sindh", "province",
                          "fuzzy 86 vs runner-up Upper Mozagarh 33: a name that covers several districts")),
    # The agency's province holds one district, or only its own name: the runner-up is that name, or there is none.
    ("Zorbagin", None, (None, None, "unmatched", FUZZY_NOTE.format("Zorbaghan 88"))),
    ("Zorbagin", "KP", ("zorbaghan", KP, "fuzzy", "fuzzy 88 vs runner-up khyberpakhtunkhwa 27")),
    ("Balochistanx", "Balochistan", (None, "Balochistan", "province",
                                     "fuzzy 95: a name that covers several districts")),
    # A district with no division does not make the word "Division" an area.
    ("Division", None, (None, None, "unmatched", FUZZY_NOTE.format("sindh 50"))),
    ("Gamma Division", None, (None, None, "unmatched",
                              "a division covers several districts, in more than one province (Punjab, Sindh)")),
    ("Gamma Division", "Sindh", (None, "Sindh", "province", "a division covers several districts: assigned to Sindh "
                                                            "only (the agency's province)")),
    ("Gamma", "Punjab", (None, "Punjab", "province",
                         "names several districts: assigned to Punjab only (the agency's province)")),
    ("Zafarwal Division", None, (None, "Punjab", "province",
                                 "a division covers several districts: assigned to Punjab only")),
    ("Zafarwal Tehsil", None, ("zafarwal", "Punjab", "alias", "alias of Zafarwal")),
    ("Newtown", None, (None, None, "unmatched", "names several districts, in more than one province (Punjab, Sindh)")),
])
def test_ambiguous_names_and_the_agency_province(toy, raw, hint, expected):
    match = toy.match(raw, province_hint=hint)
    assert (match.raw, match.district_id, match.province, match.method, match.note) == (raw, *expected)


def test_a_stem_of_one_district_names_no_area(toy):
    assert toy.match("Mozagarh").method != "province"  # only Upper Mozagarh has it


def test_empty_gazetteer_cells_are_no_spelling(toy):
    assert toy.match("None").method == toy.match("nan").method == "unmatched"
    assert toy.gazetteer.loc["newtown-west"].to_dict() == {"name": "Newtown West", "division": "",
                                                           "province": "Sindh"}


def test_gazetteer_and_province_names(matcher):
    assert list(matcher.gazetteer.columns) == ["name", "division", "province"]
    assert matcher.gazetteer.loc["multan"].to_dict() == {"name": "Multan", "division": "Multan",
                                                         "province": "Punjab"}
    assert matcher.province_of("Azad Kashmir") == AJK and matcher.province_of("K.P.K") == KP
    assert matcher.province_of("North-West Frontier Province") == KP  # words not in alphabetical order
    assert matcher.province_of("Lahore") is None and matcher.province_of("  ") is None


def test_match_many_passes_the_province_hint(toy):
    assert [m.district_id for m in toy.match_many(["rampur district", "Zandpur"], province_hint="Punjab")] == [
        "rampur-city", "zandpur"]


def test_from_csv_reads_a_given_file_as_text(tmp_path):
    """Every cell is text: a district id such as "001" keeps its zeros, and "NA" is a name, not a missing value."""
    path = tmp_path / "gazetteer.csv"
    path.write_text("district_id,name,division,province,aliases\n001,NA,North,Punjab,\n", encoding="utf-8")
    match = DistrictMatcher.from_csv(path).match("NA")
    assert (match.district_id, match.method) == ("001", "exact")


@pytest.mark.parametrize(("ranked", "accepted"), [
    ([], False),
    ([(FUZZY_THRESHOLD, "a", "a")], True),  # alone, at the threshold
    ([(FUZZY_THRESHOLD - 0.1, "a", "a")], False),
    ([(90.0, "a", "a"), (90.0 - FUZZY_MARGIN, "b", "b")], True),  # exactly the margin
    ([(90.0, "a", "a"), (90.1 - FUZZY_MARGIN, "b", "b")], False),
])
def test_fuzzy_acceptance_threshold_and_margin(ranked, accepted):
    assert _accepted(ranked) == (ranked[0] if accepted else None)


def test_review_list_columns_order_and_index(matcher):
    assert list(matches_frame([]).columns) == ["raw", "district_id", "province", "method", "score", "note"]
    frame = matches_frame(matcher.match_many(["Multan", "Karachi", "Lahore", "Faislabad", "Multan"]))
    assert list(frame.columns) == ["raw", "district_id", "province", "method", "score", "note"]
    assert list(frame["raw"]) == ["Lahore", "Multan", "Faislabad", "Karachi"]  # by level, then by name
    assert list(frame.index) == [0, 1, 2, 3]


@pytest.mark.parametrize(("text", "identifier"), [
    ("Sector 1234", True), ("Sector 123", False), ("A1", True), ("7", True), ("Chak 5", False), ("--", False),
    ("Lahore", False),
])
def test_what_looks_like_an_identifier(text, identifier):
    """Four digits, or at least as many digits as letters (and one digit at least)."""
    assert looks_like_identifier(text) is identifier


@pytest.mark.parametrize(("text", "tokens"), [
    ("D. G. Khan", ["dg", "khan"]), ("D G Khan", ["dg", "khan"]), ("Lahore D G", ["lahore", "dg"]),
    ("A B C Lahore", ["abc", "lahore"]), ("Qila Saif Ullah", ["killa", "saif", "ullah"]),
    ("Mohammad Pur", ["muhammad", "pur"]), ("ضلع لاہور", ["لاہور"]), ("Jhang Saddar City", ["jhang"]),
])
def test_name_tokens(text, tokens):
    assert name_tokens(text) == tokens


@pytest.mark.parametrize(("name", "district_id"), [("Toba Tek Singh", "toba-tek-singh"),
                                                  ("Tando Muhammad Khan", "tando-mohammad-khan")])
def test_a_name_in_any_word_order(matcher, name, district_id):
    """Words in another order than the gazetteer's, alphabetical or not ("Tek Singh Toba"), find the district."""
    for words in itertools.permutations(name.split()):
        assert matcher.match(" ".join(words)).district_id == district_id, words


# -- districts created in 2022-23, historic names and tehsil towns (issue 13) ---------------------------------------

@pytest.mark.parametrize(("raw", "district_id"), [
    ("کوٹ ادو", "muzaffargarh"), ("تونسہ", "dera-ghazi-khan"), ("تونسہ شریف", "dera-ghazi-khan"),
    ("مری", "rawalpindi"), ("وزیر آباد", "gujranwala"), ("تلہ گنگ", "chakwal"), ("ڈی جی خان", "dera-ghazi-khan"),
    ("ضلع ڈی جی خان", "dera-ghazi-khan"), ("Montgomery", "sahiwal"), ("Lyallpur", "faisalabad"),
    ("Campbellpur", "attock"), ("وزير آباد", "gujranwala"),  # Arabic yeh typed for the Urdu one
])
def test_new_districts_in_urdu_and_historic_names(matcher, raw, district_id):
    assert matcher.match(raw, province_hint="Punjab").district_id == district_id


@pytest.mark.parametrize(("raw", "district_id"), [
    ("Jampur", "rajanpur"), ("Chichawatni", "sahiwal"), ("Liaquatpur", "rahim-yar-khan"), ("Alipur", "muzaffargarh"),
    ("Jatoi", "muzaffargarh"), ("Tehsil Jampur", "rajanpur"), ("جام پور", "rajanpur"), ("چیچہ وطنی", "sahiwal"),
    ("تحصیل لیاقت پور", "rahim-yar-khan"), ("Sadiqabad, Punjab", "rahim-yar-khan"), ("Kotli Sattian", "rawalpindi"),
])
def test_tehsil_towns_match_their_district_via_the_tehsil_table(matcher, raw, district_id):
    match = matcher.match(raw)
    assert (match.district_id, match.method) == (district_id, "tehsil"), match
    assert "tehsil" in match.note


def test_a_tehsil_in_two_provinces_is_chosen_by_the_agencys_province_or_left_unmatched(matcher):
    assert matcher.match("Khanpur", "Punjab").district_id == "rahim-yar-khan"
    assert matcher.match("Khanpur", "KPK").district_id == "haripur"
    unhinted = matcher.match("Khanpur")
    assert (unhinted.district_id, unhinted.method) == (None, "unmatched")
    assert "Haripur" in unhinted.note and "Rahim Yar Khan" in unhinted.note


def test_a_district_name_wins_over_a_tehsil_and_no_tehsil_without_the_table(gazetteer):
    same_name = pd.DataFrame({"tehsil": ["Sahiwal"], "district_id": ["sargodha"], "aliases": [""]})
    assert DistrictMatcher(gazetteer, same_name).match("Sahiwal").district_id == "sahiwal"
    assert DistrictMatcher(gazetteer).match("Jampur").method == "unmatched"


def test_tehsil_table_rows_are_sourced_and_agree_with_the_gazetteer(gazetteer, tehsils, matcher):
    districts = gazetteer.set_index("district_id")
    assert tehsils["district_id"].isin(districts.index).all()
    assert (tehsils["province"] == districts.loc[tehsils["district_id"], "province"].to_numpy()).all()
    assert tehsils["source"].str.contains("Census").all() and tehsils["date_basis"].str.strip().astype(bool).all()
    for row in tehsils.itertuples():
        for spelling in [row.tehsil, *filter(None, row.aliases.split("|"))]:
            match = matcher.match(spelling, province_hint=row.province)
            assert match.district_id == row.district_id, (spelling, match)
