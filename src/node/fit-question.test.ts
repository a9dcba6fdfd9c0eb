import { describe, expect, it } from 'vitest';
import { JobQuestionSchema, type JobQuestion } from '../protocol/index.js';
import { encodedBytes } from './fit-event.js';
import { cutText, fitQuestion, MAX_QUESTION_DIFF_CHARS, MAX_QUESTION_STRING_CHARS } from './fit-question.js';

const MIB = 1024 * 1024;
const base = { id: 'a1q1', threadId: 't1', turnId: 'u1', itemId: 'i1' };

function fileChange(files: number, diffChars: number): Extract<JobQuestion, { kind: 'file_change' }> {
  const changes = Array.from({ length: files }, (_, i) => ({ path: `/w/file-${i}.txt`, kind: 'update' as const, diff: 'd'.repeat(diffChars), added: 1, removed: 1 }));
  return { ...base, kind: 'file_change', method: 'item/fileChange/requestApproval', changes, decisions: ['accept', 'acceptForSession', 'decline', 'cancel'] };
}

/** The question is one the master takes (its schema) and fits the frame as an event. */
function expectForwardable(question: JobQuestion, frameBytes: number): void {
  expect(JobQuestionSchema.safeParse(question).success).toBe(true);
  expect(encodedBytes({ seq: 1_000_000, at: new Date().toISOString(), event: { kind: 'question', question } }) + 100).toBeLessThanOrEqual(frameBytes);
}

describe('cutText', () => {
  it('keeps short text, and cuts long text to the cap with a note of what was left out', () => {
    expect(cutText('short', 10)).toBe('short');
    const cut = cutText('x'.repeat(1000), 200, 'why');
    expect(cut.length).toBeLessThanOrEqual(200);
    expect(cut).toMatch(/^x+\n\[… \d+ more characters left out by the node: why\]$/);
    expect(cut.indexOf('\n') + Number(/… (\d+)/.exec(cut)?.[1])).toBe(1000);
  });

  it('never splits a surrogate pair', () => {
    // One of two neighbouring caps would end the kept text inside a pair.
    for (const max of [101, 102]) {
      const kept = cutText('😀'.repeat(100), max).split('\n')[0] ?? '';
      expect(kept).toBe('😀'.repeat(kept.length / 2));
    }
  });
});

describe('fitQuestion', () => {
  it('forwards an ordinary question as it is', () => {
    const question: JobQuestion = { ...base, kind: 'command', method: 'item/commandExecution/requestApproval', command: 'make test', cwd: '/w', reason: 'needs network', decisions: ['accept', 'decline'] };
    expect(fitQuestion(question, MIB)).toStrictEqual(question);
  });

  it('shares the diff budget among the files in order, and says where it ran out', () => {
    const question = fitQuestion(fileChange(3, 40 * 1024), MIB);
    if (question.kind !== 'file_change') throw new Error('kind changed');
    const [first, second, third] = question.changes.map((c) => c.diff ?? '');
    expect(first).toBe('d'.repeat(40 * 1024));
    expect(second).toMatch(/\n\[… \d+ more characters left out by the node: it forwards at most 64 KiB of diffs per question\]$/);
    expect((first ?? '').length + (second ?? '').length).toBeLessThanOrEqual(MAX_QUESTION_DIFF_CHARS);
    expect(third).toMatch(/^\n\[… 40960 more characters left out/);
    expect(question.changes.map((c) => [c.path, c.added, c.removed])).toEqual([0, 1, 2].map((i) => [`/w/file-${i}.txt`, 1, 1]));
    expectForwardable(question, MIB);
  });

  it("keeps within the protocol's caps: at most 1000 files, a reason of 10 000 characters, ids of 200", () => {
    const long = { ...fileChange(1500, 10), reason: 'r'.repeat(20_000), itemId: 'i'.repeat(500) };
    const question = fitQuestion(long, MIB);
    if (question.kind !== 'file_change') throw new Error('kind changed');
    expect(question.changes).toHaveLength(1000);
    expect(question.reason).toMatch(/\[the node left out 500 more files: it forwards at most 1000\]$/);
    expect(question.itemId?.length).toBeLessThanOrEqual(200);
    expectForwardable(question, MIB);
  });

  it('cuts any other long string, nested ones too', () => {
    const question = fitQuestion(
      { ...base, kind: 'tool_call', method: 'item/tool/call', tool: 'search', arguments: { query: 'q'.repeat(100_000), list: ['l'.repeat(MAX_QUESTION_STRING_CHARS + 1)] }, decisions: ['accept', 'decline'] },
      MIB,
    );
    const args = (question.kind === 'tool_call' ? question.arguments : undefined) as { query: string; list: string[] };
    expect(args.query.length).toBeLessThanOrEqual(MAX_QUESTION_STRING_CHARS);
    expect(args.list[0]?.length).toBeLessThanOrEqual(MAX_QUESTION_STRING_CHARS);
    expect(args.query).toContain('more characters left out by the node');
  });

  it("cuts every string further to fit a small frame, and keeps the question's answerable parts", () => {
    const frame = 16 * 1024;
    const question = fitQuestion({ ...fileChange(4, 30 * 1024), reason: 'r'.repeat(9000) }, frame);
    expectForwardable(question, frame);
    expect(question).toMatchObject({ id: 'a1q1', kind: 'file_change', decisions: ['accept', 'acceptForSession', 'decline', 'cancel'] });
    expect(question.kind === 'file_change' && question.changes).toHaveLength(4);
  });

  it('drops the details of a question that does not fit even then, and says so', () => {
    const frame = 8 * 1024;
    const question = fitQuestion(fileChange(1000, 10), frame);
    expectForwardable(question, frame);
    expect(question).toMatchObject({ kind: 'file_change', changes: [], reason: expect.stringContaining("the node left out this question's details") as string });
  });
});
