"""Shared by the benchmark modules: paths, the environment every measured process gets, timing statistics, and a
subprocess runner that reports wall time and peak resident memory of exactly the process it started.

Every measured thing runs in a fresh process, so the figures of one size never carry the caches, memory or
imports of another.
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
BENCH_DIR = REPO / "data" / "cache" / "bench"  # git-ignored (data/cache/)
# A fixed, public key: the benchmarks build synthetic data only and must never touch .streamlit/secrets.toml.
BENCH_KEY = "benchmark-key-not-secret-0123456789abcdef"
PACKAGES = ("streamlit", "plotly", "duckdb", "pandas", "numpy", "pyarrow", "python-calamine", "rapidfuzz",
            "playwright")


def size_dir(cases: int) -> Path:
    return BENCH_DIR / str(cases)


def raw_dir(cases: int) -> Path:
    return size_dir(cases) / "raw"


def warehouse_path(cases: int) -> Path:
    return size_dir(cases) / "warehouse.duckdb"


def env_for(cases: int | None = None, **extra: str) -> dict[str, str]:
    """The environment of a measured process: the size's warehouse and raw folder, a fixed pseudonym key."""
    env = os.environ.copy()
    env.update({
        "TIP_PSEUDONYM_KEY": BENCH_KEY,
        "TIP_SECRETS_FILE": str(BENCH_DIR / "secrets.toml"),
        "PYTHONPATH": os.pathsep.join([str(REPO), *filter(None, [env.get("PYTHONPATH")])]),
        "PYTHONHASHSEED": "0",
        "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false",
    })
    if cases is not None:
        env.update({
            "TIP_WAREHOUSE": str(warehouse_path(cases)),
            "TIP_RAW_DIR": str(raw_dir(cases)),
            "TIP_REPORTS_DIR": str(size_dir(cases) / "reports"),
        })
    env.update(extra)
    return env


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


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b == 0 or a != a or b != b:
        return None
    return a / b


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


def rss_bytes(pid: int | str = "self") -> int | None:
    return proc_status(pid).get("VmRSS")


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
        "git_commit": _git("rev-parse", "--short", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain", "--untracked-files=no")),
        "load_average_start": list(os.getloadavg()),
    }


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)
