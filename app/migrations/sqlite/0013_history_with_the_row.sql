-- A completion made in one statement (the usual case, `items::store::complete`) writes its
-- history entry through this trigger, in the same statement: both rows or neither, without
-- a transaction of several statements around them. Every other writer of completions
-- (the checked path, imports of history, seeds) writes its history itself and leaves the flag
-- at 0.
ALTER TABLE completions ADD COLUMN history_by_trigger INTEGER NOT NULL DEFAULT 0
    CHECK (history_by_trigger IN (0, 1));

CREATE TRIGGER completion_writes_its_history AFTER INSERT ON completions
WHEN NEW.history_by_trigger = 1
BEGIN
    INSERT INTO completion_events (program_id, milestone_id, enrollment_id, match_id, action,
        actor_user_id, source, occurred_at)
    VALUES (NEW.program_id, NEW.milestone_id, NEW.enrollment_id, NEW.match_id, 'completed',
        NEW.completed_by, NEW.source, NEW.completed_at);
END;
