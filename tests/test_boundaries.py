"""The committed boundary layers (data/geo/), the builder that makes them (etl/boundaries.py) and the reader.

Nothing here reads outside the repository or uses the network: the builder is fed the committed layers, or small
GeoJSON files the tests write, and every download is made to fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import Polygon, box

import etl.boundaries as builder
from etl.districts import PROVINCES
from tipcore.config import geo_dir, reference_dir
from tipcore.geo import ATTRIBUTIONS, LAYER_FILES, METADATA_FILE
from tipdash import boundaries as reader

REPO = Path(__file__).resolve().parent.parent
COMMITTED = REPO / "data" / "geo"


def quiet(message: str) -> None:
    pass


@pytest.fixture(autouse=True)
def downloads(monkeypatch) -> list[str]:
    """Every download in this module fails (as offline) and is recorded."""
    attempts: list[str] = []

    def offline(url, *args, **kwargs):
        attempts.append(str(url))
        raise OSError("network disabled in tests")

    monkeypatch.setattr(builder, "download", offline)
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    return attempts


def _layer(folder: Path, name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(folder / LAYER_FILES[name])


def _gazetteer() -> pd.DataFrame:
    return pd.read_csv(reference_dir() / "districts.csv", dtype={"district_id": str})


def _subset(source: Path, dest: Path, column: str, values: set[str]) -> Path:
    """A small input file the test writes: some features of a committed layer."""
    data = json.loads(source.read_text(encoding="utf-8"))
    data["features"] = [f for f in data["features"] if f["properties"][column] in values]
    dest.write_text(json.dumps(data), encoding="utf-8")
    return dest


# -- the committed layers -----------------------------------------------------------------------------------------


def test_committed_layers_cover_every_district_province_and_ranked_country(boundaries):
    assert reader.missing_layers(boundaries) == []
    districts = _layer(boundaries, "districts")
    gazetteer = _gazetteer().set_index("district_id")
    assert list(districts.columns) == ["district_id", "name", "province", "geometry"]
    assert districts["district_id"].is_unique and set(districts["district_id"]) == set(gazetteer.index)
    expected = gazetteer.loc[districts["district_id"], ["name", "province"]]
    assert (districts.set_index("district_id")[["name", "province"]] == expected).all().all()
    assert sorted(_layer(boundaries, "provinces")["province"]) == sorted(PROVINCES)
    countries = _layer(boundaries, "countries")
    assert countries["iso3"].is_unique
    assert {"PAK", "IND", "AFG", "IRN", "ARE", "BHR", "SGP", "XKX"} <= set(countries["iso3"])
    tiers = pd.read_csv(reference_dir() / "tip_tiers.csv", dtype=str)
    ranked_without_shape = set(tiers["iso3"].replace({"KOS": "XKX"})) - set(countries["iso3"])
    assert len(ranked_without_shape) <= 3, ranked_without_shape
    for name in LAYER_FILES:
        layer = _layer(boundaries, name)
        assert layer.is_valid.all() and not layer.is_empty.any() and set(layer.geom_type) <= {"Polygon",
                                                                                                "MultiPolygon"}


def test_committed_layers_are_small_enough_for_the_browser(boundaries):
    sizes = {name: (boundaries / file).stat().st_size for name, file in LAYER_FILES.items()}
    assert sum(sizes.values()) <= 1_500_000, sizes
    assert sizes["districts"] <= 350_000, sizes  # the layer before these was 440 KB and coarser where it matters
    metadata = reader.boundaries_metadata(boundaries)
    for name, size in sizes.items():
        assert metadata["layers"][name]["bytes"] == size
        assert metadata["layers"][name]["features"] == len(_layer(boundaries, name))
    for file in LAYER_FILES.values():  # at most 4 decimals (about 11 m): no float noise in the JSON
        assert not re.search(r"\d\.\d{5,}", (boundaries / file).read_text(encoding="utf-8")), file


def test_district_borders_are_shared_exactly_and_provinces_lie_on_them(boundaries):
    districts = _layer(boundaries, "districts")
    # Neighbours share their borders vertex for vertex: no gaps, no overlaps.
    assert shapely.coverage_is_valid(np.asarray(districts.geometry.values, dtype=object))
    provinces = _layer(boundaries, "provinces").set_index("province")
    for province, group in districts.groupby("province"):
        dissolved = shapely.coverage_union_all(np.asarray(group.geometry.values, dtype=object))
        outline = provinces.geometry[province]
        assert shapely.symmetric_difference(dissolved, outline).area < 1e-9 * outline.area, province
    # Every gazetteer point lies in its own province's polygon.
    gazetteer = _gazetteer()
    points = gpd.GeoDataFrame(gazetteer[["district_id", "province"]],
                              geometry=gpd.points_from_xy(gazetteer["lon"], gazetteer["lat"]), crs=4326)
    joined = gpd.sjoin(points, provinces.reset_index().set_crs(4326, allow_override=True), predicate="within",
                       how="left")
    assert (joined["province_left"] == joined["province_right"]).all()


def test_committed_metadata_names_sources_licences_and_no_machine_paths(boundaries):
    metadata = reader.boundaries_metadata(boundaries)
    assert metadata == json.loads((boundaries / METADATA_FILE).read_text(encoding="utf-8"))
    layers = metadata["layers"]
    assert set(layers) == set(LAYER_FILES)
    assert layers["districts"]["attribution"] == layers["provinces"]["attribution"] == ATTRIBUTIONS["openstreetmap"]
    assert layers["districts"]["licence"].startswith("ODbL")
    assert layers["countries"]["attribution"] == ATTRIBUTIONS["natural_earth"]
    assert layers["countries"]["licence"] == "Public domain"
    assert set(metadata["attributions"]) == {ATTRIBUTIONS["openstreetmap"], ATTRIBUTIONS["natural_earth"]}
    assert layers["districts"]["unmatched"] == [] and layers["districts"]["districts_without_polygon"] == []
    for info in layers.values():
        assert info["source"] and info["built_at"] and info["bytes"] > 0
        assert "/" not in info["source"] and "\\" not in info["source"], info["source"]  # a file name, not a path
    assert re.fullmatch(r"[0-9a-f]{64}", layers["districts"]["sha256"])


def test_readme_beside_the_layers_gives_attribution_command_and_sizes(boundaries):
    readme = (COMMITTED / "README.md").read_text(encoding="utf-8")
    for words in ("© OpenStreetMap contributors, ODbL", "Made with Natural Earth", "public domain",
                  "python -m etl boundaries --from pak_admin_2023_osm.topo.json "
                  "--world world_countries_ne50m.geojson --out data/geo", "How to refresh"):
        assert words in readme, words
    metadata = reader.boundaries_metadata(COMMITTED)
    for name, file in LAYER_FILES.items():
        assert f"| {metadata['layers'][name]['bytes']:,} |" in readme, f"README size of {file} is out of date"


def test_the_dashboard_reads_the_committed_folder_by_default(monkeypatch):
    monkeypatch.delenv("TIP_GEO_DIR", raising=False)
    assert geo_dir() == COMMITTED
    layer = reader.load_layer("districts")
    assert layer["type"] == "FeatureCollection" and len(layer["features"]) == len(_gazetteer())
    assert set(layer["features"][0]["properties"]) == {"district_id", "name", "province"}
    monkeypatch.setenv("TIP_GEO_DIR", "elsewhere")
    assert geo_dir() == Path("elsewhere").resolve()


def test_the_dashboard_and_the_etl_share_only_tipcore():
    """tipdash never imports etl for boundaries, and etl's boundary and reference code never imports tipdash."""
    code = ("import sys, importlib; importlib.import_module(sys.argv[1]); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == sys.argv[2]))")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    for module, forbidden in (("tipdash.ui", "etl"), ("tipdash.boundaries", "etl"), ("etl.boundaries", "tipdash"),
                              ("etl.reference", "tipdash")):
        result = subprocess.run([sys.executable, "-c", code, module, forbidden], cwd=REPO, env=env,
                                capture_output=True, text=True, timeout=120, check=True)
        assert result.stdout.strip() == "[]", f"{module} imports {result.stdout.strip()}"


