-- Jobs: a prompt for Codex, where to run it, and what became of it. Ids are sequential, so id order is FIFO order.
CREATE TABLE jobs (
  id            INTEGER PRIMARY KEY AUTOINCREMENT,
  status        TEXT NOT NULL,
  prompt        TEXT NOT NULL,
  target_node   TEXT,
  target_tags   TEXT NOT NULL DEFAULT '[]',
  repo          TEXT,
  ref           TEXT,
  profile       TEXT NOT NULL DEFAULT '{}',
  origin        TEXT NOT NULL,
  continue_from INTEGER REFERENCES jobs(id),
  node          TEXT,
  attempt       INTEGER NOT NULL DEFAULT 0,
  max_attempts  INTEGER NOT NULL,
  timeout_sec   INTEGER NOT NULL,
  created_at    TEXT NOT NULL,
  assigned_at   TEXT,
  started_at    TEXT,
  finished_at   TEXT,
  result        TEXT,
  error         TEXT,
  last_seq      INTEGER NOT NULL DEFAULT 0
) STRICT;

CREATE INDEX jobs_by_status ON jobs (status, id);
CREATE INDEX jobs_by_node ON jobs (node, id);

-- Every step a node reported, numbered per job from 1 without gaps; (job_id, seq) drops duplicates.
CREATE TABLE job_events (
  job_id INTEGER NOT NULL REFERENCES jobs(id),
  seq    INTEGER NOT NULL,
  at     TEXT NOT NULL,
  event  TEXT NOT NULL,
  PRIMARY KEY (job_id, seq)
) STRICT, WITHOUT ROWID;
