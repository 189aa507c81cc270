"""Read-only access to the warehouse.

The ETL swaps a rebuilt warehouse in atomically (a new file under the same name). The connection is cached per
(path, inode, mtime), so the next interaction after a rebuild opens the new file without a restart.

The file is ATTACHed to an in-memory database rather than opened with ``duckdb.connect(path)``: DuckDB keeps one
database instance per path for the whole process, so a second ``connect`` to a swapped file would silently return
the old data for as long as any old connection is alive. An ATTACH always reads the file it is given.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import streamlit as st

from tipcore import config

SCHEMA = "wh"


class WarehouseUnavailable(RuntimeError):
    """The warehouse is missing or cannot be opened; the message says why in plain words."""


@dataclass(frozen=True)
class WarehouseFile:
    path: Path
    exists: bool
    inode: int = 0
    mtime_ns: int = 0
    size: int = 0

    @property
    def version(self) -> str:
        """Changes whenever the file is replaced or rewritten: the cache key of every query."""
        if not self.exists:
            return "missing"
        return f"{self.path}|{self.inode}|{self.mtime_ns}|{self.size}"


def warehouse_file() -> WarehouseFile:
    path = config.warehouse_path()
    try:
        stat = path.stat()
    except OSError:
        return WarehouseFile(path, False)
    return WarehouseFile(path, True, stat.st_ino, stat.st_mtime_ns, stat.st_size)


def version() -> str:
    return warehouse_file().version


@st.cache_resource(max_entries=2, show_spinner=False)
def _connection(path: str, inode: int, mtime_ns: int) -> duckdb.DuckDBPyConnection:
    # inode and mtime_ns are only cache keys: a swapped file gets a fresh connection.
    con = duckdb.connect(":memory:")
    try:
        con.execute(f"ATTACH ? AS {SCHEMA} (READ_ONLY)", [path])
        con.execute(f"USE {SCHEMA}")
        # Defence in depth: the dashboard reads this one file; no query may read or write any other.
        con.execute("SET enable_external_access = false")
        con.execute("SET lock_configuration = true")
        con.execute("SELECT count(*) FROM cases").fetchall()
    except duckdb.Error as exc:
        con.close()
        raise WarehouseUnavailable(_explain(exc)) from None
    return con


DAMAGE = (duckdb.IOException, duckdb.InternalException, duckdb.SerializationException)


def _is_damage(exc: duckdb.Error) -> bool:
    text = str(exc)
    return "not a valid DuckDB database" in text or "Corrupt" in text or "checksum" in text.lower()


def _explain(exc: duckdb.Error) -> str:
    text = str(exc)
    if _is_damage(exc):
        return "The warehouse file is damaged or is not a DuckDB database. Rebuild it with `python -m etl build`."
    if "cases" in text and ("does not exist" in text or "Catalog Error" in text):
        return ("The warehouse has no `cases` table: it was not built by this ETL. "
                "Rebuild it with `python -m etl build`.")
    if "lock" in text.lower():
        return "The warehouse is being written by another process. Try again in a moment."
    return "The warehouse cannot be opened. Rebuild it with `python -m etl build`."


def connection() -> duckdb.DuckDBPyConnection:
    wf = warehouse_file()
    if not wf.exists:
        raise WarehouseUnavailable(
            "No warehouse is available yet. Build it with `python -m etl build` (it makes synthetic demo data "
            "when `data/raw/` is empty)."
        )
    return _connection(str(wf.path), wf.inode, wf.mtime_ns)


def cursor() -> duckdb.DuckDBPyConnection:
    """A cursor of its own for one query: the cached connection is shared between sessions' threads."""
    cur = connection().cursor()
    cur.execute(f"USE {SCHEMA}")
    return cur


def fetch_df(sql: str, params: dict | list | None = None) -> pd.DataFrame:
    cur = cursor()
    try:
        return cur.execute(sql, params or {}).df() if params else cur.execute(sql).df()
    except duckdb.Error as exc:
        # A block damaged after the file opened is a plain message, not a traceback. DuckDB raises a checksum
        # failure as the base duckdb.Error, so it is told apart by its text; a mistake in a query still raises.
        if isinstance(exc, DAMAGE) or _is_damage(exc):
            raise WarehouseUnavailable(_explain(exc)) from None
        raise
    finally:
        cur.close()


def check() -> str | None:
    """None when the warehouse can be queried, else a message for people (never a traceback)."""
    try:
        connection()
    except WarehouseUnavailable as exc:
        return str(exc)
    return None
