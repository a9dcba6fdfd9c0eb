import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { z } from 'zod';
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

const masterUrlSchema = z
  .string()
  .trim()
  .transform((raw, ctx) => {
    const problem = masterUrlProblem(raw);
    if (problem !== undefined) {
      ctx.addIssue({ code: 'custom', message: problem });
      return z.NEVER;
    }
    const url = new URL(raw);
    // `ws://host:8765/` → `ws://host:8765`: the form people type, and the one logged.
    return `${url.protocol}//${url.host}${url.pathname === '/' ? '' : url.pathname}`;
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
 * The master's WebSocket address: `--master` / MASTER_URL when given (it wins), else
 * `ws://host:port` from the already resolved `--host` / `--port` (a wildcard bind is reached on loopback).
 */
export function resolveMasterUrl(flag: string | undefined, env: Environment, host: string, port: number): string {
  const explicit = resolveSetting({ flag: 'master', env: 'MASTER_URL', schema: masterUrlSchema.optional(), fallback: () => undefined }, flag, env);
  if (explicit !== undefined) return explicit;
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  return `ws://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
}
