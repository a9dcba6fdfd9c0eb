import { afterAll, describe, expect, it } from 'vitest';
import { everyKindOfChange, git } from '../../test-support/git-change.js';
import { removeTempDirs } from '../../test-support/temp-dir.js';
import { parseUnifiedDiff, unquote, type ParsedDiffFile } from './unified-diff.js';

afterAll(removeTempDirs);

const change = everyKindOfChange();
const files = parseUnifiedDiff(change.diff);
const file = (path: string): ParsedDiffFile => {
  const found = files.find((f) => f.path === path);
  if (!found) throw new Error(`no ${path} in ${files.map((f) => f.path).join(', ')}`);
  return found;
};
const stat = ({ path, oldPath, status, added, removed, binary }: ParsedDiffFile) => ({ path, oldPath, status, added, removed, binary });

describe('parseUnifiedDiff on real git output', () => {
  it('finds every file with the status, counts and paths git gives them', () => {
    expect(files.map(stat)).toEqual([
      { path: 'café.md', oldPath: undefined, status: 'added', added: 1, removed: 0, binary: false },
      { path: 'gone.txt', oldPath: undefined, status: 'deleted', added: 0, removed: 1, binary: false },
      { path: 'logo.bin', oldPath: undefined, status: 'modified', added: 0, removed: 0, binary: true },
      { path: 'new name.txt', oldPath: 'old name.txt', status: 'renamed', added: 1, removed: 1, binary: false },
      { path: 'query.sql', oldPath: undefined, status: 'modified', added: 0, removed: 1, binary: false },
      { path: 'run.sh', oldPath: undefined, status: 'modified', added: 0, removed: 0, binary: false },
      { path: 'src/edit.txt', oldPath: undefined, status: 'modified', added: 3, removed: 1, binary: false },
      { path: 'src/new.ts', oldPath: undefined, status: 'added', added: 1, removed: 0, binary: false },
      { path: 'tail.txt', oldPath: undefined, status: 'modified', added: 1, removed: 0, binary: false },
    ]);
  });

  it("agrees with git's own --numstat on every text file", () => {
    const numstat = git(change.dir, 'diff', '--numstat', '-M', '-z', change.base, change.head);
    // -z: "added\tremoved\tpath\0", or for a rename "added\tremoved\t\0old\0new\0".
    const fields = numstat.split('\0');
    const counts = new Map<string, [number, number]>();
    for (let i = 0; i < fields.length - 1; i++) {
      const [added, removed, path] = (fields[i] ?? '').split('\t');
      if (added === '-' || added === undefined) continue;
      const name = path === '' ? fields[(i += 2)] : path;
      counts.set(name ?? '', [Number(added), Number(removed)]);
    }
    for (const f of files.filter((f) => !f.binary)) expect([f.added, f.removed], f.path).toEqual(counts.get(f.path));
  });

  it('numbers lines on both sides and keeps the section heading in the hunk header', () => {
    const hunks = file('src/edit.txt').hunks;
    expect(hunks.map(({ header, oldStart, oldLines, newStart, newLines }) => ({ header, oldStart, oldLines, newStart, newLines }))).toEqual([
      { header: '@@ -1,3 +1,4 @@', oldStart: 1, oldLines: 3, newStart: 1, newLines: 4 },
      { header: '@@ -17,7 +18,7 @@ line 16', oldStart: 17, oldLines: 7, newStart: 18, newLines: 7 },
      { header: '@@ -38,3 +39,4 @@ line 37', oldStart: 38, oldLines: 3, newStart: 39, newLines: 4 },
    ]);
    expect(hunks[0]?.lines.slice(0, 2)).toEqual([
      { kind: 'add', text: 'line 0', newLine: 1 },
      { kind: 'ctx', text: 'line 1', oldLine: 1, newLine: 2 },
    ]);
    expect(hunks[1]?.lines.slice(3, 5)).toEqual([
      { kind: 'del', text: 'line 20', oldLine: 20 },
      { kind: 'add', text: 'line twenty', newLine: 21 },
    ]);
  });

  it('reads a removed "-- x" as a removed line, not as a file header', () => {
    expect(file('query.sql').hunks[0]?.lines).toEqual([
      { kind: 'ctx', text: 'select 1;', oldLine: 1, newLine: 1 },
      { kind: 'del', text: '-- x', oldLine: 2 },
      { kind: 'ctx', text: 'select 2;', oldLine: 3, newLine: 2 },
    ]);
  });

  it('marks the line that ends its file without a newline', () => {
    const lines = file('tail.txt').hunks[0]?.lines ?? [];
    expect(lines.at(-1)).toEqual({ kind: 'add', text: 'three', newLine: 3, noNewline: true });
    expect(lines.filter((l) => l.noNewline)).toHaveLength(1);
  });

  it('names a binary file without hunks, and a mode change without any', () => {
    expect(file('logo.bin').hunks).toEqual([]);
    expect(file('run.sh').hunks).toEqual([]);
  });
});

