"""Privacy attacks, measured: identifiers in every format and every place an export can hide them, differencing
attacks on the published counts, what the downloads hold, formula cells, and the pseudonym key.

tests/test_anonymise.py plants generated names, CNICs and phone numbers in the personal and free-text columns of
one police export. This module widens the attack: CNICs and phone numbers in every common format (spaces, dots, no
separators, +92 and 0092, landlines, Urdu digits), Urdu addresses, and five more hiding places (unknown columns, a
file whose header row is missing, a victim-grain export, an .xlsx register with merged cells, every coded field).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import json
import os
import random
import re
import string
import subprocess
import sys

import duckdb
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import streamlit as st
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from etl import anonymise
from etl.issues import FORMULA_START
from etl.pipeline import build_warehouse
from tests.apptest import open_page
from tests.helpers import all_text
from tests.reliability import BAD, BAD_LAYOUTS, REPO, corpus_module, record
from tipcore import config
from tipdash import privacy, queries, text, ui
from tipdash.filters import Filters

MAKE = corpus_module()
URDU_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
URDU_LETTERS = "ابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوہھءیے"

# --- identifiers in every format ------------------------------------------------------------------------------


def digits(n: int):
    return hst.text(alphabet=string.digits, min_size=n, max_size=n)


cnic_parts = hst.tuples(hst.sampled_from("1234567"), digits(4), digits(7), hst.sampled_from("123456789"))
cnic_formats = hst.sampled_from(["{a}-{b}-{c}", "{a}{b}{c}", "{a} {b} {c}", "{a}.{b}.{c}", "CNIC No. {a}-{b}-{c}",
                                 "NICOP {a}-{b}-{c}", "{a}/{b}/{c}"])
cnics = hst.builds(lambda parts, fmt, urdu: (fmt.format(a=parts[0] + parts[1], b=parts[2], c=parts[3]), urdu),
                   cnic_parts, cnic_formats, hst.booleans()).map(
    lambda t: t[0].translate(URDU_DIGITS) if t[1] else t[0])
phones = hst.builds(
    lambda net, num, fmt, urdu: (fmt.format(n=net, a=num[:3], b=num[3:], s=num), urdu),
    hst.sampled_from(["300", "301", "321", "333", "345"]), digits(7),
    hst.sampled_from(["0{n}-{s}", "+92 {n} {s}", "0092-{n}-{s}", "(0{n}) {a} {b}", "0{n}{s}", "+92-{n}-{a}-{b}",
                      "92{n}{s}", "(042) 35{s}"]), hst.booleans(),
).map(lambda t: t[0].translate(URDU_DIGITS) if t[1] else t[0])
names = hst.builds(
    lambda title, first, last: f"{title}{first} {last}",
    hst.sampled_from(["", "Mst. ", "Muhammad ", "Syed ", "بی بی ", "محمد "]),
    hst.text(alphabet=string.ascii_letters + URDU_LETTERS, min_size=3, max_size=10),
    hst.text(alphabet=string.ascii_letters + URDU_LETTERS, min_size=3, max_size=12),
)
addresses = hst.one_of(
    hst.builds(lambda h, s, town: f"House {h}, Street {s}, {town}", hst.integers(1, 999), hst.integers(1, 99),
               hst.sampled_from(["Gulberg III", "Model Town", "Kot Lakhpat", "Saddar"])),
    hst.builds(lambda h, s: f"مکان نمبر {h}، گلی {s}، محلہ اسلام پورہ".translate(URDU_DIGITS),
               hst.integers(1, 999).map(str), hst.integers(1, 99).map(str)),
)


def number_cores(value: str) -> list[str]:
    """The digit runs of an identifier, in ASCII: what would identify it even if re-formatted."""
    ascii_digits = value.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))
    return [run for run in re.findall(r"\d+", ascii_digits) if len(run) >= 7]


def labour_workbook(person: dict) -> bytes:
    def build(wb):
        ws = wb.add_worksheet("Register")
        ws.write(0, 0, "Register")
        ws.write_row(2, 0, MAKE.LABOUR)
        ws.merge_range(3, 0, 4, 0, person["cnic"])  # an identifier typed as the complaint number, merged
        ws.merge_range(3, 1, 4, 1, "Multan")
        ws.merge_range(3, 2, 4, 2, "2021-04-02")
        ws.write_row(3, 3, [person["address"], 1, "male", "30", person["name"], person["cnic"]])
        ws.write_row(4, 3, [person["narrative"], 1, person["phone"], person["phone"], person["name"], ""])

    return MAKE.workbook(build)


def hostile_exports(person: dict) -> dict[str, bytes]:
    """The same person's identifiers in every place an agency export can hide them."""
    p = person
    police = MAKE.police_csv([
        MAKE.police_row("PA-1", Victim_Name=p["name"], CNIC=p["cnic"], Mobile=p["phone"], Address=p["address"],
                        Brief_Facts=p["narrative"]),
        MAKE.police_row(p["cnic"], District=p["phone"], FIR_No=f"FIR 7/2020 {p['name']}", Crime=p["name"],
                        Sections=p["cnic"], Status=p["address"], Result=p["phone"], Sentence=p["narrative"],
                        Victims=p["phone"], Age=p["cnic"], Sex=p["name"], Decision_Date=p["phone"]),
        MAKE.police_row("PA-3", District=p["name"], Synthetic_Record=p["narrative"]),
    ])
    extra_header = MAKE.POLICE + ["Accused Name", "Accused CNIC", "Notes"]
    extra = MAKE.csv_text(extra_header, [MAKE.police_row("PX-1") + [p["name"], p["cnic"], p["narrative"]]]).encode()
    headerless = "\n".join(MAKE.line(MAKE.police_row("PH-1", Victim_Name=p["name"], CNIC=p["cnic"],
                                                     Mobile=p["phone"])) for _ in range(2)).encode()
    ngo = MAKE.csv_text(MAKE.NGO, [
        ["N-1", "Multan", "2021-03-01", "", "bonded_labour", "female", "12", "yes", p["name"], p["phone"]],
        [p["phone"], p["name"], "2021-03-01", p["cnic"], p["address"], p["name"], p["phone"], p["cnic"], "", ""],
    ]).encode()
    return {"police_attack.csv": police, "police_extra.csv": extra, "police_headerless.csv": headerless,
            "ngo_attack.csv": ngo, "labour_attack.xlsx": labour_workbook(person)}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names, cnic=cnics, phone=phones, address=addresses)
