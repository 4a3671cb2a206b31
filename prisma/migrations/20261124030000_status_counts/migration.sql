-- Campaign and job counts by status, kept up to date as rows change (issue 13): the status read sums a few
-- rows instead of grouping whole tables. Writers only append (a statement-level trigger adds one row per status
-- a statement changed), so no counter row is ever shared or locked and the lock order (system_state ->
-- campaigns -> jobs) is untouched; src/store/status-counts.ts folds the rows from time to time.
CREATE TABLE "status_count_deltas" (
    "id" BIGSERIAL NOT NULL,
    "entity" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "delta" BIGINT NOT NULL,
    CONSTRAINT "status_count_deltas_pkey" PRIMARY KEY ("id")
);

CREATE FUNCTION "status_count_deltas_record"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    INSERT INTO status_count_deltas (entity, status, delta)
    SELECT TG_TABLE_NAME, status::text, count(*) FROM new_rows GROUP BY status;
  ELSIF TG_OP = 'DELETE' THEN
    INSERT INTO status_count_deltas (entity, status, delta)
    SELECT TG_TABLE_NAME, status::text, -count(*) FROM old_rows GROUP BY status;
  ELSE
    -- Rows whose status did not change cancel out: an update of other columns appends nothing.
    INSERT INTO status_count_deltas (entity, status, delta)
    SELECT TG_TABLE_NAME, status, sum(delta) FROM (
      SELECT status::text AS status, 1 AS delta FROM new_rows
      UNION ALL
      SELECT status::text, -1 FROM old_rows
    ) AS changes
    GROUP BY status HAVING sum(delta) <> 0;
  END IF;
  RETURN NULL;
END $$;

-- No writer may commit between the triggers' creation and the first counts.
LOCK TABLE "campaigns", "jobs" IN SHARE MODE;

CREATE TRIGGER "campaigns_status_count_insert" AFTER INSERT ON "campaigns"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "status_count_deltas_record"();
CREATE TRIGGER "campaigns_status_count_update" AFTER UPDATE ON "campaigns"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "status_count_deltas_record"();
CREATE TRIGGER "campaigns_status_count_delete" AFTER DELETE ON "campaigns"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "status_count_deltas_record"();
CREATE TRIGGER "jobs_status_count_insert" AFTER INSERT ON "jobs"
  REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "status_count_deltas_record"();
CREATE TRIGGER "jobs_status_count_update" AFTER UPDATE ON "jobs"
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "status_count_deltas_record"();
CREATE TRIGGER "jobs_status_count_delete" AFTER DELETE ON "jobs"
  REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION "status_count_deltas_record"();

INSERT INTO "status_count_deltas" ("entity", "status", "delta")
SELECT 'campaigns', "status"::text, count(*) FROM "campaigns" GROUP BY "status"
UNION ALL
SELECT 'jobs', "status"::text, count(*) FROM "jobs" GROUP BY "status";
