"""The public release (etl/release.py): full domains, OpenDP noise of the stated size, the privacy ledger across
builds, the budget cap, the data package, permissions and no identifiers.

OpenDP's noise cannot be seeded, so the statistical checks use bounds that a correct release fails with negligible
probability (many standard errors wide) and a broken one (no noise, the wrong sigma) fails for sure.
"""

from __future__ import annotations

import json
import math
import re
import shutil
import stat
from itertools import product
from pathlib import Path

import duckdb
import numpy as np
import opendp.prelude as dp
import pandas as pd
import pytest

from etl import release
from etl.districts import PROVINCES
from tipcore import catalogue, config

dp.enable_features("contrib")


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "data" / f"{name}.csv", keep_default_na=False, dtype={"district_id": str})


def package(folder: Path) -> dict:
    return json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def published(build_summary) -> Path:
    """The session build writes the release itself (no separate fixture in conftest)."""
    assert build_summary["release"]["ok"], build_summary["release"]
    return config.release_dir()


@pytest.fixture(scope="module")
def truths(published, warehouse) -> dict[str, pd.DataFrame]:
    return release.true_tables(warehouse)[0]


def years_of(con) -> list[int]:
    last = con.execute("SELECT max(report_year) FROM cases").fetchone()[0]
    return list(range(config.RELEASE_FROM, last + 1))


# -- domains and true counts --------------------------------------------------------------------------------------


def test_every_table_covers_the_full_domain_zeros_included(published, con, truths):
    years = years_of(con)
    districts = [r[0] for r in con.execute("SELECT district_id FROM districts ORDER BY 1").fetchall()]
    domains = {
        "year": [str(y) for y in years], "month": [f"{y}-{m:02d}-01" for y in years for m in range(1, 13)],
        "province": [*PROVINCES, catalogue.NO_PROVINCE], "district_id": districts,
        "offence": catalogue.OFFENCES, "scope": catalogue.SCOPES, "agency_type": catalogue.AGENCY_TYPES,
        "sex": catalogue.SEXES, "age_band": catalogue.AGE_BANDS, "law_group": catalogue.LAW_GROUPS,
        "verdict_months": catalogue.VERDICT_BINS, "kind": catalogue.KINDS,
        "agency": [r[0] for r in con.execute("SELECT source_id FROM coverage_agencies ORDER BY 1").fetchall()],
        "row_status": catalogue.ROW_STATUSES, "field": catalogue.COVERAGE_FIELDS,
    }
    assert len(domains["province"]) == 8 and len(districts) == 156
    empty_cells = 0
    for name, table in catalogue.TABLES.items():
        if "return_source" in table.keys:  # a return's cells are the areas it covers, each year: tests/test_returns.py
            continue
        frame = read(published, name)
        assert list(frame.columns) == list(table.keys) + list(table.measures), name
        expected = set(product(*(map(str, domains[k]) for k in table.keys)))
        got = list(frame[list(table.keys)].astype(str).itertuples(index=False, name=None))
        assert len(got) == math.prod(len(domains[k]) for k in table.keys) == len(expected), name
        assert set(got) == expected, name
        # Cells with no case at all are rows like any other.
        zero = truths[name][table.measures[0]] == 0
        empty_cells += int(zero.sum())
        assert set(truths[name].loc[zero, list(table.keys)].astype(str).itertuples(index=False, name=None)) <= set(got)
    assert empty_cells > 1000


