"""What a team would otherwise build, and the floor, measured beside the project's own code.

* ``floor``: DuckDB's own bare ingest of the same raw files into tables of text, with no validation. CSV files go
  through ``read_csv`` with the encoding DuckDB reads natively (UTF-8, UTF-16); the Windows-1252 file is first
  streamed to UTF-8, which DuckDB needs (its latin-1 reader refuses bytes 0x80-0x9F), exactly as the ETL does.
  DuckDB cannot read .xlsx without its excel extension (a download), so the workbooks are read with calamine, the
  reader the ETL uses, cell values turned into text and inserted as one Arrow table each.
* ``pandas``: a straightforward pandas pipeline into SQLite: read each file with its layout's columns, clean the
  values (codes, dates, districts, sections, numbers), drop rejected rows, merge duplicates, pseudonymise, build
  cases and victims, and ``to_sql`` them. It uses the same layout files, district matcher and lookup functions as
  the ETL (a team would have written its own), but keeps no per-cell problem report and no k-anonymity check.
* :class:`PandasApp`: the usual Streamlit approach: hold the ``cases`` (and ``victims``) table in pandas
  DataFrames and filter and group them on every rerun, answering the same questions as ``tipdash.queries``
  with the same small-cell protection.

``python -m benchmarks.alternatives floor|pandas RAW_DIR OUT_FILE --json-out FILE`` runs one pipeline.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

# Bare ingest ---------------------------------------------------------------------------------------------------

DUCKDB_ENCODINGS = {"utf-8": "utf-8", "utf-8-sig": "utf-8", "utf-16": "utf-16", "utf-16-le": "utf-16"}


def floor_ingest(raw: Path, out: Path) -> dict:
    import duckdb
    import pyarrow as pa
    import python_calamine as calamine

    from etl.extract import SAMPLE_BYTES, detect_encoding, input_files
    from etl.layouts import load_layouts

    layouts = load_layouts()
    out.unlink(missing_ok=True)
    con = duckdb.connect(str(out))
    timings = {"csv_s": 0.0, "transcode_s": 0.0, "xlsx_s": 0.0}
    rows = {"csv": 0, "xlsx": 0}
    workdir = Path(tempfile.mkdtemp(prefix="bench-floor-", dir=out.parent))
    for i, path in enumerate(input_files(raw)):
        table = f"raw_{i}"
        if path.suffix.lower() == ".xlsx":
            start = time.perf_counter()
            layout = next(lay for lay in layouts if lay.matches_name(path.name))
            book = calamine.CalamineWorkbook.from_path(str(path))
            cells = book.get_sheet_by_name(layout.sheet or book.sheet_names[0]).to_python()
            header = [str(h).strip() or f"column{j}" for j, h in enumerate(cells[layout.header_row - 1])]
            body = cells[layout.header_row:]
            columns = list(zip(*body, strict=True)) if body else [()] * len(header)
            arrow = pa.table({f"{name}_{j}": pa.array([None if v == "" else str(v) for v in col], pa.string())
                              for j, (name, col) in enumerate(zip(header, columns, strict=True))})
            con.register("sheet", arrow)
            con.execute(f"CREATE TABLE {table} AS SELECT * FROM sheet")
            con.unregister("sheet")
            rows["xlsx"] += len(body)
            timings["xlsx_s"] += time.perf_counter() - start
            continue
        start = time.perf_counter()
        with path.open("rb") as fh:
            encoding = detect_encoding(fh.read(SAMPLE_BYTES))
        readable = path
        if encoding not in DUCKDB_ENCODINGS:
            readable = workdir / f"{table}.csv"
            with path.open("r", encoding=encoding, newline="") as src, \
                    readable.open("w", encoding="utf-8", newline="") as dst:
                for chunk in iter(lambda src=src: src.read(1 << 20), ""):
                    dst.write(chunk)
            timings["transcode_s"] += time.perf_counter() - start
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, encoding = '{DUCKDB_ENCODINGS.get(encoding, 'utf-8')}',"
            " header = true, all_varchar = true, null_padding = true, ignore_errors = true)", [str(readable)])
        rows["csv"] += con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
        if readable != path:
            readable.unlink()
        timings["csv_s"] += time.perf_counter() - start
    con.close()
    workdir.rmdir()
    return {"timings": {k: round(v, 3) for k, v in timings.items()}, "rows": rows}


# The pandas + SQLite pipeline ------------------------------------------------------------------------------------

STAGES = ("complaint", "fir_registered", "investigation_completed", "charge_sheet_submitted", "trial_concluded")
STAGE_RANK = {s: i + 1 for i, s in enumerate(STAGES)}
DATES = ("date_reported", "fir_date", "investigation_date", "challan_date", "verdict_date")
CODED = ("offence", "scope", "stage", "outcome", "victim_sex", "victim_referred")
AGE_BINS = [-1, 8, 17, 20, 23, 26, 29, 38, 47, 200]
AGE_LABELS = ["0-8", "9-17", "18-20", "21-23", "24-26", "27-29", "30-38", "39-47", "48+"]
PRIORITY = ("police", "fia", "prosecution", "labour", "child_protection", "social_welfare", "ngo")


def _read_source(path: Path, layout) -> pd.DataFrame:
    """The file's mapped columns, as text, renamed to contract fields, with the spreadsheet row number."""
    from etl.extract import SAMPLE_BYTES, detect_delimiter, detect_encoding

    wanted = {src.strip().lower(): fld for fld, src in layout.columns.items()}
    if path.suffix.lower() == ".xlsx":
        df = pd.read_excel(path, sheet_name=layout.sheet or 0, header=layout.header_row - 1, dtype=str,
                           engine="calamine")
        first = layout.header_row + 1
    else:
        with path.open("rb") as fh:
            sample = fh.read(SAMPLE_BYTES)
        encoding = detect_encoding(sample)
        delimiter = detect_delimiter(sample.decode(encoding, errors="ignore").lstrip("\ufeff"))
        df = pd.read_csv(path, encoding=encoding, sep=delimiter, dtype=str, keep_default_na=False,
                         usecols=lambda c: c.strip().lower() in wanted, on_bad_lines="skip")
        first = 2
    df.columns = [wanted.get(str(c).strip().lower(), str(c)) for c in df.columns]
    df = df[[c for c in df.columns if c in layout.columns]]
    df.insert(0, "_row", np.arange(first, first + len(df)))
    for col in df.columns[1:]:
        df[col] = df[col].str.strip().replace("", None)
    if path.suffix.lower() == ".xlsx" and layout.grain == "victim":
        # Merged cells over a case's victim rows: a row without a case reference continues the case above.
        below = df["case_ref"].isna()
        for col in ("case_ref", "fir_number"):
            if col in df:
                df.loc[below, col] = df[col].ffill()[below]
    return df


