"""The synthetic demo data: every layout written and readable, deterministic, shaped like Pakistan's case data,
messy at low rates, and carrying the personal data the ETL must remove."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from etl import demo
from etl.layouts import CONTRACT_CODES, load_layouts

CASES, SEED = 2000, 11
FIR = re.compile(r"(\d+)\s*/\s*(\d{2,4})")


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("demo")
    return out, demo.write_demo(out, cases=CASES, seed=SEED)


@pytest.fixture(scope="module")
def sim() -> demo.Simulation:
    """A larger truth table for the statistical checks (simulating is fast; writing is not needed)."""
    return demo.simulate(40_000, SEED)


@pytest.fixture(scope="module")
def exports(written) -> dict[str, pd.DataFrame]:
    """Each layout's rows as read back from its files, all text."""
    out, _ = written
    frames = {}
    for layout in record_layouts():
        spec = demo.LAYOUTS[layout.id]
        parts = []
        for path in sorted(p for p in out.iterdir() if layout.matches_name(p.name)):
            if spec.fmt == "xlsx":
                sheet = pd.read_excel(path, sheet_name=layout.sheet, header=layout.header_row - 1, dtype=str,
                                      engine="openpyxl")
                parts.append(sheet.fillna(""))  # merged cells read as empty below their first row
            else:
                parts.append(pd.read_csv(path, encoding=spec.encoding, sep=spec.sep, dtype=str, keep_default_na=False,
                                         on_bad_lines="skip"))
        frames[layout.id] = pd.concat(parts, ignore_index=True)
    return frames


def record_layouts():
    """The case-record layouts, each written by a demo.LAYOUTS spec (aggregate returns: tests/test_returns.py)."""
    return [layout for layout in load_layouts() if not layout.is_return]


def _per_100k(cases: pd.DataFrame, gaz: pd.DataFrame, districts) -> float:
    population = gaz.loc[gaz["name"].isin(districts), "population_2023"].sum()
    return 1e5 * cases["district_name"].isin(districts).sum() / population


# --- files ---------------------------------------------------------------------------------------------------------

def test_every_layout_has_files_and_the_manifest_describes_them(written):
    out, manifest = written
    assert manifest["synthetic"] is True and manifest["generator"] == "etl.demo"
    assert manifest["seed"] == SEED and manifest["cases"] == CASES and "not real" in manifest["note"]
    assert json.loads((out / demo.MANIFEST_NAME).read_text(encoding="utf-8")) == manifest
    on_disk = {p.name for p in out.iterdir()} - {demo.MANIFEST_NAME}
    assert on_disk == {f["name"] for f in manifest["files"]}
    for entry in manifest["files"]:
        assert hashlib.sha256((out / entry["name"]).read_bytes()).hexdigest() == entry["sha256"]
    layouts = load_layouts()  # returns too: each has a demo file
    assert len(layouts) >= 6 and len({demo.LAYOUTS[lay.id].columns for lay in layouts if not lay.is_return}) >= 6
    for layout in layouts:
        assert [n for n in on_disk if layout.matches_name(n)], f"no demo file for {layout.id}"


def test_same_seed_same_bytes_and_another_seed_other_bytes(written, tmp_path):
    _, manifest = written
    again = demo.write_demo(tmp_path / "again", cases=CASES, seed=SEED)
    assert again == manifest
    other = demo.write_demo(tmp_path / "other", cases=CASES, seed=SEED + 1)
    assert all(a["sha256"] != b["sha256"] for a, b in zip(manifest["files"], other["files"], strict=True))


def test_workbooks_written_by_worker_processes_are_the_same(written, tmp_path, monkeypatch):
    monkeypatch.setattr(demo, "PARALLEL_WORKBOOK_ROWS", 0)  # large demos write the workbooks in parallel
    assert demo.write_demo(tmp_path, cases=CASES, seed=SEED) == written[1]


def test_rows_in_manifest_are_the_rows_in_the_files(written, exports):
    _, manifest = written
    for layout in record_layouts():
        rows = sum(f["rows"] for f in manifest["files"] if layout.matches_name(f["name"]))
        stray = len(exports[layout.id]) - rows  # rows with a stray delimiter are skipped by the reader here
        assert -rows * 0.01 <= stray <= 0, layout.id


def test_headers_are_mapped_or_personal(written):
    out, _ = written
    for layout in record_layouts():
        spec = demo.LAYOUTS[layout.id]
        for path in (p for p in out.iterdir() if layout.matches_name(p.name)):
            if spec.fmt == "xlsx":
                sheet = openpyxl.load_workbook(path, read_only=True)[layout.sheet]
                header = list(next(sheet.iter_rows(min_row=layout.header_row, max_row=layout.header_row,
                                                   values_only=True)))
            else:
                header = pd.read_csv(path, encoding=spec.encoding, sep=spec.sep, nrows=0).columns.tolist()
            assert sorted(header) == sorted([*layout.columns.values(), *layout.personal]), path.name
            assert layout.columns["synthetic"] == demo.SYNTHETIC_HEADER


