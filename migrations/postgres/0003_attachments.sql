-- Files attached to jobs (issue 19): in the database, so that whichever master a job's node is
-- connected to can send the job its files, wherever they were uploaded. Read and written by
-- src/master/store/pg/pg-attachment-store.ts. On SQLite they stay files of the data dir.

-- Content-addressed: `id` is the SHA-256 of `data` in hex, so a file sent twice is stored once
-- (saved with ON CONFLICT DO NOTHING). A file is at most 20 MiB (MAX_ATTACHMENT_BYTES).
CREATE TABLE attachments (
  id   text COLLATE "C" PRIMARY KEY,
  data bytea NOT NULL
);

-- Out of line and uncompressed: a file is sent in parts of 256 KiB (substring(data from … for …)),
-- and only then can PostgreSQL fetch a part's chunks alone instead of decompressing the file from
-- its start for every part. Photos and documents come compressed already; octet_length(data) reads
-- the size from the pointer without fetching the file.
ALTER TABLE attachments ALTER COLUMN data SET STORAGE EXTERNAL;
