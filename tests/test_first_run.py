"""What a fresh clone does on `streamlit run dashboard.py`: maps drawn from the committed layers, nothing fetched."""

from __future__ import annotations

import json
import urllib.request

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import REPO

APP = str(REPO / "dashboard.py")


@pytest.fixture
def offline(monkeypatch, warehouse):
    def no_network(*_args, **_kwargs):
        raise AssertionError("the dashboard must not download on its own")

    monkeypatch.setattr(urllib.request, "urlopen", no_network)


def _hotspots() -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120).run()
    at.switch_page("pages/hotspots.py").run()
    assert not at.exception
    return at


def _page_text(at: AppTest) -> str:
    return " ".join(str(e.value) for kind in (at.markdown, at.info, at.warning, at.caption) for e in kind)


def test_first_start_draws_district_polygons_from_the_committed_layers(offline):
    at = _hotspots()
    traces = [trace for chart in at.get("plotly_chart") for trace in json.loads(chart.proto.spec)["data"]]
    polygons = [t for t in traces if t["type"] == "choroplethmap"]
    assert polygons, [t["type"] for t in traces]
    assert sum(len(t["geojson"]["features"]) for t in polygons) >= 150
    assert "circle at its centre" not in _page_text(at)


def test_without_layers_the_map_falls_back_and_tells_no_developer_instructions(offline, monkeypatch, tmp_path):
    monkeypatch.setenv("TIP_GEO_DIR", str(tmp_path / "no-layers"))
    at = _hotspots()
    text = _page_text(at)
    assert "circle at its centre" in text
    assert "python -m" not in text and "etl" not in text
