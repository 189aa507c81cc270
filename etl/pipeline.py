"""The build: extract -> validate and standardise -> de-duplicate -> anonymise -> load -> aggregate -> manifest.

The warehouse is built in a new file beside the old one and swapped in with one atomic rename, so a failed or
killed build leaves the previous warehouse intact, and readers never see a half-written one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import json
import multiprocessing
import os
import re
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path

import duckdb
import pandas as pd

from etl import anonymise, release, standardise
from etl.coverage import write_coverage_facts
from etl.districts import DistrictMatcher
from etl.extract import EXCEL_SUFFIXES, Extracted, extract_file, input_files, read_workbook
from etl.issues import spreadsheet_safe
from etl.layouts import RETURN_MEASURES, Layout, LayoutError, load_layouts
from etl.reference import load_reference
from tipcore import config

SQL_DIR = Path(__file__).parent / "sql"
AGENCY_PRIORITY = ("police", "fia", "prosecution", "labour", "child_protection", "social_welfare", "ngo")
DEMO_MANIFEST = "DEMO_MANIFEST.json"

Progress = Callable[[str, float], None]


class BuildError(RuntimeError):
    """The build cannot go on; the message says what to do. The previous warehouse is untouched."""


def _quiet(_message: str, _fraction: float) -> None:
    pass


PAUSE_ENV = "TIP_ETL_PAUSE_AT"  # tests only: extract | load | swap | swapped


def _pause(point: str) -> None:
    """For the fault tests: with TIP_ETL_PAUSE_AT=<point>, write the file named by TIP_ETL_PAUSE_MARKER and wait
    (up to a minute) until it is deleted, so a test can kill the build at a known point. Does nothing otherwise."""
    marker = os.environ.get("TIP_ETL_PAUSE_MARKER")
    if os.environ.get(PAUSE_ENV) != point or not marker:
        return
    Path(marker).write_text(str(os.getpid()), encoding="utf-8")
    deadline = time.monotonic() + 60
    while Path(marker).exists() and time.monotonic() < deadline:
        time.sleep(0.02)


def _no_space(exc: BaseException) -> bool:
    return (isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT)) or \
        "no space left" in str(exc).lower()


def sql_statements(name: str, params: dict) -> Iterator[tuple[str, dict]]:
    """Statements of etl/sql/<name>.sql with {{hmac:expr}} expanded, each with the parameters it uses."""
    text = (SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    text = re.sub(r"\{\{hmac:(.+?)\}\}", lambda m: anonymise.hmac_sql(m.group(1)), text)
    text = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    for statement in (s.strip() for s in re.split(r";[ \t]*(?:\n|$)", text)):
        if statement:
            used = set(re.findall(r"\$(\w+)", statement))
            yield statement, {k: v for k, v in params.items() if k in used}


def run_sql_file(con: duckdb.DuckDBPyConnection, name: str, params: dict | None = None) -> None:
    for statement, used in sql_statements(name, params or {}):
        con.execute(statement, used)


@contextlib.contextmanager
def build_lock(warehouse: Path) -> Iterator[None]:
    lock_path = warehouse.parent / f".{warehouse.name}.lock"
    with lock_path.open("w") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildError("another build of this warehouse is running; wait for it to finish") from None
        yield


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_stale_builds(warehouse: Path) -> list[Path]:
    """Leftovers of killed builds (their process is gone): removed so the next build needs no manual cleanup."""
    removed = []
    for leftover in warehouse.parent.glob(f".{warehouse.name}.building-*"):
        match = re.search(r"building-(\d+)", leftover.name)
        if match and not _pid_alive(int(match.group(1))):
            if leftover.is_dir():
                shutil.rmtree(leftover, ignore_errors=True)
            else:
                leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def warehouse_version(files: list[Extracted], layouts: list[Layout]) -> str:
    """A short hash of everything the content depends on: input files, layouts and reference files."""
    digest = hashlib.sha256()
    for f in sorted(files, key=lambda e: e.path.name):
        digest.update(f"{f.path.name}:{f.sha256}\n".encode())
    for layout in layouts:
        digest.update(layout.path.read_bytes())
    for ref in sorted(config.reference_dir().glob("*.csv")):
        digest.update(ref.read_bytes())
    return digest.hexdigest()[:12]


def previous_runs(warehouse: Path) -> pd.DataFrame | None:
    """The run history of the current warehouse, carried into the new one (None if there is no readable one)."""
    if not warehouse.exists():
        return None
    try:
        with duckdb.connect(str(warehouse), read_only=True) as old:
            return old.execute("SELECT * FROM etl_runs ORDER BY started_at").df()
    except duckdb.Error:
        return None


def _sources_frame(layouts: list[Layout]) -> pd.DataFrame:
    return pd.DataFrame(
        [(lay.id, lay.agency, lay.agency_type, lay.province, AGENCY_PRIORITY.index(lay.agency_type), lay.published)
         for lay in layouts],
        columns=["source_id", "agency", "agency_type", "province", "priority", "published"],
    )


def _return_sources(layouts: list[Layout], matcher: DistrictMatcher) -> pd.DataFrame:
    """Every aggregate return the ETL knows (a file of it arrived or not): facts about the return's layout, which
    the release publishes to say whose figures are shown, at which level, and how they are protected. A return of
    one district named in its layout gets that district's id."""
    def district_id(lay: Layout) -> str | None:
        return matcher.match(lay.district, province_hint=lay.province).district_id if lay.district else None

    return pd.DataFrame(
        [(lay.id, lay.agency, lay.agency_type, lay.published, lay.return_level, lay.province, district_id(lay),
          lay.return_period, " ".join(m for m in RETURN_MEASURES if m in lay.columns), lay.below, lay.citation,
          lay.url)
         for lay in sorted(layouts, key=lambda lay: lay.id) if lay.is_return],
        columns=["source_id", "agency", "agency_type", "published", "level", "province", "district_id", "period",
                 "measures", "below", "citation", "url"],
    ).astype({"published": bool, "below": "Int64"})


