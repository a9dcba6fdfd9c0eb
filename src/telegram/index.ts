export { TelegramRunner, type TelegramRunnerOptions } from './runner.js';
export { FileSessions } from './file-sessions.js';
export { LocalGateway, type LocalGatewayOptions } from './local-gateway.js';
export { formatDriverStatus, mcpStatusLine, parseStatusOutput, type McpStatusOptions } from './mcp-status.js';
export { Poller, type PollEnd, type PollingSettings } from './poller.js';
export { TraceLog, type TraceKind } from './traces.js';
