-- People's profiles as the people-sql-sink projects them from the `people` topic: the newest
-- version of each username's profile, or its tombstone (deleted = 1, the profile's columns NULL),
-- so a write older than a delete that arrives after it is recognised as older and ignored.
--
-- * version orders the writes of one username (microseconds of the write, see domain/people.ts);
--   a row is only replaced by a higher version (one INSERT ... ON DUPLICATE KEY UPDATE per batch).
-- * username is VARBINARY (byte equality and order, as tracking migration 0006 explains).
-- * Texts are utf8mb4_bin: kept exactly as written (they are limited in characters by the domain).
-- * first_key, last_key and name_words are the names as the search fallback compares them
--   (lower case, accents removed: domain/store.ts nameKey, nameHaystack), computed by the writer
--   so MySQL and the in-memory store order and match alike, byte for byte.
CREATE TABLE IF NOT EXISTS people_profiles (
  username VARBINARY(512) NOT NULL,
  version BIGINT UNSIGNED NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  deleted TINYINT(1) NOT NULL,
  first_name VARCHAR(80) NULL,
  last_name VARCHAR(80) NULL,
  email VARCHAR(254) NULL,
  country CHAR(2) NULL,
  birthday DATE NULL,
  occupation VARCHAR(100) NULL,
  relationship_status VARCHAR(32) NULL,
  mobile_number VARCHAR(25) NULL,
  phone_number VARCHAR(25) NULL,
  description TEXT NULL,
  mood VARCHAR(100) NULL,
  journal TEXT NULL,
  picture_url VARCHAR(2048) NULL,
  background CHAR(7) NULL,
  first_key VARBINARY(640) NOT NULL DEFAULT '',
  last_key VARBINARY(640) NOT NULL DEFAULT '',
  name_words VARBINARY(2048) NOT NULL DEFAULT '',
  PRIMARY KEY (username),
  KEY people_by_name (deleted, last_key, first_key, username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
