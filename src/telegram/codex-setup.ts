import type { OrchestratorConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { DriverStatus } from '../codex/index.js';
import type { Executor, RunContext } from '../node/index.js';
import type { JobResult, JobSpec } from '../protocol/index.js';
import { startDriver } from '../cli/node-runtime.js';

/** The runner's executor, and its Codex process for `/status` (none with the echo executor). */
export interface RunnerCodex {
  executor: Executor;
  status: () => DriverStatus | undefined;
  /** Resolves once Codex is up (at once for echo); rejects when it cannot start. */
  ready: Promise<void>;
  close: () => Promise<void>;
}

/**
 * Echo when `[codex] allow_echo_executor`, else Codex through the shared driver choice
 * (`mcp_command` + `mcp_args`; mcp-server only where the Codex still has it). Started at once;
 * the caller waits for `ready` when `require_mcp_warmup` asks it to.
 */
export async function setUpCodex(config: OrchestratorConfig, log: Logger, env?: Readonly<Record<string, string>>): Promise<RunnerCodex> {
  const node = await import('../node/index.js');
  if (config.codex.allow_echo_executor) return { executor: new node.EchoExecutor(), status: () => undefined, ready: Promise.resolve(), close: () => Promise.resolve() };
  const codex = await import('../codex/index.js');
  const started = startDriver(
    codex,
    {
      ...(config.codex.mcp_command === undefined ? {} : { command: config.codex.mcp_command }),
      args: config.codex.mcp_args,
      ...(env === undefined ? {} : { env }),
      who: 'the runner',
      fixHint: `Set mcp_args = "app-server" under [codex] in ${config.confPath}, or pin @openai/codex@0.153.4 for the legacy transport.`,
    },
    log,
  );
  let driver: Awaited<typeof started>['driver'] | undefined;
  const ready = started.then((s) => {
    driver = s.driver;
    log.info({ codexVersion: s.codexVersion, transport: s.transport, pid: s.driver.status().pid }, `Codex ${s.codexVersion} ready (codex ${s.transport})`);
  });
  const executor: Executor = {
    name: 'codex',
    async run(job: JobSpec, context: RunContext): Promise<JobResult> {
      const { driver: warm } = await started;
      return new node.CodexExecutor(warm).run(job, context);
    },
  };
  return { executor, status: () => driver?.status(), ready, close: async () => (await started.catch(() => undefined))?.driver.close() };
}
