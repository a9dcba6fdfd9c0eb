import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { z } from 'zod';
import type { MasterUrls } from '../protocol/master-addresses.js';
import type { MasterTrust } from '../protocol/master-socket.js';
import { ConfigError } from './config-error.js';
import type { Environment } from './environment.js';
import { pathSchema, resolveSetting, type Setting } from './settings.js';

/** The master's certificate (chain) and private key, read once at start. */
export interface MasterTls {
  cert: Buffer;
  key: Buffer;
  /** Where they were read from, for messages (never their contents). */
  certFile: string;
  keyFile: string;
}

const CERT_PEM = /-----BEGIN CERTIFICATE-----/;
const KEY_PEM = /-----BEGIN [A-Z ]*PRIVATE KEY-----/;

/**
 * A path whose file is read here, once: a setting that names an unreadable file fails at start,
 * naming its key, rather than at the first connection. `pem` says what the file must contain.
 */
function pemFileSchema(pem: RegExp, what: string) {
  return pathSchema.transform((path, ctx) => {
    let contents: Buffer;
    try {
      contents = readFileSync(path);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: `cannot read ${path}: ${readFailure(error)}` });
      return z.NEVER;
    }
    if (!pem.test(contents.toString('latin1'))) {
      ctx.addIssue({ code: 'custom', message: `${path} holds no PEM ${what}` });
      return z.NEVER;
    }
    return { path, contents };
  });
}

function readFailure(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (error as Error).message;
}

/** The key a setting's value came from, as `resolveSetting` names it in errors. */
function keyOf(setting: Setting<unknown>, flagValue: string | undefined, env: Environment): string | undefined {
  if (flagValue !== undefined) return `--${setting.flag ?? '?'}`;
  const fromEnv = setting.env === undefined ? undefined : env.get(setting.env);
  return fromEnv === undefined ? undefined : `${setting.env ?? '?'} (${fromEnv.origin})`;
}

const certSetting = { flag: 'tls-cert', env: 'MASTER_TLS_CERT', schema: pemFileSchema(CERT_PEM, 'certificate').optional(), fallback: () => undefined };
const keySetting = { flag: 'tls-key', env: 'MASTER_TLS_KEY', schema: pemFileSchema(KEY_PEM, 'private key').optional(), fallback: () => undefined };

/**
 * `--tls-cert` / `--tls-key` (MASTER_TLS_CERT / MASTER_TLS_KEY): both or neither. The pair is
 * loaded into a TLS context here, so a key that does not match its certificate stops the start.
 */
export function resolveMasterTls(flags: { tlsCert?: string; tlsKey?: string }, env: Environment): MasterTls | undefined {
  const cert = resolveSetting(certSetting, flags.tlsCert, env);
  const key = resolveSetting(keySetting, flags.tlsKey, env);
  if (cert === undefined && key === undefined) return undefined;
  if (key === undefined) throw new ConfigError('--tls-key (MASTER_TLS_KEY)', `is required with ${keyOf(certSetting, flags.tlsCert, env) ?? '--tls-cert'}: serving TLS needs both the certificate and its private key`);
  if (cert === undefined) throw new ConfigError('--tls-cert (MASTER_TLS_CERT)', `is required with ${keyOf(keySetting, flags.tlsKey, env) ?? '--tls-key'}: serving TLS needs both the certificate and its private key`);
  try {
    createSecureContext({ cert: cert.contents, key: key.contents });
  } catch (error) {
    const keyName = keyOf(keySetting, flags.tlsKey, env) ?? '--tls-key';
    throw new ConfigError(keyName, `cannot be used with the certificate ${cert.path}: ${(error as Error).message}`, { cause: error });
  }
  return { cert: cert.contents, key: key.contents, certFile: cert.path, keyFile: key.path };
}

/**
 * `--ca` / MASTER_CA_FILE: a PEM bundle of CA certificates a client trusts for `wss://` and
 * `https://` (a private CA, or a self-signed master's own certificate). Like Node's `ca`, it
 * replaces the public CAs rather than adding to them: a private master needs no others.
 */
export function resolveCaFile(flag: string | undefined, env: Environment): Buffer | undefined {
  return resolveSetting({ flag: 'ca', env: 'MASTER_CA_FILE', schema: pemFileSchema(CERT_PEM, 'certificate').optional(), fallback: () => undefined }, flag, env)?.contents;
}

/** The trust a node or bridge connects with: the `--ca` bundle, or the system's CAs. */
export function resolveMasterTrust(flag: string | undefined, env: Environment): MasterTrust | undefined {
  const ca = resolveCaFile(flag, env);
  return ca === undefined ? undefined : { ca: [ca] };
}

/** `ws://host:8765/` → `ws://host:8765`: the form people type, and the one logged. */
function normalizeMasterUrl(raw: string): string {
  const url = new URL(raw);
  return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
}

/**
 * A comma-separated list of master addresses, each checked as one address is, naming the entry
 * that is wrong. A duplicate is refused rather than dropped: it is a typo for another master, and
 * silently keeping it would make the node dial one master twice as often.
 */
const masterUrlsSchema = z.string().transform((raw, ctx): MasterUrls => {
  const entries = raw.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0);
  // One address keeps the message it always had; in a list, the message quotes the bad entry.
  const refuse = (entry: string, problem: string) => {
    ctx.addIssue({ code: 'custom', message: entries.length > 1 ? `${JSON.stringify(entry)} ${problem}` : problem });
    return z.NEVER;
  };
  const urls: string[] = [];
  for (const entry of entries) {
    const problem = masterUrlProblem(entry);
    if (problem !== undefined) return refuse(entry, problem);
    const url = normalizeMasterUrl(entry);
    if (urls.includes(url)) return refuse(entry, `is listed twice${url === entry ? '' : ` (as ${url})`}: each master once`);
    urls.push(url);
  }
  const [first, ...rest] = urls;
  if (first === undefined) return refuse(raw, 'must name at least one master, like ws://127.0.0.1:8765 (several: ws://a:8765,ws://b:8765)');
  return [first, ...rest];
});

function masterUrlProblem(raw: string): string | undefined {
  const example = 'must be a URL like ws://127.0.0.1:8765 or wss://master.example:8765';
  // `host:8765` parses as a URL of scheme `host:`; without `//` it is not the address meant.
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) return example;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return example;
  }
  if (url.protocol === 'http:' || url.protocol === 'https:') return `must be the WebSocket address (ws:// or wss://, port 8765 by default), not ${url.protocol}//`;
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') return `must start with ws:// or wss://, not ${url.protocol}//`;
  if (url.hostname === '') return 'must name a host';
  // The URL is logged; a token in it would end up in logs.
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') return 'must not carry credentials, a query or a fragment: pass the token with --token';
  return undefined;
}

/**
 * The masters' WebSocket addresses, in the order they are tried: `--master` / MASTER_URL when
 * given (it wins; `ws://a:8765,ws://b:8765` names several), else the one `ws://host:port` of the
 * already resolved `--host` / `--port` (a wildcard bind is reached on loopback).
 */
export function resolveMasterUrls(flag: string | undefined, env: Environment, host: string, port: number): MasterUrls {
  const explicit = resolveSetting({ flag: 'master', env: 'MASTER_URL', schema: masterUrlsSchema.optional(), fallback: () => undefined }, flag, env);
  if (explicit !== undefined) return explicit;
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return [`ws://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`];
}
