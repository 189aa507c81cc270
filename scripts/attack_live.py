"""The privacy attacks of issue #11 against the live dashboard, as a visitor runs them: page URLs with filters,
over Streamlit's websocket (the messages a browser sends and receives), reading only what the pages show.

    python scripts/attack_live.py                       # a fresh 50,000-case demo build in a temporary folder
    python scripts/attack_live.py --data-dir DIR        # reuse a build (DIR/private/warehouse.duckdb, DIR/release)
    python scripts/attack_live.py --write-docs          # also put the figures into docs/privacy.md

What it does:

1. builds the synthetic demo (``python -m etl demo``, ``python -m etl build`` with ``TIP_DATA_DIR`` set) unless a
   build is given, and starts ``streamlit run dashboard.py`` on 127.0.0.1 with the release folder only;
2. **averaging attack**: for districts whose true yearly case count is 1 to 9, asks the Overview page for "S plus D"
   and for "S" (``?years=Y&district=...``), for random sets S of other districts of D's province, and averages the
   differences of the "Cases reported" tile (rounded: the attacker's guess of D's count);
3. **offence-subset variant**: the same on one district's offences (``&offence=...``), for its small
   district-year-offence cells;
4. **absent-row attack**: opens the Explore page's district-by-offence table for each district and year
   (``?district=D&years=Y``) and counts the groups whose rows would tell an empty offence from a non-empty one.

The truth comes from the private warehouse, which the attacker never sees; the server is given the release folder
only. The attacker's guess is compared with the truth and with simply reading the one released value of the cell
(the public release's file): a fixed release protected once gives the attacker that value and nothing more.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import math
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import duckdb
import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tipcore import catalogue  # noqa: E402
from tipdash import local_server, text  # noqa: E402

CASES_TILE = text.short("cases")
TOTALS_TABLE = "district_year_total"  # what the Overview tile sums for a set of districts (queries.choose_table)
OFFENCE_TABLE = "district_year_offence"  # ... and for one district's offences
PAGE_TIMEOUT_S = 120
COUNT = re.compile(r"^-?[\d,]+")


# -- a visitor on the websocket ---------------------------------------------------------------------------------


@dataclass
class PageView:
    """What one page run showed: its tiles (label -> text), its tables, and its widgets (key -> id, label)."""

    tiles: dict[str, str] = field(default_factory=dict)
    tables: list[pd.DataFrame] = field(default_factory=list)
    selectboxes: dict[str, tuple[str, list[str]]] = field(default_factory=dict)  # label -> (id, options)
    error: str | None = None


class Visitor:
    """One browser session: a websocket to ``/_stcore/stream``; each ``view`` is a page load with a query string."""

    def __init__(self, base: str):
        self.base = base
        self.ws = None
        self.loads = 0

    async def __aenter__(self) -> Visitor:
        import websockets

        url = self.base.replace("http://", "ws://", 1) + "/_stcore/stream"
        self.ws = await websockets.connect(url, subprotocols=["streamlit"], origin=self.base, max_size=None,
                                           open_timeout=PAGE_TIMEOUT_S)
        return self

    async def __aexit__(self, *exc) -> None:
        await self.ws.close()

    async def view(self, page: str, params: dict, widgets: dict[str, str] | None = None) -> PageView:
        """Run ``page`` with URL ``params`` (and widget values by id, as a click sends them); collect what it shows."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.rerun_script.query_string = urlencode(params, doseq=True)
        msg.rerun_script.page_name = page
        for widget_id, value in (widgets or {}).items():
            state = msg.rerun_script.widget_states.widgets.add()
            state.id, state.string_value = widget_id, value
        await self.ws.send(msg.SerializeToString())
        self.loads += 1
        out = PageView()
        deadline = time.monotonic() + PAGE_TIMEOUT_S
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(await asyncio.wait_for(self.ws.recv(), timeout=max(0.1, deadline - time.monotonic())))
            kind = fm.WhichOneof("type")
            if kind == "delta" and fm.delta.WhichOneof("type") == "new_element":
                _read_element(fm.delta.new_element, out)
            elif kind == "page_not_found":
                out.error = "page not found"
            elif kind == "script_finished" and fm.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                return out


