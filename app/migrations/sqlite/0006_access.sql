-- Access that can be taken back (issue 12).
-- Sessions: the row is keyed by a hash of the session id (a leaked table signs nobody in) and
-- says whose it is, so a password change, a reset or a disabled account ends that person's
-- sessions. Sessions stored before this change keyed rows by the raw id: they are ended.
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN user_id INTEGER REFERENCES users (id) ON DELETE CASCADE;
CREATE INDEX sessions_by_user ON sessions (user_id);

-- A disabled account cannot sign in; NULL when enabled.
ALTER TABLE users ADD COLUMN disabled_at TEXT;

-- Failed sign-ins per (account typed, client address), kept in the database so that every
-- server instance sees the same counts. `failures` counts attempts not yet followed by a
-- success; an attempt is counted before its password is checked. No sign-in is checked
-- before `blocked_until` (unix seconds).
CREATE TABLE sign_in_attempts (
    account       TEXT NOT NULL,
    address       TEXT NOT NULL,
    failures      INTEGER NOT NULL,
    blocked_until INTEGER NOT NULL,
    last_at       INTEGER NOT NULL,
    PRIMARY KEY (account, address)
);
CREATE INDEX sign_in_attempts_by_time ON sign_in_attempts (last_at);