def test_identifiers_in_every_format_and_place_never_reach_any_table(tmp_path_factory, monkeypatch, name, cnic,
                                                                      phone, address):
    root = tmp_path_factory.mktemp("privacy")
    monkeypatch.setenv("TIP_SOURCES_DIR", str(BAD_LAYOUTS))
    monkeypatch.setenv("TIP_REPORTS_DIR", str(root / "reports"))
    person = {"name": name, "cnic": cnic, "phone": phone, "address": address,
              "narrative": f"{name} ({cnic}) of {address} was called on {phone}"}
    raw = root / "raw"
    raw.mkdir()
    for file, data in hostile_exports(person).items():
        (raw / file).write_bytes(data)
    target = root / "wh.duckdb"
    build_warehouse(raw, target, today=dt.date(2026, 1, 1))
    with duckdb.connect(str(target), read_only=True) as con:
        stored = "\n".join(all_text(con))
    planted = [*person.values(), *number_cores(cnic), *number_cores(phone)]
    record("privacy", "generated identifiers in 5 exports", example=True, identifiers_planted=len(planted),
           identifiers_leaked=sum(p in stored for p in planted))
    for value in planted:
        assert value not in stored, value


# --- differencing attacks --------------------------------------------------------------------------------------

def possible(published) -> set[int]:
    """The true counts that can lie behind a published count (suppressed: 1-9; else rounded to 5, floor 10)."""
    if published is None or published is pd.NA or (isinstance(published, float) and published != published):
        return set(range(1, privacy.SUPPRESS_BELOW))
    p = int(published)
    if p == 0:
        return {0}
    return set(range(max(privacy.SUPPRESS_BELOW, p - privacy.ROUNDING_BASE + 1), p + privacy.ROUNDING_BASE))


