"""Maps send the boundary detail their view can show (tipdash.boundaries.at_zoom), and nothing is lost by it."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from tipdash import boundaries, maps

CLOSE_ZOOM = 9.0  # a district filling the screen


@pytest.fixture(scope="module")
def districts_geo() -> dict:
    return boundaries.load_layer("districts")


def _shapes(layer: dict) -> np.ndarray:
    return np.array([shape(f["geometry"]) for f in layer["features"]], dtype=object)


def _points(layer: dict) -> int:
    return int(shapely.get_num_coordinates(_shapes(layer)).sum())


def test_a_map_of_all_pakistan_gets_every_district_within_a_pixel_of_its_committed_shape(districts_geo):
    zoom = maps.PAKISTAN_VIEW["zoom"]
    light = boundaries.at_zoom(districts_geo, zoom)
    assert [f["properties"] for f in light["features"]] == [f["properties"] for f in districts_geo["features"]]
    full, simple = _shapes(districts_geo), _shapes(light)
    assert shapely.is_valid(simple).all() and not shapely.is_empty(simple).any()
    pixel = boundaries.degrees_per_pixel(zoom)
    assert shapely.hausdorff_distance(full, simple).max() <= pixel
    assert _points(light) < 0.4 * _points(districts_geo)
    assert len(json.dumps(light)) < 0.5 * len(json.dumps(districts_geo))


def test_a_close_view_keeps_the_committed_detail(districts_geo):
    close = boundaries.at_zoom(districts_geo, CLOSE_ZOOM)
    assert _points(close) >= 0.95 * _points(districts_geo)
    pixel = boundaries.degrees_per_pixel(CLOSE_ZOOM)
    assert shapely.hausdorff_distance(_shapes(districts_geo), _shapes(close)).max() <= pixel


def test_each_layer_and_zoom_is_simplified_once_and_the_layer_is_left_as_it_was(districts_geo):
    before = copy.deepcopy(districts_geo)
    first = boundaries.at_zoom(districts_geo, 4.0)
    assert boundaries.at_zoom(districts_geo, 4.0) is first
    assert boundaries.at_zoom(districts_geo, 6.0) is not first
    assert districts_geo == before


def test_no_layer_and_shapes_that_are_not_polygons_pass_through():
    assert boundaries.at_zoom(None, 4.0) is None
    point = {"type": "Feature", "properties": {"id": "p"}, "geometry": {"type": "Point", "coordinates": [70, 30]}}
    tiny = {"type": "Feature", "properties": {"id": "t"}, "geometry": {
        "type": "Polygon", "coordinates": [[[70, 30], [70.0001, 30], [70.0001, 30.0001], [70, 30]]]}}
    out = boundaries.at_zoom({"type": "FeatureCollection", "features": [point, tiny]}, 2.0)
    assert out["features"][0] == point
    assert out["features"][1] == tiny  # smaller than the grid: kept as it was rather than lost


def _every_district(layer: dict) -> pd.DataFrame:
    props = [f["properties"] for f in layer["features"]]
    return pd.DataFrame({"district_id": [p["district_id"] for p in props], "name": [p["name"] for p in props],
                         "province": [p["province"] for p in props], "lat": 30.0, "lon": 70.0,
                         "cases": pd.array([None if i % 9 == 0 else 10 + i for i in range(len(props))],
                                           dtype="Int64")})


def _coordinates_sent(fig) -> int:
    return sum(_points(t.geojson) for t in fig.data if t.type == "choroplethmap")


def test_district_map_sends_the_detail_its_view_can_show_and_every_district(districts_geo):
    provinces = boundaries.load_layer("provinces")
    df = _every_district(districts_geo)
    national = maps.district_map(df, "cases", "count", "Cases", "Cases", districts_geo, provinces)
    close_view = dict(center=dict(lat=30.2, lon=71.5), zoom=CLOSE_ZOOM)
    close = maps.district_map(df, "cases", "count", "Cases", "Cases", districts_geo, provinces, view=close_view)
    assert national.layout.map.zoom == maps.PAKISTAN_VIEW["zoom"] and close.layout.map.zoom == CLOSE_ZOOM
    assert _coordinates_sent(national) < 0.4 * _coordinates_sent(close)
    assert _coordinates_sent(close) >= 0.95 * _points(districts_geo)
    for fig in (national, close):
        shown = [d for t in fig.data if t.type == "choroplethmap" for d in t.locations]
        drawn = [f["properties"]["district_id"] for t in fig.data if t.type == "choroplethmap"
                 for f in t.geojson["features"]]
        assert sorted(shown) == sorted(drawn) == sorted(df["district_id"])
    bands = df.assign(band=["A" if i % 2 else "B" for i in range(len(df))])
    banded = maps.categorical_district_map(bands, "band", ["A", "B"], {"A": "#000", "B": "#fff"}, "Bands",
                                           districts_geo, provinces)
    assert _coordinates_sent(banded) == _coordinates_sent(national)
