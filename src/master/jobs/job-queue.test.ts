import { describe, expect, it } from 'vitest';
import { JobQueue } from './job-queue.js';

/** The queue's ids in order, read through `drain` without taking any. */
function ids(queue: JobQueue): number[] {
  const seen: number[] = [];
  queue.drain(
    () => true,
    (id) => (seen.push(id), false),
  );
  return seen;
}

function queueOf(...values: number[]): JobQueue {
  const queue = new JobQueue();
  for (const id of values) queue.push(id);
  return queue;
}

describe('JobQueue', () => {
  it('offers ids oldest first; taken ones leave, passed-over ones keep their place ahead of the rest', () => {
    const queue = queueOf(1, 2, 3, 4, 5, 6);
    let offers = 0;
    queue.drain(
      () => offers < 4,
      (id) => (offers++, id % 2 === 0),
    );
    expect(offers).toBe(4);
    expect(ids(queue)).toEqual([1, 3, 5, 6]);
    expect(queue.length).toBe(4);
    queue.push(7);
    expect(ids(queue)).toEqual([1, 3, 5, 6, 7]);
  });

  it('puts a re-queued id back at its place by creation time when ids do not follow it (blocks of ids per master)', () => {
    // Master A numbers from 1, master B from 257: B's 257 was made before A's 2.
    const made: Record<number, string> = { 1: '2026-12-01T10:00:00.000Z', 257: '2026-12-01T10:00:01.000Z', 2: '2026-12-01T10:00:02.000Z', 258: '2026-12-01T10:00:02.000Z' };
    const queue = new JobQueue((id) => made[id]);
    for (const id of [1, 257, 2]) queue.insert(id);
    queue.insert(258);
    expect(ids(queue)).toEqual([1, 257, 2, 258]);
    queue.remove(257);
    queue.insert(257);
    expect(ids(queue)).toEqual([1, 257, 2, 258]);
  });

  it('puts a re-queued id back at its place by id, and removes an id wherever it is', () => {
    const queue = queueOf(2, 5, 9);
    queue.drain(
      () => true,
      (id) => id === 2,
    );
    queue.insert(1);
    queue.insert(7);
    queue.insert(10);
    expect(ids(queue)).toEqual([1, 5, 7, 9, 10]);
    queue.remove(7);
    queue.remove(42);
    expect(ids(queue)).toEqual([1, 5, 9, 10]);
    queue.reset([3, 4]);
    expect(ids(queue)).toEqual([3, 4]);
  });

  it('stays in order through thousands of takes from the front, with ids passed over and added', () => {
    const queue = new JobQueue();
    let expected: number[] = [];
    let nextId = 1;
    // Multiples of 4 are passed over while young, as jobs for a busy node are; the rest are taken.
    const takes = (id: number): boolean => id % 4 !== 0 || id < nextId - 40;
    for (let round = 0; round < 5000; round++) {
      for (let i = 0; i < 2; i++) {
        expected.push(nextId);
        queue.push(nextId++);
      }
      let offered = 0;
      queue.drain(
        () => offered < 3,
        (id) => (offered++, takes(id)),
      );
      const front = expected.slice(0, 3);
      expected = [...front.filter((id) => !takes(id)), ...expected.slice(3)];
    }
    expect(ids(queue)).toEqual(expected);
    expect(queue.length).toBe(expected.length);
    expect(queue.length).toBeLessThan(100);
  });
});
