-- Reminders (seed 001's notifications) and the two projections the capability keeps of other
-- capabilities' events. Keys are VARBINARY: byte equality, no PAD SPACE, like the in-memory
-- store's strings (see tracking migration 0006). Times are UTC DATETIME(3) (the pool reads and
-- writes UTC).
--
-- reminders: the source of truth. status: scheduled → dispatching (claimed_at) → requested
-- (requested_at) → sent | failed | uncertain; scheduled → cancelled (the happening was deleted).
-- version grows with every change and names the mail request (reminder/<id>/<version>).
-- * reminders_due serves the dispatcher's claim (status = 'scheduled' AND remind_at <= now,
--   oldest first, FOR UPDATE SKIP LOCKED) and "when is the next one due";
-- * reminders_claims finds claims older than the lease (a dispatcher run that died);
-- * reminders_by_owner serves GET /v1/reminders (by remind_at, then id, keyset pages);
-- * reminders_owner_status counts an account's scheduled reminders (the per-account bound);
-- * reminders_by_happening finds a deleted happening's scheduled reminders.
CREATE TABLE IF NOT EXISTS reminders (
  id VARBINARY(64) NOT NULL,
  username VARBINARY(512) NOT NULL,
  happening_id VARBINARY(64) NOT NULL,
  remind_at DATETIME(3) NOT NULL,
  email VARBINARY(1016) NOT NULL,
  status ENUM('scheduled', 'dispatching', 'requested', 'sent', 'failed', 'uncertain', 'cancelled') NOT NULL,
  version INT UNSIGNED NOT NULL,
  starts_at_when_made DATETIME(3) NOT NULL COMMENT 'the happening''s start when the reminder was made',
  claimed_at DATETIME(3) NULL,
  requested_at DATETIME(3) NULL,
  reason VARCHAR(1000) NULL COMMENT 'why it failed, is uncertain or was cancelled',
  created_at DATETIME(3) NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id),
  KEY reminders_due (status, remind_at),
  KEY reminders_claims (status, claimed_at),
  KEY reminders_by_owner (username, remind_at, id),
  KEY reminders_owner_status (username, status),
  KEY reminders_by_happening (happening_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The accounts' addresses, from accounts.events: a JSON array, primary first (empty after the
-- account's deletion, whose user's sub is then kept in deleted_sub). event_at is the time of
-- the newest event applied: an older one changes nothing.
CREATE TABLE IF NOT EXISTS reminder_accounts (
  username VARBINARY(512) NOT NULL,
  addresses TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  deleted_sub VARBINARY(512) NULL,
  event_at DATETIME(3) NOT NULL,
  PRIMARY KEY (username)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The happenings reminders need, from happenings.changes: the newest version of each (a deleted
-- one stays as a tombstone with its last title and times, so an older change arriving late
-- cannot bring it back).
CREATE TABLE IF NOT EXISTS reminder_happenings (
  id VARBINARY(64) NOT NULL,
  version INT UNSIGNED NOT NULL,
  deleted BOOLEAN NOT NULL,
  title VARCHAR(300) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  starts_at DATETIME(3) NOT NULL,
  ends_at DATETIME(3) NOT NULL,
  timezone VARCHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  place_name VARCHAR(500) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  updated_at DATETIME(3) NOT NULL,
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
