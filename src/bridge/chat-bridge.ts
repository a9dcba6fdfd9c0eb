import { ChatEngine, type IncomingMessage, type Middleware } from '../chat/index.js';
import { readSecretFile, type BridgeConfig, type ChatPlatformSettings } from '../config/index.js';
import type { Logger } from '../log/index.js';
import type { CommandFrame, Frame, ResponseFrame } from '../protocol/index.js';
import { MasterGateway, type MasterGatewayOptions } from './master-gateway.js';
import { MasterLink } from './master-link.js';
import { OpenAiTranscriber } from './openai-transcriber.js';
import { slackAccess, telegramAccess, type AdapterDeps, type PlatformAdapter } from './platform.js';
import { connectionKey, layerSettings, missingTokens } from './settings.js';

type Platform = 'slack' | 'telegram';

/** Builds a platform's adapter; the bridge passes a getter of the platform's current settings. */
export type AdapterFactory = (platform: Platform, settings: () => ChatPlatformSettings, deps: AdapterDeps) => PlatformAdapter;

export interface ChatBridgeOptions {
  config: BridgeConfig;
  version: string;
  createAdapter: AdapterFactory;
  /** Least time between two edits of a progress message. */
  progressIntervalMs?: number;
  /** How long requests wait for the master (tests shorten them). */
  requestTimeouts?: MasterGatewayOptions;
  log: Logger;
}

const PLATFORMS: readonly Platform[] = ['telegram', 'slack'];

/**
 * `csc bridge`: the master connection, the chat engine, and one adapter per platform whose tokens
 * are set. Chat text goes to the master as seed 000's `command` frame and, for the bot, as a job;
 * `response` frames go back to their chat. Dashboard saves (`bridge_config`) apply at once.
 */
export class ChatBridge {
  private readonly link: MasterLink;
  private readonly gateway: MasterGateway;
  private readonly engine: ChatEngine;
  private readonly adapters = new Map<Platform, { adapter: PlatformAdapter; key: string }>();
  private settings: ChatPlatformSettings;
  private announced = false;

  constructor(private readonly options: ChatBridgeOptions) {
    const { config, log } = options;
    this.settings = layerSettings(config.platforms, undefined, config.overrides);
    this.link = new MasterLink(
      {
        urls: config.masterUrls,
        trust: config.trust,
        name: config.name,
        version: options.version,
        token: () => config.token ?? readSecretFile(config.tokenFile),
        tokenHint: bridgeTokenHint(config.tokenFile),
        reconnectMs: config.reconnectMs,
        onFrame: (f) => this.onFrame(f),
        onWelcome: () => this.gateway.welcomed(),
      },
      log,
    );
    this.gateway = new MasterGateway(this.link, options.requestTimeouts);
    this.engine = new ChatEngine({
      gateway: this.gateway,
      access: (message) => {
        const t = this.engine.catalogFor(message.language);
        return message.platform === 'telegram' ? telegramAccess(this.settings.telegram.allowedChats, message, t) : slackAccess(this.settings.slack, message, t);
      },
      jobLink: (id) => `${config.dashboardUrl}/jobs/${id}`,
      textAnswerHint: (t) => t.questions.textHintDashboard,
      ...(options.progressIntervalMs === undefined ? {} : { progressIntervalMs: options.progressIntervalMs }),
      language: config.chat?.language ?? 'auto',
      ...(config.chat?.transcription === undefined ? {} : { transcriber: new OpenAiTranscriber(config.chat.transcription) }),
      observers: [this.forwardToMaster],
      log,
    });
  }

  /** Connects to the master and starts the platforms that have tokens. */
  start(): void {
    this.link.start();
    this.applySettings();
  }

  /** The platforms running now. */
  get running(): Platform[] {
    return [...this.adapters.keys()];
  }

  async stop(): Promise<void> {
    await Promise.allSettled([...this.adapters.values()].map(({ adapter }) => adapter.stop()));
    this.adapters.clear();
    await this.link.stop();
  }

  /** Seed 000: every allowed chat message reaches the nodes as a `command` frame. */
  private readonly forwardToMaster: Middleware = async (ctx, next) => {
    this.link.send(commandFrame(ctx.message));
    await next();
  };

  private onFrame(frame: Frame): void {
    if (this.gateway.receive(frame)) return;
    switch (frame.type) {
      case 'bridge_config':
        this.settings = layerSettings(this.options.config.platforms, frame.settings, this.options.config.overrides);
        this.options.log.info({ savedAt: frame.savedAt }, 'bridge settings from the dashboard applied');
        return this.applySettings();
      case 'response':
        return this.deliver(frame);
      case 'error':
        this.options.log.warn({ code: frame.code, message: frame.message, ref: frame.ref }, 'the master reported an error');
        return;
      default:
        return;
    }
  }

  private deliver(response: ResponseFrame): void {
    const running = this.adapters.get(response.target.platform);
    if (!running) {
      this.options.log.warn({ platform: response.target.platform }, 'response dropped: that platform is not running');
      return;
    }
    running.adapter.deliver(response).catch((error: unknown) => this.options.log.warn({ err: error, platform: response.target.platform }, 'could not deliver a response'));
  }

  /** Starts, restarts or stops each platform to match the settings; says why a platform does not run. */
  private applySettings(): void {
    for (const platform of PLATFORMS) {
      const missing = missingTokens(platform, this.settings);
      const key = connectionKey(platform, this.settings);
      const current = this.adapters.get(platform);
      if (current && (missing !== undefined || current.key !== key)) {
        this.adapters.delete(platform);
        current.adapter.stop().catch((error: unknown) => this.options.log.warn({ err: error, platform }, 'platform did not stop cleanly'));
      }
      if (missing === undefined && this.adapters.get(platform) === undefined) {
        const reportError = (code: string) => this.link.send({ type: 'chat_error', platform, code });
        const adapter = this.options.createAdapter(platform, () => this.settings, { engine: this.engine, log: this.options.log.child({ platform }), reportError });
        this.adapters.set(platform, { adapter, key });
        adapter.start();
      }
      if (!this.announced || missing !== undefined) this.options.log.info({ platform, running: missing === undefined }, missing === undefined ? `${platform}: running` : `${platform}: not running (${missing})`);
    }
    this.announced = true;
  }
}

/** Where a bridge credential comes from; MASTER_TOKEN, which bridges used to present, is now the node's only. */
function bridgeTokenHint(tokenFile: string): string {
  return (
    'Pass --token or set MASTER_BRIDGE_TOKEN with a bridge credential (csc token create --role bridge, or the master\'s bridge-token file); ' +
    `on the master's host the bridge reads ${tokenFile}. MASTER_TOKEN is the node credential and does not work for bridges.`
  );
}

/** Seed 000's `command` envelope for a chat message. */
function commandFrame(message: IncomingMessage): CommandFrame {
  const raw = message.raw === undefined ? {} : message.platform === 'slack' ? { raw_event: message.raw } : { raw_update: message.raw };
  const user = { user: message.userId, ...(message.userName === undefined ? {} : { user_name: message.userName }) };
  if (message.platform === 'slack') {
    return { type: 'command', source: { platform: 'slack', channel: message.chatId, ...(message.threadId === undefined ? {} : { thread_ts: message.threadId }), ...user }, text: message.text, ...raw };
  }
  const source = {
    platform: 'telegram' as const,
    chat_id: Number(message.chatId),
    message_id: Number(message.messageId),
    ...(message.threadId === undefined ? {} : { message_thread_id: Number(message.threadId) }),
    ...user,
  };
  return { type: 'command', source, text: message.text, ...raw };
}
