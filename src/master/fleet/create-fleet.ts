import { FINAL_JOB_STATUSES, JobStatusSchema } from '../../protocol/index.js';
import type { Store } from '../store/index.js';
import type { Fleet } from './fleet.js';
import type { FleetHost, FleetOptions } from './fleet-options.js';
import { SharedFleet } from './shared-fleet.js';
import { SoloFleet } from './solo-fleet.js';

const UNFINISHED = JobStatusSchema.options.filter((status) => !FINAL_JOB_STATUSES.has(status));

/** The fleet of a master on `store`: shared when its engine can be shared (`store.fleet`), solo otherwise. */
export function createFleet(store: Store, options: FleetOptions): Fleet {
  if (!store.fleet) return new SoloFleet(options);
  return new SharedFleet(store.fleet, { ...options, host: storeHost(store) });
}

function storeHost(store: Store): FleetHost {
  return {
    commit: () => store.commit(),
    onCommitFailed: (listener) => store.onCommitFailed(listener),
    unfinishedJobIds: async () => (await store.jobs.withStatus(UNFINISHED)).map((job) => job.id),
  };
}
