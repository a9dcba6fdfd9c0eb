/**
 * The masters of a pipeline as the jobs client sees them: the target alone, or (`postgres2`) the
 * target and its peers on the same database. Creates go to each in turn, so that every master
 * takes its share of the API's load, and each master process's CPU time is read apart, so that the
 * tables can show where it goes.
 */
import { HttpClient } from './http-client.js';
import type { MasterEndpoint, PipelineTarget } from './jobs-spec.js';
import { readCpuSec } from './proc.js';

/** A span's CPU time per unit of work: in all, and by master when there are several. */
export interface CpuFigures {
  total: number;
  byMaster: number[] | undefined;
}

export class PipelineMasters {
  readonly endpoints: readonly MasterEndpoint[];
  private readonly clients: readonly HttpClient[];
  private turn = 0;

  constructor(target: PipelineTarget, connections: number) {
    this.endpoints = [target, ...(target.peers ?? [])];
    this.clients = this.endpoints.map((endpoint) => new HttpClient(endpoint.httpUrl, target.adminToken, connections));
  }

  /** The first master's client: for reads, which any master answers alike. */
  get first(): HttpClient {
    return this.clients[0] as HttpClient;
  }

  /** The next master's client, in turn. */
  next(): HttpClient {
    const client = this.clients[this.turn] as HttpClient;
    this.turn = (this.turn + 1) % this.clients.length;
    return client;
  }

  /** CPU seconds used so far by each master process, in `endpoints` order. */
  cpuSec(): number[] {
    return this.endpoints.map((endpoint) => readCpuSec(endpoint.pid));
  }

  /** µs of CPU per unit since `before` (a `cpuSec()` reading). */
  cpuUsPer(before: readonly number[], units: number): CpuFigures {
    const used = this.cpuSec().map((sec, i) => ((sec - (before[i] ?? 0)) * 1e6) / units);
    return { total: used.reduce((sum, us) => sum + us, 0), byMaster: used.length > 1 ? used : undefined };
  }
}
