export type { CancelOutcome, CodexRequest, CommandHost, LocalCommands, ThreadView } from './command-host.js';
export { ChatEngine, type ChatEngineOptions } from './engine.js';
export { parseRun } from './commands.js';
export { slackMarkup, splitMessage, telegramMarkup, type Markup } from './markup.js';
export { ProgressMessage } from './progress.js';
export { Composer, parseCommand, threadKeyOf, type ChatContext, type Middleware, type ParsedCommand } from './router.js';
export { MemorySessions, type Session, type SessionStore } from './sessions.js';
export type * from './types.js';
export { OverdueSubmit } from './types.js';
