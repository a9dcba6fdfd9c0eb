import type { Environment } from '../config/index.js';
import type { ChangeSummary } from '../protocol/index.js';

/** SGR codes, as `git diff --color` uses them. */
const SGR = { add: '\x1b[32m', del: '\x1b[31m', hunk: '\x1b[36m', meta: '\x1b[1m', reset: '\x1b[m' } as const;

type LineKind = 'add' | 'del' | 'ctx' | 'hunk' | 'meta' | 'other';

/**
 * Whether to colour output for `stream`: `FORCE_COLOR` (any value but `0` or `false`) forces it,
 * `NO_COLOR` (https://no-color.org) turns it off, and otherwise only a terminal gets colour, so
 * that a diff piped to a file or `git apply` stays the master's bytes.
 */
export function wantsColour(stream: { isTTY?: boolean }, env: Environment): boolean {
  const force = env.get('FORCE_COLOR')?.value;
  if (force !== undefined) return force !== '0' && force !== 'false';
  if (env.get('NO_COLOR') !== undefined) return false;
  return stream.isTTY === true;
}

/**
 * A unified diff coloured as git does: additions green, removals red, hunk headers cyan, file
 * headers bold. Lines are classified by each hunk's line counts, so a removed `-- x` (which reads
 * `--- x`) is red, not a header.
 */
export function colourDiff(diff: string): string {
  const left = { old: 0, new: 0 };
  return diff
    .split('\n')
    .map((line) => {
      const kind = classify(line, left);
      return kind === 'ctx' || kind === 'other' || line === '' ? line : `${SGR[kind]}${line}${SGR.reset}`;
    })
    .join('\n');
}

/** What a line is, given the lines its hunk still has to come (`left`, updated). */
function classify(line: string, left: { old: number; new: number }): LineKind {
  // `\ No newline at end of file` can come between a hunk's removals and its additions.
  if (line.startsWith('\\')) return 'other';
  if ((left.old > 0 || left.new > 0) && /^[ +-]|^$/.test(line)) {
    const kind = line.startsWith('+') ? 'add' : line.startsWith('-') ? 'del' : 'ctx';
    if (kind !== 'add') left.old--;
    if (kind !== 'del') left.new--;
    return kind;
  }
  const hunk = /^@@ -\d+(?:,(\d+))? \+\d+(?:,(\d+))? @@/.exec(line);
  left.old = hunk ? Number(hunk[1] ?? 1) : 0;
  left.new = hunk ? Number(hunk[2] ?? 1) : 0;
  return hunk ? 'hunk' : line === '' ? 'other' : 'meta';
}

/** The change's stat as `git diff --stat` prints it: one line per file, then the totals. */
export function renderStat(change: Pick<ChangeSummary, 'files' | 'added' | 'removed'>, colour: boolean): string {
  const names = change.files.map((f) => (f.oldPath === undefined ? f.path : `${f.oldPath} => ${f.path}`));
  const width = Math.max(0, ...names.map((n) => n.length));
  const most = Math.max(1, ...change.files.map((f) => f.added + f.removed));
  const countWidth = String(most).length;
  const paint = (code: string, text: string) => (colour && text !== '' ? `${code}${text}${SGR.reset}` : text);
  const lines = change.files.map((f, i) => {
    if (f.binary) return ` ${(names[i] ?? '').padEnd(width)} | Bin`;
    // At most 50 marks for the largest file, as git scales its graph.
    const scale = Math.min(1, 50 / most);
    const plus = '+'.repeat(Math.ceil(f.added * scale));
    const minus = '-'.repeat(Math.ceil(f.removed * scale));
    return ` ${(names[i] ?? '').padEnd(width)} | ${String(f.added + f.removed).padStart(countWidth)} ${paint(SGR.add, plus)}${paint(SGR.del, minus)}`;
  });
  const files = change.files.length;
  lines.push(` ${files} file${files === 1 ? '' : 's'} changed, ${change.added} insertion${change.added === 1 ? '' : 's'}(+), ${change.removed} deletion${change.removed === 1 ? '' : 's'}(-)`);
  return `${lines.join('\n')}\n`;
}
