let clock = { ms: 0, iso: '' };

/**
 * The time as the ISO string frames and records carry, formatted once per millisecond: the
 * master stamps a job several times in one, and a node stamps every event it emits.
 */
export function isoNow(): string {
  const ms = Date.now();
  if (ms !== clock.ms) clock = { ms, iso: new Date(ms).toISOString() };
  return clock.iso;
}
