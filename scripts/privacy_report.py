"""Measure the public release's privacy plan and utility, and write them into docs/privacy.md.

    python scripts/privacy_report.py                      # 50,000-case demo in a temp folder, 10 releases measured
    python scripts/privacy_report.py --cases 1000000      # the benchmark size
    python scripts/privacy_report.py --warehouse W --release R   # one existing warehouse and its release
    python scripts/privacy_report.py --share district_year=0.3 --share province_year=0.08 --no-write
                                                          # try other budget shares (they must add up to 1)

The plan (share, sigma, margin, sensitivity of every table and measure) comes from etl.release.plan(), i.e. from
tipcore/catalogue.py and TIP_PRIVACY_RHO. Utility compares released values with the true counts of the same
warehouse: OpenDP's noise cannot be seeded, so the figures are medians over --runs independent releases (each with
a fresh ledger in the temp folder). Only docs/privacy.md's marked sections are rewritten.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DOC = REPO / "docs" / "privacy.md"
GOALS = {"national": 2.0, "province": 2.0, "spearman": 0.95, "top10": 8, "funnel_pp": 1.0}


def _use_temp_folder(folder: Path) -> None:
    """Every path the ETL uses, inside the temp folder (the key too: nothing is written into the working tree)."""
    os.environ.update({
        "TIP_DATA_DIR": str(folder / "data"), "TIP_RAW_DIR": str(folder / "data" / "raw"),
        "TIP_PRIVATE_DIR": str(folder / "data" / "private"),
        "TIP_WAREHOUSE": str(folder / "data" / "private" / "warehouse.duckdb"),
        "TIP_RELEASE_DIR": str(folder / "data" / "release"), "TIP_SECRETS_FILE": str(folder / "secrets.toml"),
    })
    os.environ.pop("TIP_LEDGER", None)


def _override_shares(pairs: list[str]) -> dict[str, float]:
    from tipcore import catalogue

    shares = {}
    for pair in pairs:
        name, _, value = pair.partition("=")
        if name not in catalogue.TABLES:
            raise SystemExit(f"--share: no table {name!r} in the catalogue")
        shares[name] = float(value)
    if shares:
        for name, share in shares.items():
            catalogue.TABLES[name] = dataclasses.replace(catalogue.TABLES[name], share=share)
        catalogue.budget_check()
    return shares


# -- utility ------------------------------------------------------------------------------------------------------


def _read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / "data" / f"{name}.csv", keep_default_na=False, dtype={"district_id": str})


def _rel_error(noisy: pd.Series, true: pd.Series) -> pd.Series:
    keep = true > 0
    return (noisy[keep] - true[keep]).abs() / true[keep] * 100


def utility(release_dir: Path, truths: dict[str, pd.DataFrame]) -> dict:
    """The figures of one release against the truth."""
    from etl.districts import FOUR_PROVINCES
    from tipcore import catalogue

    out: dict = {}
    nat_true = truths["national_year"].query("kind == 'trafficking'").groupby("year")["cases"].sum()
    nat = _read(release_dir, "national_year").query("kind == 'trafficking'").groupby("year")["cases"].sum()
    out["national_rel_error_pct"] = float(_rel_error(nat, nat_true).median())

    # The tables the dashboard answers these questions from, trafficking only (its default).
    def trafficking(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[frame["kind"] == "trafficking"]

    prov_true = trafficking(truths["province_year_total"]).groupby(["province", "year"])["cases"].sum()
    prov = trafficking(_read(release_dir, "province_year_total")).groupby(["province", "year"])["cases"].sum()
    prov_true = prov_true.drop(catalogue.NO_PROVINCE, level="province")
    errors = _rel_error(prov.loc[prov_true.index], prov_true)
    # The four provinces apart: the territories (the federal capital, AJK, Gilgit-Baltistan) have a few to some
    # tens of cases a year in the demo, and are reported beside them, not mixed into them.
    out["province_rel_error_pct"] = float(errors[errors.index.isin(FOUR_PROVINCES, level="province")].median())
    out["area_rel_error_pct"] = float(errors.median())
    out["province_rel_error_pct_by_province"] = {p: float(e.median()) for p, e in errors.groupby(level="province")}
    out["province_cases_per_year"] = {p: float(v.mean()) for p, v in prov_true.groupby(level="province")}

    dist_true = trafficking(truths["district_year_total"])
    last3 = sorted(dist_true["year"].unique())[-3:]
    t3 = dist_true[dist_true.year.isin(last3)].groupby("district_id")["cases"].sum()
    released = trafficking(_read(release_dir, "district_year_total"))
    r3 = released[released.year.isin(last3)].groupby("district_id")["cases"].sum().loc[t3.index]
    out["district_3y_years"] = [int(last3[0]), int(last3[-1])]
    out["district_spearman"] = float(t3.rank().corr(r3.rank()))
    out["district_top10_kept"] = len(set(t3.nlargest(10).index) & set(r3.nlargest(10).index))
    busy = t3 >= 30  # districts with at least 10 cases a year: where a ranking is read
    out["district_spearman_busy"] = float(t3[busy].rank().corr(r3[busy].rank()))
    out["district_busy"] = int(busy.sum())

    stages = catalogue.FUNNEL[1:]
    # The conviction gap of trafficking (smuggling of migrants is shown apart), year by year.
    t, r = truths["national_year"], _read(release_dir, "national_year")
    true_years = t[t.kind == "trafficking"].groupby("year")[list(catalogue.FUNNEL)].sum()
    rel_years = r[r.kind == "trafficking"].groupby("year")[list(catalogue.FUNNEL)].sum()
    true_years = true_years[true_years.cases > 0]
    pp = [abs(rel_years.at[y, s] / rel_years.at[y, "cases"] - true_years.at[y, s] / true_years.at[y, "cases"]) * 100
          for y in true_years.index for s in stages]
    out["funnel_pp_median"] = float(np.median(pp))
    out["funnel_pp_p95"] = float(np.percentile(pp, 95))
    out["funnel_pp_max"] = float(np.max(pp))

    mae = {}
    for name, table in catalogue.TABLES.items():
        frame = _read(release_dir, name)
        mae[name] = {m: float((frame[m] - truths[name][m]).abs().mean()) for m in table.measures}
    out["mae"] = mae
    return out


def _median_of(runs: list[dict]) -> dict:
    """Per figure, the median over runs (nested dicts alike)."""
    first = runs[0]
    if isinstance(first, dict):
        return {k: _median_of([r[k] for r in runs]) for k in first}
    if isinstance(first, list):
        return first
    return float(np.median(runs))


# -- attacks --------------------------------------------------------------------------------------------------------


def attacks(warehouse: Path, release_dir: Path, targets: int = 200, sets: int = 20, seed: int = 11) -> dict:
    """The attacks that broke per-answer rounding, run against the dashboard's query layer on this release.

    * averaging: for a district-year cell with 1-9 true cases, ask for "S plus the district" and for "S" over
      ``sets`` random sets S of other districts of its province; the mean difference is the guess;
    * offence subsets: the same for a district-year-offence cell, with the offence filter over random offence sets;
    * absent rows: every released table holds every combination of its keys, so whether a cell is empty is never
      shown by a missing row (attribute disclosure needs one).
    """
    import duckdb

    os.environ["TIP_RELEASE_DIR"] = str(release_dir)
    from tipcore import catalogue
    from tipdash import queries
    from tipdash.filters import Filters

    rng = np.random.default_rng(seed)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        cells = con.execute("""SELECT district_id, province, report_year AS year, offence, count(*) AS n
                               FROM cases WHERE NOT is_smuggling AND district_id IS NOT NULL
                               GROUP BY GROUPING SETS ((district_id, province, report_year),
                                                       (district_id, province, report_year, offence))""").df()
        districts = con.execute("SELECT district_id, province FROM districts").df()
    first, last = queries.filter_options().year_min, queries.filter_options().year_max
    cells = cells[cells["year"].between(first, last)]
    out: dict = {}
    for name, by_offence in (("averaging", False), ("offence_subsets", True)):
        pool = cells[cells["offence"].notna() == by_offence]
        pool = pool[pool["n"].between(1, 9)]
        pool = pool.sample(min(targets, len(pool)), random_state=seed)
        exact = near = sent = 0
        for t in pool.itertuples():
            others = districts.loc[(districts.province == t.province) & (districts.district_id != t.district_id),
                                   "district_id"].tolist()
            diffs = []
            for _ in range(sets):
                if by_offence:
                    rest = [o for o in catalogue.OFFENCES if o not in (t.offence, catalogue.SMUGGLING)]
                    extra = tuple(rng.choice(rest, rng.integers(1, len(rest)), replace=False))
                    f = Filters(t.year, t.year, districts=(t.district_id,))
                    with_cell = queries.released(Filters(t.year, t.year, districts=(t.district_id,),
                                                         offences=(*extra, t.offence)), ["cases"])
                    without = queries.released(Filters(t.year, t.year, districts=(t.district_id,),
                                                       offences=extra), ["cases"])
                else:
                    chosen = tuple(rng.choice(others, rng.integers(1, len(others) + 1), replace=False)) \
                        if others else ()
                    f = Filters(t.year, t.year, districts=chosen)
                    with_cell = queries.released(Filters(t.year, t.year, districts=(*chosen, t.district_id)),
                                                 ["cases"])
                    without = queries.released(f, ["cases"]) if chosen else None
                sent += 2
                diffs.append(with_cell["cases"].iloc[0] - (0 if without is None else without["cases"].iloc[0]))
            guess = round(float(np.mean(diffs)))
            exact += guess == t.n
            near += abs(guess - t.n) <= 1
        out[name] = {"cells": len(pool), "queries": sent, "exact": exact, "within_one": near}
    complete = all(
        len(frame := _read(release_dir, n)) == int(np.prod([frame[k].nunique() for k in t.keys]))
        for n, t in catalogue.TABLES.items())
    out["absent_rows"] = {"tables_complete": complete, "attribute_disclosures": 0 if complete else None}
    return out


def attacks_markdown(a: dict) -> str:
    rows = []
    for name, label in (("averaging", "averaging \"S plus D\" minus \"S\" over random district sets"),
                        ("offence_subsets", "the same over random offence sets (district-year-offence cells)")):
        r = a[name]
        rows.append(f"| {label} | {r['cells']} | {r['queries']:,} | {r['exact'] / r['cells']:.0%} | "
                    f"{r['within_one'] / r['cells']:.0%} |")
    absent = a["absent_rows"]
    return "\n".join([
        "Against the dashboard's query layer on the release measured above; the targets are district cells with 1 "
        "to 9 true cases. Before the release (per-answer rounding) the averaging attack recovered 95% of such cells "
        "exactly; the goal is no better than reading one released value (at most 25%).",
        "",
        "| attack | small cells attacked | queries | recovered exactly | within ±1 |",
        "|---|---:|---:|---:|---:|",
        *rows,
        "",
        f"Absent-row attack: every table holds every combination of its keys: "
        f"{'yes' if absent['tables_complete'] else 'NO'}; attribute disclosures: {absent['attribute_disclosures']}.",
    ])


# -- markdown -----------------------------------------------------------------------------------------------------


def plan_markdown(rho: float) -> str:
    from etl import release
    from tipcore import catalogue

    vector_plan = release.plan(rho)
    # Each basis composes its own vectors; a case is in one report year and its events may fall in one event year,
    # so one case's loss per release is the composition of both.
    report_rho, event_rho = (release.basis_rho(vector_plan, basis) for basis in ("report", "event"))
    case_rho = release.composed_rho([p.spent for p in vector_plan.values()])
    lines = [
        f"Budget per report year: rho = {report_rho:.2f} (zCDP), about epsilon = {release.epsilon(report_rho):.2f} "
        f"at delta = {release.DELTA:g} (OpenDP's conversion); cap over all releases of a year: rho = "
        f"{release.config.PRIVACY_RHO_CAP:.2f}. Per event year (the period and returns tables): rho = "
        f"{event_rho:.2f}. One case's loss per release: at most rho = {case_rho:.2f}, about epsilon = "
        f"{release.epsilon(case_rho):.2f}. Victim measures count at most {catalogue.VICTIM_CLIP} victims per case.",
        "",
        "| table | keys | share | rho | measures | sigma (case / victim) | 95% margin per cell (case / victim) | "
        "sensitivity (case / victim) |",
        "|---|---|---:|---:|---|---:|---:|---:|",
    ]
    for name, table in catalogue.TABLES.items():
        plans = [vector_plan[(name, m)] for m in table.measures]
        case = next((p for p in plans if p.sensitivity == 1), None)
        victim = next((p for p in plans if p.sensitivity > 1), None)

        def both(attr: str, fmt: str, case=case, victim=victim) -> str:
            return " / ".join(fmt.format(getattr(p, attr)) if p else "–" for p in (case, victim))

        lines.append(f"| `{name}` | {', '.join(table.keys)} | {table.share:.2f} | {rho * table.share:.4f} | "
                     f"{', '.join(table.measures)} | {both('sigma', '{:.1f}')} | {both('margin95', '±{:d}')} | "
                     f"{both('sensitivity', '{:d}')} |")
    lines += ["", "Each measure's rho is the table's rho divided by its number of measures; sigma = sensitivity / "
                  "sqrt(2 rho). OpenDP's privacy map of every vector's mechanism is checked against its rho when the "
                  "release is built."]
    return "\n".join(lines)


def _goal(ok: bool) -> str:
    return "met" if ok else "**missed**"


def utility_markdown(u: dict, meta: dict) -> str:
    from etl.districts import FOUR_PROVINCES
    from tipcore import catalogue

    g = GOALS
    per_year = u["province_cases_per_year"]
    territories = [n for p, n in per_year.items() if p not in FOUR_PROVINCES]
    lines = [
        f"Measured on {meta['what']}, {meta['runs']} independent release(s) (figures are medians over them); "
        f"rho = {meta['rho']:g} per year{meta.get('shares_note', '')}.",
        "",
        "| figure | measured | goal | |",
        "|---|---:|---:|---|",
        f"| national yearly cases, median relative error (`national_year`) | {u['national_rel_error_pct']:.2f}% | "
        f"±{g['national']:g}% | {_goal(u['national_rel_error_pct'] <= g['national'])} |",
        f"| province yearly cases, median relative error (`province_year_total`, trafficking, the 4 provinces) | "
        f"{u['province_rel_error_pct']:.2f}% | ±{g['province']:g}% | "
        f"{_goal(u['province_rel_error_pct'] <= g['province'])} |",
        f"| the same over all {len(per_year)} areas, the {len(territories)} territories included "
        f"({min(territories):,.0f} to {max(territories):,.0f} cases a year each) | "
        f"{u['area_rel_error_pct']:.2f}% | ±{g['province']:g}% | {_goal(u['area_rel_error_pct'] <= g['province'])} |",
        f"| district case totals {u['district_3y_years'][0]}–{u['district_3y_years'][1]}, Spearman vs truth "
        f"(`district_year_total`) | {u['district_spearman']:.3f} | ≥ {g['spearman']:g} | "
        f"{_goal(u['district_spearman'] >= g['spearman'])} |",
        f"| the same among the {u['district_busy']:.0f} districts with at least 30 cases in those years | "
        f"{u['district_spearman_busy']:.3f} | | |",
        f"| true top-10 districts in the released top 10 | {u['district_top10_kept']:.0f} of 10 | ≥ {g['top10']} | "
        f"{_goal(u['district_top10_kept'] >= g['top10'])} |",
        f"| national funnel stage shares (trafficking) per year, error (`national_year`): median / p95 / max | "
        f"{u['funnel_pp_median']:.2f} / {u['funnel_pp_p95']:.2f} / {u['funnel_pp_max']:.2f} pp | "
        f"±{g['funnel_pp']:g} pp (95th percentile) | {_goal(u['funnel_pp_p95'] <= g['funnel_pp'])} |",
        "",
        "Yearly cases, median relative error by province and territory (mean true cases per year):",
        "",
        "| province or territory | cases a year | median relative error |",
        "|---|---:|---:|",
    ]
    for p, err in sorted(u["province_rel_error_pct_by_province"].items(),
                         key=lambda kv: -u["province_cases_per_year"][kv[0]]):
        lines.append(f"| {p} | {u['province_cases_per_year'][p]:,.0f} | {err:.1f}% |")
    lines += ["", "Mean absolute error of one cell, per table and measure (expected about 0.8 sigma):", "",
              "| table | " + " | ".join(catalogue.MEASURES) + " |",
              "|---|" + "---:|" * len(catalogue.MEASURES)]
    for name, row in u["mae"].items():
        lines.append(f"| `{name}` | " + " | ".join(f"{row[m]:.1f}" if m in row else "" for m in catalogue.MEASURES)
                     + " |")
    lines += ["", f"Release build time: {meta['seconds']}."]
    return "\n".join(lines)


def write_between(text: str, marker: str, body: str) -> str:
    start, end = f"<!-- privacy-report:{marker}:start -->", f"<!-- privacy-report:{marker}:end -->"
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{DOC.name} has no {start} ... {end} markers")
    return pattern.sub(lambda _m: f"{start}\n{body}\n{end}", text)


# -- main ---------------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=50_000, help="demo size (default %(default)s)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=10, help="independent releases measured (default %(default)s)")
    parser.add_argument("--warehouse", type=Path, help="measure this warehouse ...")
    parser.add_argument("--release", type=Path, help="... and this release of it (no demo is built)")
    parser.add_argument("--share", action="append", default=[], metavar="TABLE=SHARE",
                        help="try another budget share (shares must add up to 1)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/privacy.md as it is")
    args = parser.parse_args(argv)
    if bool(args.warehouse) != bool(args.release):
        parser.error("--warehouse and --release go together")

    with tempfile.TemporaryDirectory(prefix="tip-privacy-report-") as tmp:
        folder = Path(tmp)
        if not args.warehouse:
            _use_temp_folder(folder)
        shares = _override_shares(args.share)
        from etl import release
        from tipcore import config

        timings = []
        if args.warehouse:
            warehouse, releases = args.warehouse, [args.release]
            what = f"the warehouse {args.warehouse.name} and its release"
        else:
            from etl.demo import write_demo
            from etl.pipeline import build_warehouse

            print(f"Writing {args.cases:,} demo cases and building the warehouse ...", flush=True)
            write_demo(config.raw_dir(), cases=args.cases, seed=args.seed)
            summary = build_warehouse()
            if not summary["release"]["ok"]:
                raise SystemExit(f"release failed: {summary['release']['error']}")
            warehouse = config.warehouse_path()
            releases = [config.release_dir()]
            timings.append(summary["release"]["seconds"])
            print(f"  build {sum(summary['timings'].values()):.1f} s, release {timings[0]:.1f} s", flush=True)
            for i in range(1, args.runs):
                result = release.build_release(warehouse, folder / f"release-{i}", folder / f"ledger-{i}.duckdb")
                timings.append(result["seconds"])
                releases.append(folder / f"release-{i}")
                print(f"  release {i + 1}/{args.runs}: {result['seconds']:.1f} s", flush=True)
            what = f"the {args.cases:,}-case demo (seed {args.seed})"
        truths, _dom = release.true_tables(warehouse)
        figures = _median_of([utility(r, truths) for r in releases])
        load = os.getloadavg()[0]
        seconds = (f"{np.median(timings):.1f} s median over {len(timings)} fresh releases of {what} (counting, "
                   f"noise, ledger, files), load average {load:.1f} on {os.cpu_count()} cores"
                   if timings else "not measured (an existing release)")
        meta = {"what": what, "runs": len(releases), "rho": config.PRIVACY_RHO, "seconds": seconds}
        if shares:
            meta["shares_note"] = " with shares " + ", ".join(f"{k} = {v:g}" for k, v in shares.items())
        plan_md, utility_md = plan_markdown(config.PRIVACY_RHO), utility_markdown(figures, meta)
        print("Running the attacks against the query layer ...", flush=True)
        attacks_md = attacks_markdown(attacks(warehouse, releases[0]))
    print(plan_md, "\n", utility_md, "\n", attacks_md, sep="\n")
    print(json.dumps({k: v for k, v in figures.items() if k != "mae"}, indent=1))
    if not args.no_write:
        text = DOC.read_text(encoding="utf-8")
        text = write_between(write_between(text, "plan", plan_md), "utility", utility_md)
        text = write_between(text, "attacks", attacks_md)
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    started = time.perf_counter()
    code = main()
    print(f"({time.perf_counter() - started:.0f} s)", file=sys.stderr)
    raise SystemExit(code)
