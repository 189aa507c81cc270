"""Command line: `python -m etl build`, `python -m etl demo`, `python -m etl boundaries`.

Users see a progress bar, a one-screen summary and plain messages; a stack trace goes to a log file only.
Messages are printed as Rich Text, never as markup: "[columns] must map ..." keeps its brackets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import traceback
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from tipcore import config

console = Console(stderr=True)
USAGE = """usage: python -m etl COMMAND [options]

commands:
  build        build the warehouse from the agency exports in data/raw/ (demo data if it is empty)
  demo         write synthetic demo exports into data/raw/
  boundaries   prepare district, province and country boundaries for the maps

`python -m etl COMMAND --help` shows a command's options."""


def say(message: str, lead: str = "", style: str = "") -> None:
    """Print ``lead`` (in ``style``) and ``message`` as plain text: brackets and paths are shown as they are."""
    console.print(Text.assemble((lead, style), message) if lead else Text(message, style=style))


def _print_summary(summary: dict) -> None:
    table = Table(title=Text(f"ETL run {summary['run_id']}"
                             + (" — SYNTHETIC DEMO DATA" if summary["is_demo"] else "")),
                  show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column(justify="right")
    k = summary["k_anonymity"]
    for label, value in (
        ("Files read / skipped", f"{summary['files_read']} / {summary['files_skipped']}"),
        ("Rows read", f"{summary['rows_read']:,}"),
        ("Rows rejected", f"{summary['rows_rejected']:,}"),
        ("Rows merged (duplicates)", f"{summary['rows_merged']:,}"),
        ("Cases loaded", f"{summary['cases_loaded']:,}"),
        ("Victims loaded", f"{summary['victims_loaded']:,}"),
        ("District matches", ", ".join(f"{m} {n:,}" for m, n in sorted(summary["district_matches"].items()))),
        ("Unmatched district spellings", f"{summary['unmatched_district_values']:,}"),
        ("Problems recorded", ", ".join(f"{a} {n:,}" for a, n in sorted(summary["issues"].items())) or "none"),
        (f"k-anonymity (k={k['k']})", f"smallest group {k['smallest_group']}, "
                                      f"{k['records_below_k']:,} of {k['records']:,} victims in groups < k"),
        ("Warehouse version", summary["warehouse_version"]),
        ("Time", f"{sum(summary['timings'].values()):.1f} s"),
    ):
        table.add_row(Text(label), Text(str(value)))
    console.print(table)
    say(f"Report (rejected rows, district matches): {summary['report_dir']}")
    from etl.release import summary_line  # here: OpenDP loads only after a build

    result = summary.get("release")
    if result and not result.get("ok", True):  # summary_line writes this case as markup; the error is plain text
        say(str(result.get("error")), lead="Public release not updated (the previous one stays): ", style="red")
    else:
        say(summary_line(result))
    skipped = [f for f in summary["input_files"] if not f["loaded"]]
    if skipped:
        say(f"{len(skipped)} file(s) skipped; reasons in rejected_rows.csv", style="yellow")


def build(argv: list[str]) -> int:
    from etl.pipeline import BuildError, build_warehouse

    parser = argparse.ArgumentParser(prog="python -m etl build", description="Build the warehouse.")
    parser.add_argument("--raw", type=Path, help="input folder (default data/raw/, or TIP_RAW_DIR)")
    parser.add_argument("--warehouse", type=Path, help="warehouse file (default data/warehouse.duckdb, or "
                                                        "TIP_WAREHOUSE)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    try:
        if args.quiet:
            summary = build_warehouse(args.raw, args.warehouse)
        else:
            with Progress(TextColumn("{task.description:<60}", markup=False), BarColumn(), TimeElapsedColumn(),
                          console=console, transient=True) as bar:
                task = bar.add_task("Starting", total=1.0)
                summary = build_warehouse(
                    args.raw, args.warehouse,
                    progress=lambda msg, frac: bar.update(task, description=msg[:60], completed=frac))
    except BuildError as exc:
        say(str(exc), lead="Build stopped: ", style="red")
        say("The previous warehouse, if any, is unchanged.")
        return 2
    except Exception as exc:  # noqa: BLE001 - the user gets a message, the trace goes to a log file
        log = config.reports_dir() / f"crash-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(traceback.format_exc(), encoding="utf-8")
        say(f"{type(exc).__name__}. The previous warehouse, if any, is unchanged. Details for a developer: {log}",
            lead="Build failed unexpectedly: ", style="red")
        return 1
    _print_summary(summary)
    return 0


def main(argv: list[str]) -> int:
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command == "build":
        return build(rest)
    if command == "demo":
        from etl import demo

        return demo.cli(rest)
    if command == "boundaries":
        from etl import boundaries

        return boundaries.cli(rest)
    print(f"unknown command '{command}'\n\n{USAGE}")
    return 2
