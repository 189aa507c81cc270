"""Table downloads and citations: every file read back with its tool's defaults (pandas.read_csv, read_excel,
read_parquet, frictionless), named for what it holds, holding the release's values and nothing else."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from pathlib import Path

import jsonschema
import pandas as pd
import pyarrow.parquet as pq
import pytest
import yaml
from frictionless import validate
from streamlit.delta_generator import DeltaGenerator

from tests.apptest import open_page
from tipcore import catalogue, config
from tipdash import citation, db, downloads, privacy, queries, text
from tipdash.filters import Filters

REPO = Path(__file__).resolve().parent.parent
URDU = "مظفرآباد"
CITE = citation.Citation(version="abc123", released=dt.date(2026, 11, 30), accessed=dt.date(2026, 12, 3),
                         is_demo=True, url=None, licence="CC-BY-4.0")
NOTES = downloads.Download("Release table district_year: Districts by year", "2023–2024 · province: Punjab",
                           "punjab", (2023, 2024), CITE)


@pytest.fixture
def frame() -> pd.DataFrame:
    """Released values as the queries return them: keys, counts (one small, one negative, one missing) with
    margins, and a rate with its margin (one not available)."""
    return pd.DataFrame({
        "district_id": ["lahore", "multan", "muzaffarabad"],
        "name": ["Lahore", "Multan", URDU],
        "year": [2023, 2023, 2024],
        "cases": [120.0, 7.0, -3.0],
        "cases_moe": [4.44, 4.44, 4.44],
        "convictions": pd.array([25, pd.NA, 9], dtype="Int64"),
        "convictions_moe": [3.0, 3.0, 3.0],
        "conviction_rate": pd.array([20.8, pd.NA, 12.5], dtype="Float64"),
        "conviction_rate_moe": pd.array([3.1, pd.NA, 2.0], dtype="Float64"),
    })


@pytest.fixture
def built(frame) -> dict[str, downloads.File]:
    return {f.name.rsplit(".", 1)[1]: f for f in downloads.files(frame, "district_year", NOTES,
                                                                   ["cases", "convictions"])}


EXPECTED_COLUMNS = ["data_status", "district_id", "name", "year", "cases", "cases_moe", "cases_flag", "convictions",
                    "convictions_moe", "convictions_flag", "conviction_rate_pct", "conviction_rate_pct_moe"]


def check_data(table: pd.DataFrame) -> None:
    """The data table as pandas reads it from any of the formats."""
    assert list(table.columns) == EXPECTED_COLUMNS
    assert (table["data_status"] == downloads.DEMO_VALUE).all()
    assert table["cases"].tolist() == [120, 7, -3]  # the released values, small and negative ones kept
    assert table["cases_moe"].tolist() == [4.4, 4.4, 4.4]
    assert table["cases_flag"].fillna("").tolist() == ["", downloads.FLAG_SMALL, downloads.FLAG_SMALL]
    assert table["convictions"].isna().tolist() == [False, True, False]
    assert table["convictions_flag"].fillna("").tolist() == ["", downloads.FLAG_MISSING, downloads.FLAG_SMALL]
    assert pd.api.types.is_float_dtype(table["conviction_rate_pct"])
    assert table["conviction_rate_pct"].isna().tolist() == [False, True, False]
    assert table["conviction_rate_pct"].iloc[0] == 20.8 and table["conviction_rate_pct_moe"].iloc[2] == 2.0
    assert table["name"].iloc[2] == URDU


def test_csv_opens_with_pandas_defaults(built):
    data = built["csv"].data
    assert not data.startswith(b"\xef\xbb\xbf") and data.endswith(b"2.0\r\n")  # no BOM; a final newline
    assert data.count(b"\n") == 4  # one header row, three data rows
    table = pd.read_csv(io.BytesIO(data))
    check_data(table)
    for col in ("cases", "cases_moe", "year"):
        assert pd.api.types.is_numeric_dtype(table[col]), col


def test_excel_has_data_definitions_and_citation_sheets(built):
    sheets = pd.read_excel(io.BytesIO(built["xlsx"].data), sheet_name=None)
    assert list(sheets) == ["data", "definitions", "citation"]
    check_data(sheets["data"])
    defs = sheets["definitions"].set_index("column")
    assert list(defs.index) == EXPECTED_COLUMNS
    assert defs.loc["conviction_rate_pct", "unit"] == "per cent"
    assert "released value as published" in defs.loc["cases", "meaning"]
    assert "95% margin" in defs.loc["cases_moe", "meaning"] and "fewer than" in defs.loc["cases_flag", "meaning"]
    cite = sheets["citation"].set_index("field")["value"]
    assert cite["note"] == text.DEMO_NOTE and cite["version"] == "abc123" and cite["url"] == "none set"
    assert cite["BibTeX"].startswith("@misc{") and cite["RIS"].startswith("TY  - DATA")


def test_parquet_keeps_types_and_carries_the_citation(built):
    data = built["parquet"].data
    check_data(pd.read_parquet(io.BytesIO(data)))
    schema = pq.read_schema(io.BytesIO(data))
    assert str(schema.field("cases").type) == "int64" and str(schema.field("cases_moe").type) == "double"
    assert schema.metadata[b"tipdash.is_demo"] == b"true"
    assert CITE.text().encode() == schema.metadata[b"tipdash.citation"]
    assert text.DEMO_NOTE.encode() in schema.metadata[b"tipdash.readme"]


def test_zip_holds_data_readme_citations_and_a_valid_data_package(built, tmp_path):
    with zipfile.ZipFile(io.BytesIO(built["zip"].data)) as z:
        z.extractall(tmp_path)
        names = sorted(Path(n).name for n in z.namelist())
    assert names == ["README.md", "citation.bib", "citation.ris", "data.csv", "datapackage.json"]
    (folder,) = tmp_path.iterdir()
    assert folder.name == built["zip"].name.removesuffix(".zip")
    assert (folder / "data.csv").read_bytes() == built["csv"].data
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert text.DEMO_NOTE in readme and CITE.text() in readme and "| conviction_rate_pct | per cent |" in readme
    assert (folder / "citation.bib").read_text() == CITE.bibtex()
    report = validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    fields = {f["name"]: f["type"] for f in package["resources"][0]["schema"]["fields"]}
    assert fields["cases"] == "integer" and fields["conviction_rate_pct"] == "number"
    assert "SYNTHETIC DEMO DATA" in package["title"] and package["version"] == "abc123"


def test_a_broken_data_package_fails_validation(built, tmp_path):
    """The validation above can fail: a descriptor that calls a text column an integer does."""
    with zipfile.ZipFile(io.BytesIO(built["zip"].data)) as z:
        z.extractall(tmp_path)
    (folder,) = tmp_path.iterdir()
    package = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    package["resources"][0]["schema"]["fields"][1]["type"] = "integer"  # district_id
    (folder / "datapackage.json").write_text(json.dumps(package), encoding="utf-8")
    assert not validate(folder / "datapackage.json").valid


def test_file_names_say_what_they_hold():
    assert downloads.subject("district_year_total") == "district-cases-by-year"
    assert downloads.subject("national_year_offence") == "national-cases-stages-and-victims-by-year-offence-and-scope"
    assert len({downloads.subject(t) for t in catalogue.TABLES}) == len(catalogue.TABLES)
    assert downloads.area_slug(Filters(2020, 2024)) == "pakistan"
    assert downloads.area_slug(Filters(2020, 2024, provinces=("Azad Jammu & Kashmir",))) == "azad-jammu-kashmir"
    assert downloads.area_slug(Filters(2020, 2024, districts=("lahore", "multan"))) == "lahore-multan"
    assert downloads.area_slug(Filters(2020, 2024, provinces=("Punjab", "Sindh", "Balochistan"))) == "3-provinces"
    assert downloads.slug(f"Muzaffarabad {URDU}") == "muzaffarabad"
    real = downloads.Download("t", "2020", "punjab", (2020, 2020), citation.Citation("v", None, dt.date.today(), False))
    assert downloads.file_stem("district_year_total", real) == "district-cases-by-year_punjab_2020"
    names = [f.name for f in downloads.files(pd.DataFrame({"cases": [1]}), "district_year_total", NOTES, ["cases"])]
    assert names == [f"synthetic-demo_district-cases-by-year_punjab_2023-2024.{ext}"
                     for ext in ("csv", "zip", "xlsx", "parquet")]
    assert all(n.isascii() for n in names)


def test_headers_that_fold_to_one_name_keep_both_columns():
    table = downloads.data_table(pd.DataFrame({"Area": ["a"], "area": ["b"]}), [], is_demo=False)
    assert list(table.columns) == ["area", "area_2"] and table.iloc[0].tolist() == ["a", "b"]


# Citations ---------------------------------------------------------------------------------------------------


def bibtex_fields(entry: str) -> tuple[str, str, dict[str, str]]:
    """A minimal BibTeX reader: entry type, key, and one ``name = {value}`` field per line."""
    head = re.match(r"@(\w+)\{([^,\s]+),\n", entry)
    assert head and entry.rstrip().endswith("}"), entry
    fields = dict(re.findall(r"^  (\w+) = \{(.*)\},?$", entry, flags=re.M))
    assert entry.count("{") == entry.count("}")  # braces balance, so a reference manager reads to the end
    return head.group(1), head.group(2), fields


def ris_tags(record: str) -> list[tuple[str, str]]:
    lines = record.splitlines()
    assert all(re.match(r"^[A-Z][A-Z0-9]  - ", line) for line in lines), lines
    return [(line[:2], line[6:]) for line in lines]


def test_bibtex_and_ris_name_the_release_the_day_and_that_the_data_is_synthetic():
    kind, key, fields = bibtex_fields(CITE.bibtex())
    assert kind == "misc" and key == "pakistan_tip_release_abc123"
    assert fields["author"] == "{" + citation.MAINTAINERS + "}" and fields["publisher"] == citation.MAINTAINERS
    assert "SYNTHETIC DEMO DATA" in fields["title"] and fields["version"] == "abc123"
    assert fields["year"] == "2026" and fields["date"] == "2026-11-30" and fields["urldate"] == "2026-12-03"
    assert "url" not in fields and "TIP\\_PUBLIC\\_URL" in fields["howpublished"]
    assert "95\\% margin" in fields["note"] and "Do not cite as evidence" in fields["note"]
    tags = ris_tags(CITE.ris())
    assert tags[0] == ("TY", "DATA") and tags[-1] == ("ER", "")
    found = dict(tags)
    assert found["AU"] == citation.MAINTAINERS and found["PY"] == "2026" and found["Y2"] == "2026/12/03"
    assert found["ET"] == "release abc123" and "UR" not in found and "SYNTHETIC DEMO DATA" in found["TI"]
    assert "no public address is set" in CITE.text() and "Accessed 2026-12-03" in CITE.text()


def test_a_citation_with_an_address_gives_it_in_every_form():
    cite = citation.Citation("v1", dt.date(2026, 1, 2), dt.date(2026, 2, 3), is_demo=False,
                             url="https://tip.example.org")
    assert bibtex_fields(cite.bibtex())[2]["url"] == "https://tip.example.org"
    assert dict(ris_tags(cite.ris()))["UR"] == "https://tip.example.org"
    assert "https://tip.example.org" in cite.text() and "SYNTHETIC" not in cite.text() + cite.bibtex()


def test_the_release_citation_reads_the_release_descriptor(warehouse):
    cite = citation.for_release(db.package(), dt.date(2026, 12, 3))
    status = queries.data_status.uncached()
    assert cite.version == status["release_id"] and cite.is_demo is status["is_demo"] is True
    assert cite.released == dt.date.fromisoformat(status["finished_at"][:10])
    assert cite.licence == "CC-BY-4.0" and cite.url == config.PUBLIC_URL


# The software's citation (CITATION.cff) ---------------------------------------------------------------------

# What CFF 1.2.0's schema requires of a file like ours, restated (its full schema is not vendored here): the
# version, a message, a title and at least one author, each a person (family-names) or an entity (name).
CFF_REQUIRED = {
    "type": "object",
    "required": ["cff-version", "message", "title", "authors"],
    "properties": {
        "cff-version": {"const": "1.2.0"},
        "message": {"type": "string", "minLength": 1},
        "title": {"type": "string", "minLength": 1},
        "type": {"enum": ["dataset", "software"]},
        "authors": {"type": "array", "minItems": 1, "items": {"anyOf": [
            {"type": "object", "required": ["family-names"]}, {"type": "object", "required": ["name"]}]}},
        "keywords": {"type": "array", "items": {"type": "string", "minLength": 1}},
    },
}


def test_citation_cff_is_valid_cff_1_2_0():
    cff = yaml.safe_load((REPO / "CITATION.cff").read_text(encoding="utf-8"))
    jsonschema.validate(cff, CFF_REQUIRED)
    assert "synthetic" in cff["message"]
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({k: v for k, v in cff.items() if k != "authors"}, CFF_REQUIRED)


# Against the session's release ------------------------------------------------------------------------------


def test_downloads_hold_the_released_values_and_nothing_else(warehouse, tmp_path):
    f = Filters(2021, 2023, provinces=("Punjab",))
    for name in ("district_year", "province_year_offence", "national_year"):
        spec = catalogue.TABLES[name]
        table = queries.release_table.uncached(name, f)
        notes = downloads.Download(name, f.describe(), downloads.area_slug(f), (2021, 2023), CITE)
        files = {x.name.rsplit(".", 1)[1]: x.data for x in downloads.files(table, name, notes, list(spec.measures))}
        got = pd.read_csv(io.BytesIO(files["csv"]), keep_default_na=False, na_values=[""])
        in_excel = pd.read_excel(io.BytesIO(files["xlsx"]), sheet_name="data")
        pd.testing.assert_frame_equal(in_excel, got, check_dtype=False)  # a margin of 4.0 reads back as 4
        with zipfile.ZipFile(io.BytesIO(files["zip"])) as z:
            z.extractall(tmp_path / name)
        (package,) = (tmp_path / name).glob("*/datapackage.json")
        assert validate(package).valid, name
        allowed = {"data_status", *spec.keys, *(m + s for m in spec.measures for s in ("", "_moe", "_flag"))}
        assert set(got.columns) == allowed, name
        published = pd.read_csv(config.release_dir() / "data" / f"{name}.csv", keep_default_na=False)
        merged = got.merge(published, on=list(spec.keys), suffixes=("", "_release"), validate="one_to_one")
        assert len(merged) == len(got) > 0
        for m in spec.measures:
            assert (merged[m] == merged[m + "_release"]).all(), (name, m)
            assert merged[m + "_moe"].eq(round(privacy.margin(queries.sigma(name, m), 1), 1)).all()
            assert (merged[m + "_flag"].notna() == (merged[m] < privacy.SHOW_BELOW)).all()


def test_the_explore_page_offers_the_four_files_named_for_the_table(options, monkeypatch):
    offered: list[tuple[str, str]] = []
    original = DeltaGenerator.download_button

    def recording(self, label, data, file_name=None, *args, **kwargs):
        offered.append((label, file_name))
        return original(self, label, data, file_name, *args, **kwargs)

    monkeypatch.setattr(DeltaGenerator, "download_button", recording)
    at = open_page("explore")
    first = queries.release_catalogue.uncached()["table"].iloc[0]
    y0, y1 = options.default_years
    stem = f"synthetic-demo_{downloads.subject(first)}_pakistan_{y0}-{y1}"
    assert offered == [("Download CSV", f"{stem}.csv"), ("Download CSV with notes (zip)", f"{stem}.zip"),
                       ("Download Excel", f"{stem}.xlsx"), ("Download Parquet", f"{stem}.parquet")]
    ids = [b.proto.id for b in at.get("download_button")]
    assert all(any(f"ex_download_{ext}" in i for i in ids) for ext in ("csv", "zip", "xlsx", "parquet")), ids


def test_the_about_page_offers_the_citation_as_text_bibtex_and_ris(options):
    at = open_page("about")
    blocks = [c.value for c in at.code]
    assert any(b.startswith("@misc{pakistan_tip_release_") for b in blocks)
    assert any(b.startswith("TY  - DATA") for b in blocks)
    assert any("SYNTHETIC DEMO DATA" in b and "Accessed" in b for b in blocks)


@pytest.fixture
def options(warehouse, boundaries):
    return queries.filter_options()
