"""Unit tests of the release and its protection on tiny warehouses built in tmp folders (seconds, not minutes):
the plan and OpenDP's accounting, the dense true counts, the privacy ledger across builds, the data package, the
folder swap, and the query layer's margins, table choice, ranks and rates on a tiny release.

They are what the mutation run (docs/testing.md) measures etl/release.py, tipdash/privacy.py and the release
functions of tipdash/queries.py against, so they check full answers, boundaries and every branch. They test
behaviour, not today's catalogue: expected values are derived from ``tipcore.catalogue`` at run time.
"""

from __future__ import annotations

import atexit
import datetime as dt
import errno
import fcntl
import hashlib
import importlib.metadata
import json
import math
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import opendp.prelude as dp
import pandas as pd
import pytest

from etl import release
from etl.districts import PROVINCES
from tipcore import catalogue, config
from tipdash import privacy, queries
from tipdash.filters import Filters

dp.enable_features("contrib")

SCHEMA = Path(__file__).resolve().parent.parent / "etl" / "sql" / "schema.sql"
YEARS = (2023, 2024)
GAZETTEER = [  # district_id, name, province, population (None: no census figure)
    ("lahore", "Lahore", "Punjab", 13_000_000),
    ("multan", "Multan", "Punjab", 6_000_000),
    ("karachi_south", "Karachi South", "Sindh", 2_000_000),
]
REF_NOTE = [(1, "a note"), (None, "no number")]


def case(n: int, year: int = 2023, *, month: int = 3, district: str | None = "lahore", province: str | None = None,
         offence: str | None = "bonded_labour", scope: str | None = "internal", agency: str = "police",
         law: str = "BLSA 1992", rank: int = 1, outcome: str | None = None, verdict_months: int | None = None,
         victims: list[tuple[str, str | None, bool | None]] = (("female", "18-20", False),)) -> dict:
    """One warehouse case (and its victims) with the flags the ETL derives from the stage and outcome."""
    if province is None and district is not None:
        province = next(p for d, _n, p, _pop in GAZETTEER if d == district)
    concluded = rank == 5
    # Events happen in the report month, but a verdict 12 months or more after the FIR falls in the next year.
    verdict_year = year + (verdict_months is not None and verdict_months >= 12)
    return {
        "case_id": f"c{n:04d}", "source_id": "police", "agency": "Police", "agency_type": agency, "reported_by": 1,
        "district_id": district, "province": province, "division": None,
        "district_match": "exact" if district else "unmatched", "report_month": dt.date(year, month, 1),
        "report_year": year, "fir_month": dt.date(year, month, 1) if rank >= 2 else None,
        "challan_month": dt.date(year, month, 1) if rank >= 4 else None,
        "verdict_month": dt.date(verdict_year, month, 1) if concluded else None, "stage": "complaint",
        "stage_rank": rank, "is_fir": rank >= 2,
        "is_charge_sheeted": rank >= 4, "is_trial_concluded": concluded, "outcome": outcome,
        "is_convicted": concluded and outcome == "convicted", "months_fir_to_verdict": verdict_months,
        "offence": offence, "is_smuggling": offence == catalogue.SMUGGLING, "law_codes": [], "law_group": law,
        "scope": scope, "victim_count": len(victims), "victims_female": 0, "victims_male": 0, "victims_child": 0,
        "victims_referred": 0, "victim_sexes": [], "victim_age_bands": [], "is_demo": False,
        "_victims": list(victims),
    }


def standard_cases() -> list[dict]:
    """A year of each kind of case the release must count apart, and a quiet second year."""
    many = [("male", "30-38", True)] * 4 + [("female", None, None)] * 3  # 7 victims: 5 counted
    return [
        case(1, 2023, rank=5, outcome="convicted", verdict_months=0, victims=many),
        case(2, 2023, rank=5, outcome="convicted", verdict_months=5),
        case(3, 2023, rank=5, outcome="acquitted", verdict_months=6),
        case(4, 2023, rank=5, outcome="compromise", verdict_months=11, district="multan"),
        case(5, 2023, rank=5, outcome="acquitted", verdict_months=12),
        case(6, 2023, rank=5, outcome="convicted", verdict_months=23),
        case(7, 2023, rank=5, outcome="convicted", verdict_months=24),
        case(8, 2023, rank=5, outcome="convicted", verdict_months=35),
        case(9, 2023, rank=5, outcome="convicted", verdict_months=36),
        case(10, 2023, rank=5, outcome="convicted", verdict_months=None, month=12),
        case(11, 2023, rank=4, verdict_months=3),  # not concluded: no verdict bin
        case(12, 2023, rank=3, offence=None, scope=None, law="Not recorded"),
        case(13, 2023, rank=2, district=None, province="Sindh", offence="sexual_exploitation"),
        case(14, 2023, rank=1, district=None, province=None, agency="ngo"),
        case(15, 2023, offence=catalogue.SMUGGLING, scope="transnational", agency="fia", law="PSMA 2018",
             district="karachi_south"),
        case(16, 2024, month=5, district="multan", victims=[("male", "9-17", True), ("transgender", "48+", False)]),
        case(17, 2022, district="multan"),  # before the release's first year
    ]


