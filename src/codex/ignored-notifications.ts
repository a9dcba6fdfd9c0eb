/**
 * The app-server notifications we knowingly do not map, each with why: the answer to "what do we
 * not handle". Every notification of the running Codex is either parsed (`events.ts`,
 * `turn-notices.ts`), used by the driver itself (`DRIVER_NOTIFICATIONS`:
 * warnings it logs, `thread/closed`), or listed here; the drift check reports any other as new.
 */
const groups: ReadonlyArray<readonly [reason: string, methods: readonly string[]]> = [
  [
    'streamed while an item runs; the item\'s completion carries the whole of it',
    [
      'item/commandExecution/outputDelta',
      'item/fileChange/outputDelta',
      'item/fileChange/patchUpdated',
      'item/mcpToolCall/progress',
      'item/plan/delta',
      'item/reasoning/summaryPartAdded',
      'item/reasoning/summaryTextDelta',
      'item/reasoning/textDelta',
      'item/commandExecution/terminalInteraction',
    ],
  ],
  ['a thread\'s bookkeeping: jobs keep their own state', ['thread/started', 'thread/status/changed', 'thread/archived', 'thread/unarchived', 'thread/deleted', 'thread/compacted', 'thread/name/updated', 'thread/readState/changed', 'thread/settings/updated', 'thread/reverted', 'thread/queue/changed', 'thread/section/changed', 'thread/project/updated', 'thread/prediction/updated', 'thread/attachment/updated', 'thread/search/partial', 'thread/goal/updated', 'thread/goal/cleared', 'thread/environment/connected', 'thread/environment/disconnected']],
  ['realtime voice conversations, which jobs do not start', ['thread/realtime/started', 'thread/realtime/closed', 'thread/realtime/error', 'thread/realtime/itemAdded', 'thread/realtime/item/started', 'thread/realtime/item/completed', 'thread/realtime/item/transcript/delta', 'thread/realtime/transcript/delta', 'thread/realtime/transcript/done', 'thread/realtime/outputAudio/delta', 'thread/realtime/sdp']],
  ['answers to client requests we never send (fuzzy search, command/exec, processes, imports, app lists)', ['fuzzyFileSearch/sessionUpdated', 'fuzzyFileSearch/sessionCompleted', 'command/exec/outputDelta', 'process/outputDelta', 'process/exited', 'externalAgentConfig/import/progress', 'externalAgentConfig/import/completed', 'app/list/updated', 'fs/changed', 'skills/changed', 'project/changed']],
  ['account and login flows of the interactive clients; a node is logged in before it runs jobs', ['account/updated', 'account/login/completed', 'account/gatewayOAuth/changed', 'mcpServer/oauthLogin/completed', 'modelProvider/authRecoveryStarted', 'modelProvider/authRecoveryCompleted', 'remoteControl/status/changed']],
  ['settled by our own answer: a question ends when we reply to it', ['serverRequest/resolved']],
  ['Codex\'s automatic approval reviewer and guardian, which jobs do not enable', ['item/autoApprovalReview/started', 'item/autoApprovalReview/completed', 'autoApprovalReview/strictReviewRequired', 'guardianWarning']],
  ['hooks and MCP servers of the user\'s own Codex configuration: their effects show up as items', ['hook/started', 'hook/completed', 'mcpServer/startupStatus/updated', 'mcpServer/event/stream/notification']],
  ['model-side bookkeeping with nothing for a job log to say', ['model/safetyBuffering/updated', 'model/verification', 'turn/moderationMetadata']],
  ['Windows only', ['windows/worldWritableWarning', 'windowsSandbox/setupCompleted']],
];

/** Ignored notification → why it is ignored. */
export const IGNORED_NOTIFICATIONS: ReadonlyMap<string, string> = new Map(groups.flatMap(([reason, methods]) => methods.map((method) => [method, reason] as const)));

/** Warnings about the Codex process itself (its configuration, deprecations), which the node logs. */
export const PROCESS_WARNINGS: ReadonlySet<string> = new Set(['configWarning', 'deprecationNotice', 'warning']);

/** Notifications the driver acts on without mapping them to events. */
export const DRIVER_NOTIFICATIONS: ReadonlySet<string> = new Set([...PROCESS_WARNINGS, 'thread/closed']);
