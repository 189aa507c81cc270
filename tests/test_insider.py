"""An insider on the web server: a process that is not the ETL's user can read the release and nothing private.

The build runs in a folder any user may enter (as a web server's would be), then an unprivileged user (``nobody``)
tries to read each file. Root reads everything whatever the modes, so this needs root to switch user; CI runs as
root.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from etl.pipeline import build_warehouse
from tipcore import config

NOBODY = 65534


def readable_by_nobody(path: Path) -> bool:
    return subprocess.run(["cat", str(path)], user=NOBODY, group=NOBODY, capture_output=True).returncode == 0


@pytest.fixture(scope="module")
def deployed(demo_raw):
    if os.geteuid() != 0:
        pytest.skip("switching to an unprivileged user needs root")
    # Not under pytest's own temporary folder: pytest makes that 0700 again whenever a test session starts.
    root = Path(tempfile.mkdtemp(prefix="tipdash-deploy-"))
    try:
        yield _deploy(root, demo_raw)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _deploy(root: Path, demo_raw: Path) -> Path:
    for folder in (root, *root.parents):  # every folder down to it may be entered, as on a server
        if folder == Path("/"):
            break
        if folder.stat().st_mode & 0o001 == 0:
            os.chmod(folder, folder.stat().st_mode | 0o011)
    data = root / "data"
    shutil.copytree(demo_raw, data / "raw")
    env = {"TIP_DATA_DIR": str(data), "TIP_RAW_DIR": str(data / "raw"),
           "TIP_WAREHOUSE": str(data / "private" / "warehouse.duckdb"), "TIP_RELEASE_DIR": str(data / "release"),
           "TIP_SECRETS_FILE": str(data / "private" / "secrets.toml")}
    saved = {k: os.environ.get(k) for k in (*env, "TIP_PSEUDONYM_KEY")}
    os.environ.update(env)
    os.environ.pop("TIP_PSEUDONYM_KEY")  # the key is generated into the private folder, as on a first install
    try:
        build_warehouse(data / "raw", data / "private" / "warehouse.duckdb")
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return data


def test_another_user_reads_the_release(deployed):
    release = deployed / "release"
    assert readable_by_nobody(release / "datapackage.json")
    assert all(readable_by_nobody(p) for p in (release / "data").glob("*.csv"))


def test_another_user_reads_nothing_private(deployed):
    private = [deployed / "private" / "warehouse.duckdb", deployed / "private" / "secrets.toml",
               config.ledger_path(deployed / "private" / "warehouse.duckdb"),
               *[p for p in (deployed / "private" / "reports").rglob("*") if p.is_file()],
               *[p for p in (deployed / "raw").iterdir() if p.is_file()]]
    assert all(p.exists() for p in private[:3]) and len(private) > 5
    leaked = [p.relative_to(deployed) for p in private if readable_by_nobody(p)]
    assert not leaked
