"""Readers during a rebuild: while builds swap new warehouses in, sessions that are reading keep answering, and each
picks up the new data on its next interaction, without a restart.

(tests/test_queries.py checks one swap through the query cache; here many readers query through tipdash.db while
real builds run and swap, and a dashboard session is followed across a rebuild of its warehouse.)
"""

from __future__ import annotations

import datetime as dt
import shutil
import threading
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from etl.pipeline import build_warehouse
from tests.reliability import (
    ANCHOR,
    ANCHOR_CASES,
    BAD_LAYOUTS,
    REPO,
    anchor_bytes,
    build_env,
    record,
    start_build,
    wait_for,
)
from tipdash import db, queries, text
from tipdash.filters import Filters

TODAY = dt.date(2026, 11, 1)
READERS = 8
BUILDS = 6


def count_cases() -> int:
    return int(db.fetch_df("SELECT count(*) AS n FROM cases")["n"].iloc[0])


def test_readers_keep_answering_while_builds_swap_warehouses_in(monkeypatch, tmp_path):
    monkeypatch.setenv("TIP_SOURCES_DIR", str(BAD_LAYOUTS))
    monkeypatch.setenv("TIP_REPORTS_DIR", str(tmp_path / "reports"))
    small, large = tmp_path / "small", tmp_path / "large"
    for raw, extra in ((small, 0), (large, 4)):
        raw.mkdir()
        (raw / ANCHOR).write_bytes(anchor_bytes())
        if extra:
            (raw / "police_more.csv").write_bytes(anchor_bytes("MORE", extra, 2021))
    target = tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("TIP_WAREHOUSE", str(target))
    build_warehouse(small, target, today=TODAY)
    allowed = {ANCHOR_CASES, ANCHOR_CASES + 4}
    stop = threading.Event()
    answers: list[int] = []
    errors: list[BaseException] = []

    def reader() -> None:
        while not stop.is_set():
            try:
                answers.append(count_cases())
            except BaseException as exc:  # noqa: BLE001 - every failure is a finding
                errors.append(exc)

    threads = [threading.Thread(target=reader) for _ in range(READERS)]
    for t in threads:
        t.start()
    try:
        for i in range(BUILDS):
            time.sleep(0.2)
            build_warehouse(large if i % 2 == 0 else small, target, today=TODAY)
            # The session's next query after a swap sees the new data: no restart, no stale connection.
            assert count_cases() == (ANCHOR_CASES + 4 if i % 2 == 0 else ANCHOR_CASES)
        time.sleep(0.2)
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
    record("readers", f"{READERS} reader threads through {BUILDS} builds", queries=len(answers), errors=len(errors),
           builds=BUILDS)
    assert not errors, errors[:3]
    assert len(answers) > 100 and set(answers) <= allowed and set(answers) == allowed


@pytest.fixture
def session_warehouse(warehouse, tmp_path, monkeypatch) -> Path:
    """A copy of the session's demo warehouse for a dashboard session to read (the shared one stays as it is)."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, path)
    monkeypatch.setenv("TIP_WAREHOUSE", str(path))
    monkeypatch.setenv("TIP_REPORTS_DIR", str(tmp_path / "reports"))
    return path


def cases_shown(at: AppTest) -> str:
    return {m.label: m.value for m in at.metric}["Cases reported"]


def cases_expected() -> str:
    f = Filters(*queries.filter_options().default_years)
    return text.count(queries.headline(f).set_index("measure").loc["cases", "value"])


def test_an_open_dashboard_session_answers_during_a_rebuild_and_shows_the_new_data_next(session_warehouse,
                                                                                    demo_raw, tmp_path):
    at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
    at.run()
    assert not at.exception
    before = cases_shown(at)
    assert before == cases_expected()
    # Rebuild from part of the input: the biggest export left out, so the numbers change.
    raw = tmp_path / "raw"
    raw.mkdir()
    exports = sorted((p for p in demo_raw.iterdir() if p.is_file()), key=lambda p: p.stat().st_size)
    for p in exports[:-1]:
        shutil.copyfile(p, raw / p.name)
    marker = tmp_path / "paused"
    env = build_env(TIP_ETL_PAUSE_AT="swap", TIP_ETL_PAUSE_MARKER=str(marker))
    env.pop("TIP_SOURCES_DIR")  # the real agency layouts
    proc = start_build(raw, session_warehouse, env)
    try:
        wait_for(marker, proc, timeout=180)
        at.run()  # the build is about to swap: the session still answers, from the last good warehouse
        assert not at.exception and cases_shown(at) == before
        marker.unlink()
        out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    at.run()  # the next interaction: new data, same session, no restart
    assert not at.exception
    after = cases_shown(at)
    record("readers", "open dashboard session across a rebuild", answered_during_build=True,
           new_data_next_interaction=after == cases_expected() != before)
    assert after == cases_expected() != before
