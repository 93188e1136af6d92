/**
 * The store's database cannot be reached right now (PostgreSQL down or restarting): the request
 * did nothing that was acknowledged, and the same request may be tried again. Its message never
 * carries the database's address or credentials.
 */
export class StoreUnavailableError extends Error {
  constructor() {
    super("the stream store (PostgreSQL) cannot be reached; try again shortly")
  }
}
