"""The dashboard as a server on loopback, for the tools that drive it: browser tests, load test, cold-start benchmark.

Always 127.0.0.1: these tools measure or test a dashboard on this machine and never expose one to the network.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from typing import IO

from tipcore.config import REPO_ROOT


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def start(port: int, log: IO, env: dict[str, str] | None = None, script: str = "dashboard.py") -> subprocess.Popen:
    """``streamlit run dashboard.py`` (or another ``script`` of the repository) on 127.0.0.1:``port``, output to
    ``log``; returns at once (see wait_healthy)."""
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
         "--server.port", str(port), "--server.address", "127.0.0.1", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)


def is_healthy(base: str, timeout: float = 2) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/_stcore/health", timeout=timeout) as resp:
            return resp.status == 200
    except OSError:
        return False


def wait_healthy(base: str, proc: subprocess.Popen | None, timeout: float, poll: float = 0.3) -> None:
    """Return once the server at ``base`` answers its health check.

    Raises RuntimeError if ``proc`` exits first (its log says why), TimeoutError after ``timeout`` seconds. The first
    start on a fresh machine builds the warehouse from the demo data, so callers that may meet it allow minutes.
    """
    deadline = time.monotonic() + timeout
    while not is_healthy(base):
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"streamlit exited with code {proc.returncode} before it was healthy")
        if time.monotonic() > deadline:
            raise TimeoutError(f"streamlit did not answer {base}/_stcore/health within {timeout:g} s")
        time.sleep(poll)


def stop(proc: subprocess.Popen, grace: float = 15) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
