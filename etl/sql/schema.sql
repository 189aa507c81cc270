-- Final tables of the private warehouse. Built by the ETL only; the public release (etl/release.py) is made from them.
-- Months are DATEs on the first of the month (dates are coarsened for privacy).
-- NULL means "not recorded" everywhere; it is never zero.
-- No key constraints: uniqueness is checked by the tests, and an index would only slow the load.

CREATE TABLE cases (
    case_id              VARCHAR NOT NULL,     -- unique; HMAC-SHA256 pseudonym of agency + reference (16 hex chars)
    source_id            VARCHAR NOT NULL,     -- source layout id of the record kept (etl/sources/<id>.toml)
    agency               VARCHAR NOT NULL,     -- agency display name
    agency_type          VARCHAR NOT NULL,     -- police | fia | labour | social_welfare | child_protection | prosecution | ngo
    reported_by          USMALLINT NOT NULL,   -- number of agencies whose records were merged into this case
    district_id          VARCHAR,              -- gazetteer id; NULL when only the province (or nothing) is known
    province             VARCHAR,
    division             VARCHAR,
    district_match       VARCHAR NOT NULL,     -- exact | alias | normalised | fuzzy | province | unmatched
    report_month         DATE NOT NULL,
    report_year          SMALLINT NOT NULL,
    fir_month            DATE,
    investigation_month  DATE,
    challan_month        DATE,
    verdict_month        DATE,
    stage                VARCHAR NOT NULL,     -- complaint | fir_registered | investigation_completed | charge_sheet_submitted | trial_concluded
    stage_rank           UTINYINT NOT NULL,    -- 1..5 in the order above
    is_fir               BOOLEAN NOT NULL,     -- stage_rank >= 2
    is_charge_sheeted    BOOLEAN NOT NULL,     -- stage_rank >= 4
    is_trial_concluded   BOOLEAN NOT NULL,     -- stage_rank = 5
    outcome              VARCHAR,              -- convicted | acquitted | compromise | discharged | pending
    is_convicted         BOOLEAN NOT NULL,
    sentence_months      USMALLINT,
    months_fir_to_verdict USMALLINT,           -- whole months from FIR to verdict, concluded trials only
    offence              VARCHAR,              -- data/README.md offence types; NULL = not recorded
    is_smuggling         BOOLEAN NOT NULL,     -- offence = migrant_smuggling (not trafficking)
    law_codes            VARCHAR[] NOT NULL,   -- PTPA, PPC366A, PPC370, PPC371A, PPC371B, PPC374, BLSA, PSMA, OTHER
    law_group            VARCHAR NOT NULL,     -- PTPA 2018 | BLSA 1992 | PSMA 2018 | PPC only | Other law | Not recorded
    scope                VARCHAR,              -- internal | transnational
    country_iso3         VARCHAR,              -- destination/origin of a transnational case
    victim_count         USMALLINT NOT NULL,
    victims_female       USMALLINT NOT NULL,
    victims_male         USMALLINT NOT NULL,
    victims_child        USMALLINT NOT NULL,   -- age band 0-8 or 9-17
    victims_referred     USMALLINT NOT NULL,
    victim_sexes         VARCHAR[] NOT NULL,   -- distinct sexes of the case's victims (for "any victim" filters)
    victim_age_bands     VARCHAR[] NOT NULL,   -- distinct age bands of the case's victims
    is_demo              BOOLEAN NOT NULL
);

CREATE TABLE victims (
    case_id              VARCHAR NOT NULL,
    victim_no            USMALLINT NOT NULL,
    sex                  VARCHAR NOT NULL,     -- female | male | transgender | unknown
    age_band             VARCHAR,              -- CTDC bands; NULL = not recorded
    nationality_iso3     VARCHAR,
    is_referred          BOOLEAN               -- NULL = not recorded
);