# -- the reader ---------------------------------------------------------------------------------------------------


def test_reader_without_layers_tells_the_reader_without_developer_instructions(tmp_path):
    assert reader.load_layer("districts", tmp_path) is None
    assert reader.boundaries_metadata(tmp_path) is None
    assert reader.missing_layers(tmp_path) == ["districts", "provinces", "countries"]
    (tmp_path / "districts.geojson").write_text("{not json")
    assert reader.load_layer("districts", tmp_path) is None
    message = reader.missing_boundaries_message(tmp_path)
    assert "circle" in message and "not affected" in message
    assert not re.search(r"python|etl|--|\bpip\b|command|run ", message), message
    with pytest.raises(ValueError, match="unknown boundary layer"):
        reader.load_layer("tehsils", tmp_path)


# -- the builder: simplification -----------------------------------------------------------------------------------


def _wiggle(x0: float, x1: float, y: float, amplitude: float, n: int) -> list[tuple[float, float]]:
    xs = np.linspace(x0, x1, n)
    return [(float(x), y + (amplitude if i % 2 else 0.0) * (0 < i < n - 1)) for i, x in enumerate(xs)]


def test_each_border_keeps_detail_relative_to_the_smallest_polygon_it_bounds():
    """A large and a small polygon with the same wiggles: the small one keeps them, the large one loses them."""
    border = _wiggle(0, 10, 5, 0.01, 201)  # a wiggly border between two 10 x 5 polygons
    north = Polygon([(0, 10), (10, 10), *border[::-1]])
    south = Polygon([(0, 0), *border, (10, 0)])
    small = Polygon([(20, 0), *_wiggle(20, 20.1, 0.1, 0.002, 21), (20.1, 0)])  # the same, 100 times smaller
    how = builder.Simplification(detail=0.005, min_tolerance=1e-6, max_tolerance=1.0, decimals=6)
    out = builder.simplify_coverage(np.array([north, south, small], dtype=object), how)
    assert shapely.is_valid(out).all() and shapely.coverage_is_valid(out)
    # The large polygons' wiggles (0.01 deep, under 0.005 x 10) are gone; the border is still shared exactly.
    assert shapely.get_num_coordinates(out[0]) < 10 and shapely.get_num_coordinates(out[1]) < 10
    # The small polygon's (0.002 deep, over 0.005 x 0.1) are all kept.
    assert shapely.get_num_coordinates(out[2]) == shapely.get_num_coordinates(small)
    for before, after in zip((north, south, small), out, strict=True):
        minx, miny, maxx, maxy = before.bounds
        assert shapely.hausdorff_distance(before, after) <= 0.005 * max(maxx - minx, maxy - miny) * 1.01


