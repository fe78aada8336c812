-- Email check-ins (issue 15): a completion or undo may come from an email's check-in link,
-- recorded with the source 'email'. SQLite cannot change a CHECK constraint in place, so both
-- tables are rebuilt with their rows, indexes and triggers (DROP TABLE fires no triggers).
CREATE TABLE completions_new (
    id                 INTEGER PRIMARY KEY,
    program_id         INTEGER NOT NULL REFERENCES programs (id),
    milestone_id       INTEGER NOT NULL,
    milestone_category TEXT NOT NULL CHECK (milestone_category IN ('program', 'relationship')),
    role               TEXT NOT NULL CHECK (role IN ('mentor', 'mentee')),
    enrollment_id      INTEGER NOT NULL,
    match_id           INTEGER,
    completed_by       INTEGER NOT NULL REFERENCES users (id),
    completed_at       TEXT NOT NULL,
    source             TEXT NOT NULL CHECK (source IN ('quickcliq', 'profile', 'admin', 'email')),
    due_on             TEXT CHECK (due_on IS NULL OR date(due_on) IS due_on),
    completed_on       TEXT CHECK (completed_on IS NULL OR date(completed_on) IS completed_on),
    FOREIGN KEY (milestone_id, program_id, milestone_category, role)
        REFERENCES milestones (id, program_id, category, role),
    FOREIGN KEY (enrollment_id, program_id, role) REFERENCES enrollments (id, program_id, role),
    FOREIGN KEY (match_id, program_id) REFERENCES matches (id, program_id),
    CHECK ((milestone_category = 'relationship') = (match_id IS NOT NULL))
);
INSERT INTO completions_new (id, program_id, milestone_id, milestone_category, role,
    enrollment_id, match_id, completed_by, completed_at, source, due_on, completed_on)
SELECT id, program_id, milestone_id, milestone_category, role, enrollment_id, match_id,
    completed_by, completed_at, source, due_on, completed_on FROM completions;
DROP TABLE completions;
ALTER TABLE completions_new RENAME TO completions;
CREATE UNIQUE INDEX completions_one_per_relationship_item
    ON completions (milestone_id, match_id) WHERE match_id IS NOT NULL;
CREATE UNIQUE INDEX completions_one_per_program_item
    ON completions (milestone_id, enrollment_id) WHERE match_id IS NULL;
CREATE INDEX completions_by_enrollment ON completions (enrollment_id);
CREATE INDEX completions_by_match ON completions (match_id);

CREATE TABLE completion_events_new (
    id            INTEGER PRIMARY KEY,
    program_id    INTEGER NOT NULL REFERENCES programs (id),
    milestone_id  INTEGER NOT NULL REFERENCES milestones (id),
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id),
    match_id      INTEGER REFERENCES matches (id),
    action        TEXT NOT NULL CHECK (action IN ('completed', 'undone')),
    actor_user_id INTEGER NOT NULL REFERENCES users (id),
    source        TEXT NOT NULL CHECK (source IN ('quickcliq', 'profile', 'admin', 'email')),
    occurred_at   TEXT NOT NULL
);
INSERT INTO completion_events_new (id, program_id, milestone_id, enrollment_id, match_id,
    action, actor_user_id, source, occurred_at)
SELECT id, program_id, milestone_id, enrollment_id, match_id, action, actor_user_id, source,
    occurred_at FROM completion_events;
DROP TABLE completion_events;
ALTER TABLE completion_events_new RENAME TO completion_events;
CREATE INDEX completion_events_by_item ON completion_events (milestone_id, enrollment_id, match_id);
CREATE INDEX completion_events_by_program ON completion_events (program_id, occurred_at);
CREATE INDEX completion_events_for_report
    ON completion_events (program_id, milestone_id, id, enrollment_id, match_id, action, occurred_at);
CREATE TRIGGER completion_events_are_never_updated BEFORE UPDATE ON completion_events
BEGIN
    SELECT RAISE(ABORT, 'completion history is append-only');
END;
CREATE TRIGGER completion_events_are_never_deleted BEFORE DELETE ON completion_events
BEGIN
    SELECT RAISE(ABORT, 'completion history is append-only');
END;

-- One-click links of the email digests: each opens one item of one person, for completing it,
-- until it expires. Only a hash of the token is kept: the table opens nothing.
CREATE TABLE check_in_tokens (
    token_hash    TEXT PRIMARY KEY,
    user_id       INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    milestone_id  INTEGER NOT NULL REFERENCES milestones (id),
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id),
    match_id      INTEGER REFERENCES matches (id),
    created_at    TEXT NOT NULL,
    expires_at    TEXT NOT NULL
);
CREATE INDEX check_in_tokens_by_expiry ON check_in_tokens (expires_at);
