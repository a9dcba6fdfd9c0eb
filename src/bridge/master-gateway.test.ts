import { once } from 'node:events';
import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import type { BridgeConfig } from '../config/index.js';
import { silentLogger } from '../log/index.js';
import { encodeFrame, type Frame, type JobSummary } from '../protocol/index.js';
import { TelegramStandIn } from '../test-support/telegram-stand-in.js';
import { waitFor } from '../test-support/wait.js';
import { ChatBridge, platformAdapters } from './index.js';

type Sent = Frame & { requestId?: string; prompt?: string; continueFrom?: number; jobId?: number; mode?: string };

/**
 * A master of the test's own: it welcomes the bridge, records what the bridge sends, and answers
 * nothing unless the test says so, as a master that hangs would.
 */
async function silentMaster(port = 0) {
  const wss = new WebSocketServer({ host: '127.0.0.1', port });
  const frames: Sent[] = [];
  const taken = new Set<Sent>();
  let peer: WebSocket | undefined;
  wss.on('connection', (ws) => {
    peer = ws;
    ws.send(encodeFrame({ type: 'welcome', id: 'c1', name: 'bridge', role: 'bridge', protocol: 1, serverVersion: 'test', heartbeatIntervalSec: 15, maxPayloadBytes: 1024 * 1024 }));
    ws.on('message', (data) => frames.push(JSON.parse((data as Buffer).toString('utf8')) as Sent));
  });
  await once(wss, 'listening');
  return {
    url: `ws://127.0.0.1:${(wss.address() as AddressInfo).port}`,
    connected: () => peer !== undefined,
    /** The bridge's first frame of `type` that matches and was not taken before (waiting for it). */
    async sent(type: Frame['type'], match: (frame: Sent) => boolean = () => true): Promise<Sent> {
      const frame = await waitFor(() => frames.find((f) => f.type === type && !taken.has(f) && match(f)), `a ${type} frame`);
      taken.add(frame);
      return frame;
    },
    /** Sends frames in one socket write, so that the bridge reads them in one go. */
    answer(...answers: Frame[]): void {
      const socket = (peer as unknown as { _socket: Socket })._socket;
      socket.cork();
      for (const frame of answers) peer?.send(encodeFrame(frame));
      socket.uncork();
    },
    close: () => new Promise<void>((resolve) => wss.close(() => resolve())),
  };
}

let master: Awaited<ReturnType<typeof silentMaster>>;
let telegram: TelegramStandIn;
let bridge: ChatBridge;

/** A bridge on Telegram (plain text) whose requests to `masterUrl` time out after 0.3 s. */
function startBridge(masterUrl: string, telegram: TelegramStandIn): ChatBridge {
  const config: BridgeConfig = {
    masterUrls: [masterUrl],
    token: 'a-bridge-token-for-the-silent-master',
    tokenFile: '/nonexistent',
    name: 'bridge',
    dashboardUrl: 'http://dash.test',
    reconnectMs: 200,
    platforms: {
      slack: { defaultChannel: '', allowedChannels: [], allowedUsers: [], apiUrl: 'http://127.0.0.1:9/api/' },
      telegram: { botToken: telegram.token, parseMode: '', allowedChats: ['*'], apiRoot: telegram.apiRoot },
    },
    overrides: { slack: {}, telegram: {} },
    log: { level: 'silent', format: 'json' },
  };
  const createAdapter = platformAdapters({ telegram: { perChatIntervalMs: 0, globalIntervalMs: 0, retryBaseMs: 100 } });
  const bridge = new ChatBridge({ config, version: 'test', createAdapter, progressIntervalMs: 50, requestTimeouts: { submitTimeoutMs: 300, statusTimeoutMs: 300, answerTimeoutMs: 300 }, log: silentLogger() });
  bridge.start();
  return bridge;
}

