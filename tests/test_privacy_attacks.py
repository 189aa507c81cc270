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
import zipfile
from dataclasses import replace

import duckdb
import numpy as np
import openpyxl
import pandas as pd
import pyarrow.parquet as pq
import pytest
import streamlit as st
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as hst
from streamlit.delta_generator import DeltaGenerator
from streamlit.testing.v1 import AppTest

from etl import anonymise
from etl.issues import FORMULA_START
from etl.pipeline import build_warehouse
from tests.apptest import open_page
from tests.helpers import all_text
from tests.reliability import BAD, BAD_LAYOUTS, REPO, corpus_module, record
from tipcore import catalogue, config
from tipdash import citation, downloads, queries
from tipdash.filters import Filters

MAKE = corpus_module()
NUMBER = re.compile(r"^-?\d+(\.\d+)?$")
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


def warehouse_text(root, person: dict) -> str:
    """Every text value the warehouse holds after building the five hostile exports around one person."""
    raw = root / "raw"
    raw.mkdir()
    for file, data in hostile_exports(person).items():
        (raw / file).write_bytes(data)
    target = root / "wh.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TIP_SOURCES_DIR", str(BAD_LAYOUTS))
        patch.setenv("TIP_REPORTS_DIR", str(root / "reports"))
        build_warehouse(raw, target, today=dt.date(2026, 1, 1))
    with duckdb.connect(str(target), read_only=True) as con:
        return "\n".join(all_text(con))


def with_narrative(name: str, cnic: str, phone: str, address: str) -> dict:
    return {"name": name, "cnic": cnic, "phone": phone, "address": address,
            "narrative": f"{name} ({cnic}) of {address} was called on {phone}"}


@pytest.fixture(scope="module")
def control_text(tmp_path_factory) -> str:
    """The same exports around another person: text any build holds whoever is planted (reference figures such as
    a population of 1000000), so a generated digit run that happens to equal one of them is not a leak."""
    control = with_narrative("Zarmeena Qazilbash", "35202-4739186-5", "0345-8261937", "House 12, Street 4, Saddar")
    return warehouse_text(tmp_path_factory.mktemp("control"), control)


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names, cnic=cnics, phone=phones, address=addresses)
# a CNIC whose middle part equals a reference figure (1000000) that every build holds: once failed CI
@example(name="AAA AAA", cnic="10000-1000000-1", phone="0300-0000000", address="مکان نمبر ۱، گلی ۱، محلہ اسلام پورہ")
def test_identifiers_in_every_format_and_place_never_reach_any_table(tmp_path_factory, control_text, name, cnic,
                                                                      phone, address):
    person = with_narrative(name, cnic, phone, address)
    stored = warehouse_text(tmp_path_factory.mktemp("privacy"), person)
    planted = [value for value in [*person.values(), *number_cores(cnic), *number_cores(phone)]
               if value not in control_text]
    record("privacy", "generated identifiers in 5 exports", example=True, identifiers_planted=len(planted),
           identifiers_leaked=sum(p in stored for p in planted))
    for value in planted:
        assert value not in stored, value


# --- averaging attacks on the release ---------------------------------------------------------------------------


def test_averaging_overlapping_selections_recovers_no_more_than_one_released_value(con):
    """The attack that broke per-answer rounding: for a small (district, year) cell, ask for "S plus D" and for "S"
    over many random sets S of other districts and average the differences. Against a fixed release every
    difference is the same released value of D, so the attacker learns D's noisy value and nothing more: exact
    recovery of true 1-9 counts is no better than reading one released cell."""
    rng = random.Random(11)
    cells = con.execute("""SELECT district_id, province, report_year, count(*) AS n FROM cases
                           WHERE NOT is_smuggling AND district_id IS NOT NULL GROUP BY ALL""").df()
    districts = con.execute("SELECT district_id, province FROM districts").df()
    small = cells[cells["n"].between(1, 9) & (cells["report_year"] >= config.RELEASE_FROM)]
    targets = small.sample(min(40, len(small)), random_state=3)
    assert len(targets) >= 20, "the demo warehouse has too few small cells to attack"
    exact = within_one = queries_sent = 0
    for t in targets.itertuples():
        others = districts.loc[(districts["province"] == t.province) & (districts["district_id"] != t.district_id),
                               "district_id"].tolist()
        diffs = []
        for _ in range(12):
            s = tuple(rng.sample(others, rng.randint(1, len(others)))) if others else ()
            f = Filters(t.report_year, t.report_year, districts=s)
            with_d = queries.released(replace(f, districts=(*s, t.district_id)), ["cases"])
            without = queries.released(f, ["cases"]) if s else None
            queries_sent += 2
            diffs.append(with_d["cases"].iloc[0] - (without["cases"].iloc[0] if without is not None else 0))
        guess = round(float(np.mean(diffs)))
        exact += guess == t.n
        within_one += abs(guess - t.n) <= 1
    share = exact / len(targets)
    record("privacy", "averaging attack on the release", small_cells=len(targets), queries=queries_sent,
           exact=exact, within_one=within_one)
    print(f"averaging attack: {len(targets)} small cells, {queries_sent} queries, exact {exact} "
          f"({share:.0%}), within ±1 {within_one}")
    assert share <= 0.25


def test_a_zero_and_a_small_count_look_alike_in_every_table(warehouse):
    """The absent-row attack needs a row that is missing when a cell is empty. Every released table holds every
    combination of its keys, so an empty cell is a row like any other, with noise like any other."""
    for name, spec in catalogue.TABLES.items():
        df = pd.read_csv(config.release_dir() / "data" / f"{name}.csv", keep_default_na=False)
        assert not df.duplicated(list(spec.keys)).any(), name
        # A return's cells are every area it covers in every year (its layout says which areas, not its rows).
        parts = [p for _, p in df.groupby("return_source")] if "return_source" in spec.keys else [df]
        for part in parts:
            sizes = [part[k].nunique() for k in spec.keys]
            assert len(part) == int(np.prod(sizes)), name


