import type { DiffFile } from '../../protocol/index.js';

/** One line of a hunk, with its numbers in the old and the new file (context lines have both). */
export interface DiffLine {
  kind: 'add' | 'del' | 'ctx';
  /** The line without its `+`, `-` or space. */
  text: string;
  oldLine?: number;
  newLine?: number;
  /** Git's `\ No newline at end of file` followed this line: the file ends here without one. */
  noNewline?: true;
}

/** One `@@ -a,b +c,d @@` block. */
export interface DiffHunk {
  /** The whole `@@` line, with the section heading git puts after it. */
  header: string;
  oldStart: number;
  oldLines: number;
  newStart: number;
  newLines: number;
  lines: DiffLine[];
}

/** A file of a parsed diff: its stat (as in a job's `change.files`) and its hunks (none for a binary file). */
export interface ParsedDiffFile extends DiffFile {
  hunks: DiffHunk[];
}

/** What a file's header lines say, before its hunks are counted. */
interface FileState {
  file: ParsedDiffFile;
  oldMode?: string;
  newMode?: string;
}

/** The hunk being read and the lines it still has to come, per side. */
interface HunkState {
  hunk: DiffHunk;
  oldLeft: number;
  newLeft: number;
  oldLine: number;
  newLine: number;
}

const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;
const FILE_TYPE = (mode: string | undefined): string | undefined => mode?.slice(0, -4);

/**
 * Parses `git diff` output (unified, with git's extended headers): new, deleted, renamed and
 * copied files, mode changes, binary files (named, never inlined), quoted paths and
 * `\ No newline at end of file`. Hunks are read by their line counts, so a removed line that
 * reads `-- x` is not taken for a file header; a line that fits nowhere (the node's note after a
 * cut diff) ends the hunk and is skipped, and a hunk cut short keeps the lines it has.
 */
export function parseUnifiedDiff(text: string): ParsedDiffFile[] {
  const files: FileState[] = [];
  let current: FileState | undefined;
  let hunk: HunkState | undefined;
  let last: DiffLine | undefined;
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  for (const line of lines) {
    if (line.startsWith('\\')) {
      if (last) last.noNewline = true;
      continue;
    }
    if (hunk && (hunk.oldLeft > 0 || hunk.newLeft > 0)) {
      last = hunkLine(hunk, line);
      if (last) continue;
    }
    hunk = undefined;
    last = undefined;
    if (line.startsWith('diff --git ') || (line.startsWith('--- ') && (!current || current.file.hunks.length > 0))) {
      current = { file: newFile(line.startsWith('diff --git ') ? gitHeaderPaths(line.slice(11)) : undefined) };
      files.push(current);
      if (line.startsWith('diff --git ')) continue;
    }
    if (!current) continue;
    if (line.startsWith('@@')) hunk = startHunk(current.file, line);
    else fileHeader(current, line);
  }
  return files.map(finish);
}

function newFile(path: string | undefined): ParsedDiffFile {
  return { path: path ?? '', status: 'modified', added: 0, removed: 0, binary: false, hunks: [] };
}

function startHunk(file: ParsedDiffFile, line: string): HunkState | undefined {
  const match = HUNK_HEADER.exec(line);
  if (!match) return undefined;
  const count = (group: string | undefined) => (group === undefined ? 1 : Number(group));
  const hunk: DiffHunk = { header: line, oldStart: Number(match[1]), oldLines: count(match[2]), newStart: Number(match[3]), newLines: count(match[4]), lines: [] };
  file.hunks.push(hunk);
  return { hunk, oldLeft: hunk.oldLines, newLeft: hunk.newLines, oldLine: hunk.oldStart, newLine: hunk.newStart };
}

/** Takes one line into the hunk; undefined when it is not one of the hunk's lines. */
function hunkLine(state: HunkState, line: string): DiffLine | undefined {
  const mark = line.charAt(0);
  let parsed: DiffLine;
  // An empty line is a context line whose space an editor or a mail client took off.
  if ((mark === ' ' || line === '') && state.oldLeft > 0 && state.newLeft > 0) {
    parsed = { kind: 'ctx', text: line.slice(1), oldLine: state.oldLine++, newLine: state.newLine++ };
    state.oldLeft--;
    state.newLeft--;
  } else if (mark === '-' && state.oldLeft > 0) {
    parsed = { kind: 'del', text: line.slice(1), oldLine: state.oldLine++ };
    state.oldLeft--;
  } else if (mark === '+' && state.newLeft > 0) {
    parsed = { kind: 'add', text: line.slice(1), newLine: state.newLine++ };
    state.newLeft--;
  } else {
    return undefined;
  }
  state.hunk.lines.push(parsed);
  return parsed;
}

