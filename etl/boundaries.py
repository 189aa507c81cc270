"""Build the web-ready boundary layers the map pages draw.

``python -m etl boundaries [--from PATH_OR_URL] [--provinces PATH_OR_URL] [--world PATH_OR_URL]``

Reads district and province polygons from any GeoJSON, TopoJSON, GeoPackage or shapefile (zipped or not) with a
name column, matches the names to the gazetteer, repairs invalid geometry, simplifies it for the browser and writes
districts.geojson, provinces.geojson, countries.geojson and boundaries.json (source, licence, attribution, counts,
unmatched names) to ``tipcore.config.boundaries_dir()``.

Without ``--from`` it downloads the documented open sources below into ``cache_dir()/geo`` once and reuses them.
The cached files have the same names as the offline copies in the shared reference folder, so CI can seed the
cache by copying them there.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
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
from tipcore.config import boundaries_dir, cache_dir
from tipdash.boundaries import ATTRIBUTIONS, LAYER_FILES, METADATA_FILE


class BoundaryError(RuntimeError):
    """Boundaries could not be had; the message says what is missing and how to get it."""


@dataclass(frozen=True)
class DefaultSource:
    url: str
    file: str          # name in the cache folder (= the offline copy's name)
    description: str


# OpenStreetMap admin boundaries, 2023-census district set (post-census districts folded into their parents),
# pinned to the commit documented in the shared geo SOURCES.md. One TopoJSON holds districts and provinces.
PAKISTAN_SOURCE = DefaultSource(
    "https://raw.githubusercontent.com/AbuBakrCh/pakistan-map/c004fc69bae6f67ea94b3117d9ba61a0c04e8b83/"
    "data/bundle/geography.topojson.json",
    "pak_admin_2023_osm.topo.json", "district and province boundaries (OpenStreetMap)")
# Natural Earth 1:50m admin-0: unlike 1:110m it has the small states the TIP Report ranks (Bahrain, Singapore...).
WORLD_SOURCE = DefaultSource(
    "https://raw.githubusercontent.com/nvkelso/natural-earth-vector/709ffdf7e55f73a0d81dd1adcb4a1032a38e3730/"
    "geojson/ne_50m_admin_0_countries.geojson",
    "world_countries_ne50m.geojson", "country boundaries (Natural Earth)")

# Simplification tolerances in degrees (0.006 deg is about 600 m) and coordinate decimals (3 = about 100 m). These
# keep all 156 districts near 0.4 MB while Karachi's small districts stay recognisable.
DISTRICT_TOLERANCE, PROVINCE_TOLERANCE, COUNTRY_TOLERANCE = 0.006, 0.01, 0.05
DISTRICT_DECIMALS, PROVINCE_DECIMALS, COUNTRY_DECIMALS = 3, 3, 2

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

    Raises BoundaryError (after writing the layers that could be built) when a layer's source cannot be had.
    """
    out_dir = Path(out_dir) if out_dir else boundaries_dir()
    cache = Path(cache) if cache else cache_dir() / "geo"
    matcher = DistrictMatcher.from_csv()
    built: dict[str, tuple[gpd.GeoDataFrame, dict]] = {}
    problems: list[str] = []

    try:
        pakistan = _local_file(districts_src, PAKISTAN_SOURCE, cache, "--from", log)
        built["districts"] = district_layer(pakistan, districts_src or PAKISTAN_SOURCE.url, matcher)
        if provinces_src:
            province_file = _local_file(provinces_src, PAKISTAN_SOURCE, cache, "--provinces", log)
            built["provinces"] = province_layer(province_file, provinces_src, matcher, named_layer_only=False)
        else:
            built["provinces"] = (province_layer(pakistan, districts_src or PAKISTAN_SOURCE.url, matcher,
                                                 named_layer_only=True)
                                  or provinces_from_districts(*built["districts"]))
    except BoundaryError as exc:
        problems.append(str(exc))
    try:
        world = _local_file(world_src, WORLD_SOURCE, cache, "--world", log)
        built["countries"] = country_layer(world, world_src or WORLD_SOURCE.url)
    except BoundaryError as exc:
        problems.append(str(exc))

    metadata = _previous_metadata(out_dir)
    if built:
        out_dir.mkdir(parents=True, exist_ok=True)
        for name, (frame, info) in built.items():
            info["bytes"] = _write_geojson(out_dir / LAYER_FILES[name], frame)
            info["features"] = len(frame)
            info["built_at"] = datetime.now(UTC).isoformat(timespec="seconds")
            metadata["layers"][name] = info
            log(_summary(name, info))
        metadata["attributions"] = sorted({info["attribution"] for info in metadata["layers"].values()})
        _write_json(out_dir / METADATA_FILE, metadata)
    if problems:
        raise BoundaryError("\n\n".join(problems))
    return metadata


