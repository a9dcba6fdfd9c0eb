import type { JobResult as Result } from '../../api/types';
import { useT } from '../../i18n/I18n';
import { formatCount, formatDuration } from '../../ui/format';
import { ExitCode, FileList } from './LogEntry';

/** The standard result every node reports: final message, files, commands, tokens, duration, error. */
export function JobResult({ result }: { result: Result }) {
  const t = useT().jobResult;
  const added = result.filesChanged.reduce((sum, f) => sum + (f.added ?? 0), 0);
  const removed = result.filesChanged.reduce((sum, f) => sum + (f.removed ?? 0), 0);
  return (
    <section className="result" aria-labelledby="result-title" data-testid="job-result">
      <h3 id="result-title">{t.title}</h3>
      <dl className="facts">
        <div>
          <dt>{t.duration}</dt>
          <dd>{formatDuration(result.durationMs)}</dd>
        </div>
        <div>
          <dt>{t.tokens}</dt>
          <dd>{result.tokens ? t.tokenFigures(formatCount(result.tokens.total), formatCount(result.tokens.input), formatCount(result.tokens.output)) : '—'}</dd>
        </div>
        <div>
          <dt>{t.filesChanged}</dt>
          <dd>
            {result.filesChanged.length}
            {result.filesChanged.length > 0 && (
              <>
                {' '}
                <span className="added">+{added}</span> <span className="removed">−{removed}</span>
              </>
            )}
          </dd>
        </div>
      </dl>
      {result.error && (
        <p className="note note-error" data-testid="job-error">
          {result.error}
        </p>
      )}
      {result.finalMessage && (
        <>
          <h4>{t.finalMessage}</h4>
          <p className="final-message" data-testid="final-message">
            {result.finalMessage}
          </p>
        </>
      )}
      {result.filesChanged.length > 0 && (
        <>
          <h4>{t.files}</h4>
          <FileList changes={result.filesChanged} />
        </>
      )}
      {result.commands.length > 0 && (
        <>
          <h4>{t.commands}</h4>
          <ul className="commands">
            {result.commands.map((c, i) => (
              // Commands repeat (the same test run twice), so their place is part of the key.
              <li key={`${i}:${c.command}`}>
                <code className="command">$ {c.command}</code> <ExitCode code={c.exitCode} />
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
