import { FLEET_CHANNEL, tellJobs, TOLD_COLUMN } from './pg-fleet-signals.js';

/**
 * The statements of `PgFleetStore`. The conditional updates (claim, adopt, orphans) tell the
 * other masters of the jobs they took in the same statement (`tellJobs`), so that no caller can
 * forget to and the signal is exactly as durable as the change.
 */

/** A job's columns with its last seq, as the job store reads them (`RETURNING` of the updates below). */
const JOB_COLUMNS = 'jobs.*, (SELECT coalesce(max(seq), 0) FROM job_events WHERE job_id = jobs.id) AS last_seq';

/** The statuses of a job out on a node: the only ones that have an owner. */
const OUT = `('assigned', 'running')`;

export const RENEW = `
  INSERT INTO masters (id, name, started_at, lease_until) VALUES ($1, $2, $3, $4)
  ON CONFLICT (id) DO UPDATE SET name = excluded.name, lease_until = excluded.lease_until`;

/** A clean stop: the master's lease, its nodes and what was addressed to it go at once. */
export const LEAVE = `
  WITH lease AS (DELETE FROM masters WHERE id = $1),
    nodes AS (DELETE FROM live_nodes WHERE master_id = $1),
    asks AS (DELETE FROM fleet_asks WHERE to_master = $1)
  DELETE FROM fleet_replies WHERE to_master = $1`;

export const MEMBERS = 'SELECT id, name, started_at, lease_until FROM masters ORDER BY started_at, id';

/**
 * The claims ($1 ids, $2 nodes, $3 attempts, $4 times) of master $5 on the jobs still queued. A
 * job locked by another master's transaction (claiming it, most likely) is skipped, not waited
 * for: that one wins it or it stays queued, and its own write signals it either way. Never
 * waiting, two masters claiming each other's jobs in one turn cannot deadlock.
 */
export const CLAIM = `
  WITH won AS (
    UPDATE jobs SET status = 'assigned', node = c.node, attempt = c.attempt, assigned_at = c.assigned_at, master_id = $5
    FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::text[]) AS c (id, node, attempt, assigned_at)
    WHERE jobs.id = c.id
      AND jobs.id IN (SELECT id FROM jobs WHERE id = ANY ($1::bigint[]) AND status = 'queued' FOR UPDATE SKIP LOCKED)
    RETURNING jobs.id
  ), ${tellJobs(6)}
  SELECT won.id, ${TOLD_COLUMN} FROM won`;

export const OWNER = `SELECT master_id FROM jobs WHERE id = $1 AND status IN ${OUT}`;

/** An owner set by the job layer (a NULL on a job out on a node; any owner of a job not out is cleared by the trigger of 0002). */
export const SET_OWNER = 'UPDATE jobs SET master_id = $2 WHERE id = $1';

/**
 * Job $1 out on node $2 becomes master $3's, whoever owned it. Waits for a transaction of the old
 * owner that holds the row (it may be writing the job as the node moved): the job is the node's,
 * and the node is here now.
 */
export const ADOPT = `
  WITH won AS (
    UPDATE jobs SET master_id = $3 WHERE id = $1 AND node = $2 AND status IN ${OUT}
    RETURNING ${JOB_COLUMNS}
  ), ${tellJobs(4)}
  SELECT won.*, ${TOLD_COLUMN} FROM won`;

/**
 * The jobs out on a node whose owner is none (written before 0002) or neither among the live
 * masters $1 nor holding a lease that runs past $3 (a master that registered after the caller
 * read the members is not robbed), taken by master $2. Rows another live master is taking at the
 * same time are skipped: one master wins each job.
 */
export const TAKE_ORPHANS = `
  WITH won AS (
    UPDATE jobs SET master_id = $2
    WHERE id IN (
      SELECT j.id FROM jobs j
      WHERE j.status IN ${OUT} AND j.master_id IS DISTINCT FROM $2
        AND (j.master_id IS NULL OR (j.master_id <> ALL ($1::text[])
          AND NOT EXISTS (SELECT 1 FROM masters m WHERE m.id = j.master_id AND m.lease_until > $3)))
      FOR UPDATE SKIP LOCKED)
    RETURNING ${JOB_COLUMNS}
  ), ${tellJobs(4)}
  SELECT won.*, ${TOLD_COLUMN} FROM won ORDER BY won.id`;

export const PUBLISH_NODES = `
  INSERT INTO live_nodes (master_id, nodes, published_at) VALUES ($1, $2, $3)
  ON CONFLICT (master_id) DO UPDATE SET nodes = excluded.nodes, published_at = excluded.published_at`;

export const LIVE_NODES = 'SELECT master_id, nodes FROM live_nodes ORDER BY master_id';

/**
 * What masters that are not among $1 and hold no lease past $2 left behind: their nodes, the
 * requests and replies addressed to them (nobody will take them); and the rows of masters whose
 * lease ran out before $3, long enough ago that every live master has seen them dead. A `nodes`
 * signal (origin $4) when nodes went.
 */
export const DROP_NODES_OF = `
  WITH asks AS (
    DELETE FROM fleet_asks a WHERE a.to_master <> ALL ($1::text[])
      AND NOT EXISTS (SELECT 1 FROM masters m WHERE m.id = a.to_master AND m.lease_until > $2)
  ), replies AS (
    DELETE FROM fleet_replies r WHERE r.to_master <> ALL ($1::text[])
      AND NOT EXISTS (SELECT 1 FROM masters m WHERE m.id = r.to_master AND m.lease_until > $2)
  ), stale AS (
    DELETE FROM masters WHERE id <> ALL ($1::text[]) AND lease_until < $3
  ), dropped AS (
    DELETE FROM live_nodes l WHERE l.master_id <> ALL ($1::text[])
      AND NOT EXISTS (SELECT 1 FROM masters m WHERE m.id = l.master_id AND m.lease_until > $2)
    RETURNING l.master_id
  )
  SELECT pg_notify('${FLEET_CHANNEL}', $4::text || ' {"kind":"nodes"}') FROM (SELECT 1 FROM dropped LIMIT 1) AS gone`;

export const ASK = `
  INSERT INTO fleet_asks (from_master, to_master, job_id, kind, payload, asked_at) VALUES ($1, $2, $3, $4, $5, $6)
  RETURNING id`;

export const TAKE_ASKS = 'DELETE FROM fleet_asks WHERE to_master = $1 RETURNING id, from_master, to_master, job_id, kind, payload';

export const REPLY = `
  INSERT INTO fleet_replies (ask_id, to_master, reply, replied_at) VALUES ($1, $2, $3, $4)
  ON CONFLICT (ask_id) DO UPDATE SET to_master = excluded.to_master, reply = excluded.reply, replied_at = excluded.replied_at`;

export const TAKE_REPLY = 'DELETE FROM fleet_replies WHERE ask_id = $1 RETURNING reply';