describe('parseUnifiedDiff on what real git output can also hold', () => {
  it('reads a deleted binary file and a new one from the Binary files line', () => {
    const diff = [
      'diff --git a/old.png b/old.png',
      'deleted file mode 100644',
      'index 1234567..0000000',
      'Binary files a/old.png and /dev/null differ',
      'diff --git a/new.png b/new.png',
      'new file mode 100644',
      'index 0000000..1234567',
      'Binary files /dev/null and b/new.png differ',
      '',
    ].join('\n');
    expect(parseUnifiedDiff(diff).map(stat)).toEqual([
      { path: 'old.png', oldPath: undefined, status: 'deleted', added: 0, removed: 0, binary: true },
      { path: 'new.png', oldPath: undefined, status: 'added', added: 0, removed: 0, binary: true },
    ]);
  });

  it('reads a pure rename, a copy, a type change and an empty new file, which have no hunks', () => {
    const diff = [
      'diff --git a/a.txt b/b.txt',
      'similarity index 100%',
      'rename from a.txt',
      'rename to b.txt',
      'diff --git a/c.txt b/d.txt',
      'similarity index 100%',
      'copy from c.txt',
      'copy to d.txt',
      'diff --git a/link b/link',
      'old mode 120000',
      'new mode 100644',
      'diff --git a/empty b/empty',
      'new file mode 100644',
      'index 0000000..e69de29',
    ].join('\n');
    expect(parseUnifiedDiff(diff).map((f) => [f.path, f.oldPath, f.status, f.hunks.length])).toEqual([
      ['b.txt', 'a.txt', 'renamed', 0],
      ['d.txt', 'c.txt', 'copied', 0],
      ['link', undefined, 'type_changed', 0],
      ['empty', undefined, 'added', 0],
    ]);
  });

  it('keeps what it has of a diff cut mid-hunk, and skips the note after the cut', () => {
    const diff = ['diff --git a/big.txt b/big.txt', '--- a/big.txt', '+++ b/big.txt', '@@ -1,5 +1,5 @@', ' a', '-b', '+B', '[diff cut at 5 MiB by the node]', ''].join('\n');
    const [big] = parseUnifiedDiff(diff);
    expect(big?.hunks[0]?.lines.map((l) => l.kind)).toEqual(['ctx', 'del', 'add']);
    expect([big?.added, big?.removed]).toEqual([1, 1]);
  });

  it('takes an empty line inside a hunk for a context line that lost its space', () => {
    const diff = ['--- a/x', '+++ b/x', '@@ -1,3 +1,3 @@', ' one', '', '-three', '+THREE', '--- a/y', '+++ b/y', '@@ -1 +1 @@', '-y', '+Y'].join('\n');
    const parsed = parseUnifiedDiff(diff);
    expect(parsed.map((f) => f.path)).toEqual(['x', 'y']);
    expect(parsed[0]?.hunks[0]?.lines[1]).toEqual({ kind: 'ctx', text: '', oldLine: 2, newLine: 2 });
  });

  it('gives nothing for an empty diff', () => {
    expect(parseUnifiedDiff('')).toEqual([]);
  });

  it("unquotes git's C-style paths", () => {
    expect(unquote('"caf\\303\\251 \\"menu\\"\\tfinal.md"')).toBe('café "menu"\tfinal.md');
    expect(unquote('plain.txt')).toBe('plain.txt');
  });
});