def make_warehouse(path: Path, cases: list[dict], *, demo: bool = False, gazetteer=GAZETTEER,
                   run_ids: tuple[str, ...] = ("run-1", "run-2")) -> Path:
    """A warehouse with the real schema, holding ``cases``, a small gazetteer, reference facts and ETL runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = [{k: v for k, v in c.items() if k != "_victims"} | {"is_demo": demo} for c in cases]
    victims = [{"case_id": c["case_id"], "victim_no": i + 1, "sex": sex, "age_band": age, "nationality_iso3": None,
                "is_referred": referred}
               for c in cases for i, (sex, age, referred) in enumerate(c["_victims"])]
    with duckdb.connect(str(path)) as con:
        con.execute(SCHEMA.read_text(encoding="utf-8"))
        if rows:
            con.register("cases_df", pd.DataFrame(rows))
            con.execute("INSERT INTO cases BY NAME SELECT * FROM cases_df")
        if victims:
            con.register("victims_df", pd.DataFrame(victims))
            con.execute("INSERT INTO victims BY NAME SELECT * FROM victims_df")
        con.execute("CREATE TABLE districts (district_id VARCHAR, name VARCHAR, province VARCHAR, "
                    "population_2023 BIGINT)")
        con.executemany("INSERT INTO districts VALUES (?, ?, ?, ?)", [list(g) for g in gazetteer])
        con.execute("CREATE TABLE ref_notes (number INTEGER, note VARCHAR)")
        con.executemany("INSERT INTO ref_notes VALUES (?, ?)", [list(r) for r in REF_NOTE])
        con.execute("CREATE TABLE ref_sources (table_name VARCHAR, description VARCHAR, citation VARCHAR, "
                    "licence VARCHAR)")
        con.execute("INSERT INTO ref_sources VALUES ('ref_notes', 'Notes on things', 'Ministry, 2024', 'public')")
        con.execute("CREATE TABLE etl_runs (run_id VARCHAR, started_at TIMESTAMP)")
        for i, run in enumerate(run_ids):
            con.execute("INSERT INTO etl_runs VALUES (?, ?)", [run, dt.datetime(2026, 1, 1 + i)])
    return path


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "data" / f"{name}.csv", keep_default_na=False, dtype={"district_id": str})


def package(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


def build(folder: Path, **kwargs) -> dict:
    return release.build_release(folder / "wh.duckdb", folder / "release", folder / "ledger.duckdb",
                                 year_from=YEARS[0], **kwargs)


def per_test_under_mutmut_stats(fixture_name: str, config: pytest.Config) -> str:
    """The scope of the shared tiny builds: one per module, but one per test while mutmut maps tests to the
    functions they call (its "stats" pass). It credits a function to the test during which it ran, so a build shared
    by a module would be credited to its first test only, and no mutant of the build would run the others."""
    return "function" if os.environ.get("MUTANT_UNDER_TEST") == "stats" else "module"


@pytest.fixture(scope=per_test_under_mutmut_stats)
def tiny(tmp_path_factory) -> Path:
    """One tiny release, built once for the tests that only read it."""
    folder = tmp_path_factory.mktemp("tiny")
    make_warehouse(folder / "wh.duckdb", standard_cases(), demo=True)
    build(folder)
    return folder / "release"


@pytest.fixture(scope=per_test_under_mutmut_stats)
def tiny_truths(tiny) -> dict[str, pd.DataFrame]:
    return release.true_tables(tiny.parent / "wh.duckdb", YEARS[0])[0]


# -- the plan -----------------------------------------------------------------------------------------------------


def test_the_plan_gives_each_vector_its_share_and_the_noise_that_share_allows():
    budget = {"report": 0.4, "event": 0.07}
    got = release.plan(budget["report"], budget["event"])
    assert set(got) == {(t.name, m) for t in catalogue.TABLES.values() for m in t.measures}
    for (name, measure), vp in got.items():
        table = catalogue.TABLES[name]
        share = budget[table.basis] * table.share / len(table.measures)
        sens = catalogue.MEASURES[measure].sensitivity  # how far one case moves the vector, declared per measure
        assert (vp.table, vp.measure, vp.sensitivity, vp.basis) == (name, measure, sens, table.basis)
        assert vp.rho == pytest.approx(share, rel=1e-12)
        assert vp.sigma == pytest.approx(sens / math.sqrt(2 * share), rel=1e-12)
        # OpenDP's map at the sensitivity is the share (rounded up by a few ulps at most).
        assert share * (1 - 1e-6) <= vp.spent <= share * (1 + release.TOLERANCE)
        assert vp.margin95 == int(dp.discrete_gaussian_scale_to_accuracy(vp.sigma, 0.05))
        assert abs(vp.margin95 - 1.96 * vp.sigma) <= 1.5
        assert vp.measurement().map(vp.sensitivity) == pytest.approx(vp.spent)
    assert release.plan() == release.plan(config.PRIVACY_RHO, config.PRIVACY_RHO_PERIOD)
    for basis in catalogue.BASES:
        assert release.basis_rho(got, basis) == pytest.approx(budget[basis], rel=1e-6)


@pytest.mark.parametrize("value", [0.0, -0.25, float("nan")])
@pytest.mark.parametrize("setting", ["rho", "rho_period"])
def test_a_budget_that_is_not_positive_is_refused(setting, value):
    name = {"rho": "TIP_PRIVACY_RHO", "rho_period": "TIP_PRIVACY_RHO_PERIOD"}[setting]
    with pytest.raises(release.ReleaseError, match=rf"must be positive \({name} is {value}\)"):
        release.plan(**{setting: value})


def test_losses_compose_by_adding_rho():
    assert release.composed_rho([]) == 0.0
    assert release.composed_rho([0.0, -1.0]) == 0.0
    assert release.composed_rho([0.1]) == pytest.approx(0.1, rel=1e-9)
    assert release.composed_rho([0.1, 0.0]) == pytest.approx(0.1, rel=1e-9)
    assert release.composed_rho([0.1, 0.2, 0.05]) == pytest.approx(0.35, rel=1e-9)


def test_epsilon_is_opendps_conversion_at_the_stated_delta():
    assert release.DELTA == 1e-6
    assert release.epsilon(0.0) == 0.0 and release.epsilon(-1.0) == 0.0
    assert round(release.epsilon(0.25), 2) == 3.54  # the figure docs/privacy.md and the README state
    for rho in (0.01, 0.25, 1.0):
        classic = rho + 2 * math.sqrt(rho * math.log(1 / release.DELTA))  # the textbook bound, looser
        assert rho < release.epsilon(rho) <= classic
        assert release.epsilon(rho) == release.epsilon(rho, 1e-6)
        assert release.epsilon(rho, 1e-3) < release.epsilon(rho)


# -- the domain and the true counts -------------------------------------------------------------------------------


def test_every_key_has_its_full_public_domain():
    dom = release.Domain([2023, 2024], ["a", "b"], 0, False, None, None)
    assert dom.values("year") == [2023, 2024]
    months = dom.values("month")
    assert len(months) == 24 and months[0] == dt.date(2023, 1, 1) and months[-1] == dt.date(2024, 12, 1)
    assert dom.values("province") == [*PROVINCES, catalogue.NO_PROVINCE]
    assert dom.values("district_id") == ["a", "b"]
    for key, codes in (("offence", catalogue.OFFENCES), ("scope", catalogue.SCOPES),
                       ("agency_type", catalogue.AGENCY_TYPES), ("sex", catalogue.SEXES),
                       ("age_band", catalogue.AGE_BANDS), ("law_group", catalogue.LAW_GROUPS),
                       ("verdict_months", catalogue.VERDICT_BINS), ("kind", catalogue.KINDS)):
        assert dom.values(key) == list(codes), key
    with pytest.raises(release.ReleaseError, match="does not know: colour"):
        dom.values("colour")


def test_the_domain_comes_from_the_settings_and_the_warehouse(tmp_path, monkeypatch):
    monkeypatch.delenv("TIP_RELEASE_TO", raising=False)
    wh = make_warehouse(tmp_path / "wh.duckdb", standard_cases(), demo=True)
    with release._warehouse(wh) as con:
        dom = release.domain(con, 2023)
        assert dom.years == [2023, 2024]
        assert dom.districts == sorted(d for d, *_ in GAZETTEER)
        assert dom.outside_years == 1 and dom.is_demo is True and dom.data_as_of == "2024-05"
        assert dom.etl_run_id == "run-2"  # the latest run
        monkeypatch.setenv("TIP_RELEASE_TO", "2023")
        dom = release.domain(con, 2022)
        assert dom.years == [2022, 2023] and dom.outside_years == 1 and dom.data_as_of == "2023-12"
        assert release.domain(con, None).years[0] == config.RELEASE_FROM
        monkeypatch.setenv("TIP_RELEASE_TO", "next year")
        with pytest.raises(release.ReleaseError, match="TIP_RELEASE_TO must be a year, not 'next year'"):
            release.domain(con, 2023)
        monkeypatch.setenv("TIP_RELEASE_TO", "2022")
        with pytest.raises(release.ReleaseError, match="from 2023 .TIP_RELEASE_FROM. to 2022"):
            release.domain(con, 2023)
        monkeypatch.setenv("TIP_RELEASE_TO", "2023")
        assert release.domain(con, 2023).years == [2023]  # first == last is one year


def test_an_empty_warehouse_and_a_missing_one_are_refused_with_a_reason(tmp_path):
    wh = make_warehouse(tmp_path / "wh.duckdb", [], run_ids=())
    with release._warehouse(wh) as con, pytest.raises(release.ReleaseError, match="holds no case"):
        release.domain(con, 2023)
    with pytest.raises(release.ReleaseError, match=r"no warehouse at nowhere\.duckdb; build it first"):
        release.true_tables(tmp_path / "nowhere.duckdb", 2023)


def test_a_warehouse_without_runs_or_demo_data_says_so(tmp_path):
    wh = make_warehouse(tmp_path / "it's here" / "wh.duckdb", [case(1, 2024)], run_ids=())  # a quote in the path
    with release._warehouse(wh) as con:
        dom = release.domain(con, 2024)
    assert dom.etl_run_id is None and dom.is_demo is False and dom.outside_years == 0


def cell(frame: pd.DataFrame, measure: str, **keys) -> int:
    rows = frame
    for k, v in keys.items():
        rows = rows[rows[k].astype(str) == str(v)]
    assert len(rows) == 1, keys
    return int(rows[measure].iloc[0])


def test_true_counts_count_every_measure_by_its_rule(tiny_truths):
    nat = tiny_truths["national_year"]
    t23 = {"year": 2023, "kind": "trafficking"}
    expected = {"cases": 14, "firs": 13, "investigations": 12, "charge_sheets": 11, "trials": 10,
                "convictions": 7, "acquittals": 2, "compromises": 1, "victims": 5 + 13, "victims_referred": 4}
    assert {m: cell(nat, m, **t23) for m in expected} == expected
    assert cell(nat, "cases", year=2023, kind="smuggling") == 1
    assert {m: cell(nat, m, year=2024, kind="trafficking") for m in ("cases", "victims", "victims_referred")} == \
        {"cases": 1, "victims": 2, "victims_referred": 1}
    assert int(nat["cases"].sum()) == 16  # 2022 is outside the years
    assert (nat["_year"] == nat["year"]).all()


def test_missing_codes_become_their_own_key_values(tiny_truths):
    off = tiny_truths["national_year_offence"]
    assert cell(off, "cases", year=2023, offence="not_recorded", scope="not_recorded") == 1
    assert cell(off, "cases", year=2023, offence="bonded_labour", scope="internal") == 12
    prov = tiny_truths["province_year"]
    assert cell(prov, "cases", province=catalogue.NO_PROVINCE, year=2023, kind="trafficking") == 1
    assert cell(prov, "cases", province="Sindh", year=2023, kind="trafficking") == 1
    assert cell(prov, "cases", province="Sindh", year=2023, kind="smuggling") == 1
    law = tiny_truths["province_year_law"]
    assert cell(law, "cases", province="Punjab", year=2023, law_group="Not recorded", kind="trafficking") == 1
    vic = tiny_truths["province_year_victims"]
    assert cell(vic, "victims", province="Punjab", year=2023, kind="trafficking", sex="female",
                age_band="not_recorded") == 1  # the 7-victim case: its first 5 only
    assert cell(vic, "victims", province="Punjab", year=2023, kind="trafficking", sex="male", age_band="30-38") == 4
    agency = tiny_truths["province_year_agency"]
    assert cell(agency, "cases", province=catalogue.NO_PROVINCE, year=2023, agency_type="ngo",
                kind="trafficking") == 1


def test_period_tables_count_events_in_the_year_they_happened(tiny_truths):
    period = [t for t in catalogue.TABLES.values() if t.basis == "event"]
    assert period, "the catalogue has no period table"
    national = next(t for t in period if t.level == "national")
    frame = tiny_truths[national.name]
    y23, y24 = ({"year": y, "kind": "trafficking"} for y in YEARS)
    # FIRs and charge sheets in the report month; verdicts 12 months or more after the FIR in the next year.
    assert {m: cell(frame, m, **y23) for m in catalogue.PERIOD} == \
        {"period_firs": 13, "period_charge_sheets": 11, "period_trials": 5, "period_convictions": 3}
    assert {m: cell(frame, m, **y24) for m in catalogue.PERIOD} == \
        {"period_firs": 0, "period_charge_sheets": 0, "period_trials": 5, "period_convictions": 4}
    assert all(cell(frame, m, year=2023, kind="smuggling") == 0 for m in catalogue.PERIOD)
    province = next(t for t in period if t.level == "province")
    prov = tiny_truths[province.name]
    assert cell(prov, "period_firs", province="Sindh", year=2023, kind="trafficking") == 1
    assert cell(prov, "period_trials", province="Punjab", year=2024, kind="trafficking") == 5
    assert int(prov.loc[prov.province == catalogue.NO_PROVINCE, list(catalogue.PERIOD)].to_numpy().sum()) == 0


def test_district_tables_hold_only_cases_with_a_district(tiny_truths):
    dist = tiny_truths["district_year"]
    assert int(dist["cases"].sum()) == 14  # 16 in the years, 2 without a district
    assert cell(dist, "cases", district_id="lahore", year=2023, kind="trafficking") == 11
    assert cell(dist, "victims", district_id="multan", year=2024, kind="trafficking") == 2
    assert cell(tiny_truths["district_year_offence"], "cases", district_id="karachi_south", year=2023,
                offence=catalogue.SMUGGLING) == 1


def test_months_to_verdict_are_binned_for_concluded_trials_only(tiny_truths):
    verdict = tiny_truths["province_year_verdict_time"]
    punjab = verdict[(verdict.province == "Punjab") & (verdict.year == 2023) & (verdict.kind == "trafficking")]
    got = dict(zip(punjab["verdict_months"], punjab["trials"], strict=True))
    assert got == {"0-5": 2, "6-11": 2, "12-23": 2, "24-35": 2, "36+": 1, "not_recorded": 1}
    assert int(verdict["trials"].sum()) == 10


def test_dense_tables_follow_the_domain_order_with_zeros(tiny_truths):
    for name, table in catalogue.TABLES.items():
        frame = tiny_truths[name]
        assert list(frame.columns) == [*table.keys, "_year", *table.measures], name
        keys = frame[list(table.keys)].astype(str)
        assert not keys.duplicated().any(), name
        assert len(frame) == math.prod(keys[k].nunique() for k in table.keys), name
        assert frame["_year"].between(*YEARS).all(), name
    month = tiny_truths["national_month"]
    assert month["month"].iloc[0] == "2023-01-01" and month["kind"].iloc[:2].tolist() == list(catalogue.KINDS)
    assert cell(month, "cases", month="2023-12-01", kind="trafficking") == 1
    assert month["_year"].tolist() == [2023] * 24 + [2024] * 24


def test_cases_with_codes_outside_the_domain_are_counted_as_left_out(tmp_path):
    wh = make_warehouse(tmp_path / "wh.duckdb", [case(1, 2024, offence="piracy"), case(2, 2024), case(3, 2024)])
    with release._warehouse(wh) as con:
        dom = release.domain(con, 2024)
        release._prepare(con, dom)
        frame, outside = release.true_table(con, catalogue.TABLES["national_year_offence"])
        assert outside == 1 and int(frame["cases"].sum()) == 2
        assert release.true_table(con, catalogue.TABLES["national_year"]) [1] == 0



# -- agencies' coverage facts and aggregate returns ---------------------------------------------------------------

AGENCIES = [  # source_id, agency, agency_type, province, files_received, files_unreadable
    ("a_fia", "FIA", "fia", None, 2, 0), ("b_ngo", "An NGO", "ngo", "Punjab", 1, 1),
    ("c_police", "Punjab Police", "police", "Punjab", 0, 0), ("d_pros", "Prosecution", "prosecution", "Sindh", 1, 0),
    ("e_court", "A court", "prosecution", "Sindh", 3, 0)]
COVERAGE_ROWS = [  # source_id, status, unit_id, report_year, rows
    ("a_fia", "loaded", "u1", 2023, 2), ("c_police", "loaded", "u1", None, 3), ("c_police", "merged", "u1", 2024, 1),
    ("d_pros", "rejected", "u2", None, 1),  # a unit with no known year: the release's last year
    ("a_fia", "loaded", "u3", 2022, 1),  # before the release's years
    ("d_pros", "rejected", None, None, 5)]  # rows lost before they were typed: no unit, not clipped
COVERAGE_RECORDS = [  # source_id, case_id, report_month, report_year, missing district, fir_date, offence, outcome
    *((a, "c1", dt.date(2023, 3, 1), 2023, a in ("a_fia", "e_court"), False, False, False)
      for a, *_ in AGENCIES),  # five agencies: the last (by source id) is past AGENCY_CLIP
    ("c_police", "c1", dt.date(2023, 3, 1), 2023, True, True, False, False),  # a second copy: counted once
    ("b_ngo", "c2", dt.date(2024, 5, 1), 2024, False, False, True, True),
    ("a_fia", "c3", None, 2023, False, True, False, False),  # known to the year only: in no month
    ("a_fia", "c4", dt.date(2022, 1, 1), 2022, True, True, True, True)]
RETURN_SOURCES = [  # source_id, agency, published, level, province, district_id, period, measures, below, citation
    ("r_all", "Federal return", False, "district", None, None, "year", "cases", None, None),
    ("r_districts", "Labour Punjab", False, "district", "Punjab", None, "year", "cases convictions", None, None),
    ("r_karachi", "DPO Karachi South", False, "district", "Sindh", "karachi_south", "month", "cases firs", 5, None),
    ("r_province", "Sindh Prosecution", False, "province", "Sindh", None, "year", "charge_sheets", None, None),
    ("r_public", "DPO Lahore", True, "district", "Punjab", "lahore", "month", "cases", 5, "Gazette, 2024")]
RETURNS = [  # source_id, district_id, province, year, month, measure, value, value_flag
    ("r_districts", "lahore", "Punjab", 2023, None, "cases", 7, None),
    ("r_districts", "lahore", "Punjab", 2023, None, "convictions", 2, None),
    ("r_districts", "multan", "Punjab", 2024, None, "cases", 3, None),
    ("r_districts", "multan", "Punjab", 2024, None, "victims", 40, None),  # victims are not released
    ("r_districts", "lahore", "Punjab", 2022, None, "cases", 9, None),  # before the release's years
    ("r_districts", "karachi_south", "Sindh", 2023, None, "cases", 1, None),  # outside the areas it covers
    ("r_karachi", "karachi_south", "Sindh", 2024, dt.date(2024, 1, 1), "cases", None, "<5"),  # counted as 2
    ("r_karachi", "karachi_south", "Sindh", 2024, dt.date(2024, 2, 1), "cases", 4, None),
    ("r_karachi", "karachi_south", "Sindh", 2024, dt.date(2024, 2, 1), "firs", None, None),  # empty: not counted
    ("r_province", None, "Sindh", 2023, None, "charge_sheets", 6, None),
    ("r_public", "lahore", "Punjab", 2024, dt.date(2024, 4, 1), "cases", None, "<5"),
    ("r_public", "lahore", "Punjab", 2024, dt.date(2024, 3, 1), "cases", 3, None)]


def add_agencies_and_returns(path: Path) -> Path:
    """Add to a warehouse the coverage facts and aggregate returns the ETL writes (etl/coverage.py, etl/pipeline.py),
    with the types it gives them."""
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE coverage_agencies (source_id VARCHAR, agency VARCHAR, agency_type VARCHAR, "
                    "province VARCHAR, files_received INTEGER, files_unreadable INTEGER)")
        con.executemany("INSERT INTO coverage_agencies VALUES (?, ?, ?, ?, ?, ?)", [list(a) for a in AGENCIES])
        con.execute("CREATE TABLE coverage_rows (source_id VARCHAR, status VARCHAR, unit_id VARCHAR, "
                    "report_year SMALLINT, rows BIGINT)")
        con.executemany("INSERT INTO coverage_rows VALUES (?, ?, ?, ?, ?)", [list(r) for r in COVERAGE_ROWS])
        con.execute("CREATE TABLE coverage_records (source_id VARCHAR, case_id VARCHAR, report_month DATE, "
                    "report_year SMALLINT, missing_district BOOLEAN, missing_fir_date BOOLEAN, "
                    "missing_offence BOOLEAN, missing_outcome BOOLEAN)")
        con.executemany("INSERT INTO coverage_records VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        [list(r) for r in COVERAGE_RECORDS])
        con.execute("CREATE TABLE return_sources (source_id VARCHAR, agency VARCHAR, agency_type VARCHAR, "
                    "published BOOLEAN, level VARCHAR, province VARCHAR, district_id VARCHAR, period VARCHAR, "
                    "measures VARCHAR, below INTEGER, citation VARCHAR, url VARCHAR)")
        con.executemany("INSERT INTO return_sources VALUES (?, ?, 'police', ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        [[*r, "https://example.org/r" if r[-1] else None] for r in RETURN_SOURCES])
        published = {s[0]: s[2] for s in RETURN_SOURCES}
        con.executemany("INSERT INTO returns VALUES (?, 'agency', ?, ?, ?, ?, ?, ?, ?, ?, false)",
                        [[r[0], published[r[0]], *r[1:]] for r in RETURNS])
    return path


@pytest.fixture(scope=per_test_under_mutmut_stats)
def sourced(tmp_path_factory) -> Path:
    """A tiny warehouse that also holds agencies' coverage facts and aggregate returns (not built: counted only)."""
    path = tmp_path_factory.mktemp("sourced") / "wh.duckdb"
    return add_agencies_and_returns(make_warehouse(path, standard_cases()))