def _read_element(element, out: PageView) -> None:
    import pyarrow as pa

    kind = element.WhichOneof("type")
    if kind == "metric":
        out.tiles[element.metric.label] = element.metric.body
    elif kind == "dataframe" and element.dataframe.arrow_data.data:
        with pa.ipc.open_stream(io.BytesIO(element.dataframe.arrow_data.data)) as reader:
            out.tables.append(reader.read_pandas())
    elif kind == "selectbox":
        out.selectboxes[element.selectbox.label] = (element.selectbox.id, list(element.selectbox.options))
    elif kind == "exception":
        out.error = "exception on the page"


def shown_count(tile: str | None) -> int | None:
    """The number a tile shows ("1,234 ± 12" -> 1234); None for "<10", "not shown" or no tile."""
    match = COUNT.match(tile or "")
    return int(match.group().replace(",", "")) if match else None


# -- the truth (private) and the release (public) ---------------------------------------------------------------


def truth(warehouse: Path, years: list[int]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """True trafficking case counts per district and year, per district, year and offence, and the gazetteer."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        where = "NOT is_smuggling AND district_id IS NOT NULL AND report_year BETWEEN $a AND $b"
        years_sql = {"a": years[0], "b": years[-1]}
        totals = con.execute(f"SELECT district_id, report_year::INTEGER AS year, count(*) AS n FROM cases "
                             f"WHERE {where} GROUP BY ALL", years_sql).df()
        offences = con.execute(f"SELECT district_id, report_year::INTEGER AS year, offence, count(*) AS n FROM cases "
                               f"WHERE {where} AND offence IS NOT NULL GROUP BY ALL", years_sql).df()
        districts = con.execute("SELECT district_id, province FROM districts").df()
    return totals, offences, districts


def released_cells(release: Path, table: str, keys: list[str]) -> dict[tuple, int]:
    """The published value of every cell of one release table (trafficking rows), read from its file."""
    frame = pd.read_csv(release / "data" / f"{table}.csv", keep_default_na=False, dtype={"district_id": str})
    if "kind" in frame:
        frame = frame[frame["kind"] == "trafficking"]
    return {tuple(row[:-1]): int(row[-1]) for row in frame[[*keys, "cases"]].itertuples(index=False, name=None)}


def exact_by_chance(sigma: float) -> float:
    """P(a discrete Gaussian of scale sigma is 0): the share of cells one released value gives exactly."""
    k = np.arange(-int(12 * sigma) - 1, int(12 * sigma) + 2)
    return float(1 / np.exp(-(k**2) / (2 * sigma**2)).sum())


# -- the attacks --------------------------------------------------------------------------------------------------

Ask = Callable[[dict], "asyncio.Future[int | None]"]


@dataclass
class CellResult:
    cell: tuple
    true: int
    released: int  # the one released value of the cell: what reading the release gives
    guess: int | None  # the attacker's rounded average; None when no answer pair was usable
    answers: int  # usable "S plus D" / "S" pairs


async def averaging(ask: Ask, targets: list[tuple[tuple, int, int]], others: Callable[[tuple], list[str]],
                    params: Callable[[tuple, list[str]], dict], samples: int, rng: random.Random) -> list[CellResult]:
    """For each (cell, true, released) target: ``samples`` random sets S from ``others(cell)``; the mean over the
    usable pairs of tile(S plus the cell) - tile(S). A pair is usable when both tiles show a number (not "<10")."""
    results = []
    for cell, true_n, released_n in targets:
        pool, diffs = others(cell), []
        for _ in range(samples):
            s = rng.sample(pool, rng.randint(1, len(pool))) if pool else []
            without = await ask(params(cell, s)) if s else 0
            with_cell = await ask(params(cell, [*s, None]))
            if with_cell is not None and without is not None:
                diffs.append(with_cell - without)
        guess = round(float(np.mean(diffs))) if diffs else None
        results.append(CellResult(cell, true_n, released_n, guess, len(diffs)))
    return results


def summary(results: list[CellResult], sigma: float) -> dict:
    """Exact and within-one recovery of the attack, of reading the released value, and by chance alone."""
    n = len(results)
    return {
        "cells": n,
        "answered": sum(r.guess is not None for r in results),
        "exact": sum(r.guess == r.true for r in results),
        "within_one": sum(r.guess is not None and abs(r.guess - r.true) <= 1 for r in results),
        "single_exact": sum(r.released == r.true for r in results),
        "single_within_one": sum(abs(r.released - r.true) <= 1 for r in results),
        "guess_is_released_value": sum(r.guess == r.released for r in results if r.guess is not None),
        "sigma": sigma,
        "expected_exact": exact_by_chance(sigma),
    }


def no_better_than_one_released_value(results: list[CellResult], sigma: float) -> None:
    """The bound a fixed release gives: an attack that averages answers computed from released values learns the
    released value of the cell and nothing more. So it is exact on no more cells than reading that value is, and
    reading it is exact with the probability that the noise is 0 (a binomial count, bounded at 1 in a million)."""
    got = summary(results, sigma)
    assert got["exact"] <= got["single_exact"], got
    p, n = got["expected_exact"], got["cells"]
    # Chernoff bound: P(Binomial(n, p) >= n p + t) <= exp(-2 t^2 / n); t for a 1e-6 tail.
    bound = n * p + math.sqrt(n * math.log(1e6) / 2)
    assert got["single_exact"] <= bound, got


def absent_rows(tables: dict[tuple, pd.DataFrame], offences: pd.DataFrame, domain: list[str]) -> dict:
    """For each (district, year) Explore table: does it show every offence of the domain? A group whose rows
    left out its empty offences would reveal the offence of a lone case; count those disclosures."""
    shown_all = disclosed = single = 0
    for (district, year), table in tables.items():
        rows = set(table["offence"]) if "offence" in table else set()
        shown_all += rows == set(domain)
        present = set(offences[(offences.district_id == district) & (offences.year == year)]["offence"])
        single += len(present) == 1
        disclosed += len(present) == 1 and rows == present
    return {"groups": len(tables), "every_row_shown": shown_all, "groups_with_one_offence": single,
            "attribute_disclosures": disclosed}


# -- the run ------------------------------------------------------------------------------------------------------


def demo_build(data_dir: Path, cases: int, seed: int) -> None:
    env = {**os.environ, "TIP_DATA_DIR": str(data_dir)}
    for step in (["demo", "--cases", str(cases), "--seed", str(seed)], ["build"]):
        subprocess.run([sys.executable, "-m", "etl", *step], cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL)


def tile_reader(visitor: Visitor) -> Ask:
    """The Overview page's "Cases reported" tile for a URL's filters; the same URL twice is asked once (it shows the
    same page)."""
    cache: dict[str, int | None] = {}

    async def ask(params: dict) -> int | None:
        key = urlencode(params, doseq=True)
        if key not in cache:
            cache[key] = shown_count((await visitor.view("", params)).tiles.get(CASES_TILE))
        return cache[key]

    return ask


async def district_attack(ask: Ask, release: Path, totals: pd.DataFrame, province_of: dict[str, str], cells: int,
                          samples: int, rng: random.Random) -> list[CellResult]:
    """District-years with 1 to 9 true cases: "S plus D" minus "S" over sets S of other districts of D's province."""
    released = released_cells(release, TOTALS_TABLE, ["district_id", "year"])
    small = totals[totals.n.between(1, 9)].sample(frac=1, random_state=rng.randrange(2**31)).head(cells)
    targets = [((r.district_id, r.year), r.n, released[(r.district_id, r.year)]) for r in small.itertuples()]

    def others(cell):
        return [d for d, p in province_of.items() if p == province_of[cell[0]] and d != cell[0]]

    def params(cell, s):
        return {"years": str(cell[1]), "district": [cell[0] if d is None else d for d in s]}

    return await averaging(ask, targets, others, params, samples, rng)


async def offence_attack(ask: Ask, release: Path, totals: pd.DataFrame, offences: pd.DataFrame, cells: int,
                         samples: int, rng: random.Random) -> list[CellResult]:
    """District-year-offence cells with 1 to 9 true cases, in district-years busy enough (30 cases or more) for the
    tiles to show sums: "S plus o" minus "S" over sets S of the district's other offences."""
    released = released_cells(release, OFFENCE_TABLE, ["district_id", "year", "offence"])
    busy = {(d, y) for d, y, n in totals.itertuples(index=False, name=None) if n >= 30}
    small = offences[offences.n.between(1, 9)]
    small = small[[(d, y) in busy for d, y in zip(small.district_id, small.year, strict=True)]]
    small = small.sample(frac=1, random_state=rng.randrange(2**31)).head(cells)
    targets = [((r.district_id, r.year, r.offence), r.n, released[(r.district_id, r.year, r.offence)])
               for r in small.itertuples()]
    codes = [o for o in catalogue.OFFENCES if o not in (catalogue.SMUGGLING, "not_recorded")]

    def others(cell):
        return [o for o in codes if o != cell[2]]

    def params(cell, s):
        return {"years": str(cell[1]), "district": cell[0], "offence": [cell[2] if o is None else o for o in s]}

    return await averaging(ask, targets, others, params, samples, rng)


async def absent_row_attack(visitor: Visitor, groups: list[tuple[str, int]], offences: pd.DataFrame) -> dict:
    """The Explore page's district-by-offence table for each (district, year) in ``groups``, chosen in its "Table"
    box as a click sends it: does any group's table leave out the offences it has no case of?"""
    explore = await visitor.view("explore", {})
    box_id, options = explore.selectboxes["Table"]
    title = catalogue.TABLES[OFFENCE_TABLE].title
    if title not in options:
        raise RuntimeError(f"the Explore page offers no {OFFENCE_TABLE} table")
    tables = {}
    for district, year in groups:
        view = await visitor.view("explore", {"years": str(year), "district": district}, {box_id: title})
        tables[(district, year)] = next(t for t in view.tables if "offence" in t and "district_id" in t)
    return absent_rows(tables, offences, [o for o in catalogue.OFFENCES if o != catalogue.SMUGGLING])


async def attack(base: str, warehouse: Path, release: Path, cells: int, samples: int, seed: int) -> dict:
    package = json.loads((release / "datapackage.json").read_text(encoding="utf-8"))
    years = sorted(int(y) for y in package["privacy"]["years"])
    sigma = {name: package["privacy"]["tables"][name]["measures"]["cases"]["sigma"]
             for name in (TOTALS_TABLE, OFFENCE_TABLE)}
    totals, offences, districts = truth(warehouse, years)
    province_of = dict(zip(districts.district_id, districts.province, strict=True))
    rng = random.Random(seed)
    async with Visitor(base) as visitor:
        ask = tile_reader(visitor)
        by_district = await district_attack(ask, release, totals, province_of, cells, samples, rng)
        by_offence = await offence_attack(ask, release, totals, offences, cells, samples, rng)
        # The small district-years first: the ones most likely to hold a single offence.
        groups = list(dict.fromkeys([r.cell for r in by_district] + [r.cell[:2] for r in by_offence]))
        rows = await absent_row_attack(visitor, groups[:cells], offences)
        loads = visitor.loads
    return {"districts": summary(by_district, sigma[TOTALS_TABLE]),
            "offences": summary(by_offence, sigma[OFFENCE_TABLE]),
            "absent_rows": rows, "page_loads": loads, "samples": samples, "release_id": package["version"]}


def run(data_dir: Path, cells: int, samples: int, seed: int) -> dict:
    warehouse, release = data_dir / "private" / "warehouse.duckdb", data_dir / "release"
    port = local_server.free_port()
    base = local_server.url(port)
    # The web process gets the release folder and nothing else of the build.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TIP_")} | {"TIP_RELEASE_DIR": str(release),
                                                                                "TIP_DATA_DIR": str(data_dir / "web")}
    with tempfile.TemporaryFile() as log:
        proc = local_server.start(port, log, env)
        try:
            local_server.wait_healthy(base, proc, timeout=180)
            started = time.perf_counter()
            out = asyncio.run(attack(base, warehouse, release, cells, samples, seed))
            out["seconds"] = round(time.perf_counter() - started, 1)
        finally:
            local_server.stop(proc)
    return out


