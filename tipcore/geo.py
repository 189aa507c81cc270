"""What the ETL (which writes the boundary layers) and the dashboard (which draws them) agree on.

The layers live in ``tipcore.config.geo_dir()`` (by default the committed ``data/geo/``): ``districts.geojson``
(properties district_id, name, province), ``provinces.geojson`` (province), ``countries.geojson`` (iso3, name) and
``boundaries.json`` (per layer: source, licence, attribution, counts).
"""

from __future__ import annotations

LAYER_FILES: dict[str, str] = {
    "districts": "districts.geojson",
    "provinces": "provinces.geojson",
    "countries": "countries.geojson",
}
METADATA_FILE = "boundaries.json"

# Attribution strings the About page, map captions and table citations show, keyed by source: the boundary
# sources, the census behind the per-capita rates and the TIP Reports behind the tiers. A build from another
# boundary source records that source's attribution in boundaries.json ("attributions").
ATTRIBUTIONS: dict[str, str] = {
    "openstreetmap": "© OpenStreetMap contributors, ODbL",
    "natural_earth": "Made with Natural Earth",
    "census": "Pakistan Bureau of Statistics, Census 2023",
    "tip_report": "US State Department TIP Reports",
}
