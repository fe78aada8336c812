-- A completion made in one statement (the usual case, `items::store::complete`) writes its
-- history entry through this trigger, in the same statement: both rows or neither. Every
-- other writer of completions (the checked path, imports of history, seeds) writes its history
-- itself and leaves the flag false.
ALTER TABLE completions ADD COLUMN history_by_trigger BOOLEAN NOT NULL DEFAULT FALSE;

CREATE FUNCTION completion_writes_its_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO completion_events (program_id, milestone_id, enrollment_id, match_id, action,
        actor_user_id, source, occurred_at)
    VALUES (NEW.program_id, NEW.milestone_id, NEW.enrollment_id, NEW.match_id, 'completed',
        NEW.completed_by, NEW.source, NEW.completed_at);
    RETURN NULL;
END
$$;

CREATE TRIGGER completion_writes_its_history AFTER INSERT ON completions
    FOR EACH ROW WHEN (NEW.history_by_trigger) EXECUTE FUNCTION completion_writes_its_history();
