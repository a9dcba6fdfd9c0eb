import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { SECRET_FILES, childEnvironment, environmentFrom, resolveNodeConfig } from '../config/index.js';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { nodeSecretValues } from './node-runtime.js';

afterAll(removeTempDirs);
afterEach(() => vi.unstubAllEnvs());

describe('the tokens a node keeps from Codex and git', () => {
  it('are its --token and the master tokens stored in its data dir (the local node of npm start)', () => {
    const dataDir = tempDir();
    writeFileSync(join(dataDir, SECRET_FILES.adminToken), 'admin-token-stored-by-the-master\n');
    writeFileSync(join(dataDir, SECRET_FILES.bridgeToken), 'bridge-token-stored-by-the-master\n');
    const config = resolveNodeConfig({ token: 'node-token-given-with-flag', dataDir }, environmentFrom({}), false);
    expect(nodeSecretValues(config).sort()).toEqual(['admin-token-stored-by-the-master', 'bridge-token-stored-by-the-master', 'node-token-given-with-flag']);

    vi.stubEnv('CSC_COPY_OF_ADMIN', 'admin-token-stored-by-the-master');
    vi.stubEnv('CSC_COPY_OF_NODE', 'node-token-given-with-flag');
    vi.stubEnv('CSC_HARMLESS', 'kept');
    const env = childEnvironment({ values: nodeSecretValues(config) }, environmentFrom({}));
    expect(env).not.toHaveProperty('CSC_COPY_OF_ADMIN');
    expect(env).not.toHaveProperty('CSC_COPY_OF_NODE');
    expect(env).toMatchObject({ CSC_HARMLESS: 'kept' });
  });

  it('are none on a machine without the master data dir and without --token', () => {
    const config = resolveNodeConfig({ dataDir: join(tempDir(), 'fresh') }, environmentFrom({}), false);
    expect(nodeSecretValues(config)).toEqual([]);
  });
});
