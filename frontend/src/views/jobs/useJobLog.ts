import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { streamUrl } from '../../api/client';
import { keys } from '../../api/queries';
import type { SequencedJobEvent } from '../../api/types';
import { openStream, type StreamState } from '../../live/stream';
import { EMPTY_LOG, appendEvents, type LogModel } from './log-model';

export type LogState = StreamState | 'ended';

/** Events arriving within this window render together: a chatty job re-renders a few times a second, not per event. */
const FLUSH_MS = 50;

/**
 * Follows one job's log (`/api/jobs/:id/logs/stream`) from its first event until the job has
 * ended. A reconnect resumes after the last event received, so nothing repeats or goes missing.
 */
export function useJobLog(jobId: number): { log: LogModel; state: LogState } {
  const client = useQueryClient();
  const [log, setLog] = useState(EMPTY_LOG);
  const [state, setState] = useState<LogState>('connecting');
  const received = useRef(0);

  // The caller keys its component by job, so this state starts empty for each job.
  useEffect(() => {
    let pending: SequencedJobEvent[] = [];
    let timer: number | undefined;
    const flush = (): void => {
      timer = undefined;
      const batch = pending;
      pending = [];
      setLog((current) => appendEvents(current, batch));
    };
    const close = openStream({
      url: () => streamUrl(`/jobs/${jobId}/logs/stream`, { after: received.current }),
      onState: (next) => setState((current) => (current === 'ended' ? current : next)),
      listeners: {
        job_event: (data) => {
          const event = data as SequencedJobEvent;
          if (event.seq <= received.current) return;
          received.current = event.seq;
          pending.push(event);
          timer ??= window.setTimeout(flush, FLUSH_MS);
        },
        end: () => {
          close();
          window.clearTimeout(timer);
          flush();
          setState('ended');
          // The job record holds the result; fetch it even if the event stream missed the change.
          void client.invalidateQueries({ queryKey: keys.job(jobId) });
        },
      },
    });
    return () => {
      close();
      window.clearTimeout(timer);
    };
  }, [client, jobId]);

  return { log, state };
}
