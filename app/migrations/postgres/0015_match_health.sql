-- Match health (issue 29): each program admin may ask for a weekly summary of the program's
-- matches that need attention, sent through the outbox as a new kind of email.

CREATE TABLE health_summaries (
    program_id BIGINT NOT NULL REFERENCES programs (id) ON DELETE CASCADE,
    user_id    BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (program_id, user_id)
);

ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('digest', 'test', 'invitation', 'added', 'password_reset', 'health_summary'));
