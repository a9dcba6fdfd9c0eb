/** A status word on a colour that says the same thing (the word alone carries the meaning). */
const TONE: Record<string, string> = {
  online: 'good',
  succeeded: 'good',
  unresponsive: 'warn',
  maintenance: 'warn',
  queued: 'neutral',
  assigned: 'busy',
  running: 'busy',
  offline: 'neutral',
  cancelled: 'neutral',
  failed: 'bad',
  lost: 'bad',
};

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${TONE[status] ?? 'neutral'}`}>{status}</span>;
}
