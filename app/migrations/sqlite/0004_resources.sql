-- A program's Resource Library: documents and videos that milestone descriptions link to.
CREATE TABLE resources (
    id         INTEGER PRIMARY KEY,
    program_id INTEGER NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    title      TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120 AND title = trim(title)),
    url        TEXT NOT NULL CHECK (length(url) BETWEEN 1 AND 2000
                                    AND (url LIKE 'http://%' OR url LIKE 'https://%')),
    kind       TEXT NOT NULL CHECK (kind IN ('document', 'video')),
    created_at TEXT NOT NULL
);
CREATE INDEX resources_by_program ON resources (program_id, title);