def test_true_counts_follow_the_catalogue(truths, con):
    years = years_of(con)
    by_year = dict(con.execute("SELECT report_year, count(*) FROM cases GROUP BY 1").fetchall())
    national = truths["national_year"].groupby("year")
    assert national["cases"].sum().to_dict() == {y: by_year.get(y, 0) for y in years}
    q = con.execute(f"""
        SELECT count(*), count(*) FILTER (WHERE is_fir), count(*) FILTER (WHERE stage_rank >= 3),
               count(*) FILTER (WHERE is_charge_sheeted), count(*) FILTER (WHERE is_trial_concluded),
               count(*) FILTER (WHERE is_convicted),
               count(*) FILTER (WHERE is_trial_concluded AND outcome = 'acquitted'),
               count(*) FILTER (WHERE is_trial_concluded AND outcome = 'compromise'),
               sum(least(victim_count, {catalogue.VICTIM_CLIP})), count(*) FILTER (WHERE district_id IS NOT NULL),
               count(*) FILTER (WHERE offence IS NULL), count(*) FILTER (WHERE is_smuggling),
               count(*) FILTER (WHERE province IS NULL)
        FROM cases WHERE report_year >= {years[0]}""").fetchone()
    nat = truths["national_year"]
    assert [int(nat[m].sum()) for m in catalogue.FUNNEL + ("victims",)] == list(q[:9])
    assert int(truths["district_year"]["cases"].sum()) == q[9] < q[0]  # no district: in province and Pakistan only
    offences = truths["national_year_offence"]
    assert int(offences.loc[offences.offence == "not_recorded", "cases"].sum()) == q[10] > 0
    assert int(offences["cases"].sum()) == q[0]
    assert int(truths["national_month"].query("kind == 'smuggling'")["cases"].sum()) == q[11] > 0
    assert int(truths["province_year"].query(f"province == '{catalogue.NO_PROVINCE}'")["cases"].sum()) == q[12]
    referred = con.execute(f"SELECT count(*) FROM victims v JOIN cases c USING (case_id) WHERE v.is_referred AND "
                           f"v.victim_no <= {catalogue.VICTIM_CLIP} AND c.report_year >= {years[0]}").fetchone()[0]
    assert int(nat["victims_referred"].sum()) == referred
    # Victims by sex and age band add up to the clipped victims; verdict bins to the concluded trials.
    assert int(truths["national_year_victims"]["victims"].sum()) == q[8] == \
        int(truths["province_year_victims"]["victims"].sum())
    verdict = truths["province_year_verdict_time"]
    assert int(verdict["trials"].sum()) == q[4]
    bins = con.execute("""SELECT count(*) FILTER (WHERE months_fir_to_verdict BETWEEN 6 AND 11),
                                 count(*) FILTER (WHERE months_fir_to_verdict >= 36),
                                 count(*) FILTER (WHERE months_fir_to_verdict IS NULL)
                          FROM cases WHERE is_trial_concluded AND report_year >= $y""", {"y": years[0]}).fetchone()
    assert [int(verdict.loc[verdict.verdict_months == b, "trials"].sum()) for b in ("6-11", "36+", "not_recorded")] \
        == list(bins)


def test_cases_outside_the_years_are_left_out_and_counted(warehouse, con, tmp_path, monkeypatch):
    years = years_of(con)
    first, last = years[0] + 3, years[-1] - 2
    monkeypatch.setenv("TIP_RELEASE_TO", str(last))
    result = release.build_release(warehouse, tmp_path / "release", tmp_path / "ledger.duckdb", year_from=first)
    outside = con.execute("SELECT count(*) FROM cases WHERE report_year NOT BETWEEN $a AND $b",
                          {"a": first, "b": last}).fetchone()[0]
    assert result["cases_outside_years"] == outside > 0
    assert set(read(tmp_path / "release", "national_year")["year"]) == set(range(first, last + 1))
    assert sorted(package(tmp_path / "release")["privacy"]["years"]) == [str(y) for y in range(first, last + 1)]


# -- the noise ----------------------------------------------------------------------------------------------------


def test_released_values_carry_noise_of_the_stated_sigma(published, truths):
    manifest = package(published)["privacy"]
    pooled = []
    checked = 0
    for name, table in catalogue.TABLES.items():
        frame = read(published, name)
        for m in table.measures:
            sigma = manifest["tables"][name]["measures"][m]["sigma"]
            noise = frame[m].to_numpy(dtype=float) - truths[name][m].to_numpy(dtype=float)
            z = noise / sigma
            pooled.append(z)
            n = len(z)
            assert np.mean(noise == 0) < 0.25, (name, m)  # P(noise = 0) is about 1 / (2.5 sigma) < 0.06
            if n >= 2000:  # bounds about 8 standard errors wide
                assert abs(np.var(z) - 1) < 0.25, (name, m, np.var(z))
                assert abs(np.mean(z)) < 8 / math.sqrt(n), (name, m, np.mean(z))
                checked += 1
    z = np.concatenate(pooled)
    assert len(z) > 30_000 and checked >= 5
    assert abs(np.var(z) - 1) < 0.06, np.var(z)  # standard error sqrt(2 / n) < 0.008
    assert abs(np.mean(z)) < 8 / math.sqrt(len(z))
    # The 95% margin holds for about 95% of the cells.
    margins = np.concatenate([
        np.abs(read(published, n)[m].to_numpy() - truths[n][m].to_numpy())
        <= manifest["tables"][n]["measures"][m]["margin95"]
        for n, t in catalogue.TABLES.items() for m in t.measures])
    assert 0.93 < margins.mean() < 0.975


