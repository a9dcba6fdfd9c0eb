import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../log/index.js';
import { parseDiffFiles } from '../node/diff-stat.js';
import type { ChangeSummary, JobSpec } from '../protocol/index.js';
import { ChangeNode, diffEvents, diffParts, openedPullRequest } from '../test-support/change-node.js';
import { everyKindOfChange, git, type GitChange } from '../test-support/git-change.js';
import { SLACK_BOT_USER, SlackStandIn } from '../test-support/slack-stand-in.js';
import { TelegramStandIn } from '../test-support/telegram-stand-in.js';
import { testBridgeConfig } from '../test-support/test-bridge.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { startTestMaster, type TestMaster } from '../test-support/test-master.js';
import { waitFor } from '../test-support/wait.js';
import { ChatBridge, platformAdapters } from './index.js';

/**
 * Chat answers for jobs that changed files, through a real master and bridge, with a raw node
 * that sends real `git diff` output as `diff` events and answers `job_publish` as the test says.
 */

const CHAT = 3003;
let master: TestMaster;
let node: ChangeNode;
let telegram: TelegramStandIn;
let slack: SlackStandIn;
let bridge: ChatBridge;
let kinds: GitChange;

/** The stat a node reports for a change: `git diff -M --name-status` and `--numstat` of the range. */
function summaryOf(change: GitChange, jobId: number): ChangeSummary {
  const range = [change.base, change.head];
  const files = parseDiffFiles(git(change.dir, 'diff', '-M', '--name-status', '-z', ...range), git(change.dir, 'diff', '-M', '--numstat', '-z', ...range));
  const sum = (key: 'added' | 'removed') => files.reduce((total, file) => total + file[key], 0);
  return { baseCommit: change.base, headCommit: change.head, branch: `csc/job-${jobId}`, files, added: sum('added'), removed: sum('removed'), diffBytes: Buffer.byteLength(change.diff), truncated: false };
}

/** One new file of about 1.2 MiB: a diff past what a chat answer attaches. */
function largeChange(): GitChange {
  const dir = tempDir('csc-chat-large-');
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'README.md'), '# big\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'base');
  const base = git(dir, 'rev-parse', 'HEAD').trim();
  writeFileSync(join(dir, 'big.txt'), Array.from({ length: 40_000 }, (_, i) => `a generated line, number ${i}`).join('\n') + '\n');
  git(dir, 'add', '-A');
  git(dir, 'commit', '-q', '-m', 'head');
  const head = git(dir, 'rev-parse', 'HEAD').trim();
  return { dir, base, head, diff: git(dir, 'diff', '-M', base, head) };
}

/** Runs the next assigned job to its end with `change`, each diff part in a frame of its own (the master takes 1 MiB a frame). */
async function finishWith(change: GitChange): Promise<JobSpec> {
  const spec = await node.assigned(10_000);
  await node.send(spec, [{ seq: spec.nextSeq, at: new Date().toISOString(), event: { kind: 'started', executor: 'raw' } }]);
  const parts = diffEvents(diffParts(change.diff, Math.ceil(change.diff.length / (256 * 1024))), spec.nextSeq + 1);
  for (const part of parts) await node.send(spec, [part]);
  const result = { status: 'succeeded' as const, finalMessage: 'Done.', filesChanged: [], commands: [], durationMs: 5, change: summaryOf(change, spec.id) };
  await node.send(spec, [{ seq: spec.nextSeq + 1 + parts.length, at: new Date().toISOString(), event: { kind: 'finished', result } }]);
  return spec;
}

function reply(text: string, timeoutMs = 10_000) {
  return waitFor(() => telegram.sentTo(CHAT).find((m) => m.text.includes(text)), `a reply with "${text}"`, timeoutMs);
}

beforeAll(async () => {
  kinds = everyKindOfChange();
  master = await startTestMaster();
  node = await ChangeNode.connect(master, 'reviewer');
  telegram = await TelegramStandIn.start();
  slack = await SlackStandIn.start();
  const config = testBridgeConfig(master, {
    telegram: { botToken: telegram.token, parseMode: 'MarkdownV2', allowedChats: [String(CHAT)], apiRoot: telegram.apiRoot },
    slack: { botToken: slack.botToken, appToken: slack.appToken, defaultChannel: 'C1', allowedChannels: ['C1'], allowedUsers: [], apiUrl: slack.apiUrl },
  });
  const createAdapter = platformAdapters({ telegram: { perChatIntervalMs: 0, globalIntervalMs: 0, retryBaseMs: 100 }, slack: { retries: 0, retryBaseMs: 100 } });
  bridge = new ChatBridge({ config, version: 'test', createAdapter, progressIntervalMs: 50, log: silentLogger() });
  bridge.start();
  await waitFor(() => telegram.calls.some((c) => c.method === 'getUpdates') && slack.calls.filter((c) => c.method === 'auth.test').length >= 2, 'the bridge on both platforms');
});
afterAll(async () => {
  await bridge.stop();
  node.close();
  await master.close();
  await telegram.close();
  await slack.close();
  removeTempDirs();
});

