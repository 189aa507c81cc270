"""Demo data per size, generated once by ``python -m etl demo`` and cached under data/cache/bench/<cases>/raw.

The cache is reused while the generator, the layouts and the gazetteer are unchanged (a fingerprint of those
files and the seed is kept beside the data), so a second run of the benchmark measures, and does not regenerate.
The warehouse and the release built from it are cached beside it (``private/``, ``release/``).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys

from benchmarks.common import REPO, env_for, log, private_dir, raw_dir, release_dir, run_measured, warehouse_path

MARKER = ".bench-dataset.json"  # a dot file: etl.extract.input_files skips it


def fingerprint(cases: int, seed: int) -> str:
    digest = hashlib.sha256(f"{cases}:{seed}\n".encode())
    files = [REPO / "etl" / "demo.py", REPO / "data" / "reference" / "districts.csv",
             *sorted((REPO / "etl" / "sources").glob("*.toml"))]
    for path in files:
        if path.exists():
            digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def ensure_raw(cases: int, seed: int) -> dict:
    """The raw folder for ``cases`` (generated when missing or stale); returns what was done and how long it took."""
    raw = raw_dir(cases)
    marker = raw / MARKER
    want = fingerprint(cases, seed)
    if marker.exists():
        try:
            have = json.loads(marker.read_text(encoding="utf-8"))
        except ValueError:
            have = {}
        if have.get("fingerprint") == want:
            return {"cases": cases, "generated": False, **have}
    log(f"generating {cases:,} demo cases (cached for later runs)")
    if raw.exists():
        shutil.rmtree(raw)
    raw.parent.mkdir(parents=True, exist_ok=True)
    # A new data set invalidates the warehouse, ledger and release built from the old one.
    shutil.rmtree(private_dir(cases), ignore_errors=True)
    shutil.rmtree(release_dir(cases), ignore_errors=True)
    run = run_measured([sys.executable, "-m", "etl", "demo", "--cases", str(cases), "--seed", str(seed),
                        "--out", str(raw)], env_for(cases), timeout=7200)
    if run.returncode != 0:
        raise RuntimeError(f"demo generation failed:\n{run.stderr[-3000:]}")
    manifest = json.loads((raw / "DEMO_MANIFEST.json").read_text(encoding="utf-8"))
    info = {
        "fingerprint": want, "seed": seed, "generate_s": round(run.wall_s, 2),
        "files": len(manifest["files"]), "rows": sum(f["rows"] for f in manifest["files"]),
        "bytes": sum(p.stat().st_size for p in raw.iterdir() if p.is_file() and not p.name.startswith(".")),
        "bytes_csv": sum(p.stat().st_size for p in raw.glob("*.csv")),
        "bytes_xlsx": sum(p.stat().st_size for p in raw.glob("*.xlsx")),
    }
    marker.write_text(json.dumps(info, indent=2), encoding="utf-8")
    return {"cases": cases, "generated": True, **info}


def ensure_built(cases: int) -> None:
    """The warehouse and release for ``cases``, built by the real ETL if either is missing (used with --skip-etl)."""
    if warehouse_path(cases).exists() and (release_dir(cases) / "datapackage.json").exists():
        return
    log(f"building the {cases:,}-case warehouse and release (missing)")
    run = run_measured([sys.executable, "-m", "etl", "build", "--quiet"], env_for(cases), timeout=7200)
    if run.returncode != 0 or not (release_dir(cases) / "datapackage.json").exists():
        raise RuntimeError(f"ETL build failed:\n{(run.stderr or run.stdout)[-3000:]}")
