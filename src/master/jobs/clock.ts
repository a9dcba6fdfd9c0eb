let clock = { ms: 0, iso: '' };

/** The time as an ISO string, formatted once per millisecond: a job asks for it several times in one. */
export function now(): string {
  const ms = Date.now();
  if (ms !== clock.ms) clock = { ms, iso: new Date(ms).toISOString() };
  return clock.iso;
}
