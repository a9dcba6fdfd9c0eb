import { afterAll, describe, expect, it } from 'vitest';
import { ASK_IDS, writeAskingAppServer, type Ask } from '../test-support/asking-app-server.js';
import { childEnvironment } from '../config/index.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { CodexDriver, type CodexQuestion, type QuestionAnswer } from './index.js';

/** What the stand-in app-server asks in its turn. */
const ASKS: Ask[] = [
  ['mcpServer/elicitation/request', { ...ASK_IDS, serverName: 'github', mode: 'form', _meta: null, message: 'Which repo?', requestedSchema: { type: 'object', properties: { repo: { type: 'string' } } } }],
  ['mcpServer/elicitation/request', { ...ASK_IDS, serverName: 'github', mode: 'form', _meta: null, message: 'Really?', requestedSchema: { type: 'object', properties: {} } }],
  ['item/tool/requestUserInput', { ...ASK_IDS, itemId: 'i2', isBlocking: true, autoResolutionMs: null, questions: [{ id: 'q1', header: 'DB', question: 'Which database?', isOther: false, isSecret: false, options: [{ label: 'sqlite', description: '' }] }] }],
  ['item/commandExecution/requestApproval', { ...ASK_IDS, itemId: 'i3', kind: 'command', startedAtMs: 1, environmentId: 'local', command: 'make', cwd: '/w', availableDecisions: ['accept', 'acceptForSession', 'decline', 'cancel'] }],
  ['item/future/askSomething', { ...ASK_IDS, itemId: 'i4', wants: 'a new thing' }],
];;

afterAll(removeTempDirs);

describe('CodexDriver answering questions on the wire', () => {
  it('sends each request the reply in its method’s shape, and an unknown method a JSON-RPC error', async () => {
    const script = writeAskingAppServer(ASKS);
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
