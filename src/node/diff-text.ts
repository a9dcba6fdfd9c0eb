/** The most JSON-encoded text one `diff` event carries, so that several fit in a frame. */
export const DIFF_PART_BYTES = 256 * 1024;

/** The default cap on the diff a job sends (`NODE_DIFF_MAX_BYTES`); the stat is never cut. */
export const DEFAULT_DIFF_MAX_BYTES = 5 * 1024 * 1024;

/** A job's unified diff as kept: whole, or cut at the cap with a note saying so. */
export interface KeptDiff {
  text: string;
  /** Size of the whole diff, before any cut. */
  bytes: number;
  truncated: boolean;
}

/**
 * Collects a diff streamed from git, keeping at most `maxBytes` of it and counting the rest, so
 * that memory stays bounded whatever the job wrote.
 */
export class DiffCollector {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private total = 0;

  constructor(private readonly maxBytes: number) {}

  readonly add = (chunk: Buffer): void => {
    this.total += chunk.length;
    const room = this.maxBytes - this.kept;
    if (room <= 0) return;
    const part = chunk.length <= room ? chunk : chunk.subarray(0, room);
    this.chunks.push(part);
    this.kept += part.length;
  };

  /**
   * The diff, or its head when it is over the cap: cut before the last file that does not fit
   * whole, so the files kept still apply with `git apply`, or, when even the first file is over the
   * cap, at a line end. A note line ends a cut diff (`git apply` skips text between files).
   */
  result(): KeptDiff {
    const head = Buffer.concat(this.chunks);
    if (this.total <= this.maxBytes) return { text: head.toString('utf8'), bytes: this.total, truncated: false };
    const lastFile = head.lastIndexOf('\ndiff --git ');
    const cut = lastFile > 0 ? lastFile + 1 : head.lastIndexOf('\n') + 1;
    const note =
      `[csc: the diff stops here: it is ${this.total} bytes, more than the ${this.maxBytes} this node sends (NODE_DIFF_MAX_BYTES); ` +
      'the list of files and their line counts is complete]\n';
    return { text: head.subarray(0, cut).toString('utf8') + note, bytes: this.total, truncated: true };
  }
}

/**
 * The diff in parts of at most `maxPartBytes` once JSON-encoded, cut at line ends (a line longer
 * than a part is cut within it), in order: the parts joined are the diff.
 */
export function diffParts(text: string, maxPartBytes = DIFF_PART_BYTES): string[] {
  const parts: string[] = [];
  let current: string[] = [];
  let bytes = 0;
  for (const line of linesOf(text)) {
    for (const piece of piecesOf(line, maxPartBytes)) {
      const size = encodedSize(piece);
      if (bytes + size > maxPartBytes && current.length > 0) {
        parts.push(current.join(''));
        current = [];
        bytes = 0;
      }
      current.push(piece);
      bytes += size;
    }
  }
  if (current.length > 0) parts.push(current.join(''));
  return parts;
}

/** Lines with their `\n`. */
function* linesOf(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    const end = text.indexOf('\n', start);
    const next = end < 0 ? text.length : end + 1;
    yield text.slice(start, next);
    start = next;
  }
}

/**
 * A line cut into pieces that fit a part. A UTF-16 unit takes at most 6 bytes in JSON (`\u0000`),
 * so pieces of a sixth of the budget always fit; a surrogate pair is never split.
 */
function piecesOf(line: string, maxPartBytes: number): string[] {
  if (encodedSize(line) <= maxPartBytes) return [line];
  const step = Math.max(2, Math.floor(maxPartBytes / 6));
  const pieces: string[] = [];
  for (let start = 0; start < line.length; ) {
    let end = Math.min(line.length, start + step);
    const code = line.charCodeAt(end - 1);
    if (end < line.length && code >= 0xd800 && code <= 0xdbff) end -= 1;
    pieces.push(line.slice(start, end));
    start = end;
  }
  return pieces;
}

/** Bytes of `text` inside a JSON string (without the quotes). */
function encodedSize(text: string): number {
  return Buffer.byteLength(JSON.stringify(text)) - 2;
}