def test_simplified_borders_never_cross_an_island():
    """A coast whose shallow inlet is straightened would cut through an island lying in the inlet: the coast and
    the island are then simplified together and stay apart."""
    coast = [(0, 0), (4, 0), (5, -0.04), (6, 0), (10, 0)]
    land = Polygon([(0, -10), *coast, (10, -10)])
    island = box(4.9, -0.01, 5.1, 0.01).difference(land)  # in the sea, just above the inlet's straight line
    assert not island.intersects(land.buffer(-1e-9))
    how = builder.Simplification(detail=0.005, min_tolerance=1e-6, max_tolerance=1.0, decimals=6)
    out = builder.simplify_coverage(np.array([land, island], dtype=object), how)
    assert shapely.is_valid(out).all() and shapely.coverage_is_valid(out)
    assert out[1] is not None and abs(out[1].area - island.area) < 0.01 * island.area
    assert shapely.intersection(out[0], out[1]).area == 0
    # Without the island the inlet would be straightened.
    alone = builder.simplify_coverage(np.array([land], dtype=object), how)
    assert shapely.get_num_coordinates(alone[0]) < shapely.get_num_coordinates(land)


def test_islands_smaller_than_their_tolerance_vanish_without_breaking_the_polygon():
    mainland = box(0, 0, 10, 10)
    speck = box(12, 12, 12.001, 12.001)  # 0.001 across, far under 0.005 x 12 (the feature's extent)
    how = builder.Simplification(detail=0.005, min_tolerance=1e-6, max_tolerance=1.0, decimals=6)
    out = builder.simplify_coverage(np.array([shapely.multipolygons([mainland, speck])], dtype=object), how)
    assert out[0].geom_type == "Polygon" and shapely.equals(out[0], mainland)


# -- the builder: sources and the network -------------------------------------------------------------------------


@pytest.fixture(scope="module")
def seeded_build(tmp_path_factory) -> tuple[Path, dict]:
    """`python -m etl boundaries` with no options, its download cache holding the committed layers under the default
    sources' names: it must build from the cache and download nothing."""
    root = tmp_path_factory.mktemp("seeded")
    cache = root / "cache"
    cache.mkdir()
    shutil.copyfile(COMMITTED / LAYER_FILES["districts"], cache / builder.PAKISTAN_SOURCE.file)
    shutil.copyfile(COMMITTED / LAYER_FILES["countries"], cache / builder.WORLD_SOURCE.file)
    attempts: list[str] = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(builder, "download", lambda url, dest: attempts.append(url))
        metadata = builder.build_boundaries(out_dir=root / "out", cache=cache, log=quiet)
    assert attempts == []
    return root / "out", metadata


