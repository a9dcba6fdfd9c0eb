import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../src/test-support/temp-dir.js';
import { TestClient } from '../src/test-support/test-client.js';
import { startTestMaster, type TestMaster } from '../src/test-support/test-master.js';
import { runCsc } from './cli-process.js';

let master: TestMaster;
beforeEach(async () => {
  master = await startTestMaster();
});
afterEach(async () => master.close());
afterAll(removeTempDirs);

/** `csc token …` against the test master, with its stored admin token (as on the master's host). */
const csc = (...args: string[]) => runCsc(['token', ...args, '--url', master.httpUrl, '--data-dir', master.config.dataDir]);

describe('csc token', () => {
  it('creates a node credential, lists it without its token, and revokes it, closing its connection', async () => {
    const create = csc('create', '--role', 'node', '--name', 'laptop');
    expect(await create.exited).toBe(0);
    const token = create.stdout().trim();
    expect(token).toMatch(/^csc_node_[A-Za-z0-9_-]{43}$/);
    expect(create.stderr()).toContain('csc node --name laptop --token <token>');

    const node = await TestClient.node(master.wsUrl, token, { name: 'laptop' });
    const ls = csc('ls');
    expect(await ls.exited).toBe(0);
    expect(ls.stdout()).toMatch(/^ROLE +NAME +CREATED +LAST USED\nnode +laptop +\d{4}-\d\d-\d\dT\S+ +\d{4}-\d\d-\d\dT\S+\n$/);
    expect(ls.stdout()).not.toContain(token);

    const revoke = csc('revoke', 'laptop');
    expect(await revoke.exited).toBe(0);
    expect(revoke.stdout()).toBe('credential "laptop" revoked\n');
    expect((await node.whenClosed(1000)).code).toBe(4001);
    const again = csc('ls');
    expect(await again.exited).toBe(0);
    expect(again.stdout()).toContain('no per-machine credentials');
  });

  it('says what is wrong: a taken name, a bad role, an unknown credential', async () => {
    expect(await csc('create', '--role', 'bridge', '--name', 'chat').exited).toBe(0);
    const taken = csc('create', '--role', 'node', '--name', 'chat');
    expect(await taken.exited).toBe(1);
    expect(taken.stderr()).toContain('conflict: a credential named "chat" already exists');
    const role = csc('create', '--role', 'admin', '--name', 'x');
    expect(await role.exited).toBe(1);
    expect(role.stderr()).toContain('role: must be node or bridge');
    const unknown = csc('revoke', 'nobody');
    expect(await unknown.exited).toBe(1);
    expect(unknown.stderr()).toContain('not_found: no credential named "nobody"');
  });
});
