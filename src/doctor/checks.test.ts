import { describe, expect, it } from 'vitest';
import { codexSupport, compareVersions } from '../codex/codex-support.js';
import { report } from './check.js';
import { maskSecrets } from './codex-checks.js';
import { clockVerdict, formatDuration, MAX_CLOCK_SKEW_MS } from './master-checks.js';
import { renderReport } from './render.js';
import { checkDisk, checkNodeVersion, diskVerdict, DISK_LIMITS, satisfiesMinimum } from './system-checks.js';

describe('the Node.js version against engines', () => {
  it('compares by major, minor and patch', () => {
    expect(satisfiesMinimum('20.19.0', '>=20.19')).toBe(true);
    expect(satisfiesMinimum('v22.1.0', '>=20.19')).toBe(true);
    expect(satisfiesMinimum('20.18.9', '>=20.19')).toBe(false);
    expect(satisfiesMinimum('18.20.0', '>=20.19')).toBe(false);
  });

  it('fails an old Node.js and says what to install', () => {
    const check = checkNodeVersion('18.20.0', '>=20.19');
    expect(check).toMatchObject({ id: 'node.version', status: 'fail' });
    expect(check.hint).toContain('20.19');
    expect(checkNodeVersion('20.19.4', '>=20.19').status).toBe('ok');
  });
});

describe('free disk space', () => {
  it('warns under 1 GiB and fails under 100 MiB', () => {
    expect(diskVerdict(DISK_LIMITS.warnBytes * 5, 'x').status).toBe('ok');
    expect(diskVerdict(DISK_LIMITS.warnBytes - 1, 'x').status).toBe('warn');
    expect(diskVerdict(DISK_LIMITS.failBytes - 1, 'x')).toMatchObject({ id: 'disk', status: 'fail' });
  });

  it('measures a data dir that does not exist yet at its nearest parent', async () => {
    const check = await checkDisk('/tmp/csc-doctor-missing/a/b');
    expect(check.id).toBe('disk');
    expect(check.summary).toContain('measured at /tmp');
  });
});

describe('Codex versions', () => {
  it('orders versions numerically', () => {
    expect(compareVersions('0.169.0', '0.153.4')).toBeGreaterThan(0);
    expect(compareVersions('0.100.0', '0.153.0')).toBeLessThan(0);
    expect(compareVersions('0.169.0', '0.169.0-alpha.1')).toBe(0);
  });

  it('knows which protocol a version speaks', () => {
    expect(codexSupport('0.169.0', 'app-server').level).toBe('supported');
    expect(codexSupport('0.171.0', 'app-server').level).toBe('supported');
    expect(codexSupport('0.160.0', 'app-server').level).toBe('untested');
    expect(codexSupport('0.153.4', 'mcp-server').level).toBe('supported');
    expect(codexSupport('0.169.0', 'mcp-server').level).toBe('untested');
    expect(codexSupport('0.100.0', 'app-server').level).toBe('unsupported');
    expect(codexSupport('0.100.0', 'mcp-server').level).toBe('unsupported');
  });

  it('masks keys in what Codex prints', () => {
    expect(maskSecrets('Logged in using an API key - sk-proj-abcdef1234567890')).toBe('Logged in using an API key - ***');
    expect(maskSecrets('token abcdefghijklmnopqrstuvwxyz0123 end')).toBe('token *** end');
    expect(maskSecrets('Logged in using ChatGPT')).toBe('Logged in using ChatGPT');
  });
});

describe('clock skew against the master', () => {
  const probe = (offsetMs: number) => {
    const sentAt = Date.UTC(2026, 0, 1, 12, 0, 0, 200);
    const master = new Date(sentAt + 100 - offsetMs);
    return { answer: { status: 200, headers: { date: master.toUTCString() }, body: '' }, sentAt, receivedAt: sentAt + 200 };
  };

  it('is fine within 5 s and a warning beyond', () => {
    expect(clockVerdict(probe(1_000)).status).toBe('ok');
    const ahead = clockVerdict(probe(MAX_CLOCK_SKEW_MS + 3_000));
    expect(ahead).toMatchObject({ id: 'master.clock', status: 'warn' });
    expect(ahead.summary).toMatch(/ahead of the master's/);
    expect(clockVerdict(probe(-60_000)).summary).toMatch(/60\.\d s behind/);
  });

  it("prefers the master's own time when health reports it", () => {
    const p = probe(0);
    expect(clockVerdict(p, new Date(p.sentAt + 100 - 10_000).toISOString()).summary).toBe("this clock is 10.0 s ahead of the master's");
  });

  it('skips without a Date header', () => {
    expect(clockVerdict({ answer: { status: 200, headers: {}, body: '' }, sentAt: 0, receivedAt: 1 }).status).toBe('skip');
  });
});

describe('the report', () => {
  it('is ok unless a check failed', () => {
    expect(report([{ id: 'a', status: 'ok', summary: '' }, { id: 'b', status: 'warn', summary: '', hint: 'h' }, { id: 'c', status: 'skip', summary: '' }]).ok).toBe(true);
    expect(report([{ id: 'a', status: 'fail', summary: '', hint: 'h' }]).ok).toBe(false);
  });

  it('renders one line per check, the hint under it, and the counts', () => {
    const text = renderReport(report([{ id: 'node.version', status: 'ok', summary: 'Node 20' }, { id: 'disk', status: 'fail', summary: 'full', hint: 'free some' }]), false);
    expect(text).toBe('ok    node.version  Node 20\nfail  disk          full\n                    → free some\n\n1 ok, 0 warn, 1 fail, 0 skip: fix the failures above\n');
  });

  it('says durations the short way', () => {
    expect(formatDuration(5)).toBe('5s');
    expect(formatDuration(3_725)).toBe('1h 2m');
    expect(formatDuration(90_061)).toBe('1d 1h');
  });
});
