"""Readers during a rebuild: while builds swap new warehouses and releases in, sessions that are reading keep
answering, and each picks up the new release on its next interaction, without a restart.

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
    BAD_LAYOUTS,
    REPO,
    anchor_bytes,
    build_env,
    record,
    start_build,
    wait_for,
)
from tipcore import config
from tipdash import db, queries, text
from tipdash.filters import Filters

TODAY = dt.date(2026, 11, 1)
READERS = 8
BUILDS = 6


def served() -> str:
    """The release the dashboard's data layer answers from, after a query on one of its tables."""
    table = sorted(db.release().tables)[0]
    assert len(db.fetch_df(f'SELECT * FROM "{table}" LIMIT 5')) > 0
    return db.package()["version"]


class Readers:
    """Reader threads that query the warehouse in a loop. The test announces a phase and what a query may answer
    in it (``expect``), and waits until each reader has answered a query started in it (``wait_for_all``): no
    sleeps, so each reader is seen answering in every phase however busy the machine is. A query that spans
    several phases (its thread paused between them) may answer what any of them allows."""

    def __init__(self, n: int, *allowed: str):
        self.condition = threading.Condition()
        self.allowed = [frozenset(allowed)]  # what a query may answer, by phase
        self.answered = [-1] * n  # the last phase each reader answered in
        self.answers: list[tuple[int, str]] = []  # (phase, release)
        self.wrong: list[tuple[int, str, frozenset]] = []
        self.errors: list[BaseException] = []
        self.stop = threading.Event()
        self.threads = [threading.Thread(target=self._read, args=(i,), daemon=True) for i in range(n)]

    def _read(self, i: int) -> None:
        while not self.stop.is_set():
            with self.condition:
                phase = len(self.allowed) - 1
            try:
                n = served()
            except BaseException as exc:  # noqa: BLE001 - every failure is a finding
                n = None
                self.errors.append(exc)
            with self.condition:
                allowed = frozenset().union(*self.allowed[phase:])
                if n is not None:
                    self.answers.append((phase, n))
                    if n not in allowed:
                        self.wrong.append((phase, n, allowed))
                self.answered[i] = max(self.answered[i], phase)
                self.condition.notify_all()

    def expect(self, *allowed: str) -> int:
        with self.condition:
            self.allowed.append(frozenset(allowed))
            return len(self.allowed) - 1

    def wait_for_all(self, phase: int, timeout: float = 120) -> None:
        """Until every reader has answered a query started in ``phase`` (the timeout only stops a hung test)."""
        with self.condition:
            if not self.condition.wait_for(lambda: min(self.answered) >= phase or self.errors, timeout):
                raise AssertionError(f"the readers did not answer in phase {phase} within {timeout:.0f} s")

    def __enter__(self) -> Readers:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


@pytest.mark.slow
def test_readers_keep_answering_while_builds_swap_warehouses_in(monkeypatch, tmp_path):
    """Each build stops just before its swap (TIP_ETL_PAUSE_AT=swap, as in tests/test_faults.py): every reader
    answers from the last good release then, from either during the swap, and from the new one once the build
    returns."""
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
    monkeypatch.setenv("TIP_RELEASE_DIR", str(tmp_path / "release"))  # not the session's
    build_warehouse(large, target, today=TODAY)
    releases = {"large": served()}
    build_warehouse(small, target, today=TODAY)
    releases["small"] = served()
    assert releases["small"] != releases["large"]
    marker = tmp_path / "paused"
    monkeypatch.setenv("TIP_ETL_PAUSE_AT", "swap")
    monkeypatch.setenv("TIP_ETL_PAUSE_MARKER", str(marker))
    with Readers(READERS, releases["small"]) as readers:
        readers.wait_for_all(0)
        for i in range(BUILDS):
            raw = large if i % 2 == 0 else small
            old, new = releases[small.name if raw is large else large.name], releases[raw.name]
            failures: list[BaseException] = []
            builder = threading.Thread(target=build_into, args=(raw, target, failures))
            builder.start()
            try:
                wait_for_marker(marker, builder)
                # The new warehouse is written and about to be swapped in: every reader answers, from the old release.
                readers.wait_for_all(readers.expect(old))
                readers.expect(old, new)  # the swaps: either answer
            finally:
                marker.unlink(missing_ok=True)
                builder.join(timeout=120)
            assert not builder.is_alive() and not failures, failures
            # The next query after a swap reads the new release: no restart, no stale connection.
            readers.wait_for_all(readers.expect(new))
            assert served() == new
    record("readers", f"{READERS} reader threads through {BUILDS} builds", queries=len(readers.answers),
           errors=len(readers.errors), builds=BUILDS)
    assert not readers.errors, readers.errors[:3]
    assert not readers.wrong, readers.wrong[:3]
    assert {n for _, n in readers.answers} == set(releases.values())


def build_into(raw: Path, target: Path, failures: list[BaseException]) -> None:
    try:
        build_warehouse(raw, target, today=TODAY)
    except BaseException as exc:  # noqa: BLE001 - the test reports it
        failures.append(exc)


def wait_for_marker(marker: Path, builder: threading.Thread, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not marker.exists():
        assert builder.is_alive(), "the build ended before reaching the pause"
        assert time.monotonic() < deadline, "the build did not reach the pause"
        time.sleep(0.01)


@pytest.fixture
def session_warehouse(warehouse, tmp_path, monkeypatch) -> Path:
    """A copy of the session's demo build, its warehouse, privacy ledger and release, for a dashboard session to read
    and a build to replace (the shared ones stay as they are)."""
    path = tmp_path / "warehouse.duckdb"
    shutil.copyfile(warehouse, path)
    shutil.copyfile(config.ledger_path(warehouse), config.ledger_path(path))
    shutil.copytree(config.release_dir(warehouse), tmp_path / "release")
    monkeypatch.setenv("TIP_WAREHOUSE", str(path))
    monkeypatch.setenv("TIP_RELEASE_DIR", str(tmp_path / "release"))
    monkeypatch.setenv("TIP_REPORTS_DIR", str(tmp_path / "reports"))
    return path


def cases_shown(at: AppTest) -> str:
    return {m.label: m.value.split(" ± ")[0] for m in at.metric}["Cases reported"]


def cases_expected() -> str:
    f = Filters(*queries.filter_options().default_years)
    return text.count(queries.headline(f).set_index("measure").loc["cases", "value"])


@pytest.mark.slow
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
