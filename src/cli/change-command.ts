import type { Command } from 'commander';
import { loadEnvironment, type ClientFlags } from '../config/index.js';
import type { JobRecord } from '../master/store/index.js';
import type { ChangeSummary, DiffFile } from '../protocol/index.js';
import { apiClient, withConnection } from './api-options.js';
import { colourDiff, renderStat, wantsColour } from './render-diff.js';
import { describePublication } from './render-job.js';

interface DiffFlags extends ClientFlags {
  stat?: boolean;
}

interface PublishFlags extends ClientFlags {
  branch?: boolean;
  wait?: string;
}

/** `csc job diff` and `csc job publish`: a job's change, and publishing it afterwards. */
export function registerChangeCommands(job: Command): void {
  withConnection(job.command('diff'))
    .description("print a job's change as a unified diff (coloured on a terminal; FORCE_COLOR=1 or NO_COLOR override), or --stat")
    .argument('<id>')
    .option('--stat', 'print only the diff stat (every file, even when the diff was cut at the node)')
    .action(async (id: string, flags: DiffFlags) => {
      const colour = wantsColour(process.stdout, loadEnvironment());
      process.stdout.write(flags.stat ? await stat(id, flags, colour) : await diff(id, flags, colour));
    });

  withConnection(job.command('publish'))
    .description("push a finished job's branch and open a pull request (or only push, with --branch); prints the pull request's URL")
    .argument('<id>')
    .option('--branch', 'only push the branch, open no pull request')
    .option('--wait <sec>', "how long to wait for the node's answer (a later one is still stored)", '60')
    .action(async (id: string, flags: PublishFlags) => {
      const body = { mode: flags.branch ? 'branch' : 'pr', waitSec: Number(flags.wait) };
      const published = await apiClient(flags).request<JobRecord>('POST', `/api/jobs/${encodeURIComponent(id)}/publish`, body);
      const publication = published.result?.publication;
      if (publication?.error !== undefined) {
        process.stderr.write(`csc: publishing job ${published.id} failed: ${publication.error}\n`);
        process.exitCode = 1;
        return;
      }
      // The URL alone, so that a script can open it.
      if (publication?.pullRequest) process.stdout.write(`${publication.pullRequest.url}\n`);
      else if (publication) process.stdout.write(`${describePublication(publication)}\n`);
    });
}

async function diff(id: string, flags: ClientFlags, colour: boolean): Promise<string> {
  const text = await apiClient(flags).text(`/api/jobs/${encodeURIComponent(id)}/diff`);
  return colour ? colourDiff(text) : text;
}

/** The stat from the job's result (complete even when the diff was cut), else from the diff itself. */
async function stat(id: string, flags: ClientFlags, colour: boolean): Promise<string> {
  const api = apiClient(flags);
  const job = await api.request<JobRecord>('GET', `/api/jobs/${encodeURIComponent(id)}`);
  let change: Pick<ChangeSummary, 'files' | 'added' | 'removed'> | undefined = job.result?.change;
  if (change === undefined) {
    const parsed = await api.request<{ files: DiffFile[] }>('GET', `/api/jobs/${encodeURIComponent(id)}/diff?format=json`);
    change = { files: parsed.files, added: sum(parsed.files, 'added'), removed: sum(parsed.files, 'removed') };
  }
  return renderStat(change, colour);
}

function sum(files: DiffFile[], key: 'added' | 'removed'): number {
  return files.reduce((total, file) => total + file[key], 0);
}
