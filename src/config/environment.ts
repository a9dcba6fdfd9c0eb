import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { hiddenNamePatterns, scrubEnvironment, type HiddenSecrets } from './child-environment.js';
import { ConfigError } from './config-error.js';

/** A settings source: key → raw string value, plus where each came from for error messages. */
export interface Environment {
  get(key: string): { value: string; origin: string } | undefined;
}

/**
 * The process environment layered over `.env` in `cwd` (environment wins). This is the only place
 * in the code base that reads `process.env`; everything else receives an `Environment`.
 */
export function loadEnvironment(cwd: string = process.cwd(), env: NodeJS.ProcessEnv = process.env): Environment {
  const dotenv = readDotenv(join(cwd, '.env'));
  return {
    get(key) {
      const fromEnv = env[key];
      if (fromEnv !== undefined && fromEnv !== '') return { value: fromEnv, origin: 'environment' };
      const fromFile = dotenv[key];
      if (fromFile !== undefined && fromFile !== '') return { value: fromFile, origin: '.env' };
      return undefined;
    },
  };
}

/**
 * The environment child processes (git, Codex) inherit: this process's own (`CODEX_HOME`,
 * `OPENAI_API_KEY`, `PATH`, `HOME`, proxies) without our credentials. The built-in names
 * (`BUILT_IN_HIDDEN_NAMES`) and those of CSC_HIDDEN_ENV, read from `settings` (default: the
 * environment over `.env` in the working directory, as the CLI reads its settings), are always
 * dropped, so no caller can forget them; `hidden.values` adds the tokens this process holds.
 * Handed out here so that nothing else reads `process.env`.
 */
export function childEnvironment(hidden: HiddenSecrets = { values: [] }, settings: Environment = loadEnvironment()): NodeJS.ProcessEnv {
  return scrubEnvironment(process.env, { names: hiddenNamePatterns(settings), values: hidden.values });
}

/** An environment from plain values, for tests and embedding. */
export function environmentFrom(values: Record<string, string | undefined>): Environment {
  return {
    get(key) {
      const value = values[key];
      return value === undefined || value === '' ? undefined : { value, origin: 'environment' };
    },
  };
}

function readDotenv(path: string): Record<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new ConfigError('.env', `cannot read ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parse(text);
}

/**
 * `CSC_CODEX_BIN`: the Codex binary nodes, the runner and doctor use when no command is given
 * (`npm run test:codex-latest` points it at the newest release); undefined when unset.
 */
export function codexBinarySetting(settings: Environment = loadEnvironment()): string | undefined {
  return settings.get('CSC_CODEX_BIN')?.value;
}
