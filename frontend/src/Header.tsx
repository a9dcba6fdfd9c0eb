import { useConfig, useHealth, useNodes } from './api/queries';
import { useLanguage } from './i18n/I18n';
import { LANGUAGES, type Language } from './i18n/language';
import { useLiveState } from './live/LiveEvents';
import { formatSpan, formatTime } from './ui/format';
import { useNow } from './ui/useNow';

/** Each language by its own name: a reader who cannot read the current one still finds theirs. */
const LANGUAGE_NAMES: Record<Language, string> = { en: 'English', ko: '한국어' };

/** Master status, node count, the last settings save, whether updates are arriving, and the language. */
export function Header({ onSignOut }: { onSignOut: () => void }) {
  const health = useHealth();
  const nodes = useNodes();
  const config = useConfig();
  const live = useLiveState();
  const now = useNow();
  const t = useLanguage().catalog.header;

  const master = health.data;
  const saved = config.data?.savedAt == null ? master?.lastConfigSave : { savedAt: config.data.savedAt, memo: config.data.memo };
  const uptime = master ? formatSpan(Math.max(0, Math.round((now - Date.parse(master.startedAt)) / 1000))) : undefined;

  return (
    <header className="header">
      <div className="brand">Codex Super Client</div>
      <dl className="header-facts">
        <div>
          <dt>{t.master}</dt>
          {/* Why it is degraded, in the master's own words, on hover: the status word says that it is. */}
          <dd data-testid="master-status" className={master?.status === 'degraded' ? 'text-bad' : undefined} title={master?.degraded?.join('\n')}>
            {health.isError ? <span className="text-bad">{t.unreachable}</span> : master ? t.masterFacts(master.status, master.version, uptime ?? '') : '…'}
          </dd>
        </div>
        <div>
          <dt>{t.nodes}</dt>
          <dd data-testid="node-count">{nodes.data ? t.connected(nodes.data.length) : '…'}</dd>
        </div>
        <div className="header-save">
          <dt>{t.saved}</dt>
          <dd data-testid="last-save">
            {saved ? (
              <>
                <time dateTime={saved.savedAt}>{formatTime(saved.savedAt)}</time>
                {saved.memo && <span className="memo"> — {saved.memo}</span>}
              </>
            ) : (
              t.never
            )}
          </dd>
        </div>
      </dl>
      <p className={`live live-${live}`} role="status" data-testid="live-state">
        <span className="dot" aria-hidden="true" />
        {t.live[live]}
      </p>
      <LanguageSwitch />
      <button type="button" className="sign-out" onClick={onSignOut}>
        {t.signOut}
      </button>
    </header>
  );
}

function LanguageSwitch() {
  const { language, catalog, choose } = useLanguage();
  return (
    <label className="language">
      <span className="visually-hidden">{catalog.header.language}</span>
      <select value={language} onChange={(e) => choose(e.target.value as Language)} data-testid="language">
        {LANGUAGES.map((code) => (
          <option key={code} value={code} lang={code}>
            {LANGUAGE_NAMES[code]}
          </option>
        ))}
      </select>
    </label>
  );
}
