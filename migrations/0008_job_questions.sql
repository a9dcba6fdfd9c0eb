-- Issue 15. Codex's questions of a job and what became of each (pending, answered, moot), as a JSON
-- array of QuestionState (src/protocol/questions.ts); NULL: the job never asked. A job asks few, and
-- every reader wants them with the job (GET /api/jobs/:id, the bridges' summaries), so they live on
-- its row rather than in a table of their own. The questions and answers are also job events.
ALTER TABLE jobs ADD COLUMN questions TEXT;
