-- CSV imports staged for preview: kept until confirmed (then with what they did), so a preview
-- works without JavaScript and a confirmed file is never applied twice.
CREATE TABLE import_batches (
    id         INTEGER PRIMARY KEY,
    program_id INTEGER NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('participants', 'matches')),
    content    TEXT NOT NULL CHECK (length(content) BETWEEN 1 AND 65536),
    created_by INTEGER NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    applied_by INTEGER REFERENCES users (id),
    applied_at TEXT,
    summary    TEXT,
    CHECK ((applied_at IS NULL) = (summary IS NULL))
);
CREATE INDEX import_batches_by_program ON import_batches (program_id, created_at);
