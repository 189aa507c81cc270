"""Match the district names agencies write to the gazetteer (data/reference/districts.csv).

Levels, tried in order (the level that matched is reported, so a data officer can review the fuzzy ones):

1. ``exact``: the gazetteer name, as written (whitespace trimmed).
2. ``alias``: one of the gazetteer's aliases, as written.
3. ``normalised``: name or alias after folding case, accents, punctuation, Urdu letter variants, initials
   ("D.G." = "DG"), word order ("East Karachi") and words such as "District" or "City".
4. ``tehsil``: a tehsil town written instead of its district ("Jampur" for Rajanpur, "Chichawatni" for Sahiwal),
   from the tehsil table (data/reference/tehsils.csv), folded as at level 3. A district's own name always wins
   over a tehsil of the same name, and a town that is a tehsil in two provinces ("Khanpur") is chosen by the
   agency's province or left unmatched.
5. ``fuzzy``: closest spelling, accepted only above a threshold and with a margin over the runner-up.

A name that covers several districts (a division such as "Karachi", "Hazara" or "Hyderabad Division", a
shared stem such as "Kohistan" or "Dir", or a province) is assigned to its province only (method ``province``),
never guessed to one of its districts.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from rapidfuzz import fuzz, process

from etl.folding import folded
from tipcore.config import reference_dir

FOUR_PROVINCES = ("Punjab", "Sindh", "Khyber Pakhtunkhwa", "Balochistan")
TERRITORIES = ("Islamabad Capital Territory", "Azad Jammu & Kashmir", "Gilgit-Baltistan")
PROVINCES = FOUR_PROVINCES + TERRITORIES  # the areas with districts; "province" throughout, territories included

# Other names in use for each province (agencies, boundary files, the press). FATA merged into KP in 2018.
PROVINCE_ALIASES = {
    "Punjab": ["Punjab", "پنجاب"],
    "Sindh": ["Sindh", "Sind", "سندھ"],
    "Khyber Pakhtunkhwa": ["Khyber Pakhtunkhwa", "KPK", "KP", "K.P.K", "NWFP", "North-West Frontier Province", "FATA",
                           "خیبر پختونخوا"],
    "Balochistan": ["Balochistan", "Baluchistan", "Balochestan", "بلوچستان"],
    "Islamabad Capital Territory": ["Islamabad Capital Territory", "ICT", "Federal Capital Territory", "Islamabad"],
    "Azad Jammu & Kashmir": ["Azad Jammu & Kashmir", "Azad Jammu and Kashmir", "Azad Kashmir", "AJK", "AJ&K", "A.K",
                             "State of Azad Jammu and Kashmir", "آزاد کشمیر", "آزاد جموں و کشمیر"],
    "Gilgit-Baltistan": ["Gilgit-Baltistan", "Gilgit Baltistan", "GB", "Northern Areas", "گلگت بلتستان"],
}

# Words that say what kind of place a name is, not which one ("Lahore District", "Hyderabad City", "ضلع لاہور",
# "Jhang Saddar", "Kurram Agency" for the tribal agencies that became districts in 2018), and the honorific of
# shrine towns ("Taunsa Sharif", "Pakpattan Sharif").
_DROP_WORDS = {"district", "distt", "dist", "city", "zila", "zilla", "zillah", "tehsil", "town", "saddar", "sadar",
               "cantt", "cantonment", "agency", "sharif", "and", "ضلع", "شہر", "تحصیل", "شریف", "و"}
# Spellings of one word that transliteration varies ("Qila"/"Killa", "Mohammad"/"Muhammad").
_SAME_WORD = {"qila": "killa", "qilla": "killa", "kila": "killa", "qilah": "killa", "mohammad": "muhammad",
              "mohammed": "muhammad", "muhammed": "muhammad", "muhamad": "muhammad", "mohd": "muhammad"}
# Qualifiers that split one older district into several ("Upper/Lower Dir", "Karachi East/West").
_QUALIFIERS = {"upper", "lower", "north", "south", "east", "west", "central",
               "بالا", "زیریں", "شمالی", "جنوبی", "شرقی", "غربی", "وسطی"}
_DIVISION_WORDS = {"division", "div", "ڈویژن"}
_TRAILING_COUNTRY = {"pakistan", "پاکستان"}

# Fuzzy acceptance. Scores are rapidfuzz ratios (0-100) on a spelling skeleton. Agencies' misspellings of real
# districts score 85+ ("Muzafargarh", "Shekhupura", "Sailkot"); different districts rarely come within 8 points of
# each other, so a runner-up that close means the name is ambiguous and is left for review.
FUZZY_THRESHOLD = 84.0
FUZZY_MARGIN = 8.0
# Short names differ by one letter from other short names ("Tank", "Bagh", "Swat"): a query shorter than this is
# not compared fuzzily, and neither is a target whose skeleton is shorter than 4 letters ("RYK", "KP", "Hub").
FUZZY_MIN_LENGTH = 5
_MIN_TARGET_SKELETON = 4

_METHODS = ("exact", "alias", "normalised", "tehsil", "fuzzy", "province", "unmatched")


@dataclass(frozen=True)
class DistrictMatch:
    raw: str
    district_id: str | None      # None unless matched to one district
    province: str | None          # set for district matches and for names assigned to a province only
    method: str                   # exact | alias | normalised | tehsil | fuzzy | province | unmatched
    score: float | None           # fuzzy score (0-100) where a fuzzy comparison was made
    note: str                     # human-readable reason


def looks_like_identifier(text: str) -> bool:
    """Phone numbers, CNICs, FIR numbers: many digits, or digits and no letters."""
    digits = sum(ch.isdigit() for ch in text)
    letters = sum(ch.isalpha() for ch in text)
    return digits >= 4 or (digits > 0 and digits >= letters)


def name_tokens(text: str) -> list[str]:
    """Fold a place name to comparable words: case, accents, punctuation, Urdu letter forms, initials."""
    words = re.sub(r"[^\w]+|_", " ", folded(text)).split()
    # "D.G. Khan", "D G Khan" and "DG Khan" are one spelling: join runs of single Latin letters.
    merged: list[str] = []
    in_initials = False
    for word in words:
        initial = len(word) == 1 and word.isascii() and word.isalpha()
        if initial and in_initials:
            merged[-1] += word
        else:
            merged.append(word)
        in_initials = initial
    return [_SAME_WORD.get(w, w) for w in merged if w not in _DROP_WORDS]


def _keys(tokens: list[str]) -> set[str]:
    """Lookup keys of a tokenised name: in order, and in sorted order ("East Karachi" = "Karachi East")."""
    return {"".join(tokens), "".join(sorted(tokens))} if tokens else set()


def _skeleton(key: str) -> str:
    """Spelling skeleton for fuzzy scoring.

    Romanisations of Urdu differ mostly in q/k, y/i, ee/i, oo/u, doubled letters ("Muzafargarh") and where an
    aspirating h goes ("Jehlum"/"Jhelum", "Tatta"/"Thatta"), so those are folded before comparing.
    """
    key = key.replace("q", "k").replace("ph", "f").replace("ee", "i").replace("oo", "u").replace("y", "i")
    return re.sub(r"(.)\1+", r"\1", key.replace("h", ""))


class DistrictMatcher:
    """Matches raw district names to gazetteer districts; see the module docstring for the levels."""

    def __init__(self, gazetteer: pd.DataFrame, tehsils: pd.DataFrame | None = None):
        rows = gazetteer[["district_id", "name", "division", "province", "aliases"]].fillna("").astype(str)
        self.gazetteer = rows.set_index("district_id")[["name", "division", "province"]]
        self._name = dict(zip(rows.district_id, rows.name, strict=True))
        self._province = dict(zip(rows.district_id, rows.province, strict=True))
        self._by_name: dict[str, str] = {}
        self._by_alias: dict[str, set[str]] = defaultdict(set)
        self._by_key: dict[str, set[str]] = defaultdict(set)
        stems: dict[str, set[str]] = defaultdict(set)
        for district_id, name, aliases in zip(rows.district_id, rows.name, rows.aliases, strict=True):
            self._by_name[_collapse(name)] = district_id
            spellings = [name] + [a for a in aliases.split("|") if a.strip()]
            for spelling in spellings[1:]:
                self._by_alias[_collapse(spelling)].add(district_id)
            for spelling in spellings:
                tokens = name_tokens(spelling)
                for key in _keys(tokens):
                    self._by_key[key].add(district_id)
                stem = [t for t in tokens if t not in _QUALIFIERS]
                if stem and stem != tokens:
                    stems["".join(stem)].add(district_id)
        # Names that cover several districts, each mapped to the provinces it lies in.
        self._areas: dict[str, set[str]] = defaultdict(set)
        self._divisions: dict[str, set[str]] = defaultdict(set)
        for division, province in set(zip(rows.division, rows.province, strict=True)):
            for key in _keys(name_tokens(division)):
                self._divisions[key].add(province)
                self._areas[key].add(province)
        for stem, ids in stems.items():
            if len(ids) > 1 and stem not in self._by_key:
                self._areas[stem].update(self._province[i] for i in ids)
        self._province_keys: dict[str, str] = {}
        for province, names in PROVINCE_ALIASES.items():
            for spelling in names:
                for key in _keys(name_tokens(spelling)):
                    self._province_keys[key] = province
                    self._areas[key].add(province)
        self._by_tehsil = _tehsil_index(tehsils)
        self._fuzzy_targets = self._fuzzy_choices()
        self._fuzzy_skeletons = [skeleton for skeleton, _, _ in self._fuzzy_targets]
        self._memo: dict[tuple[str | None, str | None], DistrictMatch] = {}

    @classmethod
    def from_csv(cls, path: str | Path | None = None, tehsils: str | Path | None = None) -> DistrictMatcher:
        """The matcher of a gazetteer file and its tehsil table (by default both from data/reference/)."""
        path = Path(path) if path else reference_dir() / "districts.csv"
        tehsils = Path(tehsils) if tehsils else reference_dir() / "tehsils.csv"
        return cls(pd.read_csv(path, dtype=str, keep_default_na=False),
                   pd.read_csv(tehsils, dtype=str, keep_default_na=False))

    # -- public -------------------------------------------------------------------------------------------------

    def match(self, raw: str | None, province_hint: str | None = None) -> DistrictMatch:
        memo_key = (raw, province_hint)
        if memo_key not in self._memo:
            self._memo[memo_key] = self._match(raw, self.province_of(province_hint))
        return self._memo[memo_key]

    def match_many(self, raws: Iterable[str], province_hint: str | None = None) -> list[DistrictMatch]:
        return [self.match(raw, province_hint) for raw in raws]

    def province_of(self, raw: str | None) -> str | None:
        """The gazetteer's province name for a province spelling ("KPK", "Azad Kashmir", ...), else None."""
        if not raw or not raw.strip():
            return None
        tokens = name_tokens(raw)
        return self._province_keys.get("".join(tokens)) if tokens else None

    # -- levels -------------------------------------------------------------------------------------------------

    def _match(self, raw: str | None, hint: str | None) -> DistrictMatch:
        raw = raw if isinstance(raw, str) else ""  # None, or NaN from a spreadsheet's empty cell
        text = _collapse(raw)
        if not text:
            return DistrictMatch(raw, None, None, "unmatched", None, "empty")
        if looks_like_identifier(text):
            return DistrictMatch(raw, None, None, "unmatched", None, "looks like an identifier, not a place")
        if text in self._by_name:
            return self._district(raw, self._by_name[text], "exact", "gazetteer name")
        alias_ids = self._by_alias.get(text, set())
        if len(alias_ids) == 1:
            (district_id,) = alias_ids
            return self._district(raw, district_id, "alias", f"alias of {self._name[district_id]}")
        tokens = name_tokens(text)
        if not tokens:
            return DistrictMatch(raw, None, None, "unmatched", None, "no place name left after removing "
                                 "words such as 'district' or 'city'")
        return (self._normalised(raw, tokens, hint) or self._by_parts(raw, text, hint)
                or self._tehsil(raw, tokens, hint) or self._fuzzy(raw, tokens, hint))

    def _normalised(self, raw: str, tokens: list[str], hint: str | None) -> DistrictMatch | None:
        if any(t in _DIVISION_WORDS for t in tokens):
            rest = [t for t in tokens if t not in _DIVISION_WORDS]
            provinces = (self._lookup(self._divisions, rest)
                         or {self._province[i] for i in self._lookup(self._by_key, rest)})
            if provinces:
                return self._area(raw, provinces, hint, "a division covers several districts")
        ids = self._lookup(self._by_key, tokens)
        if ids:
            return self._one_of(raw, ids, hint)
        provinces = self._lookup(self._areas, tokens)
        if provinces:
            return self._area(raw, provinces, hint, "names several districts")
        # "Hyderabad, Sindh", "Lahore Pakistan": a trailing province or country names where, not what.
        stripped, named_province = self._strip_trailing_place(tokens)
        if stripped != tokens:
            return self._normalised(raw, stripped, hint or named_province)
        return None

    def _by_parts(self, raw: str, text: str, hint: str | None) -> DistrictMatch | None:
        """Names in parts, "Tharparkar (Mithi)", "Kech/Turbat": the district the parts name, if they name one."""
        parts = [name_tokens(part) for part in re.split(r"[()/\\,;@|]", text)]
        found = [self._normalised(raw, tokens, hint) for tokens in parts if tokens]
        ids = {m.district_id for m in found if m and m.district_id}
        return self._one_of(raw, ids, hint) if len(found) > 1 and ids else None

    def _tehsil(self, raw: str, tokens: list[str], hint: str | None) -> DistrictMatch | None:
        """A tehsil town ("Jampur", "Tehsil Jampur", "Jampur, Punjab"): its district, if the town names one."""
        stripped, named_province = self._strip_trailing_place(tokens)
        ids = self._lookup(self._by_tehsil, tokens) or self._lookup(self._by_tehsil, stripped)
        hint = hint or named_province
        in_hint = {i for i in ids if self._province[i] == hint}
        if len(ids) == 1 or len(in_hint) == 1:
            (district_id,) = ids if len(ids) == 1 else in_hint
            return self._district(raw, district_id, "tehsil", f"a tehsil of {self._name[district_id]}")
        if not ids:
            return None
        names = ", ".join(sorted(self._name[i] for i in ids))
        return self._area(raw, {self._province[i] for i in ids}, hint, f"a tehsil in each of {names}")

    def _one_of(self, raw: str, ids: set[str], hint: str | None) -> DistrictMatch:
        if len(ids) == 1:
            (district_id,) = ids
            return self._district(raw, district_id, "normalised", f"spelling of {self._name[district_id]}")
        in_hint = {i for i in ids if self._province[i] == hint}
        if len(in_hint) == 1:
            (district_id,) = in_hint
            return self._district(raw, district_id, "normalised",
                                  f"spelling of {self._name[district_id]} (chosen by the agency's province)")
        names = ", ".join(sorted(self._name[i] for i in ids))
        return self._area(raw, {self._province[i] for i in ids}, hint, f"could be any of {names}")

    def _area(self, raw: str, provinces: set[str], hint: str | None, why: str) -> DistrictMatch:
        if len(provinces) == 1:
            (province,) = provinces
            return DistrictMatch(raw, None, province, "province", None, f"{why}: assigned to {province} only")
        if hint in provinces:
            return DistrictMatch(raw, None, hint, "province", None,
                                 f"{why}: assigned to {hint} only (the agency's province)")
        return DistrictMatch(raw, None, None, "unmatched", None,
                             f"{why}, in more than one province ({', '.join(sorted(provinces))})")

    def _fuzzy(self, raw: str, tokens: list[str], hint: str | None) -> DistrictMatch:
        query = _skeleton("".join(tokens))
        if len("".join(tokens)) < FUZZY_MIN_LENGTH:
            return DistrictMatch(raw, None, None, "unmatched", None, "no match (too short to compare fuzzily)")
        ranked = self._ranked(query, None)
        accepted = _accepted(ranked)
        if accepted is None and hint:
            ranked = self._ranked(query, hint)
            accepted = _accepted(ranked)
        if accepted is None:
            best = f"best {ranked[0][1]} {ranked[0][0]:.0f}" if ranked else "nothing comparable"
            score = ranked[0][0] if ranked else None
            return DistrictMatch(raw, None, None, "unmatched", score,
                                 f"no match ({best}; needs {FUZZY_THRESHOLD:.0f} and a margin of "
                                 f"{FUZZY_MARGIN:.0f} over the runner-up)")
        score, _, target = accepted
        runner_up = ranked[1] if len(ranked) > 1 else None
        versus = f" vs runner-up {runner_up[1]} {runner_up[0]:.0f}" if runner_up else ""
        note = f"fuzzy {score:.0f}{versus}"
        if target in self._province:
            return DistrictMatch(raw, target, self._province[target], "fuzzy", score, note)
        return DistrictMatch(raw, None, target.removeprefix("province:"), "province", score,
                             f"{note}: a name that covers several districts")

    # -- helpers ------------------------------------------------------------------------------------------------

    def _district(self, raw: str, district_id: str, method: str, note: str) -> DistrictMatch:
        return DistrictMatch(raw, district_id, self._province[district_id], method, None, note)

    @staticmethod
    def _lookup(index: dict[str, set[str]], tokens: list[str]) -> set[str]:
        found: set[str] = set()
        for key in _keys(tokens):
            found |= index.get(key, set())
        return found

    def _strip_trailing_place(self, tokens: list[str]) -> tuple[list[str], str | None]:
        if len(tokens) > 1 and tokens[-1] in _TRAILING_COUNTRY:
            return tokens[:-1], None
        for cut in range(1, len(tokens)):
            province = self._province_keys.get("".join(tokens[cut:]))
            if province:
                return tokens[:cut], province
        return tokens, None

    def _fuzzy_choices(self) -> list[tuple[str, str, str]]:
        """(skeleton, label, target) for every district spelling and every multi-district name.

        Targets are district ids, or "province:<name>" for names that cover several districts, so a misspelt
        "Karachi" is compared with "Karachi" and never forced onto one Karachi district. Abbreviations ("RYK",
        "KP") are matched exactly or not at all: one letter off, they are other abbreviations.
        """
        choices = [(_skeleton(key), self._name[i], i) for key, ids in self._by_key.items() if len(ids) == 1
                   for i in ids]
        choices += [(_skeleton(key), key, f"province:{next(iter(p))}") for key, p in self._areas.items()
                    if len(p) == 1 and key not in self._by_key]
        return [choice for choice in choices if len(choice[0]) >= _MIN_TARGET_SKELETON]

    def _ranked(self, query: str, hint: str | None) -> list[tuple[float, str, str]]:
        """Best score per target, highest first; limited to the hinted province when one is given."""
        scores = [round(float(s), 1) for s in process.cdist([query], self._fuzzy_skeletons, scorer=fuzz.ratio)[0]]
        best: dict[str, tuple[float, str, str]] = {}
        for score, (_, label, target) in zip(scores, self._fuzzy_targets, strict=True):
            if target in best and score <= best[target][0] or hint and self._target_province(target) != hint:
                continue
            best[target] = (score, label, target)
        return sorted(best.values(), key=lambda item: -item[0])

    def _target_province(self, target: str) -> str:
        return self._province.get(target) or target.removeprefix("province:")


