/**
 * Preloaded into each pipeline process as `--import <this file>?dir=<dir>&after=<ms>` when
 * BENCH_CPU_PROF_AFTER_MS is set with BENCH_CPU_PROF=<dir>: starts a V8 CPU profile `after` ms
 * after the process starts and writes it to <dir>/<pid>.cpuprofile on exit. A profile from the
 * start (plain BENCH_CPU_PROF) is mostly module loading and code not optimized yet; this one shows
 * the steady state the bench measures.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import { join } from 'node:path';

const options = new URL(import.meta.url).searchParams;
const dir = options.get('dir') ?? '.';
const afterMs = Number(options.get('after') ?? 0);
const session = new Session();
session.connect();
session.post('Profiler.enable');
setTimeout(() => session.post('Profiler.start'), afterMs).unref();
process.on('exit', () => {
  // A session in this thread answers synchronously, so the profile is written before the exit.
  session.post('Profiler.stop', (error, result) => {
    if (error) process.stderr.write(`profile-after: ${error.message}\n`);
    else writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
  });
});
