import type { OrchestratorConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { CodexLaunch, DriverStatus, TurnDriver } from '../codex/index.js';
import type { Executor, RunContext } from '../node/index.js';
import type { JobResult, JobSpec } from '../protocol/index.js';

/** The runner's executor, and its Codex process for `/status` (none with the echo executor). */
export interface RunnerCodex {
  executor: Executor;
  status: () => DriverStatus | undefined;
  /** Resolves once Codex is up (at once for echo); rejects, saying what to check, when it cannot start. */
  ready: Promise<void>;
  /** Stops Codex, also while it is still starting. */
  close: () => Promise<void>;
}

/** Before the driver exists (an mcp-server launch is still asking Codex its version). */
const NOT_STARTED: DriverStatus = { running: false, ready: false, pid: undefined, uptimeSec: 0 };

/**
 * Echo when `[codex] allow_echo_executor`, else Codex through the shared driver choice
 * (`mcp_command` + `mcp_args`; mcp-server only where the Codex still has it). Started at once;
 * the caller waits for `ready` when `require_mcp_warmup` asks it to. A run that comes first waits
 * for the start (or its failure), unless it is stopped meanwhile.
 */
export async function setUpCodex(config: OrchestratorConfig, log: Logger, env?: Readonly<Record<string, string>>): Promise<RunnerCodex> {
  const node = await import('../node/index.js');
  if (config.codex.allow_echo_executor) return { executor: new node.EchoExecutor(), status: () => undefined, ready: Promise.resolve(), close: () => Promise.resolve() };
  const codex = await import('../codex/index.js');
  const launch = launchOf(config, env);
  const created = codex.createDriver(launch, log);
  let driver: TurnDriver | undefined;
  let closed = false;
  const started = created.then(async (made) => {
    driver = made.driver;
    const { codexVersion } = await codex.startVersioned(made.driver, launch, log);
    log.info({ codexVersion, transport: made.transport, codexPid: made.driver.status().pid }, `Codex ${codexVersion} ready (codex ${made.transport})`);
    return made.driver;
  });
  const usable = started.catch((error: unknown) => {
    // A start failure says what happened and what to do; anything else (the mcp-server version probe) is pointed at the conf.
    if (error instanceof codex.CodexStartFailure) throw error;
    throw new Error(`Codex could not start (check [codex] mcp_command and mcp_args in ${config.confPath}): ${(error as Error).message}`, { cause: error });
  });
  const executor: Executor = {
    name: 'codex',
    async run(job: JobSpec, context: RunContext): Promise<JobResult> {
      const warm = await unlessAborted(usable, context.signal);
      if (warm === undefined) return { status: 'cancelled', filesChanged: [], commands: [], durationMs: 0 };
      return new node.CodexExecutor(warm).run(job, context);
    },
  };
  // A start that fails because the runner is stopping is no news.
  const ready = usable.then(() => undefined, (error: unknown) => (closed ? undefined : Promise.reject(error as Error)));
  const close = async () => {
    closed = true;
    await (await created.catch(() => undefined))?.driver.close();
  };
  return { executor, status: () => driver?.status() ?? NOT_STARTED, ready, close };
}

function launchOf(config: OrchestratorConfig, env: Readonly<Record<string, string>> | undefined): CodexLaunch {
  return {
    ...(config.codex.mcp_command === undefined ? {} : { command: config.codex.mcp_command }),
    args: config.codex.mcp_args,
    ...(env === undefined ? {} : { env }),
    // The bot token is in this process's environment or .env; a copy under any name stays out too.
    hiddenValues: [config.botToken],
    who: 'the runner',
    fixHint: `Set mcp_args = "app-server" under [codex] in ${config.confPath}, or pin @openai/codex@0.153.4 for the legacy transport.`,
    overridesFrom: config.confPath,
    commandSetting: `mcp_command under [codex] in ${config.confPath}`,
  };
}

/** The promise's value, or undefined as soon as the signal aborts (a run cancelled or timed out while Codex starts). */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) return Promise.resolve(undefined);
  return new Promise<T | undefined>((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