@pytest.fixture(scope=per_test_under_mutmut_stats)
def sourced_truths(sourced) -> tuple[dict[str, pd.DataFrame], release.Domain]:
    return release.true_tables(sourced, YEARS[0])


def test_the_domain_holds_every_agency_and_only_the_unpublished_returns(sourced_truths):
    dom = sourced_truths[1]
    assert dom.agencies == [a for a, *_ in AGENCIES]
    assert dom.returns == ["r_all", "r_districts", "r_karachi", "r_province"]
    assert dom.values("agency") == dom.agencies and dom.values("return_source") == dom.returns
    assert dom.values("row_status") == list(catalogue.ROW_STATUSES)
    assert dom.values("field") == list(catalogue.COVERAGE_FIELDS)


def nonzero(frame: pd.DataFrame, measure: str) -> dict[tuple, int]:
    """The cells of a dense table that are not zero, by their keys (as text)."""
    keys = [c for c in frame.columns if c != "_year" and c not in catalogue.MEASURES]
    rows = frame[frame[measure] != 0]
    return {tuple(str(v) for v in row[keys]): int(row[measure]) for _, row in rows.iterrows()}


def test_rows_count_a_units_first_rows_in_its_first_year_and_lost_rows_in_the_last(sourced_truths):
    rows = sourced_truths[0]["coverage_agency_rows"]
    # u1 (6 rows, first known in 2023): a_fia's 2, then c_police's loaded rows up to ROW_CLIP, its merged row cut.
    assert catalogue.ROW_CLIP == 4
    assert nonzero(rows, "rows") == {("a_fia", "2023", "loaded"): 2, ("c_police", "2023", "loaded"): 2,
                                     ("d_pros", "2024", "rejected"): 1 + 5}
    assert len(rows) == len(AGENCIES) * len(YEARS) * len(catalogue.ROW_STATUSES)
    assert rows["_year"].tolist() == rows["year"].tolist()


def test_records_count_once_per_case_and_agency_for_at_most_agency_clip_agencies(sourced_truths):
    truths = sourced_truths[0]
    assert catalogue.AGENCY_CLIP == 4
    month = truths["coverage_agency_month"]
    first_four = ("a_fia", "b_ngo", "c_police", "d_pros")
    assert nonzero(month, "agency_records") == {(a, "2023-03-01"): 1 for a in first_four} | {("b_ngo", "2024-05-01"): 1}
    assert month["_year"].tolist() == [y for _a in AGENCIES for y in YEARS for _m in range(12)]
    fields = truths["coverage_agency_fields"]
    # c1's second c_police copy (district and FIR date missing) is not counted; e_court's copy is past the clip.
    assert nonzero(fields, "records_missing") == {
        ("a_fia", "2023", "district"): 1, ("a_fia", "2023", "fir_date"): 1,
        ("b_ngo", "2024", "offence"): 1, ("b_ngo", "2024", "outcome"): 1}


def test_a_record_known_only_to_its_year_is_outside_the_months(sourced):
    with release._warehouse(sourced) as con:
        release._prepare(con, release.domain(con, YEARS[0]))
        assert release.true_table(con, catalogue.TABLES["coverage_agency_month"])[1] == 1
        assert release.true_table(con, catalogue.TABLES["coverage_agency_fields"])[1] == 0


