"""Maps send the boundary detail their view can show (tipdash.boundaries.at_zoom), and nothing is lost by it; they
are framed to the area they show (maps.area_view), whole at a phone's width; the tier map's country layer is light
and made once (tier_map.light_layer)."""

from __future__ import annotations

import copy
import json

import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import shape

from tipdash import boundaries, maps, tier_map

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
    assert national.layout.map.zoom < 4.5 and close.layout.map.zoom == CLOSE_ZOOM
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


def _ids(layer: dict, province: str | None = None) -> list[str]:
    return [f["properties"]["district_id"] for f in layer["features"]
            if province is None or f["properties"]["province"] == province]


def _box(layer: dict, ids) -> tuple[float, float, float, float]:
    wanted = set(ids)
    return tuple(shapely.total_bounds(np.array([shape(f["geometry"]) for f in layer["features"]
                                                if f["properties"]["district_id"] in wanted], dtype=object)))


def _pixels(box, zoom: float) -> tuple[float, float]:
    """Width and height in screen pixels of a lon/lat box at ``zoom`` (Web Mercator, 512 px tiles)."""
    west, south, east, north = box
    world = 512 * 2 ** zoom

    def y(lat: float) -> float:
        return np.log(np.tan(np.pi / 4 + np.radians(lat) / 2))

    return (east - west) / 360 * world, (y(north) - y(south)) / (2 * np.pi) * world


@pytest.mark.parametrize("province", [None, "Punjab", "Sindh", "Balochistan", "Islamabad Capital Territory"])
def test_a_map_is_framed_to_its_area_and_whole_at_a_phones_width(districts_geo, province):
    ids = _ids(districts_geo, province)
    view = maps.area_view(districts_geo, ids, height_px=410)
    west, south, east, north = box = _box(districts_geo, ids)
    width, height = _pixels(box, view["zoom"])
    assert width <= maps.NARROWEST_MAP_PX and height <= 410  # whole on a phone
    assert width >= 0.6 * maps.NARROWEST_MAP_PX or height >= 0.6 * 410  # and not a small patch
    assert west < view["center"]["lon"] < east and south < view["center"]["lat"] < north


def test_areas_zoom_in_as_they_shrink_and_a_district_is_shown_among_its_neighbours(districts_geo):
    pakistan = maps.area_view(districts_geo, _ids(districts_geo))
    punjab = maps.area_view(districts_geo, _ids(districts_geo, "Punjab"))
    multan = maps.area_view(districts_geo, ["multan"])
    among = maps.area_view(districts_geo, ["multan"], widen=1.0)
    assert pakistan["zoom"] < punjab["zoom"] < multan["zoom"]
    assert among["zoom"] == pytest.approx(multan["zoom"] - 1.0)
    assert maps.area_view(districts_geo, []) == maps.PAKISTAN_VIEW == maps.area_view(None, ["multan"])
    points = pd.DataFrame({"district_id": ["multan"], "lat": [30.2], "lon": [71.5]})
    by_point = maps.area_view(None, ["multan"], points)  # no outlines: framed around the point
    assert by_point["center"] == {"lat": pytest.approx(30.2, abs=0.01), "lon": 71.5}


def test_the_district_map_is_framed_to_the_districts_it_is_given(districts_geo):
    provinces = boundaries.load_layer("provinces")
    df = _every_district(districts_geo)
    sindh = df[df["province"] == "Sindh"]
    fig = maps.district_map(sindh, "cases", "count", "Cases", "Cases", districts_geo, provinces, height=560)
    assert fig.layout.map.zoom == maps.area_view(districts_geo, sindh["district_id"],
                                                 height_px=560 - maps.MAP_CHROME_PX)["zoom"]
    west, south, east, north = _box(districts_geo, sindh["district_id"])
    assert west < fig.layout.map.center.lon < east and south < fig.layout.map.center.lat < north
    banded = maps.categorical_district_map(sindh.assign(band="A"), "band", ["A"], {"A": "#000"}, "Bands",
                                           districts_geo, provinces, height=560)
    assert banded.layout.map.zoom == fig.layout.map.zoom and banded.layout.map.center == fig.layout.map.center


def test_the_tier_maps_country_layer_is_light_made_once_and_keeps_every_country():
    world = boundaries.load_layer("countries")
    light = tier_map.light_layer(world)
    assert tier_map.light_layer(world) is light
    in_view = maps.region(world)
    assert [f["properties"] for f in light["features"]] == [f["properties"] for f in in_view["features"]]
    shapes = _shapes(light)
    assert shapely.is_valid(shapes).all() and not shapely.is_empty(shapes).any()
    assert _points(light) < 0.4 * _points(in_view)
    assert len(json.dumps(light, separators=(",", ":"))) < 0.4 * len(json.dumps(in_view, separators=(",", ":")))
    # Inside the region the view shows: every island of a few pixels or more is still drawn, and no country of
    # some size gains or loses a quarter of its area.
    committed = shapely.intersection(_shapes(in_view), shapely.box(*maps.REGION_BOX))
    parts, owner = shapely.get_parts(committed, return_index=True)
    seen = shapely.area(parts) >= 2 * tier_map.MIN_PART_AREA
    assert shapely.distance(parts[seen], shapes[owner[seen]]).max() <= tier_map.TOLERANCE + tier_map.GRID
    sizeable = shapely.area(committed) >= 1.0  # square degrees: about 50 pixels
    moved = shapely.area(shapely.symmetric_difference(committed, shapes)) / shapely.area(committed)
    assert moved[sizeable].max() < 0.25
