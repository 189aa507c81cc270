-- De-duplicate, pseudonymise and assemble the final `cases` and `victims` tables from stg_rows.
-- Input (temp): stg_rows (etl.standardise), sources (source_id, agency, agency_type, province, priority);
--   out.districts (etl.reference).
-- Output: out.cases, out.victims, out.foreign_victims, out.published_figures, out.returns (created by schema.sql),
--   and temp table merged_rows (rows folded into another, for the report). Input also: stg_figures, stg_returns (etl.standardise).
-- Parameters: $hmac_ipad, $hmac_opad (etl.anonymise.hmac_params).

-- 1. Rows that were not rejected, with the stage each reached. Foreign sources' rows are not Pakistani cases:
--    they go to foreign_victims (step 8).
CREATE TEMP TABLE rows_ok AS
WITH kept AS (
    SELECT * FROM stg_rows
    WHERE NOT list_contains(list_transform(problems, lambda x: x.action), 'row rejected') AND area <> 'foreign'
)
SELECT
    kept.* EXCLUDE (problems),  -- the report reads them from stg_rows; carried no further
    greatest(
        coalesce(stage_code_rank, 1),
        CASE WHEN verdict_date IS NOT NULL OR outcome IN ('convicted', 'acquitted', 'compromise') THEN 5
             WHEN challan_date IS NOT NULL THEN 4
             WHEN investigation_date IS NOT NULL THEN 3
             WHEN fir_date IS NOT NULL THEN 2
             ELSE 1 END
    ) AS stage_rank
FROM kept;

-- 2. A row that repeats another row of its file exactly (raw_hash: every cell as read, personal columns
--    included, so the raw age and not its band) is that row exported twice, in layouts whose rows can repeat
--    (rows_can_repeat: by default case grain). In victim-grain layouts rows are people: two men of one age band,
--    or even of one age, in one raid are two victims, so there nothing is merged unless the layout says so.
--    Grouping keeps only the repeated groups, where a window over the same columns would sort every row.
CREATE TEMP TABLE merged_rows AS
SELECT file_id, _row, first_row, 'exact duplicate of row ' || first_row AS reason
FROM (
    SELECT file_id, min(_row) AS first_row, list(_row) AS repeats
    FROM rows_ok
    WHERE rows_can_repeat
    GROUP BY file_id, case_ref, raw_hash
    HAVING count(*) > 1
), unnest(repeats) AS r(_row)
WHERE _row <> first_row;

CREATE TEMP TABLE rows_unique AS
SELECT r.* FROM rows_ok r ANTI JOIN merged_rows m USING (file_id, _row);

-- 3. One record per agency case. Case-grain repeats of a reference are updates of one case: the most advanced
--    row wins. Victim-grain rows are the victims of one case.
CREATE TEMP TABLE records AS
WITH ranked AS (
    SELECT r.*, s.agency_type, s.priority,
           row_number() OVER (PARTITION BY r.source_id, r.case_ref
                              ORDER BY r.stage_rank DESC, r.file_id, r._row) AS pick
    FROM rows_unique r JOIN sources s USING (source_id)
)
SELECT
    ranked.* EXCLUDE (pick),
    -- One keyed HMAC per record: its first 64 bits are the pseudonym.
    substr({{hmac:source_id || chr(31) || case_ref}}, 1, 16) AS record_id
FROM ranked
WHERE pick = 1;

INSERT INTO merged_rows
SELECT file_id, _row, NULL, 'another row with the same case reference; the row that reached the furthest stage '
       || 'was kept'
FROM (SELECT file_id, _row, grain,
             row_number() OVER (PARTITION BY source_id, case_ref ORDER BY stage_rank DESC, file_id, _row) AS pick
      FROM rows_unique)
WHERE pick > 1 AND grain = 'case';

