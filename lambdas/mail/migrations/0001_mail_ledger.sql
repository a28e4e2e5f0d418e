-- The mail ledger: one row per mail request id, so a request is mailed at most once however
-- often Kafka delivers it (docs/ARCHITECTURE.md, "Mail is sent at most once").
--
-- * request_id is the producer's idempotency key (e.g. welcome/<username>): VARBINARY, so ids are
--   compared byte for byte, trailing spaces and case included, as in the in-memory ledger (see
--   tracking migration 0006_binary_keys); 800 bytes = 200 characters of UTF-8.
-- * status: sending (claimed, the send is under way), sent (ses_message_id set), failed (refused
--   for good, reason set), uncertain (may have been sent, never tried again; reason set).
-- * claimed_at decides whether a `sending` row outlived its lease; times are UTC (the pool's
--   time zone is Z), with milliseconds.
-- * The secondary index serves "what is uncertain / failed lately" for an operator.
CREATE TABLE IF NOT EXISTS mail_ledger (
  request_id VARBINARY(800) NOT NULL,
  template VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  status ENUM('sending', 'sent', 'failed', 'uncertain') NOT NULL,
  ses_message_id VARCHAR(255) NULL COMMENT 'the provider''s message id once sent',
  reason VARCHAR(1000) NULL COMMENT 'why it failed or is uncertain',
  claimed_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (request_id),
  KEY mail_ledger_by_status (status, updated_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