beforeAll(async () => {
  master = await silentMaster();
  telegram = await TelegramStandIn.start();
  bridge = startBridge(master.url, telegram);
  await waitFor(() => master.connected() && telegram.calls.some((c) => c.method === 'getUpdates'), 'the bridge');
});
afterAll(async () => {
  await bridge.stop();
  await master.close();
  await telegram.close();
});

/** The bot's message in `chat` answering `asked`, once its text contains `text`. */
function answerTo(chat: number, asked: number, text: string, on = telegram) {
  return waitFor(() => on.sentTo(chat).find((m) => m.replyTo === asked && m.text.includes(text)), `an answer with "${text}"`);
}

function job(id: number, status: JobSummary['status'], more: Partial<JobSummary> = {}): JobSummary {
  return { id, status, prompt: 'p', node: 'n1', createdAt: new Date().toISOString(), lastSeq: 0, ...more };
}

const done = (id: number, finalMessage: string) =>
  job(id, 'succeeded', { finishedAt: new Date().toISOString(), result: { status: 'succeeded', finalMessage, filesChanged: [], commands: [], durationMs: 5 } });

describe('bridge requests to a master that does not answer', () => {
  it('/status says the master did not answer in time, and a late answer does no harm', async () => {
    const chat = 31;
    const asked = telegram.say({ chatId: chat, text: '/status' });
    await answerTo(chat, asked, 'Something went wrong: the master did not answer within 0.3 s; try again in a moment.');
    const late = await master.sent('status_request');
    const status = { master: { version: 'late-version', startedAt: 'then', queued: 0, active: 0 }, nodes: [] };
    master.answer({ type: 'status', requestId: late.requestId, ...status });
    const again = telegram.say({ chatId: chat, text: '/status' });
    const prompt = await master.sent('status_request');
    master.answer({ type: 'status', requestId: prompt.requestId, ...status, master: { ...status.master, version: 'v-prompt' } });
    await answerTo(chat, again, 'Master v-prompt');
    expect(telegram.sentTo(chat).filter((m) => m.text.includes('late-version'))).toEqual([]);
  });

  it('a submit answered late: the chat says so at once, then shows the job, and the next request waits for it', async () => {
    const chat = 32;
    const asked = telegram.say({ chatId: chat, text: 'do the thing' });
    const overdue = await answerTo(chat, asked, 'The master did not answer within 0.3 s; the request may still run: /status shows it');
    const submit = await master.sent('job_submit', (f) => f.prompt === 'do the thing');
    const status = telegram.say({ chatId: chat, text: '/status' });
    const request = await master.sent('status_request');
    master.answer({ type: 'status', requestId: request.requestId, master: { version: 'v', startedAt: 'then', queued: 1, active: 0 }, nodes: [] });
    await answerTo(chat, status, "This thread: a request sent, waiting for the master's answer");
    const next = telegram.say({ chatId: chat, text: 'and then' });
    await answerTo(chat, next, 'Queued behind the request before it');
    master.answer({ type: 'job_update', requestId: submit.requestId, job: job(7, 'queued'), events: [] });
    master.answer({ type: 'job_update', job: job(7, 'running'), events: [{ seq: 1, at: new Date().toISOString(), event: { kind: 'agent_message', text: 'working on it' } }] });
    await answerTo(chat, asked, 'working on it');
    master.answer({ type: 'job_update', job: done(7, 'Late but done.'), events: [] });
    await answerTo(chat, asked, 'Late but done.');
    expect(overdue.history[0]).toContain('Sending to Codex');
    expect((await master.sent('job_submit', (f) => f.prompt === 'and then')).continueFrom).toBe(7);
  });

  it('a late refusal says the job could not start', async () => {
    const chat = 33;
    const asked = telegram.say({ chatId: chat, text: 'refused later' });
    await answerTo(chat, asked, 'The master did not answer within 0.3 s');
    const submit = await master.sent('job_submit', (f) => f.prompt === 'refused later');
    master.answer({ type: 'error', code: 'bad_request', message: 'no node is called "nowhere"', ref: 'job_submit', requestId: submit.requestId });
    await answerTo(chat, asked, 'Could not start the job: no node is called "nowhere"');
  });

  it('/cancel gives up on an unanswered submit, and a job it makes after all is cancelled at once', async () => {
    const chat = 34;
    const asked = telegram.say({ chatId: chat, text: 'cancel me' });
    const submit = await master.sent('job_submit', (f) => f.prompt === 'cancel me');
    const cancel = telegram.say({ chatId: chat, text: '/cancel' });
    await answerTo(chat, cancel, 'Gave up on the request the master has not answered: if it starts after all, it is cancelled at once.');
    master.answer({ type: 'job_update', requestId: submit.requestId, job: job(9, 'queued'), events: [] });
    expect((await master.sent('job_cancel_request', (f) => f.jobId === 9)).jobId).toBe(9);
    await answerTo(chat, asked, 'Job #9 started after all; cancelling it, as /cancel asked.');
  });

  it("shows the result of a job whose final state comes in the same read as the submit's answer", async () => {
    const chat = 35;
    const asked = telegram.say({ chatId: chat, text: 'quick one' });
    const submit = await master.sent('job_submit', (f) => f.prompt === 'quick one');
    master.answer({ type: 'job_update', requestId: submit.requestId, job: job(11, 'queued'), events: [] }, { type: 'job_update', job: done(11, 'Quick answer.'), events: [] });
    await answerTo(chat, asked, 'Quick answer.');
  });
});

