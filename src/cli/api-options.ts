import type { Command } from 'commander';
import { loadEnvironment, resolveClientConfig, type ClientFlags } from '../config/index.js';
import { ApiClient } from './api-client.js';

/** The options of every command that talks to the master's HTTP API with the admin token. */
export function withConnection(command: Command): Command {
  return command
    .option('--url <url>', 'master HTTP API, http:// or https:// (default: http://MASTER_HTTP_HOST:MASTER_HTTP_PORT, i.e. http://127.0.0.1:8080)')
    .option('--ca <file>', 'PEM CA bundle to verify an https:// master with instead of the public CAs (env MASTER_CA_FILE)')
    .option('--token <token>', "admin token (env MASTER_ADMIN_TOKEN; default: the master's stored one on this host)")
    .option('--data-dir <dir>', "the master's data dir, to read its admin token from (env MASTER_DATA_DIR)");
}

/** An API client from those options, the environment and the master's files on this host. */
export function apiClient(flags: ClientFlags): ApiClient {
  return new ApiClient(resolveClientConfig(flags, loadEnvironment()));
}
