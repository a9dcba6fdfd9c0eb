import { afterAll, describe } from 'vitest';
import { postgresAvailable, stopWorkerPostgres, workerPostgres } from './postgres-server.js';

let made = 0;

/**
 * The URL of a fresh, empty database on this test process's private PostgreSQL server (started on
 * first use: stop it with `stopWorkerPostgres` in `afterAll`). Each call gets a database of its own,
 * named after `name` (reduced to a-z, 0-9, _) and numbered, so that files and tests never share one.
 */
export async function testDatabaseUrl(name = 'csc'): Promise<string> {
  const plain = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^[^a-z]+/, '').slice(0, 40) || 'csc';
  const server = await workerPostgres();
  return server.createDatabase(`${plain}_${process.pid}_${++made}`);
}

/** A store engine an end-to-end test runs on, and how to give a master a fresh store on it. */
export interface StoreEngine {
  /** `SQLite` or `PostgreSQL`, as the master's start line names it. */
  name: 'SQLite' | 'PostgreSQL';
  /** False when this machine cannot run it (no PostgreSQL binaries outside CI): its tests are skipped. */
  available: boolean;
  /** The `databaseUrl` of a master's fresh store: undefined (SQLite in the master's fresh data dir), or a new database. */
  databaseUrl(name?: string): Promise<string | undefined>;
}

/** SQLite, and PostgreSQL on this process's private server (skipped where `postgresAvailable()` says so). */
export function storeEngines(): StoreEngine[] {
  return [
    { name: 'SQLite', available: true, databaseUrl: () => Promise.resolve(undefined) },
    { name: 'PostgreSQL', available: postgresAvailable(), databaseUrl: testDatabaseUrl },
  ];
}

/**
 * `describe(title, body)` once per store engine, the engine's name appended to the title; the
 * PostgreSQL one is skipped where its binaries are missing (never under CI), and stops this
 * process's server after its tests (its `afterAll` is registered first, so with vitest's stacked
 * hooks it runs after the body's own: the masters close before their server stops). `skip` skips
 * both (a browser that is missing).
 */
export function describeOnEngines(title: string, body: (engine: StoreEngine) => void, options: { skip?: boolean } = {}): void {
  for (const engine of storeEngines()) {
    describe.skipIf(options.skip === true || !engine.available)(`${title} (${engine.name})`, () => {
      if (engine.name === 'PostgreSQL') afterAll(stopWorkerPostgres);
      body(engine);
    });
  }
}
