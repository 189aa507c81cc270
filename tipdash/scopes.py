"""The area a slide deck or a briefing pack is about: Pakistan, a province, a division, a region or a district.

The shared :class:`~tipdash.filters.Filters` already express any set of provinces or districts, so an area here is
only a *name* for such a set: a division or a region is the list of its districts, and its counts are computed by
the ordinary query functions over that list: a province from the province tables, a division or region as the sum
of its districts' released cells (post-processing of the release, with the margin of that many cells).

Divisions come from the district gazetteer (``data/reference/districts.csv``, column ``division``). Regions that
are not administrative units are data, in :data:`REGIONS` below: add one by adding a line.
"""

from __future__ import annotations

import csv
import functools
import re
from dataclasses import dataclass, replace
from pathlib import Path

from tipcore import config
from tipdash import i18n, text
from tipdash.filters import FilterOptions, Filters
from tipdash.i18n import _

# Custom regions: URL slug -> (label, province, divisions). "South Punjab" is how the South Punjab Secretariat and
# SSDO's South Punjab Dialogue use the name: the districts of the Bahawalpur, Multan and Dera Ghazi Khan divisions.
REGIONS: dict[str, tuple[str, str, tuple[str, ...]]] = {
    "south-punjab": ("South Punjab", "Punjab", ("Bahawalpur", "Multan", "Dera Ghazi Khan")),
}

KINDS = ("pakistan", "province", "region", "division", "district", "selection")


@dataclass(frozen=True)
class Scope:
    """A named area: which provinces or districts it covers, and the province it lies in (for context)."""

    kind: str  # one of KINDS; "selection" is whatever the sidebar holds that no name describes
    value: str  # "" | province | region slug | division | district id
    label: str  # as people say it: "Multan Division", "Multan district", "South Punjab"
    provinces: tuple[str, ...] = ()
    districts: tuple[str, ...] = ()
    province: str | None = None  # the one province the area lies in, when there is one
    # A selection's places as its label lists them (English, as the gazetteer spells them), and how many more it
    # holds: text.scope_label says them in the language of the run.
    names: tuple[str, ...] = ()
    more: int = 0

    @property
    def token(self) -> str | None:
        """The URL value (``area=...`` in present mode) that reopens this area; None for a sidebar selection."""
        if self.kind == "pakistan":
            return "pakistan"
        if self.kind == "selection":
            return None
        return f"{self.kind}:{self.value}"

    @property
    def short(self) -> str:
        """The label without "district"/"Division" (for tight spaces)."""
        return self.label.removesuffix(" district").removesuffix(" Division")

    def apply(self, f: Filters) -> Filters:
        """The filters ``f`` with their area replaced by this one (period and other filters kept)."""
        return replace(f, provinces=self.provinces, districts=self.districts)

    def district_ids(self, options: FilterOptions) -> list[str]:
        """The districts the area covers (all of Pakistan's for Pakistan), in gazetteer order."""
        if self.districts:
            return [d for d in self.districts if d in options.districts]
        if self.provinces:
            return [d for d, (_name, prov) in options.districts.items() if prov in self.provinces]
        return list(options.districts)

    def context(self, options: FilterOptions) -> Scope:
        """The area a district is compared within (its province); any larger area is its own context."""
        if self.kind == "district" and self.province:
            return province(self.province)
        return self

    def frame(self) -> Scope:
        """The area a map of this scope shows: the province around a district, division or region."""
        if self.kind in ("district", "division", "region") and self.province:
            return province(self.province)
        return self


PAKISTAN = Scope("pakistan", "", "Pakistan")


def province(name: str) -> Scope:
    return Scope("province", name, name, provinces=(name,), province=name)


@functools.lru_cache(maxsize=4)
def _gazetteer(path: str) -> tuple[tuple[str, str, str, str], ...]:
    """(district_id, name, division, province) rows of the district gazetteer."""
    with Path(path).open(encoding="utf-8", newline="") as fh:
        return tuple((r["district_id"], r["name"], r.get("division") or "", r["province"]) for r in csv.DictReader(fh))


def gazetteer() -> tuple[tuple[str, str, str, str], ...]:
    try:
        return _gazetteer(str(config.reference_dir() / "districts.csv"))
    except OSError:  # no gazetteer: no divisions or regions, provinces and districts still work
        return ()


