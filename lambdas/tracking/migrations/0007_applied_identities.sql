-- At-most-once application of an event's identity (docs/ARCHITECTURE.md, "Identity").
--
-- A client that resends a request it got no answer to (or a 503 for, while the first copy still
-- landed on the log) makes a second Kafka record at another offset: consumer_offsets cannot tell
-- it from a new event. Both copies carry the same identity (a user tag: the sha-256 of its exact
-- body, in the record's `eventline-identity` header).
--
-- * applied_identities: what a sink whose writes are increments (the tag aggregates) has
--   applied, written in the same transaction as the increments and the consumer offsets; only
--   identities newly inserted count (lambdas/platform/sql/applied-identities.ts). Kept for an
--   hour after the first application (at least 15 minutes are promised), then deleted by the
--   retention job (tracking-apply-retention). first_token: the transaction attempt that
--   inserted the row, to read back exactly the new ones.
-- * user_tags.identity: a unique key, so a resent tag is one row (INSERT ... ON DUPLICATE KEY
--   UPDATE is a no-op on it, as on the log position). Rows stored before this migration have
--   none (NULL: a unique key allows any number of them).
CREATE TABLE IF NOT EXISTS applied_identities (
  sink VARBINARY(800) NOT NULL COMMENT 'the consumer group that applied it',
  identity VARBINARY(255) NOT NULL,
  applied_ms BIGINT NOT NULL COMMENT 'first application, epoch ms',
  first_token CHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  PRIMARY KEY (sink, identity),
  KEY applied_identities_by_time (applied_ms)
) ENGINE=InnoDB;

ALTER TABLE user_tags
  ADD COLUMN identity VARBINARY(255) NULL COMMENT 'sha-256 of the tag exactly as sent (hex)',
  ADD UNIQUE KEY user_tags_by_identity (identity);
