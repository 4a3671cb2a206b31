-- A lead whose copy is written joins its campaign's open push batch (completeJob in src/store/jobs.ts): a batch
-- never claimed, found here in one probe. Without it each completion walked its campaign's whole unfinished
-- backlog (hundreds of PENDING jobs once a large fetch lands). Partial, so only open batches are ever in it.
CREATE INDEX "jobs_open_batch_idx" ON "jobs" ("campaign_id", "type", "created_at")
  WHERE "lead_id" IS NULL AND "attempts" = 0 AND "status" IN ('PENDING', 'PAUSED');
