"""Faults during a build: killed at known points, a full disk, a damaged warehouse, two builds at once.

In every case the dashboard's read-only layer (tipdash.db) keeps serving the last good warehouse, or says plainly
that none is available, and the next build recovers without manual cleanup.

Kills are deterministic: with TIP_ETL_PAUSE_AT=<point> the build writes a marker file and waits at that point
(etl/pipeline.py, ``_pause``), and the test kills it with SIGKILL there. The disk-full test mounts a small tmpfs
(skipped where mounting is not permitted).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

from etl.pipeline import BuildError, build_warehouse, remove_stale_builds
from tests.reliability import (
    ANCHOR,
    ANCHOR_CASES,
    BAD_LAYOUTS,
    REPO,
    anchor_bytes,
    build_command,
    build_env,
    case_count,
    leftovers,
    record,
    start_build,
    table_digest,
    wait_for,
)
from tipcore import config
from tipdash import db

TODAY = dt.date(2026, 11, 1)
NEW_CASES = 3  # cases the second build adds


@pytest.fixture
def layouts(monkeypatch, tmp_path):
    monkeypatch.setenv("TIP_SOURCES_DIR", str(BAD_LAYOUTS))
    monkeypatch.setenv("TIP_REPORTS_DIR", str(tmp_path / "reports"))


@pytest.fixture(scope="module")
def raws(tmp_path_factory) -> tuple[Path, Path]:
    """The input of the last good build (the anchor) and of the next one (the anchor and three more cases)."""
    root = tmp_path_factory.mktemp("fault_raw")
    old, new = root / "old", root / "new"
    old.mkdir()
    new.mkdir()
    (old / ANCHOR).write_bytes(anchor_bytes())
    (new / ANCHOR).write_bytes(anchor_bytes())
    (new / "police_more.csv").write_bytes(anchor_bytes("MORE", NEW_CASES, 2021))
    return old, new


@pytest.fixture(scope="module")
def good(raws, tmp_path_factory) -> Path:
    """The last good warehouse (built once; each test works on a copy)."""
    target = tmp_path_factory.mktemp("fault_good") / "good.duckdb"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TIP_SOURCES_DIR", str(BAD_LAYOUTS))
        mp.setenv("TIP_REPORTS_DIR", str(target.parent / "reports"))
        build_warehouse(raws[0], target, today=TODAY)
    return target


def copy_build(warehouse: Path, folder: Path) -> Path:
    """A copy of a build in ``folder``: the warehouse, its privacy ledger and its release (they go together)."""
    target = folder / "warehouse.duckdb"
    shutil.copyfile(warehouse, target)
    shutil.copyfile(config.ledger_path(warehouse), config.ledger_path(target))
    shutil.copytree(config.release_dir(warehouse), config.release_dir(target))
    return target


def some_quick(values: list, quick: set) -> list:
    """Parameters with all but ``quick`` marked slow: `pytest -m "not slow"` tries one of each kind."""
    assert quick <= set(values)
    return [pytest.param(v, marks=() if v in quick else pytest.mark.slow) for v in values]


def serving(monkeypatch, warehouse: Path) -> tuple[str | None, str | None]:
    """What the dashboard's data layer says about the release of ``warehouse``: its message, or the release id."""
    monkeypatch.setenv("TIP_RELEASE_DIR", str(config.release_dir(warehouse)))
    problem = db.check()
    if problem:
        return problem, None
    return None, db.package()["version"]


@pytest.mark.parametrize("point", some_quick(["extract", "load", "swap", "swapped"], {"swap"}))
def test_build_killed_at_each_point(point, raws, good, layouts, monkeypatch, tmp_path):
    target = copy_build(good, tmp_path)
    before = table_digest(target)
    release_before = serving(monkeypatch, target)
    assert release_before[0] is None
    marker = tmp_path / "paused"
    proc = start_build(raws[1], target, build_env(TIP_ETL_PAUSE_AT=point, TIP_ETL_PAUSE_MARKER=str(marker),
                                                  TIP_REPORTS_DIR=str(tmp_path / "reports")))
    try:
        wait_for(marker, proc)
        # While the build is stopped half way, the dashboard serves the last good release (the release is made
        # after the warehouse is swapped in, so also at "swapped").
        assert serving(monkeypatch, target) == release_before
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate()
    kept = case_count(target) == ANCHOR_CASES + NEW_CASES if point == "swapped" else table_digest(target) == before
    served = serving(monkeypatch, target)[0] is None
    summary = build_warehouse(raws[1], target, today=TODAY)  # no manual cleanup first
    record("faults", f"build killed at {point}", warehouse_kept=kept, still_served=served,
           rebuilt=summary["cases_loaded"] == ANCHOR_CASES + NEW_CASES, leftovers=len(leftovers(tmp_path)))
    assert kept and served
    assert summary["cases_loaded"] == ANCHOR_CASES + NEW_CASES
    assert not leftovers(tmp_path)
    after = serving(monkeypatch, target)
    assert after[0] is None and after != release_before  # the new data's release


