import { describe, expect, it } from 'vitest';
import { parseMcpEvent } from './mcp-events.js';

/** `codex/event` params as Codex 0.153.4 sent them (`rate_limits` left out), captured against the stand-in. */
const meta = { requestId: 2, threadId: '01a201aa-f147-7ae3-a172-a04f2fbbfd68' };
const turnId = '01a201aa-f153-7b62-b8c8-d877e1b8a376';
const captured = (msg: Record<string, unknown>) => ({ _meta: meta, msg, id: turnId });
const usage = { input_tokens: 10, cached_input_tokens: 0, cache_write_input_tokens: 0, output_tokens: 5, reasoning_output_tokens: 0, total_tokens: 15 };
const at = { requestId: '2', threadId: meta.threadId, turnId };

describe('parseMcpEvent (shapes of Codex 0.153.4)', () => {
  it('maps the start and the end of a turn, routed by tool call and thread', () => {
    const started = captured({ type: 'task_started', turn_id: turnId, started_at: 1795324309, model_context_window: 258400, collaboration_mode_kind: 'default' });
    expect(parseMcpEvent(started)).toEqual({ ...at, event: { type: 'turn_started', threadId: meta.threadId, turnId } });
    const complete = captured({ type: 'task_complete', turn_id: turnId, last_agent_message: 'DONE', started_at: 1795324309, completed_at: 1795324310, duration_ms: 738, time_to_first_token_ms: 64 });
    expect(parseMcpEvent(complete).event).toEqual({ type: 'turn_completed', status: 'completed' });
    const aborted = captured({ type: 'turn_aborted', turn_id: turnId, reason: 'interrupted', started_at: 1795324320, completed_at: 1795324321, duration_ms: 162 });
    expect(parseMcpEvent(aborted).event).toEqual({ type: 'turn_completed', status: 'interrupted' });
  });

  it('maps a command with its argv, its file-URL cwd, exit code, output and duration', () => {
    const command = ['/bin/bash', '-lc', 'echo hi > out.txt'];
    const common = { call_id: 'call_1', process_id: '41970', turn_id: turnId, command, cwd: 'file:///tmp/probe-TlBB1T', parsed_cmd: [{ type: 'unknown', cmd: 'echo hi > out.txt' }], source: 'unified_exec_startup' };
    expect(parseMcpEvent(captured({ type: 'exec_command_begin', ...common, started_at_ms: 1795324310085 })).event).toEqual({
      type: 'command_started',
      itemId: 'call_1',
      command: "/bin/bash -lc 'echo hi > out.txt'",
      cwd: '/tmp/probe-TlBB1T',
    });
    const output = "pyenv: cannot rehash: /root/.pyenv/shims isn't writable\n";
    const end = { type: 'exec_command_end', ...common, completed_at_ms: 1795324310086, stdout: output, stderr: '', aggregated_output: output, exit_code: 0, duration: { secs: 0, nanos: 4575 }, formatted_output: output, status: 'completed' };
    expect(parseMcpEvent(captured(end)).event).toEqual({ type: 'command_finished', itemId: 'call_1', command: "/bin/bash -lc 'echo hi > out.txt'", cwd: '/tmp/probe-TlBB1T', status: 'completed', exitCode: 0, output, durationMs: 0 });
    const failed = { ...end, command: ['/bin/bash', '-lc', 'echo oops >&2; exit 3'], aggregated_output: '', exit_code: 3, duration: { secs: 1, nanos: 4708727 }, status: 'failed' };
    expect(parseMcpEvent(captured(failed)).event).toMatchObject({ command: "/bin/bash -lc 'echo oops >&2; exit 3'", status: 'failed', exitCode: 3, durationMs: 1005 });
  });

  it('maps applied patches to file changes with line counts', () => {
    const path = '/tmp/probe-TlBB1T/notes.txt';
    const added = { type: 'patch_apply_end', call_id: 'call_3', turn_id: turnId, stdout: 'Success. Updated the following files:\nA notes.txt\n', stderr: '', success: true, changes: { [path]: { type: 'add', content: 'one\ntwo\n' } }, status: 'completed' };
    expect(parseMcpEvent(captured(added)).event).toEqual({ type: 'file_change', itemId: 'call_3', status: 'completed', changes: [{ path, kind: 'add', diff: 'one\ntwo\n', added: 2, removed: 0 }] });
    const updated = { ...added, call_id: 'call_5', changes: { [path]: { type: 'update', unified_diff: '@@ -1,2 +1,2 @@\n-one\n+ONE\n two\n', move_path: null } } };
    expect(parseMcpEvent(captured(updated)).event).toMatchObject({ type: 'file_change', changes: [{ path, kind: 'update', added: 1, removed: 1 }] });
    const declined = { ...added, stdout: '', stderr: 'declined by policy', success: false, status: 'declined' };
    expect(parseMcpEvent(captured(declined)).event).toMatchObject({ type: 'file_change', status: 'declined' });
    const begin = { type: 'patch_apply_begin', call_id: 'call_3', turn_id: turnId, auto_approved: true, changes: added.changes };
    expect(parseMcpEvent(captured(begin)).event).toEqual({ type: 'other', method: 'codex/event/patch_apply_begin' });
  });

  it('maps messages, streamed deltas and token counts', () => {
    expect(parseMcpEvent(captured({ type: 'agent_message', message: 'DONE', phase: null, memory_citation: null })).event).toEqual({ type: 'agent_message', itemId: '', text: 'DONE' });
    const delta = { type: 'agent_message_content_delta', thread_id: meta.threadId, turn_id: turnId, item_id: 'msg_7', delta: 'DO' };
    expect(parseMcpEvent(captured(delta)).event).toEqual({ type: 'agent_message_delta', itemId: 'msg_7', delta: 'DO' });
    const tokens = { type: 'token_count', info: { total_token_usage: { ...usage, input_tokens: 30, total_tokens: 35 }, last_token_usage: usage, model_context_window: 258400 } };
    expect(parseMcpEvent(captured(tokens)).event).toEqual({
      type: 'token_usage',
      last: { inputTokens: 10, cachedInputTokens: 0, outputTokens: 5, reasoningOutputTokens: 0, totalTokens: 15 },
      total: { inputTokens: 30, cachedInputTokens: 0, outputTokens: 5, reasoningOutputTokens: 0, totalTokens: 35 },
      modelContextWindow: 258400,
    });
    // Sent after a cancel, before any model answer.
    expect(parseMcpEvent(captured({ type: 'token_count', info: null })).event).toEqual({ type: 'other', method: 'codex/event/token_count' });
  });

  it("keeps Codex's error message and names its category as the app-server does", () => {
    const error = { type: 'error', message: "We're currently experiencing high demand, which may cause temporary errors.", codex_error_info: 'internal_server_error' };
    expect(parseMcpEvent(captured(error)).event).toEqual({ type: 'error', message: error.message, code: 'internalServerError', willRetry: false });
    const retry = { type: 'stream_error', message: 'Reconnecting... waiting for network', codex_error_info: { response_stream_disconnected: { http_status_code: null } }, additional_details: 'Connection failed: error sending request' };
    expect(parseMcpEvent(captured(retry)).event).toEqual({
      type: 'error',
      message: 'Reconnecting... waiting for network (Connection failed: error sending request)',
      code: 'responseStreamDisconnected',
      willRetry: true,
    });
  });

  it('turns unused and malformed events into `other`, and never throws', () => {
    const configured = { _meta: meta, msg: { type: 'session_configured', session_id: meta.threadId, model: 'gpt-5.5' }, id: '' };
    expect(parseMcpEvent(configured)).toEqual({ requestId: '2', threadId: meta.threadId, event: { type: 'other', method: 'codex/event/session_configured' } });
    const broken = parseMcpEvent(captured({ type: 'exec_command_end', call_id: 'c1' }));
    expect(broken.event).toEqual({ type: 'other', method: 'codex/event/exec_command_end' });
    expect(broken.malformed).toBeInstanceOf(Error);
    expect(parseMcpEvent('not an event')).toMatchObject({ event: { type: 'other', method: 'codex/event' }, malformed: expect.any(Error) as Error });
  });
});