# -- layers -------------------------------------------------------------------------------------------------------


def district_layer(path: Path, source: str, matcher: DistrictMatcher) -> tuple[gpd.GeoDataFrame, dict]:
    """District polygons matched to the gazetteer (one feature per district) and the match report."""
    layer = _pick_layer(path, "districts", named_layer_only=False)
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
    merged, too_small = _web_ready(merged, "district_id", DISTRICT_TOLERANCE, DISTRICT_DECIMALS)
    info = _source_info(source, layer, name_column, repaired) | {
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


def province_layer(path: Path, source: str, matcher: DistrictMatcher,
                   named_layer_only: bool) -> tuple[gpd.GeoDataFrame, dict] | None:
    """Province polygons named with the gazetteer's province names; None if the file has no province layer."""
    layer = _pick_layer(path, "provinces", named_layer_only)
    if layer is None:
        return None
    fields = _fields(path, layer)
    name_column = _pick_column(fields, NAME_COLUMNS["provinces"], path, "province name")
    frame, repaired = _repaired(_read(path, layer, [name_column]))
    names = frame[name_column].fillna("").astype(str)
    frame["province"] = [matcher.province_of(n) for n in names]
    merged, too_small = _web_ready(_dissolved(frame.dropna(subset=["province"]), "province"), "province",
                                   PROVINCE_TOLERANCE, PROVINCE_DECIMALS)
    info = _source_info(source, layer, name_column, repaired) | {
        "too_small_to_draw": too_small,
        "matched": {n: p for n, p in zip(names, frame["province"], strict=True) if p},
        "unmatched": sorted({n for n, p in zip(names, frame["province"], strict=True) if not p}),
    }
    return merged[["province", "geometry"]].sort_values("province"), info


def provinces_from_districts(districts: gpd.GeoDataFrame, district_info: dict) -> tuple[gpd.GeoDataFrame, dict]:
    """Province outlines dissolved from the district polygons, for sources without a province layer."""
    merged, too_small = _web_ready(_dissolved(districts[["province", "geometry"]], "province"), "province",
                                   PROVINCE_TOLERANCE, PROVINCE_DECIMALS)
    info = {key: district_info[key] for key in ("source", "licence", "attribution")}
    info |= {"layer": "dissolved from the districts layer", "too_small_to_draw": too_small, "matched": {},
             "unmatched": []}
    return merged[["province", "geometry"]].sort_values("province"), info


def country_layer(path: Path, source: str) -> tuple[gpd.GeoDataFrame, dict]:
    """Country polygons keyed by ISO3 (joins with ref_tip_tiers.iso3), with a display name."""
    layer = _pick_layer(path, "countries", named_layer_only=False)
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
                                   COUNTRY_TOLERANCE, COUNTRY_DECIMALS)
    info = _source_info(source, layer, name_column, repaired) | {
        "code_columns": code_columns,
        "too_small_to_draw": too_small,
        "unmatched": sorted(frame.loc[frame["iso3"].isna(), "name"]),
    }
    return merged[["iso3", "name", "geometry"]].sort_values("iso3"), info


# -- sources ------------------------------------------------------------------------------------------------------


def _local_file(src: str | None, default: DefaultSource, cache: Path, flag: str,
                log: Callable[[str], object]) -> Path:
    """A readable local file for src: the path itself, or a cached download of the URL (default if None)."""
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
            "(GeoJSON, GeoPackage or shapefile with a name column)."
        ) from None
    return dest


def _is_url(src: str) -> bool:
    return urllib.parse.urlparse(src).scheme in ("http", "https")