-- 4. The same FIR reported by several agencies is one case: the record that got furthest is kept, then the
--    agency closest to the FIR (police before FIA before prosecution before labour, child protection,
--    social welfare and NGOs). FIR numbers restart every year at every police station, so the same FIR is the
--    same number and year at the same police station in the same matched district. A station missing on one
--    record and written on the other is not the same station: "45/2023" could be any station's 45th FIR.
CREATE TEMP TABLE case_groups AS
SELECT record_id,
       CASE WHEN fir_no IS NOT NULL AND fir_year IS NOT NULL AND district_id IS NOT NULL
            THEN first_value(record_id) OVER w ELSE record_id END AS case_id,
       CASE WHEN fir_no IS NOT NULL AND fir_year IS NOT NULL AND district_id IS NOT NULL
            THEN count(DISTINCT source_id) OVER (PARTITION BY fir_no, fir_year, police_station, district_id)
            ELSE 1 END AS reported_by
FROM records
WINDOW w AS (PARTITION BY fir_no, fir_year, police_station, district_id
             ORDER BY stage_rank DESC, priority, record_id);

-- 5. Victims of the kept records: one per victim-grain row; for case grain, the described victim plus
--    victim_count - 1 victims whose sex, age and nationality are unknown.
CREATE TEMP TABLE victims_stage AS
WITH kept_records AS (
    SELECT r.* FROM records r JOIN case_groups g ON g.record_id = r.record_id AND g.case_id = r.record_id
),
victim_rows AS (
    SELECT k.record_id AS case_id, u.file_id, u._row, 1 AS part, u.victim_sex, u.age_band,
           u.nationality_iso3, u.victim_referred
    FROM kept_records k JOIN rows_unique u ON u.source_id = k.source_id AND u.case_ref = k.case_ref
    WHERE k.grain = 'victim'
    UNION ALL
    SELECT record_id, file_id, _row, 1, victim_sex, age_band, nationality_iso3, victim_referred
    FROM kept_records WHERE grain = 'case'
    UNION ALL
    SELECT record_id, file_id, _row, 1 + extra.generate_series, 'unknown', NULL, NULL, NULL
    FROM kept_records, generate_series(1, coalesce(victim_count, 1) - 1) AS extra
    WHERE grain = 'case'
)
SELECT case_id,
       row_number() OVER (PARTITION BY case_id ORDER BY file_id, _row, part)::USMALLINT AS victim_no,
       victim_sex AS sex, age_band, nationality_iso3, victim_referred AS is_referred
FROM victim_rows;

INSERT INTO out.victims BY NAME
SELECT case_id, victim_no, sex, age_band, nationality_iso3, is_referred
FROM victims_stage
ORDER BY case_id, victim_no;

