"""What a district map costs to send: the boundary layers at full detail and at the detail a map of all Pakistan
can show (``tipdash.boundaries.at_zoom``), and the district map's figure (``tipdash.maps.district_map``) built and
serialised both ways, as ``st.plotly_chart`` serialises it on every run of a page.

The map is coloured by a stand-in count per district (its position in the layer): the payload and the time depend
on the shapes and the number of districts, not on the values.

``python -m benchmarks.map_bench --repeat N --json-out FILE`` (layers from TIP_GEO_DIR or data/geo/).
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
import shapely
from shapely.geometry import shape

from benchmarks.common import load_average, stats
from tipdash import boundaries, maps

CLOSE_VIEW = dict(center=dict(lat=30.2, lon=71.5), zoom=9.0)  # a district filling the map: full detail


def _points(layer: dict) -> int:
    return int(shapely.get_num_coordinates([shape(f["geometry"]) for f in layer["features"]]).sum())


def _layer_figures(layer: dict) -> dict:
    return {"features": len(layer["features"]), "points": _points(layer),
            "bytes": len(json.dumps(layer, separators=(",", ":")))}


def _all_districts(layer: dict) -> pd.DataFrame:
    props = [f["properties"] for f in layer["features"]]
    return pd.DataFrame({"district_id": [p["district_id"] for p in props], "name": [p["name"] for p in props],
                         "province": [p["province"] for p in props], "lat": 30.0, "lon": 70.0,
                         "cases": pd.array(range(10, 10 + len(props)), dtype="Int64")})


def figure_cost(build: Callable[[], go.Figure], repeat: int) -> dict:
    """Seconds to build a figure with ``build()`` and to serialise it (``fig.to_json()``, as ``st.plotly_chart``
    does on every run), and the bytes of that JSON."""
    builds, dumps, size = [], [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        fig = build()
        built = time.perf_counter()
        size = len(fig.to_json())
        dumps.append(time.perf_counter() - built)
        builds.append(built - start)
    return {"build": stats(builds), "to_json": stats(dumps), "bytes": size}


def _figure(df: pd.DataFrame, districts: dict, provinces: dict, view: dict | None, repeat: int) -> dict:
    return figure_cost(lambda: maps.district_map(df, "cases", "count", "Cases reported", "Cases", districts,
                                                 provinces, view=view), repeat)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.map_bench")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json-out", type=Path, required=True)
    args = parser.parse_args(argv)
    districts, provinces = boundaries.load_layer("districts"), boundaries.load_layer("provinces")
    if not districts or not provinces:
        args.json_out.write_text(json.dumps({"skipped": "no district or province layer"}), encoding="utf-8")
        return 0
    zoom = maps.PAKISTAN_VIEW["zoom"]
    start = time.perf_counter()
    boundaries.at_zoom(districts, zoom)
    boundaries.at_zoom(provinces, zoom)
    simplify_s = time.perf_counter() - start
    df = _all_districts(districts)
    load_start = load_average()[0]
    result = {
        "zoom": zoom, "pixel_degrees": boundaries.degrees_per_pixel(zoom), "simplify_once_s": simplify_s,
        "layers": {name: {"full": _layer_figures(layer), "national": _layer_figures(boundaries.at_zoom(layer, zoom))}
                   for name, layer in (("districts", districts), ("provinces", provinces))},
        # The full-detail figure is the district map as every page drew it before at_zoom.
        "figure": {"national": _figure(df, districts, provinces, None, args.repeat),
                   "full": _figure(df, districts, provinces, CLOSE_VIEW, args.repeat)},
        "load_average_1min": [load_start, load_average()[0]],
    }
    args.json_out.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
