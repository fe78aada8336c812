-- The Activity Report reads a program's whole completion history grouped by milestone in the
-- order it happened; this index holds every column it reads, in that order, so the report never
-- visits the table itself.
CREATE INDEX completion_events_for_report
    ON completion_events (program_id, milestone_id, id, enrollment_id, match_id, action, occurred_at);
