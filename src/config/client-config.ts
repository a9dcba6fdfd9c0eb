import { join } from 'node:path';
import { z } from 'zod';
import type { Environment } from './environment.js';
import { SECRET_FILES, readSecretFile } from './secrets.js';
import { defaultDataDir, hostSchema, pathSchema, portSchema, resolveSetting, tokenSchema } from './settings.js';
import { ConfigError } from './config-error.js';
import { resolveCaFile } from './tls-settings.js';

/** Where `csc job …` finds the master's HTTP API, and the admin token it presents. */
export interface ClientConfig {
  /** `http://` or `https://` base of the API. */
  baseUrl: string;
  adminToken: string;
  /** `--ca` / MASTER_CA_FILE: the CAs an `https://` master's certificate is verified with, instead of the public ones. */
  ca?: Buffer | undefined;
}

export interface ClientFlags {
  url?: string;
  ca?: string;
  token?: string;
  dataDir?: string;
}

const urlSchema = z.string().url('must be a URL like http://127.0.0.1:8080 or https://master.example:8080').refine((u) => /^https?:\/\//.test(u), 'must be an http or https URL');

/**
 * The API's address: `--url`, else MASTER_HTTP_HOST/MASTER_HOST and MASTER_HTTP_PORT as the master
 * would bind them (a wildcard bind is reached on loopback). The token: `--token`, else
 * MASTER_ADMIN_TOKEN, else the file the master generated in its data dir on this host.
 */
export function resolveClientConfig(flags: ClientFlags, env: Environment): ClientConfig {
  const host = resolveSetting({ env: 'MASTER_HTTP_HOST', schema: hostSchema, fallback: () => env.get('MASTER_HOST')?.value ?? '127.0.0.1' }, undefined, env);
  const port = resolveSetting({ env: 'MASTER_HTTP_PORT', schema: portSchema, fallback: () => 8080 }, undefined, env);
  const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
  const fallbackUrl = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  const baseUrl = resolveSetting({ flag: 'url', schema: urlSchema, fallback: () => fallbackUrl }, flags.url, env).replace(/\/+$/, '');
  const configured = resolveSetting({ flag: 'token', env: 'MASTER_ADMIN_TOKEN', schema: tokenSchema.optional(), fallback: () => undefined }, flags.token, env);
  const dataDir = resolveSetting({ flag: 'data-dir', env: 'MASTER_DATA_DIR', schema: pathSchema, fallback: defaultDataDir }, flags.dataDir, env);
  const tokenFile = join(dataDir, SECRET_FILES.adminToken);
  const adminToken = configured ?? readSecretFile(tokenFile);
  if (adminToken === undefined) {
    throw new ConfigError('MASTER_ADMIN_TOKEN', `no admin token: pass --token, set MASTER_ADMIN_TOKEN, or run on the master's host (it keeps one in ${tokenFile})`);
  }
  return { baseUrl, adminToken, ca: resolveCaFile(flags.ca, env) };
}
