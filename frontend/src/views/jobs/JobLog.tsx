import { useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState, type RefObject } from 'react';
import { useT } from '../../i18n/I18n';
import type { JobLogStore, LogSnapshot } from './job-log-store';
import { LogEntry } from './LogEntry';
import { itemIndexOf } from './log-model';

/** How close to the bottom (px) still counts as "at the bottom", so sub-pixel scrolling keeps following. */
const BOTTOM_SLACK = 24;
/** Within this distance (px) of an end the next page is asked for, so it is there before the reader is. */
const LOAD_MARGIN = 600;
/** A one-line entry's height; rows are measured once drawn, this only places the ones not yet drawn. */
const ESTIMATED_ROW = 30;
/** Rows drawn beyond each edge of the box, so a fast scroll shows text rather than blank space. */
const OVERSCAN = 12;

type LogActions = Pick<JobLogStore, 'loadOlder' | 'loadNewer' | 'toNewest' | 'retry'>;

/** The log with its state: live or complete, a page loading or refused, and the list itself. */
export function JobLog({ view, actions }: { view: LogSnapshot; actions: LogActions }) {
  const t = useT().jobLog;
  const busy = view.busy === undefined ? undefined : { older: t.loadingOlder, newer: t.loadingNewer, jump: t.jumping }[view.busy];
  return (
    <div className="log-wrap">
      <p className={`log-state log-${view.state}`} data-testid="log-state">
        {t.state[view.state]}
      </p>
      {view.detached && <p className="note note-info">{t.detached}</p>}
      {busy !== undefined && (
        <p className="log-busy" role="status">
          {busy}
        </p>
      )}
      {view.error !== undefined && (
        <p className="note note-error" role="alert">
          {t.notLoaded(view.error)}{' '}
          <button type="button" onClick={() => actions.retry()}>
            {t.retry}
          </button>
        </p>
      )}
      {view.log.items.length === 0 ? (
        <p className="state state-empty">{!view.loaded ? t.loading : view.state === 'ended' ? t.nothing : t.waiting}</p>
      ) : (
        <LogRows view={view} actions={actions} />
      )}
    </div>
  );
}

/**
 * The log, virtualized: only the rows on screen (and a few beyond) are in the page, however long
 * the job's log. It follows new events while the reader is at the bottom; once they scroll up it
 * stays where they are and offers a jump back instead. Scrolling near an end loads the next page.
 */
function LogRows({ view, actions }: { view: LogSnapshot; actions: LogActions }) {
  const t = useT().jobLog;
  const items = view.log.items;
  const box = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const [behind, setBehind] = useState(false);
  const [atBottom, setAtBottom] = useState(true);
  // The build has no React Compiler, whose automatic memoization this library's mutable instance defeats.
  // eslint-disable-next-line react-hooks/incompatible-library
  const virtualizer = useVirtualizer({
    count: items.length,
    getScrollElement: () => box.current,
    estimateSize: () => ESTIMATED_ROW,
    overscan: OVERSCAN,
    getItemKey: (index) => items[index]?.key ?? index,
    // Rows put before the first keep the one in view where it is: loading older pages does not move the text.
    anchorTo: 'end',
  });
  const totalSize = virtualizer.getTotalSize();
  useFollow(box, following, view, totalSize, setBehind);
  const hit = useJumpTarget(virtualizer, following, view);
  const pageNear = usePaging(box, view, actions, totalSize);

  const onScroll = (): void => {
    const element = box.current;
    if (element === null) return;
    const bottom = element.scrollHeight - element.scrollTop - element.clientHeight <= BOTTOM_SLACK;
    following.current = bottom && !view.detached;
    setAtBottom(bottom);
    if (following.current) setBehind(false);
    pageNear();
  };
  const jump = (): void => {
    following.current = true;
    setBehind(false);
    setAtBottom(true);
    actions.toNewest();
    box.current?.scrollTo({ top: box.current.scrollHeight });
  };

  const setSize = view.olderMore || view.newerMore ? -1 : items.length;
  return (
    <>
      {/* Focusable so keyboard users can scroll it; not a live region: a busy job would drown a screen reader. */}
      <div className="log" ref={box} onScroll={onScroll} tabIndex={0} role="region" aria-label={t.label} data-testid="job-log">
        <ol className="log-rows" style={{ height: totalSize }}>
          {virtualizer.getVirtualItems().map((row) => {
            const item = items[row.index];
            return (
              item && (
                <li
                  key={row.key}
                  ref={virtualizer.measureElement}
                  data-index={row.index}
                  data-seq={item.key}
                  className={`log-item log-${item.type}${item.key === hit ? ' log-hit' : ''}`}
                  aria-setsize={setSize}
                  aria-posinset={row.index + 1}
                  aria-current={item.key === hit ? 'true' : undefined}
                  style={{ transform: `translateY(${row.start}px)` }}
                >
                  <LogEntry item={item} />
                </li>
              )
            );
          })}
        </ol>
      </div>
      {(view.detached || !atBottom) && (
        <button type="button" className="jump" onClick={jump}>
          {behind && !view.detached ? t.below : t.newest}
        </button>
      )}
    </>
  );
}

