-- Getting people in (issue 27): invited accounts, the one-use links of invitations and password
-- resets (only their hash is kept), the identity provider's subject of a person, and the new
-- kinds of email in the outbox.

-- Set while the person has not yet chosen a password through their invitation: the time the
-- last invitation was sent. An invited account's password hash is '!', which matches nothing.
ALTER TABLE users ADD COLUMN invited_at TIMESTAMPTZ;
-- The identity provider's `sub` for this person, once they signed in through it.
ALTER TABLE users ADD COLUMN oidc_subject TEXT;
CREATE UNIQUE INDEX users_oidc_subject ON users (oidc_subject) WHERE oidc_subject IS NOT NULL;

CREATE TABLE account_tokens (
    token_hash   TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    purpose      TEXT NOT NULL CHECK (purpose IN ('invitation', 'password_reset')),
    -- Asked for by the person (a new link, a forgotten password), not sent by an admin: these
    -- are the ones limited per hour.
    self_service BOOLEAN NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL,
    used_at      TIMESTAMPTZ
);
CREATE INDEX account_tokens_by_user ON account_tokens (user_id, purpose, created_at);

ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('digest', 'test', 'invitation', 'added', 'password_reset'));