def _dates(values: pd.Series, formats) -> pd.Series:
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[s]")
    for fmt in formats:
        todo = out.isna() & values.notna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(values[todo], format=fmt, errors="coerce")
    return out


def _clean(df: pd.DataFrame, layout, file_id: int, matcher, today: pd.Timestamp) -> tuple[pd.DataFrame, int]:
    from etl import lookups
    from etl.layouts import CONTRACT_CODES

    out = pd.DataFrame({"file_id": file_id, "source_id": layout.id, "grain": layout.grain, "_row": df["_row"]})
    for fld in ("case_ref", "fir_number", "district"):
        out[fld] = df.get(fld)
    for fld in DATES:
        out[fld] = _dates(df[fld], layout.date_formats) if fld in df else pd.NaT
        out.loc[(out[fld] < pd.Timestamp("2000-01-01")) | (out[fld] > today), fld] = pd.NaT
    for fld in CODED:
        table = {v.lower(): v for v in CONTRACT_CODES[fld]} | {v.replace("_", " "): v for v in CONTRACT_CODES[fld]}
        if fld == "victim_referred":
            table |= {w: "yes" for w in lookups.YES} | {w: "no" for w in lookups.NO}
        table |= layout.codes.get(fld, {})
        out[fld] = df[fld].str.lower().map(table) if fld in df else None
    out["victim_sex"] = out["victim_sex"].fillna("unknown")
    # Few distinct spellings: look each up once.
    if "district" in df:
        spellings = df["district"].dropna().unique()
        found = {s: matcher.match(s, province_hint=layout.province) for s in spellings}
        out["district_id"] = df["district"].map({s: m.district_id for s, m in found.items()})
        out["province"] = df["district"].map({s: m.province for s, m in found.items()}).fillna(layout.province)
    laws = df["law_sections"].dropna().unique() if "law_sections" in df else []
    law_table = lookups.law_map([(layout.id, v) for v in laws], {layout.id: layout})
    codes = dict(zip(law_table["raw"], law_table["codes"], strict=True))
    out["law_codes"] = df["law_sections"].map(codes) if "law_sections" in df else None
    for fld, target in (("country", "country_iso3"), ("victim_nationality", "nationality_iso3")):
        values = df[fld].dropna().unique() if fld in df else []
        out[target] = df[fld].map({v: lookups.country_iso3(v) for v in values}) if fld in df else None
    sentences = df["sentence"].dropna().unique() if "sentence" in df else []
    out["sentence_months"] = df["sentence"].map({v: lookups.sentence_months(v) for v in sentences}) \
        if "sentence" in df else None
    for fld in ("victim_count", "victim_age"):
        values = df[fld].dropna().unique() if fld in df else []
        out[fld] = pd.to_numeric(df[fld].map({v: lookups.whole_number(v) for v in values}), errors="coerce") \
            if fld in df else np.nan
    out.loc[~out["victim_count"].between(1, 500), "victim_count"] = np.nan
    out["age_band"] = pd.cut(out["victim_age"].where(out["victim_age"] <= 100), AGE_BINS, labels=AGE_LABELS)
    out["synthetic"] = df["synthetic"].str.lower().str.match(r"\s*(synthetic|yes|true|y|1)") \
        if "synthetic" in df else False
    # Later stages cannot come before the FIR.
    for later in ("investigation_date", "challan_date", "verdict_date"):
        out.loc[out[later] < out["fir_date"], later] = pd.NaT
    derived = np.select([out["verdict_date"].notna() | out["outcome"].isin(["convicted", "acquitted", "compromise"]),
                         out["challan_date"].notna(), out["investigation_date"].notna(), out["fir_date"].notna()],
                        [5, 4, 3, 2], 1)
    out["stage_rank"] = np.maximum(out["stage"].map(STAGE_RANK).fillna(1).to_numpy(), derived)
    ok = out["case_ref"].notna() & out["date_reported"].notna()
    return out[ok], int((~ok).sum())


