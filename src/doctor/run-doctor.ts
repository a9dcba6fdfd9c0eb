import { readFileSync } from 'node:fs';
import type { DoctorConfig } from '../config/index.js';
import { PACKAGE_ROOT } from '../paths.js';
import { fail, ok, report, type CheckResult, type DoctorReport } from './check.js';
import { checkCodex } from './codex-checks.js';
import { checkMaster } from './master-checks.js';
import { checkGitHub, checkSlack, checkTelegram } from './online-checks.js';
import { checkPorts } from './port-checks.js';
import { checkStore, type StoreProbe } from './store-checks.js';
import { checkBubblewrap, checkDisk, checkGit, checkNodeVersion } from './system-checks.js';

/** The `engines.node` range of the installed package (`>=20.19`). */
function enginesRange(): string {
  const manifest = JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { engines?: { node?: string } };
  return manifest.engines?.node ?? '>=20.19';
}

function settingsChecks(config: DoctorConfig): CheckResult[] {
  if (config.problems.length === 0) return [ok('config', 'the settings read here (flags, environment, .env) are valid')];
  // The doctor goes on with the default; the master, a node or a bridge would refuse to start.
  return config.problems.map((problem) => fail('config', problem.message, `fix ${problem.key}: csc refuses to start with it (the checks below used the default instead)`));
}

/** What the doctor is handed, since it imports no master code: how to read the master's store. */
export interface DoctorProbes {
  store?: StoreProbe;
}

/**
 * Every check, run concurrently where they do not depend on each other, reported in a fixed order:
 * this machine, the master, its ports and store, Codex, git, the sandbox, the disk, the chat platforms.
 */
export async function runDoctor(config: DoctorConfig, probes: DoctorProbes = {}): Promise<DoctorReport> {
  const [master, ports, store, codex, git, github, bwrap, disk, telegram, slack] = await Promise.all([
    checkMaster(config),
    checkPorts(config.localMaster),
    checkStore(config, probes.store),
    checkCodex(config.codex),
    checkGit(config.codex.env),
    checkGitHub(config),
    checkBubblewrap(process.platform, config.codex.env),
    checkDisk(config.dataDir),
    checkTelegram(config),
    checkSlack(config),
  ]);
  return report([...settingsChecks(config), checkNodeVersion(process.versions.node, enginesRange()), ...master, ...ports, store, ...codex, git, github, bwrap, disk, telegram, slack]);
}
