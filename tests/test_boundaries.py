"""Boundary build from the offline copies in ../shared/geo, and the dashboard-side reader."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import etl.boundaries as boundaries
from etl.districts import PROVINCES
from tipcore.config import reference_dir
from tipdash import boundaries as reader

SHARED_GEO = Path(__file__).resolve().parent.parent.parent / "shared" / "geo"
pytestmark = pytest.mark.skipif(not SHARED_GEO.is_dir(),
                                reason=f"offline boundary copies not found at ../shared/geo ({SHARED_GEO.name})")


def _no_network(url: str, dest: Path) -> None:
    raise OSError("network disabled in tests")


def _seeded_cache(folder: Path) -> Path:
    """A download cache holding the offline copies under the names the default download uses."""
    folder.mkdir(parents=True)
    for source in (boundaries.PAKISTAN_SOURCE, boundaries.WORLD_SOURCE):
        shutil.copy(SHARED_GEO / source.file, folder / source.file)
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict]:
    """The default build (no --from) from a pre-seeded cache, with downloads made impossible."""
    root = tmp_path_factory.mktemp("boundaries")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(boundaries, "download", _no_network)
        metadata = boundaries.build_boundaries(out_dir=root / "out", cache=_seeded_cache(root / "cache"),
                                               log=lambda message: None)
    return root / "out", metadata


def _layer(out: Path, name: str) -> gpd.GeoDataFrame:
    return gpd.read_file(out / reader.LAYER_FILES[name])


def test_cache_is_reused_without_downloading(built):
    out, metadata = built
    assert set(metadata["layers"]) == {"districts", "provinces", "countries"}
    assert metadata["layers"]["districts"]["source"] == boundaries.PAKISTAN_SOURCE.url


def test_districts_matched_to_the_gazetteer(built):
    out, metadata = built
    districts = _layer(out, "districts")
    gazetteer = pd.read_csv(reference_dir() / "districts.csv", dtype=str, keep_default_na=False)
    assert districts["district_id"].is_unique
    assert set(districts["district_id"]) <= set(gazetteer["district_id"])
    assert len(districts) >= 150
    info = metadata["layers"]["districts"]
    assert info["features"] == len(districts)
    assert len(info["districts_without_polygon"]) == 156 - len(districts)
    assert districts.is_valid.all() and not districts.is_empty.any()
    assert list(districts.columns) == ["district_id", "name", "province", "geometry"]


def test_district_file_is_small_enough_for_the_browser(built):
    out, metadata = built
    size = (out / "districts.geojson").stat().st_size
    assert size < 1_000_000
    assert metadata["layers"]["districts"]["bytes"] == size


def test_provinces_cover_pakistan(built):
    out, _ = built
    provinces = _layer(out, "provinces")
    assert sorted(provinces["province"]) == sorted(PROVINCES)
    districts = shapely.union_all(_layer(out, "districts").geometry.values)
    outline = shapely.union_all(provinces.geometry.values)
    assert districts.intersection(outline).area / districts.area > 0.99
    # Every gazetteer point lies in its own province's polygon.
    gazetteer = pd.read_csv(reference_dir() / "districts.csv")
    points = gpd.GeoDataFrame(gazetteer[["district_id", "province"]],
                              geometry=gpd.points_from_xy(gazetteer["lon"], gazetteer["lat"]), crs=4326)
    joined = gpd.sjoin(points, provinces, predicate="within", how="left")
    assert (joined["province_left"] == joined["province_right"]).all()


def test_countries_keyed_by_iso3(built):
    out, metadata = built
    countries = _layer(out, "countries")
    assert countries["iso3"].is_unique
    assert {"PAK", "IND", "ARE", "BHR", "SGP", "XKX"} <= set(countries["iso3"])
    assert (out / "countries.geojson").stat().st_size <= 1_500_000
    tiers = pd.read_csv(reference_dir() / "tip_tiers.csv", dtype=str)
    ranked_without_shape = set(tiers["iso3"].replace({"KOS": "XKX"})) - set(countries["iso3"])
    assert len(ranked_without_shape) <= 3, ranked_without_shape


def test_metadata_has_source_licence_and_attribution(built):
    out, metadata = built
    assert reader.boundaries_metadata(out) == json.loads((out / "boundaries.json").read_text())
    layers = metadata["layers"]
    assert layers["districts"]["attribution"] == reader.ATTRIBUTIONS["openstreetmap"]
    assert layers["countries"]["attribution"] == reader.ATTRIBUTIONS["natural_earth"]
    for info in layers.values():
        assert info["source"] and info["licence"] and info["built_at"] and info["bytes"] > 0


def test_nothing_available_is_a_clear_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(boundaries, "download", _no_network)
    with pytest.raises(boundaries.BoundaryError) as error:
        boundaries.build_boundaries(out_dir=tmp_path / "out", cache=tmp_path / "cache", log=lambda m: None)
    message = str(error.value)
    assert "district and province boundaries" in message and "country boundaries" in message
    assert "python -m etl boundaries --from PATH" in message and "--world PATH" in message
    assert not (tmp_path / "out").exists()
    # The command line says the same, without a traceback, and fails.
    assert boundaries.cli(["--out", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")]) == 1
    stderr = capsys.readouterr().err
    assert "Missing:" in stderr and "Traceback" not in stderr
    assert not list((tmp_path / "cache").glob("*.part"))


def test_from_a_geopackage_with_other_names(tmp_path, monkeypatch):
    """Any file with a name column: geoBoundaries' 2019 districts, renamed and saved as a GeoPackage."""
    monkeypatch.setattr(boundaries, "download", _no_network)
    source = gpd.read_file(SHARED_GEO / "pak_adm2_districts_gbopen_2019.geojson")
    gpkg = tmp_path / "pak_districts.gpkg"
    source.rename(columns={"shapeName": "DISTRICT"})[["DISTRICT", "province", "geometry"]].to_file(gpkg)
    # Natural Earth as published (no added iso3 column; ISO_A3 is -99 for France, Norway and Kosovo).
    world = tmp_path / "ne_110m_admin_0_countries.geojson"
    gpd.read_file(SHARED_GEO / "world_countries_ne110m.geojson").drop(columns="iso3").to_file(world)
    metadata = boundaries.build_boundaries(districts_src=str(gpkg), world_src=str(world),
                                           out_dir=tmp_path / "out", cache=tmp_path / "cache", log=lambda m: None)
    info = metadata["layers"]["districts"]
    assert info["name_column"] == "DISTRICT"
    assert info["features"] >= 115  # an older, coarser district set
    assert {u["name"] for u in info["unmatched"]} >= {"Karachi", "Azad Kashmir"}  # cover several districts
    assert info["licence"].startswith("unknown")  # nothing in the path says where it came from
    # Without a province layer, provinces are dissolved from the districts.
    assert metadata["layers"]["provinces"]["layer"] == "dissolved from the districts layer"
    countries = metadata["layers"]["countries"]
    assert countries["features"] > 150 and countries["code_columns"][0] == "ISO_A3"
    assert {"FRA", "NOR", "XKX", "PAK"} <= set(_layer(tmp_path / "out", "countries")["iso3"])
    assert countries["attribution"] == reader.ATTRIBUTIONS["natural_earth"]


def test_reader_without_boundaries(tmp_path):
    assert reader.load_layer("districts", tmp_path) is None
    assert reader.boundaries_metadata(tmp_path) is None
    assert reader.missing_layers(tmp_path) == ["districts", "provinces", "countries"]
    (tmp_path / "districts.geojson").write_text("{not json")
    assert reader.load_layer("districts", tmp_path) is None
    message = reader.missing_boundaries_message(tmp_path)
    assert "python -m etl boundaries" in message and "--from PATH" in message and "bubbles" in message
    with pytest.raises(ValueError, match="unknown boundary layer"):
        reader.load_layer("tehsils", tmp_path)


def test_reader_with_boundaries(built):
    out, _ = built
    layer = reader.load_layer("districts", out)
    assert layer["type"] == "FeatureCollection" and len(layer["features"]) >= 150
    assert set(layer["features"][0]["properties"]) == {"district_id", "name", "province"}
    assert reader.missing_layers(out) == []
    assert set(reader.ATTRIBUTIONS.values()) >= {"© OpenStreetMap contributors, ODbL", "Made with Natural Earth",
                                                  "Pakistan Bureau of Statistics, Census 2023",
                                                  "US State Department TIP Reports"}
