"""The benchmarks run end to end on a tiny data set, so they cannot rot while the code they measure changes.

Nothing here judges a time (docs/testing.md: no test passes or fails on wall-clock time); the test checks that
every part ran, measured every page, read the release only, and wrote a report with every goal in it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from benchmarks.common import REPO
from benchmarks.query_bench import dashboard_pages
from benchmarks.report import GOALS

REPO_PAGES = [path for path, _ in dashboard_pages()]
CASES = 1000


@pytest.mark.slow
def test_every_benchmark_runs_on_a_tiny_data_set_and_reports_every_goal(tmp_path):
    out = tmp_path / "benchmarks.md"
    env = {**os.environ, "TIP_BENCH_DIR": str(tmp_path / "bench")}
    run = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--sizes", str(CASES), "--repeat", "1", "--etl-repeat", "1",
         "--sessions", "2", "--draw-cases", str(CASES), "--draw-repeat", "1", "--out", str(out)],
        env=env, capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, run.stderr[-3000:]
    results = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
    entry = results["sizes"][str(CASES)]

    etl = entry["etl"]["runs"][0]
    assert etl["cases_loaded"] > 0 and 0 < etl["release"]["seconds"] < etl["build_s"]

    queries = entry["queries"]
    assert queries["errors"] == []
    assert set(REPO_PAGES) <= set(queries["pages"])
    assert all(v["uncached"]["median"] > 0 for v in queries["pages"].values())
    assert queries["breakdown"]["release_only"] is True
    assert queries["concurrency"]["sessions"] == 2

    pages = entry["pages"]
    assert pages["errors"] == [] and set(REPO_PAGES) <= set(pages["pages"])

    if shutil.which("chromium") or shutil.which("chromium-browser"):
        browser = results["draw"]["browser"]
        assert "error" not in browser, browser.get("error")
        assert browser["errors"] == []
        assert set(browser["warm"]) == set(REPO_PAGES)
        assert all(browser["warm"][p]["median"] > 0 and browser["bytes"][p]["median"] > 0 for p in REPO_PAGES)
        assert set(browser["first_visit"]) == set(REPO_PAGES) - {browser["landing"]}
        assert browser["slide_changes"], "no slide change measured on the present page"
        for part in ("cached", "switch"):  # every page drew in a cached session and by the menu
            assert all(browser[part][p]["n"] == 1 and browser[part][p]["median"] > 0 for p in REPO_PAGES), part
        # the stack alone, once per page in each part, and named in the report beside the goal
        assert all(browser["floor"][part]["n"] == len(REPO_PAGES) for part in ("warm", "cached"))

    layer = results["draw"]["maps"]["layers"]["districts"]
    assert layer["national"]["features"] == layer["full"]["features"]
    assert layer["national"]["bytes"] < layer["full"]["bytes"]

    report = out.read_text(encoding="utf-8")
    for section in ("## 1. ETL", "## 2. Queries against the release", "## 3. Pages"):
        assert section in report
    if shutil.which("chromium") or shutil.which("chromium-browser"):
        assert "Streamlit and plotly alone:" in report and "`benchmarks/floor_app.py`" in report
    # Goals measured at 1,000,000 cases are not judged on a tiny run; the others are.
    for key, text in GOALS.items():
        assert text in report
        assert (key in results["goals"]) == (key in ("pages_warm", "slide_change", "first_page")
                                              and "draw" in results and "warm" in results["draw"]["browser"])
    assert str(tmp_path) not in out.with_suffix(".json").read_text(encoding="utf-8")  # no machine paths


def test_the_benchmarks_find_every_page_of_the_navigation():
    # An empty list would let every "all pages" check above pass on nothing.
    pages = sorted(str(p.relative_to(REPO)) for p in (REPO / "pages").glob("*.py"))
    assert sorted(REPO_PAGES) == pages and all(title for _path, title in dashboard_pages())


def test_parts_measured_again_replace_the_full_runs_and_are_named_in_the_header():
    from benchmarks import merge, report

    results = json.loads(merge.FIGURES.read_text(encoding="utf-8"))
    results.pop("remeasured", None)  # the full run as it was written
    size = next(iter(results["sizes"]))
    queries = dict(results["sizes"][size]["queries"], repeat=7, load_average_1min=[1.0, 1.5])
    draw = dict(results["draw"]["browser"], repeat=9, git_commit="abc1234", load_average_1min=[0.5])
    once = merge.merged(results, queries, draw, size, "def5678", "2026-12-03 20:00 UTC")
    again = merge.merged(once, queries, draw, size, "def5678", "2026-12-03 20:30 UTC")
    assert again["sizes"][size]["queries"]["repeat"] == 7 and again["draw"]["browser"]["repeat"] == 9
    assert [r["part"] for r in again["remeasured"]] == [f"queries {size}", "draw"]  # replaced, not repeated
    header = "\n".join(report._header(again))
    assert "`python -m benchmarks.query_bench --repeat 7 --sessions 0`, commit def5678, 2026-12-03 20:30 UTC" in header
    assert "`python -m benchmarks.draw_bench --repeat 9`, commit abc1234" in header
    assert "Measured again" not in "\n".join(report._header(results))
