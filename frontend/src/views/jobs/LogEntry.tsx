import type { FileChange } from '../../api/types';
import { useT } from '../../i18n/I18n';
import { formatDuration } from '../../ui/format';
import type { LogItem } from './log-model';

/** One block of the log: a message, a command with its output, changed files, or a note. */
export function LogEntry({ item }: { item: LogItem }) {
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
