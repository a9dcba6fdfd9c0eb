import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log/index.js';
import type { NodeInfo } from '../../protocol/index.js';
import { SseClient, type SseEvent } from '../../test-support/sse-client.js';
import { waitFor } from '../../test-support/wait.js';
import type { NodeEvent } from '../hub/index.js';
import type { JobUpdate } from '../jobs/index.js';
import { Listeners } from '../listeners.js';
import type { JobRecord, LiveNode, MasterMember } from '../store/index.js';
import { DashboardFeed } from './dashboard-feed.js';
import { MasterNames } from './master-names.js';
import { registerNodeRoutes } from './node-routes.js';
import { NodeDirectory, type NodeView } from './node-view.js';

const log = silentLogger();
const SELF = { id: 'master-a-id', name: 'a.example:8765' };

function node(name: string, id = `${name}-conn`, extra: Partial<NodeInfo> = {}): NodeInfo {
  const at = '2026-01-01T00:00:00.000Z';
  return { id, name, tags: [], status: 'online', connectedAt: at, lastActivity: at, address: '10.0.0.1', capabilities: { slots: 2, executors: ['codex'], chat: false }, ...extra };
}

/** The parts of a fleet the node lists read, with the other masters' nodes set by the test. */
class FakeFleet {
  nodes: LiveNode[] = [];
  private readonly listeners = new Listeners<undefined>(() => undefined);
  remoteNodes = (): readonly LiveNode[] => this.nodes;
  onRemoteNodes = (listener: () => void): (() => void) => this.listeners.subscribe(listener);
  set(nodes: LiveNode[]): void {
    this.nodes = nodes;
    this.listeners.emit(undefined);
  }
}

/** The masters as stored, counting the reads. */
function membersOf(members: Array<Pick<MasterMember, 'id' | 'name'>>) {
  const read = { count: 0, members };
  const source = () => {
    read.count++;
    return Promise.resolve(read.members.map((m) => ({ ...m, startedAt: '', leaseUntil: '' })));
  };
  return { read, source };
}

function directory(own: NodeInfo[], running: Record<string, number[]>, shared?: { fleet: FakeFleet; members: () => Promise<MasterMember[]> }) {
  const hub = { listNodes: () => own };
  const jobs = { runningOn: (name: string) => running[name] ?? [] };
  if (!shared) return new NodeDirectory(hub, jobs);
  return new NodeDirectory(hub, jobs, { fleet: shared.fleet, names: new MasterNames(shared.members, SELF, log), name: SELF.name });
}

async function getNodes(nodes: NodeDirectory): Promise<NodeView[]> {
  const app = Fastify();
  registerNodeRoutes(app, nodes, { listKnownNodes: () => Promise.resolve([]) });
  const res = await app.inject({ method: 'GET', url: '/api/nodes' });
  await app.close();
  expect(res.statusCode).toBe(200);
  return res.json<{ nodes: NodeView[] }>().nodes;
}

describe('GET /api/nodes', () => {
  it("alone, lists the hub's nodes with their running jobs and no master, as before", async () => {
    const nodes = await getNodes(directory([node('n1'), node('n2')], { n1: [7, 9] }));
    expect(nodes).toEqual([
      { ...node('n1'), runningJobs: [7, 9] },
      { ...node('n2'), runningJobs: [] },
    ]);
  });

  it("on a shared store, lists the other masters' live nodes too, each with its master's name and the jobs it published", async () => {
    const fleet = new FakeFleet();
    fleet.nodes = [
      { info: node('b1'), masterId: 'master-b-id', running: [12] },
      { info: node('c1'), masterId: 'master-c-id', running: [] },
    ];
    const { read, source } = membersOf([SELF, { id: 'master-b-id', name: 'b.example:8765' }, { id: 'master-c-id', name: 'master C' }]);
    const nodes = directory([node('a1')], { a1: [3] }, { fleet, members: source });
    expect(await getNodes(nodes)).toEqual([
      { ...node('a1'), runningJobs: [3], master: 'a.example:8765' },
      { ...node('b1'), runningJobs: [12], master: 'b.example:8765' },
      { ...node('c1'), runningJobs: [], master: 'master C' },
    ]);
    // The names are read once, when masters not named yet show up.
    await getNodes(nodes);
    expect(read.count).toBe(1);
    fleet.nodes = [...fleet.nodes, { info: node('d1'), masterId: 'master-d-id', running: [] }];
    read.members = [...read.members, { id: 'master-d-id', name: 'master D' }];
    expect((await getNodes(nodes)).at(-1)).toMatchObject({ name: 'd1', master: 'master D' });
    expect(read.count).toBe(2);
  });

  it('shows a master by its id when its name cannot be read, and reads it no more', async () => {
    const fleet = new FakeFleet();
    fleet.nodes = [{ info: node('b1'), masterId: 'master-b-id', running: [] }];
    let reads = 0;
    const failing = () => (reads++, Promise.reject(new Error('connection refused')));
    const nodes = directory([], {}, { fleet, members: failing });
    expect(await getNodes(nodes)).toEqual([{ ...node('b1'), runningJobs: [], master: 'master-b-id' }]);
    await getNodes(nodes);
    expect(reads).toBe(1);
  });
});