def divisions(options: FilterOptions) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Division -> (province, its district ids in the warehouse), in gazetteer order."""
    out: dict[str, tuple[str, list[str]]] = {}
    for district_id, _name, division, prov in gazetteer():
        if division and district_id in options.districts:
            out.setdefault(division, (prov, []))[1].append(district_id)
    return {name: (prov, tuple(ids)) for name, (prov, ids) in out.items()}


def division(name: str, options: FilterOptions) -> Scope | None:
    found = divisions(options).get(name)
    if not found:
        return None
    prov, ids = found
    return Scope("division", name, f"{name} Division", districts=ids, province=prov)


def region(slug: str, options: FilterOptions) -> Scope | None:
    if slug not in REGIONS:
        return None
    label, prov, names = REGIONS[slug]
    divs = divisions(options)
    ids = tuple(d for name in names for d in divs.get(name, ("", ()))[1])
    return Scope("region", slug, label, districts=ids, province=prov) if ids else None


def district(district_id: str, options: FilterOptions) -> Scope | None:
    if district_id not in options.districts:
        return None
    name, prov = options.districts[district_id]
    return Scope("district", district_id, f"{name} district", districts=(district_id,), province=prov)


def parse(token: str | None, options: FilterOptions) -> Scope | None:
    """The area a URL value names, or None when it names nothing known (whitelisted, never trusted)."""
    if not token:
        return None
    if token == "pakistan":
        return PAKISTAN
    kind, _sep, value = token.partition(":")
    if kind == "province":
        return province(value) if value in options.provinces else None
    if kind == "region":
        return region(value, options)
    if kind == "division":
        return division(value, options)
    if kind == "district":
        return district(value, options)
    return None


def from_filters(f: Filters, options: FilterOptions) -> Scope:
    """The area the sidebar's filters select, by name when one fits."""
    if not f.districts:
        if not f.provinces:
            return PAKISTAN
        if len(f.provinces) == 1:
            return province(f.provinces[0])
        return Scope("selection", "", ", ".join(f.provinces), provinces=f.provinces, names=f.provinces)
    # Province and district filters both apply (AND): the districts that pass both are the area.
    inside = tuple(d for d in f.districts if not f.provinces or options.districts.get(d, ("", ""))[1] in f.provinces)
    if len(inside) == 1:
        return district(inside[0], options) or Scope("selection", "", inside[0], f.provinces, f.districts,
                                                     names=(inside[0],))
    wanted = set(inside)
    for candidate in [*(region(s, options) for s in REGIONS), *(division(d, options) for d in divisions(options))]:
        if wanted and candidate and set(candidate.districts) == wanted:
            return candidate
    names = tuple(options.districts.get(d, (d, ""))[0] for d in f.districts)
    listed, more = names[:3], max(0, len(names) - 3)
    label = ", ".join(listed) + (f" and {more} more districts" if more else "")
    return Scope("selection", "", label, provinces=f.provinces, districts=f.districts, names=listed, more=more)


def slug(name: str) -> str:
    """A name as it is typed in a URL: lower case, words joined by "-" ("Dera Ghazi Khan" -> "dera-ghazi-khan")."""
    return "-".join(re.findall(r"[0-9a-z]+", name.casefold()))


def resolve(name: str | None, options: FilterOptions) -> Scope | None:
    """An area from a URL token ("region:south-punjab") or a plain name or slug, None when it names nothing known.

    Plain names and slugs are matched without regard to case, spaces or punctuation, in this order, so that a name
    is read as the one area it can only mean before any ambiguous reading: Pakistan; a province ("punjab",
    "khyber-pakhtunkhwa"); a region ("south-punjab"); a name with its kind ("Multan Division", "multan-district",
    "division:dera-ghazi-khan"); a district; a division. A bare name that is both a district and a division
    ("Multan", 31 of the 37 divisions are named after their seat) means the district, the smaller area the name
    names exactly; add "division" for the division.
    """
    if not name:
        return None
    found = parse(name, options)
    if found:
        return found
    kind, sep, rest = name.partition(":")
    wanted = slug(rest if sep else name)
    if not wanted:
        return None
    kind = slug(kind) if sep else ""
    if not kind:
        for suffix in ("district", "division"):
            if wanted.endswith(f"-{suffix}"):
                kind, wanted = suffix, wanted.removesuffix(f"-{suffix}")
    if kind in ("", "pakistan") and wanted == "pakistan":
        return PAKISTAN
    if kind in ("", "province"):
        for prov in options.provinces:
            if slug(prov) == wanted:
                return province(prov)
    if kind in ("", "region"):
        for key, (label, _province, _divisions) in REGIONS.items():
            if wanted in (key, slug(label)):
                return region(key, options)
    if kind in ("", "district"):
        for district_id, (dname, _province) in options.districts.items():
            if wanted in (district_id, slug(dname)):
                return district(district_id, options)
    if kind in ("", "division"):
        for div in divisions(options):
            if slug(div) == wanted:
                return division(div, options)
    return None


def choices(options: FilterOptions) -> list[Scope]:
    """Every named area, for a picker: Pakistan, provinces, regions, divisions, then districts."""
    out = [PAKISTAN, *(province(p) for p in options.provinces)]
    out += [s for s in (region(slug, options) for slug in REGIONS) if s]
    out += [s for s in (division(d, options) for d in divisions(options)) if s]
    out += [s for s in (district(d, options) for d in options.districts) if s]
    return out


def picker_label(scope: Scope) -> str:
    """How an area reads in a picker, in the language of this run: the district's or division's province, the kind
    of area."""
    name = text.scope_label(scope)
    if scope.kind in ("district", "division"):
        return f"{name} ({i18n.place(scope.province)})"
    if scope.kind == "region":
        return _("{name} (region: {province} divisions)").format(name=name, province=i18n.place(scope.province))
    if scope.kind == "province":
        return _("{name} (province or territory)").format(name=name)
    return name
