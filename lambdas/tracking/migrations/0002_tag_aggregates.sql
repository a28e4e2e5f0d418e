-- Exactly-once consumer offsets and the Allezon minute/hour aggregates.
--
-- consumer_offsets: per (consumer group, topic, partition) the next offset the group has not
-- applied yet, written in the same transaction as the group's writes
-- (lambdas/platform/sql/consumer-offsets.ts), so a redelivered record is skipped.
CREATE TABLE IF NOT EXISTS consumer_offsets (
  consumer_group VARCHAR(200) NOT NULL,
  topic VARCHAR(200) NOT NULL,
  kafka_partition INT NOT NULL,
  next_offset BIGINT NOT NULL COMMENT 'first offset not applied yet',
  updated_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (consumer_group, topic, kafka_partition)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Minute aggregates of user tags for EVERY combination of the optional filters: each tag adds
-- to 8 rows, one per subset of (origin, brand_id, category_id), the absent filters stored as ''
-- ("any"; the tag schema forbids empty strings, so no real value collides). A /aggregates query
-- is then one range read on a fully specified primary-key prefix, at most 10 rows.
-- * utf8mb4_bin: values compare byte for byte, as the filters are exact ids.
-- * sum_price: sum of int32 prices; BIGINT holds 2^31 * 4e9 tags, far beyond a minute or hour.
-- * minute_ms: epoch milliseconds of the minute's start (UTC). The secondary index serves
--   retention (oldest/newest minute, roll-up by minute).
-- Written with INSERT ... ON DUPLICATE KEY UPDATE count = count + VALUES(count), rows sorted by
-- key so concurrent batches lock in the same order.
CREATE TABLE IF NOT EXISTS tag_minute_aggregates (
  action ENUM('VIEW', 'BUY') NOT NULL,
  origin VARCHAR(256) NOT NULL COMMENT 'empty = any origin',
  brand_id VARCHAR(128) NOT NULL COMMENT 'empty = any brand',
  category_id VARCHAR(128) NOT NULL COMMENT 'empty = any category',
  minute_ms BIGINT NOT NULL,
  count BIGINT NOT NULL,
  sum_price BIGINT NOT NULL,
  PRIMARY KEY (action, origin, brand_id, category_id, minute_ms),
  KEY tag_minute_aggregates_by_minute (minute_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Hour roll-ups of minute rows older than the 24 h retention, kept 30 days. A minute's rows are
-- added to their hour and deleted in one transaction, so a roll-up never counts a minute twice.
CREATE TABLE IF NOT EXISTS tag_hour_aggregates (
  action ENUM('VIEW', 'BUY') NOT NULL,
  origin VARCHAR(256) NOT NULL,
  brand_id VARCHAR(128) NOT NULL,
  category_id VARCHAR(128) NOT NULL,
  hour_ms BIGINT NOT NULL,
  count BIGINT NOT NULL,
  sum_price BIGINT NOT NULL,
  PRIMARY KEY (action, origin, brand_id, category_id, hour_ms),
  KEY tag_hour_aggregates_by_hour (hour_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