# --- what the downloads hold -----------------------------------------------------------------------------------

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


def unpacked(name: str, body: bytes) -> list[tuple[str, bytes]]:
    """A download's bytes as a reader sees them: the members of a zip or an Excel file (both compressed)."""
    if name.endswith((".zip", ".xlsx")):
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return [(f"{name}/{m}", z.read(m)) for m in z.namelist()]
    return [(name, body)]


def test_downloads_are_formula_safe_and_free_of_ids_and_keys(warehouse, monkeypatch):
    offered = Downloads(monkeypatch)
    options = queries.filter_options()
    busiest = queries.top_districts(Filters(*options.default_years), 1)["district_id"].iloc[0]
    narrow = {"years": str(options.year_max), "district": busiest, "district_profile": busiest}
    for params in ({}, narrow):
        for page in sorted(p.stem for p in (REPO / "pages").glob("*.py")):
            open_page(page, params, timeout=90)
    assert offered.files, "no page offered a download"
    key = config_key()
    ids = {r[0] for r in duckdb.connect(str(warehouse), read_only=True).execute(
        "SELECT case_id FROM cases").fetchall()}
    tables = 0
    for name, _mime, body in offered.files:
        for member, data in unpacked(name, body):
            assert key.encode() not in data, member
            assert not any(i.encode() in data for i in itertools.islice(ids, 2000)), f"{member}: a case id"
        if name.endswith(".csv"):
            cells = csv_rows(body)
            # A negative released count is a number, not a formula; text cells must never start one.
            assert not [c for row in cells for c in row if c.startswith(FORMULA_START) and not NUMBER.match(c)], name
            tables += 1
        elif name.endswith(".xlsx"):
            book = openpyxl.load_workbook(io.BytesIO(body))
            assert book.sheetnames == ["data", "definitions", "citation"], name
            assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row), name
            assert book["data"].max_row > 1, name  # a header row, then the table
            tables += 1
        elif name.endswith(".parquet"):
            table = pq.read_table(io.BytesIO(body)).to_pandas()
            private = "case_id|ckey|record_mac|fir_number|case_ref|police_station"
            assert not table.columns.str.fullmatch(private, case=False).any(), name
            tables += 1
    record("privacy", "downloads offered by every page", files=len(offered.files), tables=tables,
           identifiers_leaked=0)


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


def exported(df: pd.DataFrame, title: str = "Table", filters: str = "2023") -> dict[str, bytes]:
    """The table's download files by extension, as the Explore page builds them."""
    cite = citation.Citation("v", dt.date(2026, 1, 1), dt.date(2026, 1, 2), is_demo=True)
    notes = downloads.Download(title, filters, "pakistan", (2023, 2023), cite)
    return {f.name.rsplit(".", 1)[1]: f.data for f in downloads.files(df, "table", notes, ["Cases"])}


def csv_rows(body: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))


@settings(max_examples=60, deadline=None)
@given(cells=hst.lists(formula_like, min_size=1, max_size=8))
def test_exported_csv_and_excel_cells_never_run_as_formulas(cells):
    df = pd.DataFrame({"Area": cells, "Cases": pd.array([10] * len(cells), dtype="Int64"),
                       cells[0][:20] or "x": ["v"] * len(cells)})
    files = exported(df, filters="2023 · offence: Bonded labour")
    for row in csv_rows(files["csv"]):
        for cell in row:
            assert not cell.startswith(FORMULA_START), cell
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    for row in book["data"].iter_rows():
        for c in row:
            assert c.data_type != "f" and not (isinstance(c.value, str) and c.value.startswith(("=", "@"))), c.value


def test_a_line_break_inside_a_cell_cannot_start_a_formula_row():
    df = pd.DataFrame({"Area": ["Lahore\r=1+1", "\r=2+2"], "Cases": pd.array([10, 20], dtype="Int64")})
    for row in csv_rows(exported(df)["csv"]):
        assert not [cell for cell in row if cell.startswith(FORMULA_START)], row


def test_notes_cannot_start_a_formula_in_the_sidecars():
    df = pd.DataFrame({"Area": ["Lahore"], "Cases": pd.array([10], dtype="Int64")})
    files = exported(df, title="=HYPERLINK(\"http://x\")", filters="@SUM(1+1)")
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)
    notes = {r[0].value: r[1].value for r in book["citation"].iter_rows(min_row=2)}
    assert notes["table"].startswith("'=") and notes["filters"].startswith("'@")
    assert [row for row in csv_rows(files["csv"]) if any("HYPERLINK" in c for c in row)] == []


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
           "TIP_WAREHOUSE": str(target), "TIP_RAW_DIR": str(raw), "TIP_RELEASE_DIR": str(tmp_path / "release")}
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
    offered = Downloads(monkeypatch)
    for page in sorted(p.stem for p in (REPO / "pages").glob("*.py")):
        at = AppTest.from_file(str(REPO / "dashboard.py"), default_timeout=90)
        at.run()
        if page != "overview":
            at.switch_page(f"pages/{page}.py").run()
        seen += [repr(node.proto) for node in _walk(at._tree) if getattr(node, "proto", None) is not None]
    seen += [data.decode("utf-8", errors="replace") for name, _, body in offered.files
             for _member, data in unpacked(name, body)]
    assert len(seen) > 50
    blob = "\n".join(seen)
    for secret in derived:
        assert secret not in blob
    assert json.dumps(key)[1:-1] not in blob


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)
