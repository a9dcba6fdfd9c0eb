import { useRef, useState, type FormEvent } from 'react';
import { describeError } from '../../api/client';
import type { LogMatch } from '../../api/log-types';
import { useT } from '../../i18n/I18n';
import { SEARCH_MATCHES, searchLog } from './log-pages';

interface Found {
  query: string;
  matches: LogMatch[];
  /** Whether older matches may exist (the last request came back full). */
  more: boolean;
  index: number;
}

type Status = { kind: 'idle' } | { kind: 'searching' } | { kind: 'failed'; reason: string };

/**
 * Search within the job's log (on the master: the whole log, not only the pages loaded). Matches
 * come newest first; Enter or "next" goes to the next older one, and each choice jumps the log to it.
 */
export function LogSearch({ jobId, onJump }: { jobId: number; onJump: (seq: number) => void }) {
  const t = useT().jobLog.search;
  const [query, setQuery] = useState('');
  const { found, status, search, step, choose } = useLogSearch(jobId, onJump);
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    void search(query.trim());
  };

  const count = found === undefined ? undefined : found.matches.length === 0 ? t.none(found.query) : t.count(found.index + 1, found.matches.length, found.more);
  return (
    <div className="log-search">
      <form className="row-form" role="search" onSubmit={submit}>
        <label htmlFor="log-search">{t.label}</label>
        <input id="log-search" type="search" value={query} placeholder={t.placeholder} maxLength={200} onChange={(event) => setQuery(event.target.value)} />
        <button type="submit">{t.find}</button>
        <button type="button" disabled={found === undefined || found.index <= 0} onClick={() => void step(-1)}>
          {t.previous}
        </button>
        <button type="button" disabled={found === undefined || (found.index >= found.matches.length - 1 && !found.more)} onClick={() => void step(1)}>
          {t.next}
        </button>
      </form>
      <p className="log-search-status" role="status" data-testid="log-search-status">
        {status.kind === 'searching' ? t.searching : status.kind === 'failed' ? t.failed(status.reason) : count}
      </p>
      {found !== undefined && found.matches.length > 0 && (
        <ol className="log-matches" aria-label={t.results}>
          {found.matches.map((match, index) => (
            <li key={match.seq}>
              <button type="button" aria-current={index === found.index ? 'true' : undefined} onClick={() => choose({ ...found, index })}>
                <span className="muted">{t.event(match.seq)}</span> <Snippet text={match.text} query={found.query} />
              </button>
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}

/** The search's state: the matches found so far and the one chosen, and how to move between them. */
function useLogSearch(jobId: number, onJump: (seq: number) => void) {
  const [found, setFound] = useState<Found | undefined>();
  const [status, setStatus] = useState<Status>({ kind: 'idle' });
  /** Counts requests: only the latest one's answer is shown. */
  const asked = useRef(0);

  const fetchMatches = async (q: string, before: number | undefined): Promise<{ matches: LogMatch[]; more: boolean } | undefined> => {
    const id = ++asked.current;
    setStatus({ kind: 'searching' });
    try {
      const { matches } = await searchLog(jobId, q, before);
      if (id !== asked.current) return undefined;
      setStatus({ kind: 'idle' });
      return { matches, more: matches.length === SEARCH_MATCHES };
    } catch (error) {
      if (id === asked.current) setStatus({ kind: 'failed', reason: describeError(error) });
      return undefined;
    }
  };
  const choose = (next: Found): void => {
    setFound(next);
    const match = next.matches[next.index];
    if (match !== undefined) onJump(match.seq);
  };
  /** The next older match (1) or the newer one (-1); past the last one found, the next request's. */
  const step = async (by: 1 | -1): Promise<void> => {
    if (found === undefined) return;
    const index = found.index + by;
    if (index >= 0 && index < found.matches.length) return choose({ ...found, index });
    if (by === -1 || !found.more) return;
    const older = await fetchMatches(found.query, found.matches.at(-1)?.seq);
    if (older === undefined) return;
    if (older.matches.length > 0) choose({ ...found, matches: [...found.matches, ...older.matches], more: older.more, index });
    else setFound({ ...found, more: false });
  };
  const search = async (q: string): Promise<void> => {
    if (q === '') return;
    // Enter again on the same text goes on to the next match, as find in a page does.
    if (found?.query === q) return step(1);
    const first = await fetchMatches(q, undefined);
    if (first !== undefined) choose({ query: q, ...first, index: 0 });
  };
  return { found, status, search, step, choose };
}

/** The snippet with its first hit marked (the master matched it case-insensitively). */
function Snippet({ text, query }: { text: string; query: string }) {
  const at = text.toLowerCase().indexOf(query.toLowerCase());
  // Lower-casing can change a text's length (a few scripts): then the hit is not marked rather than marked wrong.
  if (at === -1 || text.toLowerCase().length !== text.length) return <>{text}</>;
  return (
    <>
      {text.slice(0, at)}
      <mark>{text.slice(at, at + query.length)}</mark>
      {text.slice(at + query.length)}
    </>
  );
}