def test_manifest_budget_is_the_shares_and_opendps_maps(published):
    manifest = package(published)["privacy"]
    budget = {"report": config.PRIVACY_RHO, "event": config.PRIVACY_RHO_PERIOD}
    assert manifest["rho_per_year"] == pytest.approx(config.PRIVACY_RHO, rel=1e-9)
    assert manifest["period_rho_per_year"] == pytest.approx(config.PRIVACY_RHO_PERIOD, rel=1e-9)
    assert manifest["case_rho_per_release"] == pytest.approx(config.PRIVACY_RHO + config.PRIVACY_RHO_PERIOD)
    assert manifest["unit"] == "one case with all its victims" and manifest["delta"] == 1e-6
    space = dp.vector_domain(dp.atom_domain(T=int)), dp.l2_distance(T=int)
    rhos = {"report": [], "event": []}
    for name, table in catalogue.TABLES.items():
        entry = manifest["tables"][name]
        assert entry["share"] == table.share and entry["basis"] == table.basis
        assert entry["rho"] == pytest.approx(budget[table.basis] * table.share, rel=1e-9)
        for m in table.measures:
            got = entry["measures"][m]
            rho_tm = budget[table.basis] * table.share / len(table.measures)
            sens = catalogue.MEASURES[m].sensitivity
            assert sens == (catalogue.VICTIM_CLIP if m in ("victims", "victims_referred") else sens)
            assert got["sensitivity"] == sens
            assert got["sigma"] == pytest.approx(sens / math.sqrt(2 * rho_tm), rel=1e-12)
            meas = space >> dp.m.then_gaussian(scale=got["sigma"])
            assert got["rho"] == meas.map(sens) == pytest.approx(rho_tm, rel=1e-9)
            assert got["margin95"] == dp.discrete_gaussian_scale_to_accuracy(got["sigma"], 0.05)
            rhos[table.basis].append(got["rho"])
    assert sum(rhos["report"]) == pytest.approx(manifest["rho_per_year"], rel=1e-9)
    assert sum(rhos["event"]) == pytest.approx(manifest["period_rho_per_year"], rel=1e-9)
    profile = dp.c.make_zCDP_to_approxDP(space >> dp.m.then_gaussian(scale=1 / math.sqrt(2 * config.PRIVACY_RHO)))
    assert manifest["epsilon_per_year"] == pytest.approx(profile.map(1).epsilon(1e-6), rel=1e-6)
    assert 3 < manifest["epsilon_per_year"] < manifest["case_epsilon_per_release"] < 5
    for basis, key in (("report", "years"), ("event", "event_years")):
        assert manifest[key]
        for year in manifest[key].values():
            assert year["rho"] == pytest.approx(budget[basis], rel=1e-9)
            assert year["cumulative_rho"] == pytest.approx(budget[basis], rel=1e-9)
            assert len(year["releases"]) == 1 and not year["frozen"]


def test_period_tables_count_events_in_the_year_they_happened(published, warehouse):
    """A verdict in 2023 of a case reported in 2019 is a 2023 trial in the period tables, a 2019 one in the cohort's."""
    truths, dom = release.true_tables(warehouse)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        expected = con.execute("""
            WITH events AS (
                SELECT year(fir_month) AS year, 'period_firs' AS measure FROM cases WHERE is_fir
                UNION ALL SELECT year(challan_month), 'period_charge_sheets' FROM cases WHERE is_charge_sheeted
                UNION ALL SELECT year(verdict_month), 'period_trials' FROM cases WHERE is_trial_concluded
                UNION ALL SELECT year(verdict_month), 'period_convictions' FROM cases WHERE is_convicted)
            SELECT year, measure, count(*) AS n FROM events WHERE year BETWEEN ? AND ? GROUP BY ALL""",
                               [dom.years[0], dom.years[-1]]).df()
        late = con.execute("SELECT count(*) FROM cases WHERE is_trial_concluded "
                           "AND year(verdict_month) > report_year").fetchone()[0]
    assert late > 0  # the demo has verdicts in later years than the report: the two views differ
    got = truths["national_period"].groupby("year")[list(catalogue.PERIOD)].sum()
    want = expected.pivot(index="year", columns="measure", values="n").reindex(got.index).fillna(0).astype(int)
    pd.testing.assert_frame_equal(got[list(catalogue.PERIOD)], want[list(catalogue.PERIOD)], check_names=False)
    by_province = truths["province_period"].groupby("year")[list(catalogue.PERIOD)].sum()
    pd.testing.assert_frame_equal(by_province, got)  # every event is in one province row, "Not recorded" included
    cohort = truths["national_year"].groupby("year")["trials"].sum()
    assert not cohort.equals(got["period_trials"])
    # The released table is the truth plus noise of the stated scale.
    margin = package(published)["privacy"]["tables"]["national_period"]["measures"]
    noise = read(published, "national_period").set_index(["year", "kind"])[list(catalogue.PERIOD)] \
        - truths["national_period"].set_index(["year", "kind"])[list(catalogue.PERIOD)]
    for measure in catalogue.PERIOD:
        assert noise[measure].abs().max() <= 3 * margin[measure]["margin95"], measure
        assert noise[measure].abs().max() > 0, measure


