-- Reminder emails (issue 15): each program's reminder settings, each person's choice to get
-- them, the outbox every email goes through, the reminders already sent (for the caps) and the
-- unsubscribe links of the digests.

CREATE TABLE program_reminders (
    program_id         INTEGER PRIMARY KEY REFERENCES programs (id) ON DELETE CASCADE,
    enabled            INTEGER NOT NULL CHECK (enabled IN (0, 1)),
    days_before        INTEGER NOT NULL CHECK (days_before BETWEEN 0 AND 30),
    overdue            INTEGER NOT NULL CHECK (overdue IN (0, 1)),
    overdue_every_days INTEGER NOT NULL CHECK (overdue_every_days BETWEEN 1 AND 30),
    overdue_max        INTEGER NOT NULL CHECK (overdue_max BETWEEN 1 AND 3),
    send_hour          INTEGER NOT NULL CHECK (send_hour BETWEEN 0 AND 23),
    updated_at         TEXT NOT NULL
);

ALTER TABLE users ADD COLUMN reminder_emails INTEGER NOT NULL DEFAULT 1
    CHECK (reminder_emails IN (0, 1));

-- Every email, queued once (dedupe_key: a second pass or a second server queues nothing) and
-- sent by whichever worker holds its lease.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    dedupe_key      TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL CHECK (kind IN ('digest', 'test')),
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
CREATE INDEX outbox_ready ON outbox (status, next_attempt_at);
CREATE INDEX outbox_by_user ON outbox (user_id, id);

-- Each item listed in a digest: one "due soon" reminder per item, at most three overdue ones.
CREATE TABLE reminders_sent (
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    milestone_id  INTEGER NOT NULL REFERENCES milestones (id),
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id),
    match_id      INTEGER REFERENCES matches (id),
    kind          TEXT NOT NULL CHECK (kind IN ('due_soon', 'overdue')),
    sent_on       TEXT NOT NULL,
    outbox_id     INTEGER NOT NULL REFERENCES outbox (id) ON DELETE CASCADE
);
CREATE UNIQUE INDEX reminders_once_a_day
    ON reminders_sent (user_id, milestone_id, enrollment_id, COALESCE(match_id, 0), sent_on);

-- The one-click unsubscribe links of the digests (RFC 8058): a hash of the token, the person.
CREATE TABLE unsubscribe_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL
);
