"""Anonymisation: pseudonyms, keys, age bands, and property-based attacks with generated personal data."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import string
import tomllib
from pathlib import Path

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from etl import anonymise
from etl.pipeline import build_warehouse
from tests.helpers import LAYOUTS, POLICE_HEADER, all_text


def test_sql_hmac_equals_python_hmac():
    key = b"k" * 40
    con = duckdb.connect()
    message = "punjab_police\x1fFIR 12/2020 ÷ لاہور"
    got = con.execute(f"SELECT {anonymise.hmac_sql('$m')}", {"m": message, **anonymise.hmac_params(key)}
                      ).fetchall()[0][0]
    assert got == hmac.new(key, message.encode(), hashlib.sha256).hexdigest()


def test_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv(anonymise.KEY_ENV, raising=False)
    secrets = tmp_path / "secrets.toml"
    first = anonymise.pseudonym_key(secrets)
    assert anonymise.pseudonym_key(secrets) == first
    assert len(first) >= 32 and oct(secrets.stat().st_mode & 0o777) == "0o600"


def test_environment_key_wins_and_short_keys_are_refused(tmp_path, monkeypatch):
    monkeypatch.setenv(anonymise.KEY_ENV, "from-the-environment-123")
    assert anonymise.pseudonym_key(tmp_path / "none.toml") == b"from-the-environment-123"
    monkeypatch.setenv(anonymise.KEY_ENV, "short")
    with pytest.raises(anonymise.PseudonymKeyError):
        anonymise.pseudonym_key(tmp_path / "none.toml")


@pytest.mark.parametrize("age,band", [(0, "0-8"), (8, "0-8"), (9, "9-17"), (17, "9-17"), (18, "18-20"),
                                      (29, "27-29"), (30, "30-38"), (47, "39-47"), (48, "48+"), (100, "48+")])
def test_ctdc_age_bands(age, band):
    assert duckdb.connect().execute(f"SELECT {anonymise.age_band_sql('$a')}", {"a": age}).fetchall()[0][0] == band


# --- property-based attacks -------------------------------------------------------------------------------------

URDU = "ابپتٹثجچحخدڈذرڑزژسشصضطظعغفقکگلمنںوہھءیے"
names = st.builds(
    lambda first, last: f"{first} {last}",
    st.text(alphabet=string.ascii_letters + URDU, min_size=3, max_size=10),
    st.text(alphabet=string.ascii_letters + URDU, min_size=3, max_size=12),
)
digits = st.text(alphabet=string.digits, min_size=1, max_size=1)
cnics = st.builds(
    lambda a, b, c, sep: f"{a}{sep}{b}{sep}{c}",
    st.from_regex(r"[1-7]\d{4}", fullmatch=True), st.from_regex(r"\d{7}", fullmatch=True), digits,
    st.sampled_from(["-", "", " "]),
)
phones = st.builds(
    lambda prefix, net, num, sep: f"{prefix}{net}{sep}{num}",
    st.sampled_from(["0", "+92", "92", "+92 "]), st.from_regex(r"3[0-4]\d", fullmatch=True),
    st.from_regex(r"\d{7}", fullmatch=True), st.sampled_from(["-", "", " "]),
)
addresses = st.builds(lambda house, street, town: f"House {house}, Street {street}, {town}",
                      st.integers(1, 999), st.integers(1, 99), st.sampled_from(["Kot Lakhpat", "Gulberg", "Saddar"]))


@pytest.mark.slow
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=names, cnic=cnics, phone=phones, address=addresses)
def test_generated_identifiers_never_reach_any_table(tmp_path_factory, monkeypatch, name, cnic, phone, address):
    """Identifiers planted in personal columns and in every free-text contract field stay out of the warehouse."""
    monkeypatch.setenv("TIP_SOURCES_DIR", str(LAYOUTS))
    root = tmp_path_factory.mktemp("attack")
    monkeypatch.setenv("TIP_REPORTS_DIR", str(root / "reports"))
    raw = root / "raw"
    raw.mkdir()
    narrative = f"{name} ({cnic}) of {address} called from {phone}"
    rows = [
        # identifiers in the personal columns
        f'R1,Lahore,01/02/2020,FIR 1/2020,,kiln,,,,,1,F,17,,"{name}",{cnic},{phone},SYNTHETIC',
        # identifiers typed into the district, reference, FIR number, sentence and code columns
        f'"{cnic}",{phone},01/02/2020,"{phone}",,"{name}","{cnic}",,,,"{phone}",F,17,"{narrative}",,,,SYNTHETIC',
        f'R3,"{name}",01/02/2020,"FIR 3/2020 {name}",,kiln,"{address}",,,,1,F,17,,,,,SYNTHETIC',
    ]
    (raw / "police_attack.csv").write_text(POLICE_HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    build_warehouse(raw, root / "wh.duckdb", today=dt.date(2026, 1, 1))
    with duckdb.connect(str(root / "wh.duckdb"), read_only=True) as con:
        text = "\n".join(all_text(con))
    for planted in (name, cnic, phone, address, narrative):
        assert planted not in text


def test_demo_warehouse_has_no_planted_personal_data(con):
    from etl.demo import PLANTED_NAMES

    text = "\n".join(all_text(con))
    import re

    assert not re.search(r"\d{5}-\d{7}-\d|03\d{2}-\d{7}|\+92 ?3\d{2}", text)
    assert not [n for n in PLANTED_NAMES if n in text]


def test_k_anonymity_is_recorded(con, build_summary):
    row = con.execute("SELECT k_threshold, k_anonymity_min, k_records_below FROM etl_runs").fetchall()[-1]
    assert row[0] == 10 and row[1] >= 1 and row[2] >= 0
    assert build_summary["k_anonymity"]["quasi_identifiers"] == list(anonymise.QUASI_IDENTIFIERS)


def test_pseudonyms_are_stable_and_keyed(con, warehouse):
    ids = con.execute("SELECT case_id FROM cases ORDER BY case_id LIMIT 5").fetchall()
    assert all(len(i[0]) == 16 and set(i[0]) <= set("0123456789abcdef") for i in ids)
    assert Path(warehouse).exists()


# --- unit tests of each helper (fast; what the mutation run in docs/testing.md measures) -------------------------

@pytest.mark.parametrize("length", [1, 63, 64, 65, 100])
def test_hmac_params_match_python_hmac_for_every_key_length(length):
    """RFC 2104: keys longer than the 64-byte block are hashed first, shorter ones padded with zeros."""
    key = bytes(range(1, length + 1))
    params = anonymise.hmac_params(key)
    got = duckdb.connect().execute(f"SELECT {anonymise.hmac_sql('$m')}", {"m": "case-7", **params}).fetchall()[0][0]
    assert got == hmac.new(key, b"case-7", hashlib.sha256).hexdigest()
    assert len(bytes.fromhex(params["hmac_ipad"])) == len(bytes.fromhex(params["hmac_opad"])) == 64


def test_key_is_read_from_the_secrets_file(tmp_path, monkeypatch):
    monkeypatch.delenv(anonymise.KEY_ENV, raising=False)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('other = 1\npseudonym_key = "kept-in-the-secrets-file"\n', encoding="utf-8")
    assert anonymise.pseudonym_key(secrets) == b"kept-in-the-secrets-file"
    assert secrets.read_text(encoding="utf-8") == 'other = 1\npseudonym_key = "kept-in-the-secrets-file"\n'


def test_environment_key_wins_over_the_secrets_file(tmp_path, monkeypatch):
    secrets = tmp_path / "secrets.toml"
    secrets.write_text('pseudonym_key = "kept-in-the-secrets-file"\n', encoding="utf-8")
    monkeypatch.setenv(anonymise.KEY_ENV, "from-the-environment-123")
    assert anonymise.pseudonym_key(secrets) == b"from-the-environment-123"


@pytest.mark.parametrize("existing", ["other = 1", "other = 1\n"])
def test_generated_key_is_added_to_existing_secrets(tmp_path, monkeypatch, existing):
    """Other settings in the file are kept, on their own line; the key is 64 hex digits with a comment above it."""
    monkeypatch.delenv(anonymise.KEY_ENV, raising=False)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(existing, encoding="utf-8")  # with and without a newline at the end
    key = anonymise.pseudonym_key(secrets)
    lines = secrets.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "other = 1" and lines[1].startswith("# Secret key for case pseudonyms")
    assert lines[2] == f'pseudonym_key = "{key.decode()}"' and lines[3:] == [""]
    assert len(key) == 64 and set(key.decode()) <= set(string.hexdigits.lower())
    assert tomllib.loads(secrets.read_text(encoding="utf-8")) == {"other": 1, "pseudonym_key": key.decode()}
    assert secrets.stat().st_mode & 0o777 == 0o600


def test_generated_key_in_a_new_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(anonymise.KEY_ENV, raising=False)
    secrets = tmp_path / "a" / "b" / "secrets.toml"
    key = anonymise.pseudonym_key(secrets)
    assert secrets.read_text(encoding="utf-8").startswith("# Secret key")
    assert tomllib.loads(secrets.read_text(encoding="utf-8")) == {"pseudonym_key": key.decode()}


def test_secrets_file_that_is_not_toml_is_named(tmp_path, monkeypatch):
    monkeypatch.delenv(anonymise.KEY_ENV, raising=False)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text("pseudonym_key = unquoted\n", encoding="utf-8")
    with pytest.raises(anonymise.PseudonymKeyError, match=f"secrets.toml is not valid TOML.*{anonymise.KEY_ENV}"):
        anonymise.pseudonym_key(secrets)


@pytest.mark.parametrize(("key", "ok"), [("x" * 15, False), ("x" * 16, True)])
def test_keys_need_16_characters(tmp_path, monkeypatch, key, ok):
    monkeypatch.setenv(anonymise.KEY_ENV, key)
    if ok:
        assert anonymise.pseudonym_key(tmp_path / "none.toml") == key.encode()
        return
    with pytest.raises(anonymise.PseudonymKeyError, match=f"at least 16 characters.*{anonymise.KEY_ENV}"):
        anonymise.pseudonym_key(tmp_path / "none.toml")


def test_key_file_defaults_to_the_configured_secrets_file(tmp_path, monkeypatch):
    monkeypatch.delenv(anonymise.KEY_ENV, raising=False)
    secrets = tmp_path / "configured.toml"
    secrets.write_text('pseudonym_key = "from-the-configured-file"\n', encoding="utf-8")
    monkeypatch.setenv("TIP_SECRETS_FILE", str(secrets))
    assert anonymise.pseudonym_key() == b"from-the-configured-file"


def _kanon_tables(victims: list[tuple]) -> duckdb.DuckDBPyConnection:
    """cases and victims holding one victim per entry: (district_id, report_month, sex, age_band, nationality_iso3,
    offence), each in a case of its own."""
    con = duckdb.connect()
    con.execute("CREATE TABLE cases (case_id INTEGER, district_id VARCHAR, report_month DATE, offence VARCHAR)")
    con.execute("CREATE TABLE victims (case_id INTEGER, sex VARCHAR, age_band VARCHAR, nationality_iso3 VARCHAR)")
    for i, (district, month, sex, age, nationality, offence) in enumerate(victims):
        con.execute("INSERT INTO cases VALUES (?, ?, ?, ?)", [i, district, month, offence])
        con.execute("INSERT INTO victims VALUES (?, ?, ?, ?)", [i, sex, age, nationality])
    return con


def test_k_anonymity_counts_groups_and_records_below_k():
    month = dt.date(2024, 3, 1)
    lahore = ("lahore", month, "female", "18-20", "PAK", "sexual_exploitation")
    multan = ("multan", month, "male", "9-17", "PAK", "forced_labour")
    unknown = ("quetta", month, "male", None, None, "forced_labour")  # missing values group together
    victims = [lahore] * 3 + [multan] * 2 + [unknown] * 2 + [("quetta", month, "male", None, "?", "forced_labour")]
    result = anonymise.k_anonymity(_kanon_tables(victims), 3)
    assert result == {"k": 3, "quasi_identifiers": list(anonymise.QUASI_IDENTIFIERS), "smallest_group": 2,
                      "groups": 3, "groups_below_k": 1, "records_below_k": 2, "records": 8}
    # A group of exactly k is not below k; k one higher puts it below.
    assert anonymise.k_anonymity(_kanon_tables(victims), 2)["groups_below_k"] == 0
    assert anonymise.k_anonymity(_kanon_tables(victims), 4) | {"quasi_identifiers": None} == {
        "k": 4, "quasi_identifiers": None, "smallest_group": 2, "groups": 3, "groups_below_k": 3,
        "records_below_k": 8, "records": 8}


@pytest.mark.parametrize("column", anonymise.QUASI_IDENTIFIERS)
def test_k_anonymity_splits_groups_on_every_quasi_identifier(column):
    base = {"district_id": "lahore", "report_month": dt.date(2024, 3, 1), "sex": "female", "age_band": "18-20",
            "nationality_iso3": "PAK", "offence": "forced_labour"}
    other = base | {column: dt.date(2024, 4, 1) if column == "report_month" else "other"}
    order = ("district_id", "report_month", "sex", "age_band", "nationality_iso3", "offence")
    rows = [tuple(v[c] for c in order) for v in (base, base, other)]
    result = anonymise.k_anonymity(_kanon_tables(rows), 2)
    assert (result["groups"], result["smallest_group"], result["records_below_k"]) == (2, 1, 1)


def test_k_anonymity_of_an_empty_warehouse():
    result = anonymise.k_anonymity(_kanon_tables([]), 10)
    assert (result["smallest_group"], result["groups"], result["records_below_k"], result["records"]) == (
        None, 0, 0, 0)
