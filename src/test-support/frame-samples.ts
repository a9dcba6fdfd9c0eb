import type { Frame } from '../protocol/index.js';

/**
 * A valid sample of every frame type (some of two shapes). Tests derive their matrices from this
 * list, and `frames.test.ts` fails when a frame type has no sample.
 */
export const FRAME_SAMPLES: Frame[] = [
  {
    type: 'hello',
    role: 'node',
    name: 'build-box',
    nodeId: 'n-0123456789abcdef',
    tags: ['linux', 'gpu'],
    version: '0.1.0',
    protocol: 1,
    capabilities: { slots: 2, executors: ['codex'], codexVersion: '0.169.0', chat: true },
    runningJobs: [3],
  },
  {
    type: 'welcome',
    id: 'c1',
    name: 'build-box',
    role: 'node',
    protocol: 1,
    serverVersion: '0.1.0',
    heartbeatIntervalSec: 15,
    maxPayloadBytes: 1048576,
  },
  { type: 'error', code: 'invalid_frame', message: 'invalid hello frame: name: Required', ref: 'hello' },
  { type: 'chat', text: 'hi all', from: { id: 'c1', name: 'build-box' } },
  {
    type: 'node_status',
    event: 'updated',
    node: {
      id: 'c1',
      name: 'build-box',
      tags: [],
      status: 'unresponsive',
      connectedAt: '2026-11-22T00:00:00.000Z',
      lastActivity: '2026-11-22T00:00:15.000Z',
      address: '127.0.0.1:50000',
      capabilities: { slots: 0, executors: [], chat: true },
    },
  },
  {
    type: 'command',
    source: { platform: 'telegram', chat_id: -100123, message_id: 7, message_thread_id: 3, user: 42, user_name: 'june' },
    text: '/status',
    raw_update: { update_id: 1, message: { message_id: 7, text: '/status' } },
  },
  {
    type: 'command',
    source: { platform: 'slack', channel: 'C1', thread_ts: '1.2', user: 'U1' },
    text: 'deploy',
    raw_event: { type: 'message', channel: 'C1', ts: '1.2' },
  },
  {
    type: 'response',
    target: { platform: 'slack', channel: 'C1', thread_ts: '1.2' },
    text: 'done',
    broadcast: true,
  },
  {
    type: 'job_assign',
    job: { id: 7, prompt: 'add a test', repo: 'acme/app', ref: 'main', profile: { model: 'gpt-5.5', sandbox: 'workspace-write' }, threadId: 't-1', attempt: 1, nextSeq: 1 },
  },
  { type: 'job_cancel', jobId: 7 },
  { type: 'job_cancel', jobId: 7, reason: 'superseded', message: 'job 7 was re-queued and runs as attempt 2 elsewhere' },
  { type: 'job_ack', jobId: 7, seq: 12 },
  {
    type: 'job_events',
    jobId: 7,
    attempt: 1,
    events: [
      { seq: 1, at: '2026-11-22T00:00:00.000Z', event: { kind: 'started', executor: 'codex' } },
      { seq: 2, at: '2026-11-22T00:00:01.000Z', event: { kind: 'command_finished', command: 'npm test', exitCode: 1, output: 'FAIL', durationMs: 900 } },
      { seq: 3, at: '2026-11-22T00:00:02.000Z', event: { kind: 'file_change', changes: [{ path: 'a.ts', kind: 'update', added: 3, removed: 1 }] } },
      {
        seq: 4,
        at: '2026-11-22T00:00:03.000Z',
        event: {
          kind: 'finished',
          result: {
            status: 'failed',
            finalMessage: 'tests fail',
            filesChanged: [{ path: 'a.ts', kind: 'update', added: 3, removed: 1 }],
            commands: [{ command: 'npm test', exitCode: 1 }],
            tokens: { input: 10, output: 5, total: 15 },
            durationMs: 3000,
            error: 'model error: rate limited',
            threadId: 't-1',
          },
        },
      },
    ],
  },
  {
    type: 'job_submit',
    requestId: 'r1',
    prompt: 'fix the build',
    node: 'build-box',
    repo: 'acme/app',
    continueFrom: 6,
    origin: { kind: 'telegram', chatId: -100123, messageId: 7, threadId: 3, bridge: 'bridge' },
  },
  { type: 'job_cancel_request', requestId: 'r2', jobId: 7 },
  { type: 'status_request', requestId: 'r3' },
  { type: 'job_follow', jobIds: [7, 8] },
  {
    type: 'job_update',
    requestId: 'r1',
    job: { id: 7, status: 'running', prompt: 'fix the build', node: 'build-box', createdAt: '2026-11-22T00:00:00.000Z', startedAt: '2026-11-22T00:00:01.000Z', lastSeq: 2 },
    events: [{ seq: 2, at: '2026-11-22T00:00:02.000Z', event: { kind: 'command_started', command: 'npm test' } }],
  },
  {
    type: 'status',
    requestId: 'r3',
    master: { version: '0.1.0', startedAt: '2026-11-22T00:00:00.000Z', queued: 1, active: 2 },
    nodes: [{ name: 'build-box', status: 'online', tags: ['linux'], slots: 2, running: [7] }],
  },
  {
    type: 'bridge_config',
    settings: {
      slack: { botToken: 'xoxb-1', defaultChannel: 'C1', allowedChannels: ['C1'], allowedUsers: [] },
      telegram: { parseMode: 'MarkdownV2', allowedChats: ['*'] },
    },
    savedAt: null,
  },
  { type: 'error', code: 'conflict', message: 'job 6 is still running', ref: 'job_submit', requestId: 'r1' },
];
