import { useId } from 'react';
import type { SecretChange, SecretState } from '../../api/types';
import { useT } from '../../i18n/I18n';


/** What the person asked for a secret: keep it, replace it, or clear it. */
export interface SecretEdit {
  replacement: string;
  clear: boolean;
}

export const KEEP: SecretEdit = { replacement: '', clear: false };

/** The `PUT /api/config` value for an edit: absent (keep), a new value, or null (clear). */
export function secretChange(edit: SecretEdit): { value?: SecretChange } {
  if (edit.clear) return { value: null };
  return edit.replacement.trim() === '' ? {} : { value: edit.replacement.trim() };
}

/**
 * A write-only secret: shows whether one is set, never its value (the master does not send it),
 * with a field to replace it and a button to clear it.
 */
export function SecretField({ label, platform, state, edit, onEdit }: { label: string; platform: string; state: SecretState; edit: SecretEdit; onEdit: (edit: SecretEdit) => void }) {
  const id = useId();
  const t = useT().settings;
  const status = edit.clear ? t.secretCleared : state.set ? t.secretSet : t.secretUnset;
  return (
    <div className="field secret">
      <label htmlFor={id}>
        {label} <span className={`secret-state secret-${state.set && !edit.clear ? 'set' : 'unset'}`} data-testid="secret-state">{status}</span>
      </label>
      <div className="secret-row">
        <input
          id={id}
          type="password"
          // Never let the browser fill in a stored password here.
          autoComplete="new-password"
          spellCheck={false}
          placeholder={state.set ? t.replacePlaceholder : t.setPlaceholder}
          value={edit.replacement}
          disabled={edit.clear}
          onChange={(e) => onEdit({ replacement: e.target.value, clear: false })}
        />
        {edit.clear ? (
          <button type="button" onClick={() => onEdit(KEEP)}>
            {t.keep}
          </button>
        ) : (
          <button type="button" disabled={!state.set} onClick={() => onEdit({ replacement: '', clear: true })} aria-label={t.clearNamed(platform, label)}>
            {t.clear}
          </button>
        )}
      </div>
    </div>
  );
}
