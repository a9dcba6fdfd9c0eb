import type { FleetStore, JobClaim } from '../store/index.js';

interface WaitingClaim {
  claim: JobClaim;
  resolve(won: boolean): void;
  reject(error: Error): void;
}

/**
 * The claims of one stretch of synchronous work (a dispatch that fills several slots) sent to the
 * database as one statement. A claim the store could not make rejects (the job layer keeps the job
 * queued and tries again): false means only that another master has it or it left the queue.
 */
export class ClaimBatch {
  private waiting: WaitingClaim[] = [];

  constructor(
    private readonly store: FleetStore,
    private readonly masterId: string,
  ) {}

  claim(claim: JobClaim): Promise<boolean> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ claim, resolve, reject });
      if (this.waiting.length === 1) queueMicrotask(() => this.send());
    });
  }

  private send(): void {
    const batch = this.waiting;
    this.waiting = [];
    let won: Promise<number[]>;
    try {
      won = this.store.claim(
        batch.map((waiting) => waiting.claim),
        this.masterId,
      );
    } catch (error) {
      won = Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
    won.then(
      (ids) => {
        const wonIds = new Set(ids);
        for (const waiting of batch) waiting.resolve(wonIds.has(waiting.claim.jobId));
      },
      (error: unknown) => {
        for (const waiting of batch) waiting.reject(error instanceof Error ? error : new Error(String(error)));
      },
    );
  }
}
