"""Read the web-ready boundary files written by ``python -m etl boundaries`` (plain functions, no Streamlit).

The files live in ``tipcore.config.boundaries_dir()``: ``districts.geojson`` (properties district_id, name,
province), ``provinces.geojson`` (province), ``countries.geojson`` (iso3, name) and ``boundaries.json`` (source,
licence, attribution and counts of each layer). They are build outputs, never committed: on a fresh machine they
may be absent, and every reader here then returns None so the map pages can fall back to bubbles placed at the
gazetteer's representative points.
"""

from __future__ import annotations

import json
from pathlib import Path

from tipcore.config import boundaries_dir

# Attribution strings the About page and map captions show, keyed by source: the default boundary sources, the
# census behind the per-capita rates and the TIP Reports behind the tiers. A build from another boundary source
# records that source's attribution in boundaries.json ("attributions").
ATTRIBUTIONS: dict[str, str] = {
    "openstreetmap": "© OpenStreetMap contributors, ODbL",
    "natural_earth": "Made with Natural Earth",
    "census": "Pakistan Bureau of Statistics, Census 2023",
    "tip_report": "US State Department TIP Reports",
}

LAYER_FILES: dict[str, str] = {
    "districts": "districts.geojson",
    "provinces": "provinces.geojson",
    "countries": "countries.geojson",
}
METADATA_FILE = "boundaries.json"


def load_layer(name: str, directory: Path | None = None) -> dict | None:
    """The layer as a GeoJSON FeatureCollection dict, or None when it is absent or unreadable."""
    if name not in LAYER_FILES:
        raise ValueError(f"unknown boundary layer {name!r}; expected one of {', '.join(LAYER_FILES)}")
    data = _read_json(Path(directory or boundaries_dir()) / LAYER_FILES[name])
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not data.get("features"):
        return None
    return data


def boundaries_metadata(directory: Path | None = None) -> dict | None:
    """Contents of boundaries.json (per layer: source, licence, attribution, counts), or None."""
    data = _read_json(Path(directory or boundaries_dir()) / METADATA_FILE)
    return data if isinstance(data, dict) else None


def missing_layers(directory: Path | None = None) -> list[str]:
    """Layers that cannot be drawn because their file is absent or unreadable."""
    return [name for name in LAYER_FILES if load_layer(name, directory) is None]


def missing_boundaries_message(directory: Path | None = None) -> str:
    """What is missing and how to fetch it, for the map pages' fallback notice."""
    missing = missing_layers(directory) or list(LAYER_FILES)
    return (
        f"Map boundaries are not installed (missing: {', '.join(missing)}), so districts are shown as bubbles at "
        "their gazetteer points. To add the boundaries, run `python -m etl boundaries` on a machine with internet "
        "access (it downloads OpenStreetMap district and province outlines and Natural Earth country outlines, "
        "and caches them for later runs), or point it at a local file: `python -m etl boundaries --from PATH` "
        "(any GeoJSON, GeoPackage or shapefile with a district name column; `--provinces PATH` and "
        "`--world PATH` do the same for provinces and countries)."
    )


def _read_json(path: Path) -> object | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
