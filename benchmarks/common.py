"""Shared by the benchmark modules: paths, the environments of the measured processes, timing statistics, load
averages, and a subprocess runner that reports wall time and peak resident memory of exactly the process it started.

Every measured thing runs in a fresh process, so the figures of one size never carry the caches, memory or
imports of another. Each size has a folder of its own under data/cache/bench/ (git-ignored) laid out like data/:
``raw/`` (demo exports), ``private/`` (warehouse, privacy ledger, reports, key file) and ``release/`` (the public
release). The ETL's processes get all of it; the dashboard's processes get the release folder only, as a web
server does.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# git-ignored (data/cache/); TIP_BENCH_DIR moves it (the benchmarks' own test runs them in a temporary folder)
BENCH_DIR = Path(os.environ.get("TIP_BENCH_DIR") or REPO / "data" / "cache" / "bench")
# A fixed, public key: the benchmarks build synthetic data only and must never touch the real key file.
BENCH_KEY = "benchmark-key-not-secret-0123456789abcdef"
PACKAGES = ("streamlit", "plotly", "duckdb", "pandas", "numpy", "pyarrow", "opendp", "python-calamine",
            "playwright")
# Settings that point at data: cleared from the inherited environment, so a measured process can only see the
# size's own folders (never the working tree's data/ or another engineer's build).
PATH_SETTINGS = ("TIP_DATA_DIR", "TIP_RAW_DIR", "TIP_PRIVATE_DIR", "TIP_WAREHOUSE", "TIP_RELEASE_DIR",
                 "TIP_SECRETS_FILE", "TIP_LEDGER", "TIP_REPORTS_DIR", "TIP_PSEUDONYM_KEY")


def size_dir(cases: int) -> Path:
    return BENCH_DIR / str(cases)


def raw_dir(cases: int) -> Path:
    return size_dir(cases) / "raw"


def private_dir(cases: int) -> Path:
    return size_dir(cases) / "private"


def warehouse_path(cases: int) -> Path:
    return private_dir(cases) / "warehouse.duckdb"


def ledger_path(cases: int) -> Path:
    return private_dir(cases) / "privacy_ledger.duckdb"


def release_dir(cases: int) -> Path:
    return size_dir(cases) / "release"


def _base_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in PATH_SETTINGS}
    env.update({
        "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])]),
        "PYTHONHASHSEED": "0",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    })
    return env


def env_for(cases: int) -> dict[str, str]:
    """The ETL's environment for ``cases``: the size's raw, private and release folders and a fixed key."""
    env = _base_env()
    private = private_dir(cases)
    env.update({
        "TIP_DATA_DIR": str(size_dir(cases)),
        "TIP_RAW_DIR": str(raw_dir(cases)),
        "TIP_PRIVATE_DIR": str(private),
        "TIP_WAREHOUSE": str(warehouse_path(cases)),
        "TIP_LEDGER": str(ledger_path(cases)),
        "TIP_REPORTS_DIR": str(private / "reports"),
        "TIP_SECRETS_FILE": str(private / "secrets.toml"),
        "TIP_RELEASE_DIR": str(release_dir(cases)),
        "TIP_PSEUDONYM_KEY": BENCH_KEY,
    })
    return env


def dashboard_env(cases: int) -> dict[str, str]:
    """The dashboard's environment for ``cases``: the release folder and nothing private. The data and private
    settings point at a folder that does not exist, so a query that tried to read a record would fail."""
    env = _base_env()
    absent = size_dir(cases) / "no-private-data-here"
    env.update({"TIP_RELEASE_DIR": str(release_dir(cases)), "TIP_DATA_DIR": str(absent),
                "TIP_PRIVATE_DIR": str(absent)})
    return env


def load_average() -> list[float]:
    """1, 5 and 15 minute load averages, rounded (the machine's, other jobs included)."""
    return [round(x, 2) for x in os.getloadavg()]


def wait_for_load(limit: float | None, most_s: float) -> dict | None:
    """Wait (at most ``most_s``) until the 1-minute load average is at or below ``limit``; say how long it took."""
    if limit is None:
        return None
    start = time.perf_counter()
    while os.getloadavg()[0] > limit and time.perf_counter() - start < most_s:
        time.sleep(5)
    waited = time.perf_counter() - start
    if waited >= 5:
        log(f"  waited {waited:.0f} s for the load average to fall to {limit} (now {os.getloadavg()[0]:.2f})")
    return {"limit": limit, "waited_s": round(waited, 1), "reached": os.getloadavg()[0] <= limit}


# Statistics ----------------------------------------------------------------------------------------------------


def percentile(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default), without numpy."""
    if not values:
        return float("nan")
    data = sorted(values)
    pos = (len(data) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


def stats(values: list[float]) -> dict:
    """Median and 95th percentile (seconds), with the raw values so the JSON can be re-analysed."""
    return {"median": percentile(values, 50), "p95": percentile(values, 95), "n": len(values),
            "values": [round(v, 6) for v in values]}


# Memory ----------------------------------------------------------------------------------------------------------


def proc_status(pid: int | str = "self") -> dict[str, int]:
    """VmRSS and VmHWM (peak) of a process, in bytes (Linux /proc)."""
    out = {}
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                out[key] = int(value.split()[0]) * 1024
    return out


# Subprocesses ----------------------------------------------------------------------------------------------------


@dataclass
class Measured:
    returncode: int
    wall_s: float
    peak_rss_bytes: int
    user_s: float
    sys_s: float
    stdout: str
    stderr: str

    def as_dict(self) -> dict:
        return {"returncode": self.returncode, "wall_s": round(self.wall_s, 3),
                "peak_rss_bytes": self.peak_rss_bytes, "cpu_user_s": round(self.user_s, 3),
                "cpu_sys_s": round(self.sys_s, 3)}


def run_measured(cmd: list[str], env: dict[str, str], timeout: float = 3600) -> Measured:
    """Run ``cmd``; wall time, and peak RSS and CPU time of that process alone (os.wait4 on its pid)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=err, start_new_session=True)
        timer = threading.Timer(timeout, lambda: _kill_group(proc.pid))
        timer.start()
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Measured(proc.returncode, wall, usage.ru_maxrss * 1024, usage.ru_utime, usage.ru_stime,
                        out.read(), err.read())


def _kill_group(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signal.SIGKILL)


def run_json(module: str, args: list[str], env: dict[str, str], timeout: float = 3600) -> tuple[dict, Measured]:
    """Run ``python -m module args --json-out FILE`` and return the JSON it wrote, with the process figures."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as fh:
        path = Path(fh.name)
    try:
        measured = run_measured([sys.executable, "-m", module, *args, "--json-out", str(path)], env, timeout)
        if measured.returncode != 0:
            tail = (measured.stderr or measured.stdout)[-3000:]
            raise RuntimeError(f"{module} {' '.join(args)} failed ({measured.returncode}):\n{tail}")
        return json.loads(path.read_text(encoding="utf-8")), measured
    finally:
        path.unlink(missing_ok=True)


# The machine -----------------------------------------------------------------------------------------------------


def _git(*args: str) -> str | None:
    try:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None


def git_commit() -> str | None:
    """The commit measured (short hash)."""
    return _git("rev-parse", "--short", "HEAD")


def _meminfo_total() -> int | None:
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    return None


def _chromium_version() -> str | None:
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        return None
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        return subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=20).stdout.strip()
    return None


def machine() -> dict:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "memory_bytes": _meminfo_total(),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "packages": versions,
        "chromium": _chromium_version(),
        "git_commit": git_commit(),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "load_average_start": load_average(),
    }


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
