import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { removeTempDirs, tempDir } from '../test-support/temp-dir.js';
import { selfSignedCertificate } from '../test-support/tls-cert.js';
import { ConfigError, environmentFrom, resolveBridgeConfig, resolveClientConfig, resolveMasterConfig, resolveNodeConfig } from './index.js';
import { defaultNodeName } from './node-name.js';

afterAll(removeTempDirs);

const none = environmentFrom({});
const certificate = selfSignedCertificate();

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('master TLS settings', () => {
  it('serves plain ws/http unless both the certificate and the key are given', () => {
    expect(resolveMasterConfig({}, none, false).tls).toBeUndefined();
    const { tls } = resolveMasterConfig({ tlsCert: certificate.certFile, tlsKey: certificate.keyFile }, none, false);
    expect(tls).toEqual({ cert: certificate.cert, key: certificate.key, certFile: certificate.certFile, keyFile: certificate.keyFile });
    const fromEnv = resolveMasterConfig({}, environmentFrom({ MASTER_TLS_CERT: certificate.certFile, MASTER_TLS_KEY: certificate.keyFile }), false);
    expect(fromEnv.tls?.certFile).toBe(certificate.certFile);
  });

  it('refuses one of the pair without the other, naming the missing key', () => {
    expect(configError(() => resolveMasterConfig({ tlsCert: certificate.certFile }, none, false)).message).toMatch(/^--tls-key \(MASTER_TLS_KEY\): is required with --tls-cert/);
    expect(configError(() => resolveMasterConfig({}, environmentFrom({ MASTER_TLS_KEY: certificate.keyFile }), false)).message).toMatch(
      /^--tls-cert \(MASTER_TLS_CERT\): is required with MASTER_TLS_KEY \(environment\)/,
    );
  });

  it('reads the files once at start, saying which one cannot be read and why', () => {
    const missing = join(tempDir(), 'missing.pem');
    expect(configError(() => resolveMasterConfig({ tlsCert: missing, tlsKey: certificate.keyFile }, none, false)).message).toBe(
      `--tls-cert: cannot read ${missing}: no such file (got ${JSON.stringify(missing)})`,
    );
    expect(configError(() => resolveMasterConfig({ tlsCert: certificate.certFile }, environmentFrom({ MASTER_TLS_KEY: missing }), false)).message).toMatch(
      /^MASTER_TLS_KEY \(environment\): cannot read .*: no such file/,
    );
    const notPem = join(tempDir(), 'cert.txt');
    writeFileSync(notPem, 'hello');
    expect(configError(() => resolveMasterConfig({ tlsCert: notPem, tlsKey: certificate.keyFile }, none, false)).message).toMatch(/^--tls-cert: .* holds no PEM certificate/);
    expect(configError(() => resolveMasterConfig({ tlsCert: certificate.certFile, tlsKey: certificate.certFile }, none, false)).message).toMatch(/^--tls-key: .* holds no PEM private key/);
  });

  it('refuses a key that is not the certificate\'s', () => {
    const other = selfSignedCertificate();
    expect(configError(() => resolveMasterConfig({ tlsCert: certificate.certFile, tlsKey: other.keyFile }, none, false)).message).toMatch(
      /^--tls-key: cannot be used with the certificate .*cert\.pem: .*mismatch/,
    );
  });
});

