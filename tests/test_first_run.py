"""What a fresh clone does on `streamlit run dashboard.py`: maps prepared from the download cache, never fetched."""

from __future__ import annotations

import shutil

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO, SHARED_GEO

APP = str(REPO / "dashboard.py")


@pytest.fixture
def empty_boundaries(tmp_path, monkeypatch, warehouse):
    out = tmp_path / "boundaries"
    monkeypatch.setenv("TIP_BOUNDARIES_DIR", str(out))
    monkeypatch.setenv("TIP_CACHE_DIR", str(tmp_path / "cache"))
    return out


@pytest.mark.skipif(not SHARED_GEO.is_dir(), reason="offline boundary copies (../shared/geo) not present")
def test_cached_downloads_become_map_layers_on_first_start(empty_boundaries, tmp_path):
    cache = tmp_path / "cache" / "geo"
    cache.mkdir(parents=True)
    for name in ("pak_admin_2023_osm.topo.json", "world_countries_ne50m.geojson"):
        shutil.copy(SHARED_GEO / name, cache / name)
    at = AppTest.from_file(APP, default_timeout=120).run()
    assert not at.exception
    assert {p.name for p in empty_boundaries.iterdir()} >= {"districts.geojson", "provinces.geojson",
                                                             "countries.geojson", "boundaries.json"}


def test_without_cache_nothing_is_fetched_and_the_map_page_explains(empty_boundaries, monkeypatch):
    from etl import boundaries

    def no_network(*_args, **_kwargs):
        raise AssertionError("the dashboard must not download on its own")

    monkeypatch.setattr(boundaries, "download", no_network)
    at = AppTest.from_file(APP, default_timeout=60).run()
    at.switch_page("pages/hotspots.py").run()
    assert not at.exception
    page_text = " ".join(str(e.value) for e in at.markdown) + " ".join(str(e.value) for e in at.info) + " ".join(
        str(e.value) for e in at.warning)
    assert "python -m etl boundaries" in page_text
    assert not empty_boundaries.exists() or not any(empty_boundaries.iterdir())
