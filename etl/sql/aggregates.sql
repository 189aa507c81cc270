-- Pre-aggregated tables the dashboard reads, built in the output warehouse after `cases` and `victims`.
-- Key columns hold plain sums of record keys (not reduced mod 256) so that rows can be summed again and the
-- query layer reduces them once (tipdash.privacy).

-- Cases, victims and the funnel by district, year, offence and scope.
CREATE TABLE agg_district_year AS
WITH final AS (
    SELECT
        district_id, province, report_year, offence, scope, is_smuggling,
        count(*) AS cases, sum(ckey) AS cases_key,
        sum(victim_count) AS victims, sum(victim_ckey) AS victims_key,
        count(*) FILTER (WHERE is_fir) AS firs, coalesce(sum(ckey) FILTER (WHERE is_fir), 0) AS firs_key,
        count(*) FILTER (WHERE is_charge_sheeted) AS charge_sheets,
        coalesce(sum(ckey) FILTER (WHERE is_charge_sheeted), 0) AS charge_sheets_key,
        count(*) FILTER (WHERE is_trial_concluded) AS trials_concluded,
        coalesce(sum(ckey) FILTER (WHERE is_trial_concluded), 0) AS trials_concluded_key,
        count(*) FILTER (WHERE is_convicted) AS convictions,
        coalesce(sum(ckey) FILTER (WHERE is_convicted), 0) AS convictions_key
    FROM cases
    GROUP BY ALL
)
SELECT * FROM final ORDER BY ALL;

-- Victims by sex and age band within the same cells: the victim profile without joining victims to cases.
CREATE TABLE agg_victims AS
WITH final AS (
    SELECT
        c.district_id, c.province, c.report_year, c.offence, c.scope, c.is_smuggling, v.sex, v.age_band,
        count(*) AS victims, sum(v.ckey) AS victims_key
    FROM victims v JOIN cases c USING (case_id)
    GROUP BY ALL
)
SELECT * FROM final ORDER BY ALL;