def _source_info(source: str, layer: str, name_column: str, repaired: int) -> dict:
    lowered = source.lower()
    licence, attribution = next(((lic, att) for words, lic, att in LICENCES if any(w in lowered for w in words)),
                                ("unknown: check the source's licence before publishing",
                                 f"Boundaries: {Path(urllib.parse.urlparse(source).path).name}"))
    return {"source": source, "layer": layer, "name_column": name_column, "licence": licence,
            "attribution": attribution, "repaired_geometries": repaired}


# -- reading ------------------------------------------------------------------------------------------------------


def _pick_layer(path: Path, kind: str, named_layer_only: bool) -> str | None:
    """The file's layer for kind: one whose name says so, else its only polygon layer (unless named_layer_only)."""
    try:
        layers = pyogrio.list_layers(path)
    except (DataSourceError, OSError) as exc:
        raise BoundaryError(f"cannot read {path}: {exc}") from None
    polygonal = [str(name) for name, geometry_type in layers
                 if not any(t in str(geometry_type) for t in ("Point", "Line"))]
    named = [name for name in polygonal if any(word in name.lower() for word in LAYER_WORDS[kind])]
    if named:
        return named[0]
    if named_layer_only:
        return None
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


def _web_ready(frame: gpd.GeoDataFrame, key: str, tolerance: float, decimals: int) -> tuple[gpd.GeoDataFrame, list]:
    """Simplified and rounded; features that vanish at this resolution (Vatican at 0.01 deg) dropped and listed."""
    frame = frame.assign(geometry=_simplified(frame.geometry.values, tolerance, decimals))
    empty = frame.geometry.is_empty
    return frame[~empty], sorted(frame.loc[empty, key])


def _simplified(geoms: np.ndarray, tolerance: float, decimals: int) -> np.ndarray:
    """Simplify as a coverage (shared borders stay shared, so no gaps open between neighbours) and round.

    Where the input is not a clean coverage and a polygon comes out invalid or empty, that polygon is simplified
    on its own instead.
    """
    geoms = np.asarray(geoms, dtype=object)
    out = shapely.coverage_simplify(geoms, tolerance)
    broken = ~shapely.is_valid(out) | shapely.is_empty(out)
    out[broken] = shapely.simplify(geoms[broken], tolerance, preserve_topology=True)
    out = shapely.set_precision(out, 10.0 ** -decimals)
    # set_precision snaps to the grid; rounding only trims float noise (67.123000000001) from the JSON.
    return shapely.set_coordinates(out, np.round(shapely.get_coordinates(out), decimals))


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
    """Existing boundaries.json, so a run that fails for one layer keeps the others' entries."""
    try:
        data = json.loads((out_dir / METADATA_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    layers = data.get("layers") if isinstance(data, dict) else None
    return {"layers": {k: v for k, v in (layers or {}).items() if (out_dir / LAYER_FILES.get(k, "-")).is_file()}}


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
    """``boundaries [--from PATH_OR_URL] [--provinces PATH_OR_URL] [--world PATH_OR_URL]``; returns the exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["boundaries"]:
        args = args[1:]
    parser = argparse.ArgumentParser(
        prog="python -m etl boundaries",
        description="Build the district, province and country boundary files the map pages draw.")
    parser.add_argument("--from", dest="districts", metavar="PATH_OR_URL",
                        help="district polygons (GeoJSON, TopoJSON, GeoPackage or shapefile with a name column); "
                             "its province layer is used too if it has one. Default: OpenStreetMap, downloaded once")
    parser.add_argument("--provinces", metavar="PATH_OR_URL",
                        help="province polygons (default: from the districts source)")
    parser.add_argument("--world", metavar="PATH_OR_URL",
                        help="country polygons with ISO3 codes (default: Natural Earth 1:50m, downloaded once)")
    parser.add_argument("--out", type=Path, help="output folder (default: beside the warehouse)")
    parser.add_argument("--cache", type=Path, help="download cache (default: the data cache's geo folder)")
    options = parser.parse_args(args)
    try:
        build_boundaries(options.districts, options.provinces, options.world, options.out, options.cache)
    except BoundaryError as exc:
        print(f"\nboundaries: not everything could be built.\n\n{exc}", file=sys.stderr)
        return 1
    return 0
