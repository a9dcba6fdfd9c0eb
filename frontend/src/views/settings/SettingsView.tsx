import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, describeError } from '../../api/client';
import { keys, useConfig } from '../../api/queries';
import type { BridgeConfig, ConfigChanges } from '../../api/types';
import { formatTime } from '../../ui/format';
import { ErrorState, Feedback, Loading } from '../../ui/states';
import { SettingsForm } from './SettingsForm';

export function SettingsView() {
  const client = useQueryClient();
  const config = useConfig();
  // Here rather than in the form: a save remounts the form, and its feedback must outlive that.
  const save = useMutation({
    mutationFn: (changes: ConfigChanges) => api<BridgeConfig>('/config', { method: 'PUT', body: changes }),
    onSuccess: (saved) => client.setQueryData(keys.config, saved),
  });

  return (
    <section className="card" aria-labelledby="settings-title">
      <h1 id="settings-title">Bridge settings</h1>
      <p className="lead">
        Slack and Telegram settings for the bridges. Saving applies them at once: running bridges pick them up. Tokens are write-only: the
        master never sends them back. Each allow-list follows the bridge's environment until you set one here, which replaces it; an empty
        one admits nobody. Flags given to <code>csc bridge</code> win over both.
      </p>
      {config.isPending ? (
        <Loading what="settings" />
      ) : config.isError ? (
        <ErrorState error={config.error} retry={() => void config.refetch()} />
      ) : (
        <>
          <p className="muted">
            {config.data.savedAt === null ? 'Never saved.' : `Last saved ${formatTime(config.data.savedAt)}${config.data.memo ? ` — ${config.data.memo}` : ''}.`}
          </p>
          {/* A new save (here or elsewhere) remounts the form with what is stored and empty secret fields. */}
          <SettingsForm key={config.data.savedAt ?? 'never'} config={config.data} saving={save.isPending} onSave={(changes) => save.mutate(changes)} />
        </>
      )}
      {save.isSuccess && <Feedback kind="ok">Saved at {formatTime(save.data.savedAt ?? new Date().toISOString())}.</Feedback>}
      {save.isError && <Feedback kind="error">Not saved: {describeError(save.error)}</Feedback>}
    </section>
  );
}
