import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../log/index.js';
import { UnsupportedServerRequestError } from './errors.js';
import { parseQuestion, QUESTION_METHODS, replyTo } from './question-methods.js';
import { ask, declineAll, turnPolicy, type CodexQuestion, type QuestionAnswer } from './questions.js';

const ids = { threadId: 't1', turnId: 'u1', itemId: 'i1' };
const accept: QuestionAnswer = { decision: 'accept' };
const session: QuestionAnswer = { decision: 'acceptForSession' };
const decline: QuestionAnswer = { decision: 'decline' };
const cancel: QuestionAnswer = { decision: 'cancel' };
const REFUSED = 'refused';

interface Row {
  /** Params as Codex 0.169 sends them (shapes from `codex app-server generate-ts`). */
  params: unknown;
  question: Partial<CodexQuestion>;
  /** Each answer and the exact JSON reply, or `REFUSED` for a JSON-RPC error. */
  replies: Array<[QuestionAnswer, unknown]>;
}

const permissionsAsked = { network: { enabled: true }, fileSystem: null };

/** One row per method of `QUESTION_METHODS`: a method added there must add its row here. */
const TABLE: Record<string, Row> = {
  'item/commandExecution/requestApproval': {
    params: { kind: 'command', ...ids, startedAtMs: 1, approvalId: null, environmentId: null, reason: 'needs network', command: 'curl example.com', cwd: '/w', commandActions: [] },
    question: { kind: 'command', command: 'curl example.com', cwd: '/w', reason: 'needs network', action: 'command', decisions: ['accept', 'acceptForSession', 'decline', 'cancel'] },
    replies: [
      [accept, { decision: 'accept' }],
      [session, { decision: 'acceptForSession' }],
      [decline, { decision: 'decline' }],
      [cancel, { decision: 'cancel' }],
    ],
  },
  'item/fileChange/requestApproval': {
    params: { ...ids, startedAtMs: 1, reason: 'outside the workspace', grantRoot: '/etc' },
    question: { kind: 'file_change', reason: 'outside the workspace', grantRoot: '/etc', changes: [], decisions: ['accept', 'acceptForSession', 'decline', 'cancel'] },
    replies: [
      [accept, { decision: 'accept' }],
      [session, { decision: 'acceptForSession' }],
      [decline, { decision: 'decline' }],
      [cancel, { decision: 'cancel' }],
    ],
  },
  'item/permissions/requestApproval': {
    params: { ...ids, environmentId: null, startedAtMs: 1, cwd: '/w', reason: 'fetch deps', permissions: permissionsAsked },
    question: { kind: 'permissions', cwd: '/w', reason: 'fetch deps', permissions: permissionsAsked, decisions: ['accept', 'acceptForSession', 'decline'] },
    replies: [
      [accept, { permissions: { network: { enabled: true } }, scope: 'turn' }],
      [session, { permissions: { network: { enabled: true } }, scope: 'session' }],
      [decline, { permissions: {}, scope: 'turn' }],
      [cancel, { permissions: {}, scope: 'turn' }],
    ],
  },
  'item/tool/requestUserInput': {
    params: {
      ...ids,
      isBlocking: true,
      autoResolutionMs: null,
      questions: [
        { id: 'q1', header: 'Database', question: 'Which database?', isOther: true, isSecret: false, options: [{ label: 'sqlite', description: 'a file' }, { label: 'postgres', description: 'a server' }] },
        { id: 'q2', header: 'Name', question: 'Its name?', isOther: false, isSecret: false, options: null },
      ],
    },
    question: {
      kind: 'user_input',
      questions: [
        { id: 'q1', header: 'Database', question: 'Which database?', isOther: true, isSecret: false, options: [{ label: 'sqlite', description: 'a file' }, { label: 'postgres', description: 'a server' }] },
        { id: 'q2', header: 'Name', question: 'Its name?', isOther: false, isSecret: false, options: [] },
      ],
      decisions: ['accept', 'decline'],
    },
    replies: [
      [{ decision: 'accept', answers: { q1: ['sqlite'], q2: ['app'] } }, { answers: { q1: { answers: ['sqlite'] }, q2: { answers: ['app'] } } }],
      [{ decision: 'accept', answers: { q1: ['postgres'] }, text: 'x' }, { answers: { q1: { answers: ['postgres'] }, q2: { answers: ['x'] } } }],
      [decline, { answers: {} }],
      [cancel, { answers: {} }],
    ],
  },
  'mcpServer/elicitation/request': {
    params: { threadId: 't1', turnId: 'u1', serverName: 'github', mode: 'form', _meta: null, message: 'Which repo?', requestedSchema: { type: 'object', properties: { repo: { type: 'string' } }, required: ['repo'] } },
    question: { kind: 'elicitation', serverName: 'github', mode: 'form', message: 'Which repo?', requestedSchema: { type: 'object', properties: { repo: { type: 'string' } }, required: ['repo'] }, decisions: ['accept', 'decline', 'cancel'] },
    replies: [
      [{ decision: 'accept', content: { repo: 'a/b' } }, { action: 'accept', content: { repo: 'a/b' }, _meta: null }],
      [accept, { action: 'accept', content: {}, _meta: null }],
      [decline, { action: 'decline', content: null, _meta: null }],
      [cancel, { action: 'cancel', content: null, _meta: null }],
    ],
  },
  'item/tool/call': {
    params: { threadId: 't1', turnId: 'u1', callId: 'c1', namespace: null, tool: 'lookup', arguments: { q: 1 } },
    question: { kind: 'tool_call', itemId: 'c1', tool: 'lookup', arguments: { q: 1 }, decisions: ['accept', 'decline'] },
    replies: [
      [{ decision: 'accept', text: 'found' }, { contentItems: [{ type: 'inputText', text: 'found' }], success: true }],
      [decline, { contentItems: [{ type: 'inputText', text: 'the client declined this tool call' }], success: false }],
    ],
  },
  applyPatchApproval: {
    params: { conversationId: 't1', callId: 'c1', reason: null, grantRoot: null, fileChanges: { 'a.txt': { type: 'add', content: 'one\ntwo\n' }, 'b.txt': { type: 'update', unified_diff: '@@ -1 +1 @@\n-x\n+y\n', move_path: null } } },
    question: {
      kind: 'file_change',
      threadId: 't1',
      itemId: 'c1',
      changes: [
        { path: 'a.txt', kind: 'add', added: 2, removed: 0, diff: 'one\ntwo\n' },
        { path: 'b.txt', kind: 'update', added: 1, removed: 1, diff: '@@ -1 +1 @@\n-x\n+y\n' },
      ],
    },
    replies: [
      [accept, { decision: 'approved' }],
      [session, { decision: 'approved_for_session' }],
      [decline, { decision: { denied: { rejection: 'declined' } } }],
      [cancel, { decision: 'abort' }],
    ],
  },
  execCommandApproval: {
    params: { conversationId: 't1', callId: 'c1', approvalId: null, command: ['ls', '-la'], cwd: '/w', reason: null, parsedCmd: [] },
    question: { kind: 'command', threadId: 't1', itemId: 'c1', command: 'ls -la', cwd: '/w' },
    replies: [
      [accept, { decision: 'approved' }],
      [{ decision: 'decline', text: 'not now' }, { decision: { denied: { rejection: 'not now' } } }],
    ],
  },
  'account/chatgptAuthTokens/refresh': { params: { reason: 'unauthorized' }, question: { kind: 'unknown' }, replies: [[accept, REFUSED], [decline, REFUSED]] },
  'attestation/generate': { params: {}, question: { kind: 'unknown' }, replies: [[decline, REFUSED]] },
};

