-- Secondary email addresses of an account (the primary one lives in the Cognito user pool), the
-- addresses a reminder may be sent to. Keys are VARBINARY: byte equality, no PAD SPACE (see
-- tracking migration 0006). Addresses are stored lower-cased by the domain.
CREATE TABLE IF NOT EXISTS account_emails (
  username VARBINARY(512) NOT NULL,
  email VARBINARY(1016) NOT NULL,
  added_at DATETIME(3) NOT NULL,
  PRIMARY KEY (username, email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
