import { describe, expect, it } from 'vitest';
import { elicitationAnswer, parseElicitation, parseToolResult, toolCallParams, toolConfig } from './mcp-requests.js';

describe('MCP requests of the legacy transport', () => {
  it('starts a thread with tool `codex` and continues one with `codex-reply`', () => {
    const options = { cwd: '/w', prompt: 'go', sandbox: 'workspace-write', approvalPolicy: 'never', model: 'gpt-5.5' } as const;
    expect(toolCallParams(options, { model_provider: 'fake' })).toEqual({
      name: 'codex',
      arguments: { prompt: 'go', cwd: '/w', 'approval-policy': 'never', sandbox: 'workspace-write', model: 'gpt-5.5', config: { model_provider: 'fake' } },
    });
    expect(toolCallParams({ cwd: '/w', prompt: 'go' }, {})).toEqual({ name: 'codex', arguments: { prompt: 'go', cwd: '/w' } });
    expect(toolCallParams({ ...options, threadId: 't1', prompt: 'more' }, {})).toEqual({ name: 'codex-reply', arguments: { prompt: 'more', threadId: 't1' } });
  });

  it('passes -c overrides as config with their TOML values read', () => {
    expect(toolConfig({ model_provider: 'fake', 'model_providers.fake': '{ name = "fake", request_max_retries = 0 }', 'features.apps': 'false' })).toEqual({
      model_provider: 'fake',
      'model_providers.fake': { name: 'fake', request_max_retries: 0 },
      'features.apps': false,
    });
  });

  it('reads tool results as Codex 0.153.4 sends them', () => {
    expect(parseToolResult({ structuredContent: { threadId: 't1', content: 'DONE' }, content: [{ type: 'text', text: 'DONE' }] })).toEqual({ isError: false, text: 'DONE' });
    const refused = { isError: true, content: [{ type: 'text', text: 'Failed to parse configuration for Codex tool: unknown variant `untrusted`, expected `on-request` or `never`' }] };
    expect(parseToolResult(refused)).toEqual({ isError: true, text: refused.content[0]?.text });
  });

  it('reads approval elicitations and answers with a ReviewDecision', () => {
    const exec = {
      message: "Allow Codex to run `/bin/bash -lc 'echo hi > /tmp/escalated.txt'` in `/tmp/probe-Y102kN`?",
      requestedSchema: { type: 'object', properties: {} },
      threadId: '01a201ac-b601-7d80-ac25-68c2af35cb2d',
      codex_elicitation: 'exec-approval',
      codex_mcp_tool_call_id: '2',
      codex_event_id: '01a201ac-b612-7332-9bb9-8292ab5c70e8',
      codex_call_id: 'cx',
      codex_command: ['/bin/bash', '-lc', 'echo hi > /tmp/escalated.txt'],
      codex_cwd: '/tmp/probe-Y102kN',
      codex_parsed_cmd: [{ type: 'unknown', cmd: 'echo hi > /tmp/escalated.txt' }],
    };
    expect(parseElicitation(exec)).toEqual({
      requestId: '2',
      request: { kind: 'command', threadId: exec.threadId, turnId: exec.codex_event_id, itemId: 'cx', command: "/bin/bash -lc 'echo hi > /tmp/escalated.txt'", cwd: '/tmp/probe-Y102kN' },
    });
    const patch = { message: 'Allow Codex to apply proposed code changes?', requestedSchema: exec.requestedSchema, threadId: exec.threadId, codex_elicitation: 'patch-approval', codex_mcp_tool_call_id: '2', codex_event_id: exec.codex_event_id, codex_call_id: 'call_1', codex_changes: { '/x/outside.txt': { type: 'add', content: 'one\n' } } };
    expect(parseElicitation(patch).request).toEqual({ kind: 'file_change', threadId: exec.threadId, turnId: exec.codex_event_id, itemId: 'call_1' });
    expect(elicitationAnswer('decline')).toEqual({ decision: { denied: { rejection: "declined by the node's approval policy" } } });
    expect(elicitationAnswer('accept')).toEqual({ decision: 'approved' });
    expect(elicitationAnswer('cancel')).toEqual({ decision: 'abort' });
  });
});
