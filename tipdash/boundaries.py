"""Read the web-ready boundary layers the map pages draw (plain functions, no Streamlit).

The layers are committed in ``data/geo/`` (``tipcore.config.geo_dir()``, overridable with ``TIP_GEO_DIR``), so a
fresh clone draws district maps on its first start without any download. File names and attributions are shared
with the ETL through ``tipcore.geo``. If a layer is absent or unreadable (a deployment pointing ``TIP_GEO_DIR`` at
an incomplete folder), every reader here returns None and the map pages fall back to bubbles at the gazetteer's
representative points.
"""

from __future__ import annotations

import json
from pathlib import Path

from tipcore.config import geo_dir
from tipcore.geo import ATTRIBUTIONS, LAYER_FILES, METADATA_FILE

__all__ = ["ATTRIBUTIONS", "LAYER_FILES", "METADATA_FILE", "boundaries_metadata", "load_layer", "missing_layers",
           "missing_boundaries_message"]


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
