/**
 * Measures every kind `repeats` times, rotating which goes first each round (shifted by `offset`
 * per scenario), so drift on a shared machine does not favour whichever always runs first.
 */
export async function runRounds<K extends string, R>(
  kinds: readonly K[],
  repeats: number,
  offset: number,
  measure: (kind: K) => Promise<R>,
  onResult: (kind: K, round: number, result: R) => void,
): Promise<Record<K, R[]>> {
  const results = Object.fromEntries(kinds.map((kind) => [kind, [] as R[]])) as Record<K, R[]>;
  for (let round = 0; round < repeats; round++) {
    const shift = (round + offset) % kinds.length;
    for (const kind of [...kinds.slice(shift), ...kinds.slice(0, shift)]) {
      const result = await measure(kind);
      results[kind].push(result);
      onResult(kind, round, result);
    }
  }
  return results;
}