def test_workbooks_have_a_summary_of_formulas_and_fixed_properties(written):
    out, _ = written
    merged = 0
    for path in sorted(out.glob("demo_fia_*.xlsx")):
        book = openpyxl.load_workbook(path)
        assert book.sheetnames == ["Cases", "Summary"]
        assert str(book["Summary"]["B2"].value).startswith("=COUNTA(")
        assert book.properties.created.year == 2026 and book.properties.creator == "etl.demo"
        merged += len(book["Cases"].merged_cells.ranges)
    assert merged > 0  # the 2015-2016 registers merge case cells over victim rows


def test_writing_again_removes_only_the_previous_demo_files(tmp_path):
    (tmp_path / "punjab_police_march.csv").write_text("a real export\n", encoding="utf-8")
    demo.write_demo(tmp_path, cases=200, seed=1)
    demo.write_demo(tmp_path, cases=300, seed=2)
    assert (tmp_path / "punjab_police_march.csv").read_text(encoding="utf-8") == "a real export\n"
    assert json.loads((tmp_path / demo.MANIFEST_NAME).read_text(encoding="utf-8"))["cases"] == 300


def test_cli_and_progress(tmp_path, capsys):
    assert demo.cli(["--cases", "300", "--seed", "3", "--out", str(tmp_path)]) == 0
    assert "SYNTHETIC" in capsys.readouterr().out and (tmp_path / demo.MANIFEST_NAME).exists()
    steps = []
    demo.write_demo(tmp_path, cases=300, seed=3, progress=lambda step, fraction: steps.append(fraction))
    assert len(steps) >= 5 and steps == sorted(steps) and steps[0] == 0.0 and steps[-1] == 1.0


# --- content -------------------------------------------------------------------------------------------------------

def test_every_row_is_marked_synthetic(exports):
    for layout in record_layouts():
        frame = exports[layout.id]
        column = frame[layout.columns["synthetic"]]
        data = frame[frame[layout.columns["case_ref"]] != "TOTAL"]  # the labour file's Excel total row
        assert (column[data.index] == demo.SYNTHETIC_VALUE).all(), layout.id


def test_codes_are_mapped_or_deliberately_unknown(exports):
    for layout in record_layouts():
        spec, frame = demo.LAYOUTS[layout.id], exports[layout.id]
        for fld in ("offence", "scope", "stage", "outcome", "victim_sex", "victim_referred"):
            if fld not in layout.columns:
                continue
            values = frame[layout.columns[fld]].str.strip().str.lower()
            known = set(layout.codes.get(fld, {})) | set(CONTRACT_CODES[fld]) | {""}
            unknown = {u.lower() for u in spec.unknown.get(fld, ())}
            assert set(values) <= known | unknown, (layout.id, fld, set(values) - known - unknown)
            assert values.isin(unknown).sum() <= max(2, 0.02 * len(values)), (layout.id, fld)
        tokens = frame[layout.columns["law_sections"]].str.split(re.escape(spec.law_sep.strip())).explode()
        tokens = {t.strip().lower() for t in tokens.dropna()} - {""}
        mapped = set(layout.codes.get("law_sections", {})) | {c.lower() for c in CONTRACT_CODES["law_sections"]}
        outside_contract = {spec.laws[c].lower() for c in demo.OTHER_LAWS if c in spec.laws}
        assert tokens <= mapped | outside_contract, (layout.id, tokens - mapped - outside_contract)
        assert not mapped & outside_contract, layout.id


def test_personal_columns_hold_planted_identifiers_and_other_columns_do_not(exports):
    names = re.compile("|".join(map(re.escape, demo.PLANTED_NAMES)))
    for layout in record_layouts():
        frame = exports[layout.id]
        personal = " ".join(frame[list(layout.personal)].to_numpy().ravel())
        assert re.search(demo.CNIC_PATTERN, personal) and re.search(demo.PHONE_PATTERN, personal), layout.id
        assert names.search(personal), layout.id
        mapped = [h for f, h in layout.columns.items() if f != "district"]
        text = " ".join(frame[mapped].to_numpy().ravel())
        assert not re.search(demo.CNIC_PATTERN, text) and not re.search(demo.PHONE_PATTERN, text), layout.id
    ngo = exports["ngo_haqdar"]
    assert ngo.apply(lambda col: col.str.contains("[\u0600-\u06ff]", regex=True)).any().any()  # Urdu script


