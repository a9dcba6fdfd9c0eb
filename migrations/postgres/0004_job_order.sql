-- Jobs newest first by the time they were made (issue 19): masters sharing the database take ids
-- from the sequence in blocks of their own (src/master/store/pg/pg-job-ids.ts), so a job made on
-- one master after a job of another may have the smaller id. Lists (`GET /api/jobs`, newest first,
-- filtered by status or node, paged by `before`) and the queue (oldest first) are ordered by
-- (created_at, id) instead of id (src/master/store/pg/pg-job-store.ts), each one range of one of
-- these indexes. The status and node indexes take created_at between their column and id: they
-- still serve every lookup by status or node alone, as the ones they replace did.

CREATE INDEX jobs_by_created ON jobs (created_at, id);

DROP INDEX jobs_by_status;
CREATE INDEX jobs_by_status ON jobs (status, created_at, id);

DROP INDEX jobs_by_node;
CREATE INDEX jobs_by_node ON jobs (node, created_at, id);
