/** The store cannot be opened (a file it may not write, a server it cannot reach); `cause` has the engine's reason. */
export class StoreOpenError extends Error {
  override readonly name = 'StoreOpenError';
}

/**
 * A store write broke a rule the schema keeps (a name taken, a job that is not there) and was not
 * applied. An engine whose failed statement would fail its whole unit of work (PostgreSQL) writes
 * the statement so that it does not fail, finds out from what it returned, and says so with this;
 * callers turn it into the API's `conflict` as they do their own checks.
 */
export class StoreConstraintError extends Error {
  override readonly name = 'StoreConstraintError';
}
