-- Happenings (seed 001's social events): MySQL is their source of truth; the search index is a
-- projection fed through the outbox below.
--
-- * Keys are VARBINARY (as tracking migration 0006 explains): ids and topics compare byte for
--   byte, like the in-memory store's strings. Ids are lower-case UUIDs (36 bytes), topics
--   lower-case slugs of at most 40 characters.
-- * Times are UTC DATETIME(3) (the pool reads and writes UTC); a happening is at most 366 days
--   long, so "on at some moment of [from, to)" (ends_at > from AND starts_at < to) can use the
--   index on starts_at.
-- * Texts are utf8mb4_unicode_ci: the search fallback's LIKE is case- and accent-insensitive.
-- * version is 1 on create and grows by one with every change; it is the search projection's
--   external version.
CREATE TABLE IF NOT EXISTS happenings (
  id VARBINARY(64) NOT NULL,
  version INT UNSIGNED NOT NULL,
  title VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
  description TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
  starts_at DATETIME(3) NOT NULL,
  ends_at DATETIME(3) NOT NULL,
  timezone VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL COMMENT 'IANA name, canonical spelling',
  place_name VARCHAR(200) CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci NOT NULL,
  lat DOUBLE NOT NULL,
  lon DOUBLE NOT NULL,
  topics TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL COMMENT 'JSON array, in the order given',
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  KEY happenings_by_start (starts_at, id),
  KEY happenings_by_place (lat, lon)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- One row per (topic, happening), for the topic filter; rewritten with the happening.
CREATE TABLE IF NOT EXISTS happening_topics (
  topic VARBINARY(160) NOT NULL,
  happening_id VARBINARY(64) NOT NULL,
  PRIMARY KEY (topic, happening_id),
  KEY happening_topics_by_happening (happening_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The transactional outbox: each change's record (the value published to happenings.changes),
-- inserted in the transaction of the change. The relay publishes pending rows in seq order and
-- sets published_at once Kafka acknowledged them; published rows are removed after 7 days.
CREATE TABLE IF NOT EXISTS happening_outbox (
  seq BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  happening_id VARBINARY(64) NOT NULL,
  version INT UNSIGNED NOT NULL,
  record MEDIUMTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL COMMENT 'the change record, JSON',
  created_at DATETIME(3) NOT NULL,
  published_at DATETIME(3) NULL,
  PRIMARY KEY (seq),
  KEY happening_outbox_pending (published_at, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
