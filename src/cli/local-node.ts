import type { Environment } from '../config/index.js';
import { resolveNodeConfig } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { Master } from '../master/index.js';
import { chooseExecutor, createWorker } from './node-runtime.js';

/** A node in the master's own process, so one machine runs jobs right after install. */
export interface LocalNode {
  /** One line for the start-up banner: which Codex it runs, or what to install. */
  summary: string;
  stop(): Promise<void>;
}

export async function startLocalNode(master: Master, dataDir: string, env: Environment, log: Logger): Promise<LocalNode> {
  const host = master.ws.host === '0.0.0.0' || master.ws.host === '::' ? '127.0.0.1' : master.ws.host;
  const config = resolveNodeConfig({ host, port: String(master.ws.port), token: master.nodeToken.value, dataDir }, env, false);
  const [node, codex] = await Promise.all([import('../node/index.js'), import('../codex/index.js')]);
  const nodeLog = log.child({ localNode: true });
  const chosen = await chooseExecutor(node, config, nodeLog);
  const { agent } = createWorker(node, config, nodeLog, chosen, (message) => nodeLog.debug({ kind: message.kind }, 'message for the local node'));
  agent.start();
  const command = config.codex.command ?? codex.defaultCodexCommand();
  const summary = chosen.executor
    ? `Local node: "${config.name}" runs jobs with Codex ${chosen.codexVersion ?? '?'} (${command}) in ${config.workdir}`
    : `Local node: "${config.name}" cannot start Codex (${command}). Install it with \`npm install -g @openai/codex\` ` +
      'or set NODE_CODEX_COMMAND; until a node with Codex connects, jobs wait in the queue.';
  return {
    summary,
    stop: async () => {
      await agent.stop();
      await chosen.close?.();
    },
  };
}