describe('the master address of nodes and bridges', () => {
  it('takes --master over MASTER_URL over --host/--port', () => {
    const env = environmentFrom({ MASTER_URL: 'wss://env.example:9443', MASTER_HOST: '10.0.0.2' });
    expect(resolveNodeConfig({ master: 'wss://flag.example:8765/', host: 'ignored' }, env, false).masterUrls).toEqual(['wss://flag.example:8765']);
    expect(resolveNodeConfig({ host: 'ignored' }, env, false).masterUrls).toEqual(['wss://env.example:9443']);
    expect(resolveNodeConfig({ host: '::1', port: '7000' }, none, false).masterUrls).toEqual(['ws://[::1]:7000']);
    expect(resolveNodeConfig({ host: '0.0.0.0' }, none, false).masterUrls).toEqual(['ws://127.0.0.1:8765']);
    expect(resolveNodeConfig({ master: 'wss://proxy.example/csc' }, none, false).masterUrls).toEqual(['wss://proxy.example/csc']);
  });

  it.each([
    ['master.example:8765', /^--master: must be a URL like ws:\/\/127\.0\.0\.1:8765/],
    ['https://master.example:8080', /^--master: must be the WebSocket address \(ws:\/\/ or wss:\/\/, port 8765 by default\), not https:\/\//],
    ['ftp://master.example', /^--master: must start with ws:\/\/ or wss:\/\/, not ftp:\/\//],
    ['wss://master.example:8765/?token=secret-value-0123', /^--master: must not carry credentials, a query or a fragment/],
    ['wss://user:pw@master.example', /^--master: must not carry credentials/],
  ])('refuses --master %s, naming the key', (url, message) => {
    expect(configError(() => resolveNodeConfig({ master: url }, none, false)).message).toMatch(message);
    expect(configError(() => resolveBridgeConfig({ master: url }, none, false)).message).toMatch(message);
  });

  it('names MASTER_URL when the bad address came from the environment', () => {
    expect(configError(() => resolveNodeConfig({}, environmentFrom({ MASTER_URL: 'http://x' }), false)).message).toMatch(/^MASTER_URL \(environment\): must be the WebSocket address/);
  });

  it('reads --ca / MASTER_CA_FILE once, and refuses an unreadable or empty bundle', () => {
    expect(resolveNodeConfig({}, none, false).trust).toBeUndefined();
    expect(resolveNodeConfig({ ca: certificate.certFile }, none, false).trust).toEqual({ ca: [certificate.cert] });
    expect(resolveBridgeConfig({}, environmentFrom({ MASTER_CA_FILE: certificate.certFile }), false).trust).toEqual({ ca: [certificate.cert] });
    const missing = join(tempDir(), 'ca.pem');
    expect(configError(() => resolveNodeConfig({ ca: missing }, none, false)).message).toMatch(/^--ca: cannot read .*ca\.pem: no such file/);
    expect(configError(() => resolveBridgeConfig({}, environmentFrom({ MASTER_CA_FILE: certificate.keyFile }), false)).message).toMatch(/^MASTER_CA_FILE \(environment\): .* holds no PEM certificate/);
  });
});

describe('several masters', () => {
  const listed = 'ws://a.example:8765, wss://b.example:8765/ ,ws://10.0.0.3:8765';
  const expected = ['ws://a.example:8765', 'wss://b.example:8765', 'ws://10.0.0.3:8765'];

  it('takes a comma-separated list from --master or MASTER_URL, in order, spaces trimmed', () => {
    expect(resolveNodeConfig({ master: listed }, none, false).masterUrls).toEqual(expected);
    expect(resolveNodeConfig({}, environmentFrom({ MASTER_URL: listed }), false).masterUrls).toEqual(expected);
    expect(resolveBridgeConfig({ master: listed }, none, false).masterUrls).toEqual(expected);
    expect(resolveBridgeConfig({}, environmentFrom({ MASTER_URL: `${listed},` }), false).masterUrls).toEqual(expected);
    // The --ca bundle is the one trust of every wss:// master in the list.
    expect(resolveNodeConfig({ master: listed, ca: certificate.certFile }, none, false).trust).toEqual({ ca: [certificate.cert] });
    // The dashboard links are the first master's.
    expect(resolveBridgeConfig({ master: 'wss://b.example:8765,ws://a.example:8765' }, none, false).dashboardUrl).toBe('https://b.example:8080');
  });

  it('refuses a bad entry, naming MASTER_URL and the entry', () => {
    const env = environmentFrom({ MASTER_URL: 'ws://a.example:8765,http://b.example:8080' });
    expect(configError(() => resolveNodeConfig({}, env, false)).message).toBe(
      'MASTER_URL (environment): "http://b.example:8080" must be the WebSocket address (ws:// or wss://, port 8765 by default), not http:// (got "ws://a.example:8765,http://b.example:8080")',
    );
    expect(configError(() => resolveBridgeConfig({}, env, false)).message).toMatch(/^MASTER_URL \(environment\): "http:\/\/b\.example:8080" must be the WebSocket address/);
    expect(configError(() => resolveNodeConfig({ master: 'ws://a.example:8765, b.example:8765' }, none, false)).message).toMatch(/^--master: "b\.example:8765" must be a URL like ws:\/\//);
    expect(configError(() => resolveBridgeConfig({ master: 'ws://a.example:8765,wss://t@b.example' }, none, false)).message).toMatch(/^--master: "wss:\/\/t@b\.example" must not carry credentials/);
    expect(configError(() => resolveNodeConfig({}, environmentFrom({ MASTER_URL: ' , ' }), false)).message).toMatch(/^MASTER_URL \(environment\): must name at least one master/);
  });

  it('refuses a master listed twice, also when written differently', () => {
    expect(configError(() => resolveNodeConfig({ master: 'ws://a.example:8765,ws://b.example:8765,ws://a.example:8765' }, none, false)).message).toMatch(
      /^--master: "ws:\/\/a\.example:8765" is listed twice: each master once/,
    );
    expect(configError(() => resolveBridgeConfig({}, environmentFrom({ MASTER_URL: 'ws://a.example:8765, ws://A.example:8765/' }), false)).message).toMatch(
      /^MASTER_URL \(environment\): "ws:\/\/A\.example:8765\/" is listed twice \(as ws:\/\/a\.example:8765\)/,
    );
  });
});

describe('node names', () => {
  it.each(['../x', '..', '.', '.hidden', '-rf', 'a/b', 'a b', 'x'.repeat(65), ''])('refuses --name %j, saying what is allowed', (name) => {
    const error = configError(() => resolveNodeConfig({ name }, none, false));
    expect(error.message).toMatch(/^--name: must be 1 to 64 characters of A-Z, a-z, 0-9, "\.", "_" and "-", not starting with "\." or "-"/);
  });

  it('names NODE_NAME when the bad name came from the environment', () => {
    expect(configError(() => resolveNodeConfig({}, environmentFrom({ NODE_NAME: '../../etc' }), false)).message).toMatch(/^NODE_NAME \(environment\): must be 1 to 64/);
  });

  it('accepts ordinary names and makes any host name into one', () => {
    for (const name of ['laptop', 'build-box.2', 'gpu_01', 'x'.repeat(64)]) expect(resolveNodeConfig({ name }, none, false).name).toBe(name);
    expect(defaultNodeName('my host!.local')).toBe('my-host-.local');
    expect(defaultNodeName('..')).toBe('node');
    expect(defaultNodeName('-.x')).toBe('x');
    expect(defaultNodeName('h'.repeat(80))).toHaveLength(64);
    expect(resolveNodeConfig({}, none, false).name).toBe(defaultNodeName());
  });
});

describe('the bridge credential and addresses', () => {
  it('presents MASTER_BRIDGE_TOKEN or the bridge-token file, never MASTER_TOKEN', () => {
    const dataDir = tempDir();
    const env = environmentFrom({ MASTER_TOKEN: 'the-node-credential-0123', MASTER_DATA_DIR: dataDir });
    expect(resolveBridgeConfig({}, env, false)).toMatchObject({ token: undefined, tokenFile: join(dataDir, 'bridge-token') });
    const withBridge = environmentFrom({ MASTER_TOKEN: 'the-node-credential-0123', MASTER_BRIDGE_TOKEN: 'the-bridge-credential-01' });
    expect(resolveBridgeConfig({}, withBridge, false).token).toBe('the-bridge-credential-01');
    expect(resolveBridgeConfig({ token: 'from-the-flag-0123456' }, withBridge, false).token).toBe('from-the-flag-0123456');
  });

  it('links to the dashboard over https on the host of a wss:// master', () => {
    expect(resolveBridgeConfig({ master: 'wss://master.example:8765' }, none, false).dashboardUrl).toBe('https://master.example:8080');
    expect(resolveBridgeConfig({ master: 'ws://[::1]:8765' }, environmentFrom({ MASTER_HTTP_PORT: '9090' }), false).dashboardUrl).toBe('http://[::1]:9090');
    expect(resolveBridgeConfig({}, none, false).masterUrls).toEqual(['ws://127.0.0.1:8765']);
  });
});

describe('csc job over https', () => {
  const token = { token: 'an-admin-token-0123456789' };

  it('takes an https:// --url and a --ca bundle', () => {
    const config = resolveClientConfig({ ...token, url: 'https://master.example:8080/', ca: certificate.certFile }, none);
    expect(config).toEqual({ baseUrl: 'https://master.example:8080', adminToken: token.token, ca: certificate.cert });
    expect(resolveClientConfig(token, environmentFrom({ MASTER_CA_FILE: certificate.certFile })).ca).toEqual(certificate.cert);
    expect(resolveClientConfig(token, none).ca).toBeUndefined();
  });

  it('refuses a --ca it cannot read and a URL that is not http(s)', () => {
    expect(configError(() => resolveClientConfig({ ...token, ca: '/nonexistent/ca.pem' }, none)).message).toMatch(/^--ca: cannot read \/nonexistent\/ca\.pem: no such file/);
    expect(configError(() => resolveClientConfig({ ...token, url: 'wss://master.example:8765' }, none)).message).toMatch(/^--url: must be an http or https URL/);
  });
});