def wait_until(condition, what: str, timeout: float = 60) -> None:
    """Wait for ``condition`` (an event of the system, not a time: the timeout only stops a hung test)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"waited {timeout:.0f} s for {what}")
        time.sleep(0.05)


def _children(pid: int) -> set[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    found = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if ppid == pid:
            found.add(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


@pytest.mark.slow
def test_build_of_the_demo_exports_killed_while_workbooks_are_read_ahead(demo_raw, warehouse, monkeypatch, tmp_path):
    """The real agency layouts over the demo exports, where workbooks are read ahead in worker processes: killed
    after its first file, the build leaves the previous warehouse served as it was, no worker outlives it, and what
    it left behind is cleared before the next build (tests/test_pipeline.py once killed it after a sleep)."""
    target = copy_build(warehouse, tmp_path)
    before, served = table_digest(target), serving(monkeypatch, target)
    marker = tmp_path / "paused"
    env = build_env(TIP_ETL_PAUSE_AT="extract", TIP_ETL_PAUSE_MARKER=str(marker),
                    TIP_REPORTS_DIR=str(tmp_path / "reports"))
    env.pop("TIP_SOURCES_DIR")  # the real agency layouts
    proc = start_build(demo_raw, target, env)
    workers: set[int] = set()
    try:
        wait_for(marker, proc, timeout=180)
        workers = _children(proc.pid)
        assert serving(monkeypatch, target) == served
        proc.send_signal(signal.SIGKILL)
        proc.wait()  # not communicate(): a surviving worker would hold the output pipes open
        assert workers, "no workbook was being read in a worker process"
        wait_until(lambda: not any(_running(pid) for pid in workers), "the workers to end with the killed build",
                   timeout=30)
    finally:
        for pid in [proc.pid, *workers]:
            if _running(pid):
                os.kill(pid, signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
        proc.stderr.close()
    assert table_digest(target) == before and serving(monkeypatch, target) == served
    assert leftovers(tmp_path)
    assert remove_stale_builds(target) and not leftovers(tmp_path)  # what the next build does first


def test_a_second_build_while_one_runs_is_refused(raws, good, layouts, tmp_path):
    target = tmp_path / "warehouse.duckdb"
    shutil.copyfile(good, target)
    marker = tmp_path / "paused"
    proc = start_build(raws[1], target, build_env(TIP_ETL_PAUSE_AT="load", TIP_ETL_PAUSE_MARKER=str(marker),
                                                  TIP_REPORTS_DIR=str(tmp_path / "reports")))
    try:
        wait_for(marker, proc)
        with pytest.raises(BuildError, match="another build of this warehouse is running"):
            build_warehouse(raws[1], target, today=TODAY)
        marker.unlink()  # let the first build finish
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert case_count(target) == ANCHOR_CASES + NEW_CASES and not leftovers(tmp_path)


# --- a full disk ---------------------------------------------------------------------------------------------------

@pytest.fixture
def small_disk(tmp_path):
    """A 32 MB tmpfs (the warehouse folder of a full disk); skipped where mounting is not permitted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    try:
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=32m", "tmpfs", str(mount)], check=True,
                       capture_output=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        pytest.skip("cannot mount a size-limited tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=20)


def fill(directory: Path, leave: int) -> Path:
    """Fill the file system of ``directory`` up to ``leave`` free bytes."""
    filler = directory / "filler.bin"
    stat = os.statvfs(directory)
    free = stat.f_bavail * stat.f_frsize
    with filler.open("wb") as fh:
        fh.write(b"\0" * max(0, free - leave))
    return filler


@pytest.mark.slow
@pytest.mark.parametrize("reports_on_full_disk", [False, True])
def test_full_disk_stops_the_build_with_a_message_and_keeps_the_warehouse(reports_on_full_disk, small_disk, raws,
                                                                           good, monkeypatch, tmp_path):
    target = copy_build(good, small_disk)
    before, served = table_digest(target), serving(monkeypatch, target)
    reports = small_disk / "reports" if reports_on_full_disk else tmp_path / "reports"
    filler = fill(small_disk, leave=64 * 1024)
    env = build_env(TIP_REPORTS_DIR=str(reports))
    result = subprocess.run(build_command(raws[1], target), cwd=REPO, env=env, capture_output=True, text=True,
                            timeout=180)
    output = result.stdout + result.stderr
    record("faults", f"disk full (reports {'on' if reports_on_full_disk else 'off'} the full disk)",
           clear_message="no space left" in output.lower() and "Traceback" not in output,
           warehouse_kept=table_digest(target) == before, leftovers=len(leftovers(small_disk)))
    assert result.returncode == 2, output
    assert "no space left" in output.lower() and "Traceback" not in output
    assert table_digest(target) == before
    assert not leftovers(small_disk)
    assert serving(monkeypatch, target) == served
    filler.unlink()  # space freed: the next build works
    monkeypatch.setenv("TIP_SOURCES_DIR", str(BAD_LAYOUTS))
    monkeypatch.setenv("TIP_REPORTS_DIR", str(reports))
    build_warehouse(raws[1], target, today=TODAY)
    assert case_count(target) == ANCHOR_CASES + NEW_CASES and not leftovers(small_disk)


# --- a damaged or missing warehouse ----------------------------------------------------------------------------------

def _flip(path: Path, offset: int, length: int = 4096) -> None:
    with path.open("r+b") as fh:
        fh.seek(offset)
        data = fh.read(length)
        fh.seek(offset)
        fh.write(bytes(b ^ 0xFF for b in data))


DAMAGE = {
    "zero bytes": lambda p: p.write_bytes(b""),
    "not a database": lambda p: p.write_bytes(b"SQLite format 3\0" + b"x" * 8000),
    "header overwritten": lambda p: _flip(p, 0),
    "second header overwritten": lambda p: _flip(p, 4096, 8192),
    "cut to 100 bytes": lambda p: os.truncate(p, 100),
    "a directory": lambda p: (p.unlink(), p.mkdir()),
}


@pytest.mark.parametrize("damage", some_quick(list(DAMAGE), {"header overwritten"}))
def test_a_damaged_warehouse_never_reaches_the_dashboard_and_the_next_build_replaces_it(damage, raws, good, layouts,
                                                                                       monkeypatch, tmp_path):
    target = copy_build(good, tmp_path)
    served = serving(monkeypatch, target)
    DAMAGE[damage](target)
    assert serving(monkeypatch, target) == served  # the dashboard reads the release, never the warehouse
    if target.is_dir():
        target.rmdir()  # a folder in its place is the one thing a build cannot replace by itself
    summary = build_warehouse(raws[1], target, today=TODAY)
    record("faults", f"damaged warehouse: {damage}", replaced=summary["cases_loaded"] == ANCHOR_CASES + NEW_CASES)
    assert case_count(target) == ANCHOR_CASES + NEW_CASES
    assert serving(monkeypatch, target)[0] is None
    assert not leftovers(tmp_path)


def test_no_release_at_all_is_said_plainly(monkeypatch, tmp_path):
    problem, _ = serving(monkeypatch, tmp_path / "none.duckdb")
    assert problem.startswith("No data release is available yet")


@pytest.mark.parametrize("damage", ["garbage table", "missing table", "package not json"])
def test_a_damaged_release_is_reported_plainly(damage, good, monkeypatch, tmp_path):
    target = copy_build(good, tmp_path)
    release = config.release_dir(target)
    if damage == "garbage table":
        (release / "data" / "national_year.csv").write_bytes(b"\x00\xff" * 5000)
    elif damage == "missing table":
        (release / "data" / "national_year.csv").unlink()
    else:
        (release / "datapackage.json").write_text("{ not json")
    problem, _ = serving(monkeypatch, target)
    record("faults", f"damaged release: {damage}", plain_message=bool(problem and "Traceback" not in problem))
    assert problem and "Traceback" not in problem and "python -m etl build" in problem