def pandas_pipeline(raw: Path, out: Path) -> dict:
    from etl.anonymise import pseudonym_key
    from etl.districts import DistrictMatcher
    from etl.extract import input_files
    from etl.layouts import load_layouts

    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def step(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[name] = round(now - clock, 3)
        clock = now

    layouts = load_layouts()
    by_id = {lay.id: lay for lay in layouts}
    matcher = DistrictMatcher.from_csv()
    today = pd.Timestamp.today().normalize()
    parts, raw_frames, rejected = [], [], 0
    for file_id, path in enumerate(input_files(raw)):
        layout = next((lay for lay in layouts if lay.matches_name(path.name)), None)
        if layout is None:
            continue
        raw_frames.append((file_id, layout, _read_source(path, layout)))
    step("read")
    for file_id, layout, frame in raw_frames:
        clean, bad = _clean(frame, layout, file_id, matcher, today)
        parts.append(clean)
        rejected += bad
    rows = pd.concat(parts, ignore_index=True)
    del raw_frames, parts
    step("clean")

    # Exact repeats, then one record per agency case (the most advanced row), then one case per FIR.
    before = len(rows)
    rows = rows.drop_duplicates(subset=[c for c in rows.columns if c not in ("_row", "law_codes")])
    exact = before - len(rows)
    rows = rows.sort_values(["source_id", "case_ref", "stage_rank", "file_id", "_row"],
                            ascending=[True, True, False, True, True], kind="stable")
    records = rows.drop_duplicates(["source_id", "case_ref"]).copy()
    key = pseudonym_key()
    records["record_mac"] = [hmac.new(key, f"{s}\x1f{r}".encode(), hashlib.sha256).hexdigest()
                             for s, r in zip(records["source_id"], records["case_ref"], strict=True)]
    records["case_id"] = records["record_mac"].str[:16]
    fir = records["fir_number"].str.extract(r"(\d+)\s*/\s*(\d{2,4})")
    records["fir_no"] = fir[0]
    records["fir_year"] = fir[1].where(fir[1].str.len() != 2, "20" + fir[1])
    records["priority"] = records["source_id"].map(lambda s: PRIORITY.index(by_id[s].agency_type))
    records = records.sort_values(["stage_rank", "priority", "case_id"], ascending=[False, True, True])
    has_fir = records["fir_no"].notna() & records["fir_year"].notna() & records["district_id"].notna()
    kept = pd.concat([records[has_fir].drop_duplicates(["fir_no", "fir_year", "district_id"]), records[~has_fir]])
    kept["reported_by"] = 1
    step("deduplicate")

    # Victims: every victim-grain row of a kept record; for case grain the first victim and count - 1 unknowns.
    victim_rows = rows[rows["grain"] == "victim"].merge(kept[["source_id", "case_ref", "case_id"]],
                                                        on=["source_id", "case_ref"])
    case_grain = kept[kept["grain"] == "case"]
    extra = case_grain.loc[case_grain.index.repeat((case_grain["victim_count"].fillna(1) - 1).clip(lower=0)
                                                   .astype(int)), ["case_id"]]
    extra = extra.assign(victim_sex="unknown", age_band=None, nationality_iso3=None, victim_referred=None)
    cols = ["case_id", "victim_sex", "age_band", "nationality_iso3", "victim_referred"]
    victims = pd.concat([victim_rows[cols], case_grain[cols], extra[cols]], ignore_index=True)
    victims["age_band"] = victims["age_band"].astype("object")
    victims["victim_no"] = victims.groupby("case_id").cumcount() + 1
    victims["is_referred"] = victims["victim_referred"].map({"yes": True, "no": False})
    summary = pd.DataFrame({
        "case_id": victims["case_id"], "victim_count": 1,
        "victims_female": victims["victim_sex"].eq("female"), "victims_male": victims["victim_sex"].eq("male"),
        "victims_child": victims["age_band"].isin(["0-8", "9-17"]),
        "victims_referred": victims["is_referred"].eq(True),
    }).groupby("case_id").sum()
    step("victims")

    cases = kept.drop(columns=["victim_count"]).join(summary, on="case_id")
    sources = pd.DataFrame([(lay.id, lay.agency, lay.agency_type) for lay in layouts],
                           columns=["source_id", "agency", "agency_type"])
    cases = cases.merge(sources, on="source_id")
    gazetteer = matcher.gazetteer.reset_index()[["district_id", "division"]]
    cases = cases.merge(gazetteer, on="district_id", how="left")
    month = {f: cases[f].dt.to_period("M").dt.to_timestamp() for f in DATES}
    final = pd.DataFrame({
        "case_id": cases["case_id"], "source_id": cases["source_id"], "agency": cases["agency"],
        "agency_type": cases["agency_type"], "reported_by": cases["reported_by"],
        "district_id": cases["district_id"], "province": cases["province"], "division": cases["division"],
        "report_month": month["date_reported"], "report_year": cases["date_reported"].dt.year,
        "fir_month": month["fir_date"], "investigation_month": month["investigation_date"],
        "challan_month": month["challan_date"], "verdict_month": month["verdict_date"],
        "stage": cases["stage_rank"].map(lambda r: STAGES[int(r) - 1]), "stage_rank": cases["stage_rank"],
        "is_fir": cases["stage_rank"] >= 2, "is_charge_sheeted": cases["stage_rank"] >= 4,
        "is_trial_concluded": cases["stage_rank"] == 5, "outcome": cases["outcome"],
        "is_convicted": cases["outcome"].eq("convicted"),
        "sentence_months": cases["sentence_months"].where(cases["outcome"].eq("convicted")),
        "offence": cases["offence"], "is_smuggling": cases["offence"].eq("migrant_smuggling"),
        "law_codes": cases["law_codes"].map(lambda v: ",".join(v) if isinstance(v, list) else ""),
        "scope": cases["scope"], "country_iso3": cases["country_iso3"].where(cases["scope"].eq("transnational")),
        "victim_count": cases["victim_count"], "victims_female": cases["victims_female"],
        "victims_male": cases["victims_male"], "victims_child": cases["victims_child"],
        "victims_referred": cases["victims_referred"], "is_demo": cases["synthetic"].astype(bool),
    })
    step("assemble")

    out.unlink(missing_ok=True)
    with sqlite3.connect(out) as db:
        final.to_sql("cases", db, index=False, chunksize=50_000)
        victims[["case_id", "victim_no", "victim_sex", "age_band", "nationality_iso3", "is_referred"]] \
            .rename(columns={"victim_sex": "sex"}).to_sql("victims", db, index=False, chunksize=50_000)
        db.execute("CREATE INDEX cases_year ON cases (report_year)")
    step("load")
    return {"timings": timings, "rows_read": before + rejected, "rows_rejected": rejected, "exact_duplicates": exact,
            "cases": len(final), "victims": len(victims)}


# The pandas-rerun dashboard --------------------------------------------------------------------------------------


class PandasApp:
    """The case table held in pandas, filtered and grouped on every rerun (answers tipdash.queries' questions)."""

    def __init__(self, con):
        start = time.perf_counter()
        self.cases = con.execute("SELECT * FROM cases").df()
        self.load_cases_s = time.perf_counter() - start
        start = time.perf_counter()
        self.victims = con.execute("SELECT * FROM victims").df()
        self.load_victims_s = time.perf_counter() - start
        self.districts = con.execute("SELECT * FROM districts").df()
        self.small = {name: con.execute(f'SELECT * FROM "{name}"').df() for (name,) in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE table_name LIKE 'ref_%' OR table_name = 'etl_runs'"
        ).fetchall()}

    def memory_bytes(self) -> dict[str, int]:
        return {"cases": int(self.cases.memory_usage(deep=True).sum()),
                "victims": int(self.victims.memory_usage(deep=True).sum())}

    # Filters and protected counts, as tipdash.queries.where_sql and count_items do in SQL -------------------------

    def mask(self, f, years=None, frame=None) -> pd.Series:
        c = self.cases if frame is None else frame
        y0, y1 = years or (f.year_from, f.year_to)
        m = c["report_year"].between(y0, y1)
        offence = c["offence"].fillna("not_recorded")
        if f.offences:
            hit = offence.isin(f.offences)
            m &= (hit | c["is_smuggling"]) if f.include_smuggling else (hit & ~c["is_smuggling"])
        elif not f.include_smuggling:
            m &= ~c["is_smuggling"]
        if f.sexes:
            m &= c["victim_sexes"].map(lambda xs: any(x in f.sexes for x in xs))
        if f.age_bands:
            m &= c["victim_age_bands"].map(lambda xs: any(x in f.age_bands for x in xs))
        if f.scopes:
            m &= c["scope"].fillna("not_recorded").isin(f.scopes)
        if f.agencies:
            m &= c["agency"].isin(f.agencies)
        if f.provinces:
            m &= c["province"].isin(f.provinces)
        if f.districts:
            m &= c["district_id"].isin(f.districts)
        return m

    @staticmethod
    def _conditions(c: pd.DataFrame) -> dict[str, tuple[pd.Series | int, pd.Series, pd.Series | None]]:
        return {
            "cases": (1, c["ckey"], None),
            "victims": (c["victim_count"], c["victim_ckey"], None),
            "firs": (1, c["ckey"], c["is_fir"]),
            "investigations": (1, c["ckey"], c["stage_rank"] >= 3),
            "charge_sheets": (1, c["ckey"], c["is_charge_sheeted"]),
            "trials": (1, c["ckey"], c["is_trial_concluded"]),
            "convictions": (1, c["ckey"], c["is_convicted"]),
            "acquittals": (1, c["ckey"], c["is_trial_concluded"] & c["outcome"].eq("acquitted")),
            "compromises": (1, c["ckey"], c["is_trial_concluded"] & c["outcome"].eq("compromise")),
            "victims_referred": (c["victims_referred"], c["victim_ckey"], None),
        }

    def counts(self, c: pd.DataFrame, keys, by=None, where: pd.Series | None = None, suffix: str = "",
               extra: dict | None = None) -> pd.DataFrame:
        """Protected-count inputs (value and cell key per key) of the rows ``c``, grouped by ``by``."""
        cond = self._conditions(c)
        cols = {}
        for key in keys:
            value, cell, when = cond[key]
            full = where if when is None else (when if where is None else where & when)
            v = pd.Series(value, index=c.index) if isinstance(value, int) else value.astype("int64")
            k = cell.astype("int64")
            if full is not None:
                v, k = v.where(full, 0), k.where(full, 0)
            cols[f"{key}{suffix}"], cols[f"{key}{suffix}__ckey"] = v, k
        frame = pd.DataFrame(cols, index=c.index)
        if by is None:
            out = frame.sum().to_frame().T
        else:
            for name, series in (by.items() if isinstance(by, dict) else []):
                frame[name] = series
            out = frame.groupby(list(by), dropna=False, observed=True).sum().reset_index()
        for col in [col for col in out.columns if col.endswith("__ckey")]:
            out[col] = out[col] % 256
        return out

    # The questions ---------------------------------------------------------------------------------------------

    def headline(self, f):
        from tipdash import queries

        prev = f.previous()
        c = self.cases[self.mask(f, years=(prev.year_from, f.year_to))]
        is_cur = c["report_year"] >= f.year_from
        keys = queries.HEADLINE + ["trials"]
        both = queries.add_rates(self._protect(self.counts(c, keys, by={"is_current": is_cur})))
        return both

    def trend(self, f, grain="year", measures=("cases", "firs", "charge_sheets", "convictions")):
        c = self.cases[self.mask(f)]
        period = c["report_year"] if grain == "year" else c["report_month"]
        return self._protect(self.counts(c, measures, by={"period": period}))

    def top_districts(self, f, n=10, measure="cases"):
        c = self.cases[self.mask(f)]
        c = c[c["district_id"].notna()]
        df = self._protect(self.counts(c, [measure], by={"district_id": c["district_id"]}))
        df = df.merge(self.districts[["district_id", "name", "province"]], on="district_id")
        return df.sort_values([measure, "name"], ascending=[False, True], na_position="last").head(n)

    def smuggling_cases(self, f):
        from dataclasses import replace

        g = replace(f, offences=(), include_smuggling=True)
        c = self.cases[self.mask(g) & self.cases["is_smuggling"]]
        return self._protect(self.counts(c, ["cases"]))

    def district_measures(self, f):
        from tipdash import queries

        prev = f.previous()
        c = self.cases[self.mask(f, years=(prev.year_from, f.year_to))]
        c = c[c["district_id"].notna()]
        cur = c["report_year"] >= f.year_from
        a = self.counts(c, ["cases", "victims"], by={"district_id": c["district_id"]}, where=cur)
        b = self.counts(c, ["cases"], by={"district_id": c["district_id"]}, where=~cur, suffix="_prev")
        df = self._protect(self._area(f).merge(a.merge(b, on="district_id"), on="district_id", how="left"))
        df["cases_per_100k"] = queries.per_100k(df["cases"], df["population_2023"], f.years)
        df["victims_per_100k"] = queries.per_100k(df["victims"], df["population_2023"], f.years)
        df["change"] = queries.change_percent(df["cases"], df["cases_prev"])
        return df.drop(columns=["cases_prev"])

    def _area(self, f) -> pd.DataFrame:
        d = self.districts
        m = pd.Series(True, index=d.index)
        if f.provinces:
            m &= d["province"].isin(f.provinces)
        if f.districts:
            m &= d["district_id"].isin(f.districts)
        return d.loc[m, ["district_id", "name", "province", "lat", "lon", "population_2023"]]

    def area_indicators(self, f, label=""):
        from tipdash import queries

        c = self.cases[self.mask(f)]
        df = self.counts(c, queries.INDICATOR_COUNTS)
        df["months_to_verdict"] = c.loc[c["is_trial_concluded"], "months_fir_to_verdict"].median()
        return queries.add_rates(self._protect(df))

    def funnel(self, f):
        from tipdash import queries

        return self._protect(self.counts(self.cases[self.mask(f)], queries.STAGE_COUNTS))

    def attrition_by_area(self, f, level="province"):
        from tipdash import queries

        c = self.cases[self.mask(f)]
        if level == "district":
            c = c[c["district_id"].notna()]
            counts = self.counts(c, queries.STAGE_COUNTS, by={"district_id": c["district_id"]})
            df = self._area(f).merge(counts, on="district_id", how="left")
        else:
            df = self.counts(c, queries.STAGE_COUNTS,
                             by={"province": c["province"].fillna("Province not recorded")})
        return queries.add_rates(self._protect(df))

    def stages_by(self, f, dimension):
        from tipdash import queries

        c = self.cases[self.mask(f)]
        expr = {"offence": self._offence(c), "law_group": c["law_group"],
                "scope": c["scope"].fillna("not_recorded")}[dimension]
        return queries.add_rates(self._protect(self.counts(c, queries.STAGE_COUNTS, by={dimension: expr})))

    @staticmethod
    def _offence(c: pd.DataFrame) -> pd.Series:
        return c["offence"].fillna("not_recorded").where(~c["is_smuggling"], "migrant_smuggling")

    def trial_outcomes(self, f):
        return self._protect(self.counts(self.cases[self.mask(f)],
                                         ["convictions", "acquittals", "compromises", "trials"]))

    def verdict_time(self, f):
        from tipdash import queries

        c = self.cases[self.mask(f)]
        c = c[c["is_trial_concluded"] & c["months_fir_to_verdict"].notna()]
        edges = [lo for lo, _, _ in queries.VERDICT_BINS] + [np.inf]
        bins = pd.cut(c["months_fir_to_verdict"].astype(float), edges, right=False, labels=False)
        df = self.counts(c, ["trials"], by={"bin": bins})
        return self._protect(pd.DataFrame({"bin": range(len(queries.VERDICT_BINS))}).merge(df, on="bin", how="left"))

    def scorecard_inputs(self, f):
        from tipdash import queries

        c = self.cases[self.mask(f)]
        c = c[c["district_id"].notna()]
        counts = self.counts(c, queries.INDICATOR_COUNTS, by={"district_id": c["district_id"]})
        med = c[c["is_trial_concluded"]].groupby("district_id")["months_fir_to_verdict"].median()
        counts["months_to_verdict"] = counts["district_id"].map(med)
        return queries.add_rates(self._protect(self._area(f).merge(counts, on="district_id", how="left")))

    def offence_mix(self, f):
        c = self.cases[self.mask(f)]
        return self._protect(self.counts(c, ["cases"], by={"offence": self._offence(c)}))

    def victim_profile(self, f):
        c = self.cases[self.mask(f)]
        v = self.victims[self.victims["case_id"].isin(c["case_id"])]
        if f.sexes:
            v = v[v["sex"].isin(f.sexes)]
        if f.age_bands:
            v = v[v["age_band"].isin(f.age_bands)]
        v = v.assign(age_band=v["age_band"].fillna("not recorded"), one=1)
        out = v.groupby(["sex", "age_band"]).agg(victims=("one", "sum"), victims__ckey=("ckey", "sum")).reset_index()
        out["victims__ckey"] %= 256
        return self._protect(out)

    def explore(self, f, dimensions, measures):
        from tipdash import queries

        c = self.cases[self.mask(f)]
        exprs = {
            "year": lambda: c["report_year"], "month": lambda: c["report_month"].dt.strftime("%Y-%m"),
            "province": lambda: c["province"].fillna("Province not recorded"),
            "offence": lambda: self._offence(c), "agency": lambda: c["agency"], "stage": lambda: c["stage"],
            "outcome": lambda: c["outcome"].fillna("not_recorded"),
            "district": lambda: c["district_id"].map(self._district_labels()).fillna("District not recorded"),
        }
        if any(d not in exprs for d in dimensions):
            raise NotImplementedError("victim dimensions")
        _, _, counts = queries.explore_sql(f, dimensions, measures)
        df = self.counts(c, counts, by={d: exprs[d]() for d in dimensions} or None)
        return queries.add_rates(self._protect(df)).sort_values(list(dimensions) or ["cases"]).head(
            queries.EXPLORE_ROW_LIMIT + 1)

    def _district_labels(self) -> dict:
        d = self.districts
        return dict(zip(d["district_id"], d["name"] + " (" + d["province"] + ")", strict=True))

    def filter_options(self):
        c = self.cases
        return (c["report_year"].min(), c["report_year"].max(), c["report_month"].max(),
                sorted(c["agency"].unique()), sorted(set(self.districts["province"]) | set(c["province"].dropna())))

    def data_status(self):
        c = self.cases
        return c["report_month"].max(), c["report_month"].min(), bool(c["is_demo"].any())

    def tables(self):
        return frozenset(self.small) | {"cases", "victims", "districts"}

    def tier_history(self, iso3="PAK"):
        t = self.small.get("ref_tip_tiers", pd.DataFrame())
        return t[t["iso3"] == iso3].sort_values("report_year")

    def tier_report_years(self):
        return sorted(self.small["ref_tip_tiers"]["report_year"].unique())

    def country_tiers(self, report_year):
        t = self.small["ref_tip_tiers"]
        return t[t["report_year"] == report_year].sort_values(["tier_rank", "country"])

    def government_figures(self):
        return self.small.get("ref_tip_stats", pd.DataFrame()).copy()

    def sources(self):
        return self.small.get("ref_sources", pd.DataFrame()).copy()

    def etl_runs(self):
        return self.small.get("etl_runs", pd.DataFrame()).sort_values("started_at", ascending=False)

    @staticmethod
    def _protect(df: pd.DataFrame) -> pd.DataFrame:
        from tipdash import privacy

        return privacy.protect(df)


# Command line ----------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.alternatives")
    parser.add_argument("pipeline", choices=["floor", "pandas"])
    parser.add_argument("raw", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--json-out", type=Path, required=True)
    args = parser.parse_args(argv)
    start = time.perf_counter()
    result = floor_ingest(args.raw, args.out) if args.pipeline == "floor" else pandas_pipeline(args.raw, args.out)
    result["inner_wall_s"] = round(time.perf_counter() - start, 3)
    result["out_bytes"] = args.out.stat().st_size if args.out.exists() else None
    args.json_out.write_text(json.dumps(result, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TIP_PSEUDONYM_KEY", "benchmark-key-not-secret-0123456789abcdef")
    sys.exit(main())
