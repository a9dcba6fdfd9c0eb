import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState, useSyncExternalStore } from 'react';
import { keys } from '../../api/queries';
import { JobLogStore, type LogSnapshot } from './job-log-store';

export type { LogState } from './job-log-store';

/**
 * One job's log: its newest page, older ones on demand, and the live stream while the job runs
 * (see `JobLogStore`). `lastSeq` is the job's as first read: the opening page ends there.
 */
export function useJobLog(jobId: number, lastSeq: number): { view: LogSnapshot; store: JobLogStore } {
  const client = useQueryClient();
  // The caller keys its component by job, so the store is made once per job.
  const [store] = useState(
    () =>
      new JobLogStore(jobId, lastSeq, () => {
        // The job record holds the result; fetch it even if the event stream missed the change.
        void client.invalidateQueries({ queryKey: keys.job(jobId) });
      }),
  );
  useEffect(() => store.start(), [store]);
  const view = useSyncExternalStore(store.subscribe, store.getSnapshot);
  return { view, store };
}
