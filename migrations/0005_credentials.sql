-- Per-machine credentials (`csc token create`): a name, the role it grants, and the SHA-256 of the
-- token. The token itself is shown once when it is made and never stored.
CREATE TABLE credentials (
  name         TEXT PRIMARY KEY COLLATE NOCASE,
  role         TEXT NOT NULL CHECK (role IN ('node', 'bridge')),
  token_hash   TEXT NOT NULL UNIQUE,
  created_at   TEXT NOT NULL,
  last_used_at TEXT
) STRICT;
