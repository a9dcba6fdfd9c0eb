import type { NewCredential } from '../../api/types';
import { useT } from '../../i18n/I18n';
import { CopyButton } from './CopyButton';
import { DEFAULT_WS_PORT, connectCommand, masterAddress } from './connect-command';

/** A credential just made: its token, this once, and how to use it. */
export function NewToken({ credential, onDone }: { credential: NewCredential; onDone: () => void }) {
  const master = masterAddress(window.location);
  const command = connectCommand(credential, master);
  const t = useT().credentials;
  return (
    <section className="new-token" aria-labelledby="new-token-title" data-testid="new-token">
      <h2 id="new-token-title">
        {t.createdTitle(credential.name, credential.role)}
      </h2>
      <p>
        <strong>{t.copyNow}</strong>
        {t.hashOnly}
      </p>
      <label htmlFor="new-token-value">{t.token}</label>
      <div className="secret-row">
        <input id="new-token-value" type="text" readOnly value={credential.token} spellCheck={false} onFocus={(e) => e.target.select()} data-testid="new-token-value" />
        <CopyButton text={credential.token} what={t.theToken} />
      </div>
      <label htmlFor="new-token-command">{credential.role === 'node' ? t.runOnNode : t.runOnBridge}</label>
      <div className="secret-row">
        <input id="new-token-command" type="text" readOnly value={command} spellCheck={false} onFocus={(e) => e.target.select()} />
        <CopyButton text={command} what={t.theCommand} />
      </div>
      <p className="hint">
        {t.addressBefore(master, DEFAULT_WS_PORT)}
        <code>--port</code>
        {t.addressAfter(credential.name)}
      </p>
      <button type="button" className="primary" onClick={onDone}>
        {t.saved}
      </button>
    </section>
  );
}