describe('chat answers for a job with a change', () => {
  it('Telegram: the result carries the diff stat and the dashboard link, and the diff comes as a .diff document', async () => {
    telegram.say({ chatId: CHAT, text: '/run @reviewer acme/app change every kind of file' });
    const spec = await finishWith(kinds);
    const result = await reply(`diff in the dashboard](http://dash.test/jobs/${spec.id}#change)`);
    expect(result.text).toContain('*Change: 9 files, \\+7 −4* on csc/job\\-');
    expect(result.text).toContain('• old name\\.txt → new name\\.txt \\(renamed, \\+1 −1\\)');
    expect(result.text).toContain('• logo\\.bin \\(modified, binary\\)');
    const document = await waitFor(() => telegram.documents.find((d) => d.fileName === `job-${spec.id}.diff`), 'the .diff document');
    expect(document).toMatchObject({ chatId: CHAT, size: Buffer.byteLength(kinds.diff), caption: `Job #${spec.id}: 9 files changed, +7 −4` });
    expect(document.content.toString('utf8')).toBe(kinds.diff);
    expect(telegram.calls.find((c) => c.method === 'sendDocument')?.payload.document).toMatch(/^attach:\/\//);
    expect(telegram.rejected).toEqual([]);
  });

  it('Telegram: /pr opens a pull request for the thread\'s last job, and /pr branch reports a refused push', async () => {
    const last = (await master.jobs.list({ limit: 1 }))[0];
    telegram.say({ chatId: CHAT, text: '/pr' });
    await reply(`Publishing job \\#${last?.id}`);
    const request = await node.publishRequest(10_000);
    expect(request).toMatchObject({ jobId: last?.id, mode: 'pr', repo: 'acme/app', branch: `csc/job-${last?.id}` });
    node.answer(request, openedPullRequest(request, 12));
    const published = await reply('published');
    expect(published.text).toContain(`[Pull request \\#12](https://github.com/acme/app/pull/12)`);

    telegram.say({ chatId: CHAT, text: '/pr branch' });
    const push = await node.publishRequest(10_000);
    expect(push.mode).toBe('branch');
    node.answer(push, { mode: 'branch', branch: push.branch, error: 'the remote refused the push: protected branch' });
    const refused = await reply('not published');
    expect(refused.text).toContain('Publishing failed: the remote refused the push: protected branch');
    telegram.say({ chatId: CHAT, text: '/pr draft' });
    await reply('Usage: /pr opens a pull request');
    expect(telegram.rejected).toEqual([]);
  });

  it('Telegram: a diff over 1 MiB is not attached; the stat and the link still are', async () => {
    const large = largeChange();
    expect(Buffer.byteLength(large.diff)).toBeGreaterThan(1024 * 1024);
    telegram.say({ chatId: CHAT, text: 'write a big file' });
    const spec = await finishWith(large);
    const result = await reply(`(http://dash.test/jobs/${spec.id}#change)`);
    expect(result.text).toContain('*Change: 1 file, \\+40000 −0*');
    // The document would follow the result at once; give it the time it would take.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(telegram.documents.filter((d) => d.fileName === `job-${spec.id}.diff`)).toEqual([]);
  });

  it('Slack: the result in the thread carries the diff stat and the dashboard link', async () => {
    const ts = slack.nextTs();
    slack.sendEvent({ type: 'app_mention', channel: 'C1', channel_type: 'channel', user: 'U1', text: `<@${SLACK_BOT_USER}> /run @reviewer acme/app change every kind of file`, ts });
    const spec = await finishWith(kinds);
    const result = await waitFor(() => slack.posted.find((p) => p.threadTs === ts && p.text.includes('#change')), 'the result in the thread', 10_000);
    expect(result.text).toContain(`*Change: 9 files, +7 −4* on csc/job-${spec.id}`);
    expect(result.text).toContain(`<http://dash.test/jobs/${spec.id}#change|Job #${spec.id}'s diff in the dashboard>`);
  });
});
