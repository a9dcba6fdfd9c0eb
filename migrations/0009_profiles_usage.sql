-- Issue 16. Named profiles made through the API (the profiles file's are read at start, never stored),
-- one JSON document (NamedProfile, src/protocol/profiles.ts) per name.
CREATE TABLE profiles (
  name     TEXT PRIMARY KEY,
  value    TEXT NOT NULL,
  saved_at TEXT NOT NULL
) STRICT;

-- A job's own token usage, one row per job when it ends, with what the budgets count it against:
-- its day (UTC, YYYY-MM-DD), its user (`telegram:42`, or `admin` for the API), its chat (NULL for
-- the API) and its node. Reports and budget checks sum over a day range, hence the index by day.
CREATE TABLE job_usage (
  job_id  INTEGER PRIMARY KEY REFERENCES jobs(id),
  day     TEXT NOT NULL,
  user    TEXT NOT NULL,
  chat    TEXT,
  node    TEXT,
  input   INTEGER NOT NULL,
  output  INTEGER NOT NULL,
  total   INTEGER NOT NULL
) STRICT;

CREATE INDEX job_usage_by_day ON job_usage (day, user, chat);

-- The named profile a job was made with, its place in a `mode: multi` pipeline (JSON), and the
-- files that came with it (JSON array of Attachment, stored under MASTER_DATA_DIR/attachments).
ALTER TABLE jobs ADD COLUMN profile_name TEXT;
ALTER TABLE jobs ADD COLUMN pipeline TEXT;
ALTER TABLE jobs ADD COLUMN attachments TEXT;
