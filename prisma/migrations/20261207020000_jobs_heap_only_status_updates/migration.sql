-- A job's status changes (pause, resume, completion) become heap-only (HOT) updates: no index names the status any
-- more, and pages keep room for a new row version beside the old one. A non-HOT update writes a new entry in every
-- index of the table for every row; a pause cascade over 200,000 PENDING jobs took 2.4-2.8 s that way on
-- the database alone (2 cores, PostgreSQL 15), and 0.5-0.7 s once every row's update was heap-only.
--  * Reads by campaign and status go through (campaign_id, created_at): a campaign's jobs, filtered on the row;
--    created_at also orders a campaign's runnable jobs.
--  * The open-batch index no longer lists the status in its predicate: never claimed (attempts 0) is what makes a batch
--    open; the query still checks the status on the row.
--  * fillfactor 50: a cascade updates every job of a page at once, so each page needs room for all of them (60 left
--    a fifth of the rows non-HOT). Pages of finished jobs prune their old versions, so the table does not grow past it.
--    It applies to pages written from now on.
ALTER TABLE "jobs" SET (fillfactor = 50);

DROP INDEX IF EXISTS "jobs_campaign_id_status_idx";
CREATE INDEX "jobs_campaign_id_created_at_idx" ON "jobs" ("campaign_id", "created_at");

DROP INDEX IF EXISTS "jobs_open_batch_idx";
CREATE INDEX "jobs_open_batch_idx" ON "jobs" ("campaign_id", "type", "created_at") WHERE "lead_id" IS NULL AND "attempts" = 0;
