import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodexDriver } from '../codex/index.js';
import { childEnvironment } from '../config/index.js';
import { silentLogger } from '../log/index.js';
import type { Attachment, Frame, JobEvent, JobSpec } from '../protocol/index.js';
import { useDriverFixture } from '../test-support/driver-fixture.js';
import { originRepository, type Origin } from '../test-support/git-fixtures.js';
import { assistantMessage, execCommandCall } from '../test-support/responses-stand-in.js';
import { startScriptedMaster, type ScriptedMaster } from '../test-support/scripted-master.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait.js';
import { CodexExecutor } from './codex-executor.js';
import { createNodeWorker } from './worker.js';
import { Workspaces } from './workspaces.js';

const fx = useDriverFixture((options) => new CodexDriver(options));
const stops: Array<() => Promise<void>> = [];
afterAll(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const NOTES = Buffer.from('line one\nline two\n'.repeat(50));
type Finished = Extract<JobEvent, { kind: 'finished' }>;

/** A real node with the Codex executor, on a stand-in master the test speaks for. */
async function codexNode(maxPayloadBytes?: number): Promise<{ stand: ScriptedMaster; workdir: string }> {
  const stand = await startScriptedMaster(maxPayloadBytes);
  const workdir = tempDir('csc-files-wd-');
  const workspaces = new Workspaces({ dir: tempDir(), defaultWorkdir: workdir, allowLocalRepos: true, env: childEnvironment() });
  const worker = createNodeWorker(
    { urls: [stand.url], name: 'files', nodeId: 'node-files-test', tags: [], version: 'test', slots: 1, executor: new CodexExecutor(fx.driver), workspaces, token: () => 'token', tokenHint: '', attachmentWaitMs: 500 },
    silentLogger(),
  );
  worker.agent.start();
  stops.push(() => stand.close(), () => worker.agent.stop());
  await waitFor(() => worker.agent.connected, 'the node to be welcomed');
  return { stand, workdir };
}

function attachment(name: string, mime: string, kind: Attachment['kind'], bytes: Buffer): Attachment {
  return { id: createHash('sha256').update(bytes).digest('hex'), name, mime, kind, bytes: bytes.length };
}

/** Sends a file's `job_attachment` frames, in `parts` parts (all of them unless `only` says how many). */
function sendParts(stand: ScriptedMaster, jobId: number, file: Attachment, bytes: Buffer, parts: number, only = parts): void {
  const size = Math.ceil(bytes.length / parts);
  for (let part = 0; part < only; part += 1) stand.send({ type: 'job_attachment', jobId, id: file.id, part, parts, data: bytes.subarray(part * size, (part + 1) * size).toString('base64') });
}

function eventsOf(stand: ScriptedMaster, jobId: number): JobEvent[] {
  return stand.received.filter((f): f is Extract<Frame, { type: 'job_events' }> => f.type === 'job_events' && f.jobId === jobId).flatMap((f) => f.events.map((e) => e.event));
}

async function finished(stand: ScriptedMaster, jobId: number): Promise<Finished['result']> {
  const event = await waitFor(() => eventsOf(stand, jobId).find((e): e is Finished => e.kind === 'finished'), `job ${jobId} to finish`, 15_000);
  return event.result;
}

/** The files the job's `file` events carry, reassembled. */
function outboxFiles(events: JobEvent[]): Map<string, { mime: string; bytes: Buffer }> {
  const files = new Map<string, { mime: string; bytes: Buffer }>();
  for (const e of events) {
    if (e.kind !== 'file') continue;
    const held = files.get(e.name);
    files.set(e.name, { mime: e.mime, bytes: Buffer.concat([held?.bytes ?? Buffer.alloc(0), Buffer.from(e.data, 'base64')]) });
  }
  return files;
}

function job(id: number, prompt: string, extra: Partial<JobSpec> = {}): JobSpec {
  return { id, prompt, profile: { sandbox: 'workspace-write', approvalPolicy: 'never' }, attempt: 1, nextSeq: 1, ...extra };
}

describe('a job’s files in and out (real codex binary, stand-in model, raw master)', () => {
  let stand: ScriptedMaster;
  let workdir: string;
  let origin: Origin;
  beforeAll(async () => {
    ({ stand, workdir } = await codexNode());
    origin = originRepository({ 'README.md': '# app\n' });
  });

  it('writes the attachments to .csc/inbox, sends images as image inputs, and returns the outbox as file events; .csc is in no commit', async () => {
    const photo = attachment('dot.png', 'image/png', 'image', PNG);
    const notes = attachment('notes.txt', 'text/plain', 'file', NOTES);
    fx.standIn.enqueue(
      { output: [execCommandCall('cp .csc/inbox/notes.txt seen.txt && mkdir -p .csc/outbox && printf report > .csc/outbox/report.txt && cp .csc/inbox/dot.png .csc/outbox/ && git status --porcelain --untracked-files=all > status.txt')] },
      { output: [assistantMessage('done')] },
    );
    stand.send({ type: 'job_assign', job: job(1, 'read my notes', { repo: origin.bare, attachments: [photo, notes], profile: { sandbox: 'workspace-write', approvalPolicy: 'never', reasoningEffort: 'high' } }) });
    sendParts(stand, 1, photo, PNG, 1);
    sendParts(stand, 1, notes, NOTES, 3);
    const result = await finished(stand, 1);
    expect(result).toMatchObject({ status: 'succeeded', finalMessage: 'done' });
    const body = fx.standIn.requests[0]?.body as { input: unknown; reasoning?: { effort?: string } };
    expect(body.reasoning?.effort).toBe('high');
    const input = JSON.stringify(body.input);
    expect(input).toContain('input_image');
    expect(input).toContain('Files sent with this request are in .csc/inbox/: dot.png (image/png), notes.txt (text/plain).');
    expect(input).toContain('save them in .csc/outbox/');
    const files = outboxFiles(eventsOf(stand, 1));
    expect([...files.keys()]).toEqual(['dot.png', 'report.txt']);
    expect(files.get('report.txt')).toEqual({ mime: 'text/plain', bytes: Buffer.from('report') });
    expect(files.get('dot.png')?.bytes.equals(PNG)).toBe(true);
    const kinds = eventsOf(stand, 1).map((e) => e.kind);
    expect(kinds.lastIndexOf('file')).toBeLessThan(kinds.indexOf('finished'));
    expect(result.change?.files.map((f) => f.path)).toEqual(['seen.txt', 'status.txt']);
    const diff = eventsOf(stand, 1).flatMap((e) => (e.kind === 'diff' ? [e.text] : [])).join('');
    expect(diff).toContain('+line two');
    // git in the worktree, Codex's own included, does not see the job's files either.
    expect(diff).toContain('+?? seen.txt');
    expect(diff).not.toContain('.csc');
  });

  it("counts a follow-up's own tokens, not its thread's earlier turns", async () => {
    const first = await finished(stand, 1);
    expect(first.tokens).toEqual({ input: 20, output: 10, total: 30 });
    fx.standIn.enqueue({ output: [assistantMessage('again')], usage: { inputTokens: 100, outputTokens: 7 } });
    stand.send({ type: 'job_assign', job: job(2, 'and again', { repo: origin.bare, branch: 'csc/job-1', ...(first.threadId === undefined ? {} : { threadId: first.threadId }) }) });
    const result = await finished(stand, 2);
    expect(result).toMatchObject({ status: 'succeeded', threadId: first.threadId, tokens: { input: 100, output: 7, total: 107 } });
    const usage = eventsOf(stand, 2).filter((e) => e.kind === 'token_usage');
    expect(usage.at(-1)).toEqual({ kind: 'token_usage', input: 100, output: 7, total: 107 });
  });

  it('fails a job whose file never arrives whole, naming it, without running Codex', async () => {
    const notes = attachment('notes.txt', 'text/plain', 'file', NOTES);
    stand.send({ type: 'job_assign', job: job(3, 'read my notes', { attachments: [notes] }) });
    sendParts(stand, 3, notes, NOTES, 2, 1);
    const result = await finished(stand, 3);
    expect(result.status).toBe('failed');
    expect(result.error).toContain('notes.txt (1 of 2 parts) never came whole');
    expect(fx.standIn.requests).toHaveLength(0);
    expect(existsSync(join(workdir, '.csc'))).toBe(false);
  });

  it('ends a job cancelled while its files are on the way as cancelled', async () => {
    const notes = attachment('notes.txt', 'text/plain', 'file', NOTES);
    stand.send({ type: 'job_assign', job: job(5, 'read my notes', { attachments: [notes] }) });
    await waitFor(() => eventsOf(stand, 5).some((e) => e.kind === 'started'), 'job 5 to start');
    stand.send({ type: 'job_cancel', jobId: 5 });
    expect(await finished(stand, 5)).toMatchObject({ status: 'cancelled', error: "cancelled while the job's files were arriving" });
    expect(fx.standIn.requests).toHaveLength(0);
  });

  it('fails a job whose file arrives damaged', async () => {
    const notes = { ...attachment('notes.txt', 'text/plain', 'file', NOTES), id: 'a'.repeat(64) };
    stand.send({ type: 'job_assign', job: job(4, 'read my notes', { attachments: [notes] }) });
    sendParts(stand, 4, notes, NOTES, 2);
    const result = await finished(stand, 4);
    expect(result).toMatchObject({ status: 'failed', error: expect.stringContaining('notes.txt arrived damaged') as string });
    expect(fx.standIn.requests).toHaveLength(0);
  });
});

describe('the outbox within its limits and the master’s frame size', () => {
  it('sends at most ten files of at most 10 MiB, in parts that fit small frames, and names the rest', async () => {
    const { stand, workdir } = await codexNode(64 * 1024);
    const make = 'mkdir -p .csc/outbox && cd .csc/outbox && yes abcdefghij | head -c 100000 > a.bin && head -c 10485761 /dev/zero > big.bin && for i in 01 02 03 04 05 06 07 08 09 10 11 12; do echo $i > f$i.txt; done';
    fx.standIn.enqueue({ output: [execCommandCall(make)] }, { output: [assistantMessage('made')] });
    stand.send({ type: 'job_assign', job: job(1, 'make files') });
    expect((await finished(stand, 1)).status).toBe('succeeded');
    const events = eventsOf(stand, 1);
    const files = outboxFiles(events);
    expect([...files.keys()]).toEqual(['a.bin', 'f01.txt', 'f02.txt', 'f03.txt', 'f04.txt', 'f05.txt', 'f06.txt', 'f07.txt', 'f08.txt', 'f09.txt']);
    expect(files.get('a.bin')?.bytes.equals(Buffer.from('abcdefghij\n'.repeat(10_000)).subarray(0, 100_000))).toBe(true);
    expect(events.filter((e) => e.kind === 'file' && e.name === 'a.bin').length).toBeGreaterThan(1);
    expect(stand.invalid).toEqual([]);
    const warning = events.find((e) => e.kind === 'log' && e.level === 'warn');
    expect(warning).toMatchObject({ message: expect.stringMatching(/big\.bin \(10485761 bytes.*f10\.txt.*f11\.txt.*f12\.txt/) as string });
    expect(existsSync(join(workdir, '.csc'))).toBe(false);
  });
});
