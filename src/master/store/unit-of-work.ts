/**
 * What ending a unit of work gives: `undefined` when its writes are durable already (SQLite commits
 * on the spot, and a turn with nothing to write has nothing to wait for), otherwise the promise of
 * its commit (an engine with a server answers later). Either way a failed commit is a
 * `StoreCommitError`: thrown, or the promise's rejection.
 *
 * Why not always a promise: the hub uncorks a turn's frames right after the commit, and on SQLite
 * that happens in the same turn; waiting one microtask per turn for nothing showed in bench:hub.
 */
export type Commit = Promise<void> | undefined;

/** A commit failed (disk full, I/O error, the database gone): the writes since the last commit are gone. */
export class StoreCommitError extends Error {
  override readonly name = 'StoreCommitError';
}

/**
 * Resolves once `commit` has settled: what announces a write through an API that is already
 * asynchronous (an HTTP reply, an SSE event) waits on this.
 */
export async function settled(commit: Commit): Promise<void> {
  await commit;
}