-- 6. The cases. Dates are kept as months; the FIR number and the agency reference are dropped here.
INSERT INTO out.cases BY NAME
WITH kept_records AS (
    SELECT r.*, g.reported_by
    FROM records r JOIN case_groups g ON g.record_id = r.record_id AND g.case_id = r.record_id
),
victim_summary AS (
    SELECT case_id,
           count(*)::USMALLINT AS victim_count,
           count(*) FILTER (WHERE sex = 'female')::USMALLINT AS victims_female,
           count(*) FILTER (WHERE sex = 'male')::USMALLINT AS victims_male,
           count(*) FILTER (WHERE age_band IN ('0-8', '9-17'))::USMALLINT AS victims_child,
           count(*) FILTER (WHERE is_referred)::USMALLINT AS victims_referred,
           list_sort(list_distinct(list(sex))) AS victim_sexes,
           list_sort(list_distinct(list(coalesce(age_band, 'unknown')))) AS victim_age_bands
    FROM out.victims GROUP BY case_id
)
SELECT
    k.record_id AS case_id,
    k.source_id, s.agency, s.agency_type,
    k.reported_by::USMALLINT AS reported_by,
    k.district_id,
    coalesce(d.province, k.province, s.province) AS province,
    d.division,
    CASE WHEN k.district_id IS NOT NULL THEN k.district_match
         WHEN k.province IS NOT NULL THEN 'province'
         ELSE 'unmatched' END AS district_match,
    date_trunc('month', k.date_reported)::DATE AS report_month,  -- NULL when only the year is known
    k.report_year,
    date_trunc('month', k.fir_date)::DATE AS fir_month,
    date_trunc('month', k.investigation_date)::DATE AS investigation_month,
    date_trunc('month', k.challan_date)::DATE AS challan_month,
    date_trunc('month', k.verdict_date)::DATE AS verdict_month,
    ['complaint', 'fir_registered', 'investigation_completed', 'charge_sheet_submitted',
     'trial_concluded'][k.stage_rank] AS stage,
    k.stage_rank::UTINYINT AS stage_rank,
    k.stage_rank >= 2 AS is_fir,
    k.stage_rank >= 4 AS is_charge_sheeted,
    k.stage_rank = 5 AS is_trial_concluded,
    k.outcome,
    coalesce(k.outcome = 'convicted', false) AS is_convicted,
    CASE WHEN k.outcome = 'convicted' THEN k.sentence_months END::USMALLINT AS sentence_months,
    CASE WHEN k.stage_rank = 5 AND k.verdict_date >= k.fir_date
         THEN datediff('month', k.fir_date, k.verdict_date) END::USMALLINT AS months_fir_to_verdict,
    k.offence,
    coalesce(k.offence = 'migrant_smuggling', false) AS is_smuggling,
    k.law_codes,
    CASE WHEN list_contains(k.law_codes, 'PTPA') THEN 'PTPA 2018'
         WHEN list_contains(k.law_codes, 'BLSA') THEN 'BLSA 1992'
         WHEN list_contains(k.law_codes, 'PSMA') THEN 'PSMA 2018'
         WHEN len(list_filter(k.law_codes, lambda x: x LIKE 'PPC%')) > 0 THEN 'PPC only'
         WHEN len(k.law_codes) > 0 THEN 'Other law'
         ELSE 'Not recorded' END AS law_group,
    k.scope,
    CASE WHEN k.scope = 'transnational' THEN k.country_iso3 END AS country_iso3,
    v.victim_count, v.victims_female, v.victims_male, v.victims_child, v.victims_referred,
    v.victim_sexes, v.victim_age_bands,
    k.synthetic AS is_demo
FROM kept_records k
JOIN sources s USING (source_id)
JOIN victim_summary v ON v.case_id = k.record_id
LEFT JOIN out.districts d ON d.district_id = k.district_id
ORDER BY case_id;

-- 7. Records folded into another record of the same FIR.
INSERT INTO merged_rows
SELECT r.file_id, r._row, NULL,
       'same FIR (number, year, police station and district) as a case '
       || CASE WHEN k.source_id = r.source_id THEN 'with another reference in the same agency''s records'
               ELSE 'reported by another agency' END || '; merged into it'
FROM records r
JOIN case_groups g ON g.record_id = r.record_id AND g.case_id <> r.record_id
JOIN records k ON k.record_id = g.case_id;

-- 8. Victims recorded abroad by foreign sources: one row each, apart from Pakistan's cases.
INSERT INTO out.foreign_victims BY NAME
SELECT substr({{hmac:source_id || chr(31) || case_ref}}, 1, 16) AS record_id,
       f.source_id, s.agency, f.report_year, f.victim_sex AS sex, f.age_band, f.nationality_iso3, f.country_iso3,
       f.scope, f.offences, f.synthetic AS is_demo
FROM stg_rows f JOIN sources s USING (source_id)
WHERE f.area = 'foreign' AND NOT list_contains(list_transform(f.problems, lambda x: x.action), 'row rejected')
ORDER BY f.file_id, f._row;

-- 9. Published aggregate figures, as published.
INSERT INTO out.published_figures BY NAME
SELECT f.* EXCLUDE (file_id, _row), s.agency
FROM stg_figures f JOIN sources s USING (source_id)
ORDER BY f.file_id, f._row;

-- 10. Aggregate returns, as the return gives them (the layout says whether it is published: sources.published).
INSERT INTO out.returns BY NAME
SELECT r.source_id, s.agency, s.published, r.district_id, r.province, r.year, r.month, r.measure, r.value,
       r.value_flag, r.synthetic AS is_demo
FROM stg_returns r JOIN sources s USING (source_id)
ORDER BY r.file_id, r._row, r.measure;
