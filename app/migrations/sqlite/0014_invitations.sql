-- Getting people in (issue 27): invited accounts, the one-use links of invitations and password
-- resets (only their hash is kept), the identity provider's subject of a person, and the new
-- kinds of email in the outbox.
--
-- The outbox's kind check changes, which SQLite does only by rebuilding the table. Dropping the
-- old outbox would delete, by cascade, the reminders that point at it (foreign keys are on, and
-- a migration runs in a transaction, where they cannot be turned off): so the reminders are
-- rebuilt too, pointing at the new outbox, and the old tables are dropped children first.
-- Renaming a table rewrites the references to it, so the new reminders end up pointing at
-- `outbox` again.

-- Set while the person has not yet chosen a password through their invitation: the time the
-- last invitation was sent. An invited account's password hash is '!', which matches nothing.
ALTER TABLE users ADD COLUMN invited_at TEXT;
-- The identity provider's `sub` for this person, once they signed in through it.
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX users_oidc_subject ON users (oidc_subject) WHERE oidc_subject IS NOT NULL;

CREATE TABLE account_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose    TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    -- Asked for by the person (a new link, a forgotten password), not sent by an admin: these
    -- are the ones limited per hour.
    self_service INTEGER NOT NULL CHECK (self_service IN (0, 1)),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);
CREATE INDEX account_tokens_by_user ON account_tokens (user_id, purpose, created_at);

CREATE TABLE outbox_rebuilt (
    id              INTEGER PRIMARY KEY,
    dedupe_key      TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL
                    CHECK (kind IN ('digest', 'test', 'invitation', 'added', 'password_reset')),
    user_id         INTEGER REFERENCES users (id) ON DELETE CASCADE,
    program_id      INTEGER REFERENCES programs (id) ON DELETE SET NULL,
    digest_day      TEXT,
    to_address      TEXT NOT NULL,
    subject         TEXT NOT NULL,
    body_text       TEXT NOT NULL,
    body_html       TEXT NOT NULL,
    unsubscribe_url TEXT,
    status          TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    lease_until     TEXT,
    leased_by       TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    sent_at         TEXT
);
INSERT INTO outbox_rebuilt (id, dedupe_key, kind, user_id, program_id, digest_day, to_address,
    subject, body_text, body_html, unsubscribe_url, status, attempts, next_attempt_at,
    lease_until, leased_by, last_error, created_at, sent_at)
SELECT id, dedupe_key, kind, user_id, program_id, digest_day, to_address, subject, body_text,
    body_html, unsubscribe_url, status, attempts, next_attempt_at, lease_until, leased_by,
    last_error, created_at, sent_at FROM outbox;
CREATE TABLE reminders_sent_rebuilt (
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    milestone_id  INTEGER NOT NULL REFERENCES milestones (id),
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id),
    match_id      INTEGER REFERENCES matches (id),
    kind          TEXT NOT NULL CHECK (kind IN ('due_soon', 'overdue')),
    sent_on       TEXT NOT NULL,
    outbox_id     INTEGER NOT NULL REFERENCES outbox_rebuilt (id) ON DELETE CASCADE
);
INSERT INTO reminders_sent_rebuilt (user_id, milestone_id, enrollment_id, match_id, kind,
    sent_on, outbox_id)
SELECT user_id, milestone_id, enrollment_id, match_id, kind, sent_on, outbox_id
FROM reminders_sent;

DROP TABLE reminders_sent;
DROP TABLE outbox;
ALTER TABLE outbox_rebuilt RENAME TO outbox;
ALTER TABLE reminders_sent_rebuilt RENAME TO reminders_sent;
CREATE INDEX outbox_ready ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_user ON outbox (user_id, id);
CREATE UNIQUE INDEX reminders_once_a_day
    ON reminders_sent (user_id, milestone_id, enrollment_id, COALESCE(match_id, 0), sent_on);