/**
 * Scrolls to each new jump's event (centred) and stops following; returns the key of the row to
 * highlight. Only a new jump scrolls: pages loaded later move the row's index, not the reader.
 */
function useJumpTarget(virtualizer: Virtualizer<HTMLDivElement, Element>, followingRef: RefObject<boolean>, { log, target }: LogSnapshot): number | undefined {
  const index = useMemo(() => (target === undefined ? -1 : itemIndexOf(log.items, target.seq)), [log.items, target]);
  const done = useRef(0);
  useLayoutEffect(() => {
    if (target === undefined || index === -1 || done.current === target.jump) return;
    done.current = target.jump;
    followingRef.current = false;
    virtualizer.scrollToIndex(index, { align: 'center' });
  }, [target, index, virtualizer, followingRef]);
  return target === undefined ? undefined : log.items[index]?.key;
}

/**
 * Asks for the next page when the box is within `LOAD_MARGIN` of an end: on each scroll (the
 * returned function), and when the log changes (a short log, or one left at its top, has no scroll
 * to wait for).
 */
function usePaging(boxRef: RefObject<HTMLDivElement | null>, view: LogSnapshot, actions: LogActions, totalSize: number): () => void {
  const pageNear = useCallback((): void => {
    const element = boxRef.current;
    if (element === null || view.busy !== undefined || view.error !== undefined) return;
    if (view.olderMore && element.scrollTop < LOAD_MARGIN) void actions.loadOlder();
    else if (view.newerMore && element.scrollHeight - element.scrollTop - element.clientHeight < LOAD_MARGIN) void actions.loadNewer();
  }, [boxRef, view, actions]);
  useEffect(pageNear, [pageNear, totalSize]);
  return pageNear;
}

/**
 * Keeps the newest row in view while following. Whether the reader still follows is measured, not
 * only remembered: a scroll whose event has not arrived yet must not be undone.
 */
function useFollow(boxRef: RefObject<HTMLDivElement | null>, followingRef: RefObject<boolean>, view: LogSnapshot, totalSize: number, setBehind: (behind: boolean) => void): void {
  /** The list as last drawn (another element, or the other part of the log, starts from nothing drawn). */
  const drawn = useRef<{ element: HTMLDivElement | null; detached: boolean; height: number; lastSeq: number }>({ element: null, detached: false, height: 0, lastSeq: 0 });
  const { detached, log } = view;
  useLayoutEffect(() => {
    const element = boxRef.current;
    if (element === null) return;
    const same = drawn.current.element === element && drawn.current.detached === detached;
    const drawnHeight = same ? drawn.current.height : 0;
    if (followingRef.current && drawnHeight - element.scrollTop - element.clientHeight > BOTTOM_SLACK) followingRef.current = false;
    if (followingRef.current && !detached) element.scrollTop = element.scrollHeight;
    else if (same && log.lastSeq > drawn.current.lastSeq) setBehind(true);
    drawn.current = { element, detached, height: element.scrollHeight, lastSeq: log.lastSeq };
  }, [boxRef, followingRef, detached, log, totalSize, setBehind]);
}
