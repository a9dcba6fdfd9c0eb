/** An event's place and kind: all the folding rule looks at. */
export interface SeqKind {
  seq: number;
  kind: string;
}

/**
 * The seqs of the `agent_message_delta` events that a later `agent_message` of the same attempt
 * covers: one that comes after them with no `started` (a new attempt) in between. The complete
 * message says everything its deltas said, so a folded log keeps it and drops them; deltas no
 * message followed (a message still being typed, an attempt that died mid-message) are kept.
 *
 * `events` must be in ascending seq order. A caller looking at a window of a longer log appends
 * the first `agent_message` or `started` after the window (if any), so the window's last deltas
 * are judged by what follows them.
 */
export function coveredDeltas(events: readonly SeqKind[]): Set<number> {
  const covered = new Set<number>();
  // Backwards: each delta is judged by the nearest message or new attempt after it.
  let messageFollows = false;
  for (let i = events.length - 1; i >= 0; i--) {
    const { seq, kind } = events[i]!;
    if (kind === 'agent_message') messageFollows = true;
    else if (kind === 'started') messageFollows = false;
    else if (kind === 'agent_message_delta' && messageFollows) covered.add(seq);
  }
  return covered;
}

/** The kinds that decide whether the deltas before them are covered. */
export const FOLD_BOUNDARY_KINDS = ['agent_message', 'started'] as const;