def test_unpublished_returns_are_counted_in_the_areas_they_cover(sourced):
    with release._warehouse(sourced) as con:
        release._prepare(con, release.domain(con, YEARS[0]))
        district, outside_district = release.true_table(con, catalogue.TABLES["returns_district_year"])
        province, outside_province = release.true_table(con, catalogue.TABLES["returns_province_year"])
    punjab = [d for d, _n, p, _pop in GAZETTEER if p == "Punjab"]
    # The cells: every district of the province a district return covers, or its one district, or all of them.
    assert sorted(set(zip(district["return_source"], district["district_id"], strict=True))) == sorted(
        [("r_all", d) for d, *_ in GAZETTEER] + [("r_districts", d) for d in punjab]
        + [("r_karachi", "karachi_south")])
    assert sorted(set(zip(province["return_source"], province["province"], strict=True))) == sorted(
        [("r_all", p) for p in PROVINCES] + [("r_districts", "Punjab"), ("r_karachi", "Sindh"),
                                             ("r_province", "Sindh")])
    assert set(district["year"]) == set(province["year"]) == set(YEARS)
    expected_district = {("r_districts", "lahore", "2023"): {"cases": 7, "period_convictions": 2},
                         ("r_districts", "multan", "2024"): {"cases": 3},
                         ("r_karachi", "karachi_south", "2024"): {"cases": 2 + 4}}  # "<5" counts as 5 // 2
    expected_province = {("r_districts", "Punjab", "2023"): {"cases": 7, "period_convictions": 2},
                         ("r_districts", "Punjab", "2024"): {"cases": 3},
                         ("r_karachi", "Sindh", "2024"): {"cases": 6},
                         ("r_province", "Sindh", "2023"): {"period_charge_sheets": 6}}
    for frame, expected in ((district, expected_district), (province, expected_province)):
        got: dict[tuple, dict[str, int]] = {}
        for m in catalogue.RETURN_MEASURES:
            for keys, value in nonzero(frame, m).items():
                got.setdefault(keys, {})[m] = value
        assert got == expected
    # r_districts' figure for a Sindh district is outside the areas it covers: left out, and counted as such.
    assert (outside_district, outside_province) == (1, 1)


def test_three_years_count_their_first_middle_and_last_year(sourced):
    truths, dom = release.true_tables(sourced, 2022)  # two years would not tell the last year from the second
    assert dom.years == [2022, 2023, 2024]
    national = truths["national_year"]
    assert [cell(national, "cases", year=y, kind="trafficking") for y in dom.years] == [1, 14, 1]
    assert nonzero(truths["returns_district_year"], "cases") == {
        ("r_districts", "lahore", "2022"): 9, ("r_districts", "lahore", "2023"): 7,
        ("r_districts", "multan", "2024"): 3, ("r_karachi", "karachi_south", "2024"): 6}
    assert nonzero(truths["coverage_agency_rows"], "rows") == {
        ("a_fia", "2022", "loaded"): 1, ("a_fia", "2023", "loaded"): 2, ("c_police", "2023", "loaded"): 2,
        ("d_pros", "2024", "rejected"): 6}
    fields = nonzero(truths["coverage_agency_fields"], "records_missing")
    assert {k: v for k, v in fields.items() if k[1] != "2023"} == \
        {("a_fia", "2022", f): 1 for f in catalogue.COVERAGE_FIELDS} | \
        {("b_ngo", "2024", "offence"): 1, ("b_ngo", "2024", "outcome"): 1}


def test_the_release_publishes_the_agencies_and_the_published_returns_as_they_are(sourced, tmp_path):
    shutil.copy(sourced, tmp_path / "wh.duckdb")
    got = build(tmp_path)
    folder = tmp_path / "release"
    resources = {r["name"]: r for r in package(folder)["resources"]}
    assert list(resources)[len(catalogue.TABLES):] == ["districts", "ref_notes", "ref_sources", "coverage_agencies",
                                                       "return_sources", "returns_published"]
    assert got["reference_tables"] == 6
    assert (folder / "coverage" / "agencies.csv").read_text(encoding="utf-8") == (
        "agency,name,agency_type,province,files_received\n"
        "a_fia,FIA,fia,,true\nb_ngo,An NGO,ngo,Punjab,true\nc_police,Punjab Police,police,Punjab,false\n"
        "d_pros,Prosecution,prosecution,Sindh,true\ne_court,A court,prosecution,Sindh,true\n")
    agencies = resources["coverage_agencies"]
    assert agencies["path"] == "coverage/agencies.csv" and agencies["licenses"] == [release.CC_BY]
    assert agencies["schema"]["primaryKey"] == ["agency"]
    assert [(f["name"], f["type"]) for f in agencies["schema"]["fields"]] == [
        ("agency", "string"), ("name", "string"), ("agency_type", "string"), ("province", "string"),
        ("files_received", "boolean")]
    assert (folder / "returns" / "sources.csv").read_text(encoding="utf-8") == (
        "return_source,agency,agency_type,published,level,province,district_id,period,measures,below,citation,url\n"
        "r_all,Federal return,police,false,district,,,year,cases,,,\n"
        "r_districts,Labour Punjab,police,false,district,Punjab,,year,cases convictions,,,\n"
        "r_karachi,DPO Karachi South,police,false,district,Sindh,karachi_south,month,cases firs,5,,\n"
        "r_province,Sindh Prosecution,police,false,province,Sindh,,year,charge_sheets,,,\n"
        'r_public,DPO Lahore,police,true,district,Punjab,lahore,month,cases,5,"Gazette, 2024",https://example.org/r\n')
    source_fields = resources["return_sources"]["schema"]["fields"]
    assert [(f["name"], f["type"]) for f in source_fields] == [
        ("return_source", "string"), ("agency", "string"), ("agency_type", "string"), ("published", "boolean"),
        ("level", "string"), ("province", "string"), ("district_id", "string"), ("period", "string"),
        ("measures", "string"), ("below", "integer"), ("citation", "string"), ("url", "string")]
    assert resources["return_sources"]["schema"]["primaryKey"] == ["return_source"]
    assert resources["return_sources"]["licenses"] == [release.CC_BY]
    assert package(folder)["sources"][1:] == [{"title": "Ministry, 2024"}]
    assert (folder / "returns" / "published.csv").read_text(encoding="utf-8") == (
        "return_source,district_id,province,year,month,measure,value,value_flag\n"
        "r_public,lahore,Punjab,2024,2024-03-01,cases,3,\n"
        "r_public,lahore,Punjab,2024,2024-04-01,cases,,<5\n")
    figures = resources["returns_published"]
    assert figures["path"] == "returns/published.csv" and "licenses" not in figures
    assert [(f["name"], f["type"]) for f in figures["schema"]["fields"]] == [
        ("return_source", "string"), ("district_id", "string"), ("province", "string"), ("year", "integer"),
        ("month", "date"), ("measure", "string"), ("value", "integer"), ("value_flag", "string")]
    for r in (agencies, resources["return_sources"], figures):
        assert (r["profile"], r["format"], r["mediatype"], r["encoding"], r["dialect"]) == \
            ("tabular-data-resource", "csv", "text/csv", "utf-8", release.DIALECT)
    # The returns tables' noise covers every unpublished return counting a case, a "<5" moving its cell by 3.
    sensitivity = catalogue.return_sensitivity([None, None, 5, None])
    assert sensitivity == 4  # ceil(sqrt(1 + 1 + 9 + 1))
    manifest = package(folder)["privacy"]["tables"]
    for name in ("returns_district_year", "returns_province_year"):
        assert {m["sensitivity"] for m in manifest[name]["measures"].values()} == {sensitivity}
    assert manifest["national_year"]["measures"]["cases"]["sensitivity"] == 1
    dist = read(folder, "returns_district_year")
    assert len(dist) == len(set(zip(dist["return_source"], dist["district_id"], strict=True))) * len(YEARS)
    assert hashlib.sha256(json.dumps(wording(package(folder)), sort_keys=True).encode()).hexdigest() == WORDING, \
        json.dumps(wording(package(folder)), indent=1)


# A digest of what the package tells its readers (wording() of a release of real data with every kind of file):
# the words are part of the release, so a change to them must be deliberate. Read the new words (printed when
# this fails) and pin their digest here.
WORDING = "fc515ce205260269c23491576e84d9f3634c4caeab4f846be9bc63b93785d82b"


def wording(pkg: dict) -> dict:
    """The package's own words: its title, description and sources, the privacy statement's texts, and each
    resource's name, path, title, description, licence and fields (name, type, description)."""
    texts = {k: v for k, v in pkg["privacy"].items() if isinstance(v, str)}
    return {"title": pkg["title"], "description": pkg["description"], "sources": pkg["sources"],
            "licenses": pkg["licenses"], "privacy": texts | {"display_rule": pkg["privacy"]["display_rule"]["text"]},
            "resources": [{k: r.get(k) for k in ("name", "path", "title", "description", "licenses", "sources",
                                                 "rights")}
                          | {"fields": [(f["name"], f["type"], f.get("description")) for f in r["schema"]["fields"]]}
                          for r in pkg["resources"]]}


# -- the package -----------------------------------------------------------------------------------------------


def test_the_release_files_hold_every_table_and_the_reference_facts(tiny, tiny_truths):
    pkg = package(tiny)
    names = [r["name"] for r in pkg["resources"]]
    assert names == [*catalogue.TABLES, "districts", "ref_notes", "ref_sources"]
    for name, table in catalogue.TABLES.items():
        frame = read(tiny, name)
        assert list(frame.columns) == [*table.keys, *table.measures]
        assert frame[list(table.keys)].astype(str).values.tolist() == \
            tiny_truths[name][list(table.keys)].astype(str).values.tolist()
    raw = (tiny / "data" / "national_year.csv").read_bytes()
    assert b"\r" not in raw and raw.endswith(b"\n")
    assert (tiny / "reference" / "ref_notes.csv").read_text(encoding="utf-8") == "number,note\n1,a note\n,no number\n"
    districts = read_ref(tiny, "districts")
    assert districts["district_id"].tolist() == [d for d, *_ in GAZETTEER]


def read_ref(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "reference" / f"{name}.csv", keep_default_na=False)


def test_each_table_resource_describes_its_fields_keys_and_licence(tiny):
    resources = {r["name"]: r for r in package(tiny)["resources"]}
    for name, table in catalogue.TABLES.items():
        res = resources[name]
        assert res["path"] == f"data/{name}.csv" and res["profile"] == "tabular-data-resource"
        assert res["title"] == table.title and res["description"].startswith(f"{table.title}. Every combination")
        assert (res["format"], res["mediatype"], res["encoding"]) == ("csv", "text/csv", "utf-8")
        assert res["dialect"] == release.DIALECT and res["licenses"] == [release.CC_BY]
        assert res["schema"]["primaryKey"] == list(table.keys)
        fields = {f["name"]: f for f in res["schema"]["fields"]}
        assert list(fields) == [*table.keys, *table.measures]
        for key in table.keys:
            spec = fields[key]
            assert spec["description"] == (catalogue.year_meaning(table) if key == "year" else
                                           catalogue.KEY_DESCRIPTIONS[key])
            assert spec["constraints"]["required"] is True
            if key == "year":
                assert spec["type"] == "integer"
                assert (spec["constraints"]["minimum"], spec["constraints"]["maximum"]) == YEARS
            elif key == "month":
                assert spec["type"] == "date" and "enum" not in spec["constraints"]
            else:
                assert spec["type"] == "string"
                assert spec["constraints"]["enum"] == [str(v) for v in _domain_of(key)]
        for m in table.measures:
            assert fields[m]["type"] == "integer" and fields[m]["constraints"] == {"required": True}
            assert fields[m]["description"].startswith(catalogue.MEASURES[m].description + "; protected with")


