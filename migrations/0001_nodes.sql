-- Nodes the master has seen, by name: what the fleet looked like, even when nobody is connected.
CREATE TABLE nodes (
  name         TEXT PRIMARY KEY,
  node_id      TEXT,
  tags         TEXT NOT NULL DEFAULT '[]',
  version      TEXT,
  last_address TEXT,
  first_seen   TEXT NOT NULL,
  last_seen    TEXT NOT NULL
) STRICT;