describe('questions', () => {
  it('has a test row for every method it knows, and knows every row', () => {
    expect(Object.keys(TABLE).sort()).toEqual(Object.keys(QUESTION_METHODS).sort());
  });

  for (const [method, row] of Object.entries(TABLE)) {
    describe(method, () => {
      it('parses the question', () => {
        expect(parseQuestion(method, row.params)).toMatchObject({ method, ...row.question });
      });
      it.each(row.replies.map(([answer, reply]) => [answer.decision, answer, reply] as const))('answers %s in the exact shape', (_decision, answer, reply) => {
        const question = parseQuestion(method, row.params);
        if (reply === REFUSED) expect(() => replyTo(question, answer)).toThrow(UnsupportedServerRequestError);
        else expect(replyTo(question, answer)).toStrictEqual(reply);
      });
    });
  }

  it('never answers an elicitation with an empty object', () => {
    const question = parseQuestion('mcpServer/elicitation/request', TABLE['mcpServer/elicitation/request']?.params);
    for (const decision of ['accept', 'acceptForSession', 'decline', 'cancel'] as const) {
      expect(replyTo(question, { decision })).toHaveProperty('action');
    }
  });

  it('declines an approval decision Codex did not offer', () => {
    const amendment = { acceptWithExecpolicyAmendment: { execpolicy_amendment: ['rm', '-rf', '/'] } };
    const question = parseQuestion('item/commandExecution/requestApproval', { ...ids, command: 'rm -rf /', availableDecisions: ['accept', amendment, 'cancel'] });
    expect(question.decisions).toEqual(['accept', 'cancel']);
    expect(replyTo(question, session)).toStrictEqual({ decision: 'decline' });
    expect(replyTo(question, decline)).toStrictEqual({ decision: 'decline' });
    expect(replyTo(question, cancel)).toStrictEqual({ decision: 'cancel' });
  });

  it('forwards a method it does not know, with its raw params, and refuses it with an error', () => {
    const params = { threadId: 't1', turnId: 'u1', itemId: 'i9', wants: 'something new' };
    const question = parseQuestion('item/somethingNew/request', params);
    expect(question).toStrictEqual({ kind: 'unknown', method: 'item/somethingNew/request', threadId: 't1', turnId: 'u1', itemId: 'i9', params, decisions: ['decline'] });
    expect(() => replyTo(question, accept)).toThrow(UnsupportedServerRequestError);
  });

  it('forwards a known method whose params changed shape as unknown', () => {
    const question = parseQuestion('item/fileChange/requestApproval', { threadId: 't1' });
    expect(question.kind).toBe('unknown');
    expect(() => replyTo(question, accept)).toThrow(UnsupportedServerRequestError);
  });
});