def _domain_of(key: str) -> list:
    return release.Domain(list(YEARS), sorted(d for d, *_ in GAZETTEER), 0, False, None, None).values(key)


def test_reference_resources_keep_their_types_sources_and_licences(tiny):
    resources = {r["name"]: r for r in package(tiny)["resources"]}
    notes = resources["ref_notes"]
    assert notes["path"] == "reference/ref_notes.csv" and notes["title"] == "Notes on things"
    assert notes["description"] == "Published facts, not case records: copied as they are from the warehouse. " \
                                   "Notes on things."
    assert notes["schema"]["fields"] == [{"name": "number", "type": "integer"}, {"name": "note", "type": "string"}]
    assert notes["sources"] == [{"title": "Ministry, 2024"}] and notes["rights"] == "public"
    for ref in (notes, resources["districts"], resources["ref_sources"]):
        assert (ref["profile"], ref["format"], ref["mediatype"], ref["encoding"], ref["dialect"]) == \
            ("tabular-data-resource", "csv", "text/csv", "utf-8", release.DIALECT)
    gaz = resources["districts"]
    assert gaz["schema"]["primaryKey"] == ["district_id"] and gaz["licenses"] == [release.ODBL]
    assert gaz["title"] == "Reference facts" and "sources" not in gaz and "rights" not in gaz
    assert {f["name"]: f["type"] for f in gaz["schema"]["fields"]}["population_2023"] == "integer"
    assert "primaryKey" not in notes["schema"] and "licenses" not in notes
    assert resources["ref_sources"]["title"] == "Where each reference table comes from: file, description, " \
                                                "citation and licence"


def test_the_package_states_its_licence_sources_status_and_synthetic_data(tiny):
    pkg = package(tiny)
    assert pkg["profile"] == "tabular-data-package" and pkg["name"] == release.PACKAGE_NAME
    assert pkg["title"] == "Pakistan TIP data: protected public release (SYNTHETIC DEMO DATA, not real cases)"
    assert pkg["description"].startswith("SYNTHETIC DEMO DATA generated by `python -m etl demo`")
    assert "protected with differential privacy" in pkg["description"]
    assert pkg["synthetic"] is True and pkg["privacy"]["synthetic"] is True
    assert pkg["licenses"] == [release.CC_BY]
    assert pkg["sources"] == [{"title": "Synthetic demo agency exports (python -m etl demo)"},
                              {"title": "Ministry, 2024"}]
    status = pkg["status"]
    assert status == {"release_id": pkg["version"], "created": pkg["created"], "data_as_of": "2024-05",
                      "is_demo": True, "etl_run_id": "run-2"}
    assert len(pkg["version"]) == 12 and int(pkg["version"], 16) >= 0
    assert dt.datetime.strptime(pkg["created"], "%Y-%m-%dT%H:%M:%SZ")


def test_a_release_of_real_data_carries_no_demo_label(tmp_path):
    make_warehouse(tmp_path / "wh.duckdb", [case(1, 2023), case(2, 2024)])
    build(tmp_path)
    pkg = package(tmp_path / "release")
    assert pkg["title"] == "Pakistan TIP data: protected public release"
    assert pkg["synthetic"] is False and pkg["status"]["is_demo"] is False
    assert "SYNTHETIC" not in pkg["description"] and pkg["description"].startswith("Counts of trafficking")
    assert pkg["sources"][0]["title"].startswith("Case records of Pakistani agencies")


def test_the_manifest_states_the_unit_mechanism_and_every_vectors_noise(tiny):
    manifest = package(tiny)["privacy"]
    vector_plan = release.plan()
    year_rho, period_rho = (release.composed_rho([p.spent for p in vector_plan.values() if p.basis == basis])
                            for basis in ("report", "event"))
    budget = {"report": config.PRIVACY_RHO, "event": config.PRIVACY_RHO_PERIOD}
    assert manifest["unit"] == release.UNIT == "one case with all its victims"
    assert "zCDP" in manifest["guarantee"] and "discrete Gaussian" in manifest["mechanism"]
    assert manifest["library"] == f"opendp {importlib.metadata.version('opendp')}"
    assert manifest["rho_per_year"] == pytest.approx(config.PRIVACY_RHO, rel=1e-6) == year_rho
    assert manifest["period_rho_per_year"] == pytest.approx(config.PRIVACY_RHO_PERIOD, rel=1e-6) == period_rho
    assert manifest["case_rho_per_release"] == pytest.approx(year_rho + period_rho, rel=1e-9)
    assert manifest["case_epsilon_per_release"] == release.epsilon(manifest["case_rho_per_release"])
    assert manifest["delta"] == release.DELTA and manifest["epsilon_per_year"] == release.epsilon(year_rho)
    assert manifest["rho_cap_per_year"] == config.PRIVACY_RHO_CAP
    assert manifest["period_rho_cap_per_year"] == config.PRIVACY_RHO_PERIOD_CAP
    assert manifest["victim_clip"] == catalogue.VICTIM_CLIP
    assert manifest["display_rule"]["show_below"] == config.SHOW_BELOW
    assert f"below {config.SHOW_BELOW} are shown as 'fewer than {config.SHOW_BELOW}'" in \
        manifest["display_rule"]["text"]
    assert "square root of n" in manifest["margin"] and "frozen" in manifest["frozen_note"]
    assert list(manifest["tables"]) == list(catalogue.TABLES)
    for name, table in catalogue.TABLES.items():
        spec = manifest["tables"][name]
        assert (spec["share"], spec["basis"]) == (table.share, table.basis)
        assert spec["rho"] == pytest.approx(budget[table.basis] * table.share, rel=1e-6)
        assert list(spec["measures"]) == list(table.measures)
        for m, got in spec["measures"].items():
            vp = vector_plan[(name, m)]
            assert got == {"rho": vp.spent, "sigma": vp.sigma, "sensitivity": vp.sensitivity,
                           "margin95": vp.margin95}
    version = package(tiny)["version"]
    for key, rho in (("years", year_rho), ("event_years", period_rho)):
        assert manifest[key] == {str(y): {"rho": rho, "cumulative_rho": rho, "cumulative_epsilon": release.epsilon(rho),
                                          "releases": [version], "frozen": False} for y in YEARS}


def test_released_values_are_the_truth_plus_noise_of_the_stated_sigma(tiny, tiny_truths):
    manifest = package(tiny)["privacy"]["tables"]
    z = []
    for name, table in catalogue.TABLES.items():
        frame = read(tiny, name)
        for m in table.measures:
            noise = frame[m].to_numpy(dtype=float) - tiny_truths[name][m].to_numpy(dtype=float)
            z.append(noise / manifest[name]["measures"][m]["sigma"])
    z = np.concatenate(z)
    assert len(z) > 1000
    # A correct release fails these with negligible probability (the sd of the sd estimate is about 0.02 here).
    assert abs(z.mean()) < 0.15 and 0.85 < z.std() < 1.15 and np.abs(z).max() < 6.5


# -- the ledger across builds -------------------------------------------------------------------------------------


def test_a_rebuild_of_the_same_data_republishes_the_same_files_and_spends_nothing(tmp_path):
    make_warehouse(tmp_path / "wh.duckdb", standard_cases())
    first = build(tmp_path)
    files = {p.relative_to(tmp_path / "release"): p.read_bytes() for p in (tmp_path / "release").rglob("*")
             if p.is_file()}
    second = build(tmp_path)
    assert {p.relative_to(tmp_path / "release"): p.read_bytes() for p in (tmp_path / "release").rglob("*")
            if p.is_file()} == files
    assert second["release_id"] == first["release_id"] and second["created"] == first["created"]
    assert second["rho_spent"] == {} and second["years_redrawn"] == []
    assert second["cumulative_rho"] == first["cumulative_rho"]
    with duckdb.connect(str(tmp_path / "ledger.duckdb"), read_only=True) as lcon:
        assert lcon.execute("SELECT count(*) FROM releases").fetchone()[0] == 1
        draws = lcon.execute("SELECT count(*), count(DISTINCT year) FROM draws").fetchone()
        assert draws == (len(release.plan()) * len(YEARS), len(YEARS))


def test_the_build_summary_lists_what_was_spent_and_where(tmp_path):
    make_warehouse(tmp_path / "wh.duckdb", standard_cases(), demo=True)
    got = build(tmp_path)
    year_rho, period_rho = (release.basis_rho(release.plan(), basis) for basis in ("report", "event"))
    assert got["release_dir"] == str(tmp_path / "release") and got["ledger"] == str(tmp_path / "ledger.duckdb")
    assert got["tables"] == len(catalogue.TABLES) and got["reference_tables"] == 3
    assert got["years"] == "2023-2024" and got["cases_outside_years"] == 1 and got["outside_domain"] == {}
    assert (got["rho_per_year"], got["rho_period_per_year"]) == (year_rho, period_rho)
    assert got["rho_spent"] == {2023: year_rho, 2024: year_rho} == got["cumulative_rho"]
    assert got["period_rho_spent"] == {2023: period_rho, 2024: period_rho} == got["period_cumulative_rho"]
    assert got["years_redrawn"] == [2023, 2024] == got["period_years_redrawn"]
    assert got["frozen_years"] == [] == got["period_frozen_years"] and got["is_demo"] is True
    assert 0 < got["seconds_counting"] <= got["seconds"]
    assert got["release_id"] == package(tmp_path / "release")["version"]
    assert stat.S_IMODE((tmp_path / "ledger.duckdb").stat().st_mode) == 0o600


def test_a_code_outside_the_domain_is_reported_per_table(tmp_path):
    make_warehouse(tmp_path / "wh.duckdb", [case(1, 2023, offence="piracy"), case(2, 2024)])
    got = build(tmp_path)
    # One case (and its one victim) in every table keyed by offence; none in the others.
    assert got["outside_domain"] == {t.name: 1 for t in catalogue.TABLES.values() if "offence" in t.keys}


def changed_year_setup(tmp_path: Path) -> tuple[dict, dict]:
    make_warehouse(tmp_path / "wh.duckdb", standard_cases())
    first = build(tmp_path)
    before = {name: read(tmp_path / "release", name) for name in catalogue.TABLES}
    make_warehouse(tmp_path / "wh2.duckdb", [*standard_cases(), case(99, 2024, district="lahore")])
    os.replace(tmp_path / "wh2.duckdb", tmp_path / "wh.duckdb")
    return first, before


