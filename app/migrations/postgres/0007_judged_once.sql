-- A completion is judged once (issue 13): it keeps the due date it had when it was made and
-- the day, in the program's time zone, it was made on. Editing the milestone's offset, undo
-- and redo of other items, or a new program time zone never change how it was judged.
-- Completions made before this migration are filled at the server's next start from the
-- definitions of that day (see `items::store::judge_unjudged`).
ALTER TABLE completions ADD COLUMN due_on DATE;
ALTER TABLE completions ADD COLUMN completed_on DATE;
