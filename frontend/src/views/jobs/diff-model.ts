import type { ChangeSummary, DiffFileStat, DiffHunk, DiffLine, ParsedDiff } from '../../api/types';

/** Files open when the change appears: the first few, within a line budget, so a huge change opens at once. */
const OPEN_FILES = 5;
const OPEN_LINES = 1500;
/** Lines a file draws until the reader asks for all of them: a 5,000-line file would hold up the page. */
export const FILE_LINES = 400;

/** A file of the change: its stat (always complete) and its hunks, once loaded, if the stored diff has it. */
export interface ChangeFile {
  key: string;
  stat: DiffFileStat;
  /** Undefined while the diff loads, or when the diff was cut before this file. */
  hunks: DiffHunk[] | undefined;
}

/**
 * The change's files in the stat's order, each with its hunks from the parsed diff. The stat is
 * the list to show: a diff cut at the node's cap lacks the files past the cut, the stat never does.
 */
export function changeFiles(change: ChangeSummary, diff: ParsedDiff | undefined): ChangeFile[] {
  const hunks = new Map((diff?.files ?? []).map((file) => [file.path, file.hunks]));
  const files: ChangeFile[] = change.files.map((stat) => ({ key: stat.path, stat, hunks: hunks.get(stat.path) }));
  const listed = new Set(change.files.map((stat) => stat.path));
  // A file only the diff names (it should not happen) is still shown rather than silently left out.
  for (const file of diff?.files ?? []) if (!listed.has(file.path)) files.push({ key: file.path, stat: file, hunks: file.hunks });
  return files;
}

/** The files open at first: the first one always, then more while few and small enough. */
export function initiallyOpen(files: readonly ChangeFile[]): Set<string> {
  const open = new Set<string>();
  let lines = 0;
  for (const { key, stat } of files) {
    lines += stat.added + stat.removed;
    if (open.size > 0 && (open.size >= OPEN_FILES || lines > OPEN_LINES)) break;
    open.add(key);
  }
  return open;
}

/** Lines drawn together: "show all" adds a few blocks a frame, so a 5,000-line file never blocks the page. */
const BLOCK_LINES = 200;

/** A run of a hunk's lines; the first block of a hunk carries its `@@` header. */
export interface LineBlock {
  key: number;
  header?: string;
  lines: DiffLine[];
}

/** A file's hunks as blocks of at most `BLOCK_LINES` lines, in order. */
export function lineBlocks(hunks: readonly DiffHunk[]): LineBlock[] {
  const blocks: LineBlock[] = [];
  for (const hunk of hunks) {
    for (let at = 0; at === 0 || at < hunk.lines.length; at += BLOCK_LINES) {
      const lines = hunk.lines.slice(at, at + BLOCK_LINES);
      blocks.push(at === 0 ? { key: blocks.length, header: hunk.header, lines } : { key: blocks.length, lines });
    }
  }
  return blocks;
}

/** How many blocks hold the first `lines` lines (at least one, so a file never shows nothing). */
export function blocksFor(blocks: readonly LineBlock[], lines: number): number {
  let count = 0;
  let total = 0;
  while (count < blocks.length && (count === 0 || total < lines)) total += blocks[count++]?.lines.length ?? 0;
  return count;
}

/** The lines in the blocks from `from` on. */
export const linesFrom = (blocks: readonly LineBlock[], from: number): number => blocks.slice(from).reduce((sum, block) => sum + block.lines.length, 0);

/** `abc1234`: a commit as people quote it. */
export const shortCommit = (sha: string): string => sha.slice(0, 7);
