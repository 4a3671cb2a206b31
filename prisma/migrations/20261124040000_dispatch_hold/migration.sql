-- The dispatch hold (issue 9, "the gate first"): a job whose service failed for good holds dispatch in its own
-- process, before its report travels through its campaign workflow to the breaker. Claims are refused while a
-- hold of the current breaker generation is fresh; the breaker's own transitions replace or clear it, and it
-- lapses by itself if the report never arrives (src/store/system-state.ts).
ALTER TABLE "system_state" ADD COLUMN "held_generation" INTEGER;
ALTER TABLE "system_state" ADD COLUMN "held_at" TIMESTAMPTZ(3);
