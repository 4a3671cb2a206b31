-- jobs(status) alone served no query of the product: every read of jobs goes by id, by campaign (jobs_campaign_id_status_idx)
-- or through the open-batch index, and the metrics now read the maintained counts, not a grouping of the table. Every
-- status change of a job (claim, completion, pause, resume) wrote an entry in it all the same: a pause cascade over
-- 200,000 jobs took 1.3 s with it and 1.0 s without it (bench/pause's database alone, 2 cores).
DROP INDEX IF EXISTS "jobs_status_idx";
