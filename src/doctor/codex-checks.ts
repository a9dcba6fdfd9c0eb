import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { z } from 'zod';
import type { DoctorConfig } from '../config/index.js';
import { defaultCodexCommand, launcherArgs, readCodexVersion, type CodexSubcommand } from '../codex/codex-binary.js';
import { CODEX_VERSIONS, codexSupport } from '../codex/codex-support.js';
import { compareProtocol, isBreaking, readBinarySchema, type ProtocolDrift } from '../codex/protocol-drift.js';
import { PROTOCOL_SNAPSHOT } from '../codex/protocol-snapshot.js';
import { fail, ok, skip, warn, type CheckResult } from './check.js';
import { runProgram } from './probe.js';

type CodexSettings = DoctorConfig['codex'];

const INSTALL = `npm install -g @openai/codex@${CODEX_VERSIONS.recommended}`;

/** Where the node's Codex comes from, in words. */
function origin(settings: CodexSettings, command: string): string {
  if (settings.command !== undefined) return 'NODE_CODEX_COMMAND';
  return command === 'codex' ? 'codex on PATH' : 'the @openai/codex package installed with csc';
}

/** The Codex a node would run: found, its version, whether we speak its protocol, and whether it can reach a model. */
export async function checkCodex(settings: CodexSettings): Promise<CheckResult[]> {
  const transport: CodexSubcommand = settings.args.includes('mcp-server') ? 'mcp-server' : 'app-server';
  const command = settings.command ?? defaultCodexCommand();
  const launcher = launcherArgs(settings.args, transport);
  const shown = [command, ...launcher].join(' ');
  let version: string;
  try {
    version = await readCodexVersion(command, settings.env, launcher);
  } catch (error) {
    const cause = (error as Error).cause as NodeJS.ErrnoException | undefined;
    const summary = cause?.code === 'ENOENT' ? `Codex not found: ${shown} (${origin(settings, command)}) does not exist or is not on PATH` : `Codex does not run: ${(error as Error).message.slice(0, 300)}`;
    const hint = `install it (${INSTALL}), or point NODE_CODEX_COMMAND at the codex binary`;
    return [fail('codex.binary', summary, hint), skip('codex.version', 'not checked: no Codex to ask'), skip('codex.protocol', 'not checked: no Codex to ask'), skip('codex.login', 'not checked: no Codex to ask')];
  }
  const found = ok('codex.binary', `Codex ${version}: ${shown} (${origin(settings, command)})`);
  const support = codexSupport(version, transport);
  if (support.level === 'unsupported') {
    return [found, fail('codex.version', support.reason, `install a supported Codex: ${INSTALL}`), skip('codex.protocol', 'not checked: csc cannot drive this Codex'), skip('codex.login', 'not checked: csc cannot drive this Codex')];
  }
  const protocol =
    support.level === 'supported'
      ? ok('codex.version', support.reason)
      : warn('codex.version', support.reason, transport === 'mcp-server' ? `drop mcp-server from NODE_CODEX_ARGS (or --codex-arg), or install ${CODEX_VERSIONS.recommended}: ${INSTALL}` : `install the tested version: ${INSTALL}`);
  const drift = transport === 'app-server' ? await checkProtocol(settings, command, launcher, version) : skip('codex.protocol', 'not checked: the legacy mcp-server has no schema to compare');
  return [found, protocol, drift, await checkLogin(settings, command, launcher)];
}

