-- The whole domain of PRODUCT.md. Enumerations are TEXT with CHECKs; dates are ISO text
-- checked to be real calendar days; the constraints make bad states impossible to store.

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE
                  CHECK (email = lower(trim(email)) AND length(email) BETWEEN 3 AND 254
                         AND email LIKE '%_@_%'),
    display_name  TEXT NOT NULL CHECK (length(trim(display_name)) BETWEEN 1 AND 120),
    password_hash TEXT NOT NULL CHECK (length(password_hash) > 0),
    is_site_admin INTEGER NOT NULL DEFAULT 0 CHECK (is_site_admin IN (0, 1)),
    created_at    TEXT NOT NULL
);

CREATE TABLE programs (
    id          INTEGER PRIMARY KEY,
    name        TEXT NOT NULL CHECK (length(trim(name)) BETWEEN 1 AND 120),
    description TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    time_zone   TEXT NOT NULL CHECK (length(time_zone) BETWEEN 1 AND 64),
    created_at  TEXT NOT NULL
);

CREATE TABLE program_admins (
    program_id INTEGER NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (program_id, user_id)
);
CREATE INDEX program_admins_by_user ON program_admins (user_id);

CREATE TABLE enrollments (
    id         INTEGER PRIMARY KEY,
    program_id INTEGER NOT NULL REFERENCES programs (id),
    user_id    INTEGER NOT NULL REFERENCES users (id),
    role       TEXT NOT NULL CHECK (role IN ('mentor', 'mentee')),
    state      TEXT NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'retired')),
    created_at TEXT NOT NULL,
    UNIQUE (program_id, user_id, role),
    -- Targets of the composite keys below: a match's mentor is a mentor of the same program.
    UNIQUE (id, program_id, role)
);
CREATE INDEX enrollments_by_user ON enrollments (user_id, state);
CREATE INDEX enrollments_by_program ON enrollments (program_id, role, state);

CREATE TABLE matches (
    id                   INTEGER PRIMARY KEY,
    program_id           INTEGER NOT NULL REFERENCES programs (id),
    mentor_enrollment_id INTEGER NOT NULL,
    mentor_role          TEXT NOT NULL DEFAULT 'mentor' CHECK (mentor_role = 'mentor'),
    mentee_enrollment_id INTEGER NOT NULL,
    mentee_role          TEXT NOT NULL DEFAULT 'mentee' CHECK (mentee_role = 'mentee'),
    state                TEXT NOT NULL DEFAULT 'pending'
                         CHECK (state IN ('pending', 'published', 'ended')),
    published_on         TEXT CHECK (published_on IS NULL OR date(published_on) IS published_on),
    ended_on             TEXT CHECK (ended_on IS NULL OR date(ended_on) IS ended_on),
    created_at           TEXT NOT NULL,
    FOREIGN KEY (mentor_enrollment_id, program_id, mentor_role)
        REFERENCES enrollments (id, program_id, role),
    FOREIGN KEY (mentee_enrollment_id, program_id, mentee_role)
        REFERENCES enrollments (id, program_id, role),
    UNIQUE (id, program_id),
    CHECK (
        (state = 'pending' AND published_on IS NULL AND ended_on IS NULL)
        OR (state = 'published' AND published_on IS NOT NULL AND ended_on IS NULL)
        OR (state = 'ended' AND published_on IS NOT NULL AND ended_on IS NOT NULL
            AND ended_on >= published_on)
    )
);
-- One live (pending or published) match per mentor and mentee pair.
CREATE UNIQUE INDEX matches_one_live_match_per_pair
    ON matches (mentor_enrollment_id, mentee_enrollment_id) WHERE state <> 'ended';
CREATE INDEX matches_by_program ON matches (program_id, state, published_on);
CREATE INDEX matches_by_mentor ON matches (mentor_enrollment_id, state);
CREATE INDEX matches_by_mentee ON matches (mentee_enrollment_id, state);

