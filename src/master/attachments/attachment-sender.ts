import type { Logger } from '../../log/index.js';
import type { Frame, JobSpec } from '../../protocol/index.js';
import { partCount, type AttachmentFiles } from './attachment-files.js';

/** What the sender needs of the hub. */
export interface NodeLink {
  sendToNode(name: string, frame: Frame): boolean;
  /** Bytes queued for the node and not yet taken by the kernel; undefined when it is not connected. */
  backlogOf(name: string): number | undefined;
}

/** Past this many queued bytes the sender waits for the node's socket to drain (the hub cuts far later). */
const MAX_BACKLOG_BYTES = 2 * 1024 * 1024;
const DRAIN_CHECK_MS = 10;

/**
 * Sends a job's attachments to the node it was just assigned to, as `job_attachment` parts after
 * its `job_assign`. Parts are read from the store one at a time and sent only while the node's socket
 * keeps up: ten 20 MiB files must not sit in the master's memory nor trip the hub's send limit.
 * A send stops when the node leaves or the job moved on (`current` says no): the next attempt sends anew.
 */
export class AttachmentSender {
  constructor(
    private readonly files: AttachmentFiles,
    private readonly link: NodeLink,
    private readonly log: Logger,
  ) {}

  /** Starts sending; `current` tells whether this attempt of the job is still out on `node`. */
  send(node: string, spec: JobSpec, current: () => boolean): void {
    if (spec.attachments === undefined || spec.attachments.length === 0) return;
    this.sendAll(node, spec, current).catch((error: unknown) => this.log.error({ err: error, job: spec.id, node }, 'could not send the job its attachments'));
  }

  private async sendAll(node: string, spec: JobSpec, current: () => boolean): Promise<void> {
    for (const attachment of spec.attachments ?? []) {
      const parts = partCount(attachment.bytes);
      let part = 0;
      for await (const data of this.files.parts(attachment)) {
        if (!(await this.drained(node)) || !current()) return;
        this.link.sendToNode(node, { type: 'job_attachment', jobId: spec.id, id: attachment.id, part, parts, data: data.toString('base64') });
        part++;
      }
    }
    this.log.info({ job: spec.id, node, files: spec.attachments?.length }, 'attachments sent');
  }

  /** Resolves once the node's backlog is small; false when the node has gone. */
  private async drained(node: string): Promise<boolean> {
    for (;;) {
      const backlog = this.link.backlogOf(node);
      if (backlog === undefined) return false;
      if (backlog < MAX_BACKLOG_BYTES) return true;
      await new Promise((resolve) => setTimeout(resolve, DRAIN_CHECK_MS));
    }
  }
}