def test_a_case_reported_twice_cites_the_same_fir(exports):
    layouts = {lay.id: lay for lay in record_layouts()}

    def firs(source_id: str) -> set[tuple[int, int, str]]:
        frame, layout = exports[source_id], layouts[source_id]
        found = frame[layout.columns["fir_number"]].str.extract(FIR).dropna()
        year = found[1].astype(int)
        year = np.where(year < 100, 2000 + year, year)
        district = frame.loc[found.index, layout.columns["district"]].str.strip().str.lower()
        return set(zip(found[0].astype(int), year, district, strict=True))

    police = set().union(*(firs(s) for s in layouts if demo.SOURCE_TYPE[s] in ("police", "fia")))
    for second in ("punjab_labour", "cpwb", "ngo_haqdar"):
        assert len(firs(second) & police) >= 3, second


def test_funnel_in_a_police_file_narrows(exports):
    layout = {lay.id: lay for lay in record_layouts()}["punjab_police"]
    codes = layout.codes["stage"] | {s: s for s in CONTRACT_CODES["stage"]}
    stage = exports["punjab_police"][layout.columns["stage"]].str.strip().str.lower().map(codes).dropna()
    rank = stage.map(demo.STAGES.index)
    reached = [(rank >= r).mean() for r in range(len(demo.STAGES))]
    assert reached == sorted(reached, reverse=True) and reached[1] > 0.5 and reached[4] < 0.25


def test_mess_is_there_at_low_rates(sim):
    punjab = demo.render(sim, demo.PUNJAB_POLICE, SEED)
    rows = pd.DataFrame(punjab.columns)
    duplicated = rows.duplicated().mean()
    assert 0.001 < duplicated < 0.01
    district = rows["District"]
    assert 0.85 < district.isin(set(sim.gazetteer["name"])).mean() < 0.99
    assert district.str.contains(r"^\s|\s$|[A-Z]{4,}", regex=True).any()  # extra spaces, capitals
    assert rows["Date of Complaint"].str.startswith("31/02/").any() and (rows["Date of Complaint"] == "").any()
    assert rows["Offence Head"].isin(demo.PUNJAB_POLICE.unknown["offence"]).mean() < 0.01
    sindh = pd.DataFrame(demo.render(sim, demo.SINDH_POLICE, SEED).columns)
    assert (sindh["Distt"] == "Karachi").any()


def test_victim_rows_repeat_their_case(sim):
    for layout in (demo.FIA, demo.NGO):
        export = demo.render(sim, layout, SEED)
        rows = pd.DataFrame(export.columns).assign(_case=export.case)
        assert rows["_case"].duplicated().any()
        case_columns = [h for h, what in layout.columns if what not in demo.VICTIM_COLUMNS]
        assert (rows.groupby("_case")[case_columns].nunique(dropna=False) == 1).all().all(), layout.source_id


def test_victim_grain_files_hold_raids_of_many_victims_of_one_sex_and_age_band(sim):
    """Many men and boys freed in one raid: distinct victims whose sex and age band, some even whose age, repeat."""
    for layout in (demo.NGO, demo.FIA):
        export = demo.render(sim, layout, SEED)
        rows = pd.DataFrame(export.columns).assign(_case=export.case)
        age = pd.to_numeric(rows[layout.headers_for("victim_age")[0]], errors="coerce")
        band = pd.cut(age, [-1, 8, 17, 20, 23, 26, 29, 38, 47, 200]).astype(str)
        same = rows.assign(_band=band).groupby(["_case", layout.headers_for("victim_sex")[0], "_band"]).size()
        assert (same >= 6).sum() >= 10, layout.source_id
        # Rows alike in every mapped column, told apart by the personal ones only (names, CNIC).
        mapped = [h for h, what in layout.columns if what not in demo.PERSONAL]
        alike = rows.duplicated(mapped, keep=False) & ~rows.duplicated(keep=False)
        assert alike.sum() >= 20, layout.source_id


def test_fir_numbers_restart_at_every_police_station(sim):
    """45/2023 is an FIR at several stations of one district, and at a station of the same name elsewhere."""
    export = demo.render(sim, demo.PUNJAB_POLICE, SEED)
    rows = pd.DataFrame(export.columns)
    fir = rows["FIR No./P.S."].str.extract(r"^(\d+)/(\d{4}) PS (.+)$").dropna()
    fir = fir.assign(district=rows.loc[fir.index, "District"])
    stations = fir.groupby(["district", 0, 1])[2].nunique()
    assert (stations >= 2).sum() >= 100
    districts = fir.groupby([0, 1, 2])["district"].nunique()
    assert (districts >= 2).sum() >= 100