def test_a_change_in_one_year_renoises_that_year_only_and_adds_its_rho(tmp_path):
    first, before = changed_year_setup(tmp_path)
    second = build(tmp_path)
    year_rho = second["rho_per_year"]
    assert second["years_redrawn"] == [2024] and list(second["rho_spent"]) == [2024]
    assert second["rho_spent"][2024] == pytest.approx(year_rho)
    assert second["cumulative_rho"] == {2023: pytest.approx(year_rho), 2024: pytest.approx(2 * year_rho)}
    assert second["release_id"] != first["release_id"]
    changed = 0
    for name in catalogue.TABLES:
        after = read(tmp_path / "release", name)
        year = after["year"] if "year" in after else pd.to_datetime(after["month"]).dt.year
        same = (after == before[name]).all(axis=1)
        assert same[year == 2023].all(), name  # the other year keeps its values
        changed += int((~same[year == 2024]).sum())
    assert changed > 50  # every vector of 2024 was drawn again, not only the ones whose truth changed
    years = package(tmp_path / "release")["privacy"]["years"]
    assert years["2024"]["releases"] == [first["release_id"], second["release_id"]]
    assert years["2023"]["releases"] == [first["release_id"]]
    assert years["2024"]["cumulative_rho"] == pytest.approx(2 * year_rho)
    assert years["2024"]["cumulative_epsilon"] == pytest.approx(release.epsilon(2 * year_rho))
    with duckdb.connect(str(tmp_path / "ledger.duckdb"), read_only=True) as lcon:
        assert lcon.execute("SELECT count(*) FROM releases").fetchone()[0] == 2
        assert lcon.execute("SELECT years_drawn, frozen_years FROM releases WHERE release_id = ?",
                            [second["release_id"]]).fetchone() == ([2024], [])


def test_a_year_added_to_the_release_leaves_the_years_before_as_they_were(tmp_path, monkeypatch):
    make_warehouse(tmp_path / "wh.duckdb", standard_cases())
    monkeypatch.setenv("TIP_RELEASE_TO", "2024")
    build(tmp_path)
    before = {name: read(tmp_path / "release", name) for name in catalogue.TABLES}
    monkeypatch.setenv("TIP_RELEASE_TO", "2025")  # every table gains rows, before or after the old years' rows
    second = build(tmp_path)
    assert second["years_redrawn"] == [2025] == second["period_years_redrawn"]
    assert list(second["rho_spent"]) == [2025] == list(second["period_rho_spent"])
    for name in catalogue.TABLES:
        after = read(tmp_path / "release", name)
        year = after["year"] if "year" in after else pd.to_datetime(after["month"]).dt.year
        kept = after[year < 2025].reset_index(drop=True)
        pd.testing.assert_frame_equal(kept, before[name], check_dtype=False, obj=name)


def test_a_year_that_would_pass_its_cap_is_frozen_with_its_values(tmp_path):
    first, before = changed_year_setup(tmp_path)
    cap = first["rho_per_year"] * 1.5
    second = build(tmp_path, rho_cap=cap)
    assert second["frozen_years"] == [2024] and second["rho_spent"] == {}
    assert second["cumulative_rho"][2024] == pytest.approx(first["rho_per_year"])
    for name in catalogue.TABLES:
        pd.testing.assert_frame_equal(read(tmp_path / "release", name), before[name])
    manifest = package(tmp_path / "release")["privacy"]
    assert manifest["years"]["2024"]["frozen"] is True and manifest["years"]["2023"]["frozen"] is False
    assert manifest["rho_cap_per_year"] == cap
    assert "FROZEN (budget spent): 2024" in release.summary_line(second)
    assert second["release_id"] == first["release_id"]  # the same values: the same release


def test_a_release_above_the_cap_is_refused_before_anything_is_drawn(tmp_path):
    make_warehouse(tmp_path / "wh.duckdb", standard_cases())
    with pytest.raises(release.ReleaseError, match="more than the cap 0.1 .TIP_PRIVACY_RHO_CAP."):
        build(tmp_path, rho=0.25, rho_cap=0.1)
    assert not (tmp_path / "release").exists()
    assert build(tmp_path, rho=0.25, rho_cap=0.25)["frozen_years"] == []  # exactly at the cap is allowed


def test_a_new_sigma_redraws_and_counts_its_rho(tmp_path):
    make_warehouse(tmp_path / "wh.duckdb", standard_cases())
    build(tmp_path, rho=0.25)
    second = build(tmp_path, rho=0.5)
    assert second["years_redrawn"] == [2023, 2024]
    assert second["cumulative_rho"][2023] == pytest.approx(0.75)
    sigmas = package(tmp_path / "release")["privacy"]["tables"]["national_year"]["measures"]["cases"]["sigma"]
    assert sigmas == pytest.approx(release.plan(0.5)[("national_year", "cases")].sigma)


def test_a_vector_never_released_in_a_spent_year_stops_the_build(tmp_path):
    make_warehouse(tmp_path / "wh.duckdb", standard_cases())
    first = build(tmp_path)
    with duckdb.connect(str(tmp_path / "ledger.duckdb")) as lcon:  # as if the catalogue had gained a table
        lcon.execute("DELETE FROM vectors WHERE table_name = 'national_year' AND measure = 'cases' AND year = 2023")
    with pytest.raises(release.ReleaseError, match="2023: its privacy budget is spent .* national_year.cases were "
                                                   "never released"):
        build(tmp_path, rho_cap=first["rho_per_year"])


def test_frozen_values_that_no_longer_fit_the_domain_stop_the_build(tmp_path):
    make_warehouse(tmp_path / "wh.duckdb", standard_cases())
    first = build(tmp_path)
    make_warehouse(tmp_path / "wh2.duckdb", standard_cases(), gazetteer=[*GAZETTEER, ("quetta", "Quetta",
                                                                                      "Balochistan", 2_500_000)])
    os.replace(tmp_path / "wh2.duckdb", tmp_path / "wh.duckdb")
    with pytest.raises(release.ReleaseError, match=r"2023: the frozen values of district_\w+\.\w+ do not fit"):
        build(tmp_path, rho_cap=first["rho_per_year"])


def test_a_second_build_on_the_same_ledger_waits_its_turn(tmp_path):
    make_warehouse(tmp_path / "wh.duckdb", standard_cases())
    ledger = tmp_path / "ledger.duckdb"
    with (tmp_path / ".ledger.duckdb.lock").open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        with pytest.raises(release.ReleaseError, match="another release is being built from this ledger"):
            build(tmp_path)
    assert not ledger.exists()
    assert build(tmp_path)["years_redrawn"] == [2023, 2024]  # the lock is released with its holder


# -- writing the folder and the private files ---------------------------------------------------------------------


def test_the_folder_is_swapped_in_whole_and_world_readable(tmp_path):
    target = tmp_path / "out" / "release"
    release._write_folder(target, {"a.txt": b"one", "data/b.csv": b"x\n"})
    assert (target / "a.txt").read_bytes() == b"one" and (target / "data" / "b.csv").read_bytes() == b"x\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert stat.S_IMODE((target / "data").stat().st_mode) == 0o755
    assert stat.S_IMODE((target / "data" / "b.csv").stat().st_mode) == 0o644
    release._write_folder(target, {"c.txt": b"two"})
    assert sorted(p.name for p in target.rglob("*")) == ["c.txt"]
    assert sorted(p.name for p in target.parent.iterdir()) == ["release"]  # no building folder left behind


def test_leftovers_of_dead_builds_are_removed_and_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(dead.stdout)
    target = tmp_path / "release"
    (tmp_path / f".release.building-{pid}").mkdir()
    live = tmp_path / f".release.building-{os.getppid()}"
    live.mkdir()
    (tmp_path / ".release.building-x").mkdir()
    release._write_folder(target, {"a": b"1"})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["release", live.name, ".release.building-x"])
    assert release._pid_alive(os.getpid()) and release._pid_alive(1) and not release._pid_alive(pid)


def test_two_folders_are_exchanged_in_place_and_a_failure_names_its_cause(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    (a / "new").write_text("1")
    b.mkdir()
    (b / "old").write_text("0")
    assert release._rename_exchange(a, b) is True
    assert [p.name for p in b.iterdir()] == ["new"] and [p.name for p in a.iterdir()] == ["old"]
    with pytest.raises(FileNotFoundError) as failed:  # nothing to exchange with: the system's own error
        release._rename_exchange(a, tmp_path / "missing")
    assert (failed.value.errno, failed.value.filename) == (errno.ENOENT, str(tmp_path / "missing"))


def test_private_files_are_closed_to_other_users(tmp_path, monkeypatch):
    private = tmp_path / "private"
    (private / "reports" / "run").mkdir(parents=True)
    for path in (private / "wh.duckdb", private / "wh.duckdb.wal", private / "privacy_ledger.duckdb",
                 private / "reports" / "run" / "rejected.csv"):
        path.write_text("x")
        os.chmod(path, 0o644)
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "police.csv").write_text("x")
    os.symlink(raw / "police.csv", raw / "link.csv")
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("x")
    for folder in (private, private / "reports", private / "reports" / "run", raw):
        os.chmod(folder, 0o755)
    monkeypatch.setenv("TIP_PRIVATE_DIR", str(private))
    monkeypatch.setenv("TIP_SECRETS_FILE", str(secrets))
    monkeypatch.delenv("TIP_LEDGER", raising=False)
    monkeypatch.delenv("TIP_REPORTS_DIR", raising=False)
    release.secure_private(private / "wh.duckdb", raw)
    mode = {p: stat.S_IMODE(p.stat().st_mode) for p in [private, *private.rglob("*"), raw, raw / "police.csv",
                                                         secrets]}
    assert mode == {p: 0o700 if p.is_dir() else 0o600 for p in mode}
    release.secure_private(private / "missing.duckdb", None)  # files that do not exist are no error


def test_publishing_after_a_build_reports_success_or_the_reason(tmp_path, monkeypatch):
    monkeypatch.setenv("TIP_PRIVATE_DIR", str(tmp_path / "private"))
    wh = make_warehouse(tmp_path / "private" / "wh.duckdb", [case(1, 2024)])
    seen: list[tuple[str, float]] = []
    monkeypatch.setattr(config, "RELEASE_FROM", 2024)
    got = release.publish_after_build(wh, None, lambda msg, frac: seen.append((msg, frac)))
    assert got["ok"] is True and got["years"] == "2024-2024"
    assert got["ledger"] == str(tmp_path / "private" / "privacy_ledger.duckdb")  # beside its warehouse
    assert (tmp_path / "private" / "release" / "datapackage.json").is_file()
    assert seen[0] == ("Building the public release", 0.98) and all(0.98 <= f <= 1.0 for _m, f in seen)
    # The build's own steps, their fractions squeezed into the last 2% of the warehouse build.
    assert seen[1:3] == [("Counting the release tables", 0.98), ("Adding noise to 2024", pytest.approx(0.982))]
    assert seen[-1] == ("Writing the release", pytest.approx(0.998))
    failed = release.publish_after_build(tmp_path / "private" / "gone.duckdb")
    assert failed == {"ok": False, "error": "ReleaseError: no warehouse at gone.duckdb; build it first "
                                            "(python -m etl build)"}


