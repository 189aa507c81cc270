"""Build the web-ready boundary layers the map pages draw.

``python -m etl boundaries [--from PATH_OR_URL] [--provinces PATH_OR_URL] [--world PATH_OR_URL] [--out DIR]``

Reads district (and optionally province) polygons from any GeoJSON, TopoJSON, GeoPackage or shapefile (zipped or
not) with a name column, and country polygons with ISO3 codes; matches the names to the gazetteer, repairs invalid
geometry, cleans each layer into an exact coverage (no overlaps, identical shared borders), simplifies it for the
browser and writes districts.geojson, provinces.geojson (dissolved from the districts, so province outlines lie
exactly on district borders), countries.geojson and boundaries.json (source, licence, attribution, counts,
unmatched names) to ``--out``, by default the committed folder ``tipcore.config.geo_dir()`` (data/geo/).

Without any source option it downloads the documented open sources below into ``cache_dir()/geo`` once and reuses
them. With ``--from``, ``--provinces`` or ``--world`` nothing else is downloaded: a layer whose source is not given
is kept as it is in the output folder, copied from the committed folder, or built from an earlier download in the
cache; if none of those exists, the command says so and fails.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from shapely.geometry.base import BaseGeometry

from etl.districts import DistrictMatcher
from etl.reference import ISO3_ALIASES
from tipcore.config import cache_dir, geo_dir
from tipcore.geo import ATTRIBUTIONS, LAYER_FILES, METADATA_FILE


class BoundaryError(RuntimeError):
    """Boundaries could not be had; the message says what is missing and how to get it."""


@dataclass(frozen=True)
class DefaultSource:
    url: str
    file: str          # name in the download cache
    description: str
    flag: str          # the option that gives this layer from a file instead
    columns: str       # what such a file needs


# OpenStreetMap admin boundaries, 2023-census district set (post-census districts folded into their parents),
# pinned to the commit documented in data/geo/README.md. One TopoJSON holds districts and provinces.
PAKISTAN_SOURCE = DefaultSource(
    "https://raw.githubusercontent.com/AbuBakrCh/pakistan-map/c004fc69bae6f67ea94b3117d9ba61a0c04e8b83/"
    "data/bundle/geography.topojson.json",
    "pak_admin_2023_osm.topo.json", "district and province boundaries (OpenStreetMap)", "--from", "a name column")
# Natural Earth 1:50m admin-0: unlike 1:110m it has the small states the TIP Report ranks (Bahrain, Singapore...).
WORLD_SOURCE = DefaultSource(
    "https://raw.githubusercontent.com/nvkelso/natural-earth-vector/709ffdf7e55f73a0d81dd1adcb4a1032a38e3730/"
    "geojson/ne_50m_admin_0_countries.geojson",
    "world_countries_ne50m.geojson", "country boundaries (Natural Earth)", "--world",
    "a name and an ISO3 code column")


@dataclass(frozen=True)
class Simplification:
    """How far a layer may be simplified, relative to the size of each feature.

    Every border may move by at most ``detail`` times the extent (longer side of the bounding box) of the smallest
    feature it bounds, but never by more than ``max_tolerance`` degrees, and need not be kept finer than
    ``min_tolerance``. So a feature zoomed to fill the map keeps its shape: with a detail of 0.005 no border of a
    district filling 800 pixels is more than 4 pixels off, whether the district is Chagai (about 500 km across) or
    Karachi Central (about 10 km). Coordinates keep ``decimals`` places (4 = about 11 m) where a border needs them
    and fewer where its tolerance allows.
    """

    detail: float
    min_tolerance: float
    max_tolerance: float
    decimals: int


DISTRICTS = Simplification(detail=0.005, min_tolerance=0.00025, max_tolerance=0.02, decimals=4)
PROVINCES = Simplification(detail=0.001, min_tolerance=0.00025, max_tolerance=0.005, decimals=4)  # --provinces only
# Countries are seen in a regional view (South Asia and the Gulf) and zoomed to small states at most.
COUNTRIES = Simplification(detail=0.005, min_tolerance=0.001, max_tolerance=0.05, decimals=3)

# Name columns tried in order (case-insensitive): OSM/Natural Earth, geoBoundaries, OCHA COD-AB, GADM, plain.
NAME_COLUMNS = {
    "districts": ("name", "shapeName", "ADM2_EN", "district", "district_name", "dist_name", "NAME_2"),
    "provinces": ("name", "shapeName", "ADM1_EN", "province", "province_name", "NAME_1"),
    "countries": ("NAME", "name", "ADMIN", "NAME_EN", "shapeName"),
}
PROVINCE_HINT_COLUMNS = ("province", "ADM1_EN", "NAME_1", "province_name")
ISO3_COLUMNS = ("iso3", "ISO_A3", "ISO_A3_EH", "ADM0_A3", "shapeGroup")
LAYER_WORDS = {"districts": ("district", "adm2"), "provinces": ("province", "adm1"), "countries": ("countr", "adm0")}

# Licence and attribution by words in the source's path or URL.
LICENCES = (
    (("gbhumanitarian", "cod-ab", "hdx", "ocha"), "CC BY 3.0 IGO",
     "OCHA / HDX Common Operational Dataset (COD-AB), CC BY 3.0 IGO"),
    (("geoboundaries", "gbopen"), "Public domain (geoBoundaries gbOpen)",
     "geoBoundaries (Runfola et al. 2020, PLoS ONE 15(4): e0231866)"),
    (("openstreetmap", "osm", "pakistan-map"), "ODbL 1.0 (share-alike: derived databases stay ODbL)",
     ATTRIBUTIONS["openstreetmap"]),
    (("natural-earth", "naturalearth", "ne_50m", "ne_110m", "ne_10m", "ne50m", "ne110m"), "Public domain",
     ATTRIBUTIONS["natural_earth"]),
)


def download(url: str, dest: Path) -> None:
    """Fetch url to dest (atomically, so an interrupted download leaves no half file in the cache)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".part")
    try:
        with urllib.request.urlopen(url, timeout=120) as response, partial.open("wb") as out:
            shutil.copyfileobj(response, out)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    partial.replace(dest)


