import { useId } from 'react';
import type { AllowList } from '../../api/types';
import { useT } from '../../i18n/I18n';
import { parseList } from '../../ui/format';

/** An allow-list as edited: following the bridge's environment, or a list typed here (maybe empty). */
export type AllowListEdit = { inherit: true } | { inherit: false; text: string };

export const allowListEdit = (list: AllowList): AllowListEdit => (list === null ? { inherit: true } : { inherit: false, text: list.join(', ') });

/** The `PUT /api/config` value: `null` follows the bridge's environment, a list (even empty) replaces it. */
export const allowListValue = (edit: AllowListEdit): AllowList => (edit.inherit ? null : parseList(edit.text));

export interface AllowListFieldProps {
  label: string;
  /** What a list holds, e.g. "chat ids". */
  entries: string;
  /** The bridge's environment variable it replaces, e.g. `TELEGRAM_ALLOWED_CHATS`. */
  variable: string;
  /** What an empty list means for the bot, said as a warning. */
  emptyMeans: string;
  edit: AllowListEdit;
  onEdit: (edit: AllowListEdit) => void;
}

/**
 * One allow-list: either it follows the bridge's environment (the input is off) or it is set here
 * and replaces it, an empty list admitting nobody. A button switches between the two. (A flag given
 * to `csc bridge` wins over both; it is rare, and the hint of the view says so.)
 */
export function AllowListField({ label, entries, variable, emptyMeans, edit, onEdit }: AllowListFieldProps) {
  const id = useId();
  const t = useT().settings;
  const nobody = !edit.inherit && parseList(edit.text).length === 0;
  const state = edit.inherit ? 'inherit' : nobody ? 'nobody' : 'set';
  return (
    <div className="field">
      <label htmlFor={id}>
        {label}{' '}
        <span className={`allow-state allow-${state}`} data-testid="allow-state">
          {edit.inherit ? t.fromEnvironment : nobody ? t.setNobody : t.setHere}
        </span>
      </label>
      <div className="secret-row">
        <input
          id={id}
          type="text"
          spellCheck={false}
          disabled={edit.inherit}
          placeholder={edit.inherit ? t.environmentPlaceholder : t.emptyPlaceholder}
          value={edit.inherit ? '' : edit.text}
          onChange={(e) => onEdit({ inherit: false, text: e.target.value })}
          aria-describedby={`${id}-hint`}
        />
        {edit.inherit ? (
          <button type="button" onClick={() => onEdit({ inherit: false, text: '' })} aria-label={t.setHereNamed(label)}>
            {t.setHereButton}
          </button>
        ) : (
          <button type="button" onClick={() => onEdit({ inherit: true })} aria-label={t.useEnvironmentNamed(label)}>
            {t.useEnvironment}
          </button>
        )}
      </div>
      <span id={`${id}-hint`} className={nobody ? 'warning' : 'hint'} role={nobody ? 'status' : undefined}>
        {edit.inherit ? t.inheritHint(variable) : nobody ? t.nobodyHint(emptyMeans, variable) : t.listHint(entries, variable)}
      </span>
    </div>
  );
}