def test_the_summary_line_says_what_the_build_did():
    assert release.summary_line(None) == "Public release: not built"
    assert release.summary_line({"ok": False, "error": "boom"}) == \
        "Public release not updated (the previous one stays): boom"
    done = {"release_id": "abc", "tables": 3, "years": "2023-2024", "rho_spent": {2024: 0.25}, "frozen_years": [],
            "cases_outside_years": 0, "seconds": 1.234, "release_dir": "rel"}
    assert release.summary_line(done) == \
        "Public release abc: 3 tables, years 2023-2024; rho spent on 1 year(s); 1.2 s: rel"
    again = done | {"ok": True, "rho_spent": {}, "frozen_years": [2023, 2024], "cases_outside_years": 1234}
    assert release.summary_line(again) == (
        "Public release abc: 3 tables, years 2023-2024; nothing spent (same data as the last release); "
        "FROZEN (budget spent): 2023, 2024; 1,234 cases outside the years left out; 1.2 s: rel")


# -- the query layer: which table answers, margins, ranks, rates ----------------------------------------------------


def test_the_filters_name_the_keys_a_table_must_hold():
    assert queries.filter_dims(Filters(2023, 2024)) == {"year", "kind"}
    full = Filters(2023, 2024, offences=("bonded_labour",), scopes=("internal",), agencies=("police",),
                   sexes=("female",), age_bands=("9-17",), provinces=("Punjab",), districts=("lahore",))
    assert queries.filter_dims(full) == {"year", "kind", "offence", "scope", "agency_type", "sex", "age_band",
                                         "province", "district_id"}
    assert queries.filter_dims(Filters(2023, 2024, include_smuggling=True, scopes=("internal",))) == \
        {"year", "kind", "scope"}


def _serves(table: catalogue.Table, dim: str) -> bool:
    via = {"province": "district_id", "kind": "offence", "year": "month"}
    return dim in table.keys or via.get(dim) in table.keys


DIM_SETS = [set(), {"province"}, {"district_id"}, {"offence"}, {"offence", "scope"}, {"province", "offence"},
            {"district_id", "offence"}, {"sex", "age_band"}, {"province", "sex"}, {"agency_type"}, {"month"},
            {"province", "law_group"}, {"province", "verdict_months"}, {"district_id", "sex"}, {"scope", "agency_type"}]


@pytest.mark.parametrize("dims", DIM_SETS, ids=lambda d: "+".join(sorted(d)) or "none")
def test_each_question_is_answered_by_the_coarsest_table_that_holds_it(dims):
    dims = dims | {"year", "kind"}
    for measure in catalogue.MEASURES:
        fits = [t for t in catalogue.TABLES.values() if measure in t.measures and all(_serves(t, d) for d in dims)]
        if not fits:
            with pytest.raises(queries.Unanswerable) as err:
                queries.choose_table(measure, dims)
            assert str(err.value) == queries.unanswerable_reason(measure, dims)
            continue
        chosen = queries.choose_table(measure, dims)
        assert chosen in fits
        level = queries.LEVELS[chosen.level]
        assert level == min(queries.LEVELS[t.level] for t in fits), (measure, dims)
        same_level = [t for t in fits if queries.LEVELS[t.level] == level]
        # Dimensions held as keys beat dimensions reached through the district or the month ...
        via = {t.name: sum(d not in t.keys and d != "kind" for d in dims) for t in same_level}
        assert via[chosen.name] == min(via.values()), (measure, dims)
        # ... and then the fewest keys, the fewest noisy cells summed.
        best = [t for t in same_level if via[t.name] == via[chosen.name]]
        assert len(chosen.keys) == min(len(t.keys) for t in best), (measure, dims)


def test_the_levels_order_pakistan_before_provinces_before_districts():
    assert queries.LEVELS == {"national": 0, "province": 1, "district": 2}
    assert queries.choose_table("cases", {"year", "kind"}).level == "national"
    assert queries.choose_table("cases", {"year", "kind", "province"}).level == "province"
    assert queries.choose_table("cases", {"year", "kind", "district_id"}).level == "district"
    # A province is reached through the district tables' gazetteer when no province table holds the question.
    by_offence = queries.choose_table("cases", {"year", "kind", "province", "offence", "scope"})
    assert {"province", "offence", "scope"} <= set(by_offence.keys)


def test_a_question_no_table_holds_says_which_filters_to_drop():
    with pytest.raises(queries.Unanswerable) as err:
        queries.choose_table("convictions", {"year", "kind", "district_id", "sex"})
    assert str(err.value) == (
        "The public release holds no table of convictions by district, victim sex: choose fewer filters (victim sex "
        "and age apply to victim counts only; districts are released without scope, agency or month).")
    assert "by these filters:" in queries.unanswerable_reason("cases", {"year", "kind"})


def test_a_rank_is_a_range_unless_the_margins_separate_it():
    values = pd.Series([10.0, 5.0, np.nan, 30.0])
    assert queries.rank_labels(values, pd.Series([2.0, 3.0, 1.0, 0.0])).tolist() == ["2–3", "2–3", "", "1"]
    assert queries.rank_labels(values, pd.Series([2.0, 2.9, 1.0, 0.0])).tolist() == ["2", "3", "", "1"]
    assert queries.rank_labels(values, pd.Series([np.nan] * 4)).tolist() == ["2", "3", "", "1"]  # no margin: exact
    assert queries.rank_labels(pd.Series([7.0, 7.0]), pd.Series([0.0, 0.0])).tolist() == ["1–2", "1–2"]  # a tie
    # No margin means none: close values keep their order.
    assert queries.rank_labels(pd.Series([10.0, 11.5]), pd.Series([np.nan, np.nan])).tolist() == ["2", "1"]
    assert queries.rank_labels(pd.Series(["n/a", 3.0]), pd.Series([1.0, "n/a"])).tolist() == ["", "1"]
    shifted = pd.Series([1.0, 2.0], index=[5, 9])
    assert queries.rank_labels(shifted, pd.Series([0.0, 0.0], index=[5, 9])).to_dict() == {5: "2", 9: "1"}


def released_sums(**columns) -> pd.DataFrame:
    df = pd.DataFrame({k: pd.Series(v, dtype="float64") for k, v in columns.items()})
    for name in list(columns):
        df[name + queries.MOE] = 4.0
    return df


def test_rates_and_their_margins_from_released_sums():
    df = released_sums(cases=[200.0, 50.0, 15.0], firs=[100.0, 40.0, 12.0], charge_sheets=[50.0, 5.0, 10.0],
                       trials=[40.0, 19.0, 30.0], convictions=[20.0, 12.0, 12.0], victims=[300.0, 80.0, 30.0],
                       victims_referred=[150.0, 8.0, 9.0])
    out = queries.add_rates(df)
    assert out["conviction_rate"].tolist() == [50.0, pd.NA, 40.0]
    assert out["fir_rate"].tolist() == [50.0, 80.0, pd.NA]  # a base of 15 is below 20
    assert out["charge_sheet_rate"].tolist() == [50.0, pd.NA, pd.NA]
    assert out["referral_rate"].tolist() == [50.0, pd.NA, pd.NA]  # 8 and 9 are shown as "<10"
    assert out["attrition"].tolist() == [90.0, 76.0, pd.NA]
    for rate, (num, den) in queries.RATES.items():
        if num not in df or den not in df:
            assert rate not in out, rate  # a rate needs both its counts
            continue
        expected = privacy.rate_margin(df[num], df[den], df[num + queries.MOE], df[den + queries.MOE])
        assert out[rate + queries.MOE].tolist() == expected.tolist(), rate
    assert out[list(df)].equals(df)  # the counts are left as they were


def test_a_rate_whose_margin_is_wider_than_the_ceiling_is_not_shown():
    # A base of 25 summed from many noisy cells: margins of 60 on both counts give a rate margin far above 25 points.
    df = released_sums(convictions=[20.0, 20.0], trials=[25.0, 400.0])
    df.loc[0, ["convictions_moe", "trials_moe"]] = 60.0
    for frame in (df, df.astype({"trials": "Float64"})):  # the stacked rule and the column-by-column one
        out = queries.add_rates(frame)
        assert pd.isna(out.loc[0, "conviction_rate"]) and pd.isna(out.loc[0, "conviction_rate_moe"])
        assert out.loc[1, "conviction_rate"] == 5.0 and out.loc[1, "conviction_rate_moe"] <= privacy.RATE_MOE_MAX
    edge = released_sums(convictions=[50.0], trials=[100.0])
    moe = float(queries.add_rates(edge).loc[0, "conviction_rate_moe"])
    assert queries.add_rates(edge).loc[0, "conviction_rate"] == 50.0 and moe < privacy.RATE_MOE_MAX


def test_rates_are_the_same_from_the_stacked_and_the_column_by_column_rule():
    floats = released_sums(cases=[200.0, 50.0], firs=[100.0, 40.0], trials=[40.0, 30.0], convictions=[20.0, 12.0])
    mixed = floats.astype({"firs": "Float64"})  # not all float64: one call per rate
    a, b = queries.add_rates(floats), queries.add_rates(mixed)
    for col in ("conviction_rate", "fir_rate", "conviction_rate_moe", "fir_rate_moe", "attrition"):
        assert [None if pd.isna(v) else v for v in a[col]] == [None if pd.isna(v) else v for v in b[col]], col
    assert "charge_sheet_rate" not in a and "referral_rate" not in a
    assert a["attrition"].tolist() == [90.0, 76.0] == b["attrition"].tolist()


def test_rates_keep_the_rows_of_their_frame():
    df = released_sums(cases=[200.0, 50.0], convictions=[20.0, 12.0], trials=[40.0, 30.0]).set_axis([5, 9])
    out = queries.add_rates(df)
    assert out.loc[9, "attrition"] == 76.0 and out.loc[9, "conviction_rate"] == 40.0 and list(out.index) == [5, 9]
    without_cases = queries.add_rates(released_sums(convictions=[20.0], trials=[40.0]))
    assert "attrition" not in without_cases and without_cases["conviction_rate"].tolist() == [50.0]


