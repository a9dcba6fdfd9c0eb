export { AppServerClient, type AppServerClientOptions, type ServerRequestHandler } from './app-server-client.js';
export { declineAll, type ApprovalPolicy, type ApprovalRequest } from './approvals.js';
export { defaultCodexCommand, readCodexVersion } from './codex-binary.js';
export { CodexDriver, type CodexDriverOptions, type DriverStatus, type RunTurnOptions } from './codex-driver.js';
export type { ApprovalMode, SandboxMode, TurnSettings } from './requests.js';
export {
  AppServerExitedError,
  CodexError,
  CodexStartError,
  DriverClosedError,
  JsonRpcError,
  ProtocolError,
  RequestTimeoutError,
  ThreadBusyError,
  UnsupportedServerRequestError,
  type ExitInfo,
} from './errors.js';
export { parseNotification, type ApprovalDecision, type CodexEvent, type FileChange, type FileChangeKind, type ItemStatus, type RoutedEvent, type TokenUsage, type TurnStatus } from './events.js';
export type { TurnResult } from './turn-run.js';