def published(f: Filters, measure: str):
    return queries.area_indicators.uncached(f)[measure].iloc[0]


def true_count(con, f: Filters, measure: str) -> int:
    where, params = queries.where_sql(f)
    value = {"cases": "count(*)", "victims": "coalesce(sum(victim_count), 0)"}[measure]
    return int(con.execute(f"SELECT {value} FROM cases WHERE {where}", params).fetchall()[0][0])


def test_differencing_overlapping_filters_recovers_no_suppressed_count(con):
    """For every small (district, year) cell, an attacker publishes many pairs of overlapping filters that differ by
    exactly that cell (other districts with and without it; earlier years with and without it) and intersects what
    each pair allows. No suppressed cell is ever pinned to one value."""
    rng = random.Random(11)
    rows = con.execute("""SELECT district_id, province, report_year, count(*) AS n, sum(victim_count) AS v
                          FROM cases WHERE NOT is_smuggling AND district_id IS NOT NULL GROUP BY ALL""").fetchall()
    by_province: dict[str, list[str]] = {}
    for district, province, *_ in rows:
        by_province.setdefault(province, [])
        if district not in by_province[province]:
            by_province[province].append(district)
    year_min = con.execute("SELECT min(report_year) FROM cases").fetchall()[0][0]
    targets = [(d, p, y) for d, p, y, n, v in rows if 1 <= n < privacy.SUPPRESS_BELOW or 1 <= v < 10]
    targets = rng.sample(targets, min(30, len(targets)))
    assert targets, "the demo warehouse has no small cells to attack"
    pairs = recovered = naive_exact = attacked = 0
    for district, province, year in targets:
        cell = Filters(year, year, districts=(district,))
        for measure in ("cases", "victims"):
            truth = true_count(con, cell, measure)
            if not 1 <= truth < privacy.SUPPRESS_BELOW:
                continue
            attacked += 1
            assert published(cell, measure) is pd.NA  # asked directly, the cell is suppressed
            feasible = set(range(1, privacy.SUPPRESS_BELOW))
            others = [d for d in by_province[province] if d != district]
            complements = [tuple(others)] + [tuple(rng.sample(others, rng.randint(1, len(others))))
                                             for _ in range(5) if others]
            decompositions = [(Filters(year, year, districts=s), Filters(year, year, districts=(*s, district)))
                              for s in complements]
            if year > year_min:  # the same cell as the last year of a longer period
                decompositions.append((Filters(year_min, year - 1, districts=(district,)),
                                       Filters(year_min, year, districts=(district,))))
            for without, with_cell in decompositions:
                pa, pb = published(without, measure), published(with_cell, measure)
                pairs += 1
                feasible &= {b - a for a, b in itertools.product(possible(pa), possible(pb))}
                if pa is not pd.NA and pb is not pd.NA and int(pb) - int(pa) == truth:
                    naive_exact += 1
            assert truth in feasible  # the attacker's reasoning is sound...
            recovered += len(feasible) == 1  # ...and never enough
    record("privacy", "differencing attack", suppressed_cells=attacked, filter_pairs=pairs, recovered=recovered,
           naive_exact_by_chance=naive_exact)
    print(f"differencing: {attacked} suppressed cells attacked with {pairs} filter pairs; recovered {recovered}; "
          f"naive differences equal to the true count by chance: {naive_exact}")
    assert attacked >= 20 and pairs >= 100
    assert recovered == 0


# --- what the downloads hold -----------------------------------------------------------------------------------

COUNT_LABELS = {text.short(m) for m in queries.CASE_COUNTS} | {"Cases", "Victims", "value"}


class Downloads:
    """Every download button's payload while pages run (Streamlit serves them through its media files)."""

    def __init__(self, monkeypatch):
        self.files: list[tuple[str, str, bytes]] = []

        def record(label, data, file_name=None, mime=None, **_):
            body = data() if callable(data) else data
            body = body.encode("utf-8") if isinstance(body, str) else bytes(body)
            self.files.append((file_name or label, mime or "", body))
            return False

        monkeypatch.setattr(st, "download_button", record)
        monkeypatch.setattr(DeltaGenerator, "download_button", lambda _self, *a, **k: record(*a, **k))