def _ensure_input(raw: Path, progress: Progress) -> bool:
    """Generate the demo data set when the raw folder holds no input, so a fresh clone just works."""
    if input_files(raw):
        return (raw / DEMO_MANIFEST).exists()
    from etl import demo

    progress(f"No input in {raw.name}/: generating {config.DEMO_CASES:,} synthetic demo cases", 0.02)
    demo.write_demo(raw, cases=config.DEMO_CASES, seed=config.DEMO_SEED,
                    progress=lambda msg, frac: progress(msg, 0.02 + 0.18 * frac))
    return True


def _exit_with_parent(parent: int) -> None:
    """A pool worker waits for work forever: when the build is killed, this ends the worker too."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()


@contextlib.contextmanager
def workbooks_read_ahead(paths: list[Path], layouts: list[Layout]) -> Iterator[dict[Path, Future]]:
    """read_workbook of each .xlsx file, started in two worker processes: calamine and the Python pass over the
    cells use one core per workbook. Spawned, not forked: the build may run inside the dashboard's threads."""
    books = [p for p in paths if p.suffix.lower() in EXCEL_SUFFIXES]
    if len(books) < 2:
        yield {}
        return
    pool = ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_exit_with_parent, initargs=(os.getpid(),))
    try:
        yield {path: pool.submit(read_workbook, path, layouts) for path in books}
    finally:
        pool.shutdown(cancel_futures=True)