describe('/pr through a master that does not answer at once', () => {
  /** A thread whose last job, `id`, has finished. */
  async function finishedThread(chat: number, id: number): Promise<void> {
    const asked = telegram.say({ chatId: chat, text: `job ${id}` });
    const submit = await master.sent('job_submit', (f) => f.prompt === `job ${id}`);
    master.answer({ type: 'job_update', requestId: submit.requestId, job: job(id, 'queued'), events: [] }, { type: 'job_update', job: done(id, `Job ${id} done.`), events: [] });
    await answerTo(chat, asked, `Job ${id} done.`);
  }

  it("waits past the master's node_timeout, and answers with the node's late publication", async () => {
    const chat = 36;
    await finishedThread(chat, 13);
    const asked = telegram.say({ chatId: chat, text: '/pr' });
    const request = await master.sent('job_publish_request', (f) => f.jobId === 13);
    expect(request).toMatchObject({ mode: 'pr' });
    master.answer({ type: 'error', code: 'node_timeout', message: 'node n1 did not answer within 60 s', ref: 'job_publish_request', requestId: request.requestId });
    const publication = { mode: 'pr' as const, branch: 'csc/job-13', pushedAt: new Date().toISOString(), pullRequest: { number: 3, url: 'https://github.com/acme/app/pull/3' } };
    const published = done(13, 'Job 13 done.');
    master.answer({ type: 'job_update', job: { ...published, result: { ...published.result!, publication } }, events: [] });
    const answer = await answerTo(chat, asked, 'Job #13 published');
    expect(answer.text).toContain('Pull request #3: https://github.com/acme/app/pull/3');
    expect(telegram.sentTo(chat).filter((m) => m.text.includes('not published'))).toEqual([]);
  });

  it('says at once why a job cannot be published, and that a thread without a finished job has nothing to publish', async () => {
    const chat = 37;
    const early = telegram.say({ chatId: chat, text: '/pr branch' });
    await answerTo(chat, early, 'No finished job in this thread yet');
    await finishedThread(chat, 14);
    const asked = telegram.say({ chatId: chat, text: '/pr branch' });
    const request = await master.sent('job_publish_request', (f) => f.jobId === 14);
    expect(request.mode).toBe('branch');
    master.answer({ type: 'error', code: 'node_unavailable', message: "node n1, which holds job 14's branch csc/job-14, is not connected", ref: 'job_publish_request', requestId: request.requestId });
    await answerTo(chat, asked, "❌ Job #14 not published: node n1, which holds job 14's branch csc/job-14, is not connected");
  });
});