CREATE TABLE milestones (
    id            INTEGER PRIMARY KEY,
    program_id    INTEGER NOT NULL REFERENCES programs (id),
    name          TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120 AND name = trim(name)),
    category      TEXT NOT NULL CHECK (category IN ('program', 'relationship')),
    role          TEXT NOT NULL CHECK (role IN ('mentor', 'mentee')),
    offset_amount INTEGER NOT NULL CHECK (offset_amount BETWEEN 0 AND 999),
    offset_unit   TEXT NOT NULL CHECK (offset_unit IN ('days', 'weeks', 'months')),
    description   TEXT NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    position      INTEGER NOT NULL CHECK (position >= 0),
    archived      INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    -- A completion names its milestone's program, category and role, so it cannot pair a
    -- milestone with the wrong kind of item or the wrong participant.
    UNIQUE (id, program_id, category, role)
);
CREATE INDEX milestones_by_program ON milestones (program_id, archived, position);

-- At most one completion per milestone item. An item is a (relationship milestone, match) or a
-- (program milestone, enrollment); undo deletes the row, the history below keeps both events.
CREATE TABLE completions (
    id                 INTEGER PRIMARY KEY,
    program_id         INTEGER NOT NULL REFERENCES programs (id),
    milestone_id       INTEGER NOT NULL,
    milestone_category TEXT NOT NULL CHECK (milestone_category IN ('program', 'relationship')),
    role               TEXT NOT NULL CHECK (role IN ('mentor', 'mentee')),
    enrollment_id      INTEGER NOT NULL,
    match_id           INTEGER,
    completed_by       INTEGER NOT NULL REFERENCES users (id),
    completed_at       TEXT NOT NULL,
    source             TEXT NOT NULL CHECK (source IN ('quickcliq', 'profile', 'admin')),
    FOREIGN KEY (milestone_id, program_id, milestone_category, role)
        REFERENCES milestones (id, program_id, category, role),
    FOREIGN KEY (enrollment_id, program_id, role) REFERENCES enrollments (id, program_id, role),
    FOREIGN KEY (match_id, program_id) REFERENCES matches (id, program_id),
    CHECK ((milestone_category = 'relationship') = (match_id IS NOT NULL))
);
CREATE UNIQUE INDEX completions_one_per_relationship_item
    ON completions (milestone_id, match_id) WHERE match_id IS NOT NULL;
CREATE UNIQUE INDEX completions_one_per_program_item
    ON completions (milestone_id, enrollment_id) WHERE match_id IS NULL;
CREATE INDEX completions_by_enrollment ON completions (enrollment_id);
CREATE INDEX completions_by_match ON completions (match_id);

-- Append-only history of every completion and every undo.
CREATE TABLE completion_events (
    id            INTEGER PRIMARY KEY,
    program_id    INTEGER NOT NULL REFERENCES programs (id),
    milestone_id  INTEGER NOT NULL REFERENCES milestones (id),
    enrollment_id INTEGER NOT NULL REFERENCES enrollments (id),
    match_id      INTEGER REFERENCES matches (id),
    action        TEXT NOT NULL CHECK (action IN ('completed', 'undone')),
    actor_user_id INTEGER NOT NULL REFERENCES users (id),
    source        TEXT NOT NULL CHECK (source IN ('quickcliq', 'profile', 'admin')),
    occurred_at   TEXT NOT NULL
);
CREATE INDEX completion_events_by_item ON completion_events (milestone_id, enrollment_id, match_id);
CREATE INDEX completion_events_by_program ON completion_events (program_id, occurred_at);

CREATE TRIGGER completion_events_are_never_updated BEFORE UPDATE ON completion_events
BEGIN
    SELECT RAISE(ABORT, 'completion history is append-only');
END;

CREATE TRIGGER completion_events_are_never_deleted BEFORE DELETE ON completion_events
BEGIN
    SELECT RAISE(ABORT, 'completion history is append-only');
END;
