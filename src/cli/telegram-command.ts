import type { Command } from 'commander';
import { childEnvironment, loadEnvironment, resolveOrchestratorConfig } from '../config/index.js';
import { VERSION } from '../paths.js';
import { EXIT, onShutdownSignal } from './run.js';

/** `csc telegram`: the runbook's standalone long-polling runner (no master). */
export function registerTelegramCommand(program: Command): void {
  program
    .command('telegram')
    .description('run the standalone Telegram runner: long polling, Codex on this host, sessions and traces in files')
    .addHelpText(
      'after',
      '\nConfig: CODEX_CONF_PATH (default ~/.codex-orchestrator/conf.toml; written from a template when missing).\n' +
        'Environment: TELEGRAM_BOT_TOKEN (required), TELEGRAM_API_ROOT, LOG_LEVEL, LOG_FORMAT, CHAT_LANGUAGE (auto|en|ko),\n' +
        'CHAT_TRANSCRIBE_URL / CHAT_TRANSCRIBE_API_KEY / CHAT_TRANSCRIBE_MODEL (voice notes); CODEX_HOME and the rest pass through to Codex,\n' +
        'except credentials (MASTER_*TOKEN, TELEGRAM_*TOKEN, SLACK_*TOKEN, ...) and the names in CSC_HIDDEN_ENV (see docs/security.md).\n' +
        'Files beside the config: sessions/{chatId}-{userId}.json, traces/{yyyy-mm-dd}.jsonl. See docs/telegram-runbook.md.',
    )
    .action(async () => {
      const config = resolveOrchestratorConfig(loadEnvironment(), process.stderr.isTTY === true);
      const [{ createLogger }, { TelegramRunner }, { OpenAiTranscriber }] = await Promise.all([import('../log/index.js'), import('../telegram/index.js'), import('../bridge/openai-transcriber.js')]);
      const log = createLogger(config.log, 'telegram');
      if (config.templateWritten) log.warn(`No config file was found: wrote a commented template to ${config.confPath}. Edit it (at least [telegram] allowed_users) and restart.`);
      const { language, transcription } = config.chat;
      const transcriber = transcription === undefined ? {} : { transcriber: new OpenAiTranscriber(transcription) };
      const runner = await TelegramRunner.create({ config, log, version: VERSION, env: childEnvironment({ values: [config.botToken] }), language, ...transcriber });
      onShutdownSignal(async () => {
        await runner.stop();
        log.flush();
      });
      const end = await runner.run();
      if (end.reason === 'fatal') {
        log.error(end.message);
        await runner.stop();
        log.flush();
        process.exit(EXIT.failure);
      }
    });
}
