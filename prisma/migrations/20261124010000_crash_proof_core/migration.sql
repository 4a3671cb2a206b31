-- Crash-proof pause and resume (issue 9).

-- The dispatch that owns a job: a retry of the same activity may take a PROCESSING job over, a second dispatch may not.
ALTER TABLE "jobs" ADD COLUMN "dispatch_id" UUID;

-- The status the campaign's workflow last adopted: fan-outs re-send until it equals "status".
ALTER TABLE "campaigns" ADD COLUMN "workflow_status" "CampaignStatus";

-- Breaker transitions are numbered by the breaker workflow: a state write applies once, in order.
ALTER TABLE "system_state" ADD COLUMN "transition_seq" INTEGER NOT NULL DEFAULT 0;

-- One audit row per transition, however often its effect runs.
ALTER TABLE "breaker_events" ADD COLUMN "idempotency_key" TEXT;
CREATE UNIQUE INDEX "breaker_events_idempotency_key_key" ON "breaker_events"("idempotency_key");