/** The extended header lines git writes between `diff --git` and the first hunk. */
function fileHeader(state: FileState, line: string): void {
  const { file } = state;
  const [key, value] = headerField(line);
  switch (key) {
    case 'old mode':
      state.oldMode = value;
      return;
    case 'new mode':
      state.newMode = value;
      return;
    case 'new file mode':
      file.status = 'added';
      return;
    case 'deleted file mode':
      file.status = 'deleted';
      return;
    case 'rename from':
    case 'copy from':
      file.status = key === 'rename from' ? 'renamed' : 'copied';
      file.oldPath = unquote(value);
      return;
    case 'rename to':
    case 'copy to':
      file.path = unquote(value);
      return;
    case '---':
    case '+++':
      return sidePath(file, key, value);
    case 'Binary files':
    case 'GIT binary patch':
      return binary(file, value);
  }
}

const HEADER_KEYS = ['old mode', 'new mode', 'new file mode', 'deleted file mode', 'rename from', 'rename to', 'copy from', 'copy to', '---', '+++', 'Binary files', 'GIT binary patch'];

function headerField(line: string): [string | undefined, string] {
  const key = HEADER_KEYS.find((k) => line === k || line.startsWith(`${k} `));
  return [key, key === undefined ? '' : line.slice(key.length + 1)];
}

/** `--- a/x` / `+++ b/x` (or /dev/null): the file's path on that side; the new side names the file. */
function sidePath(file: ParsedDiffFile, side: '---' | '+++', value: string): void {
  // git ends a path with a space by a tab; diff(1) puts a timestamp after one.
  const raw = value.includes('\t') ? value.slice(0, value.indexOf('\t')) : value;
  if (raw === '/dev/null') {
    if (file.status === 'modified') file.status = side === '---' ? 'added' : 'deleted';
    return;
  }
  const path = stripPrefix(unquote(raw));
  if (side === '+++' || file.path === '') file.path = path;
}

/** `Binary files a/x and b/y differ`: the file's paths, when no other header named them. */
function binary(file: ParsedDiffFile, value: string): void {
  file.binary = true;
  const match = /^(.*) and (.*) differ$/.exec(value);
  if (!match) return;
  const [, before = '', after = ''] = match;
  if (file.status === 'modified' && before === '/dev/null') file.status = 'added';
  if (file.status === 'modified' && after === '/dev/null') file.status = 'deleted';
  if (file.path === '') file.path = stripPrefix(unquote(after === '/dev/null' ? before : after));
}

function finish(state: FileState): ParsedDiffFile {
  const { file } = state;
  if (file.status === 'modified' && FILE_TYPE(state.oldMode) !== FILE_TYPE(state.newMode)) file.status = 'type_changed';
  for (const hunk of file.hunks) {
    for (const line of hunk.lines) {
      if (line.kind === 'add') file.added++;
      else if (line.kind === 'del') file.removed++;
    }
  }
  return file;
}

/**
 * The path of `diff --git a/x b/x`. Without a rename both halves are the same path, so the line
 * splits in the middle even when the path has spaces; quoted paths are read as git writes them.
 */
function gitHeaderPaths(rest: string): string | undefined {
  if (rest.startsWith('"')) {
    const end = quotedEnd(rest);
    const after = rest.slice(end + 1).trimStart();
    return stripPrefix(unquote(after === '' ? rest : after));
  }
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest.charAt(half) === ' ' && stripPrefix(rest.slice(0, half)) === stripPrefix(rest.slice(half + 1))) {
    return stripPrefix(rest.slice(half + 1));
  }
  const split = rest.indexOf(' b/');
  return split < 0 ? undefined : stripPrefix(unquote(rest.slice(split + 1)));
}

/** Index of the quote that closes the quoted string at the start of `text`. */
function quotedEnd(text: string): number {
  for (let i = 1; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return text.length - 1;
}

function stripPrefix(path: string): string {
  return path.startsWith('a/') || path.startsWith('b/') ? path.slice(2) : path;
}

const ESCAPES: Record<string, number> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, '"': 34, '\\': 92 };

/** Git's C-style quoting (`"t\303\251st"`): escapes and octal UTF-8 bytes back to the path. */
export function unquote(path: string): string {
  if (!path.startsWith('"') || !path.endsWith('"') || path.length < 2) return path;
  const bytes: number[] = [];
  const body = path.slice(1, -1);
  for (let i = 0; i < body.length; i++) {
    const char = body.charAt(i);
    if (char !== '\\') {
      bytes.push(...Buffer.from(char, 'utf8'));
      continue;
    }
    const octal = /^[0-7]{3}/.exec(body.slice(i + 1))?.[0];
    if (octal !== undefined) {
      bytes.push(Number.parseInt(octal, 8));
      i += 3;
    } else {
      bytes.push(ESCAPES[body.charAt(i + 1)] ?? body.charCodeAt(i + 1));
      i++;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
