import type { NewCredential } from '../../api/types';

/** The WebSocket port `csc master` listens on unless given `--port`; the dashboard is served from the HTTP port and cannot see it. */
export const DEFAULT_WS_PORT = 8765;

/** The master's WebSocket address as seen from this page: TLS for the dashboard means `wss://` for nodes too. */
export function masterAddress(location: Pick<Location, 'protocol' | 'hostname'>): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.hostname}:${DEFAULT_WS_PORT}`;
}

/**
 * The command that connects a machine with a new credential. Its name goes along: a per-machine
 * credential pins the name, and the master refuses another one.
 */
export function connectCommand({ role, name, token }: Pick<NewCredential, 'role' | 'name' | 'token'>, master: string): string {
  return `npx csc ${role} --master ${master} --name ${name} --token ${token}`;
}