# -- the ledger across builds -------------------------------------------------------------------------------------


def _files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_a_rebuild_from_the_same_data_republishes_and_spends_nothing(published, warehouse, demo_raw, tmp_path,
                                                                      monkeypatch):
    from etl.pipeline import build_warehouse

    private = tmp_path / "private"
    private.mkdir()
    shutil.copy(warehouse, private / "warehouse.duckdb")
    shutil.copy(config.ledger_path(warehouse), private / config.ledger_path(warehouse).name)
    monkeypatch.setenv("TIP_RELEASE_DIR", str(tmp_path / "release"))
    monkeypatch.setenv("TIP_PRIVATE_DIR", str(private))
    monkeypatch.setenv("TIP_WAREHOUSE", str(private / "warehouse.duckdb"))  # the configured place: TIP_RELEASE_DIR
    summary = build_warehouse(demo_raw, private / "warehouse.duckdb")
    assert summary["release"]["ok"], summary["release"]
    assert summary["release"]["rho_spent"] == {} and summary["release"]["years_redrawn"] == []
    before, after = _files(published), _files(tmp_path / "release")
    assert before.keys() == after.keys()
    assert {k: v for k, v in before.items() if k != "datapackage.json"} == \
        {k: v for k, v in after.items() if k != "datapackage.json"}
    old, new = package(published), package(tmp_path / "release")
    assert new["status"].pop("etl_run_id") != old["status"].pop("etl_run_id")
    assert new == old  # same release id, created time, budget and resources
    with duckdb.connect(str(config.ledger_path(private / "warehouse.duckdb")), read_only=True) as ledger:
        assert ledger.execute("SELECT max(cumulative_rho) FROM years").fetchone()[0] == \
            pytest.approx(config.PRIVACY_RHO, rel=1e-9)
        assert ledger.execute("SELECT count(DISTINCT release_id) FROM draws").fetchone()[0] == 1