def _tehsil_index(tehsils: pd.DataFrame | None) -> dict[str, set[str]]:
    """Lookup keys of every tehsil spelling (name and aliases), each with the districts it is a tehsil of."""
    index: dict[str, set[str]] = defaultdict(set)
    if tehsils is None:
        return index
    rows = tehsils[["tehsil", "district_id", "aliases"]].fillna("").astype(str)
    for tehsil, district_id, aliases in zip(rows.tehsil, rows.district_id, rows.aliases, strict=True):
        for spelling in [tehsil, *(a for a in aliases.split("|") if a.strip())]:
            for key in _keys(name_tokens(spelling)):
                index[key].add(district_id)
    return index


def _accepted(ranked: list[tuple[float, str, str]]) -> tuple[float, str, str] | None:
    if not ranked or ranked[0][0] < FUZZY_THRESHOLD:
        return None
    runner_up = ranked[1][0] if len(ranked) > 1 else 0.0
    return ranked[0] if ranked[0][0] - runner_up >= FUZZY_MARGIN else None


def _collapse(text: str) -> str:
    return " ".join(text.split())


def matches_frame(matches: Iterable[DistrictMatch]) -> pd.DataFrame:
    """One row per distinct spelling, with how it was matched: the data officer's review list."""
    rows = {(m.raw, m.district_id, m.method): m for m in matches}
    frame = pd.DataFrame([m.__dict__ for m in rows.values()],
                         columns=["raw", "district_id", "province", "method", "score", "note"])
    order = {method: i for i, method in enumerate(_METHODS)}
    return frame.sort_values(["method", "raw"], key=lambda s: s.map(order) if s.name == "method" else s,
                             ignore_index=True)


def method_counts(matches: Iterable[DistrictMatch]) -> dict[str, int]:
    """How many matches were made at each level (every level listed, zeros included)."""
    counts = dict.fromkeys(_METHODS, 0)
    for match in matches:
        counts[match.method] += 1
    return counts
