import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { childEnvironment } from '../config/index.js';
import { defaultCodexCommand } from '../codex/codex-binary.js';
import { legacyCodexCommand, LEGACY_CODEX_VERSION } from '../test-support/codex-legacy.js';
import { writeCodexHome } from '../test-support/responses-stand-in.js';
import { PROTOCOL_SNAPSHOT } from '../codex/protocol-snapshot.js';
import { tempDir } from '../test-support/temp-dir.js';
import type { CheckResult } from './check.js';
import { checkCodex } from './codex-checks.js';

const homes: { remove: () => void }[] = [];
afterAll(() => homes.forEach((home) => home.remove()));

/** A private CODEX_HOME routed to a model endpoint that is never called (nothing here starts a turn). */
function codexHome(): { dir: string; env: Record<string, string> } {
  const home = writeCodexHome('http://127.0.0.1:9/v1');
  homes.push(home);
  return home;
}

const byId = (checks: CheckResult[]) => Object.fromEntries(checks.map((check) => [check.id, check]));

describe('the Codex checks with the real binaries', () => {
  it(`knows the legacy ${LEGACY_CODEX_VERSION} as an mcp-server Codex, and its app-server as untested`, async () => {
    const home = codexHome();
    const env = { ...childEnvironment(), ...home.env };
    const legacy = byId(await checkCodex({ command: legacyCodexCommand(), args: ['mcp-server'], env, home: home.dir }));
    expect(legacy['codex.binary']).toMatchObject({ status: 'ok', summary: expect.stringContaining(`Codex ${LEGACY_CODEX_VERSION}`) as unknown });
    expect(legacy['codex.version']).toMatchObject({ status: 'ok', summary: expect.stringContaining('legacy `codex mcp-server`') as unknown });
    const asAppServer = byId(await checkCodex({ command: legacyCodexCommand(), args: ['app-server'], env, home: home.dir }));
    expect(asAppServer['codex.version']).toMatchObject({ status: 'warn', hint: expect.stringContaining('npm install -g @openai/codex@') as unknown });
  });

  it('asks for mcp-server to be dropped when the Codex no longer has it', async () => {
    const home = codexHome();
    const checks = byId(await checkCodex({ command: undefined, args: ['mcp-server'], env: { ...childEnvironment(), ...home.env }, home: home.dir }));
    expect(checks['codex.version']).toMatchObject({ status: 'warn', summary: expect.stringContaining('removed in 0.154') as unknown, hint: expect.stringContaining('drop mcp-server') as unknown });
  });

  it('fails a Codex that is not logged in, pointing at codex login', async () => {
    const home = codexHome();
    // No provider of our own: Codex's login is what counts.
    writeFileSync(join(home.dir, 'config.toml'), 'check_for_update_on_startup = false\n');
    const checks = byId(await checkCodex({ command: defaultCodexCommand(), args: ['app-server'], env: { ...childEnvironment(), CODEX_HOME: home.dir }, home: home.dir }));
    expect(checks['codex.login']).toMatchObject({ status: 'fail', summary: 'Codex is not logged in (codex login status: Not logged in)', hint: expect.stringContaining('`codex login`') as unknown });
  });

  it('compares the protocol of the Codex with the snapshot csc was tested with', async () => {
    const home = codexHome();
    const env = { ...childEnvironment(), ...home.env };
    const tested = byId(await checkCodex({ command: undefined, args: ['app-server'], env, home: home.dir }));
    expect(tested['codex.protocol']).toMatchObject({ status: 'ok', summary: `the protocol matches what csc was tested with (${PROTOCOL_SNAPSHOT.codex})` });
    // The same binary, but its schema without the streamed answer's `delta`, as a release that renamed it would print.
    const real = defaultCodexCommand();
    const renamed = join(tempDir(), 'codex');
    const strip = `for (const f of fs.readdirSync(dir, { recursive: true })) if (f.endsWith('.json')) { const p = path.join(dir, f); fs.writeFileSync(p, fs.readFileSync(p, 'utf8').replace(/"delta": \\{\\s*"type": "string"\\s*\\},?/g, '')); }`;
    writeFileSync(renamed, [`#!${process.execPath}`, `const fs = require('node:fs'); const path = require('node:path'); const args = process.argv.slice(2);`, `require('node:child_process').execFileSync(${JSON.stringify(real)}, args, { stdio: 'inherit' });`, `const dir = args[args.indexOf('--out') + 1]; if (args.includes('generate-json-schema')) { ${strip} }`].join('\n'), { mode: 0o755 });
    const drifted = byId(await checkCodex({ command: renamed, args: ['app-server'], env, home: home.dir }));
    expect(drifted['codex.protocol']).toMatchObject({ status: 'warn', summary: expect.stringContaining('notification item/agentMessage/delta params.delta (gone)') as unknown, hint: expect.stringContaining(`@openai/codex@${PROTOCOL_SNAPSHOT.codex}`) as unknown });
  });

  it("fails a model provider whose key variable is not set", async () => {
    const home = codexHome();
    const checks = byId(await checkCodex({ command: undefined, args: ['app-server'], env: { ...childEnvironment(), CODEX_HOME: home.dir }, home: home.dir }));
    expect(checks['codex.login']).toMatchObject({ status: 'fail', summary: expect.stringContaining('CSC_STAND_IN_API_KEY is not set') as unknown });
  });
});
