import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ResponsesStandIn, writeCodexHome, type CodexHome } from '../src/test-support/responses-stand-in.js';
import { TelegramStandIn, type BotMessage } from '../src/test-support/telegram-stand-in.js';
import { tempDir } from '../src/test-support/temp-dir.js';
import { waitFor } from '../src/test-support/wait.js';
import { runCsc, type CscProcess } from './cli-process.js';

export const USER = 4242;
export const STRANGER = 777;
export const CANCEL_WAIT_SEC = 5;
export const AGENT_MODELS = ['model-planner', 'model-coder', 'model-reviewer'] as const;
export const PLANNER_PROMPT = 'You are the planner of the runbook test. Number the steps.';

/**
 * The runbook's setup in a temp HOME: `~/.codex-orchestrator/conf.toml` (sessions and traces
 * beside it), two profiles with their own model and working directory, a tuned agent pipeline,
 * and the real `codex` talking to the Responses stand-in.
 */
export class RunbookFixture {
  readonly homeDir = tempDir('csc-runbook-home-');
  readonly baseDir = join(this.homeDir, '.codex-orchestrator');
  /** `~/work-default`, written with a `~` in the conf to prove the expansion. */
  readonly workDefault = join(this.homeDir, 'work-default');
  readonly workAlt = tempDir('csc-runbook-alt-');

  private constructor(
    readonly responses: ResponsesStandIn,
    readonly codexHome: CodexHome,
    readonly telegram: TelegramStandIn,
  ) {
    mkdirSync(this.workDefault, { recursive: true });
  }

  static async start(): Promise<RunbookFixture> {
    const responses = await ResponsesStandIn.start();
    return new RunbookFixture(responses, writeCodexHome(responses.baseUrl), await TelegramStandIn.start());
  }

  get confPath(): string {
    return join(this.baseDir, 'conf.toml');
  }

  writeConf(ignorePendingUpdates: boolean): void {
    mkdirSync(this.baseDir, { recursive: true });
    writeFileSync(
      this.confPath,
      `[telegram]
allowed_users = [${USER}]
[telegram.polling]
poll_timeout = 1
loop_sleep_sec = 0
ignore_pending_updates_on_start = ${ignorePendingUpdates}
cancel_wait_timeout_sec = ${CANCEL_WAIT_SEC}
[codex]
mcp_args = "app-server"
[profile]
default = "default"
[profiles.default]
model = "model-default"
working_directory = "~/work-default"
[profiles.alt]
model = "model-alt"
working_directory = "${this.workAlt}"
[agents.planner]
prompt = "${PLANNER_PROMPT}"
model = "${AGENT_MODELS[0]}"
[agents.coder]
model = "${AGENT_MODELS[1]}"
[agents.reviewer]
model = "${AGENT_MODELS[2]}"
`,
    );
  }

  /**
   * `csc telegram` as the runbook runs it, once it polls (updates said before then are backlog).
   * Without `CODEX_CONF_PATH` it must find the conf at its default, `~/.codex-orchestrator/conf.toml`.
   */
  async startRunner(options: { confPathFromEnv: boolean }): Promise<CscProcess> {
    const proc = runCsc(['telegram'], {
      ...this.codexHome.env,
      HOME: this.homeDir,
      ...(options.confPathFromEnv ? { CODEX_CONF_PATH: this.confPath } : {}),
      TELEGRAM_BOT_TOKEN: this.telegram.token,
      TELEGRAM_API_ROOT: this.telegram.apiRoot,
      LOG_FORMAT: 'json',
    });
    await proc.waitForOutput(/telegram polling started/, 20_000);
    return proc;
  }

  /** Sends `text` and waits for a new bot message whose plain text matches `expected`. */
  async ask(text: string, expected: string | RegExp, options: { chatId?: number; timeoutMs?: number } = {}): Promise<BotMessage> {
    const chatId = options.chatId ?? USER;
    const before = this.telegram.sentTo(chatId).length;
    this.telegram.say({ chatId, userId: USER, text });
    const matches = (m: BotMessage) => (typeof expected === 'string' ? plain(m).includes(expected) : expected.test(plain(m)));
    return waitFor(() => this.telegram.sentTo(chatId).slice(before).find(matches), `a reply to "${text}" with ${String(expected)}`, options.timeoutMs ?? 15_000);
  }

  /** The Responses requests' bodies, from `from` on. */
  bodies(from = 0): { model?: string; input?: unknown }[] {
    return this.responses.requests.slice(from).map((r) => r.body as { model?: string; input?: unknown });
  }

  session(chatId: number = USER): Record<string, unknown> {
    return JSON.parse(readFileSync(join(this.baseDir, 'sessions', `${chatId}-${USER}.json`), 'utf8')) as Record<string, unknown>;
  }

  /** Every trace file by name, with its parsed lines. */
  traces(): Map<string, TraceLine[]> {
    const dir = join(this.baseDir, 'traces');
    return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as TraceLine)]));
  }

  async close(runner: CscProcess | undefined): Promise<void> {
    if (runner && runner.child.exitCode === null) {
      runner.child.kill('SIGINT');
      await Promise.race([runner.exited, new Promise((resolve) => setTimeout(resolve, 5000))]);
      runner.child.kill('SIGKILL');
    }
    await this.telegram.close();
    await this.responses.close();
    this.codexHome.remove();
  }
}

export interface TraceLine {
  at: string;
  kind: string;
  [key: string]: unknown;
}

/** A MarkdownV2 text without its escapes, as the user reads it. */
export function plain(message: BotMessage): string {
  return message.text.replace(/\\(.)/g, '$1');
}

/** The input Codex sent, as text to search. */
export function inputText(body: { input?: unknown } | undefined): string {
  return JSON.stringify(body?.input ?? null);
}
