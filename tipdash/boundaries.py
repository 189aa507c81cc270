"""Read the web-ready boundary layers the map pages draw (plain functions, no Streamlit).

The layers are committed in ``data/geo/`` (``tipcore.config.geo_dir()``, overridable with ``TIP_GEO_DIR``), so a
fresh clone draws district maps on its first start without any download. File names and attributions are shared
with the ETL through ``tipcore.geo``. If a layer is absent or unreadable (a deployment pointing ``TIP_GEO_DIR`` at
an incomplete folder), every reader here returns None and the map pages fall back to bubbles at the gazetteer's
representative points.

A map of all Pakistan cannot show the committed layers' detail: at its zoom one screen pixel is about 0.04° wide,
and the district layer's 18,000 points cost the server about half a second to serialise and the browser its
parsing and tiling, on every draw. ``at_zoom`` gives a layer with only the detail a map at a given zoom can show.
"""

from __future__ import annotations

import json
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import numpy as np
import shapely
from shapely.geometry import mapping, shape

from tipcore.config import geo_dir
from tipcore.geo import ATTRIBUTIONS, LAYER_FILES, METADATA_FILE

__all__ = ["ATTRIBUTIONS", "LAYER_FILES", "METADATA_FILE", "at_zoom", "boundaries_metadata", "degrees_per_pixel",
           "load_layer", "missing_layers", "missing_boundaries_message", "prepared"]

# A border may move by half a screen pixel (invisible; neighbours may part by as much, under the white district
# outlines), and coordinates are snapped to a grid of a power of ten no coarser than a tenth of one.
PIXEL_FRACTION = 0.5
GRID_FRACTION = 0.1
_PREPARED: OrderedDict[tuple[int, str], tuple[dict, object]] = OrderedDict()
_PREPARED_MAX = 32
_PREPARED_LOCK = threading.Lock()
T = TypeVar("T")


def load_layer(name: str, directory: Path | None = None) -> dict | None:
    """The layer as a GeoJSON FeatureCollection dict, or None when it is absent or unreadable."""
    if name not in LAYER_FILES:
        raise ValueError(f"unknown boundary layer {name!r}; expected one of {', '.join(LAYER_FILES)}")
    data = _read_json(Path(directory or geo_dir()) / LAYER_FILES[name])
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not data.get("features"):
        return None
    return data


def boundaries_metadata(directory: Path | None = None) -> dict | None:
    """Contents of boundaries.json (per layer: source, licence, attribution, counts), or None."""
    data = _read_json(Path(directory or geo_dir()) / METADATA_FILE)
    return data if isinstance(data, dict) else None


def missing_layers(directory: Path | None = None) -> list[str]:
    """Layers that cannot be drawn because their file is absent or unreadable."""
    return [name for name in LAYER_FILES if load_layer(name, directory) is None]


def missing_boundaries_message(directory: Path | None = None) -> str:
    """What a reader of the map page is told when outlines are missing (no commands: readers are not operators)."""
    missing = missing_layers(directory) or list(LAYER_FILES)
    return (f"The map outlines could not be loaded ({', '.join(missing)}), so each district is shown as a circle at "
            "its centre. The figures are not affected.")


def _read_json(path: Path) -> object | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def degrees_per_pixel(zoom: float) -> float:
    """Width of one screen pixel in degrees of longitude at MapLibre zoom ``zoom`` (the world is 512 × 2^zoom px)."""
    return 360 / (512 * 2 ** zoom)


def prepared(layer: dict, what: str, make: Callable[[dict], T]) -> T:
    """``make(layer)``, computed once per layer object and ``what`` (the name of what ``make`` derives) and then
    shared: layers are read once per process and never changed, so what is derived from their geometry (a
    simplification, bounds) is paid for once, not on every draw."""
    key = (id(layer), what)
    with _PREPARED_LOCK:
        if key in _PREPARED:
            _PREPARED.move_to_end(key)
            return _PREPARED[key][1]
    made = make(layer)
    with _PREPARED_LOCK:
        # The layer itself is held beside what was made from it, so its id cannot be reused by another object.
        _PREPARED[key] = (layer, made)
        while len(_PREPARED) > _PREPARED_MAX:
            _PREPARED.popitem(last=False)
    return made


def at_zoom(layer: dict | None, zoom: float) -> dict | None:
    """``layer`` with only the detail a map at ``zoom`` can show: every outline simplified (Douglas-Peucker, shapes
    kept valid) by at most half a pixel, coordinates snapped to a tenth of one. Same features, properties and order;
    a shape that would vanish keeps its own outline; None stays None. Made once per layer and zoom (``prepared``).
    """
    if not layer:
        return layer
    pixel = degrees_per_pixel(zoom)
    decimals = max(0, math.ceil(-math.log10(GRID_FRACTION * pixel)))
    return prepared(layer, f"at pixel {pixel:.9f}",
                    lambda whole: _simplified(whole, PIXEL_FRACTION * pixel, decimals))


def _simplified(layer: dict, tolerance: float, decimals: int) -> dict:
    features = layer.get("features") or []
    polygonal = [i for i, f in enumerate(features)
                 if (f.get("geometry") or {}).get("type") in ("Polygon", "MultiPolygon")]
    geoms = np.array([shape(features[i]["geometry"]) for i in polygonal], dtype=object)
    if len(geoms):
        geoms = shapely.set_precision(shapely.simplify(geoms, tolerance, preserve_topology=True), 10.0 ** -decimals)
        # On the grid already: rounding only drops the float noise (72.98700000000001) that would lengthen the JSON.
        geoms = shapely.transform(geoms, lambda xy: np.round(xy, decimals))
    out = list(features)
    for i, geom in zip(polygonal, geoms, strict=True):
        if not geom.is_empty:
            out[i] = {**features[i], "geometry": mapping(geom)}
    return {**layer, "features": out}
