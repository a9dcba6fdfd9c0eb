-- Settings people change at run time (the dashboard's bridge settings), one JSON document per name.
-- Bridge tokens live here: the data dir is 0700 and the database file 0600 for that reason.
CREATE TABLE settings (
  name     TEXT PRIMARY KEY,
  value    TEXT NOT NULL,
  saved_at TEXT NOT NULL
) STRICT;
