-- jobs.lead_id had no index: deleting a lead (a campaign's cascade) scanned every job for each lead, and the
-- search for leads without a job (a re-run of FETCH_LEADS) scanned them too. Measured: deleting one campaign of
-- 20,000 leads beside 200,000 jobs ran for minutes.
CREATE INDEX "jobs_lead_id_idx" ON "jobs"("lead_id");
