-- Match health (issue 29): each program admin may ask for a weekly summary of the program's
-- matches that need attention, sent through the outbox as a new kind of email.
--
-- The outbox's kind check changes, which SQLite does only by rebuilding the table, with the
-- reminders that point at it rebuilt first (as in 0014: dropping the old outbox would delete
-- them by cascade).

CREATE TABLE health_summaries (
    program_id INTEGER NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (program_id, user_id)
);

CREATE TABLE outbox_rebuilt (
    id              INTEGER PRIMARY KEY,
    dedupe_key      TEXT NOT NULL UNIQUE,
    kind            TEXT NOT NULL
                    CHECK (kind IN ('digest', 'test', 'invitation', 'added', 'password_reset',
                                    'health_summary')),
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
