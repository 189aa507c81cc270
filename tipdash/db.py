"""Read-only access to the public release: the only data the dashboard has.

The release is a folder (a Frictionless Data Package) written by the ETL: ``datapackage.json`` describes each
table, its fields and the privacy manifest; the tables are CSV files. They are small (tens of thousands of rows in
all), so they are loaded once into an in-memory DuckDB per release and queried there. After loading, DuckDB's
access to files is switched off: no query can read anything else on the machine. The private warehouse is never
opened here; a web server needs only the release folder.

The ETL swaps a rebuilt release in atomically; the cache key is the package file's identity, so the next
interaction after a rebuild reads the new release without a restart.

A statement costs about a millisecond however small its answer (the release is small: the cost is per statement,
not per row), so the connection opens the release's file as its default database (no ``USE`` before each
statement) and answers are turned into DataFrames from DuckDB's numpy arrays, a fraction of ``.df()``'s cost.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import shutil
import tempfile
import threading
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import duckdb
import numpy as np
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

    @cached_property
    def sigmas(self) -> dict[str, dict[str, float]]:
        """The noise scale of one released cell, per table and measure (the privacy manifest, read once)."""
        tables = self.package.get("privacy", {}).get("tables", {})
        return {name: {m: float(spec["sigma"]) for m, spec in table.get("measures", {}).items()}
                for name, table in tables.items()}


@st.cache_resource(max_entries=2, show_spinner=False)
def _load(path: str, inode: int, mtime_ns: int) -> Release:
    # inode and mtime_ns are only cache keys: a swapped release gets a fresh load.
    folder = Path(path).parent
    try:
        package = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise ReleaseUnavailable("The release's datapackage.json cannot be read. Rebuild it with "
                                 "`python -m etl build`.") from None
    # The tables go into a DuckDB file of this process's own, which is then opened read-only: no statement can
    # change what other sessions read. Named for the schema, so it is every cursor's default database.
    scratch = Path(tempfile.mkdtemp(prefix="tip-release-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    copy = scratch / f"{SCHEMA}.duckdb"
    try:
        with duckdb.connect(str(copy)) as writer:
            for res in package.get("resources", []):
                fields = res.get("schema", {}).get("fields", [])
                columns = {f["name"]: TYPES.get(f.get("type", "string"), "VARCHAR") for f in fields}
                writer.execute(f'CREATE TABLE "{res["name"]}" AS SELECT * FROM read_csv(?, header = true, '
                               "columns = ?)", [str(folder / res["path"]), columns])
        con = duckdb.connect(str(copy), read_only=True)
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


_question = threading.local()


@contextlib.contextmanager
def one_release():
    """Within it, every statement of this thread reads one release: the one its first lookup found. A question is
    answered from one release even if a rebuild lands meanwhile, and the release is looked up once per question,
    not once per statement (the lookup stats the folder and asks Streamlit's cache: a fifth of a statement's
    cost)."""
    if hasattr(_question, "release"):  # inside another question: its release
        yield
        return
    _question.release = None
    try:
        yield
    finally:
        del _question.release


def current() -> Release:
    """The release of the question being answered (:func:`one_release`), else the release now."""
    pinned = getattr(_question, "release", False)
    if pinned:
        return pinned
    found = release()
    if pinned is None:
        _question.release = found
    return found


def package() -> dict:
    return current().package


def fetch_df(sql: str, params: dict | list | None = None) -> pd.DataFrame:
    """Run one query on a cursor of its own: the cached connection is shared between sessions' threads."""
    cur = current().con.cursor()
    try:
        result = cur.execute(sql, params or {}) if params else cur.execute(sql)
        names = [d[0] for d in result.description or []]
        if not names:  # a statement with no answer table
            return result.df()
        frame = _frame(result.fetchnumpy()) if len(set(names)) == len(names) else None
        if frame is None:  # a type _frame does not convert as .df() would: ask again, the slow way
            frame = cur.execute(sql, params or {}).df() if params else cur.execute(sql).df()
        return frame
    finally:
        cur.close()


def _frame(columns: dict[str, np.ndarray]) -> pd.DataFrame | None:
    """The DataFrame ``.df()`` would give from these columns, or None where they are not the kinds it converts the
    same way: no rows, or missing values other than numbers (NaN) and text (NaN, as ``.df()`` gives them)."""
    out = {}
    for name, values in columns.items():
        if len(values) == 0:
            return None
        if isinstance(values, np.ma.MaskedArray):
            if values.mask.any():
                if values.dtype.kind == "f":
                    values = values.filled(np.nan)
                elif values.dtype.kind in "iu":  # as .df() gives them: pandas' nullable integers
                    values = pd.arrays.IntegerArray(values.data, values.mask)
                elif values.dtype.kind != "O" or any(not isinstance(v, str) for v in values.compressed()):
                    return None
            else:
                values = values.data
        out[name] = values
    return pd.DataFrame(out)


def check() -> str | None:
    """None when the release can be queried, else a message for people (never a traceback)."""
    try:
        release()
    except ReleaseUnavailable as exc:
        return str(exc)
    return None
