"""What a fresh clone does on `streamlit run dashboard.py`: maps drawn from the committed layers, nothing fetched;
the warehouse built by `python -m etl build` in a process of its own, never by importing the ETL."""

from __future__ import annotations

import json
import subprocess
import sys
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


# --- the first build ----------------------------------------------------------------------------------------------


class _NoEtl:
    """An import hook that fails any import of the ETL package: the dashboard must build through a subprocess."""

    def find_spec(self, name, path=None, target=None):
        if name == "etl" or name.startswith("etl."):
            raise AssertionError(f"the dashboard imported {name}")
        return None


@pytest.fixture
def fresh_clone(tmp_path, monkeypatch):
    """No warehouse and an empty raw folder (a fresh clone), a small demo size, and the ETL unimportable here."""
    for name in [m for m in sys.modules if m == "etl" or m.startswith("etl.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(sys, "meta_path", [_NoEtl(), *sys.meta_path])
    target = tmp_path / "private" / "warehouse.duckdb"
    monkeypatch.setenv("TIP_WAREHOUSE", str(target))
    monkeypatch.setenv("TIP_RAW_DIR", str(tmp_path / "raw"))
    monkeypatch.setenv("TIP_RELEASE_DIR", str(tmp_path / "release"))
    monkeypatch.setenv("TIP_DEMO_CASES", "200")
    return target


def _errors(at: AppTest) -> str:
    return " ".join(str(e.value) for e in at.error) + " ".join(str(e.value) for e in at.text)


def test_first_start_builds_the_warehouse_in_a_process_of_its_own(fresh_clone, monkeypatch):
    started: list[tuple] = []
    real_popen = subprocess.Popen

    def spy(args, *a, **kw):
        started.append((tuple(args), kw.get("env")))
        return real_popen(args, *a, **kw)

    monkeypatch.setattr(subprocess, "Popen", spy)
    at = AppTest.from_file(APP, default_timeout=600).run()
    assert not at.exception, at.exception
    assert not at.error, _errors(at)
    assert fresh_clone.exists()
    assert [cmd for cmd, _env in started] == [(sys.executable, "-m", "etl", "build", "--quiet")]
    assert started[0][1]["TIP_WAREHOUSE"] == str(fresh_clone)  # the same settings as the server
    assert "etl" not in sys.modules
    assert at.metric, "the overview page should show its headline numbers after the build"


def test_a_failed_first_build_shows_the_build_message_not_a_traceback(fresh_clone, monkeypatch):
    monkeypatch.setenv("TIP_PSEUDONYM_KEY", "too-short")
    at = AppTest.from_file(APP, default_timeout=300).run()
    assert not at.exception, at.exception
    shown = _errors(at)
    assert "Building the data failed" in shown
    assert "the pseudonym key must be at least 16 characters" in shown
    assert "Traceback" not in shown and "PseudonymKeyError" not in shown
    assert not fresh_clone.exists()
