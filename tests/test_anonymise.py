"""Anonymisation: pseudonyms, keys, age bands, and property-based attacks with generated personal data."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import string
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
