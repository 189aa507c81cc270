"""The loopback launcher the browser tests, the load test and the cold-start benchmark share."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tipdash import local_server


def test_a_server_that_exits_early_is_reported_not_waited_for():
    proc = subprocess.Popen([sys.executable, "-c", "raise SystemExit(3)"])
    proc.wait()
    with pytest.raises(RuntimeError, match="code 3"):
        local_server.wait_healthy(local_server.url(local_server.free_port()), proc, timeout=30)


def test_nothing_answering_times_out_with_the_address():
    base = local_server.url(local_server.free_port())
    assert base.startswith("http://127.0.0.1:") and not local_server.is_healthy(base, timeout=0.5)
    with pytest.raises(TimeoutError, match="_stcore/health"):
        local_server.wait_healthy(base, None, timeout=0.5, poll=0.1)
