"""Read-only access to the public release: the only data the dashboard has.

The release is a folder (a Frictionless Data Package) written by the ETL: ``datapackage.json`` describes each
table, its fields and the privacy manifest; the tables are CSV files. They are small (tens of thousands of rows in
all), so they are loaded once into an in-memory DuckDB per release and queried there. After loading, DuckDB's
access to files is switched off: no query can read anything else on the machine. The private warehouse is never
opened here; a web server needs only the release folder.

The ETL swaps a rebuilt release in atomically; the cache key is the package file's identity, so the next
interaction after a rebuild reads the new release without a restart.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from tipcore import config

PACKAGE = "datapackage.json"
SCHEMA = "rel"
# Frictionless field types -> DuckDB column types.
TYPES = {"integer": "BIGINT", "number": "DOUBLE", "string": "VARCHAR", "date": "DATE", "boolean": "BOOLEAN",
         "year": "INTEGER", "datetime": "TIMESTAMP"}


class ReleaseUnavailable(RuntimeError):
    """The release is missing or cannot be read; the message says why in plain words."""


@dataclass(frozen=True)
class ReleaseFile:
    path: Path
    exists: bool
    inode: int = 0
    mtime_ns: int = 0

    @property
    def version(self) -> str:
        """Changes whenever the release is replaced: the cache key of every query."""
        return f"{self.path}|{self.inode}|{self.mtime_ns}" if self.exists else "missing"


def release_file() -> ReleaseFile:
    path = config.release_dir() / PACKAGE
    try:
        stat = path.stat()
    except OSError:
        return ReleaseFile(path, False)
    return ReleaseFile(path, True, stat.st_ino, stat.st_mtime_ns)


def version() -> str:
    return release_file().version


@dataclass(frozen=True)
class Release:
    con: duckdb.DuckDBPyConnection
    package: dict

    @property
    def tables(self) -> frozenset[str]:
        return frozenset(r["name"] for r in self.package.get("resources", []))


@st.cache_resource(max_entries=2, show_spinner=False)
def _load(path: str, inode: int, mtime_ns: int) -> Release:
    # inode and mtime_ns are only cache keys: a swapped release gets a fresh load.
    folder = Path(path).parent
    try:
        package = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ReleaseUnavailable("The release's datapackage.json cannot be read. Rebuild it with "
                                 "`python -m etl build`.") from None
    # The tables go into a DuckDB file of this process's own, which is then attached read-only: no statement can
    # change what other sessions read.
    scratch = Path(tempfile.mkdtemp(prefix="tip-release-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    copy = scratch / "release.duckdb"
    try:
        with duckdb.connect(str(copy)) as writer:
            for res in package.get("resources", []):
                fields = res.get("schema", {}).get("fields", [])
                columns = {f["name"]: TYPES.get(f.get("type", "string"), "VARCHAR") for f in fields}
                writer.execute(f'CREATE TABLE "{res["name"]}" AS SELECT * FROM read_csv(?, header = true, '
                               "columns = ?)", [str(folder / res["path"]), columns])
        con = duckdb.connect(":memory:")
        con.execute(f"ATTACH ? AS {SCHEMA} (READ_ONLY)", [str(copy)])
        con.execute(f"USE {SCHEMA}")
        # Defence in depth: no query may read or write any other file.
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
    except (duckdb.Error, KeyError) as exc:
        raise ReleaseUnavailable(f"The release is damaged ({type(exc).__name__}). Rebuild it with "
                                 "`python -m etl build`.") from None
    return Release(con, package)


def release() -> Release:
    rf = release_file()
    if not rf.exists:
        raise ReleaseUnavailable(
            "No data release is available yet. Build it with `python -m etl build` (it makes synthetic demo data "
            "when `data/raw/` is empty).")
    return _load(str(rf.path), rf.inode, rf.mtime_ns)


def package() -> dict:
    return release().package


def fetch_df(sql: str, params: dict | list | None = None) -> pd.DataFrame:
    """Run one query on a cursor of its own: the cached connection is shared between sessions' threads."""
    cur = release().con.cursor()
    cur.execute(f"USE {SCHEMA}")
    try:
        return cur.execute(sql, params or {}).df() if params else cur.execute(sql).df()
    finally:
        cur.close()


def check() -> str | None:
    """None when the release can be queried, else a message for people (never a traceback)."""
    try:
        release()
    except ReleaseUnavailable as exc:
        return str(exc)
    return None
