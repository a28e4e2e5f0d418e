-- User tags of the tracking slice, written by the Kafka consumer and read by POST /user_profiles.
--
-- * tag_json holds the tag exactly as it was sent. MEDIUMTEXT, not JSON: MySQL's JSON type
--   re-serialises documents (key order, spacing, number formatting), and the Allezon contract
--   wants tags back byte for byte. (MariaDB's JSON is only an alias of LONGTEXT anyway.)
-- * The primary key is the record's position in Kafka, so replaying a batch (at-least-once
--   delivery) cannot insert a tag twice: write with
--   INSERT ... ON DUPLICATE KEY UPDATE source_offset = source_offset.
-- * cookie is compared byte for byte (utf8mb4_bin): cookies are opaque, case-sensitive ids.
-- * The secondary index serves "newest VIEWs/BUYs of a cookie in [from, to)".
CREATE TABLE IF NOT EXISTS user_tags (
  topic VARCHAR(200) NOT NULL,
  source_partition INT NOT NULL,
  source_offset BIGINT NOT NULL,
  cookie VARCHAR(255) NOT NULL,
  action ENUM('VIEW', 'BUY') NOT NULL,
  tag_time_ms BIGINT NOT NULL COMMENT 'the tag''s time, epoch milliseconds UTC',
  tag_json MEDIUMTEXT NOT NULL COMMENT 'the tag exactly as sent',
  PRIMARY KEY (topic, source_partition, source_offset),
  KEY user_tags_by_cookie_action_time (cookie, action, tag_time_ms DESC)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
