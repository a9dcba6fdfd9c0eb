import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { TurnDriver, TurnDriverOptions } from '../codex/index.js';
import { childEnvironment } from '../config/index.js';
import { ResponsesStandIn, writeCodexHome, type CodexHome } from './responses-stand-in.js';
import { removeTempDirs } from './temp-dir.js';

/** A test file's stand-in model, its `CODEX_HOME`, and the drivers made on them. */
export interface DriverFixture<D extends TurnDriver> {
  readonly standIn: ResponsesStandIn;
  readonly home: CodexHome;
  /** The file's shared driver, started before the first test. */
  readonly driver: D;
  /** Another driver on the same stand-in (quick restarts), closed after the file. */
  newDriver(options?: Partial<TurnDriverOptions>): D;
}

/** What the hooks fill in, and the drivers to close. */
interface FixtureState<D> {
  standIn?: ResponsesStandIn;
  home?: CodexHome;
  driver?: D;
  drivers: D[];
}

function ready<T>(value: T | undefined): T {
  if (value === undefined) throw new Error('the driver fixture is used before its beforeAll ran');
  return value;
}

/**
 * Registers the hooks of a driver test file: a stand-in and a `CODEX_HOME` before all tests, a check
 * after each that it used every scripted response, and the clean-up (drivers, stand-in, home, temp dirs).
 */
export function useDriverFixture<D extends TurnDriver>(create: (options: TurnDriverOptions) => D): DriverFixture<D> {
  const state: FixtureState<D> = { drivers: [] };
  const fixture: DriverFixture<D> = {
    get standIn() {
      return ready(state.standIn);
    },
    get home() {
      return ready(state.home);
    },
    get driver() {
      return ready(state.driver);
    },
    newDriver(options = {}) {
      const created = create({ baseEnv: childEnvironment(), env: ready(state.home).env, restartBackoff: { initialMs: 50, maxMs: 500 }, ...options });
      state.drivers.push(created);
      return created;
    },
  };
  registerHooks(state, fixture);
  return fixture;
}

function registerHooks<D extends TurnDriver>(state: FixtureState<D>, fixture: DriverFixture<D>): void {
  beforeAll(async () => {
    state.standIn = await ResponsesStandIn.start();
    state.home = writeCodexHome(state.standIn.baseUrl);
    state.driver = fixture.newDriver();
    await state.driver.start();
  });
  afterEach(() => {
    const unused = fixture.standIn.pending;
    fixture.standIn.reset();
    expect(unused, 'scripted responses left unused').toBe(0);
  });
  afterAll(async () => {
    await Promise.all(state.drivers.map((d) => d.close()));
    await state.standIn?.close();
    state.home?.remove();
    removeTempDirs();
  });
}
