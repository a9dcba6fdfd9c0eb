import type { DiffFile } from '../protocol/index.js';

const STATUSES: Record<string, DiffFile['status']> = {
  A: 'added',
  M: 'modified',
  D: 'deleted',
  R: 'renamed',
  C: 'copied',
  T: 'type_changed',
};

/**
 * The files of a diff from git's `--name-status -z` and `--numstat -z` outputs of the same diff.
 * Both name a rename or copy by its old and new path; the files are matched on the new one.
 */
export function parseDiffFiles(nameStatus: string, numstat: string): DiffFile[] {
  const counts = parseNumstat(numstat);
  return parseNameStatus(nameStatus).map(({ status, path, oldPath }) => {
    const count = counts.get(path);
    return {
      path,
      ...(oldPath === undefined ? {} : { oldPath }),
      status,
      added: count?.added ?? 0,
      removed: count?.removed ?? 0,
      binary: count?.binary ?? false,
    };
  });
}

interface NamedFile {
  status: DiffFile['status'];
  path: string;
  oldPath?: string;
}

/** `M\0path\0`, or `R100\0old\0new\0` for renames and copies. */
function parseNameStatus(output: string): NamedFile[] {
  const fields = output.split('\0');
  const files: NamedFile[] = [];
  for (let i = 0; i + 1 < fields.length; ) {
    const letter = (fields[i] ?? '').charAt(0);
    // Unmerged (U) and unknown (X) entries do not occur between two commits; they read as modified.
    const status = STATUSES[letter] ?? 'modified';
    if (letter === 'R' || letter === 'C') {
      files.push({ status, oldPath: fields[i + 1] ?? '', path: fields[i + 2] ?? '' });
      i += 3;
    } else {
      files.push({ status, path: fields[i + 1] ?? '' });
      i += 2;
    }
  }
  return files;
}

interface Count {
  added: number;
  removed: number;
  binary: boolean;
}

/** `added\tremoved\tpath\0`, or `added\tremoved\t\0old\0new\0` for renames; `-\t-` for binary files. */
function parseNumstat(output: string): Map<string, Count> {
  const fields = output.split('\0');
  const counts = new Map<string, Count>();
  for (let i = 0; i < fields.length; ) {
    const entry = fields[i] ?? '';
    const first = entry.indexOf('\t');
    const second = entry.indexOf('\t', first + 1);
    if (first <= 0 || second < 0) break;
    // A path may hold tabs: only the first two separate the counts.
    const [added, removed, path] = [entry.slice(0, first), entry.slice(first + 1, second), entry.slice(second + 1)];
    const renamed = path === '';
    const key = renamed ? (fields[i + 2] ?? '') : path;
    const binary = added === '-';
    counts.set(key, { added: binary ? 0 : Number(added), removed: binary ? 0 : Number(removed), binary });
    i += renamed ? 3 : 1;
  }
  return counts;
}