/** This Codex's own protocol schema against the snapshot of the fields csc reads and sends (`protocol-drift.ts`). */
async function checkProtocol(settings: CodexSettings, command: string, launcher: string[], version: string): Promise<CheckResult> {
  let drift: ProtocolDrift;
  try {
    drift = compareProtocol(await readBinarySchema([command, ...launcher], settings.env), PROTOCOL_SNAPSHOT);
  } catch (error) {
    return skip('codex.protocol', `not checked: this Codex did not print its protocol schema (${(error as Error).message.slice(0, 160)})`);
  }
  const tested = PROTOCOL_SNAPSHOT.codex;
  if (isBreaking(drift)) {
    const moved = [...drift.missing.map((field) => `${field} (gone)`), ...drift.changed];
    return warn('codex.protocol', `Codex ${version} changed ${moved.length} protocol field(s) csc uses (tested with ${tested}): ${moved.slice(0, 3).join('; ')}`, `install the tested version: ${INSTALL}`, { detail: moved.join('\n') });
  }
  const added = [...drift.newNotifications, ...drift.newServerRequests];
  if (added.length > 0) return ok('codex.protocol', `every protocol field csc uses is as in ${tested}; ${added.length} message(s) csc does not handle yet: ${added.slice(0, 5).join(', ')}`);
  return ok('codex.protocol', `the protocol matches what csc was tested with (${tested})`);
}

const ProviderConfig = z.object({
  model_provider: z.string().optional(),
  model_providers: z.record(z.string(), z.object({ env_key: z.string().optional() }).passthrough()).optional(),
});

/** The model provider `$CODEX_HOME/config.toml` chooses instead of OpenAI's, if any. */
function configuredProvider(home: string): { name: string; envKey: string | undefined } | undefined {
  const file = join(home, 'config.toml');
  if (!existsSync(file)) return undefined;
  let parsed: z.infer<typeof ProviderConfig>;
  try {
    parsed = ProviderConfig.parse(parseToml(readFileSync(file, 'utf8')));
  } catch {
    // A config Codex cannot read either is what `codex login status` will then say.
    return undefined;
  }
  const name = parsed.model_provider;
  if (name === undefined || name === 'openai') return undefined;
  return { name, envKey: parsed.model_providers?.[name]?.env_key };
}

/** Keys and long tokens in Codex's own words are masked: the doctor never prints a secret. */
export function maskSecrets(line: string): string {
  return line.replace(/\b(sk-|xox[a-z]-|gh[pousr]_)\S*/g, '***').replace(/[A-Za-z0-9_\-+/=]{24,}/g, '***');
}

/** Whether Codex can reach a model: a provider of `config.toml` with its key, or `codex login status`. */
async function checkLogin(settings: CodexSettings, command: string, launcher: string[]): Promise<CheckResult> {
  const provider = configuredProvider(settings.home);
  if (provider !== undefined) {
    const name = `the model provider "${provider.name}" of ${join(settings.home, 'config.toml')}`;
    if (provider.envKey === undefined) return ok('codex.login', `Codex uses ${name} (it names no key variable)`);
    if (settings.env[provider.envKey] !== undefined) return ok('codex.login', `Codex uses ${name}, with its key from ${provider.envKey}`);
    return fail('codex.login', `Codex uses ${name}, but ${provider.envKey} is not set`, `set ${provider.envKey} in the environment the node runs in`);
  }
  const run = await runProgram(command, [...launcher, 'login', 'status'], { env: settings.env, timeoutMs: 20_000 });
  const said = maskSecrets((run.stdout + run.stderr).split('\n').find((line) => line.trim() !== '')?.trim().slice(0, 160) ?? '');
  if (run.code === 0) return ok('codex.login', `Codex is logged in${said === '' ? '' : ` (${said})`}`, { detail: `CODEX_HOME ${settings.home}` });
  const hint = `run \`codex login\` (or \`codex login --with-api-key\`) as the user the node runs as, with CODEX_HOME=${settings.home}`;
  if (run.error !== undefined && existsSync(join(settings.home, 'auth.json'))) return warn('codex.login', `codex login status did not answer (${run.error.message}), but ${settings.home}/auth.json exists`, hint);
  return fail('codex.login', `Codex is not logged in${said === '' ? '' : ` (codex login status: ${said})`}`, hint, { detail: `CODEX_HOME ${settings.home}` });
}