def test_default_build_reuses_the_download_cache(seeded_build):
    out, metadata = seeded_build
    assert set(metadata["layers"]) == set(LAYER_FILES)
    assert metadata["layers"]["districts"]["source"] == builder.PAKISTAN_SOURCE.url
    assert metadata["layers"]["countries"]["source"] == builder.WORLD_SOURCE.url
    assert metadata["layers"]["districts"]["licence"].startswith("ODbL")  # the URL names the OSM-derived source
    districts = _layer(out, "districts")
    assert set(districts["district_id"]) == set(_gazetteer()["district_id"])
    assert shapely.coverage_is_valid(np.asarray(districts.geometry.values, dtype=object))
    # Rebuilding the committed layers changes them by little more than rounding: the builder is stable.
    committed = _layer(COMMITTED, "districts").set_index("district_id").geometry
    rebuilt = districts.set_index("district_id").geometry[committed.index]
    assert (shapely.hausdorff_distance(committed.values, rebuilt.values) < 0.02).all()
    assert metadata["layers"]["provinces"]["layer"] == "dissolved from the districts layer"
    assert metadata["layers"]["countries"]["features"] >= 235


def test_from_file_downloads_nothing_and_copies_the_committed_layers_it_was_not_given(tmp_path, downloads):
    districts = _subset(COMMITTED / "districts.geojson", tmp_path / "north.geojson", "province",
                        {"Islamabad Capital Territory", "Gilgit-Baltistan"})
    metadata = builder.build_boundaries(districts_src=str(districts), out_dir=tmp_path / "out",
                                        cache=tmp_path / "empty-cache", log=quiet)
    assert downloads == []
    assert not (tmp_path / "empty-cache").exists()
    assert metadata["layers"]["districts"]["features"] == 11
    assert metadata["layers"]["districts"]["source"] == "north.geojson"
    assert sorted(_layer(tmp_path / "out", "provinces")["province"]) == ["Gilgit-Baltistan",
                                                                       "Islamabad Capital Territory"]
    # Countries were not given: the committed layer is copied with its metadata entry.
    assert (tmp_path / "out" / "countries.geojson").read_bytes() == (geo_dir() / "countries.geojson").read_bytes()
    assert metadata["layers"]["countries"] == reader.boundaries_metadata(geo_dir())["layers"]["countries"]


def test_from_file_keeps_a_layer_already_in_the_output_folder(tmp_path, downloads):
    out = tmp_path / "out"
    out.mkdir()
    mine = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"iso3": "PAK", "name": "P"},
                                                       "geometry": box(60, 23, 78, 37).__geo_interface__}]}
    (out / "countries.geojson").write_text(json.dumps(mine), encoding="utf-8")
    before = (out / "countries.geojson").read_bytes()
    districts = _subset(COMMITTED / "districts.geojson", tmp_path / "ict.geojson", "district_id", {"islamabad"})
    builder.build_boundaries(districts_src=str(districts), out_dir=out, cache=tmp_path / "cache", log=quiet)
    assert (out / "countries.geojson").read_bytes() == before
    assert downloads == []


def test_from_file_with_nothing_to_reuse_says_what_is_missing(tmp_path, monkeypatch, downloads, capsys):
    monkeypatch.setenv("TIP_GEO_DIR", str(tmp_path / "no-committed-layers"))
    districts = _subset(COMMITTED / "districts.geojson", tmp_path / "ict.geojson", "district_id", {"islamabad"})
    with pytest.raises(builder.BoundaryError) as error:
        builder.build_boundaries(districts_src=str(districts), out_dir=tmp_path / "out", cache=tmp_path / "cache",
                                 log=quiet)
    message = str(error.value)
    assert "country boundaries" in message and "nothing is downloaded" in message and "--world PATH" in message
    assert "ISO3" in message
    assert downloads == []
    assert (tmp_path / "out" / "districts.geojson").is_file()  # what could be built was written
    assert not (tmp_path / "out" / "countries.geojson").exists()
    # The command line says the same, without a traceback, and fails.
    assert builder.cli(["--from", str(districts), "--out", str(tmp_path / "out2"),
                        "--cache", str(tmp_path / "cache")]) == 1
    stderr = capsys.readouterr().err
    assert "Missing: country boundaries" in stderr and "Traceback" not in stderr
    assert downloads == []


