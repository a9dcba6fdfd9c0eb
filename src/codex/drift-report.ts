import type { Logger } from '../log/index.js';
import { compareProtocol, isBreaking, isEmpty, readBinarySchema, type ProtocolDrift } from './protocol-drift.js';
import { PROTOCOL_SNAPSHOT } from './protocol-snapshot.js';

/** Lists a few names and how many more there are: logs stay one readable line. */
function few(names: readonly string[], max = 8): string {
  return names.length <= max ? names.join(', ') : `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/**
 * Compares the running Codex's protocol with the snapshot this build was tested against and says
 * what matters: fields we use that moved (warn: jobs may misbehave) and messages we do not handle
 * yet (info). Never throws: a Codex that cannot print its schema is only worth a debug line.
 */
export async function logProtocolDrift(command: readonly string[], env: NodeJS.ProcessEnv, version: string, log: Logger): Promise<ProtocolDrift | undefined> {
  let drift: ProtocolDrift;
  try {
    drift = compareProtocol(await readBinarySchema(command, env), PROTOCOL_SNAPSHOT);
  } catch (error) {
    log.debug({ err: error }, 'could not read the protocol schema of this Codex');
    return undefined;
  }
  const tested = PROTOCOL_SNAPSHOT.codex;
  if (isBreaking(drift)) {
    const parts = [drift.missing.length > 0 && `gone: ${few(drift.missing)}`, drift.changed.length > 0 && `changed: ${few(drift.changed)}`].filter(Boolean);
    log.warn({ codex: version, tested, drift }, `Codex ${version} changed protocol fields this client uses (tested with ${tested}): ${parts.join('; ')}. Jobs may fail; use Codex ${tested} or update codex-super-client.`);
  }
  const added = [...drift.newNotifications, ...drift.newServerRequests];
  if (added.length > 0) log.info({ codex: version, tested, newNotifications: drift.newNotifications, newServerRequests: drift.newServerRequests }, `Codex ${version} has messages this client does not handle yet (tested with ${tested}): ${few(added)}`);
  if (isEmpty(drift)) log.debug({ codex: version, tested }, 'the Codex protocol matches the tested snapshot');
  return drift;
}
