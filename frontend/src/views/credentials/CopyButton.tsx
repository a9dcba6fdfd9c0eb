import { useState } from 'react';
import { useT } from '../../i18n/I18n';


type Copied = 'idle' | 'copied' | 'failed';

/**
 * Copies `text` to the clipboard. The clipboard API exists only in secure contexts (https or
 * loopback): on a plain-http address the button says to copy by hand instead.
 */
export function CopyButton({ text, what }: { text: string; what: string }) {
  const [state, setState] = useState<Copied>('idle');
  const t = useT().credentials;
  const label: Record<Copied, string> = { idle: t.copy, copied: t.copied, failed: t.copyFailed };
  const copy = (): void => {
    const done = navigator.clipboard?.writeText(text) ?? Promise.reject(new Error('no clipboard'));
    done.then(
      () => setState('copied'),
      () => setState('failed'),
    );
  };
  return (
    <button type="button" onClick={copy} aria-label={state === 'idle' ? t.copyThe(what) : undefined}>
      {label[state]}
    </button>
  );
}
