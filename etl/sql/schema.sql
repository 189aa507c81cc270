-- Final tables of the private warehouse. Built by the ETL only; the public release (etl/release.py) is made from them.
-- Months are DATEs on the first of the month (dates are coarsened for privacy); a source that gives only the year
-- has a report_year and no report_month (never 1 January).
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
    report_month         DATE,                 -- NULL when the source gives only the year
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
    outcome              VARCHAR,              -- convicted | acquitted | compromise | discharged | cancelled | untraced | pending
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

-- Victims recorded abroad by foreign sources (layouts with area = "foreign", such as CTDC's global victim data):
-- kept apart from `cases` and `victims`, so they never count in Pakistan's, a province's or a district's figures.
-- One row per victim; the source's year only (no month), its own offences (several where the source gives them).
CREATE TABLE foreign_victims (
    record_id            VARCHAR NOT NULL,     -- HMAC-SHA256 pseudonym of source + row reference (16 hex chars)
    source_id            VARCHAR NOT NULL,
    agency               VARCHAR NOT NULL,
    report_year          SMALLINT NOT NULL,    -- year of registration
    sex                  VARCHAR NOT NULL,     -- female | male | transgender | unknown
    age_band             VARCHAR,              -- CTDC bands; NULL = not recorded
    nationality_iso3     VARCHAR,              -- citizenship
    country_iso3         VARCHAR,              -- country of exploitation
    scope                VARCHAR,              -- internal (exploited in the victim's own country) | transnational
    offences             VARCHAR[] NOT NULL,   -- forms of exploitation, contract offence codes; [] = not recorded
    is_demo              BOOLEAN NOT NULL
);

-- Published aggregate figures (layouts with grain = "aggregate", such as UNODC's GLOTIP), as published: never cases.
-- A value published only as "below N" has value NULL and value_flag '<N'.
CREATE TABLE published_figures (
    source_id            VARCHAR NOT NULL,     -- source layout id
    agency               VARCHAR NOT NULL,     -- publisher (the layout's agency)
    country_iso3         VARCHAR,
    area_name            VARCHAR,
    region               VARCHAR,
    subregion            VARCHAR,
    indicator            VARCHAR NOT NULL,
    dimension            VARCHAR,
    category             VARCHAR,
    sex                  VARCHAR,
    age                  VARCHAR,
    year                 SMALLINT NOT NULL,
    unit                 VARCHAR,
    value                DOUBLE,               -- NULL when only a flag was published
    value_flag           VARCHAR,              -- e.g. '<5'
    published_source     VARCHAR               -- the row's own source, as the publisher cites it
);

-- Aggregate returns (layouts of grain "aggregate" that map stage measures): an agency's counts by area, period and
-- measure, one row each, as the return gives them: never cases, never added to them. The release publishes a
-- published return as it is and protects an unpublished one like any count (etl/release.py).
CREATE TABLE returns (
    source_id            VARCHAR NOT NULL,     -- source layout id
    agency               VARCHAR NOT NULL,
    published            BOOLEAN NOT NULL,     -- the layout's published flag
    district_id          VARCHAR,              -- NULL: a province's figure
    province             VARCHAR NOT NULL,
    year                 SMALLINT NOT NULL,
    month                DATE,                 -- first day of the month; NULL: an annual figure
    measure              VARCHAR NOT NULL,     -- etl.layouts.RETURN_MEASURES
    value                BIGINT,               -- NULL when only a flag was given
    value_flag           VARCHAR,              -- e.g. '<5'
    is_demo              BOOLEAN NOT NULL
);
