import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';

/** A server request the stand-in sends in its turn: the method and its params. */
export type Ask = [method: string, params: Record<string, unknown>];

/** The thread and turn the stand-in's requests name. */
export const ASK_IDS = { threadId: 'th1', turnId: 'tu1' };

/**
 * Writes a stand-in `codex app-server` (a Node script; run it with `process.execPath`) whose turn
 * sends `asks`, the requests the real binary cannot be scripted to send offline (MCP elicitations,
 * user-input questions, dynamic tool calls, methods of a newer Codex), then reports every reply it
 * received, verbatim, as the turn's final message: `{ask0: {result} | {error: {code}}, …}`.
 */
export function writeAskingAppServer(asks: readonly Ask[]): string {
  const script = join(tempDir('csc-fake-codex-'), 'fake-app-server.mjs');
  writeFileSync(
    script,
    `
import { createInterface } from 'node:readline';
const out = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
const ids = ${JSON.stringify(ASK_IDS)};
const asks = ${JSON.stringify(asks)};
const replies = {};
let pending = asks.length;
createInterface({ input: process.stdin }).on('line', (line) => {
  const m = JSON.parse(line);
  if (m.method === undefined) {
    replies[m.id] = m.error ? { error: { code: m.error.code } } : { result: m.result };
    if (--pending === 0) {
      out({ method: 'item/completed', params: { ...ids, item: { type: 'agentMessage', id: 'm1', text: JSON.stringify(replies) } } });
      out({ method: 'turn/completed', params: { threadId: ids.threadId, turn: { id: ids.turnId, status: 'completed', error: null } } });
    }
    return;
  }
  switch (m.method) {
    case 'initialize': return out({ id: m.id, result: { userAgent: 'fake' } });
    case 'thread/start': return out({ id: m.id, result: { thread: { id: ids.threadId } } });
    case 'turn/start':
      out({ id: m.id, result: { turn: { id: ids.turnId } } });
      out({ method: 'turn/started', params: { threadId: ids.threadId, turn: { id: ids.turnId } } });
      asks.forEach(([method, params], index) => out({ id: 'ask' + index, method, params }));
      return;
  }
});
`,
  );
  return script;
}