def test_rates_of_a_suffixed_period_and_of_counts_alone():
    df = released_sums(cases_prev=[200.0], convictions_prev=[20.0], trials_prev=[40.0])
    out = queries.add_rates(df, suffix="_prev")
    assert out["conviction_rate_prev"].tolist() == [50.0] and out["attrition_prev"].tolist() == [90.0]
    assert "conviction_rate" not in out
    only_counts = released_sums(victims=[10.0])
    assert queries.add_rates(only_counts).equals(only_counts)
    no_margins = pd.DataFrame({"cases": [100.0], "convictions": [30.0]})
    assert queries.add_rates(no_margins)["attrition"].tolist() == [70.0]


def test_a_change_is_a_percentage_of_a_base_of_at_least_twenty():
    got = queries.change_percent(pd.Series([30.0, 30.0, 30.0, 10.0, np.nan]), pd.Series([20.0, 19.9, -5.0, 40.0, 20.0]))
    assert got.tolist()[0] == 50.0 and got.tolist()[3] == -75.0
    assert got.isna().tolist() == [False, True, True, False, True]
    assert queries.change_percent(pd.Series([1.0]), pd.Series([3.0 * 7])).tolist() == [round(-20 / 21 * 100, 1)]
    assert queries.change_percent(pd.Series(["n/a", 30.0]), pd.Series([20.0, "n/a"])).isna().all()


_QUERY_RELEASE: dict[str, Path] = {}


def query_release() -> Path:
    """A tiny release for the query tests, built once per process. It is their input, not what they test, so a
    process forked after the build (as mutmut's workers are, one per mutant) reads it instead of building again."""
    if "path" not in _QUERY_RELEASE:
        folder, owner = Path(tempfile.mkdtemp(prefix="tip-query-release-")), os.getpid()
        atexit.register(lambda: os.getpid() == owner and shutil.rmtree(folder, ignore_errors=True))
        make_warehouse(folder / "wh.duckdb", standard_cases(), demo=True)
        build(folder)
        _QUERY_RELEASE["path"] = folder / "release"
    return _QUERY_RELEASE["path"]


@pytest.fixture
def on_tiny(monkeypatch) -> Path:
    """The dashboard's release is the tiny one."""
    folder = query_release()
    monkeypatch.setenv("TIP_RELEASE_DIR", str(folder))
    return folder


def expected_sum(folder: Path, f: Filters, measure: str, by: tuple[str, ...] = ()) -> tuple[pd.Series, pd.Series]:
    """The released sum of ``measure`` under ``f`` from the file of the table that answers it, and its cell count."""
    table = queries.choose_table(measure, queries.filter_dims(f) | set(by))
    frame = read(folder, table.name)
    gaz = {d: p for d, _n, p, _pop in GAZETTEER}
    year = frame["year"] if "year" in frame else pd.to_datetime(frame["month"]).dt.year
    keep = year.between(f.year_from, f.year_to)
    if "offence" in frame:
        chosen = frame["offence"].isin(f.offences) if f.offences else frame["offence"] != catalogue.SMUGGLING
        keep &= chosen | (frame["offence"] == catalogue.SMUGGLING) if f.include_smuggling else chosen
    elif "kind" in frame and not f.include_smuggling:
        keep &= frame["kind"] == "trafficking"
    for key, values in (("district_id", f.districts), ("sex", f.sexes), ("age_band", f.age_bands),
                        ("scope", f.scopes), ("agency_type", f.agencies)):
        if values and key in frame:
            keep &= frame[key].isin(values)
    province = frame["province"] if "province" in frame else frame.get("district_id", pd.Series(dtype=str)).map(gaz)
    if f.provinces:
        keep &= province.isin(f.provinces)
    rows = frame[keep].assign(province=province[keep])
    if not by:
        return pd.Series([float(rows[measure].sum())]), pd.Series([len(rows)])
    grouped = rows.groupby(list(by))[measure]
    return grouped.sum().astype(float), grouped.size()


CASES = [Filters(2023, 2024), Filters(2024, 2024, include_smuggling=True), Filters(2023, 2023, districts=("lahore",)),
         Filters(2023, 2024, offences=("bonded_labour", "other")),
         Filters(2023, 2024, offences=("bonded_labour",), include_smuggling=True,
                 districts=("karachi_south", "lahore")),
         Filters(2023, 2024, provinces=("Punjab",)), Filters(2023, 2024, provinces=("Punjab",), offences=("other",)),
         Filters(2023, 2024, sexes=("male",)), Filters(2023, 2024, scopes=("internal",), agencies=("police",)),
         Filters(2023, 2024, scopes=("transnational",), include_smuggling=True), Filters(2023, 2024, agencies=("ngo",)),
         Filters(2023, 2024, age_bands=("30-38", "9-17"))]


@pytest.mark.parametrize("f", CASES, ids=[f"filters{i}" for i in range(len(CASES))])  # ids mutmut can pass back
def test_released_sums_are_the_published_cells_with_their_margins(on_tiny, f):
    measures = ["cases", "victims", "convictions"]
    got = queries.released(f, measures)
    sigmas = package(on_tiny)["privacy"]["tables"]
    for m in measures:
        if m in got.attrs["unanswered"]:
            assert got[m].isna().all() and got[m + queries.MOE].isna().all()
            assert got.attrs["unanswered"][m] == queries.unanswerable_reason(m, queries.filter_dims(f))
            continue
        table = got.attrs["tables"][m]
        assert table == queries.choose_table(m, queries.filter_dims(f)).name
        total, cells = expected_sum(on_tiny, f, m)
        assert got[m].tolist() == total.tolist(), m
        sigma = sigmas[table]["measures"][m]["sigma"]
        assert got[m + queries.MOE].tolist() == pytest.approx((privacy.Z95 * sigma * np.sqrt(cells)).tolist()), m
    assert list(got.columns) == [c for m in measures for c in (m, m + queries.MOE)]


@pytest.mark.parametrize("by", [("year",), ("province",), ("district_id",), ("year", "province")])
def test_released_sums_grouped_by_a_key(on_tiny, by):
    f = Filters(2023, 2024, provinces=("Punjab", "Sindh"))
    got = queries.released(f, ["cases", "firs"], by=by)
    assert list(got.columns) == [*by, "cases", "cases_moe", "firs", "firs_moe"]
    for m in ("cases", "firs"):
        total, cells = expected_sum(on_tiny, f, m, by)
        indexed = got.set_index(list(by))
        assert indexed[m].sort_index().tolist() == total.sort_index().tolist(), (by, m)
        sigma = queries.sigma(got.attrs["tables"][m], m)
        moe = indexed[m + queries.MOE].sort_index()
        assert moe.tolist() == pytest.approx((privacy.Z95 * sigma * np.sqrt(cells.sort_index())).tolist())


def test_keys_a_table_reaches_through_the_gazetteer_the_offence_or_the_month(on_tiny):
    two = Filters(2023, 2024, districts=("lahore", "karachi_south"))
    by_province = queries.released(two, ["cases"], by=("province",)).set_index("province")["cases"]
    assert queries.choose_table("cases", queries.filter_dims(two) | {"province"}).level == "district"
    total = read(on_tiny, "district_year_total")
    total = total[(total.kind == "trafficking")]
    assert by_province.to_dict() == {"Punjab": float(total[total.district_id == "lahore"]["cases"].sum()),
                                     "Sindh": float(total[total.district_id == "karachi_south"]["cases"].sum())}
    both = Filters(2023, 2024, offences=("bonded_labour",), include_smuggling=True)
    by_kind = queries.released(both, ["cases"], by=("kind",)).set_index("kind")["cases"]
    offence = read(on_tiny, queries.choose_table("cases", queries.filter_dims(both) | {"kind"}).name)
    assert "kind" not in offence
    assert by_kind.to_dict() == {
        "trafficking": float(offence.loc[offence.offence == "bonded_labour", "cases"].sum()),
        "smuggling": float(offence.loc[offence.offence == catalogue.SMUGGLING, "cases"].sum())}
    by_month = queries.released(Filters(2024, 2024), ["cases"], by=("month", "year"))
    assert len(by_month) == 12 and set(by_month["year"]) == {2024}
    months = read(on_tiny, "national_month")
    months = months[(months.kind == "trafficking") & months.month.str.startswith("2024")]
    assert by_month.sort_values("month")["cases"].tolist() == months["cases"].astype(float).tolist()
    with pytest.raises(KeyError, match="colour"):
        queries._select_dim(catalogue.TABLES["national_year"], "colour")


def test_an_empty_selection_sums_to_zero_and_a_period_can_be_asked_apart(on_tiny):
    f = Filters(2023, 2024, districts=("lahore",))
    none = queries.released(f, ["cases"], years=(2030, 2031))
    assert none["cases"].tolist() == [0.0] and none["cases_moe"].tolist() == [0.0]
    assert queries.released(f, ["cases"], years=(2024, 2024))["cases"].tolist() == \
        expected_sum(on_tiny, Filters(2024, 2024, districts=("lahore",)), "cases")[0].tolist()
    grouped = queries.released(f, ["cases"], by=("year",), years=(2030, 2031))
    assert grouped.empty and list(grouped.columns) == ["year", "cases", "cases_moe"]


def test_measures_no_table_holds_are_missing_with_their_reason(on_tiny):
    f = Filters(2023, 2024, sexes=("female",), districts=("lahore",))
    got = queries.released(f, ["convictions", "trials"], by=("year",))
    assert list(got.columns) == ["year", "convictions", "convictions_moe", "trials", "trials_moe"] and got.empty
    assert set(got.attrs["unanswered"]) == {"convictions", "trials"} and got.attrs["tables"] == {}
    assert got["year"].dtype == object
    alone = queries.released(f, ["convictions"])
    assert alone.index.tolist() == [0] and alone["convictions"].isna().all()
    assert alone["convictions"].dtype == float and alone["convictions_moe"].dtype == float


def test_a_vector_digest_is_fixed_by_its_table_measure_year_keys_and_values():
    # The ledger compares these digests across builds: a change of format would make every unchanged year look
    # changed and spend its budget again, so the format is pinned by a known answer.
    key = b"k" * 32
    digest = release._vector_hmac(key, "national_year", "cases", 2020, "abc", [1, 23, -4])
    assert digest == "590341ca4531c0135ff655b3ed23f63c6bd1a94178fcf69812f2a3392d66f02c"
    others = [release._vector_hmac(key, "national_year", "cases", 2021, "abc", [1, 23, -4]),
              release._vector_hmac(key, "national_year", "cases", 2020, "abc", [12, 3, -4]),
              release._vector_hmac(key, "national_year", "firs", 2020, "abc", [1, 23, -4]),
              release._vector_hmac(key, "province_year", "cases", 2020, "abc", [1, 23, -4]),
              release._vector_hmac(key, "national_year", "cases", 2020, "abd", [1, 23, -4]),
              release._vector_hmac(b"j" * 32, "national_year", "cases", 2020, "abc", [1, 23, -4])]
    assert len({digest, *others}) == 7
