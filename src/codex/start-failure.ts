import { join } from 'node:path';
import { AppServerExitedError, type ExitInfo } from './errors.js';

/** Why Codex would not start, each with its own advice. */
export type StartFailureKind = 'not_found' | 'config_refused' | 'not_logged_in' | 'crashed' | 'other';

/** A start failure in plain words: what happened (Codex's own words where it gave some) and what to do. */
export interface StartFailure {
  kind: StartFailureKind;
  /** One sentence: what went wrong. */
  summary: string;
  /** What to do about it. */
  hint: string;
}

/** Where the settings of a start came from, to name them in the explanation. */
export interface StartContext {
  /** The command that was run. */
  command: string;
  /** The `-c key=value` overrides given on the command line. */
  overrides: Readonly<Record<string, string>>;
  /** Where those overrides came from: `--codex-config (NODE_CODEX_CONFIG)`, `conf.toml`. */
  overridesFrom: string;
  /** How to point at another binary: `--codex-command (NODE_CODEX_COMMAND)`, `[codex] mcp_command in conf.toml`. */
  commandSetting: string;
  /** The Codex home the process had (`CODEX_HOME`, else `~/.codex`). */
  codexHome: string;
}

/** The exit of the process behind an error, wherever in the `cause` chain it is. */
function exitOf(error: unknown): ExitInfo | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    if (e instanceof AppServerExitedError) return e.exit;
  }
  return undefined;
}

function spawnCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 10; e = e.cause, depth++) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EACCES') return code;
  }
  return undefined;
}

/** Codex's own message: the `Error: …` paragraph it prints before its backtrace. */
function codexWords(stderr: string): string | undefined {
  const at = stderr.lastIndexOf('Error: ');
  if (at < 0) return undefined;
  const paragraph = stderr.slice(at + 'Error: '.length).split(/\n\s*\n|\nStack backtrace:/)[0]?.trim();
  return paragraph === undefined || paragraph === '' ? undefined : paragraph.replace(/\s*\n\s*/g, ' ');
}

/** The config key a refusal names: `in \`sandbox_mode\``, `approval_policy = …`, ``Model provider `x` not found``. */
function refusedSetting(words: string): string | undefined {
  const quoted = /\bin `([a-z_][\w.-]*)`/.exec(words)?.[1];
  if (quoted) return quoted;
  const assigned = /^([a-z_][\w.-]*)\s*=/.exec(words)?.[1];
  if (assigned) return assigned;
  return /^Model provider `/.test(words) ? 'model_provider' : undefined;
}

/** The last few lines of stderr, for a crash nobody explained. */
function tail(stderr: string, lines = 3): string {
  return stderr.trim().split('\n').slice(-lines).join(' | ');
}

/**
 * Tells apart "no Codex here", "Codex refused its configuration" (quoting it, naming the setting
 * and where it came from), "Codex crashed" (exit and last stderr lines), and anything else.
 */
export function explainStartFailure(error: unknown, context: StartContext): StartFailure {
  const missing = spawnCode(error);
  if (missing) {
    const what = missing === 'ENOENT' ? 'no Codex found' : 'Codex is not executable';
    return { kind: 'not_found', summary: `${what} at ${context.command}`, hint: `Install it (npm install -g @openai/codex) or point ${context.commandSetting} at the binary.` };
  }
  const exit = exitOf(error);
  const words = exit && codexWords(exit.stderrTail);
  if (exit && words) {
    const key = refusedSetting(words);
    const from = key === undefined ? undefined : key in context.overrides || (key.split('.')[0] ?? key) in context.overrides ? `-c ${key}=… from ${context.overridesFrom}` : join(context.codexHome, 'config.toml');
    return {
      kind: 'config_refused',
      summary: `Codex refused its configuration: "${words}"`,
      hint: key === undefined ? `Check ${context.overridesFrom} and ${join(context.codexHome, 'config.toml')}.` : `Change or remove \`${key}\` (set by ${from}).`,
    };
  }
  if (exit) {
    const how = exit.signal === null ? `exited with code ${exit.code ?? '?'}` : `was killed by ${exit.signal}`;
    const said = exit.stderrTail.trim() === '' ? 'and printed nothing' : `after printing: ${tail(exit.stderrTail)}`;
    return { kind: 'crashed', summary: `Codex crashed at start: it ${how} ${said}`, hint: `Run \`${context.command} --version\` and \`${context.command} app-server\` by hand to see it fail.` };
  }
  return { kind: 'other', summary: `Codex could not start: ${error instanceof Error ? error.message : String(error)}`, hint: `Run \`${context.command} --version\` by hand.` };
}

/** What the account check says: Codex will ask the model provider with these credentials, or has none. */
export interface AccountStatus {
  loggedIn: boolean;
  /** Whether the configured model provider needs an OpenAI login (a custom provider with its own key does not). */
  requiresOpenaiAuth: boolean;
}

/** The explanation for a Codex that started but cannot reach its model: not logged in. */
export function notLoggedIn(codexHome: string): StartFailure {
  return {
    kind: 'not_logged_in',
    summary: `Codex is not logged in (no credentials in ${codexHome})`,
    hint: 'Run `codex login` as the user this process runs as, or set CODEX_HOME to a Codex home that is logged in; jobs fail until then.',
  };
}