# --- shape of the truth ----------------------------------------------------------------------------------------------

def test_province_shares_follow_the_reported_figures(sim):
    cases = sim.cases
    shares = cases["province"].value_counts(normalize=True)
    assert 0.72 < shares["Punjab"] < 0.9
    assert set(shares.index) == set(sim.gazetteer["province"]) and shares.min() > 0
    fia = cases[cases["source"] == "fia"]["province"].value_counts(normalize=True)
    assert 0.75 < fia["Punjab"] < 0.9  # FIA zone figures 2016-2017: 82.5% Punjab


def test_hotspots_stand_out(sim):
    cases, gaz = sim.cases, sim.gazetteer
    counted = gaz[gaz["population_2023"].notna()]["name"]
    bonded = cases[(cases["offence"] == "bonded_labour") & cases["district_name"].isin(counted)]
    national = _per_100k(bonded, gaz, counted)
    assert _per_100k(bonded, gaz, ["Kasur", "Sheikhupura", "Okara", "Nankana Sahib", "Faisalabad"]) > 2 * national
    assert _per_100k(bonded, gaz, ["Umerkot", "Mirpur Khas", "Tharparkar", "Sanghar", "Badin"]) > 2 * national
    abroad = cases[(cases["scope"] == "transnational") & cases["district_name"].isin(counted)]
    gujranwala = gaz[gaz["division"] == "Gujranwala"]["name"]
    assert _per_100k(abroad, gaz, gujranwala) > 2 * _per_100k(abroad, gaz, counted)


def test_funnel_is_pakistans(sim):
    cases = sim.cases
    rank = cases["stage"].map(demo.STAGES.index).astype(int)
    reached = [(rank >= r).mean() for r in range(len(demo.STAGES))]
    assert all(a > b for a, b in zip(reached, reached[1:], strict=False))
    assert 0.5 < reached[1] < 0.85
    convicted = (cases["outcome"] == "convicted").mean()
    assert 0.005 < convicted < 0.06
    concluded = cases[cases["stage"] == "trial_concluded"]["outcome"].value_counts()
    assert concluded["acquitted"] + concluded["compromise"] > concluded["convicted"]
    assert set(cases.loc[cases["outcome"] == "convicted", "stage"]) == {"trial_concluded"}
    year = cases["reported"].dt.year
    assert (rank[year == 2025] == 4).mean() < 0.01 < (rank[year == 2016] == 4).mean()


def test_police_closures_are_cancelled_untraced_or_discharged_before_any_charge_sheet(sim):
    cases = sim.cases
    closed = cases[cases["outcome"].isin(["cancelled", "untraced", "discharged"])]
    shares = closed["outcome"].value_counts(normalize=True)
    for kind, share in demo.CLOSURES:
        assert abs(shares[kind] - share) < 0.03, kind
    assert set(closed["stage"]) == {"investigation_completed"}


def test_closures_load_as_their_own_outcomes(con):
    # Punjab's "Cancelled", Sindh's A/B/C-class reports and the others' spellings reach the warehouse as written.
    found = dict(con.execute("SELECT outcome, count(*) FROM cases GROUP BY outcome").fetchall())
    assert found["cancelled"] > found["discharged"] > 0 and found["untraced"] > 0


def test_stage_dates_are_in_order(sim):
    cases = sim.cases
    order = ["reported", "fir_date", "investigation_date", "challan_date", "verdict_date"]
    for earlier, later in zip(order, order[1:], strict=False):
        both = cases[[earlier, later]].dropna()
        assert (both[later] >= both[earlier]).all(), later
        assert (cases[later].isna() | cases[earlier].notna()).all(), later
    assert cases[order].max().max() <= pd.Timestamp(demo.EXPORT_DAY)
    assert cases["reported"].min() >= pd.Timestamp("2015-01-01")


def test_victims_and_referrals(sim):
    cases, victims = sim.cases, sim.victims
    assert (cases["victim_count"] == 1).mean() > 0.7 and cases["victim_count"].max() > 20
    assert cases.groupby("offence", observed=True)["victim_count"].mean().idxmax() == "bonded_labour"
    assert 0.04 < victims["referred"].mean() < 0.3
    nationality = victims["nationality"].value_counts(normalize=True)
    assert nationality["PAK"] > 0.9 and {"AFG", "BGD", "MMR"} <= set(nationality[nationality > 0].index)
    abroad = cases[cases["scope"] == "transnational"]
    assert (abroad["country"] != "").all() and (cases.loc[cases["scope"] == "internal", "country"] == "").all()
    smuggling = cases[cases["offence"] == "migrant_smuggling"]
    assert (smuggling["scope"] == "transnational").all()
