import type { NewCredential } from '../../api/types';
import { CopyButton } from './CopyButton';
import { DEFAULT_WS_PORT, connectCommand, masterAddress } from './connect-command';

/** A credential just made: its token, this once, and how to use it. */
export function NewToken({ credential, onDone }: { credential: NewCredential; onDone: () => void }) {
  const master = masterAddress(window.location);
  const command = connectCommand(credential, master);
  return (
    <section className="new-token" aria-labelledby="new-token-title" data-testid="new-token">
      <h2 id="new-token-title">
        Credential “{credential.name}” ({credential.role}) created
      </h2>
      <p>
        <strong>Copy the token now: it is shown only this once.</strong> The master keeps only its hash; if it is lost, revoke the
        credential and create a new one.
      </p>
      <label htmlFor="new-token-value">Token</label>
      <div className="secret-row">
        <input id="new-token-value" type="text" readOnly value={credential.token} spellCheck={false} onFocus={(e) => e.target.select()} data-testid="new-token-value" />
        <CopyButton text={credential.token} what="token" />
      </div>
      <label htmlFor="new-token-command">Run on the {credential.role === 'node' ? 'machine that runs jobs' : "bridge's machine"}</label>
      <div className="secret-row">
        <input id="new-token-command" type="text" readOnly value={command} spellCheck={false} onFocus={(e) => e.target.select()} />
        <CopyButton text={command} what="command" />
      </div>
      <p className="hint">
        {master} is this page's host with the default WebSocket port ({DEFAULT_WS_PORT}): change it if that machine reaches the master by
        another address or the master runs with another <code>--port</code>. The name must stay “{credential.name}”: the credential is bound
        to it.
      </p>
      <button type="button" className="primary" onClick={onDone}>
        I have saved it
      </button>
    </section>
  );
}
