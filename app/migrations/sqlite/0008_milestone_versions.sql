-- Each milestone's definition over time (issue 13): created, edited, archived, restored, with
-- the definition as it stood after the change. The Activity Report of a past day counts the
-- milestones that existed then, as they were defined then.
CREATE TABLE milestone_versions (
    id            INTEGER PRIMARY KEY,
    milestone_id  INTEGER NOT NULL REFERENCES milestones (id),
    program_id    INTEGER NOT NULL REFERENCES programs (id),
    change        TEXT NOT NULL CHECK (change IN ('created', 'edited', 'archived', 'restored')),
    name          TEXT NOT NULL,
    category      TEXT NOT NULL CHECK (category IN ('program', 'relationship')),
    role          TEXT NOT NULL CHECK (role IN ('mentor', 'mentee')),
    offset_amount INTEGER NOT NULL,
    offset_unit   TEXT NOT NULL,
    archived      INTEGER NOT NULL CHECK (archived IN (0, 1)),
    changed_at    TEXT NOT NULL
);
CREATE INDEX milestone_versions_by_program ON milestone_versions (program_id, milestone_id, changed_at);

-- What is known of the milestones that exist: created as they are now (not archived), and
-- archived when they were last changed.
INSERT INTO milestone_versions (milestone_id, program_id, change, name, category, role,
    offset_amount, offset_unit, archived, changed_at)
SELECT id, program_id, 'created', name, category, role, offset_amount, offset_unit, 0, created_at
FROM milestones;
INSERT INTO milestone_versions (milestone_id, program_id, change, name, category, role,
    offset_amount, offset_unit, archived, changed_at)
SELECT id, program_id, 'archived', name, category, role, offset_amount, offset_unit, 1, updated_at
FROM milestones WHERE archived = 1;
