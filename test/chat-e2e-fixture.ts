import { ChatBridge, platformAdapters } from '../src/bridge/index.js';
import { CodexDriver } from '../src/codex/index.js';
import { childEnvironment, type ChatSettings, type MasterConfig } from '../src/config/index.js';
import { silentLogger } from '../src/log/index.js';
import { CodexExecutor, Workspaces, type NodeWorker } from '../src/node/index.js';
import { ResponsesStandIn, writeCodexHome, type CodexHome } from '../src/test-support/responses-stand-in.js';
import { SlackStandIn } from '../src/test-support/slack-stand-in.js';
import { TelegramStandIn, type BotMessage } from '../src/test-support/telegram-stand-in.js';
import { testBridgeConfig } from '../src/test-support/test-bridge.js';
import { removeTempDirs, tempDir } from '../src/test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';
import { startTestNode } from '../src/test-support/test-node.js';
import { TranscriptionStandIn } from '../src/test-support/transcription-stand-in.js';
import { waitFor } from '../src/test-support/wait.js';

/** The transcription stand-in's key: the bridge must send it as the endpoint's bearer. */
export const TRANSCRIBE_KEY = 'sk-transcribe-stand-in';

/**
 * The proofs run here: the Responses-API stand-in behind the real `codex` binary on a
 * real node, a real master, the bridge with its real adapters against the Telegram and Slack
 * stand-ins, and the transcription stand-in for voice notes.
 */
export interface ChatWorld {
  model: ResponsesStandIn;
  master: TestMaster;
  telegram: TelegramStandIn;
  slack: SlackStandIn;
  transcription: TranscriptionStandIn;
  /** Where jobs without a repository run. */
  workdir: string;
  /** Waits for a bot message to the Telegram `chat`, sent after the first `after` ones, containing `text`. */
  telegramReply(chat: number, text: string | RegExp, options?: { after?: number; timeoutMs?: number }): Promise<BotMessage>;
  close(): Promise<void>;
}

/** Starts everything; `master` overrides the test master's config (budgets, profiles file). */
export async function startChatWorld(options: { master?: Partial<MasterConfig>; chat?: Partial<ChatSettings> } = {}): Promise<ChatWorld> {
  const model = await ResponsesStandIn.start();
  const home: CodexHome = writeCodexHome(model.baseUrl);
  const driver = new CodexDriver({ baseEnv: childEnvironment(), env: home.env });
  await driver.start();
  const master = await startTestMaster({ jobs: { maxAttempts: 1, defaultTimeoutSec: 120, requeueGraceSec: 30, cancelWaitSec: 5, allowLocalRepos: true }, ...options.master });
  const workdir = tempDir('csc-chat-workdir-');
  const workspaces = new Workspaces({ dir: tempDir(), defaultWorkdir: workdir, allowLocalRepos: true, env: childEnvironment() });
  const worker: NodeWorker = startTestNode(master.wsUrl, master.nodeToken.value, { name: 'codex-node', executor: new CodexExecutor(driver), workspaces });
  const [telegram, slack, transcription] = await Promise.all([TelegramStandIn.start(), SlackStandIn.start(), TranscriptionStandIn.start({ apiKey: TRANSCRIBE_KEY })]);
  const chat: ChatSettings = { language: 'auto', transcription: { url: transcription.baseUrl, apiKey: TRANSCRIBE_KEY, model: 'whisper-1' }, ...options.chat };
  const config = {
    ...testBridgeConfig(master, {
      telegram: { botToken: telegram.token, parseMode: '', allowedChats: ['*'], apiRoot: telegram.apiRoot },
      slack: { botToken: slack.botToken, appToken: slack.appToken, defaultChannel: '', allowedChannels: ['*'], allowedUsers: [], apiUrl: slack.apiUrl },
    }),
    chat,
  };
  const bridge = new ChatBridge({
    config,
    version: 'test',
    createAdapter: platformAdapters({ telegram: { perChatIntervalMs: 0, globalIntervalMs: 0, retryBaseMs: 100 } }),
    progressIntervalMs: 50,
    log: silentLogger(),
  });
  bridge.start();
  await waitFor(() => master.hub.listNodes().length === 1 && telegram.calls.some((c) => c.method === 'getUpdates'), 'the node and the bridge', 15_000);
  return {
    model,
    master,
    telegram,
    slack,
    transcription,
    workdir,
    telegramReply: (chat, text, { after = 0, timeoutMs = 20_000 } = {}) => {
      const matches = (m: BotMessage) => (typeof text === 'string' ? m.text.includes(text) : text.test(m.text));
      // A timeout says what the chat got instead, which is most of what a failure needs.
      const what = () => `a Telegram reply with ${String(text)} (the chat got: ${JSON.stringify(telegram.sentTo(chat).map((m) => m.text))})`;
      return waitFor(() => telegram.sentTo(chat).slice(after).find(matches), 'the reply', timeoutMs).catch(() => Promise.reject(new Error(`timed out waiting for ${what()}`)));
    },
    async close() {
      await bridge.stop();
      await worker.agent.stop();
      await master.close();
      await driver.close();
      await Promise.all([model.close(), telegram.close(), slack.close(), transcription.close()]);
      home.remove();
      removeTempDirs();
    },
  };
}

/** The JSON of the `input` of the model request at `index` (negative: from the end), to search. */
export function modelInput(model: ResponsesStandIn, index: number): string {
  return JSON.stringify((model.requests.at(index)?.body as { input?: unknown } | undefined)?.input ?? null);
}

/** Hangul syllables: a text in Korean has some. */
export const HANGUL = /[\uac00-\ud7a3]/;
