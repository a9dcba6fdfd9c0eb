import { useConfig, useHealth, useNodes } from './api/queries';
import { useLiveState } from './live/LiveEvents';
import { formatSpan, formatTime } from './ui/format';
import { useNow } from './ui/useNow';

const LIVE_LABEL = { connecting: 'Connecting…', live: 'Live', offline: 'Offline, reconnecting…' } as const;

/** Master status, node count, the last settings save, and whether updates are arriving. */
export function Header({ onSignOut }: { onSignOut: () => void }) {
  const health = useHealth();
  const nodes = useNodes();
  const config = useConfig();
  const live = useLiveState();
  const now = useNow();

  const master = health.data;
  const saved = config.data?.savedAt == null ? master?.lastConfigSave : { savedAt: config.data.savedAt, memo: config.data.memo };
  const uptime = master ? formatSpan(Math.max(0, Math.round((now - Date.parse(master.startedAt)) / 1000))) : undefined;

  return (
    <header className="header">
      <div className="brand">Codex Super Client</div>
      <dl className="header-facts">
        <div>
          <dt>Master</dt>
          <dd data-testid="master-status">
            {health.isError ? <span className="text-bad">unreachable</span> : master ? `${master.status} · v${master.version} · up ${uptime ?? ''}` : '…'}
          </dd>
        </div>
        <div>
          <dt>Nodes</dt>
          <dd data-testid="node-count">{nodes.data ? `${nodes.data.length} connected` : '…'}</dd>
        </div>
        <div className="header-save">
          <dt>Settings saved</dt>
          <dd data-testid="last-save">
            {saved ? (
              <>
                <time dateTime={saved.savedAt}>{formatTime(saved.savedAt)}</time>
                {saved.memo && <span className="memo"> — {saved.memo}</span>}
              </>
            ) : (
              'never'
            )}
          </dd>
        </div>
      </dl>
      <p className={`live live-${live}`} role="status" data-testid="live-state">
        <span className="dot" aria-hidden="true" />
        {LIVE_LABEL[live]}
      </p>
      <button type="button" className="sign-out" onClick={onSignOut}>
        Sign out
      </button>
    </header>
  );
}