def test_from_file_uses_an_earlier_download_in_the_cache(tmp_path, monkeypatch, downloads):
    monkeypatch.setenv("TIP_GEO_DIR", str(tmp_path / "no-committed-layers"))
    cache = tmp_path / "cache"
    _subset(COMMITTED / "countries.geojson", cache.mkdir() or cache / builder.WORLD_SOURCE.file, "iso3",
            {"PAK", "IND", "AFG"})
    districts = _subset(COMMITTED / "districts.geojson", tmp_path / "ict.geojson", "district_id", {"islamabad"})
    metadata = builder.build_boundaries(districts_src=str(districts), out_dir=tmp_path / "out", cache=cache,
                                        log=quiet)
    assert metadata["layers"]["countries"]["source"] == builder.WORLD_SOURCE.url
    assert sorted(_layer(tmp_path / "out", "countries")["iso3"]) == ["AFG", "IND", "PAK"]
    assert downloads == []


def test_nothing_available_is_a_clear_error(tmp_path, capsys, downloads):
    with pytest.raises(builder.BoundaryError) as error:
        builder.build_boundaries(out_dir=tmp_path / "out", cache=tmp_path / "cache", log=quiet)
    message = str(error.value)
    assert "district and province boundaries" in message and "country boundaries" in message
    assert "python -m etl boundaries --from PATH" in message and "--world PATH" in message
    assert downloads == [builder.PAKISTAN_SOURCE.url, builder.WORLD_SOURCE.url]  # tried, as asked, and failed
    assert not (tmp_path / "out").exists()
    assert builder.cli(["--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")]) == 1
    stderr = capsys.readouterr().err
    assert "Missing:" in stderr and "Traceback" not in stderr
    assert not list((tmp_path / "cache").glob("*.part"))


def test_from_a_geopackage_with_other_names(tmp_path, downloads):
    """Any file with a name column: districts renamed and saved as a GeoPackage, Karachi as one polygon; countries
    as Natural Earth publishes them (no iso3 column; ISO_A3 is -99 where ISO has no code)."""
    source = _layer(COMMITTED, "districts")
    sindh = source[source["province"] == "Sindh"].copy()
    karachi = sindh["district_id"].str.startswith(("karachi", "korangi", "malir", "keamari"))
    sindh.loc[karachi, "name"] = "Karachi"
    sindh = sindh.dissolve(by="name", as_index=False)
    gpkg = tmp_path / "sindh_districts.gpkg"
    sindh.rename(columns={"name": "DISTRICT"})[["DISTRICT", "province", "geometry"]].to_file(gpkg)
    world = _layer(COMMITTED, "countries")
    world = world[world["iso3"].isin(["PAK", "IND", "FRA", "NOR", "XKX"])].rename(columns={"iso3": "ADM0_A3"})
    world["ISO_A3"] = world["ADM0_A3"].where(~world["ADM0_A3"].isin(["FRA", "NOR", "XKX"]), "-99")
    world["ADM0_A3"] = world["ADM0_A3"].replace({"XKX": "KOS"})
    world_file = tmp_path / "ne_50m_admin_0_countries.geojson"
    world[["name", "ISO_A3", "ADM0_A3", "geometry"]].rename(columns={"name": "NAME"}).to_file(world_file)

    metadata = builder.build_boundaries(districts_src=str(gpkg), world_src=str(world_file),
                                        out_dir=tmp_path / "out", cache=tmp_path / "cache", log=quiet)
    info = metadata["layers"]["districts"]
    assert info["name_column"] == "DISTRICT" and info["source"] == "sindh_districts.gpkg"
    assert info["features"] == int((~karachi).sum())
    assert [u["name"] for u in info["unmatched"]] == ["Karachi"]  # one name for several districts
    assert info["licence"].startswith("unknown")  # nothing in the name says where it came from
    assert metadata["layers"]["provinces"]["layer"] == "dissolved from the districts layer"
    countries = metadata["layers"]["countries"]
    assert countries["code_columns"][0] == "ISO_A3" and countries["attribution"] == ATTRIBUTIONS["natural_earth"]
    assert sorted(_layer(tmp_path / "out", "countries")["iso3"]) == ["FRA", "IND", "NOR", "PAK", "XKX"]
    assert downloads == []


def test_a_missing_file_is_named(tmp_path, downloads):
    with pytest.raises(builder.BoundaryError, match="does not exist"):
        builder.build_boundaries(districts_src=str(tmp_path / "nowhere.gpkg"), world_src=str(tmp_path / "no.json"),
                                 out_dir=tmp_path / "out", cache=tmp_path / "cache", log=quiet)
    assert downloads == []
