import type { Command } from 'commander';
import { loadEnvironment, resolveBridgeConfig, type BridgeFlags } from '../config/index.js';
import { VERSION } from '../paths.js';
import { onShutdownSignal } from './run.js';

export function registerBridgeCommand(program: Command): void {
  program
    .command('bridge')
    .description('run the Slack (Socket Mode) and Telegram (long polling) bridges: command Codex from chat')
    .option('--master <url>', 'the master as ws://host:port or wss://host:port; several, comma-separated, are tried in turn (ws://a:8765,ws://b:8765) (env MASTER_URL); wins over --host/--port')
    .option('--ca <file>', 'PEM CA bundle to verify a wss:// master with instead of the public CAs (env MASTER_CA_FILE)')
    .option('--host <host>', 'master host (env MASTER_HOST, default 127.0.0.1)')
    .option('--port <port>', 'master WebSocket port (env MASTER_PORT, default 8765)')
    .option('--token <token>', "bridge credential (env MASTER_BRIDGE_TOKEN; default: the master's bridge-token file on this host)")
    .option('--data-dir <dir>', "the master's data dir to read its bridge-token from (env MASTER_DATA_DIR)")
    .option('--name <name>', 'bridge name on the master (env BRIDGE_NAME, default bridge)')
    .option('--dashboard-url <url>', "base of job links in chat (env MASTER_DASHBOARD_URL, default http(s)://the master's host:MASTER_HTTP_PORT)")
    .option('--slack-bot-token <xoxb-…>', 'Slack bot token (env SLACK_BOT_TOKEN)')
    .option('--slack-app-token <xapp-…>', 'Slack app-level token for Socket Mode (env SLACK_APP_TOKEN)')
    .option('--slack-default-channel <id>', 'channel for responses that name none (env SLACK_DEFAULT_CHANNEL)')
    .option('--slack-allowed-channels <a,b>', 'channels whose members may use the bot, or * (env SLACK_ALLOWED_CHANNELS)')
    .option('--slack-allowed-users <a,b>', 'users who may use the bot, or * (env SLACK_ALLOWED_USERS)')
    .option('--slack-api-url <url>', 'Slack Web API base (env SLACK_API_URL, default https://slack.com/api/)')
    .option('--telegram-bot-token <token>', 'Telegram bot token (env TELEGRAM_BOT_TOKEN)')
    .option('--telegram-parse-mode <mode>', 'MarkdownV2|HTML|Markdown (env TELEGRAM_PARSE_MODE, default plain text)')
    .option('--telegram-allowed-chats <a,b>', 'chat ids that may use the bot, or * (env TELEGRAM_ALLOWED_CHATS)')
    .option('--telegram-api-root <url>', 'Bot API server (env TELEGRAM_API_ROOT, default https://api.telegram.org)')
    .option('--chat-language <lang>', 'auto|en|ko: the bot\'s language; auto follows each user\'s (env CHAT_LANGUAGE, default auto)')
    .option('--chat-transcribe-url <url>', 'OpenAI-compatible API base for voice notes, e.g. https://api.openai.com/v1 (env CHAT_TRANSCRIBE_URL; unset: voice off)')
    .option('--chat-transcribe-api-key <key>', 'bearer key of that endpoint (env CHAT_TRANSCRIBE_API_KEY)')
    .option('--chat-transcribe-model <model>', 'transcription model (env CHAT_TRANSCRIBE_MODEL, default whisper-1)')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (env LOG_LEVEL, default info)')
    .option('--log-format <format>', 'json|pretty (env LOG_FORMAT, default pretty on a terminal, else json)')
    .addHelpText('after', '\nPrecedence: flags > settings saved in the dashboard > environment > .env.\nA platform runs only when its tokens are set; empty allow-lists admit nobody.')
    .action(async (flags: BridgeFlags) => {
      const config = resolveBridgeConfig(flags, loadEnvironment(), process.stderr.isTTY === true);
      const [{ createLogger }, { ChatBridge, platformAdapters }] = await Promise.all([import('../log/index.js'), import('../bridge/index.js')]);
      const log = createLogger(config.log, 'bridge');
      const bridge = new ChatBridge({
        config,
        version: VERSION,
        createAdapter: platformAdapters(),
        log,
      });
      bridge.start();
      onShutdownSignal(async () => {
        await bridge.stop();
        log.flush();
      });
    });
}
