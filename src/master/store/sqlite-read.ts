/**
 * A synchronous SQLite statement as the store interfaces' promise. The statement runs at once, on
 * the caller's turn: a write that returns what it made joins the turn's transaction there, and a
 * read sees the turn's writes, as they did before the interfaces were asynchronous. A failure is the
 * promise's rejection (the executor catches it), as it would be on an engine with a server.
 *
 * No `async` function: the lint's `require-await` would ask for an await there is no need of.
 */
export function ranNow<T>(statement: () => T): Promise<T> {
  return new Promise<T>((resolve) => resolve(statement()));
}
