import type { Frame } from '../../protocol/index.js';
import type { Client } from './client.js';

/** The frames a bridge sends to ask the master for something. */
export type BridgeRequestFrame = Extract<Frame, { type: 'job_submit' | 'job_cancel_request' | 'status_request' | 'job_follow' | 'job_publish_request' | 'question_answer' | 'attachment_upload' | 'usage_request' }>;

/** What the hub tells the bridge layer; implemented by `BridgeRequests`. */
export interface BridgeChannel {
  bridgeReady(client: Client): void;
  bridgeGone(client: Client): void;
  request(client: Client, frame: BridgeRequestFrame): void;
}