def _copy_warehouse(warehouse: Path, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / "warehouse.duckdb"
    shutil.copy(warehouse, copy)
    return copy


def _drop_one_case(warehouse: Path, year: int) -> set[int]:
    """Delete a case reported in ``year`` that went to trial; return the years of its FIR, charge sheet and verdict."""
    with duckdb.connect(str(warehouse)) as con:
        case, *events = con.execute(
            "SELECT case_id, year(fir_month), year(challan_month), year(verdict_month) FROM cases "
            "WHERE report_year = ? AND district_id IS NOT NULL ORDER BY is_trial_concluded DESC, case_id LIMIT 1",
            [year]).fetchone()
        con.execute("DELETE FROM victims WHERE case_id = ?", [case])
        con.execute("DELETE FROM cases WHERE case_id = ?", [case])
    return {int(y) for y in events if y is not None}


def _year_rows(frame: pd.DataFrame, year: int) -> pd.Series:
    if "year" in frame:
        return frame["year"] == year
    return frame["month"].str.startswith(f"{year}-")


def test_changing_one_year_renoises_only_that_year_and_adds_its_rho(warehouse, con, tmp_path):
    copy = _copy_warehouse(warehouse, tmp_path / "private")
    ledger = tmp_path / "private" / "ledger.duckdb"
    first = release.build_release(copy, tmp_path / "r1", ledger)
    year = years_of(con)[-4]
    event_years = sorted(y for y in _drop_one_case(copy, year) if y in first["period_cumulative_rho"])
    second = release.build_release(copy, tmp_path / "r2", ledger)
    rho = config.PRIVACY_RHO
    assert second["years_redrawn"] == [year] and list(second["rho_spent"]) == [year]
    assert event_years and second["period_years_redrawn"] == event_years  # the years its events happened in
    assert all(second["period_cumulative_rho"][y] == pytest.approx(2 * config.PRIVACY_RHO_PERIOD, rel=1e-9)
               for y in event_years)
    assert second["rho_spent"][year] == pytest.approx(rho, rel=1e-9)
    assert second["cumulative_rho"][year] == pytest.approx(2 * rho, rel=1e-9)
    assert all(v == pytest.approx(rho, rel=1e-9) for y, v in second["cumulative_rho"].items() if y != year)
    assert second["release_id"] != first["release_id"]
    for name, table in catalogue.TABLES.items():
        a, b = read(tmp_path / "r1", name), read(tmp_path / "r2", name)
        in_year = a["year"].isin(event_years) if table.basis == "event" else _year_rows(a, year)
        assert a[~in_year].equals(b[~in_year]), name
        for m in table.measures:  # every vector of the year is drawn again, changed or not
            assert not a.loc[in_year, m].equals(b.loc[in_year, m]), (name, m)
    years = package(tmp_path / "r2")["privacy"]["years"]
    assert years[str(year)]["releases"] == [first["release_id"], second["release_id"]]
    assert years[str(year)]["cumulative_rho"] == pytest.approx(2 * rho, rel=1e-9)
    assert years[str(year - 1)]["releases"] == [first["release_id"]]
    with duckdb.connect(str(ledger), read_only=True) as led:
        assert led.execute("SELECT cumulative_rho FROM years WHERE year = ?", [year]).fetchone()[0] == \
            pytest.approx(2 * rho, rel=1e-9)
        cohort = [t.name for t in catalogue.tables_of("report")]
        n_vectors = sum(t.vectors for t in catalogue.tables_of("report"))
        assert led.execute("SELECT count(*) FROM draws WHERE year = ? AND list_contains(?, table_name)",
                           [year, cohort]).fetchone()[0] == 2 * n_vectors
        stored = led.execute("SELECT released FROM vectors WHERE table_name = 'national_year' AND "
                             "measure = 'cases' AND year = ?", [year]).fetchone()[0]
        hmacs = led.execute("SELECT true_hmac, released_hmac FROM vectors LIMIT 1").fetchone()
    b = read(tmp_path / "r2", "national_year")
    assert stored == b.loc[b.year == year, "cases"].tolist()
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hmacs)
    # The same changed data once more: republished, nothing spent.
    third = release.build_release(copy, tmp_path / "r3", ledger)
    assert third["rho_spent"] == {} and third["release_id"] == second["release_id"]
    assert _files(tmp_path / "r3")["data/national_year.csv"] == _files(tmp_path / "r2")["data/national_year.csv"]


def test_a_year_at_its_cap_keeps_its_values_frozen(warehouse, con, tmp_path):
    copy = _copy_warehouse(warehouse, tmp_path / "private")
    ledger = tmp_path / "private" / "ledger.duckdb"
    caps = {"rho_cap": 1.5 * config.PRIVACY_RHO, "rho_period_cap": 1.5 * config.PRIVACY_RHO_PERIOD}
    first = release.build_release(copy, tmp_path / "r1", ledger, **caps)
    year = years_of(con)[-3]
    event_years = sorted(y for y in _drop_one_case(copy, year) if y in first["period_cumulative_rho"])
    frozen = release.build_release(copy, tmp_path / "r2", ledger, **caps)
    assert frozen["frozen_years"] == [year] and frozen["rho_spent"] == {}
    assert frozen["period_frozen_years"] == event_years and frozen["period_rho_spent"] == {}
    assert "FROZEN" in release.summary_line({"ok": True, **frozen})
    assert frozen["cumulative_rho"][year] == pytest.approx(config.PRIVACY_RHO, rel=1e-9)
    for name in catalogue.TABLES:
        assert read(tmp_path / "r1", name).equals(read(tmp_path / "r2", name)), name
    years = package(tmp_path / "r2")["privacy"]["years"]
    assert years[str(year)]["frozen"] and not years[str(year + 1)]["frozen"]
    # With room under a higher cap the year is released again from its current data.
    thawed = release.build_release(copy, tmp_path / "r3", ledger, rho_cap=4 * config.PRIVACY_RHO,
                                   rho_period_cap=4 * config.PRIVACY_RHO_PERIOD)
    assert thawed["frozen_years"] == [] and thawed["years_redrawn"] == [year]
    assert thawed["period_years_redrawn"] == event_years
    assert thawed["cumulative_rho"][year] == pytest.approx(2 * config.PRIVACY_RHO, rel=1e-9)