def csv_cells(body: bytes) -> list[list[str]]:
    lines = [ln for ln in body.decode("utf-8-sig").splitlines() if not ln.startswith("# ")]
    return list(csv.reader(lines))


def check_counts(header: list[str], rows: list[list], where: str) -> None:
    for i, label in enumerate(header):
        if label in COUNT_LABELS:
            for row in rows:
                value = row[i]
                if value in (None, "", privacy.SUPPRESSED_LABEL):
                    continue
                n = int(float(value))
                assert n == 0 or (n >= privacy.SUPPRESS_BELOW and n % privacy.ROUNDING_BASE == 0), (where, label, n)


def check_k_anonymous(header: list[str], rows: list[list], k: int, where: str) -> bool:
    """A table without counts is record-level: every combination of its quasi-identifiers must occur k times.
    True when the table was record-level (and so checked)."""
    if any(label in COUNT_LABELS for label in header):
        return False
    groups = pd.DataFrame(rows, columns=header).astype(str).value_counts()
    assert groups.min() >= k, (where, groups[groups < k].head())
    return True


def test_downloads_are_protected_aggregates_formula_safe_and_free_of_ids_and_keys(warehouse, monkeypatch):
    downloads = Downloads(monkeypatch)
    options = queries.filter_options()
    busiest = queries.top_districts(Filters(*options.default_years), 1)["district_id"].iloc[0]
    narrow = {"years": str(options.year_max), "district": busiest, "district_profile": busiest}
    for params in ({}, narrow):
        for page in sorted(p.stem for p in (REPO / "pages").glob("*.py")):
            open_page(page, params, timeout=90)
    assert downloads.files, "no page offered a download"
    key = config_key()
    ids = {r[0] for r in duckdb.connect(str(warehouse), read_only=True).execute(
        "SELECT case_id FROM cases").fetchall()}
    k = config.K_ANONYMITY
    tables = record_level = 0
    for name, _mime, body in downloads.files:
        assert key.encode() not in body, name
        assert not any(i.encode() in body for i in itertools.islice(ids, 2000)), f"{name}: a case id"
        if name.endswith(".csv"):
            cells = csv_cells(body)
            header, rows = cells[0], cells[1:]
            assert not [c for row in cells for c in row if c.startswith(FORMULA_START)], name
            check_counts(header, rows, name)
            tables += 1
            record_level += check_k_anonymous(header, rows, k, name)
        elif name.endswith(".xlsx"):
            sheet = openpyxl.load_workbook(io.BytesIO(body))["Data"]
            assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row), name
            values = [[c.value for c in row] for row in sheet.iter_rows()]
            # The notes come first, then a blank row, then the table.
            start = next(i for i in range(1, len(values)) if all(v is None for v in values[i - 1]) and
                         any(v is not None for v in values[i]))
            header, rows = [str(v) for v in values[start]], values[start + 1:]
            check_counts(header, rows, name)
            tables += 1
            record_level += check_k_anonymous(header, rows, k, name)
        elif name.endswith(".parquet"):
            table = pq.read_table(io.BytesIO(body)).to_pandas()
            check_counts(list(table.columns), table.astype(object).where(table.notna(), None).values.tolist(), name)
            tables += 1
            record_level += check_k_anonymous(list(table.columns), table.values.tolist(), k, name)
    record("privacy", "downloads offered by every page", files=len(downloads.files), tables=tables,
           record_level_tables=record_level, identifiers_leaked=0)


def config_key() -> str:
    return anonymise.pseudonym_key().decode()


# --- formula cells in exports ----------------------------------------------------------------------------------

# Text as the warehouse can hold it: valid Unicode (no lone surrogates), on one line (a line break inside a cell
# is the next test's case).
one_line = hst.text(alphabet=hst.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)),
                    max_size=30)
formula_like = hst.one_of(
    hst.builds(lambda lead, rest: lead + rest, hst.sampled_from(["=", "+", "-", "@", "\t"]), one_line),
    hst.sampled_from(['=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "@SUM(1+1)", "+1+1", "-1+1",
                      "\t=1+1", " =1+1", "=1+1;=2+2", '"=1+1"']),
    one_line,
)


