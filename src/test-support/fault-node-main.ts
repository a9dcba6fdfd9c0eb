/**
 * A node process for fault tests (started by `spawnFaultNode`): the real node worker with a
 * `StreamExecutor`, configured by FAULT_NODE_* variables. Every change of a run is printed on
 * stdout as one JSON line, so the test sees what an old copy of a job does after a SIGCONT; the
 * node's own log (warn and up) goes to stderr.
 */
import { tmpdir } from 'node:os';
import { pino } from 'pino';
import { startFaultNode } from './fault-node.js';
import { StreamExecutor } from './stream-executor.js';

function required(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`${name} is not set`);
  return value;
}

const executor = new StreamExecutor();
executor.onChange = (run) => process.stdout.write(`${JSON.stringify(run)}\n`);
const tags = (process.env.FAULT_NODE_TAGS ?? '').split(',').filter((tag) => tag.length > 0);
const worker = startFaultNode(required('FAULT_NODE_URL'), required('FAULT_NODE_TOKEN'), {
  name: required('FAULT_NODE_NAME'),
  journalDir: required('FAULT_NODE_JOURNAL'),
  executor,
  tags,
  // Not a temp dir of its own: this process has no `removeTempDirs` to clean one up.
  workDir: tmpdir(),
  log: pino({ level: 'warn' }, pino.destination(2)),
});
process.on('SIGTERM', () => void worker.agent.stop().then(() => process.exit(0)));