def test_a_failed_release_leaves_the_previous_one(published, warehouse, monkeypatch):
    before = _files(published)
    monkeypatch.setattr(config, "PRIVACY_RHO_CAP", config.PRIVACY_RHO / 2)
    result = release.publish_after_build(warehouse)
    assert not result["ok"] and "TIP_PRIVACY_RHO_CAP" in result["error"]
    assert _files(published) == before
    assert not list(published.parent.glob(f".{published.name}.building-*"))


# -- the package --------------------------------------------------------------------------------------------------


def test_the_data_package_is_valid_frictionless(published):
    from frictionless import validate

    report = validate(published / "datapackage.json")
    assert report.valid, report.flatten(["type", "note"])[:10]
    pkg = package(published)
    names = [r["name"] for r in pkg["resources"]]
    assert names[:len(catalogue.TABLES)] == list(catalogue.TABLES)
    assert {"districts", "ref_tip_tiers", "ref_law_enforcement", "ref_sources"} <= set(names)
    assert pkg["version"] == pkg["status"]["release_id"] and pkg["licenses"][0]["name"] == "CC-BY-4.0"
    first = pkg["resources"][0]
    assert first["schema"]["primaryKey"] == list(catalogue.TABLES[first["name"]].keys)
    assert all(f.get("description") for f in first["schema"]["fields"])
    # The reference facts are the warehouse's, unchanged.
    districts = pd.read_csv(published / "reference" / "districts.csv", dtype=str, keep_default_na=False)
    assert len(districts) == 156 and "population_2023" in districts


def test_status_holds_only_public_metadata_and_the_demo_flag(published, build_summary):
    pkg = package(published)
    assert set(pkg["status"]) == {"release_id", "created", "data_as_of", "is_demo", "etl_run_id"}
    assert pkg["status"]["is_demo"] is True and pkg["synthetic"] is True and pkg["privacy"]["synthetic"] is True
    assert "SYNTHETIC" in pkg["title"] and "SYNTHETIC" in pkg["description"]
    assert pkg["status"]["etl_run_id"] == build_summary["run_id"]
    assert re.fullmatch(r"\d{4}-\d{2}", pkg["status"]["data_as_of"])
    text = json.dumps(pkg)
    for exact in (build_summary["cases_loaded"], build_summary["victims_loaded"], build_summary["rows_read"]):
        assert not re.search(rf"\b{exact}\b", text)


def test_no_release_file_holds_a_case_id_fir_or_name(published, con):
    from etl.demo import PLANTED_NAMES

    case_ids = {r[0] for r in con.execute("SELECT case_id FROM cases").fetchall()}
    texts = {}
    for path in sorted(published.rglob("*")):
        if path.is_file():
            texts[str(path.relative_to(published))] = path.read_text(encoding="utf-8")
    for rel, text in texts.items():
        tokens = set(re.findall(r"[0-9a-f]{16}", text))
        assert not tokens & case_ids, rel
        assert not re.search(r"\d{5}-\d{7}-\d|03\d{2}-\d{7}|FIR No|PS [A-Z]", text), rel
        assert not [n for n in PLANTED_NAMES if n in text], rel
    resources = [r["path"] for r in package(published)["resources"]]
    assert sorted(texts) == sorted([*resources, "datapackage.json"])  # every file is a described resource
    assert {f"data/{name}.csv" for name in catalogue.TABLES} <= set(resources)
    for name, table in catalogue.TABLES.items():  # keys and integer counts, nothing else
        frame = read(published, name)
        for m in table.measures:
            assert pd.api.types.is_integer_dtype(frame[m]), (name, m)


def test_permissions(published, warehouse, build_summary):
    assert stat.S_IMODE(config.private_dir().stat().st_mode) == 0o700
    for private in (warehouse, config.ledger_path(warehouse)):
        assert stat.S_IMODE(private.stat().st_mode) == 0o600, private
    reports = list(Path(build_summary["report_dir"]).iterdir())
    assert reports and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in reports)
    for path in [published, *published.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o755 if path.is_dir() else 0o644), (path, oct(mode))