def markdown(result: dict, cases: int, command: str) -> str:
    def pct(part: int, whole: int) -> str:
        return f"{part / whole:.0%}" if whole else "–"

    lines = [f"Against the live dashboard (`streamlit run dashboard.py` on loopback, the {cases:,}-case demo; release "
             f"`{result['release_id']}`), over Streamlit's websocket as a browser talks to it: "
             f"{result['page_loads']:,} page loads in {result['seconds']:,.0f} s. Command: `{command}`.", "",
             "| attack (live) | small cells | answered | recovered exactly | within ±1 | reading the one released "
             "value: exact | by chance (noise = 0) |", "|---|---:|---:|---:|---:|---:|---:|"]
    for key, label in (("districts", "averaging \"S plus D\" minus \"S\" over district sets (Overview tiles)"),
                       ("offences", "the same over offence sets of one district")):
        r = result[key]
        lines.append(f"| {label} | {r['cells']} | {r['answered']} | {pct(r['exact'], r['cells'])} | "
                     f"{pct(r['within_one'], r['cells'])} | {pct(r['single_exact'], r['cells'])} | "
                     f"{r['expected_exact']:.0%} (sigma {r['sigma']:.1f}) |")
    a = result["absent_rows"]
    lines += ["", f"Every usable guess was the cell's released value: {result['districts']['guess_is_released_value']} "
              f"of {result['districts']['answered']} districts, {result['offences']['guess_is_released_value']} of "
              f"{result['offences']['answered']} offence cells. Absent-row attack on the Explore page's "
              f"district-by-offence table: {a['every_row_shown']} of {a['groups']} district-years showed every "
              f"offence row, zeros included; of the {a['groups_with_one_offence']} with a single offence, "
              f"attribute disclosures: {a['attribute_disclosures']}."]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data-dir", type=Path, help="a finished build (private/warehouse.duckdb and release/)")
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=2026, help="demo data seed")
    parser.add_argument("--cells", type=int, default=100, help="small cells attacked per attack")
    parser.add_argument("--samples", type=int, default=4, help="random sets S per cell")
    parser.add_argument("--write-docs", action="store_true", help="write the figures into docs/privacy.md")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="tip-attack-") as tmp:
        data_dir = args.data_dir or Path(tmp)
        if args.data_dir is None:
            print(f"Building the {args.cases:,}-case demo ...", flush=True)
            demo_build(data_dir, args.cases, args.seed)
        result = run(data_dir, args.cells, args.samples, seed=11)
    print(json.dumps(result, indent=2))
    block = markdown(result, args.cases, "python scripts/attack_live.py" + (" --write-docs" if args.write_docs else ""))
    print(block)
    if args.write_docs:
        from scripts.privacy_report import DOC, write_between

        DOC.write_text(write_between(DOC.read_text(encoding="utf-8"), "live-attacks", block), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
