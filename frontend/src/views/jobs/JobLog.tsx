import { useLayoutEffect, useRef, useState } from 'react';
import type { FileChange } from '../../api/types';
import { useT } from '../../i18n/I18n';
import { formatDuration } from '../../ui/format';
import type { LogItem } from './log-model';
import type { LogState } from './useJobLog';

/** How close to the bottom (px) still counts as "at the bottom", so sub-pixel scrolling keeps following. */
const BOTTOM_SLACK = 24;

/**
 * The live log. It follows new events while the reader is at the bottom; once they scroll up it
 * stays where they are and offers a jump back instead.
 */
export function JobLog({ items, state }: { items: LogItem[]; state: LogState }) {
  const box = useRef<HTMLOListElement>(null);
  const following = useRef(true);
  /** The list as last drawn (a new list element starts from nothing drawn). */
  const drawn = useRef<{ element: HTMLOListElement | null; height: number }>({ element: null, height: 0 });
  const [behind, setBehind] = useState(false);
  const t = useT().jobLog;

  useLayoutEffect(() => {
    const element = box.current;
    if (element === null) return;
    const drawnHeight = drawn.current.element === element ? drawn.current.height : 0;
    // Measured, not only remembered: a scroll whose event has not arrived yet must not be undone.
    if (following.current && drawnHeight - element.scrollTop - element.clientHeight > BOTTOM_SLACK) following.current = false;
    if (following.current) element.scrollTop = element.scrollHeight;
    else setBehind(true);
    drawn.current = { element, height: element.scrollHeight };
  }, [items]);

  const onScroll = (): void => {
    const element = box.current;
    if (element === null) return;
    following.current = element.scrollHeight - element.scrollTop - element.clientHeight <= BOTTOM_SLACK;
    if (following.current) setBehind(false);
  };
  const jump = (): void => {
    following.current = true;
    setBehind(false);
    box.current?.scrollTo({ top: box.current.scrollHeight });
  };

  return (
    <div className="log-wrap">
      <p className={`log-state log-${state}`} data-testid="log-state">
        {t.state[state]}
      </p>
      {items.length === 0 ? (
        <p className="state state-empty">{state === 'ended' ? t.nothing : t.waiting}</p>
      ) : (
        // Focusable so keyboard users can scroll it; not a live region: a busy job would drown a screen reader.
        <ol className="log" ref={box} onScroll={onScroll} tabIndex={0} aria-label={t.label} data-testid="job-log">
          {items.map((item) => (
            <li key={item.key} className={`log-item log-${item.type}`}>
              <LogEntry item={item} />
            </li>
          ))}
        </ol>
      )}
      {behind && (
        <button type="button" className="jump" onClick={jump}>
          {t.below}
        </button>
      )}
    </div>
  );
}

function LogEntry({ item }: { item: LogItem }) {
  const t = useT().jobLog;
  switch (item.type) {
    case 'message':
      return <p className={`message${item.streaming ? ' streaming' : ''}`}>{item.text}</p>;
    case 'command':
      return (
        <div>
          <code className="command">$ {item.command}</code> <ExitCode code={item.exitCode} />
          {item.durationMs !== undefined && <span className="muted"> {formatDuration(item.durationMs)}</span>}
          {item.output && (
            <details>
              <summary>{t.output}</summary>
              <pre>{item.output}</pre>
            </details>
          )}
        </div>
      );
    case 'files':
      return <FileList changes={item.changes} />;
    case 'note':
      return <p className={`note note-${item.tone}`}>{item.text}</p>;
  }
}

export function ExitCode({ code }: { code: number | null | undefined }) {
  const t = useT().jobLog;
  if (code === undefined) return <span className="badge badge-busy">{t.running}</span>;
  if (code === 0) return <span className="badge badge-good">{t.exit('0')}</span>;
  return <span className="badge badge-bad">{t.exit(String(code ?? '?'))}</span>;
}

/** Files with their diff stat: +added −removed. */
export function FileList({ changes }: { changes: FileChange[] }) {
  const kinds = useT().jobLog.fileKind;
  return (
    <ul className="files">
      {changes.map((change) => (
        <li key={`${change.kind}:${change.path}`}>
          <span className={`file-kind file-${change.kind}`}>{kinds[change.kind] ?? change.kind}</span> <code>{change.path}</code>{' '}
          {change.added !== undefined && <span className="added">+{change.added}</span>}{' '}
          {change.removed !== undefined && <span className="removed">−{change.removed}</span>}
        </li>
      ))}
    </ul>
  );
}
