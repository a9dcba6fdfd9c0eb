/** Characters a POSIX shell takes literally, so a word made of them needs no quotes. */
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/**
 * Joins an argv the way a shell would read it back (`/bin/bash -lc 'echo hi > out.txt'`), as
 * Codex itself renders commands in its approval prompts; the legacy MCP server sends argv arrays.
 */
export function shellJoin(argv: readonly string[]): string {
  return argv.map((word) => (SAFE_WORD.test(word) ? word : `'${word.replace(/'/g, `'"'"'`)}'`)).join(' ');
}
