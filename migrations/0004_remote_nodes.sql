-- Remote Codex nodes a person keeps a record of in the dashboard (the seed's mock-up), not connections.
CREATE TABLE remote_nodes (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  name       TEXT NOT NULL UNIQUE COLLATE NOCASE,
  host       TEXT NOT NULL,
  tags       TEXT NOT NULL DEFAULT '[]',
  status     TEXT NOT NULL DEFAULT 'offline',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
) STRICT;
