-- Keys compare byte for byte, trailing spaces included: VARBINARY instead of utf8mb4_bin.
--
-- utf8mb4_bin is a PAD SPACE collation in MariaDB and in MySQL 8.x (a legacy collation there):
-- 'c1' = 'c1 ', and ' ' = '' (the "any" value of the aggregates). So the MySQL backend took two
-- cookies, origins, app ids, event ids ... for one, and a unique key refused the second, while the
-- embedded backend (JS strings) kept them apart. A NO PAD collation common to both servers does
-- not exist (MariaDB's utf8mb4_nopad_bin is not in MySQL, MySQL's utf8mb4_0900_bin is not in
-- MariaDB); the binary character set is on both and never pads: all bytes count in =, in keys,
-- in ORDER BY and GROUP BY, and case stays significant.
--
-- * Values are the UTF-8 bytes written before: converting a utf8mb4 column to VARBINARY keeps
--   every byte, so every row stays (and byte equality is finer than utf8mb4_bin, so no two rows
--   that were distinct collide). mysql2 returns these columns as Buffers: the adapters decode
--   them (lambdas/platform/sql/key-text.ts).
-- * Sizes are 4 bytes per character of the previous VARCHAR limit, as utf8mb4 reserved. The
--   widest composite key, tag_*_aggregates (action, origin, brand_id, category_id, minute/hour),
--   stays at 1 + 1026 + 514 + 514 + 8 bytes, under InnoDB's 3072-byte key limit, as before.
-- * Primary keys, secondary indexes and the order of their columns stay as they are, so the same
--   queries use the same indexes (a string parameter compared with a VARBINARY column is
--   converted to binary, the column is not).
-- * Every ALTER rebuilds its table (ALGORITHM=COPY: reads go on, writes wait). Each statement is
--   idempotent, so a run that stopped half-way can be run again.
-- * Column definitions are restated in full (MODIFY replaces them), comments included.
ALTER TABLE user_tags
  MODIFY topic VARBINARY(800) NOT NULL,
  MODIFY cookie VARBINARY(1020) NOT NULL;

ALTER TABLE consumer_offsets
  MODIFY consumer_group VARBINARY(800) NOT NULL,
  MODIFY topic VARBINARY(800) NOT NULL;

ALTER TABLE tag_minute_aggregates
  MODIFY origin VARBINARY(1024) NOT NULL COMMENT 'empty = any origin',
  MODIFY brand_id VARBINARY(512) NOT NULL COMMENT 'empty = any brand',
  MODIFY category_id VARBINARY(512) NOT NULL COMMENT 'empty = any category';

ALTER TABLE tag_hour_aggregates
  MODIFY origin VARBINARY(1024) NOT NULL,
  MODIFY brand_id VARBINARY(512) NOT NULL,
  MODIFY category_id VARBINARY(512) NOT NULL;

ALTER TABLE app_event_minutes
  MODIFY app_id VARBINARY(256) NOT NULL,
  MODIFY type VARBINARY(512) NOT NULL;

ALTER TABLE app_event_hours
  MODIFY app_id VARBINARY(256) NOT NULL,
  MODIFY type VARBINARY(512) NOT NULL;

ALTER TABLE app_event_ids
  MODIFY app_id VARBINARY(256) NOT NULL,
  MODIFY event_id VARBINARY(512) NOT NULL;

-- apps.app_id is referenced by app_keys.app_id (foreign key app_keys_app): neither server lets a
-- column of a foreign key change type (MariaDB refuses even with foreign_key_checks off), and
-- both sides must have the same type. So: drop the foreign key, change both sides, add it back.
-- MySQL has no DROP FOREIGN KEY IF EXISTS: the drop and the add look the constraint up first,
-- so a re-run after a failure half-way skips what already happened.
SET @eventline_0006_drop_fk = (
  SELECT IF(COUNT(*) > 0, 'ALTER TABLE app_keys DROP FOREIGN KEY app_keys_app', 'DO 0')
  FROM information_schema.TABLE_CONSTRAINTS
  WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'app_keys'
    AND CONSTRAINT_NAME = 'app_keys_app' AND CONSTRAINT_TYPE = 'FOREIGN KEY'
);
PREPARE eventline_0006_drop_fk FROM @eventline_0006_drop_fk;
EXECUTE eventline_0006_drop_fk;
DEALLOCATE PREPARE eventline_0006_drop_fk;

ALTER TABLE apps
  MODIFY app_id VARBINARY(256) NOT NULL;

ALTER TABLE app_keys
  MODIFY key_id VARBINARY(128) NOT NULL,
  MODIFY app_id VARBINARY(256) NOT NULL;

SET @eventline_0006_add_fk = (
  SELECT IF(
    COUNT(*) = 0,
    'ALTER TABLE app_keys ADD CONSTRAINT app_keys_app FOREIGN KEY (app_id) REFERENCES apps (app_id)',
    'DO 0'
  )
  FROM information_schema.TABLE_CONSTRAINTS
  WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = 'app_keys'
    AND CONSTRAINT_NAME = 'app_keys_app' AND CONSTRAINT_TYPE = 'FOREIGN KEY'
);
PREPARE eventline_0006_add_fk FROM @eventline_0006_add_fk;
EXECUTE eventline_0006_add_fk;
DEALLOCATE PREPARE eventline_0006_add_fk;