def build_boundaries(districts_src: str | None = None, provinces_src: str | None = None,
                     world_src: str | None = None, out_dir: Path | None = None, cache: Path | None = None,
                     log: Callable[[str], object] = print) -> dict:
    """Build every layer that can be had; return the metadata written to boundaries.json.

    With no source given, the default sources are read from the download cache or downloaded into it. With any
    source given nothing else is downloaded: a layer without a source is kept as it is in ``out_dir``, copied from
    the committed folder, or built from the default source already in the cache.

    Raises BoundaryError (after writing the layers that could be built) when a layer cannot be had.
    """
    out_dir = Path(out_dir) if out_dir else geo_dir()
    cache = Path(cache) if cache else cache_dir() / "geo"
    offline = any(src is not None for src in (districts_src, provinces_src, world_src))
    metadata = _previous_metadata(out_dir)
    matcher = DistrictMatcher.from_csv()
    built: dict[str, tuple[gpd.GeoDataFrame, dict]] = {}
    problems: list[str] = []

    def build_pakistan(path: Path, source: str) -> None:
        built["districts"] = district_layer(path, source, matcher)
        if not provinces_src:
            built["provinces"] = provinces_from_districts(*built["districts"])

    def build_world(path: Path, source: str) -> None:
        built["countries"] = country_layer(path, source)

    for src, default, build, layers in ((districts_src, PAKISTAN_SOURCE, build_pakistan, ["districts", "provinces"]),
                                        (world_src, WORLD_SOURCE, build_world, ["countries"])):
        if src is None and offline:
            layers = layers[:1] if provinces_src else layers
            missing = [name for name in layers if not _reused(name, out_dir, metadata, log)]
            if not missing:
                continue
            cached = cache / default.file
            if cached.is_file() and cached.stat().st_size > 0:
                log(f"using cached {cached.name}")
                src_file, source = cached, default.url
            else:
                problems.append(_not_given(default, missing, out_dir, cached))
                continue
        else:
            try:
                src_file, source = _local_file(src, default, cache, log), src or default.url
            except BoundaryError as exc:
                problems.append(str(exc))
                continue
        try:
            build(src_file, source)
        except BoundaryError as exc:
            problems.append(str(exc))
    if provinces_src:
        try:
            path = _local_file(provinces_src, PAKISTAN_SOURCE, cache, log, flag="--provinces")
            built["provinces"] = province_layer(path, provinces_src, matcher)
        except BoundaryError as exc:
            problems.append(str(exc))

    if built or metadata["layers"]:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, (frame, info) in built.items():
            info["bytes"] = _write_geojson(out_dir / LAYER_FILES[name], frame)
            info["features"] = len(frame)
            info["built_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            metadata["layers"][name] = info
            log(_summary(name, info))
        metadata["layers"] = {name: metadata["layers"][name] for name in LAYER_FILES if name in metadata["layers"]}
        metadata["attributions"] = sorted({info["attribution"] for info in metadata["layers"].values()})
        _write_json(out_dir / METADATA_FILE, metadata)
    if problems:
        raise BoundaryError("\n\n".join(problems))
    return metadata


# -- layers -------------------------------------------------------------------------------------------------------


def district_layer(path: Path, source: str, matcher: DistrictMatcher) -> tuple[gpd.GeoDataFrame, dict]:
    """District polygons matched to the gazetteer (one feature per district) and the match report."""
    layer = _pick_layer(path, "districts")
    fields = _fields(path, layer)
    name_column = _pick_column(fields, NAME_COLUMNS["districts"], path, "district name")
    hint_column = _find_column(fields, PROVINCE_HINT_COLUMNS)
    frame = _read(path, layer, [c for c in (name_column, hint_column) if c])
    frame, repaired = _repaired(frame)
    names = frame[name_column].fillna("").astype(str)
    hints = frame[hint_column].fillna("").astype(str) if hint_column else pd.Series("", index=frame.index)
    matches = [matcher.match(name, hint or None) for name, hint in zip(names, hints, strict=True)]
    frame["district_id"] = [m.district_id for m in matches]
    matched = frame.dropna(subset=["district_id"])
    merged = _dissolved(matched, "district_id")
    gazetteer = matcher.gazetteer
    merged["name"] = merged["district_id"].map(gazetteer["name"])
    merged["province"] = merged["district_id"].map(gazetteer["province"])
    merged, too_small = _web_ready(merged, "district_id", DISTRICTS)
    info = _source_info(path, source, layer, name_column, repaired) | {
        "simplification": asdict(DISTRICTS),
        "matched": {n: m.district_id for n, m in zip(names, matches, strict=True) if m.district_id},
        "match_methods": pd.Series([m.method for m in matches]).value_counts().to_dict(),
        "unmatched": [{"name": n, "method": m.method, "note": m.note} for n, m in zip(names, matches, strict=True)
                      if not m.district_id],
        "merged_polygons": int(len(matched) - len(merged) - len(too_small)),
        "too_small_to_draw": too_small,
        "gazetteer_districts": len(gazetteer),
        "districts_without_polygon": sorted(set(gazetteer.index) - set(merged["district_id"])),
    }
    return merged[["district_id", "name", "province", "geometry"]].sort_values("district_id"), info


def province_layer(path: Path, source: str, matcher: DistrictMatcher) -> tuple[gpd.GeoDataFrame, dict]:
    """Province polygons from their own file (``--provinces``), named with the gazetteer's province names."""
    layer = _pick_layer(path, "provinces")
    fields = _fields(path, layer)
    name_column = _pick_column(fields, NAME_COLUMNS["provinces"], path, "province name")
    frame, repaired = _repaired(_read(path, layer, [name_column]))
    names = frame[name_column].fillna("").astype(str)
    frame["province"] = [matcher.province_of(n) for n in names]
    merged, too_small = _web_ready(_dissolved(frame.dropna(subset=["province"]), "province"), "province", PROVINCES)
    info = _source_info(path, source, layer, name_column, repaired) | {
        "simplification": asdict(PROVINCES),
        "too_small_to_draw": too_small,
        "matched": {n: p for n, p in zip(names, frame["province"], strict=True) if p},
        "unmatched": sorted({n for n, p in zip(names, frame["province"], strict=True) if not p}),
    }
    return merged[["province", "geometry"]].sort_values("province"), info


def provinces_from_districts(districts: gpd.GeoDataFrame, district_info: dict) -> tuple[gpd.GeoDataFrame, dict]:
    """Province outlines dissolved from the simplified district polygons: they lie exactly on district borders."""
    groups = districts.groupby("province", sort=True).geometry
    union = groups.apply(lambda g: shapely.coverage_union_all(np.asarray(g, dtype=object)))
    frame = gpd.GeoDataFrame({"province": union.index},
                             geometry=shapely.orient_polygons(np.asarray(union.values, dtype=object)),
                             crs=districts.crs)
    info = {key: district_info[key] for key in ("source", "licence", "attribution")}
    info |= {"layer": "dissolved from the districts layer", "too_small_to_draw": [], "matched": {}, "unmatched": []}
    return frame, info


def country_layer(path: Path, source: str) -> tuple[gpd.GeoDataFrame, dict]:
    """Country polygons keyed by ISO3 (joins with ref_tip_tiers.iso3), with a display name."""
    layer = _pick_layer(path, "countries")
    fields = _fields(path, layer)
    name_column = _pick_column(fields, NAME_COLUMNS["countries"], path, "country name")
    code_columns = [c for c in (_find_column(fields, (code,)) for code in ISO3_COLUMNS) if c]
    if not code_columns:
        raise BoundaryError(f"{path.name}: no ISO3 code column (tried {', '.join(ISO3_COLUMNS)}); "
                            f"columns are {', '.join(fields)}")
    frame, repaired = _repaired(_read(path, layer, [name_column, *code_columns]))
    frame["iso3"] = [_iso3(row) for row in frame[code_columns].itertuples(index=False)]
    frame["name"] = frame[name_column].astype(str)
    keyed = frame.dropna(subset=["iso3"])
    merged, too_small = _web_ready(_dissolved(keyed[["iso3", "name", "geometry"]], "iso3", first=["name"]), "iso3",
                                   COUNTRIES)
    info = _source_info(path, source, layer, name_column, repaired) | {
        "simplification": asdict(COUNTRIES),
        "code_columns": code_columns,
        "too_small_to_draw": too_small,
        "unmatched": sorted(frame.loc[frame["iso3"].isna(), "name"]),
    }
    return merged[["iso3", "name", "geometry"]].sort_values("iso3"), info


# -- sources ------------------------------------------------------------------------------------------------------


def _local_file(src: str | None, default: DefaultSource, cache: Path, log: Callable[[str], object],
                flag: str | None = None) -> Path:
    """A readable local file for src: the path itself, or a cached download of the URL (default if None)."""
    flag = flag or default.flag
    if src and not _is_url(src):
        path = Path(src).expanduser()
        if not path.exists():
            raise BoundaryError(f"{path} does not exist. Give an existing GeoJSON, GeoPackage or shapefile: "
                                f"`python -m etl boundaries {flag} PATH`.")
        return path
    url = src or default.url
    dest = cache / (default.file if src is None else Path(urllib.parse.urlparse(url).path).name or default.file)
    if dest.is_file() and dest.stat().st_size > 0:
        log(f"using cached {dest.name}")
        return dest
    log(f"downloading {default.description if src is None else url} ...")
    try:
        download(url, dest)
    except (OSError, ValueError) as exc:
        raise BoundaryError(
            f"Missing: {default.description}. The download from {url} failed ({exc}).\n"
            f"Fix: run `python -m etl boundaries` again with internet access; or copy the file to {dest} "
            f"(it is then reused); or use a local file: `python -m etl boundaries {flag} PATH` "
            f"(GeoJSON, GeoPackage or shapefile with {default.columns})."
        ) from None
    return dest


def _reused(name: str, out_dir: Path, metadata: dict, log: Callable[[str], object]) -> bool:
    """Offline, for a layer whose source was not given: keep it in out_dir, or copy the committed one there."""
    target = out_dir / LAYER_FILES[name]
    if target.is_file() and target.stat().st_size > 0:
        log(f"{name}: kept {target} (no source given for it)")
        return True
    committed = geo_dir() / LAYER_FILES[name]
    if committed.resolve() == target.resolve() or not committed.is_file():
        return False
    out_dir.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(committed, target)
    entry = ((_read_metadata(geo_dir()) or {}).get("layers") or {}).get(name)
    if isinstance(entry, dict):
        metadata["layers"][name] = entry
    log(f"{name}: copied the committed layer {committed.name} (no source given for it)")
    return True


def _not_given(default: DefaultSource, layers: list[str], out_dir: Path, cached: Path) -> str:
    files = " and ".join(LAYER_FILES[name] for name in layers)
    return (f"Missing: {default.description}. A source was given for another layer, so nothing is downloaded; "
            f"and there is no {files} in {out_dir}, no committed copy in {geo_dir()} and no earlier download "
            f"{cached}.\nFix: give the file: `python -m etl boundaries {default.flag} PATH` (GeoJSON, GeoPackage or "
            f"shapefile with {default.columns}); or run `python -m etl boundaries` with no source options where "
            "there is internet access.")


def _is_url(src: str) -> bool:
    return urllib.parse.urlparse(src).scheme in ("http", "https")


def _source_info(path: Path, source: str, layer: str, name_column: str, repaired: int) -> dict:
    """Where a layer came from: the URL, or a local file's name (never a machine's folders) and checksum."""
    lowered = source.lower()
    licence, attribution = next(((lic, att) for words, lic, att in LICENCES if any(w in lowered for w in words)),
                                ("unknown: check the source's licence before publishing",
                                 f"Boundaries: {Path(urllib.parse.urlparse(source).path).name}"))
    return {"source": source if _is_url(source) else Path(source).name, "sha256": _sha256(path), "layer": layer,
            "name_column": name_column, "licence": licence, "attribution": attribution,
            "repaired_geometries": repaired}


def _sha256(path: Path) -> str | None:
    if not path.is_file():  # a shapefile folder
        return None
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


# -- reading ------------------------------------------------------------------------------------------------------


def _pick_layer(path: Path, kind: str) -> str:
    """The file's layer for kind: one whose name says so, else its only polygon layer."""
    try:
        layers = pyogrio.list_layers(path)
    except (DataSourceError, OSError) as exc:
        raise BoundaryError(f"cannot read {path}: {exc}") from None
    polygonal = [str(name) for name, geometry_type in layers
                 if not any(t in str(geometry_type) for t in ("Point", "Line"))]
    named = [name for name in polygonal if any(word in name.lower() for word in LAYER_WORDS[kind])]
    if named:
        return named[0]
    if len(polygonal) == 1:
        return polygonal[0]
    raise BoundaryError(f"{path.name}: cannot tell which layer holds the {kind} "
                        f"(layers: {', '.join(polygonal) or 'none with polygons'})")


def _fields(path: Path, layer: str) -> list[str]:
    return [str(f) for f in pyogrio.read_info(path, layer=layer)["fields"]]


def _find_column(fields: list[str], candidates: tuple[str, ...]) -> str | None:
    by_lower = {f.lower(): f for f in fields}
    return next((by_lower[c.lower()] for c in candidates if c.lower() in by_lower), None)


def _pick_column(fields: list[str], candidates: tuple[str, ...], path: Path, what: str) -> str:
    column = _find_column(fields, candidates)
    if column is None:
        raise BoundaryError(f"{path.name}: no {what} column (tried {', '.join(candidates)}); "
                            f"columns are {', '.join(fields) or 'none'}")
    return column


def _read(path: Path, layer: str, columns: list[str]) -> gpd.GeoDataFrame:
    try:
        frame = pyogrio.read_dataframe(path, layer=layer, columns=columns)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise BoundaryError(f"cannot read {path}: {exc}") from None
    # TopoJSON carries no CRS; like GeoJSON it is WGS84 lon/lat by definition.
    return frame.set_crs(4326) if frame.crs is None else frame.to_crs(4326)


def _iso3(codes: tuple) -> str | None:
    """First usable code: Natural Earth writes -99 where ISO has no code (France, Norway, Kosovo in ISO_A3)."""
    for code in codes:
        text = str(code).strip().upper() if code is not None else ""
        if len(text) == 3 and text.isalpha():
            return ISO3_ALIASES.get(text, text)
    return None


# -- geometry -----------------------------------------------------------------------------------------------------


def _repaired(frame: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, int]:
    """Valid polygonal geometry (make_valid, polygon parts kept); rows without any polygon dropped."""
    geoms = frame.geometry.values
    invalid = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
    fixed = np.array([_polygonal(shapely.make_valid(g) if bad else g) for g, bad in zip(geoms, invalid, strict=True)],
                     dtype=object)
    frame = frame.set_geometry(gpd.GeoSeries(fixed, index=frame.index, crs=frame.crs))
    return frame[~frame.geometry.isna()].copy(), int(invalid.sum())


def _polygonal(geom: BaseGeometry | None) -> BaseGeometry | None:
    """The polygon parts of geom (make_valid may return a collection with lines and points), or None."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polygons = [part for part in shapely.get_parts(shapely.get_parts(geom)) if part.geom_type == "Polygon"]
    return shapely.multipolygons(polygons) if polygons else None


def _dissolved(frame: gpd.GeoDataFrame, key: str, first: list[str] | None = None) -> gpd.GeoDataFrame:
    """One feature per key value (several source polygons for one district are united)."""
    groups = frame.groupby(key, sort=True)
    union = groups.geometry.apply(lambda g: shapely.union_all(np.asarray(g, dtype=object)) if len(g) > 1 else g.iloc[0])
    out = gpd.GeoDataFrame({key: union.index}, geometry=list(union.values), crs=frame.crs)
    for column in first or []:
        out[column] = groups[column].first().values
    return out


def _web_ready(frame: gpd.GeoDataFrame, key: str, how: Simplification) -> tuple[gpd.GeoDataFrame, list]:
    """Cleaned, simplified and rounded; features that vanish at this resolution (Vatican) dropped and listed."""
    geoms = shapely.coverage_clean(np.asarray(frame.geometry.values, dtype=object))
    geoms = np.array([_polygonal(g) for g in geoms], dtype=object)
    present = ~pd.isna(geoms)
    out = np.full(len(geoms), None, dtype=object)
    out[present] = simplify_coverage(geoms[present], how)
    out = np.array([_polygonal(g) for g in out], dtype=object)
    frame = frame.set_geometry(gpd.GeoSeries(out, index=frame.index, crs=frame.crs))
    empty = frame.geometry.isna()
    return frame[~empty], sorted(frame.loc[empty, key])


def simplify_coverage(geoms: np.ndarray, how: Simplification) -> np.ndarray:
    """Simplify a polygon coverage border by border, so neighbours stay edge-matched (no gaps, no overlaps).

    The borders are snapped to a grid of ``how.decimals`` places (snap-rounding, so no two borders cross) and split
    into arcs between the points where three or more polygons (or the outside) meet. Each arc is simplified
    (Douglas-Peucker, topology-preserving, end points fixed) with the tolerance of the smallest polygon it bounds
    (see :class:`Simplification`) and rounded. Arcs that then cross each other are simplified again, together, and
    if need be with less tolerance (see below). The polygons are rebuilt from the faces the arcs enclose, each face
    going to the input polygon it overlaps most. Islands smaller than their tolerance vanish.
    """
    geoms = np.asarray(geoms, dtype=object)
    if not len(geoms):
        return geoms
    bounds = shapely.bounds(geoms)
    extent = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
    own = np.clip(extent * how.detail, how.min_tolerance, how.max_tolerance)
    grid = 10.0 ** -how.decimals
    arcs = shapely.get_parts(shapely.line_merge(shapely.union_all(shapely.boundary(geoms), grid_size=grid)))
    arcs = arcs[shapely.get_type_id(arcs) == shapely.GeometryType.LINESTRING]
    tree = shapely.STRtree(geoms)
    middles = shapely.line_interpolate_point(arcs, 0.5, normalized=True)
    arc_index, geom_index = tree.query(middles, predicate="dwithin", distance=grid)
    tolerance = np.full(len(arcs), np.inf)
    np.minimum.at(tolerance, arc_index, own[geom_index])
    tolerance[np.isinf(tolerance)] = how.min_tolerance

    # Round to a grid of at most 0.4 x the tolerance: coarser where the arc may move more anyway.
    decimals = np.clip(np.ceil(-np.log10(0.4 * tolerance)), 0, how.decimals).astype(int)
    simplified = np.array([_simplified_arc(line, tol, dec, how.decimals)
                           for line, tol, dec in zip(arcs, tolerance, decimals, strict=True)], dtype=object)
    # An arc that crosses itself or another arc first keeps all its decimals; if it still crosses, it is simplified
    # together with the arcs it crosses (topology-preserving, so they cannot cross each other); after that their
    # tolerance is halved until nothing crosses.
    group = np.arange(len(arcs))
    strikes = np.zeros(len(arcs), dtype=int)
    for _ in range(12):
        bad, pairs = _conflicting(simplified)
        if not bad.any():
            break
        for a, b in pairs:
            if strikes[a] and strikes[b]:
                group[group == group[b]] = group[a]
        todo = np.flatnonzero(np.isin(group, group[bad]))
        strikes[todo] += 1
        decimals[todo] = how.decimals
        for root in np.unique(group[todo]):
            members = np.flatnonzero(group == root)
            tolerance[members] = tolerance[members].min() / (2 if strikes[members].min() > 2 else 1)
            lines = [arcs[members[0]]] if len(members) == 1 else shapely.get_parts(shapely.simplify(
                shapely.multilinestrings(arcs[members]), tolerance[members[0]], preserve_topology=True))
            if len(lines) != len(members):  # (never seen: the simplifier keeps every part)
                lines, tolerance[members] = arcs[members], 0.0
            for i, line in zip(members, lines, strict=True):
                simplified[i] = _simplified_arc(line, tolerance[i] if len(members) == 1 else 0.0, how.decimals,
                                                how.decimals)
    # Whatever still crosses keeps its snapped arc (snapped arcs never cross each other).
    bad, _ = _conflicting(simplified)
    while bad.any():
        simplified[bad] = arcs[bad]
        bad, _ = _conflicting(simplified)
        bad &= simplified != arcs

    faces = shapely.get_parts(shapely.polygonize(simplified[~pd.isna(simplified)]))
    face_index, geom_index = tree.query(faces, predicate="intersects")
    overlap = shapely.area(shapely.intersection(faces[face_index], geoms[geom_index]))
    owner = np.full(len(faces), -1)
    best = np.zeros(len(faces))
    for face, geom, area in zip(face_index, geom_index, overlap, strict=True):
        if area > best[face]:
            best[face], owner[face] = area, geom
    owner[best < 0.5 * shapely.area(faces)] = -1  # a hole in the coverage (a lake between districts)
    result = np.array([shapely.coverage_union_all(faces[owner == g]) if (owner == g).any() else None
                       for g in range(len(geoms))], dtype=object)
    return shapely.orient_polygons(result)  # RFC 7946: outer rings counter-clockwise


def _simplified_arc(line: BaseGeometry, tolerance: float, decimals: int, node_decimals: int) -> BaseGeometry | None:
    """The arc simplified and rounded (its end points, shared with other arcs, to node_decimals); None if it
    collapses (an island smaller than the tolerance)."""
    xy = shapely.get_coordinates(shapely.simplify(line, tolerance, preserve_topology=True) if tolerance else line)
    rounded = np.round(xy, decimals)
    rounded[[0, -1]] = np.round(xy[[0, -1]], node_decimals)
    rounded = rounded[np.r_[True, np.any(np.diff(rounded, axis=0) != 0, axis=1)]]
    if len(rounded) < (4 if line.is_closed else 2):
        return None
    return shapely.linestrings(rounded)


def _conflicting(lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which arcs cross themselves or touch another arc anywhere but at a shared end point; and the pairs that do."""
    bad = np.zeros(len(lines), dtype=bool)
    index = np.flatnonzero(~pd.isna(lines))
    arcs = lines[index]
    bad[index] = ~shapely.is_simple(arcs)
    a, b = shapely.STRtree(arcs).query(arcs, predicate="intersects")
    a, b = a[a < b], b[a < b]
    ends = shapely.union(shapely.get_point(arcs, 0), shapely.get_point(arcs, -1))
    stray = shapely.difference(shapely.intersection(arcs[a], arcs[b]), shapely.intersection(ends[a], ends[b]))
    hit = ~shapely.is_empty(stray)
    pairs = np.column_stack([index[a[hit]], index[b[hit]]])
    bad[pairs.ravel()] = True
    return bad, pairs


# -- writing ------------------------------------------------------------------------------------------------------


def _write_geojson(path: Path, frame: gpd.GeoDataFrame) -> int:
    properties = frame.drop(columns="geometry").to_dict(orient="records")
    features = [{"type": "Feature", "properties": props, "geometry": json.loads(shapely.to_geojson(geom))}
                for props, geom in zip(properties, frame.geometry.values, strict=True)]
    return _write_json(path, {"type": "FeatureCollection", "features": features})


def _write_json(path: Path, data: dict) -> int:
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)
    return path.stat().st_size


