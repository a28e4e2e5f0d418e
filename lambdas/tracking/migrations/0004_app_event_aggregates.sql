-- Counts of app and game events per (app, type, minute), and their hour roll-ups.
--
-- * Written by the tracking-aggregate-app-events consumer exactly once: its increments and its
--   consumer offsets (consumer_offsets, migration 0002) commit in one transaction, and an event
--   id already counted (app_event_ids) is not counted again, so neither a Kafka redelivery nor a
--   client resending an event changes a count.
-- * minute_ms / hour_ms: epoch milliseconds of the bucket's start (UTC). Events are counted in
--   the minute of their own `time` (late events included). The secondary indexes serve the
--   roll-up of old minutes into hours and retention.
-- Written with INSERT ... ON DUPLICATE KEY UPDATE count = count + VALUES(count), rows in key order.
CREATE TABLE IF NOT EXISTS app_event_minutes (
  app_id VARCHAR(64) NOT NULL,
  type VARCHAR(128) NOT NULL,
  minute_ms BIGINT NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (app_id, type, minute_ms),
  KEY app_event_minutes_by_minute (minute_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS app_event_hours (
  app_id VARCHAR(64) NOT NULL,
  type VARCHAR(128) NOT NULL,
  hour_ms BIGINT NOT NULL,
  count BIGINT NOT NULL,
  PRIMARY KEY (app_id, type, hour_ms),
  KEY app_event_hours_by_hour (hour_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Event ids already counted, so a resent event (same app, same event_id) counts once. Kept for
-- the dedupe window (24 h of receive time; the consumer deletes older rows as it goes).
-- * first_token: the transaction that inserted the row. A batch inserts its ids with
--   ON DUPLICATE KEY UPDATE (a no-op for known ids) and reads back the rows carrying its own
--   token: exactly the ids that are new, even with concurrent batches (the row lock decides).
CREATE TABLE IF NOT EXISTS app_event_ids (
  app_id VARCHAR(64) NOT NULL,
  event_id VARCHAR(128) NOT NULL,
  received_ms BIGINT NOT NULL COMMENT 'receive time of the first copy, epoch ms',
  first_token CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (app_id, event_id),
  KEY app_event_ids_by_received (received_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
