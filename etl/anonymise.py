"""Anonymisation: keyed pseudonyms, coarsened dates and ages, and the k-anonymity check.

Direct identifiers never get this far: personal columns are dropped at the header (etl.extract) and only contract
fields are carried. What remains identifying is handled here:

* the agency's case reference becomes an HMAC-SHA256 pseudonym keyed with a secret, so the warehouse cannot be
  joined back to agency records without the key;
* dates become months and ages become CTDC's age bands (in etl.standardise's SQL, using the helpers below);
* the record keys used for small-cell protection come from the same secret, so an attacker cannot predict them.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from pathlib import Path

import duckdb

from tipcore import config, vocab

KEY_ENV = "TIP_PSEUDONYM_KEY"
KEY_NAME = "pseudonym_key"

# CTDC's age bands (first age, last age, code), declared in tipcore.vocab.
AGE_BANDS = vocab.AGE_BAND_RANGES
CHILD_BANDS = vocab.CHILD_BANDS
QUASI_IDENTIFIERS = ("district_id", "report_month", "sex", "age_band", "nationality_iso3", "offence")


class PseudonymKeyError(RuntimeError):
    """The pseudonym key is unusable; the message says how to set it."""


def pseudonym_key(secrets_file: Path | None = None) -> bytes:
    """The secret key: from TIP_PSEUDONYM_KEY, else .streamlit/secrets.toml, else generated and saved there.

    Losing the key does not break the dashboard, but the next build gives every case a new pseudonym.
    """
    value = os.environ.get(KEY_ENV)
    path = secrets_file or config.secrets_file()
    if not value and path.exists():
        try:
            value = tomllib.loads(path.read_text(encoding="utf-8")).get(KEY_NAME)
        except tomllib.TOMLDecodeError:
            raise PseudonymKeyError(f"{path.name} is not valid TOML; fix it or set {KEY_ENV}") from None
    if not value:
        value = secrets.token_hex(32)
        path.parent.mkdir(parents=True, exist_ok=True)
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        with path.open("w", encoding="utf-8") as fh:
            fh.write(existing + ("" if not existing or existing.endswith("\n") else "\n"))
            fh.write("# Secret key for case pseudonyms, generated on first build. Keep it; never commit it.\n")
            fh.write(f'{KEY_NAME} = "{value}"\n')
        os.chmod(path, 0o600)
    if len(value) < 16:
        raise PseudonymKeyError(f"the pseudonym key must be at least 16 characters; set a longer {KEY_ENV}")
    return value.encode("utf-8")


def hmac_params(key: bytes) -> dict[str, str]:
    """Inner and outer padded keys (hex) for computing HMAC-SHA256 inside DuckDB (RFC 2104)."""
    import hashlib

    if len(key) > 64:
        key = hashlib.sha256(key).digest()
    block = key.ljust(64, b"\0")
    return {
        "hmac_ipad": bytes(b ^ 0x36 for b in block).hex(),
        "hmac_opad": bytes(b ^ 0x5C for b in block).hex(),
    }


def hmac_sql(message_sql: str) -> str:
    """SQL for the hex HMAC-SHA256 of a VARCHAR expression, with $hmac_ipad/$hmac_opad bound."""
    return f"sha256(unhex($hmac_opad) || unhex(sha256(unhex($hmac_ipad) || encode({message_sql}))))"


def age_band_sql(age_sql: str) -> str:
    cases = " ".join(f"WHEN {age_sql} BETWEEN {lo} AND {hi} THEN '{label}'" for lo, hi, label in AGE_BANDS)
    return f"CASE {cases} END"


def k_anonymity(con: duckdb.DuckDBPyConnection, k: int) -> dict:
    """Smallest group of victims sharing all quasi-identifiers, and how many fall in groups smaller than k."""
    cols = ", ".join(f"coalesce(CAST({c} AS VARCHAR), '?')" for c in QUASI_IDENTIFIERS)
    row = con.execute(
        f"""WITH g AS (
                SELECT count(*) AS n FROM victims JOIN cases USING (case_id) GROUP BY {cols})
            SELECT min(n), count(*), count(*) FILTER (WHERE n < $k), coalesce(sum(n) FILTER (WHERE n < $k), 0),
                   sum(n)
            FROM g""",
        {"k": k},
    ).fetchall()[0]
    smallest, groups, small_groups, records_in_small, total = row
    return {
        "k": k,
        "quasi_identifiers": list(QUASI_IDENTIFIERS),
        "smallest_group": smallest,
        "groups": groups,
        "groups_below_k": small_groups,
        "records_below_k": int(records_in_small),
        "records": int(total or 0),
    }

