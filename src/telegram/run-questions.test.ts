import { describe, expect, it } from 'vitest';
import type { CodexQuestion } from '../codex/index.js';
import type { JobEvent } from '../protocol/index.js';
import { waitFor } from '../test-support/wait.js';
import { RunDeadline } from './run-deadline.js';
import { RunQuestions } from './run-questions.js';

const command: CodexQuestion = { kind: 'command', method: 'item/commandExecution/requestApproval', command: 'make', decisions: ['accept', 'decline'] };
const june = { platform: 'telegram' as const, chatId: '5', userId: '7', userName: 'june' };

function questions(timeoutSec = 60) {
  const events: JobEvent[] = [];
  const waiting: boolean[] = [];
  const run = new RunQuestions({ jobId: 3, origin: { kind: 'telegram', chatId: '5', userId: '7' }, allowedUsers: ['7', '8'], timeoutSec, emit: (e) => events.push(e), waiting: (w) => waiting.push(w) });
  return { run, events, waiting };
}

describe("the runner's questions", () => {
  it('takes the first answer from the run\'s chat and tells later ones who decided', async () => {
    const { run, events, waiting } = questions();
    const asked = run.ask(command, new AbortController().signal);
    expect(run.states).toMatchObject([{ question: { id: 'a1q1', kind: 'command' }, status: 'pending', attempt: 1 }]);
    expect(run.answer('a1q1', { decision: 'accept' }, { ...june, chatId: '6' })).toMatchObject({ outcome: 'refused' });
    expect(run.answer('a1q1', { decision: 'accept' }, { ...june, userId: '9' })).toMatchObject({ outcome: 'refused' });
    expect(run.answer('a1q9', { decision: 'accept' }, june)).toMatchObject({ outcome: 'not_found' });
    expect(run.answer('a1q1', { decision: 'accept' }, june)).toMatchObject({ outcome: 'answered', message: 'Job #3: approved once.', state: { status: 'answered', by: { via: 'telegram', name: 'june' } } });
    expect(run.answer('a1q1', { decision: 'decline' }, { ...june, userId: '8', userName: 'ann' })).toMatchObject({ outcome: 'already_decided', message: 'Already decided: approved once by june.' });
    await expect(asked).resolves.toEqual({ decision: 'accept' });
    expect(events.map((e) => e.kind)).toEqual(['question', 'answer']);
    expect(waiting).toEqual([true, false]);
  });

  it('declines on timeout and when the turn ends first', async () => {
    const { run, events } = questions(0.1);
    await expect(run.ask(command, new AbortController().signal)).resolves.toEqual({ decision: 'decline' });
    const turn = new AbortController();
    const moot = run.ask(command, turn.signal);
    turn.abort();
    await expect(moot).resolves.toEqual({ decision: 'decline' });
    expect(events.filter((e) => e.kind === 'answer').map((e) => e.kind === 'answer' && e.by.via)).toEqual(['timeout', 'runner']);
    expect(run.states.map((s) => s.status)).toEqual(['answered', 'answered']);
  });
});

describe('the run time limit', () => {
  it('does not count paused time', async () => {
    let expired = 0;
    const deadline = new RunDeadline(150, () => expired++);
    deadline.pause();
    const paused = Date.now();
    await waitFor(() => Date.now() - paused > 300 || undefined, 'time to pass');
    expect(expired).toBe(0);
    deadline.resume();
    await waitFor(() => expired === 1 || undefined, 'the limit');
    expect(deadline.expired).toBe(true);
  });
});