def _previous_metadata(out_dir: Path) -> dict:
    """Existing boundaries.json, so a run that rebuilds some layers keeps the others' entries."""
    layers = (_read_metadata(out_dir) or {}).get("layers")
    layers = layers if isinstance(layers, dict) else {}
    return {"layers": {k: v for k, v in layers.items() if (out_dir / LAYER_FILES.get(k, "-")).is_file()}}


def _read_metadata(directory: Path) -> dict | None:
    try:
        data = json.loads((directory / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def _summary(name: str, info: dict) -> str:
    line = f"{name}: {info['features']} features, {info['bytes']:,} bytes, from {info['source']}"
    if name == "districts":
        line += (f"; {info['gazetteer_districts'] - len(info['districts_without_polygon'])} of "
                 f"{info['gazetteer_districts']} gazetteer districts have a polygon")
        if info["districts_without_polygon"]:
            line += f" (none for: {', '.join(info['districts_without_polygon'])})"
    if info.get("unmatched"):
        unmatched = [u["name"] if isinstance(u, dict) else u for u in info["unmatched"]]
        line += f"; unmatched names: {', '.join(unmatched)}"
    return line


def cli(argv: list[str] | None = None) -> int:
    """``boundaries [--from PATH_OR_URL] [--provinces PATH_OR_URL] [--world PATH_OR_URL] [--out DIR]``; returns the
    exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["boundaries"]:
        args = args[1:]
    parser = argparse.ArgumentParser(
        prog="python -m etl boundaries",
        description="Build the district, province and country boundary layers the map pages draw. With no source "
                    "option the default open sources are downloaded once (into the cache) and reused. With any "
                    "source option nothing else is downloaded: layers without a source are kept, copied from "
                    "data/geo/ or built from the cache, and the command says so when none of those exists.")
    parser.add_argument("--from", dest="districts", metavar="PATH_OR_URL",
                        help="district polygons (GeoJSON, TopoJSON, GeoPackage or shapefile with a name column); "
                             "province outlines are dissolved from them. Default: OpenStreetMap, downloaded once")
    parser.add_argument("--provinces", metavar="PATH_OR_URL",
                        help="province polygons from their own file (default: dissolved from the districts)")
    parser.add_argument("--world", metavar="PATH_OR_URL",
                        help="country polygons with ISO3 codes (default: Natural Earth 1:50m, downloaded once)")
    parser.add_argument("--out", type=Path,
                        help="output folder (default: the committed data/geo/, or TIP_GEO_DIR when set)")
    parser.add_argument("--cache", type=Path, help="download cache (default: the data cache's geo folder)")
    options = parser.parse_args(args)
    try:
        build_boundaries(options.districts, options.provinces, options.world, options.out, options.cache)
    except BoundaryError as exc:
        print(f"\nboundaries: not everything could be built.\n\n{exc}", file=sys.stderr)
        return 1
    return 0
