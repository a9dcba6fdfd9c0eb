export { ChatBridge, type AdapterFactory, type ChatBridgeOptions } from './chat-bridge.js';
export { GatewayError, MasterGateway, type GatewayUsage, type MasterGatewayOptions } from './master-gateway.js';
export { isoLanguage, OpenAiTranscriber } from './openai-transcriber.js';
export { MasterLink, type MasterLinkOptions } from './master-link.js';
export { listAllows, slackAccess, telegramAccess, type AdapterDeps, type PlatformAdapter } from './platform.js';
export { connectionKey, layerSettings, missingTokens } from './settings.js';
export { platformAdapters } from './adapters.js';
