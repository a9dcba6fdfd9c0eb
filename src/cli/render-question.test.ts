import { describe, expect, it } from 'vitest';
import type { JobQuestion } from '../protocol/index.js';
import { describeAnswer } from './render-job.js';
import { answerHint, questionDetails } from './render-question.js';

const at = '2026-12-01T10:00:00.000Z';
const base: { method: string; decisions: JobQuestion['decisions'] } = { method: 'm', decisions: ['accept', 'decline'] };

describe('questionDetails', () => {
  it("colours a patch as git does, an added file's content as additions and a deleted one's as removals", () => {
    const question: JobQuestion = {
      ...base,
      kind: 'file_change',
      id: 'a1q1',
      changes: [
        { path: 'a.ts', kind: 'update', diff: '@@ -1,2 +1,2 @@\n-old\n+new\n same\n', added: 1, removed: 1 },
        { path: 'b.md', kind: 'add', diff: 'one\ntwo\n', added: 2, removed: 0 },
        { path: 'c.md', kind: 'delete', diff: 'gone\n', added: 0, removed: 1 },
      ],
    };
    expect(questionDetails(question, true)).toEqual([
      '± update a.ts (+1 -1)',
      '\x1b[36m@@ -1,2 +1,2 @@\x1b[m',
      '\x1b[31m-old\x1b[m',
      '\x1b[32m+new\x1b[m',
      ' same',
      '± add b.md (+2 -0)',
      '\x1b[32m+one\x1b[m',
      '\x1b[32m+two\x1b[m',
      '± delete c.md (+0 -1)',
      '\x1b[31m-gone\x1b[m',
    ]);
  });

  it('shows at most 80 lines of a change, and says how many more there are', () => {
    const diff = Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n');
    const lines = questionDetails({ ...base, kind: 'file_change', id: 'a1q1', changes: [{ path: 'big.txt', kind: 'add', diff, added: 100, removed: 0 }] }, false);
    expect(lines).toHaveLength(81);
    expect(lines.at(-1)).toBe('… 21 more lines (csc job show has the whole question)');
  });

  it("shows a tool call's arguments, cut when long", () => {
    const [line] = questionDetails({ ...base, kind: 'tool_call', id: 'a1q1', tool: 'lookup', arguments: { q: 'x'.repeat(1000) } }, false);
    expect(line).toMatch(/^arguments: \{"q":"x+…$/);
    expect(line?.length).toBeLessThan(700);
  });
});

describe('answerHint', () => {
  it('names the commands (and flags) that answer each kind of question', () => {
    const command: JobQuestion = { kind: 'command', id: 'a1q1', method: 'm', decisions: ['accept', 'decline'] };
    expect(answerHint(3, command)).toBe('answer with: csc job approve 3 --question a1q1, or csc job deny 3 --question a1q1');
    expect(answerHint(3, { ...command, decisions: ['accept', 'acceptForSession', 'decline', 'cancel'] })).toBe(
      'answer with: csc job approve 3 --question a1q1 [--for-job], or csc job deny 3 --question a1q1 [--stop]',
    );
    expect(answerHint(3, { kind: 'unknown', id: 'a1q2', method: 'x/y', params: {}, decisions: ['decline'] })).toBe('deny with: csc job deny 3 --question a1q2');
  });
});

describe('describeAnswer', () => {
  it('says who decided, and how a question nobody answered or the node settled went', () => {
    expect(describeAnswer({ decision: 'acceptForSession' }, { via: 'telegram', name: 'Alice', at })).toBe('approved for this job by Alice (telegram)');
    expect(describeAnswer({ decision: 'accept', text: 'secret' }, { via: 'slack', userId: 'U1', at })).toBe('answered by U1 (slack)');
    expect(describeAnswer({ decision: 'decline' }, { via: 'timeout', at })).toBe('denied: nobody answered in time');
    expect(describeAnswer({ decision: 'decline' }, { via: 'node', at })).toBe('denied by the node');
    expect(describeAnswer({ decision: 'cancel' }, { via: 'cli', name: 'admin', at })).toBe('denied and stopped by admin (cli)');
  });
});