describe('answers to questions through a master that answers late, refuses, or answers', () => {
  it('tells the presser each time, and edits the question once the master has decided', async () => {
    const chat = 38;
    const asked = telegram.say({ chatId: chat, text: 'ask me' });
    const submit = await master.sent('job_submit', (f) => f.prompt === 'ask me');
    const question = { kind: 'command' as const, id: 'a1q1', method: 'item/commandExecution/requestApproval', command: 'make deploy', decisions: ['accept' as const, 'decline' as const] };
    const state = { question, attempt: 1, askedAt: new Date().toISOString(), deadline: new Date(Date.now() + 600_000).toISOString(), status: 'pending' as const };
    master.answer({ type: 'job_update', requestId: submit.requestId, job: job(15, 'running'), events: [] }, { type: 'job_update', job: job(15, 'running', { questions: [state] }), events: [] });
    const shown = await waitFor(() => telegram.sentTo(chat).find((m) => m.buttons !== undefined), 'the question');
    expect(shown.replyTo).toBe(asked);
    const press = (data: string) => telegram.press({ chatId: chat, messageId: shown.messageId, data });
    const reply = (query: string) => waitFor(() => telegram.callbackAnswers.find((a) => a.queryId === query)?.text, 'the answer to the press');

    const late = press('q|15|a1q1|a');
    expect(await master.sent('question_answer')).toMatchObject({ jobId: 15, questionId: 'a1q1', answer: { decision: 'accept' }, user: { platform: 'telegram', chatId: '38', userId: '38', userName: 'june' } });
    expect(await reply(late)).toBe('Could not answer: the master did not answer within 0.3 s; the message shows the decision once it is made.');

    const refused = press('q|15|a1q1|d');
    const second = await master.sent('question_answer');
    master.answer({ type: 'error', code: 'bad_request', message: 'no question a1q1 of job 15 offers that', ref: 'question_answer', requestId: second.requestId });
    expect(await reply(refused)).toBe('Could not answer: no question a1q1 of job 15 offers that');

    const answered = press('q|15|a1q1|d');
    const third = await master.sent('question_answer');
    const decided = { ...state, status: 'answered' as const, answer: { decision: 'decline' as const }, by: { via: 'telegram' as const, userId: '38', name: 'june', at: new Date().toISOString() } };
    master.answer({ type: 'question_result', requestId: third.requestId ?? '', outcome: 'answered', message: 'Denied (job 15, question a1q1).', state: decided });
    expect(await reply(answered)).toBe('Denied (job 15, question a1q1).');
    await waitFor(() => shown.text.includes('Denied by june') || undefined, 'the question edited');
    expect(shown.buttons).toBeUndefined();
  });
});

describe('bridge requests while the master is down', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('says the master is out of reach, and shows the job once it is back and answers the resent submit', async () => {
    const port = await freePort();
    const own = await TelegramStandIn.start();
    cleanups.push(() => own.close());
    const away = startBridge(`ws://127.0.0.1:${port}`, own);
    cleanups.push(() => away.stop());
    await waitFor(() => own.calls.some((c) => c.method === 'getUpdates'), 'the bridge polling');
    const asked = own.say({ chatId: 41, text: 'while you were out' });
    await answerTo(41, asked, 'No answer within 0.3 s: the master is out of reach. The request goes out once it is back', own);
    const back = await silentMaster(port);
    // Closed after the bridge has stopped: the server waits for its connections to end.
    cleanups.splice(1, 0, () => back.close());
    const submit = await back.sent('job_submit', (f) => f.prompt === 'while you were out');
    back.answer({ type: 'job_update', requestId: submit.requestId, job: job(21, 'queued'), events: [] }, { type: 'job_update', job: done(21, 'Back again.'), events: [] });
    await answerTo(41, asked, 'Back again.', own);
  });
});

/** A loopback port nothing listens on (for now). */
async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