describe('the node lists beside /api/nodes', () => {
  it("give the bridges' status and the health every master's nodes, a remote one with its published jobs", () => {
    const fleet = new FakeFleet();
    fleet.nodes = [{ info: node('b1'), masterId: 'master-b-id', running: [12] }];
    const nodes = directory([node('a1')], { a1: [3] }, { fleet, members: membersOf([SELF]).source });
    expect(nodes.listed()).toEqual([node('a1'), { ...node('b1'), running: [12] }]);
    expect(nodes.infos()).toEqual([node('a1'), node('b1')]);
    const alone = directory([node('a1')], {});
    expect(alone.listed()).toEqual([node('a1')]);
    expect(alone.infos()).toEqual([node('a1')]);
  });
});

/** A dashboard feed on fake sources, served on a port of its own. */
async function startFeed(fleet: FakeFleet, members: () => Promise<MasterMember[]>) {
  const nodeEvents = new Listeners<NodeEvent>(() => undefined);
  const watched = new Listeners<JobUpdate>(() => undefined);
  const own = [node('a1')];
  const running: Record<string, number[]> = {};
  const hub = { listNodes: () => own, onNodeEvent: (listener: (event: NodeEvent) => void) => nodeEvents.subscribe(listener) };
  const jobs = { runningOn: (name: string) => running[name] ?? [], watch: (listener: (update: JobUpdate) => void) => watched.subscribe(listener), commit: () => undefined };
  const feed = new DashboardFeed({
    hub,
    nodes: directory(own, running, { fleet, members }),
    jobs,
    settings: { subscribe: () => () => undefined },
    remoteNodes: { subscribe: () => () => undefined },
    log,
  });
  const server = createServer((_req, res) => feed.attach(res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push({ server, feed });
  const stream = await SseClient.open(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  streams.push(stream);
  return { stream, nodeEvents, watched, running };
}

const servers: Array<{ server: Server; feed: DashboardFeed }> = [];
const streams: SseClient[] = [];
afterEach(async () => {
  for (const stream of streams.splice(0)) stream.close();
  for (const { server, feed } of servers.splice(0)) {
    feed.close();
    await new Promise((resolve) => server.close(resolve));
  }
});

type NodeEventData = { event: string; node: NodeView };
const nodeEvent = (event: string, name: string) => (e: SseEvent) => e.event === 'node' && (e.data as NodeEventData).event === event && (e.data as NodeEventData).node.name === name;
const nodeEventsOf = (stream: SseClient, name: string) => stream.events.filter((e) => e.event === 'node' && (e.data as NodeEventData).node.name === name).map((e) => e.data as NodeEventData);

describe("the dashboard feed with other masters' nodes", () => {
  it('tells each remote node that comes, changes and goes, with its master, and not a mere activity time', async () => {
    const fleet = new FakeFleet();
    fleet.nodes = [{ info: node('b0'), masterId: 'master-b-id', running: [] }];
    const { stream } = await startFeed(fleet, membersOf([SELF, { id: 'master-b-id', name: 'B' }]).source);
    // b0 was there before the dashboard connected: it has it from its fetch.
    fleet.set([...fleet.nodes, { info: node('b1'), masterId: 'master-b-id', running: [] }]);
    expect((await stream.next(nodeEvent('connected', 'b1'))).data).toMatchObject({ node: { name: 'b1', runningJobs: [] } });
    // Shown by its master's id until the names are read, then by its name: the nodes listed before too.
    await waitFor(() => ['b0', 'b1'].every((name) => nodeEventsOf(stream, name).some((e) => e.node.master === 'B')), 'both named');
    const b0Events = nodeEventsOf(stream, 'b0').length;
    fleet.set([{ info: node('b0', 'b0-conn', { lastActivity: '2026-01-01T00:00:15.000Z' }), masterId: 'master-b-id', running: [] }, { info: node('b1'), masterId: 'master-b-id', running: [4] }]);
    expect((await stream.next((e) => nodeEvent('updated', 'b1')(e) && (e.data as NodeEventData).node.runningJobs.length === 1)).data).toMatchObject({ node: { runningJobs: [4], master: 'B' } });
    fleet.set([{ info: node('b1'), masterId: 'master-b-id', running: [4] }]);
    expect((await stream.next(nodeEvent('disconnected', 'b0'))).data).toMatchObject({ node: { name: 'b0', master: 'B' } });
    // Its activity time alone was no event.
    expect(nodeEventsOf(stream, 'b0').map((e) => e.event).slice(b0Events)).toEqual(['disconnected']);
  });

  it("shows this master's nodes with its name, and every master's job updates through watch", async () => {
    const { stream, nodeEvents, watched, running } = await startFeed(new FakeFleet(), membersOf([SELF]).source);
    nodeEvents.emit({ event: 'updated', node: node('a1') });
    expect((await stream.next(nodeEvent('updated', 'a1'))).data).toEqual({ event: 'updated', node: { ...node('a1'), runningJobs: [], master: SELF.name } });
    // A job of another master, as read back: shown like this master's own.
    const remoteJob = { id: 31, status: 'running', node: 'b1', prompt: 'p', createdAt: '', lastSeq: 3 } as unknown as JobRecord;
    watched.emit({ job: remoteJob, events: [] });
    expect((await stream.next((e) => e.event === 'job')).data).toMatchObject({ id: 31, node: 'b1' });
    // One of its own that starts on its node changes that node's running jobs.
    running.a1 = [32];
    watched.emit({ job: { ...remoteJob, id: 32, node: 'a1' }, events: [] });
    await waitFor(() => nodeEventsOf(stream, 'a1').some((e) => e.node.runningJobs[0] === 32), 'a1 running job 32');
  });
});
