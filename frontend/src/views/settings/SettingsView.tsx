import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, describeError } from '../../api/client';
import { keys, useConfig } from '../../api/queries';
import type { BridgeConfig, ConfigChanges } from '../../api/types';
import { useT } from '../../i18n/I18n';
import { formatTime } from '../../ui/format';
import { ErrorState, Feedback, Loading } from '../../ui/states';
import { SettingsForm } from './SettingsForm';

export function SettingsView() {
  const client = useQueryClient();
  const config = useConfig();
  const t = useT().settings;
  // Here rather than in the form: a save remounts the form, and its feedback must outlive that.
  const save = useMutation({
    mutationFn: (changes: ConfigChanges) => api<BridgeConfig>('/config', { method: 'PUT', body: changes }),
    onSuccess: (saved) => client.setQueryData(keys.config, saved),
  });

  return (
    <section className="card" aria-labelledby="settings-title">
      <h1 id="settings-title">{t.title}</h1>
      <p className="lead">
        {t.lead}
        <code>csc bridge</code>
        {t.leadAfter}
      </p>
      {config.isPending ? (
        <Loading what={t.what} />
      ) : config.isError ? (
        <ErrorState error={config.error} retry={() => void config.refetch()} />
      ) : (
        <>
          <p className="muted">
            {config.data.savedAt === null ? t.neverSaved : t.lastSaved(formatTime(config.data.savedAt), config.data.memo)}
          </p>
          {/* A new save (here or elsewhere) remounts the form with what is stored and empty secret fields. */}
          <SettingsForm key={config.data.savedAt ?? 'never'} config={config.data} saving={save.isPending} onSave={(changes) => save.mutate(changes)} />
        </>
      )}
      {save.isSuccess && <Feedback kind="ok">{t.savedAt(formatTime(save.data.savedAt ?? new Date().toISOString()))}</Feedback>}
      {save.isError && <Feedback kind="error">{t.notSaved(describeError(save.error))}</Feedback>}
    </section>
  );
}
