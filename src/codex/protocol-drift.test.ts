import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultCodexCommand, readCodexVersion } from './codex-binary.js';
import { IGNORED_NOTIFICATIONS } from './ignored-notifications.js';
import { compareProtocol, isBreaking, isEmpty, snapshotFields } from './protocol-drift.js';
import { ProtocolSchema } from './protocol-schema.js';
import { PROTOCOL_SNAPSHOT } from './protocol-snapshot.js';
import { logProtocolDrift } from './drift-report.js';
import { captureLog } from '../test-support/log-capture.js';

/** The running binary's own schema (the dev dependency, or CSC_CODEX_BIN under `npm run test:codex-latest`). */
let dir: string;
let schema: ProtocolSchema;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'csc-drift-'));
  execFileSync(defaultCodexCommand(), ['app-server', 'generate-json-schema', '--out', join(dir, 'real')]);
  schema = ProtocolSchema.read(join(dir, 'real'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the real schema with `edit` applied to every file's text. */
function editedCopy(name: string, edit: (text: string) => string): ProtocolSchema {
  const copy = join(dir, name);
  cpSync(join(dir, 'real'), copy, { recursive: true });
  const walk = (at: string): void => {
    for (const entry of readdirSync(at)) {
      const path = join(at, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (entry.endsWith('.json')) writeFileSync(path, edit(readFileSync(path, 'utf8')));
    }
  };
  walk(copy);
  return ProtocolSchema.read(copy);
}

describe('the protocol snapshot against the running Codex', () => {
  it('finds every field we rely on where the snapshot says, and nothing new left unclassified', async () => {
    const drift = compareProtocol(schema, PROTOCOL_SNAPSHOT);
    // A failure here names what moved: update the code that reads it, then `npm run codex:snapshot`.
    expect(drift, `Codex ${await readCodexVersion(defaultCodexCommand(), process.env)} against the snapshot of ${PROTOCOL_SNAPSHOT.codex}`).toEqual({ missing: [], changed: [], unrecorded: [], newNotifications: [], newServerRequests: [] });
    expect(isEmpty(drift)).toBe(true);
  });

  it('lists as ignored only notifications this Codex has', () => {
    const sent = new Set(schema.methodNames('notification'));
    expect([...IGNORED_NOTIFICATIONS.keys()].filter((method) => !sent.has(method))).toEqual([]);
  });

  it('reports a field we read that a release removed', () => {
    // `item/agentMessage/delta` without its `delta`: the one field the streamed answer comes from.
    const edited = editedCopy('no-delta', (text) => text.replace(/"delta": \{\s*"type": "string"\s*\},?/g, ''));
    const drift = compareProtocol(edited, PROTOCOL_SNAPSHOT);
    expect(drift.missing).toContain('notification item/agentMessage/delta params.delta');
    expect(isBreaking(drift)).toBe(true);
  });

  it('reports a field whose allowed values changed, and a notification nobody classified', () => {
    const edited = editedCopy('renamed', (text) => text.replaceAll('"interrupted"', '"aborted"').replace('"enum": [\n            "turn/started"', '"enum": [\n            "turn/paused"'));
    const drift = compareProtocol(edited, PROTOCOL_SNAPSHOT);
    expect(drift.changed.some((line) => line.startsWith('notification turn/completed params.turn.status:') && line.includes('"aborted"'))).toBe(true);
    expect(drift.newNotifications).toEqual(['turn/paused']);
    expect(isBreaking(drift)).toBe(true);
  });

  it('reports a relied-on field the snapshot does not record', () => {
    const fields = { ...snapshotFields(schema) };
    delete fields['notification turn/started params.turn.id'];
    expect(compareProtocol(schema, { codex: PROTOCOL_SNAPSHOT.codex, fields }).unrecorded).toEqual(['notification turn/started params.turn.id']);
  });
});

/** `"delta": {"type": "string"},` as the generated files spell it, as a regular expression's source. */
const DELTA_FIELD = String(/"delta": \{\s*"type": "string"\s*\},?/g);

describe('the drift a node logs at start', () => {
  /** A `codex` whose schema lacks `delta` (as a release that renamed it would print), running the real binary underneath. */
  function codexWithoutDelta(): string {
    const script = join(dir, 'codex-without-delta');
    const real = defaultCodexCommand();
    const edit = `for (const f of require('node:fs').readdirSync(dir, { recursive: true })) if (f.endsWith('.json')) { const p = require('node:path').join(dir, f); fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace(${DELTA_FIELD}, '')); }`;
    const body = [
      `#!${process.execPath}`,
      `const fs = require('node:fs'); const args = process.argv.slice(2);`,
      `require('node:child_process').execFileSync(${JSON.stringify(real)}, args, { stdio: 'inherit' });`,
      `const dir = args[args.indexOf('--out') + 1]; if (args.includes('generate-json-schema')) { ${edit} }`,
    ].join('\n');
    writeFileSync(script, body, { mode: 0o755 });
    return script;
  }

  it('warns once, naming the fields that moved and the version tested', async () => {
    const { log, lines } = captureLog('debug');
    const drift = await logProtocolDrift([codexWithoutDelta()], process.env, '9.9.9', log);
    expect(drift?.missing).toContain('notification item/agentMessage/delta params.delta');
    const warnings = lines.filter((line) => line.level === 40);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.msg).toContain('Codex 9.9.9 changed protocol fields this client uses');
    expect(warnings[0]?.msg).toContain(`tested with ${PROTOCOL_SNAPSHOT.codex}`);
    expect(warnings[0]?.msg).toContain('item/agentMessage/delta params.delta');
  });

  it('says nothing above debug for the tested Codex, and only debug when the binary cannot print a schema', async () => {
    const { log, lines } = captureLog('debug');
    expect(isEmpty((await logProtocolDrift([defaultCodexCommand()], process.env, PROTOCOL_SNAPSHOT.codex, log)) ?? compareProtocol(schema, { codex: '', fields: {} }))).toBe(true);
    expect(await logProtocolDrift(['/bin/false'], process.env, '1.0.0', log)).toBeUndefined();
    expect(lines.filter((line) => line.level > 20)).toEqual([]);
  });
});
