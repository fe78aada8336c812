-- The Activity Report of today is kept in memory per program (report::cache) and brought up
-- to date from the completion history as completions happen. Everything else it is computed
-- from (milestones, matches, enrollments, people's names, how completions were judged)
-- changes the program's report_stamp, here, in the database, whoever writes: the cached copy
-- is then read again whole. The stamp is a random number, not a counter, so a copy made from
-- one database can never pass for another's.
ALTER TABLE programs ADD COLUMN report_stamp INTEGER NOT NULL DEFAULT 0;
UPDATE programs SET report_stamp = random();

CREATE TRIGGER programs_start_with_a_report_stamp AFTER INSERT ON programs
BEGIN
    UPDATE programs SET report_stamp = random() WHERE id = NEW.id;
END;

CREATE TRIGGER milestone_added_changes_the_report AFTER INSERT ON milestones
BEGIN
    UPDATE programs SET report_stamp = random() WHERE id = NEW.program_id;
END;
CREATE TRIGGER milestone_edited_changes_the_report AFTER UPDATE ON milestones
BEGIN
    UPDATE programs SET report_stamp = random() WHERE id IN (OLD.program_id, NEW.program_id);
END;
CREATE TRIGGER milestone_removed_changes_the_report AFTER DELETE ON milestones
BEGIN
    UPDATE programs SET report_stamp = random() WHERE id = OLD.program_id;
END;

CREATE TRIGGER match_added_changes_the_report AFTER INSERT ON matches
BEGIN
    UPDATE programs SET report_stamp = random() WHERE id = NEW.program_id;
END;
CREATE TRIGGER match_edited_changes_the_report AFTER UPDATE ON matches
BEGIN
    UPDATE programs SET report_stamp = random() WHERE id IN (OLD.program_id, NEW.program_id);
END;
CREATE TRIGGER match_removed_changes_the_report AFTER DELETE ON matches
BEGIN
    UPDATE programs SET report_stamp = random() WHERE id = OLD.program_id;
END;

CREATE TRIGGER enrollment_added_changes_the_report AFTER INSERT ON enrollments
BEGIN
    UPDATE programs SET report_stamp = random() WHERE id = NEW.program_id;
END;
CREATE TRIGGER enrollment_edited_changes_the_report AFTER UPDATE ON enrollments
BEGIN
    UPDATE programs SET report_stamp = random() WHERE id IN (OLD.program_id, NEW.program_id);
END;
CREATE TRIGGER enrollment_removed_changes_the_report AFTER DELETE ON enrollments
BEGIN
    UPDATE programs SET report_stamp = random() WHERE id = OLD.program_id;
END;

CREATE TRIGGER renamed_person_changes_the_report AFTER UPDATE OF display_name ON users
BEGIN
    UPDATE programs SET report_stamp = random()
        WHERE id IN (SELECT program_id FROM enrollments WHERE user_id = NEW.id);
END;

-- Completions change with an entry in the history, except when one is judged (filled at start
-- for completions from before judging was recorded).
CREATE TRIGGER judged_completion_changes_the_report AFTER UPDATE ON completions
BEGIN
    UPDATE programs SET report_stamp = random() WHERE id IN (OLD.program_id, NEW.program_id);
END;
