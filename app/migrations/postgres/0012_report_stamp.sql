-- The Activity Report of today is kept in memory per program (report::cache) and brought up
-- to date from the completion history as completions happen. Everything else it is computed
-- from (milestones, matches, enrollments, people's names, how completions were judged)
-- changes the program's report_stamp, here, in the database, whoever writes: the cached copy
-- is then read again whole. The stamp is a random number, not a counter, so a copy made from
-- one database can never pass for another's.
ALTER TABLE programs ADD COLUMN report_stamp BIGINT NOT NULL
    DEFAULT (floor(random() * 9007199254740991))::bigint;

-- Changes the program's stamp, once per transaction: a transaction that writes 100,000 matches
-- would otherwise leave 100,000 versions of the program's row behind it (the stamp another
-- server reads changes when it commits, however many times it was set before).
CREATE FUNCTION change_report_stamp(program BIGINT) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    UPDATE programs SET report_stamp = (floor(random() * 9007199254740991))::bigint
        WHERE id = program AND xmin::text::bigint <> txid_current() % 4294967296;
END
$$;

CREATE FUNCTION report_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM change_report_stamp(OLD.program_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.program_id <> OLD.program_id) THEN
        PERFORM change_report_stamp(NEW.program_id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER milestones_change_the_report AFTER INSERT OR UPDATE OR DELETE ON milestones
    FOR EACH ROW EXECUTE FUNCTION report_changed();
CREATE TRIGGER matches_change_the_report AFTER INSERT OR UPDATE OR DELETE ON matches
    FOR EACH ROW EXECUTE FUNCTION report_changed();
CREATE TRIGGER enrollments_change_the_report AFTER INSERT OR UPDATE OR DELETE ON enrollments
    FOR EACH ROW EXECUTE FUNCTION report_changed();
-- Completions change with an entry in the history, except when one is judged (filled at start
-- for completions from before judging was recorded).
CREATE TRIGGER judged_completion_changes_the_report AFTER UPDATE ON completions
    FOR EACH ROW EXECUTE FUNCTION report_changed();

CREATE FUNCTION renamed_person_changes_the_report() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM change_report_stamp(program_id) FROM enrollments WHERE user_id = NEW.id;
    RETURN NULL;
END
$$;
CREATE TRIGGER renamed_person_changes_the_report AFTER UPDATE OF display_name ON users
    FOR EACH ROW EXECUTE FUNCTION renamed_person_changes_the_report();

-- Which transaction wrote each history entry: the cached report reads the entries it has not
-- seen as those of transactions not yet finished when it last looked (PostgreSQL hands out ids
-- before commit, so a smaller id can become visible after a larger one).
ALTER TABLE completion_events ADD COLUMN xact BIGINT NOT NULL
    DEFAULT (pg_current_xact_id()::text::bigint);
CREATE INDEX completion_events_by_xact ON completion_events (program_id, xact);
