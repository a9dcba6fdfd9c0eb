import { collectDefaultMetrics, Registry } from 'prom-client';

let shared: Registry | undefined;

/**
 * prom-client's default metrics (CPU, memory, heap, event-loop lag, GC, handles), under their
 * usual names so that stock Node.js dashboards read them. They describe the process, not one
 * master, and they start monitors (an event-loop delay histogram, a GC observer) that cannot be
 * stopped: one registry per process, however many masters it starts (tests start dozens).
 */
export function processRegistry(): Registry {
  if (shared === undefined) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
