import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnvironment } from '../config/index.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { CodexDriver, type CodexQuestion, type QuestionAnswer } from './index.js';

/**
 * A stand-in app-server whose turn sends the requests the real binary cannot be scripted to send
 * offline (an MCP elicitation, a user-input question, a method from a newer Codex), then reports
 * every reply it received, verbatim, as the turn's final message.
 */
const FAKE_SERVER = `
import { createInterface } from 'node:readline';
const out = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
const ids = { threadId: 'th1', turnId: 'tu1' };
const asks = [
  ['mcpServer/elicitation/request', { ...ids, serverName: 'github', mode: 'form', _meta: null, message: 'Which repo?', requestedSchema: { type: 'object', properties: { repo: { type: 'string' } } } }],
  ['mcpServer/elicitation/request', { ...ids, serverName: 'github', mode: 'form', _meta: null, message: 'Really?', requestedSchema: { type: 'object', properties: {} } }],
  ['item/tool/requestUserInput', { ...ids, itemId: 'i2', isBlocking: true, autoResolutionMs: null, questions: [{ id: 'q1', header: 'DB', question: 'Which database?', isOther: false, isSecret: false, options: [{ label: 'sqlite', description: '' }] }] }],
  ['item/commandExecution/requestApproval', { ...ids, itemId: 'i3', kind: 'command', startedAtMs: 1, environmentId: 'local', command: 'make', cwd: '/w', availableDecisions: ['accept', 'acceptForSession', 'decline', 'cancel'] }],
  ['item/future/askSomething', { ...ids, itemId: 'i4', wants: 'a new thing' }],
];
const replies = {};
let pending = asks.length;
createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  if (m.method === undefined) {
    replies[m.id] = m.error ? { error: { code: m.error.code } } : { result: m.result };
    if (--pending === 0) {
      out({ method: 'item/completed', params: { ...ids, item: { type: 'agentMessage', id: 'm1', text: JSON.stringify(replies) } } });
      out({ method: 'turn/completed', params: { threadId: 'th1', turn: { id: 'tu1', status: 'completed', error: null } } });
    }
    return;
  }
  switch (m.method) {
    case 'initialize': return out({ id: m.id, result: { userAgent: 'fake' } });
    case 'thread/start': return out({ id: m.id, result: { thread: { id: 'th1' } } });
    case 'turn/start':
      out({ id: m.id, result: { turn: { id: 'tu1' } } });
      out({ method: 'turn/started', params: { threadId: 'th1', turn: { id: 'tu1' } } });
      asks.forEach(([method, params], index) => out({ id: 'ask' + index, method, params }));
      return;
  }
});
`;

afterAll(removeTempDirs);

describe('CodexDriver answering questions on the wire', () => {
  it('sends each request the reply in its method’s shape, and an unknown method a JSON-RPC error', async () => {
    const script = join(tempDir('csc-fake-codex-'), 'fake-app-server.mjs');
    writeFileSync(script, FAKE_SERVER);
    const questions: CodexQuestion[] = [];
    const answers: Record<string, QuestionAnswer> = {
      'Which repo?': { decision: 'accept', content: { repo: 'a/b' } },
      'Really?': { decision: 'decline' },
    };
    const driver = new CodexDriver({
      baseEnv: childEnvironment(),
      command: process.execPath,
      args: [script],
      questionHandler: (question) => {
        questions.push(question);
        if (question.kind === 'elicitation') return Promise.resolve(answers[question.message] ?? { decision: 'cancel' });
        if (question.kind === 'user_input') return Promise.resolve({ decision: 'accept', answers: { q1: ['sqlite'] } });
        if (question.kind === 'command') return Promise.resolve({ decision: 'acceptForSession' });
        return Promise.resolve({ decision: 'accept' });
      },
    });
    try {
      const result = await driver.runTurn({ cwd: tempDir(), prompt: 'ask me' });
      expect(JSON.parse(result.finalMessage ?? 'null')).toStrictEqual({
        ask0: { result: { action: 'accept', content: { repo: 'a/b' }, _meta: null } },
        ask1: { result: { action: 'decline', content: null, _meta: null } },
        ask2: { result: { answers: { q1: { answers: ['sqlite'] } } } },
        ask3: { result: { decision: 'acceptForSession' } },
        ask4: { error: { code: -32601 } },
      });
      expect(questions.map((q) => q.kind).sort()).toEqual(['command', 'elicitation', 'elicitation', 'unknown', 'user_input']);
      expect(questions.find((q) => q.kind === 'unknown')).toStrictEqual({
        kind: 'unknown',
        method: 'item/future/askSomething',
        threadId: 'th1',
        turnId: 'tu1',
        itemId: 'i4',
        params: { threadId: 'th1', turnId: 'tu1', itemId: 'i4', wants: 'a new thing' },
        decisions: ['decline'],
      });
    } finally {
      await driver.close();
    }
  });
});
