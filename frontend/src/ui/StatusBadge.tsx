import { useT } from '../i18n/I18n';

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
  const words = useT().status;
  // data-status keeps the master's word for tests and styles whatever the language.
  return (
    <span className={`badge badge-${TONE[status] ?? 'neutral'}`} data-status={status}>
      {words[status] ?? status}
    </span>
  );
}
