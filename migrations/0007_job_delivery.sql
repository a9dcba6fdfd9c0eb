-- Issue 13. A queued job may give up waiting for a node after this many seconds (NULL: it waits).
ALTER TABLE jobs ADD COLUMN queue_timeout_sec REAL;

-- The Idempotency-Key of a POST /api/jobs and the job it made, so that a retried create (its
-- connection reset during a master crash) gets that job instead of a second one, across restarts.
-- `fingerprint` is a digest of the request body: the same key with another body is refused.
-- Keys older than 24 h are pruned; a separate table keeps creates without a key as cheap as before.
CREATE TABLE job_idempotency_keys (
  key         TEXT PRIMARY KEY,
  job_id      INTEGER NOT NULL REFERENCES jobs(id),
  fingerprint TEXT NOT NULL,
  created_at  TEXT NOT NULL
) STRICT, WITHOUT ROWID;

CREATE INDEX job_idempotency_keys_by_age ON job_idempotency_keys (created_at);
