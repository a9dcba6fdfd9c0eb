import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

/** Kinds of trace lines: what arrived, what a run did, what the bot said, what went wrong. */
export type TraceKind = 'update' | 'run_step' | 'reply' | 'error';

/**
 * `{dir}/{yyyy-mm-dd}.jsonl`: one JSON object a line for every update, run step, reply and error.
 * Secrets (the bot token, anything that looks like one) are replaced before the line is written.
 */
export class TraceLog {
  constructor(
    private readonly dir: string,
    private readonly secrets: readonly string[],
  ) {
    mkdirSync(dir, { recursive: true });
  }

  /** Appends one line; a trace that cannot be written never stops the bot. */
  write(kind: TraceKind, data: Record<string, unknown>): void {
    const at = new Date();
    const line = this.redact(JSON.stringify({ at: at.toISOString(), kind, ...data }));
    try {
      appendFileSync(join(this.dir, `${at.toISOString().slice(0, 10)}.jsonl`), `${line}\n`, { mode: 0o600 });
    } catch {
      // Disk full or directory removed: the chat goes on without its trace.
    }
  }

  private redact(line: string): string {
    let out = line.replace(/\b\d{6,}:[\w-]{30,}\b/g, '[redacted]');
    for (const secret of this.secrets) if (secret.length >= 8) out = out.split(secret).join('[redacted]');
    return out;
  }
}