@settings(max_examples=60, deadline=None)
@given(cells=hst.lists(formula_like, min_size=1, max_size=8))
def test_exported_csv_and_excel_cells_never_run_as_formulas(cells):
    df = pd.DataFrame({"Area": cells, "Cases": pd.array([10] * len(cells), dtype="Int64"),
                       cells[0][:20] or "x": ["v"] * len(cells)})
    notes = ui.DownloadNotes("Table", "2023 · offence: Bonded labour", is_demo=True, version="v", run_id="r")
    for row in csv.reader(io.StringIO(ui.csv_bytes(df, notes, ["Cases"]).decode("utf-8-sig"), newline="")):
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell
    book = openpyxl.load_workbook(io.BytesIO(ui.excel_bytes(df, notes, ["Cases"])))
    for row in book["Data"].iter_rows():
        for c in row:
            assert c.data_type != "f" and not (isinstance(c.value, str) and c.value.startswith(("=", "@"))), c.value


def test_a_line_break_inside_a_cell_cannot_start_a_formula_row():
    df = pd.DataFrame({"Area": ["Lahore\r=1+1", "\r=2+2"], "Cases": pd.array([10, 20], dtype="Int64")})
    notes = ui.DownloadNotes("Table", "2023", is_demo=False, version="v", run_id="r")
    for row in csv.reader(io.StringIO(ui.csv_bytes(df, notes, ["Cases"]).decode("utf-8-sig"), newline="")):
        assert not [cell for cell in row if cell.startswith(FORMULA_START)], row


def test_note_lines_cannot_start_a_formula_row():
    df = pd.DataFrame({"Area": ["Lahore"], "Cases": pd.array([10], dtype="Int64")})
    notes = ui.DownloadNotes("Table\r=HYPERLINK(\"http://x\")", "2023", is_demo=False, version="v", run_id="r")
    for row in csv.reader(io.StringIO(ui.csv_bytes(df, notes, ["Cases"]).decode("utf-8-sig"), newline="")):
        assert not [cell for cell in row if cell.startswith(FORMULA_START)], row


# --- the pseudonym key ----------------------------------------------------------------------------------------

def test_the_pseudonym_key_never_appears_in_logs_reports_tables_pages_or_downloads(tmp_path, monkeypatch):
    key = "S3cret-pseudonym-key-" + "".join(random.Random(5).choices(string.ascii_letters, k=24))
    derived = {key, key.encode().hex(), *anonymise.hmac_params(key.encode()).values()}
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "police_a.csv").write_bytes((BAD / "formula_injection.csv").read_bytes())
    (raw / "police_b.csv").write_bytes((BAD / "impossible_dates.csv").read_bytes())
    (raw / "junk.csv").write_bytes(b"\x00\xff" * 100)
    target = tmp_path / "wh.duckdb"
    env = {"TIP_PSEUDONYM_KEY": key, "TIP_SOURCES_DIR": str(BAD_LAYOUTS), "TIP_REPORTS_DIR": str(tmp_path / "reports"),
           "TIP_WAREHOUSE": str(target), "TIP_RAW_DIR": str(raw)}
    result = subprocess.run([sys.executable, "-m", "etl", "build"], cwd=REPO, env={**os.environ, **env},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    seen = [result.stdout + result.stderr]
    seen += [p.read_text(encoding="utf-8", errors="replace") for p in (tmp_path / "reports").rglob("*") if p.is_file()]
    with duckdb.connect(str(target), read_only=True) as con:
        seen += sorted(all_text(con))
    # The dashboard on that warehouse: every element of every page, and every download.
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    downloads = Downloads(monkeypatch)
    for page in sorted(p.stem for p in (REPO / "pages").glob("*.py")):
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
        at.run()
        if page != "overview":
            at.switch_page(f"pages/{page}.py").run()
        seen += [repr(node.proto) for node in _walk(at._tree) if getattr(node, "proto", None) is not None]
    seen += [body.decode("utf-8", errors="replace") for _, _, body in downloads.files]
    assert len(seen) > 50
    blob = "\n".join(seen)
    for secret in derived:
        assert secret not in blob
    assert json.dumps(key)[1:-1] not in blob


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)