describe('ask', () => {
  const question = parseQuestion('item/commandExecution/requestApproval', { ...ids, command: 'ls' });

  it('returns the handler answer', async () => {
    await expect(ask(() => Promise.resolve(session), question, silentLogger())).resolves.toEqual(session);
  });

  it('declines when the handler throws or answers nonsense', async () => {
    await expect(ask(() => Promise.reject(new Error('bug')), question, silentLogger())).resolves.toEqual({ decision: 'decline' });
    await expect(ask(() => { throw new Error('sync bug'); }, question, silentLogger())).resolves.toEqual({ decision: 'decline' });
    await expect(ask(() => Promise.resolve({ decision: 'yes' } as unknown as QuestionAnswer), question, silentLogger())).resolves.toEqual({ decision: 'decline' });
  });

  it('declines when the handler takes too long, and aborts its signal', async () => {
    let signal: AbortSignal | undefined;
    const answer = await ask((_q, options) => ((signal = options.signal), new Promise<QuestionAnswer>(() => undefined)), question, silentLogger(), 20);
    expect(answer).toEqual({ decision: 'decline' });
    expect(signal?.aborted).toBe(true);
  });

  it('declines at once when the question is settled elsewhere (its turn ended)', async () => {
    const settled = new AbortController();
    let signal: AbortSignal | undefined;
    const answer = ask((_q, options) => ((signal = options.signal), new Promise<QuestionAnswer>(() => undefined)), question, silentLogger(), 60_000, settled.signal);
    settled.abort();
    await expect(answer).resolves.toEqual({ decision: 'decline' });
    expect(signal?.aborted).toBe(true);
  });

  it('sets no limit with an infinite timeout: only the handler or the settled signal ends it', async () => {
    vi.useFakeTimers();
    try {
      const settled = new AbortController();
      let answer: QuestionAnswer | undefined;
      void ask(() => new Promise<QuestionAnswer>(() => undefined), question, silentLogger(), Infinity, settled.signal).then((a) => (answer = a));
      await vi.advanceTimersByTimeAsync(30 * 24 * 3600_000);
      expect(answer).toBeUndefined();
      settled.abort();
      await vi.advanceTimersByTimeAsync(0);
      expect(answer).toEqual({ decision: 'decline' });
    } finally {
      vi.useRealTimers();
    }
  });

  it('declines an answer outside the protocol (a text longer than it carries)', async () => {
    await expect(ask(() => Promise.resolve({ decision: 'accept', text: 'x'.repeat(10_001) }), question, silentLogger())).resolves.toEqual({ decision: 'decline' });
  });
});

describe('turnPolicy', () => {
  it("takes the turn's handler and timeout where it has them, each on its own", () => {
    const driver = { handler: declineAll, timeoutMs: 1000 };
    const own = () => Promise.resolve(accept);
    expect(turnPolicy({}, driver)).toStrictEqual(driver);
    expect(turnPolicy({ onQuestion: own }, driver)).toStrictEqual({ handler: own, timeoutMs: 1000 });
    expect(turnPolicy({ questionTimeoutMs: Infinity }, driver)).toStrictEqual({ handler: declineAll, timeoutMs: Infinity });
  });
});
