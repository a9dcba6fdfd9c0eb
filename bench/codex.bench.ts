/**
 * The Codex overhead bench: one scripted Codex turn (an `exec_command`, then a message, answered
 * by the Responses-API stand-in) run as a job through our master and node, against the same turn
 * on `codex app-server` driven directly (bench/codex-app-server.ts) in the same run. Both sides
 * keep one warm app-server and start a fresh thread per turn in the same working directory; they
 * take turns one by one so that noise on the machine hits both.
 * BENCH_QUICK=1 runs a short round (about half a minute) instead of the full one (under two).
 */
import { availableParallelism, loadavg } from 'node:os';
import { defaultCodexCommand } from '../src/codex/codex-binary.js';
import { ResponsesStandIn, assistantMessage, execCommandCall, writeCodexHome } from '../src/test-support/responses-stand-in.js';
import { RawAppServer } from './codex-app-server.js';
import { codexSideEnv, startCodexPipeline, type CodexPipeline } from './codex-pipeline.js';
import { SIDES, progressPrinter, reportOverhead, type Side } from './codex-report.js';
import { makeDataDir, removeDataDir, runBench } from './processes.js';
import { runRounds } from './rounds.js';

const QUICK = process.env.BENCH_QUICK === '1';
/** The sides alternate turn by turn, so a burst of other work on the machine hits both; `window` is per progress line. */
const MODE = QUICK ? { name: 'quick', turns: 20, window: 5, warmupTurns: 2 } : { name: 'full', turns: 70, window: 10, warmupTurns: 3 };

const TARGET_RATIO = 1.1;
const PROMPT = 'Say hi from the shell.';
const COMMAND = 'echo hi';
/** What Codex hands back to the model for a command that ran: proof that the turn did the work. */
const COMMAND_OK = 'Process exited with code 0';

interface Bench {
  standIn: ResponsesStandIn;
  workdir: string;
  direct: RawAppServer;
  pipeline: CodexPipeline;
}

async function setUp(): Promise<Bench> {
  const standIn = await ResponsesStandIn.start();
  // A home per side, so neither Codex shares session files or state with the other.
  const homes = [writeCodexHome(standIn.baseUrl), writeCodexHome(standIn.baseUrl)] as const;
  process.once('exit', () => homes.forEach((home) => home.remove()));
  const workdir = makeDataDir();
  const direct = await RawAppServer.start(defaultCodexCommand(), codexSideEnv(homes[0].env));
  // Before the homes go: a Codex still running could write into its home after the removal.
  process.prependOnceListener('exit', () => direct.kill());
  const pipeline = await startCodexPipeline({ workdir, codexEnv: homes[1].env });
  return { standIn, workdir, direct, pipeline };
}

async function tearDown({ standIn, workdir, direct, pipeline }: Bench): Promise<void> {
  await Promise.all([direct.close(), pipeline.stop()]);
  await standIn.close();
  removeDataDir(workdir);
}

async function directTurn({ direct, workdir }: Bench): Promise<number> {
  const started = performance.now();
  const status = await direct.runTurn({ cwd: workdir, prompt: PROMPT });
  const elapsed = performance.now() - started;
  if (status !== 'completed') throw new Error(`a direct turn ended ${status}`);
  return elapsed;
}

/** One turn on one side: the stand-in is scripted for exactly this turn (two model requests). */
async function turn(bench: Bench, side: Side): Promise<number> {
  const { standIn } = bench;
  standIn.reset();
  standIn.enqueue({ output: [execCommandCall(COMMAND)] }, { output: [assistantMessage('hi')] });
  const elapsed = side === 'direct' ? await directTurn(bench) : await bench.pipeline.runJob(PROMPT);
  const answered = JSON.stringify(standIn.requests.at(-1)?.body ?? '');
  if (standIn.requests.length !== 2 || standIn.pending !== 0 || !answered.includes(COMMAND_OK)) {
    throw new Error(`a ${side} turn did not run as scripted: ${standIn.requests.length} model requests, ${standIn.pending} steps left`);
  }
  return elapsed;
}

/** The first turns of a fresh process and CODEX_HOME are slow; neither side is measured on them. */
async function warmUp(bench: Bench): Promise<void> {
  for (const side of SIDES) {
    for (let i = 0; i < MODE.warmupTurns; i++) await turn(bench, side);
  }
}

/** Other work on the machine skews every figure; the load average says whether there was any. */
function machineLoad(): string {
  return loadavg()[0]?.toFixed(2) ?? '?';
}

async function main(): Promise<void> {
  const started = performance.now();
  console.log(`Codex bench (${MODE.name}): Node ${process.version}, ${availableParallelism()} cores, 1-minute load average ${machineLoad()}, all on 127.0.0.1`);
  console.log('"direct" drives codex app-server itself (JSON-RPC over stdio, bench/codex-app-server.ts): thread/start + turn/start');
  console.log('→ turn/completed. "pipeline" is csc master + csc node (each its own process, the node with its own warm');
  console.log('app-server): POST /api/jobs → the job log stream\'s end, as `csc job run` follows a job. Both answered by one');
  console.log('Responses-API stand-in in this process.');
  const bench = await setUp();
  try {
    await warmUp(bench);
    // Master and node idle while the direct side runs, so their CPU over the whole phase is the jobs'.
    const cpuBefore = bench.pipeline.cpuSec();
    const turns = await runRounds(SIDES, MODE.turns, 0, (side) => turn(bench, side), progressPrinter(MODE.window, MODE.turns));
    const cpuMsPerJob = ((bench.pipeline.cpuSec() - cpuBefore) * 1000) / MODE.turns;
    const title =
      `Codex overhead: one turn (exec_command "${COMMAND}", then a message) on a fresh thread, ${MODE.turns} turns a side,\n` +
      `   the sides alternating, after ${MODE.warmupTurns} warm-up turns each; target: pipeline p50 ≤ ${TARGET_RATIO}× direct`;
    reportOverhead(title, turns, { maxRatio: TARGET_RATIO, window: MODE.window, cpuMsPerJob });
  } finally {
    await tearDown(bench);
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(0);
  console.log(`\nDone in ${seconds} s (load average now ${machineLoad()}). Targets are goals, not assertions: a miss does not fail the bench.`);
}

runBench(main);
