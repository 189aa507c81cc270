"""The averaging attack against the live dashboard: a small version of ``scripts/attack_live.py`` (the 50,000-case
figures are in docs/privacy.md) on the session's build, over Streamlit's websocket as a browser talks to it.

The bound it asserts is derived, not tuned: an attack that averages answers computed from one fixed release learns
each cell's released value and nothing more, so it recovers a true count exactly on no more cells than reading that
one value does (and that, by chance, only as often as the noise is 0). The second test shows the check can fail: a
page that draws fresh noise per request (the release step bypassed, simulated by replacing what the page shows)
is averaged down to the truth and the same check rejects it.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import importlib.util
import json
import random
import sys

import numpy as np
import pytest

from tests.e2e.browser import REPO
from tipcore import config
from tipdash import privacy

SPEC = importlib.util.spec_from_file_location("attack_live", REPO / "scripts" / "attack_live.py")
live = sys.modules.setdefault("attack_live", importlib.util.module_from_spec(SPEC))
SPEC.loader.exec_module(live)  # registered first: its dataclasses look their module up

CELLS, SAMPLES = 10, 3


def run(coroutine):
    """asyncio.run in a thread of its own: Playwright's sync API (the other browser tests) keeps an event loop
    running in the main thread, where asyncio.run refuses to start another."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def setting(warehouse):
    release = config.release_dir()
    privacy_spec = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))["privacy"]
    years = sorted(int(y) for y in privacy_spec["years"])
    totals, _offences, districts = live.truth(warehouse, years)
    sigma = privacy_spec["tables"][live.TOTALS_TABLE]["measures"]["cases"]["sigma"]
    return release, totals, dict(zip(districts.district_id, districts.province, strict=True)), sigma


def test_averaging_the_live_pages_learns_no_more_than_one_released_value(app_url, warehouse):
    release, totals, province_of, sigma = setting(warehouse)

    async def attack():
        async with live.Visitor(app_url) as visitor:
            return await live.district_attack(live.tile_reader(visitor), release, totals, province_of, CELLS,
                                              SAMPLES, random.Random(5))

    results = run(attack())
    assert len(results) == CELLS
    answered = [r for r in results if r.guess is not None]
    # Which sums the tiles show (not "<10") depends on the session release's noise: a third is enough material.
    assert len(answered) >= CELLS // 3, "the tiles showed too few sums to attack"
    assert all(r.guess == r.released for r in answered)  # post-processing of the release, nothing more
    live.no_better_than_one_released_value(results, sigma)


def test_the_check_fails_against_a_page_that_redraws_noise_per_request(warehouse, monkeypatch):
    release, totals, province_of, sigma = setting(warehouse)
    truth = {(d, int(y)): int(n) for d, y, n in totals.itertuples(index=False, name=None)}
    rng = np.random.default_rng(3)

    async def redrawing_page(self, page, params, widgets=None):
        """The Overview tile as a page answering from the records with fresh noise on every request would show."""
        year = int(params["years"])
        value = sum(truth.get((d, year), 0) for d in params["district"]) + rng.normal(0, sigma)
        return live.PageView(tiles={live.CASES_TILE: privacy.format_count(round(value))})

    monkeypatch.setattr(live.Visitor, "view", redrawing_page)

    async def attack():
        visitor = live.Visitor("http://127.0.0.1:9")  # never connected: every view is the page above
        return await live.district_attack(live.tile_reader(visitor), release, totals, province_of, 40, 60,
                                          random.Random(5))

    results = run(attack())
    with pytest.raises(AssertionError):
        live.no_better_than_one_released_value(results, sigma)
