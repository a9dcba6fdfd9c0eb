-- Issue 17. What the maintenance sweeper (src/master/maintenance) has done to a finished job's log:
-- 0 as written, 1 covered message deltas folded away, 2 events pruned (MASTER_EVENT_RETENTION_DAYS:
-- only the last event is kept). Each step is done once per job, old jobs included.
ALTER TABLE jobs ADD COLUMN log_state INTEGER NOT NULL DEFAULT 0;

-- The sweeper walks finished jobs by when they ended; only finished jobs have a finished_at.
CREATE INDEX jobs_by_finished ON jobs (finished_at, id) WHERE finished_at IS NOT NULL;
-- Deleting a job makes SQLite look for rows that still refer to it (foreign keys are enforced): in
-- jobs.continue_from and job_idempotency_keys.job_id. Without an index on each (a whole one: a
-- partial index does not serve that check) every deleted job was a scan of both tables.
CREATE INDEX jobs_by_continue_from ON jobs (continue_from);
CREATE INDEX job_idempotency_keys_by_job ON job_idempotency_keys (job_id);

-- Usage outlives its jobs (MASTER_RETENTION_DAYS prunes jobs, budgets and reports still count them):
-- job_usage is rebuilt without its foreign key to jobs, which SQLite cannot drop in place.
CREATE TABLE job_usage_kept (
  job_id  INTEGER PRIMARY KEY,
  day     TEXT NOT NULL,
  user    TEXT NOT NULL,
  chat    TEXT,
  node    TEXT,
  input   INTEGER NOT NULL,
  output  INTEGER NOT NULL,
  total   INTEGER NOT NULL
) STRICT;
INSERT INTO job_usage_kept (job_id, day, user, chat, node, input, output, total)
  SELECT job_id, day, user, chat, node, input, output, total FROM job_usage;
DROP TABLE job_usage;
ALTER TABLE job_usage_kept RENAME TO job_usage;
CREATE INDEX job_usage_by_day ON job_usage (day, user, chat);
