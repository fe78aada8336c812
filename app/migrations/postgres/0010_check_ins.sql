-- Email check-ins (issue 15): a completion or undo may come from an email's check-in link,
-- recorded with the source 'email'.
ALTER TABLE completions DROP CONSTRAINT completions_source_check;
ALTER TABLE completions ADD CONSTRAINT completions_source_check
    CHECK (source IN ('quickcliq', 'profile', 'admin', 'email'));
ALTER TABLE completion_events DROP CONSTRAINT completion_events_source_check;
ALTER TABLE completion_events ADD CONSTRAINT completion_events_source_check
    CHECK (source IN ('quickcliq', 'profile', 'admin', 'email'));

-- One-click links of the email digests: each opens one item of one person, for completing it,
-- until it expires. Only a hash of the token is kept: the table opens nothing.
CREATE TABLE check_in_tokens (
    token_hash    TEXT PRIMARY KEY,
    user_id       BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    milestone_id  BIGINT NOT NULL REFERENCES milestones (id),
    enrollment_id BIGINT NOT NULL REFERENCES enrollments (id),
    match_id      BIGINT REFERENCES matches (id),
    created_at    TIMESTAMPTZ NOT NULL,
    expires_at    TIMESTAMPTZ NOT NULL
);
CREATE INDEX check_in_tokens_by_expiry ON check_in_tokens (expires_at);
