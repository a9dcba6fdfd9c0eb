import { useState } from 'react';

type Copied = 'idle' | 'copied' | 'failed';

const LABEL: Record<Copied, string> = { idle: 'Copy', copied: 'Copied', failed: 'Select and copy by hand' };

/**
 * Copies `text` to the clipboard. The clipboard API exists only in secure contexts (https or
 * loopback): on a plain-http address the button says to copy by hand instead.
 */
export function CopyButton({ text, what }: { text: string; what: string }) {
  const [state, setState] = useState<Copied>('idle');
  const copy = (): void => {
    const done = navigator.clipboard?.writeText(text) ?? Promise.reject(new Error('no clipboard'));
    done.then(
      () => setState('copied'),
      () => setState('failed'),
    );
  };
  return (
    <button type="button" onClick={copy} aria-label={state === 'idle' ? `Copy the ${what}` : undefined}>
      {LABEL[state]}
    </button>
  );
}
