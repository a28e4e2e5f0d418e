-- Where a rebuild of the people search index is (`npm run people:reindex`, domain/rebuild-index.ts):
-- one row (id = 1) while a rebuild runs, written after every page, deleted when it is done, so a
-- rebuild stopped anywhere resumes from here on whichever machine runs it next.
--
-- * target is the concrete index being built (the one the alias people-rebuild points at); a row
--   naming another target is left from an older rebuild and is ignored.
-- * phase is copy (MySQL rows), catch-up (documents of the index being replaced) or swap.
-- * after_username is the last username done in the phase (VARBINARY: byte order, as people_profiles).
-- * replacing is, in the swap phase, the JSON list of indices people read before (deleted after it).
CREATE TABLE IF NOT EXISTS people_reindex_progress (
  id TINYINT UNSIGNED NOT NULL,
  target VARCHAR(255) NOT NULL,
  phase VARCHAR(16) NOT NULL,
  after_username VARBINARY(512) NULL,
  done BIGINT UNSIGNED NOT NULL,
  replacing TEXT NULL,
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
