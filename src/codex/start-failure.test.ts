import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { captureLog } from '../test-support/log-capture.js';
import { writeCodexHome, type CodexHome } from '../test-support/responses-stand-in.js';
import { tempDir } from '../test-support/temp-dir.js';
import { waitFor } from '../test-support/wait.js';
import { CodexStartFailure, createDriver, startVersioned, type CodexLaunch } from './launch.js';

const homes: CodexHome[] = [];
afterAll(() => homes.forEach((home) => home.remove()));

/** A private Codex home; its config.toml is the stand-in's unless `config` replaces it. */
function home(config?: string): CodexHome {
  const made = writeCodexHome('http://127.0.0.1:9/v1');
  if (config !== undefined) writeFileSync(join(made.dir, 'config.toml'), config);
  homes.push(made);
  return made;
}

function launch(overrides: Partial<CodexLaunch> & { env: Record<string, string> }): CodexLaunch {
  return { args: ['app-server'], hiddenValues: [], who: 'this node', fixHint: '', overridesFrom: '--codex-config', commandSetting: '--codex-command (NODE_CODEX_COMMAND)', ...overrides };
}

/** Starts Codex as a node would and returns the explained failure. */
async function failure(settings: CodexLaunch): Promise<CodexStartFailure> {
  const { log } = captureLog();
  const { driver } = await createDriver(settings, log);
  const error = await startVersioned(driver, settings, log).then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof CodexStartFailure)) throw new Error(`expected a CodexStartFailure, got ${String(error)}`);
  return error;
}

describe('a Codex that will not start, explained (real binary)', () => {
  it('quotes a refused -c setting and says it came from --codex-config', async () => {
    const { failure: f } = await failure(launch({ overrides: { approval_policy: '"untrusted"' }, env: home().env }));
    expect(f.kind).toBe('config_refused');
    expect(f.summary).toContain('approval_policy = "untrusted" is no longer supported; remove this setting');
    expect(f.hint).toBe('Change or remove `approval_policy` (set by -c approval_policy=… from --codex-config).');
  });

  it("warns, quoting Codex and naming the file, when Codex ignores a config.toml it cannot read", async () => {
    // Codex does not refuse a bad config.toml: it says so and goes on with its defaults.
    const codexHome = home('sandbox_mode = "bogus"\n');
    const { log, lines } = captureLog();
    const settings = launch({ env: codexHome.env });
    const { driver } = await createDriver(settings, log);
    await startVersioned(driver, settings, log);
    const warning = await waitFor(() => lines.find((line) => line.level === 40 && line.msg.includes('Invalid configuration')), 'the configWarning');
    await driver.close();
    expect(warning.msg).toContain('unknown variant `bogus`');
    expect(warning.msg).toContain(`(${join(codexHome.dir, 'config.toml')})`);
  });

  it('says how to install Codex when there is none', async () => {
    const missing = join(tempDir(), 'no-codex-here');
    const { failure: f } = await failure(launch({ command: missing, env: home().env }));
    expect(f.kind).toBe('not_found');
    expect(f.summary).toBe(`no Codex found at ${missing}`);
    expect(f.hint).toContain('npm install -g @openai/codex');
    expect(f.hint).toContain('--codex-command (NODE_CODEX_COMMAND)');
  });

  it('gives the exit code and the last stderr lines of a Codex that crashed', async () => {
    const crashing = join(tempDir(), 'codex');
    writeFileSync(crashing, '#!/bin/sh\necho "thread main panicked at core/lib.rs" >&2\necho "segmentation fault" >&2\nexit 3\n', { mode: 0o755 });
    const { failure: f } = await failure(launch({ command: crashing, env: home().env }));
    expect(f.kind).toBe('crashed');
    expect(f.summary).toBe('Codex crashed at start: it exited with code 3 after printing: thread main panicked at core/lib.rs | segmentation fault');
  });

  it('warns at start when Codex has no login for a provider that needs one, and not for one with its own key', async () => {
    const unlogged = home('check_for_update_on_startup = false\n');
    const { log, lines } = captureLog();
    const settings = launch({ env: { CODEX_HOME: unlogged.dir, OPENAI_API_KEY: '' } });
    const { driver } = await createDriver(settings, log);
    await startVersioned(driver, settings, log);
    await driver.close();
    const said = (logged: typeof lines) => logged.filter((line) => line.level === 40 && line.msg.includes('not logged in')).map((line) => line.msg);
    expect(said(lines)).toEqual([
      `Codex is not logged in (no credentials in ${unlogged.dir}). Run \`codex login\` as the user this process runs as, or set CODEX_HOME to a Codex home that is logged in; jobs fail until then.`,
    ]);

    const standIn = captureLog();
    const ready = launch({ env: home().env });
    const made = await createDriver(ready, standIn.log);
    await startVersioned(made.driver, ready, standIn.log);
    await made.driver.close();
    expect(said(standIn.lines)).toEqual([]);
  });
});