def _issue_rows(files: list[Extracted], con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Every problem of the build: file-level from extraction, row-level from validation, merges."""
    names = pd.DataFrame({"file_id": range(len(files)), "file": [f.path.name for f in files]})
    con.register("file_names", names)
    row_level = con.execute(
        """SELECT n.file, s._row AS row, p.column AS "column", p.reason, p.action, p.value
           FROM (SELECT file_id, _row, unnest(problems) AS p FROM stg_rows) s
           JOIN file_names n USING (file_id)
           UNION ALL
           SELECT n.file, m._row, NULL, m.reason, 'duplicate merged', NULL
           FROM merged_rows m JOIN file_names n USING (file_id)"""
    ).df()
    con.unregister("file_names")
    extracted = pd.DataFrame([i.as_dict() for f in files for i in f.issues],
                             columns=["file", "row", "column", "reason", "action", "value"])
    frame = pd.concat([extracted, row_level], ignore_index=True)
    frame["row"] = frame["row"].astype("Int64")
    return frame.sort_values(["file", "row", "column", "reason"], na_position="first").reset_index(drop=True)


def _district_matches(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.execute(
        """SELECT s.source_id, s.district_raw AS raw, m.district_id, m.province, m.method, m.score, m.note,
                  count(*) AS rows
           FROM stg_rows s JOIN district_map m ON m.source_id = s.source_id AND m.raw = s.district_raw
           GROUP BY ALL ORDER BY method, rows DESC, raw, source_id, district_id"""
    ).df()


def _published_matches(matches: pd.DataFrame) -> pd.DataFrame:
    """District spellings for the warehouse: an unmatched value may be anything (a name typed into the wrong
    column), so only its length is kept there; the run report, which stays with the data officer, has it."""
    out = matches.copy()
    unmatched = out["method"] == "unmatched"
    out.loc[unmatched, "raw"] = out.loc[unmatched, "raw"].map(lambda v: f"[unmatched value, {len(v)} characters]")
    out.loc[unmatched, "note"] = "see the run report"
    return out


def _write_reports(report_dir: Path, issues: pd.DataFrame, matches: pd.DataFrame, summary: dict) -> None:
    report_dir.mkdir(parents=True, exist_ok=True)
    # The reports quote raw values and are opened in spreadsheets: a value such as =HYPERLINK(...) stays text.
    issues, matches = spreadsheet_safe(issues), spreadsheet_safe(matches)
    issues.to_csv(report_dir / "rejected_rows.csv", index=False)
    matches.to_csv(report_dir / "district_matches.csv", index=False)
    matches[matches["method"] == "unmatched"].to_csv(report_dir / "unmatched_districts.csv", index=False)
    (report_dir / "summary.json").write_text(json.dumps(summary, indent=2, default=str), encoding="utf-8")


def build_warehouse(raw_dir: Path | None = None, warehouse: Path | None = None, progress: Progress | None = None,
                    today: dt.date | None = None) -> dict:
    """Build the warehouse from the files in raw_dir and swap it in. Returns the run summary."""
    raw = Path(raw_dir or config.raw_dir())
    target = Path(warehouse or config.warehouse_path())
    progress = progress or _quiet
    today = today or dt.date.today()
    target.parent.mkdir(parents=True, exist_ok=True)
    raw.mkdir(parents=True, exist_ok=True)
    try:
        with build_lock(target):
            remove_stale_builds(target)
            return _build(raw, target, progress, today)
    except (OSError, duckdb.Error) as exc:
        if _no_space(exc):
            raise BuildError(f"no space left on the disk that holds {target.parent.name}/ (the build needs room for "
                             "a second copy of the warehouse while it works); free some space and build again") \
                from None
        raise


def _build(raw: Path, target: Path, progress: Progress, today: dt.date) -> dict:
    started = dt.datetime.now(dt.UTC).replace(microsecond=0)
    run_id = started.strftime("%Y%m%dT%H%M%SZ")
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    try:  # checked before anything is generated or read: a bad key is a plain message, not a crash
        key = anonymise.pseudonym_key()
    except anonymise.PseudonymKeyError as exc:
        raise BuildError(str(exc)) from None
    demo_manifest = _ensure_input(raw, progress)
    step("demo")
    try:
        layouts = load_layouts()
    except LayoutError as exc:
        raise BuildError(str(exc)) from None
    if not layouts:
        raise BuildError(f"no source layouts in {config.sources_dir().name}/; add one (see data/README.md)")
    paths = input_files(raw)
    building = target.parent / f".{target.name}.building-{os.getpid()}"
    workdir = target.parent / f".{target.name}.building-{os.getpid()}.tmp"
    workdir.mkdir(exist_ok=True)
    con = duckdb.connect()
    try:
        # Paths are bound, never pasted into the SQL: a folder may be called "o'brien data" or "ڈیٹا فولڈر".
        con.execute("SET temp_directory = ?", [str(workdir)])
        building.unlink(missing_ok=True)
        con.execute("ATTACH ? AS out", [str(building)])
        con.execute("USE out")
        load_reference(con)
        con.execute("USE memory")
        step("reference")

        files: list[Extracted] = []
        seen: dict[str, str] = {}  # content hash -> file name: a copy of a file is not read twice
        with workbooks_read_ahead(paths, layouts) as workbooks:
            for i, path in enumerate(paths):
                progress(f"Reading {path.name}", 0.2 + 0.4 * i / max(1, len(paths)))
                files.append(extract_file(con, path, layouts, f"raw_{i}", workdir, seen, workbooks.get(path)))
                _pause("extract")
        readable = [f for f in files if f.table]
        step("extract")
        if not readable:
            reasons = "; ".join(f"{i.file}: {i.reason}" for f in files for i in f.issues if i.action == "file skipped")
            raise BuildError(f"none of the {len(files)} input file(s) in {raw.name}/ could be read ({reasons[:2000]}); "
                             "fix the files and build again")

        progress("Validating and standardising", 0.62)
        matcher = DistrictMatcher.from_csv()
        standardise.build_lookups(con, readable, layouts, matcher)
        for i, f in enumerate(files):
            if f.table:
                standardise.standardise_file(con, f, i, today)
                con.execute(f"DROP TABLE {f.table}")
        step("validate")

        progress("De-duplicating and anonymising", 0.75)
        con.register("sources_df", _sources_frame(layouts))
        con.execute("CREATE TEMP TABLE sources AS SELECT * FROM sources_df")
        con.execute("USE out")
        run_sql_file(con, "schema")
        con.execute("USE memory")
        run_sql_file(con, "cases", anonymise.hmac_params(key))
        step("assemble")

        progress("Loading and aggregating", 0.85)
        issues = _issue_rows(files, con)
        matches = _district_matches(con)
        con.register("issues_df", issues)
        con.execute('CREATE TABLE out.rejected_rows AS SELECT file::VARCHAR AS file, "row"::INTEGER AS "row", '
                    '"column"::VARCHAR AS "column", reason::VARCHAR AS reason, action::VARCHAR AS action '
                    "FROM issues_df")
        con.register("matches_df", _published_matches(matches))
        con.execute("CREATE TABLE out.district_matches AS SELECT source_id::VARCHAR AS source_id, raw::VARCHAR AS raw, "
                    "district_id::VARCHAR AS district_id, province::VARCHAR AS province, method::VARCHAR AS method, "
                    "score::DOUBLE AS score, note::VARCHAR AS note, rows::BIGINT AS rows FROM matches_df")
        write_coverage_facts(con, files, layouts, key, today)
        con.register("return_sources_df", _return_sources(layouts, matcher))
        con.execute("CREATE TABLE out.return_sources AS SELECT source_id::VARCHAR AS source_id, "
                    "agency::VARCHAR AS agency, agency_type::VARCHAR AS agency_type, published::BOOLEAN AS published, "
                    "level::VARCHAR AS level, province::VARCHAR AS province, district_id::VARCHAR AS district_id, "
                    "period::VARCHAR AS period, measures::VARCHAR AS measures, below::INTEGER AS below, "
                    "citation::VARCHAR AS citation, "
                    "url::VARCHAR AS url "
                    "FROM return_sources_df")
        con.execute("USE out")
        kanon = anonymise.k_anonymity(con, config.K_ANONYMITY)
        step("load")

        counts = con.execute(
            "SELECT (SELECT count(*) FROM cases), (SELECT count(*) FROM victims), "
            "(SELECT coalesce(bool_or(is_demo), false) FROM cases)"
        ).fetchall()[0]
        stg = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE list_contains(list_transform(problems, lambda x: x.action), "
            "'row rejected')) FROM temp.stg_rows"
        ).fetchall()[0]
        merged = int(con.execute("SELECT count(*) FROM temp.merged_rows").fetchall()[0][0])
        rows_read = sum(f.rows_read for f in files)
        # Rows that reached no staging table (case records, published figures, returns) were rejected.
        return_rows = int(con.execute("SELECT count(DISTINCT (file_id, _row)) FROM temp.stg_returns").fetchall()[0][0])
        figures = int(con.execute("SELECT count(*) FROM temp.stg_figures").fetchall()[0][0]) + return_rows
        rows_rejected = rows_read - int(stg[0]) - figures + int(stg[1])
        # Aggregate returns' rows, apart too: they are counts, not case records (the coverage facts leave them out).
        return_rows_read = sum(f.rows_read for f in files if f.layout is not None and f.layout.is_return)
        if not counts[0]:
            # An empty warehouse would replace a good one with nothing: keep the old one, report why.
            report_dir = config.reports_dir(target) / run_id
            _write_reports(report_dir, issues, matches, {"run_id": run_id, "rows_read": rows_read,
                                                         "rows_rejected": rows_rejected, "cases_loaded": 0})
            raise BuildError(f"no case could be loaded: the {len(files)} input file(s) hold {rows_read} data row(s) "
                             f"and {rows_rejected} of them were rejected; the reasons are in {report_dir}; fix the "
                             "files and build again")
        summary = {
            "run_id": run_id,
            "started_at": started,
            "warehouse": target.name,
            "warehouse_version": warehouse_version(files, layouts),
            "is_demo": bool(counts[2] or demo_manifest),
            "files_read": len(files),
            "files_skipped": sum(1 for f in files if not f.table),
            "rows_read": rows_read,
            "rows_rejected": rows_rejected,
            "rows_merged": merged,
            "return_rows_read": return_rows_read,
            "return_rows_rejected": return_rows_read - return_rows,
            "cases_loaded": int(counts[0]),
            "victims_loaded": int(counts[1]),
            "issues": issues["action"].value_counts().to_dict(),
            "district_matches": matches.groupby("method")["rows"].sum().to_dict(),
            "unmatched_district_values": int((matches["method"] == "unmatched").sum()),
            "k_anonymity": kanon,
            "input_files": [
                {"name": f.path.name, "sha256": f.sha256, "layout": f.layout.id if f.layout else None,
                 "encoding": f.encoding, "sheet": f.sheet, "rows_read": f.rows_read, "loaded": bool(f.table)}
                for f in files
            ],
        }
        step("summary")
        summary["timings"] = dict(timings)
        finished = dt.datetime.now(dt.UTC).replace(microsecond=0)
        run_row = pd.DataFrame([{
            "run_id": run_id, "started_at": started.replace(tzinfo=None), "finished_at": finished.replace(tzinfo=None),
            "warehouse_version": summary["warehouse_version"], "is_demo": summary["is_demo"],
            "files_read": summary["files_read"], "files_skipped": summary["files_skipped"],
            "rows_read": rows_read, "rows_loaded": rows_read - rows_rejected - merged,
            "rows_rejected": rows_rejected, "rows_merged": merged, "cases_loaded": summary["cases_loaded"],
            "victims_loaded": summary["victims_loaded"], "k_threshold": kanon["k"],
            "k_anonymity_min": kanon["smallest_group"], "k_records_below": kanon["records_below_k"],
            "input_files": json.dumps(summary["input_files"]), "timings": json.dumps(summary["timings"]),
        }])
        history = previous_runs(target)
        runs = run_row if history is None else pd.concat([history, run_row], ignore_index=True)
        con.register("runs_df", runs)
        con.execute("CREATE TABLE etl_runs AS SELECT * FROM runs_df")
        _pause("load")
        con.execute("USE memory")
        con.execute("DETACH out")
    except BaseException:
        con.close()
        building.unlink(missing_ok=True)
        building.with_name(building.name + ".wal").unlink(missing_ok=True)  # left when a write failed half way
        raise
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    con.close()
    progress("Swapping in the new warehouse", 0.97)
    try:
        with building.open("rb") as fh:
            os.fsync(fh.fileno())
        _pause("swap")
        os.replace(building, target)
    except BaseException:
        building.unlink(missing_ok=True)
        raise
    _fsync_dir(target.parent)
    _pause("swapped")
    report_dir = config.reports_dir(target) / run_id
    try:
        _write_reports(report_dir, issues, matches, summary)
        summary["report_dir"] = str(report_dir)
    except OSError as exc:  # the new warehouse is in place; only the data officer's report is missing
        summary["report_dir"] = f"not written ({exc.strerror or type(exc).__name__})"
    summary["release"] = release.publish_after_build(target, raw, progress)  # the public release
    progress("Done", 1.0)
    return summary
