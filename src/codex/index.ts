export { AppServerClient, type AppServerClientOptions, type SentRequest, type ServerRequestHandler } from './app-server-client.js';
export type { ApprovalRequest } from './approvals.js';
export {
  DECLINE,
  declineAll,
  DEFAULT_QUESTION_TIMEOUT_MS,
  type CodexQuestion,
  type CommandQuestion,
  type ElicitationQuestion,
  type FileChangeQuestion,
  type PermissionsQuestion,
  type QuestionAnswer,
  type QuestionDecision,
  type QuestionHandler,
  type QuestionKind,
  type ToolCallQuestion,
  type UnknownQuestion,
  type UserInputQuestion,
} from './questions.js';
export { QUESTION_METHODS, parseQuestion, replyTo } from './question-methods.js';
export { defaultCodexCommand, hasMcpServer, launcherArgs, readCodexVersion, type CodexSubcommand } from './codex-binary.js';
export { CODEX_VERSIONS, codexSupport, compareVersions, type CodexSupport } from './codex-support.js';
export { CodexDriver, type CodexDriverOptions } from './codex-driver.js';
export { McpCodexDriver, type McpCodexDriverOptions } from './mcp-driver.js';
export { CodexStartFailure, createDriver, startDriver, startVersioned, type CodexLaunch, type StartedCodex } from './launch.js';
export { explainStartFailure, type AccountStatus, type StartFailure, type StartFailureKind } from './start-failure.js';
export type { DriverStatus, RunTurnOptions, TurnDriver, TurnDriverOptions } from './turn-driver.js';
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
export { describePlan, describeRateLimit, isRateLimited, type RateLimitWindow, type TurnNotice } from './turn-notices.js';
export { IGNORED_NOTIFICATIONS } from './ignored-notifications.js';
