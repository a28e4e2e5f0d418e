-- Apps that send events to POST /v1/apps/{appId}/events, and their ingest keys.
--
-- * A key is `elk_<key_id>_<secret>`; only SHA-256(secret) is stored (key_hash, hex). The
--   authorizer looks the key up by its id (primary key) and compares hashes in constant time.
-- * Keys are revoked, never deleted (revoked_at), so an audit can still tell which key sent what.
-- * Ids are compared byte for byte (utf8mb4_bin); app ids are lowercase by contract anyway.
CREATE TABLE IF NOT EXISTS apps (
  app_id VARCHAR(64) NOT NULL,
  name VARCHAR(200) NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (app_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS app_keys (
  key_id VARCHAR(32) NOT NULL,
  app_id VARCHAR(64) NOT NULL,
  key_hash CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL COMMENT 'sha256 (hex) of the secret',
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  revoked_at DATETIME(3) NULL,
  PRIMARY KEY (key_id),
  KEY app_keys_by_app (app_id),
  CONSTRAINT app_keys_app FOREIGN KEY (app_id) REFERENCES apps (app_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
